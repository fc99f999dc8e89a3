//! Lab 05's server: remote commands answered with a JSON header, uploads stored, downloads served, in our wire format or the lessons'.

use std::fs::{self};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;

use crate::framing::json_header::{HeaderError, JsonHeader};
use crate::harness::Compat;
use crate::kit::runner::RunnerConfig;
use crate::lang::Lang;
use crate::lessons::lab05_json_header::CommandReply;
use crate::lessons::LESSON_RECV;
use crate::t;

use super::{
    copy_exact, error_reply, file_header, md5_then_rewind, open_plain_file, receive_into_dir,
    safe_name, send_open_file, unfinished, Request, TransferError, DEFAULT_MAX_FILE,
};

/// How a lab 05 server behaves.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// How commands run.
    pub runner: RunnerConfig,
    /// The one folder files are stored into and served from.
    pub dir: PathBuf,
    /// Replace existing files on upload.
    pub overwrite: bool,
    /// Wire format.
    pub compat: Compat,
    /// Seed 004's server: push this file to every client that connects.
    pub push: Option<PathBuf>,
    /// Header and body limits.
    pub codec: JsonHeader,
    /// Largest upload.
    pub max_file: u64,
    /// Print one line per stored or sent file.
    pub log: bool,
    /// What the connections may hold at once: each reserves room for one
    /// header (`--max-header`) while it is connected, each command twice
    /// `--max-output` while it runs. File bodies go to disk in 64 KiB
    /// pieces and reserve nothing.
    pub budget: std::sync::Arc<crate::kit::budget::MemoryBudget>,
}

impl ServerConfig {
    /// Defaults around a folder.
    pub fn new(dir: PathBuf) -> ServerConfig {
        ServerConfig {
            runner: RunnerConfig::default(),
            dir,
            overwrite: false,
            compat: Compat::Ours,
            push: None,
            codec: JsonHeader::lesson(),
            max_file: DEFAULT_MAX_FILE,
            log: true,
            budget: crate::kit::budget::MemoryBudget::unlimited(),
        }
    }
}

/// A catalog message in English: the text that goes on the wire.
fn en(key: &str, args: &[(&str, String)]) -> String {
    crate::lang::tr_in(Lang::En, key, args)
}

/// A reader that first returns bytes already received, then the socket
/// (lesson mode reads one recv(1024) before it knows what it got).
struct Prefixed<'a> {
    pre: Vec<u8>,
    pos: usize,
    inner: &'a TcpStream,
}

impl Read for Prefixed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos < self.pre.len() {
            let n = buf.len().min(self.pre.len() - self.pos);
            buf[..n].copy_from_slice(&self.pre[self.pos..self.pos + n]);
            self.pos += n;
            return Ok(n);
        }
        (&mut &*self.inner).read(buf)
    }
}

/// Does a first recv look like a framed request (4-byte length, then `{`)
/// rather than a raw command? Lesson mode accepts both on one port.
fn looks_framed(first: &[u8], codec: &JsonHeader) -> bool {
    match first.first_chunk::<4>() {
        Some(h) => {
            matches!(codec.prefix.unpack(*h), Ok(n) if n >= 2) && first.get(4) == Some(&b'{')
        }
        None => false,
    }
}

/// Serves one connection until the client closes: commands, uploads,
/// downloads. An error that leaves the stream in sync is answered and the
/// connection goes on; one that does not (a bad header) is answered if
/// possible and ends this connection only.
pub fn handle_connection(
    stream: TcpStream,
    peer: SocketAddr,
    cfg: &ServerConfig,
) -> Result<(), TransferError> {
    if let Some(path) = &cfg.push {
        return push_file(&stream, peer, path, cfg);
    }
    let max_header = cfg.codec.prefix.max_frame as u64;
    let header_room = cfg.budget.reserve(max_header, || {
        en("lab05-budget-header", &[("max", max_header.to_string())])
    });
    let _header_room = match header_room {
        Ok(r) => r,
        Err(e) => {
            let _ = cfg
                .codec
                .write_message(&mut &stream, &error_reply(&e.to_string()), b"");
            crate::kit::server::close_after_reply(&stream);
            return Err(e.into());
        }
    };
    let mut leftover: Vec<u8> = Vec::new();
    loop {
        let (req, rest) = match next_request(&stream, cfg, std::mem::take(&mut leftover)) {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(()),
            Err(e) => {
                let e = e.idle_aware();
                if !matches!(e, TransferError::Idle) {
                    let _ =
                        cfg.codec
                            .write_message(&mut &stream, &error_reply(&e.to_string()), b"");
                }
                return Err(e);
            }
        };
        leftover = rest;
        let mut input = Prefixed {
            pre: std::mem::take(&mut leftover),
            pos: 0,
            inner: &stream,
        };
        let outcome = serve_request(req, &mut input, &stream, peer, cfg);
        leftover = input.pre.split_off(input.pos.min(input.pre.len()));
        match outcome {
            Ok(()) => {}
            // Out of step: the body was cut, or a download's file changed
            // after its header went out. Only closing can tell the client.
            Err(e @ (TransferError::Truncated { .. } | TransferError::Changed { .. })) => {
                return Err(e)
            }
            Err(
                e @ (TransferError::Io(_) | TransferError::Header(_) | TransferError::Lost { .. }),
            ) => return Err(e.idle_aware()),
            Err(e) => {
                // In sync: answer, log, go on serving this client.
                if cfg.log {
                    eprintln!(
                        "{}",
                        t!("lab05-server-refused", peer = peer, error = e.localized())
                    );
                }
                cfg.codec
                    .write_message(&mut &stream, &error_reply(&e.to_string()), b"")?;
            }
        }
    }
}

/// Reads the next request. `Ok(None)` when the client closed between requests.
fn next_request(
    stream: &TcpStream,
    cfg: &ServerConfig,
    leftover: Vec<u8>,
) -> Result<Option<(Request, Vec<u8>)>, TransferError> {
    match cfg.compat {
        Compat::Ours => match cfg.codec.read_header(&mut &*stream) {
            Ok(h) => Ok(Some((Request::from_header(&h)?, leftover))),
            Err(HeaderError::Closed) => Ok(None),
            Err(e) => Err(e.into()),
        },
        Compat::Lesson => {
            // The lesson's server: cmd = conn.recv(1024)
            let first = if leftover.is_empty() {
                crate::kit::sock::recv_once(stream, LESSON_RECV)?
            } else {
                leftover
            };
            if first.is_empty() {
                return Ok(None);
            }
            if !looks_framed(&first, &cfg.codec) {
                return Ok(Some((Request::Command(first), Vec::new())));
            }
            let mut input = Prefixed {
                pre: first,
                pos: 0,
                inner: stream,
            };
            let h = cfg.codec.read_header(&mut input)?;
            let rest = input.pre.split_off(input.pos);
            Ok(Some((Request::from_header(&h)?, rest)))
        }
    }
}

fn serve_request<R: Read>(
    req: Request,
    input: &mut R,
    stream: &TcpStream,
    peer: SocketAddr,
    cfg: &ServerConfig,
) -> Result<(), TransferError> {
    let codec = &cfg.codec;
    match req {
        Request::Command(cmd) => {
            let _room = cfg.budget.reserve(2 * cfg.runner.max_output as u64, || {
                let cmd = crate::kit::text::preview(&cmd, 40);
                en("lab05-budget-output", &[("cmd", cmd)])
            })?;
            let out = crate::kit::runner::run(&cmd, &cfg.runner);
            let header = CommandReply::header_for(&out);
            // stdout then stderr straight from the output, through one
            // 64 KiB buffer: no third copy of up to --max-output bytes held
            // while a slow client reads, and a small reply still leaves in
            // one write (two small writes would meet Nagle, lab 02).
            let head = codec.encode_header(&header)?;
            let mut w = io::BufWriter::with_capacity(super::CHUNK, stream);
            let sent = [&head[..], &out.stdout, &out.stderr]
                .iter()
                .try_for_each(|part| w.write_all(part))
                .and_then(|()| w.flush());
            // After a failed write, drop the rest rather than try again.
            let _ = w.into_parts();
            Ok(sent?)
        }
        Request::Upload {
            filename,
            filesize,
            md5,
        } => {
            if filesize > cfg.max_file {
                // Too big to skip over: answer and close.
                let e = TransferError::TooLarge {
                    len: filesize,
                    max: cfg.max_file,
                };
                let _ = codec.write_message(&mut &*stream, &error_reply(&e.to_string()), b"");
                return Err(HeaderError::BodyTooLarge {
                    len: filesize,
                    max: cfg.max_file,
                }
                .into());
            }
            let checked = safe_name(&filename).and_then(|n| {
                if !cfg.overwrite && cfg.dir.join(&n).symlink_metadata().is_ok() {
                    Err(TransferError::Exists(n))
                } else {
                    Ok(n)
                }
            });
            let name = match checked {
                Ok(n) => n,
                Err(e) => {
                    // Skip the body so the next request is read in step.
                    copy_exact(input, &mut io::sink(), filesize, &ProgressBar::hidden())?;
                    return Err(e);
                }
            };
            let got = receive_into_dir(
                input,
                &cfg.dir,
                &name,
                filesize,
                md5.as_deref(),
                cfg.overwrite,
                &ProgressBar::hidden(),
            )?;
            if cfg.log {
                let key = if got.verified {
                    "lab05-server-stored-verified"
                } else {
                    "lab05-server-stored-unverified"
                };
                let (bytes, md5) = (got.bytes, &got.md5);
                eprintln!(
                    "{}",
                    t!(key, peer = peer, name = name, bytes = bytes, md5 = md5)
                );
            }
            if cfg.compat == Compat::Lesson {
                // Seed 000's server answers nothing: its client has already moved on.
                return Ok(());
            }
            let mut h = file_header(&name, got.bytes, &got.md5);
            h.insert("ok".into(), true.into());
            h.insert("opt".into(), "upload".into());
            h.insert("verified".into(), got.verified.into());
            h.insert("total_size".into(), 0.into());
            codec.write_message(&mut &*stream, &h, b"")?;
            Ok(())
        }
        Request::Download { filename } => {
            let name = safe_name(&filename)?;
            // Opened once: the md5 in the header and the bytes sent come
            // from this one open file. An upload with --overwrite renames a
            // new file over the name; this handle keeps the old one, whole.
            let (mut file, size) = open_plain_file(&cfg.dir, &name)?;
            let md5 = md5_then_rewind(&mut file, size).map_err(|source| TransferError::File {
                what: super::wire_cannot_read(&name),
                source,
            })?;
            let mut h = file_header(&name, size, &md5);
            h.insert("ok".into(), true.into());
            h.insert("opt".into(), "download".into());
            let mut w = stream;
            w.write_all(&codec.encode_header(&h)?)?;
            let sent = send_open_file(&mut w, &mut file, &name, size, &ProgressBar::hidden())?;
            if sent != md5 {
                // The client will see the mismatch and discard it; say why here.
                eprintln!("{}", t!("lab05-server-changed", peer = peer, name = name));
            } else if cfg.log {
                let line = t!(
                    "lab05-server-sent",
                    peer = peer,
                    name = name,
                    size = size,
                    md5 = md5
                );
                eprintln!("{line}");
            }
            Ok(())
        }
    }
}

/// Seed 004's server: on connect, send `{filename, filesize}` and the file, close.
fn push_file(
    stream: &TcpStream,
    peer: SocketAddr,
    path: &Path,
    cfg: &ServerConfig,
) -> Result<(), TransferError> {
    let name = super::basename(path)?;
    let mut file = fs::File::open(path)?;
    let size = file.metadata()?.len();
    let md5 = md5_then_rewind(&mut file, size)?;
    let mut w = stream;
    w.write_all(&cfg.codec.encode_header(&file_header(&name, size, &md5))?)?;
    send_open_file(&mut w, &mut file, &name, size, &ProgressBar::hidden())?;
    if cfg.log {
        let line = t!(
            "lab05-server-pushed",
            peer = peer,
            name = name,
            size = size,
            md5 = md5
        );
        eprintln!("{line}");
    }
    Ok(())
}

impl ServerConfig {
    /// Before listening: makes the folder, and checks the file to `push` is one.
    pub fn prepare(&self) -> Result<(), String> {
        let dir = self.dir.display();
        fs::create_dir_all(&self.dir)
            .map_err(|e| t!("lab05-server-cannot-use-dir", dir = dir, error = e))?;
        match self.push.as_ref().filter(|p| !p.is_file()) {
            Some(p) => Err(t!("lab05-server-push-not-file", path = p.display())),
            None => Ok(()),
        }
    }
}

/// The `server` subcommand once its listener is bound and the config
/// [prepared](ServerConfig::prepare): prints the banner, sweeps the
/// unfinished uploads a killed server left (saying how many), then serves every
/// client on its own thread (`opts`), each through [`handle_connection`].
pub fn serve_folder(
    listener: std::net::TcpListener,
    opts: crate::kit::server::ServeOptions,
    cfg: ServerConfig,
) -> Result<(), String> {
    let overwrite = if cfg.overwrite {
        t!("lab05-server-overwriting")
    } else {
        t!("lab05-server-no-overwrite")
    };
    let (dir, compat) = (cfg.dir.display(), cfg.compat);
    let folder = t!(
        "lab05-server-folder",
        dir = dir,
        overwrite = overwrite,
        compat = compat
    );
    eprintln!("{folder}");
    // Before the first accept, no transfer of ours is in progress: what is
    // in the private folder was left by a server that did not finish.
    match unfinished::sweep(&cfg.dir) {
        Ok((0, _)) => {}
        Ok((files, bytes)) => {
            eprintln!("{}", t!("lab05-server-swept", files = files, bytes = bytes))
        }
        Err(e) => return Err(t!("lab05-server-cannot-sweep", dir = dir, error = e)),
    }
    // The error that ends a connection is logged for a person to read
    // (the demo's quiet server keeps the English one, which it matches).
    let handler = move |s, peer| handle_connection(s, peer, &cfg).map_err(|e| e.localized());
    crate::kit::server::serve(listener, opts, handler).map_err(|e| e.to_string())
}
