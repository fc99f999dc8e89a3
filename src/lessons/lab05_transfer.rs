//! File transfer over the JSON header: streamed in constant memory, verified by md5, renamed into place only when whole (lab 05).
//!
//! Seed 000 uploads with `{"opt": "upload", "filename", "filesize"}` and
//! seed 004 pushes a file with `{"filename", "filesize"}`; both then send the
//! file's bytes and the receiver loops `while filesize: recv(1024)`. This
//! module is that protocol made safe to leave running:
//!
//! * **constant memory** — the body goes through one fixed 64 KiB buffer
//!   ([`copy_exact`]); a 1 GiB file is never held whole;
//! * **nothing half-written under the final name** — bytes go to a
//!   temporary file in the same folder, the md5 is checked at the end, and
//!   only then is the file linked into place; on any failure it is removed;
//! * **names are only names** — [`safe_name`] refuses `..`, absolute paths,
//!   separators, NUL, empty and over-long names instead of writing wherever
//!   the peer says;
//! * **no silent overwrite** — an existing file is refused unless the
//!   receiver asked for `--overwrite`.
//!
//! It also holds lab 05's server and client: remote commands answered with a
//! JSON header (`total_size` plus sizes, exit code and md5), uploads and
//! downloads; and, with `--compat lesson` ([`Compat::Lesson`]), the lessons' exact wire formats.

use std::fs::{self, File, OpenOptions};
use std::io::{self, IsTerminal, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressStyle};
use md5::{Digest, Md5};
use serde_json::Value;
use thiserror::Error;

use crate::framing::json_header::{
    get_size, get_str, opt_str, read_body, Header, HeaderError, JsonHeader,
};
use crate::harness::Compat;
use crate::kit::runner::RunnerConfig;
use crate::lessons::lab05_json_header::{hex, CommandReply};
use crate::lessons::LESSON_RECV;

/// The fixed buffer every file body goes through.
pub const CHUNK: usize = 64 * 1024;

/// The largest file accepted by default: 16 GiB.
pub const DEFAULT_MAX_FILE: u64 = 16 << 30;

/// The longest file name accepted, in bytes (the usual file-system limit).
pub const MAX_NAME: usize = 255;

/// Why a transfer or a request failed.
#[derive(Debug, Error)]
pub enum TransferError {
    /// The message header was bad (see [`HeaderError`]).
    #[error("{0}")]
    Header(#[from] HeaderError),
    /// A file name that is not a plain name.
    #[error("refused file name {name:?}: {why}")]
    BadName {
        /// The name as received (escaped when printed).
        name: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The file exists and overwriting was not asked for.
    #[error("{0:?} already exists (refusing to overwrite; use --overwrite)")]
    Exists(String),
    /// No such file to send.
    #[error("no file {0:?} to send")]
    NotFound(String),
    /// The body ended before `filesize` bytes.
    #[error("file body cut short: {got} of {expected} bytes arrived; nothing stored")]
    Truncated {
        /// Bytes promised by `filesize`.
        expected: u64,
        /// Bytes that came.
        got: u64,
    },
    /// The bytes that arrived do not have the md5 the header announced.
    #[error("md5 mismatch: header says {expected}, the {bytes} bytes received hash to {got}; nothing stored")]
    Md5Mismatch {
        /// md5 in the header.
        expected: String,
        /// md5 of what arrived.
        got: String,
        /// How many bytes arrived.
        bytes: u64,
    },
    /// The file announced is over the limit.
    #[error("filesize {len} is over the {max}-byte file limit")]
    TooLarge {
        /// Announced size.
        len: u64,
        /// The limit.
        max: u64,
    },
    /// A request this side does not understand.
    #[error("unknown request \"opt\": {0:?} (expected cmd, upload or download)")]
    UnknownOpt(String),
    /// The peer answered with an error.
    #[error("the server refused: {0}")]
    Refused(String),
    /// The peer stayed silent past the idle timeout.
    #[error("no request within the idle timeout: connection closed")]
    Idle,
    /// The file changed while it was being sent.
    #[error("{path} changed while being sent ({expected} bytes announced, {got} read)")]
    Changed {
        /// The file.
        path: String,
        /// Size announced.
        expected: u64,
        /// Bytes read.
        got: u64,
    },
    /// A local file or socket failed.
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl TransferError {
    /// Idle sockets fail with a timeout error; name it for what it is.
    fn idle_aware(self) -> TransferError {
        let timed_out = match &self {
            TransferError::Io(e) | TransferError::Header(HeaderError::Io(e)) => {
                crate::kit::sock::is_timeout(e)
            }
            _ => false,
        };
        if timed_out {
            TransferError::Idle
        } else {
            self
        }
    }
}

/// Checks that `name` is a plain file name and returns it: no directory
/// part, nothing that climbs out of the folder, nothing the file system
/// would refuse. The peer chooses the name; it must not choose the path.
pub fn safe_name(name: &str) -> Result<String, TransferError> {
    let bad = |why| {
        Err(TransferError::BadName {
            name: crate::kit::text::shorten(name, 80),
            why,
        })
    };
    if name.is_empty() {
        return bad("empty");
    }
    if name.contains('\0') {
        return bad("contains a NUL byte");
    }
    if name.len() > MAX_NAME {
        return bad("longer than 255 bytes");
    }
    if name.starts_with('/') || name.starts_with('\\') || name.as_bytes().get(1) == Some(&b':') {
        return bad("absolute path");
    }
    if name == "." || name == ".." || name.split(['/', '\\']).any(|p| p == "..") {
        return bad("path traversal (..)");
    }
    if name.contains('/') || name.contains('\\') {
        return bad("contains a path separator");
    }
    if name.chars().any(|c| c.is_control()) {
        return bad("contains a control character");
    }
    Ok(name.to_string())
}

/// The safe basename of a local path (`os.path.basename`, then [`safe_name`]).
pub fn basename(path: &Path) -> Result<String, TransferError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    safe_name(&name)
}

/// A progress bar on a terminal (stderr), nothing otherwise.
pub fn progress_bar(len: u64, label: &str, enabled: bool) -> ProgressBar {
    if !enabled || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(label.to_string());
    pb
}

/// Moves exactly `n` bytes from `r` to `w` through one fixed buffer and
/// returns their md5: the `while filesize: recv(1024)` loop, with the
/// close-too-early case named instead of looping forever.
pub fn copy_exact<R: Read + ?Sized, W: Write + ?Sized>(
    r: &mut R,
    w: &mut W,
    n: u64,
    pb: &ProgressBar,
) -> Result<String, TransferError> {
    let mut buf = vec![0u8; CHUNK];
    let mut h = Md5::new();
    let mut left = n;
    while left > 0 {
        let want = left.min(CHUNK as u64) as usize;
        let k = match r.read(&mut buf[..want]) {
            Ok(k) => k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if k == 0 {
            return Err(TransferError::Truncated {
                expected: n,
                got: n - left,
            });
        }
        h.update(&buf[..k]);
        w.write_all(&buf[..k])?;
        left -= k as u64;
        pb.inc(k as u64);
    }
    Ok(hex(&h.finalize()))
}

/// md5 of a file, streamed.
pub fn file_md5(path: &Path) -> io::Result<String> {
    let mut f = File::open(path)?;
    let n = f.metadata()?.len();
    copy_exact(&mut f, &mut io::sink(), n, &ProgressBar::hidden()).map_err(|e| match e {
        TransferError::Io(e) => e,
        other => io::Error::other(other.to_string()),
    })
}

/// What was stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// Where it now is.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Its md5.
    pub md5: String,
    /// Whether an md5 from the sender was checked.
    pub verified: bool,
}

/// Removes the temporary file unless the transfer succeeded.
struct TempGuard(Option<PathBuf>);

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
    }
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Is this one of our temporary files (`.NAME.PID.N.part`)?
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".part")
}

/// Receives `filesize` bytes from `r` into `dir/name`: temporary file in
/// the same folder, md5 checked (when the sender gave one), then linked into
/// place. On any failure nothing is left under either name.
pub fn receive_into_dir<R: Read + ?Sized>(
    r: &mut R,
    dir: &Path,
    name: &str,
    filesize: u64,
    expected_md5: Option<&str>,
    overwrite: bool,
    pb: &ProgressBar,
) -> Result<Received, TransferError> {
    let name = safe_name(name)?;
    let final_path = dir.join(&name);
    if !overwrite && final_path.exists() {
        return Err(TransferError::Exists(name));
    }
    let (tmp, mut file) = loop {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::SeqCst);
        let tmp = dir.join(format!(".{name}.{}.{n}.part", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e.into()),
        }
    };
    let mut guard = TempGuard(Some(tmp.clone()));
    let md5 = copy_exact(r, &mut file, filesize, pb)?;
    file.sync_all()?;
    drop(file);
    let verified = match expected_md5 {
        Some(exp) if !exp.eq_ignore_ascii_case(&md5) => {
            return Err(TransferError::Md5Mismatch {
                expected: exp.to_string(),
                got: md5,
                bytes: filesize,
            })
        }
        Some(_) => true,
        None => false,
    };
    if overwrite {
        fs::rename(&tmp, &final_path)?;
    } else {
        // A hard link fails if the name was taken meanwhile: no race, no clobber.
        match fs::hard_link(&tmp, &final_path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(TransferError::Exists(name))
            }
            Err(_) if !final_path.exists() => fs::rename(&tmp, &final_path)?,
            Err(e) => return Err(e.into()),
        }
    }
    drop(guard.0.take().map(fs::remove_file));
    Ok(Received {
        path: final_path,
        bytes: filesize,
        md5,
        verified,
    })
}

/// Sends a file's bytes through one fixed buffer; returns their md5.
pub fn send_file<W: Write + ?Sized>(
    w: &mut W,
    path: &Path,
    filesize: u64,
    pb: &ProgressBar,
) -> Result<String, TransferError> {
    let mut f = File::open(path)?;
    let md5 = copy_exact(&mut f, w, filesize, pb).map_err(|e| match e {
        TransferError::Truncated { expected, got } => TransferError::Changed {
            path: path.display().to_string(),
            expected,
            got,
        },
        other => other,
    })?;
    Ok(md5)
}

/// One request a client can make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Run a command (`{"opt":"cmd","cmd":…}`, or raw bytes in lesson mode).
    Command(Vec<u8>),
    /// Store a file (seed 000: `{"opt":"upload","filename","filesize"}` + md5 when ours).
    Upload {
        /// Name as sent (checked later, so a bad one can be answered in sync).
        filename: String,
        /// Body length.
        filesize: u64,
        /// md5 of the body, if the sender gave one.
        md5: Option<String>,
    },
    /// Fetch a file (`{"opt":"download","filename"}`).
    Download {
        /// Name as sent.
        filename: String,
    },
}

impl Request {
    /// The typed request in a header.
    pub fn from_header(h: &Header) -> Result<Request, TransferError> {
        match get_str(h, "opt")? {
            "cmd" => Ok(Request::Command(get_str(h, "cmd")?.as_bytes().to_vec())),
            "upload" => Ok(Request::Upload {
                filename: get_str(h, "filename")?.to_string(),
                filesize: get_size(h, "filesize")?,
                md5: opt_str(h, "md5")?.map(str::to_string),
            }),
            "download" => Ok(Request::Download {
                filename: get_str(h, "filename")?.to_string(),
            }),
            other => Err(TransferError::UnknownOpt(crate::kit::text::shorten(
                other, 40,
            ))),
        }
    }

    /// The header that carries it (commands in lesson mode have none).
    pub fn to_header(&self) -> Header {
        let mut h = Header::new();
        match self {
            Request::Command(c) => {
                h.insert("opt".into(), "cmd".into());
                h.insert("cmd".into(), String::from_utf8_lossy(c).into_owned().into());
            }
            Request::Upload {
                filename,
                filesize,
                md5,
            } => {
                h.insert("opt".into(), "upload".into());
                h.insert("filename".into(), filename.clone().into());
                h.insert("filesize".into(), (*filesize).into());
                if let Some(m) = md5 {
                    h.insert("md5".into(), m.clone().into());
                }
            }
            Request::Download { filename } => {
                h.insert("opt".into(), "download".into());
                h.insert("filename".into(), filename.clone().into());
            }
        }
        h
    }
}

/// `{"ok": false, "error": …, "total_size": 0}`: an answer a client can show.
pub fn error_reply(msg: &str) -> Header {
    let mut h = Header::new();
    h.insert("ok".into(), false.into());
    h.insert("error".into(), msg.into());
    h.insert("total_size".into(), 0.into());
    h
}

/// Seed 004's file header, `{"filename", "filesize"}`, plus the md5.
pub fn file_header(filename: &str, filesize: u64, md5: &str) -> Header {
    let mut h = Header::new();
    h.insert("filename".into(), filename.into());
    h.insert("filesize".into(), filesize.into());
    h.insert("md5".into(), md5.into());
    h
}

fn refused(h: &Header) -> Option<String> {
    match (h.get("ok"), h.get("error")) {
        (_, Some(Value::String(e))) => Some(e.clone()),
        (Some(Value::Bool(false)), _) => Some("no reason given".into()),
        _ => None,
    }
}

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
        }
    }
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
            Err(e @ TransferError::Truncated { .. }) => return Err(e),
            Err(e @ (TransferError::Io(_) | TransferError::Header(_))) => {
                return Err(e.idle_aware())
            }
            Err(e) => {
                // In sync: answer, log, go on serving this client.
                if cfg.log {
                    eprintln!("[{peer}] refused: {e}");
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
            let out = crate::kit::runner::run(&cmd, &cfg.runner);
            let header = CommandReply::header_for(&out);
            codec.write_message(&mut &*stream, &header, &out.combined())?;
            Ok(())
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
                if !cfg.overwrite && cfg.dir.join(&n).exists() {
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
                eprintln!(
                    "[{peer}] stored {name} ({} bytes, md5 {}{})",
                    got.bytes,
                    got.md5,
                    if got.verified {
                        " verified"
                    } else {
                        ", sender gave none"
                    }
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
            let path = cfg.dir.join(&name);
            let meta = match fs::metadata(&path) {
                Ok(m) if m.is_file() => m,
                _ => return Err(TransferError::NotFound(name)),
            };
            let size = meta.len();
            let md5 = file_md5(&path)?;
            let mut h = file_header(&name, size, &md5);
            h.insert("ok".into(), true.into());
            h.insert("opt".into(), "download".into());
            let mut w = stream;
            w.write_all(&codec.encode_header(&h)?)?;
            let sent = send_file(&mut w, &path, size, &ProgressBar::hidden())?;
            if sent != md5 {
                // The client will see the mismatch and discard it; say why here.
                eprintln!("[{peer}] {name} changed while being sent");
            } else if cfg.log {
                eprintln!("[{peer}] sent {name} ({size} bytes, md5 {md5})");
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
    let name = basename(path)?;
    let size = fs::metadata(path)?.len();
    let md5 = file_md5(path)?;
    let mut w = stream;
    w.write_all(&cfg.codec.encode_header(&file_header(&name, size, &md5))?)?;
    send_file(&mut w, path, size, &ProgressBar::hidden())?;
    if cfg.log {
        eprintln!("[{peer}] pushed {name} ({size} bytes, md5 {md5})");
    }
    Ok(())
}

/// A command's result as the client saw it.
#[derive(Clone, Debug)]
pub struct CommandResult {
    /// The JSON header as received.
    pub header: Header,
    /// Its typed fields.
    pub reply: CommandReply,
    /// stdout then stderr.
    pub body: Vec<u8>,
    /// md5 checked: `Some(true)`, or `None` when the server sent none.
    pub md5_ok: Option<bool>,
}

/// An upload's result.
#[derive(Clone, Debug)]
pub struct Sent {
    /// The name stored on the server.
    pub name: String,
    /// Bytes sent.
    pub bytes: u64,
    /// md5 of what was sent.
    pub md5: String,
    /// The server's md5 agreed (`None` in lesson mode: no answer).
    pub confirmed: Option<bool>,
}

/// A lab 05 client on one connection.
pub struct Client {
    /// The connection.
    pub stream: TcpStream,
    /// Header and body limits.
    pub codec: JsonHeader,
    /// Wire format.
    pub compat: Compat,
    /// Largest download accepted.
    pub max_file: u64,
    /// Show progress bars (on a terminal only).
    pub progress: bool,
}

impl Client {
    /// A client on a connected stream.
    pub fn new(stream: TcpStream, compat: Compat) -> Client {
        Client {
            stream,
            codec: JsonHeader::lesson(),
            compat,
            max_file: DEFAULT_MAX_FILE,
            progress: true,
        }
    }

    /// Runs a command remotely and reads the reply exactly.
    pub fn command(&mut self, cmd: &str) -> Result<CommandResult, TransferError> {
        let mut w = &self.stream;
        match self.compat {
            Compat::Ours => {
                let h = Request::Command(cmd.as_bytes().to_vec()).to_header();
                w.write_all(&self.codec.encode_header(&h)?)?;
            }
            // client.send(cmd.encode('utf-8'))
            Compat::Lesson => w.write_all(cmd.as_bytes())?,
        }
        let header = self.codec.read_header(&mut &self.stream)?;
        if let Some(e) = refused(&header) {
            return Err(TransferError::Refused(e));
        }
        let reply = CommandReply::from_header(&header)?;
        let n = self.codec.body_len(&header)? as usize;
        let body = read_body(&mut &self.stream, n)?;
        let md5_ok = reply.md5_matches(&body);
        if md5_ok == Some(false) {
            return Err(TransferError::Md5Mismatch {
                expected: reply.md5.clone().unwrap_or_default(),
                got: crate::lessons::lab05_json_header::md5_hex(&body),
                bytes: body.len() as u64,
            });
        }
        Ok(CommandResult {
            header,
            reply,
            body,
            md5_ok,
        })
    }

    /// Uploads a local file (seed 000's `opt: upload`; ours adds the md5 and
    /// waits for the server's verdict).
    pub fn put(&mut self, path: &Path) -> Result<Sent, TransferError> {
        let name = basename(path)?;
        let meta = fs::metadata(path)?;
        if !meta.is_file() {
            return Err(TransferError::NotFound(path.display().to_string()));
        }
        let size = meta.len();
        let md5 = match self.compat {
            Compat::Ours => Some(file_md5(path)?),
            Compat::Lesson => None,
        };
        let req = Request::Upload {
            filename: name.clone(),
            filesize: size,
            md5: md5.clone(),
        };
        let mut w = &self.stream;
        w.write_all(&self.codec.encode_header(&req.to_header())?)?;
        let pb = progress_bar(size, &format!("put {name}"), self.progress);
        let sent_md5 = send_file(&mut w, path, size, &pb)?;
        pb.finish_and_clear();
        if let Some(m) = &md5 {
            if *m != sent_md5 {
                return Err(TransferError::Changed {
                    path: path.display().to_string(),
                    expected: size,
                    got: size,
                });
            }
        }
        if self.compat == Compat::Lesson {
            // Seed 000's server answers nothing and closes when it has it all.
            let _ = self.stream.shutdown(Shutdown::Write);
            let _ = io::copy(&mut &self.stream, &mut io::sink());
            return Ok(Sent {
                name,
                bytes: size,
                md5: sent_md5,
                confirmed: None,
            });
        }
        let h = self.codec.read_header(&mut &self.stream)?;
        if let Some(e) = refused(&h) {
            return Err(TransferError::Refused(e));
        }
        let stored = opt_str(&h, "md5")?.map(str::to_string);
        Ok(Sent {
            name: get_str(&h, "filename")?.to_string(),
            bytes: size,
            confirmed: Some(stored.as_deref() == Some(sent_md5.as_str())),
            md5: sent_md5,
        })
    }

    /// Downloads `name` into `dir` (temp file, md5 check, then the final name).
    /// In lesson mode the server pushes a file on connect (seed 004) and
    /// `name` is only compared with what arrives.
    pub fn get(
        &mut self,
        name: &str,
        dir: &Path,
        overwrite: bool,
    ) -> Result<Received, TransferError> {
        if self.compat == Compat::Ours {
            let name = safe_name(name)?;
            if !overwrite && dir.join(&name).exists() {
                return Err(TransferError::Exists(name));
            }
            let req = Request::Download { filename: name };
            (&self.stream).write_all(&self.codec.encode_header(&req.to_header())?)?;
        }
        let h = self.codec.read_header(&mut &self.stream)?;
        if let Some(e) = refused(&h) {
            return Err(TransferError::Refused(e));
        }
        // The server names the file; it is checked like any untrusted name.
        let stored = safe_name(get_str(&h, "filename")?)?;
        let size = get_size(&h, "filesize")?;
        if size > self.max_file {
            return Err(TransferError::TooLarge {
                len: size,
                max: self.max_file,
            });
        }
        let md5 = opt_str(&h, "md5")?.map(str::to_string);
        let pb = progress_bar(size, &format!("get {stored}"), self.progress);
        let got = receive_into_dir(
            &mut &self.stream,
            dir,
            &stored,
            size,
            md5.as_deref(),
            overwrite,
            &pb,
        );
        pb.finish_and_clear();
        got
    }
}

/// What the `client` subcommand's `>>> ` prompt does besides commands.
#[derive(Clone, Debug)]
pub struct Session {
    /// Where downloads are stored.
    pub dir: PathBuf,
    /// Replace a local file that already exists.
    pub overwrite: bool,
    /// Print each reply's JSON header (as the lesson's client does).
    pub show_header: bool,
    /// How to decode command output.
    pub encoding: crate::kit::text::Encoding,
}

impl Client {
    /// Runs one prompt line: `put FILE`, `get NAME`, or a remote command
    /// whose output goes to stdout and its header's summary to stderr.
    pub fn run_line(&mut self, line: &str, s: &Session) -> Result<(), TransferError> {
        if let Some(path) = line.strip_prefix("put ") {
            let sent = self.put(Path::new(path.trim()))?;
            let (name, bytes, md5) = (&sent.name, sent.bytes, &sent.md5);
            match sent.confirmed {
                Some(true) => eprintln!(
                    "uploaded {name} ({bytes} bytes, md5 {md5} verified by the server)"
                ),
                Some(false) => eprintln!(
                    "uploaded {name} ({bytes} bytes) but the server's md5 differs from {md5}"
                ),
                None => eprintln!(
                    "uploaded {name} ({bytes} bytes, md5 {md5}; the lesson's server does not answer)"
                ),
            }
            return Ok(());
        }
        if let Some(name) = line.strip_prefix("get ") {
            let r = self.get(name.trim(), &s.dir, s.overwrite)?;
            let how = if r.verified {
                " verified"
            } else {
                ", not verified: the server sent no md5"
            };
            let (path, bytes, md5) = (r.path.display(), r.bytes, &r.md5);
            eprintln!("downloaded {path} ({bytes} bytes, md5 {md5}{how})");
            return Ok(());
        }
        let r = self.command(line)?;
        if s.show_header {
            println!("{}", Value::Object(r.header.clone()));
        }
        let (txt, _) = s.encoding.decode(&r.body);
        print!("{txt}");
        if !txt.is_empty() && !txt.ends_with('\n') {
            println!();
        }
        let _ = io::stdout().flush();
        let rep = &r.reply;
        let summary = format!(
            "[total_size={} stdout={} stderr={} exit={}{}{}{}]",
            rep.total_size,
            rep.stdout_size,
            rep.stderr_size,
            rep.exit_code,
            match r.md5_ok {
                Some(true) => " md5 ok",
                Some(false) => " md5 MISMATCH",
                None => "",
            },
            if rep.timed_out { " timed out" } else { "" },
            if rep.truncated { " truncated" } else { "" },
        );
        eprintln!("{}", colored::Colorize::dimmed(summary.as_str()));
        Ok(())
    }
}

impl Client {
    /// The `client` subcommand's loop: runs `lines` in order. An error that
    /// leaves the connection unusable ends it; the others are printed and
    /// counted (the count is returned).
    pub fn run_lines(
        &mut self,
        lines: impl Iterator<Item = String>,
        s: &Session,
    ) -> Result<usize, TransferError> {
        let mut failures = 0;
        for line in lines {
            match self.run_line(&line, s) {
                Err(e) if e.ends_session() => return Err(e),
                Err(e) => {
                    eprintln!(
                        "{} {e}",
                        colored::Colorize::bold(colored::Colorize::red("error:"))
                    );
                    failures += 1;
                }
                Ok(()) => {}
            }
        }
        Ok(failures)
    }
}

impl ServerConfig {
    /// Before listening: makes the folder, and checks the file to `push` is one.
    pub fn prepare(&self) -> Result<(), String> {
        fs::create_dir_all(&self.dir)
            .map_err(|e| format!("cannot use folder {}: {e}", self.dir.display()))?;
        match self.push.as_ref().filter(|p| !p.is_file()) {
            Some(p) => Err(format!("--push {}: not a file", p.display())),
            None => Ok(()),
        }
    }
}

/// The `server` subcommand once its listener is bound and the config
/// [prepared](ServerConfig::prepare): prints the banner, then serves every
/// client on its own thread (`opts`), each through [`handle_connection`].
pub fn serve_folder(
    listener: std::net::TcpListener,
    opts: crate::kit::server::ServeOptions,
    cfg: ServerConfig,
) -> Result<(), String> {
    let overwrite = if cfg.overwrite {
        "overwriting allowed"
    } else {
        "no overwrite"
    };
    let (dir, compat) = (cfg.dir.display(), cfg.compat);
    eprintln!("files are stored in and served from {dir} ({overwrite}; wire format: {compat})");
    let handler = move |s, peer| handle_connection(s, peer, &cfg);
    crate::kit::server::serve(listener, opts, handler).map_err(|e| e.to_string())
}

/// Sends a request the way our client frames it — 4-byte length, JSON
/// header — then `body` as it is (a file's bytes, or part of them).
pub fn send_request(
    codec: &JsonHeader,
    stream: &TcpStream,
    request: &Request,
    body: &[u8],
) -> Result<(), TransferError> {
    let mut w = stream;
    w.write_all(&codec.encode_header(&request.to_header())?)?;
    w.write_all(body)?;
    Ok(())
}

/// The server's answer to an upload, in words: its `error`, or "ok".
pub fn upload_answer(codec: &JsonHeader, stream: &TcpStream) -> String {
    match codec.read_header(&mut &*stream) {
        Ok(h) => h
            .get("error")
            .and_then(|v| v.as_str())
            .unwrap_or("ok")
            .to_string(),
        Err(e) => format!("(no reply: {e})"),
    }
}

/// Three uploads a server must refuse, tried against the server at `addr`
/// (whose connections' errors are `errors`), and what it said to each.
#[derive(Clone, Debug)]
pub struct HostileUploads {
    /// (the attack, what the server said, the name it must not create, the reason it must give).
    pub said: [(String, String, &'static str, &'static str); 3],
    /// What `echo still serving` returned on the attacked connection afterwards.
    pub still_serving: Vec<u8>,
}

impl HostileUploads {
    /// Sends `body` with the md5 of other content, then as `../escape.txt`
    /// (on one connection, which must still serve a command), then its first
    /// 1000 bytes only and closes (the server can only log that one).
    pub fn try_against(
        addr: SocketAddr,
        codec: &JsonHeader,
        errors: &crate::kit::server::KeptErrors,
        body: &[u8],
    ) -> Result<HostileUploads, TransferError> {
        let md5 = crate::lessons::lab05_json_header::md5_hex;
        let upload = |filename: &str, md5: String| Request::Upload {
            filename: filename.into(),
            filesize: body.len() as u64,
            md5: Some(md5),
        };
        let stream = crate::kit::sock::connect(addr)?;
        send_request(
            codec,
            &stream,
            &upload("tampered.txt", md5(b"something else")),
            body,
        )?;
        let tampered = upload_answer(codec, &stream);
        send_request(codec, &stream, &upload("../escape.txt", md5(body)), body)?;
        let traversal = upload_answer(codec, &stream);
        let mut c = Client::new(stream, Compat::Ours);
        c.progress = false;
        let still_serving = c.command("echo still serving").map(|r| r.body);
        drop(c);
        let stream = crate::kit::sock::connect(addr)?;
        send_request(
            codec,
            &stream,
            &upload("short.txt", md5(body)),
            &body[..1000],
        )?;
        drop(stream);
        let wait = std::time::Duration::from_secs(5);
        let short = errors.wait_for("cut short", wait);
        let n = body.len();
        Ok(HostileUploads {
            said: [
                (
                    "md5 of other content".into(),
                    tampered,
                    "tampered.txt",
                    "md5 mismatch",
                ),
                (
                    "filename ../escape.txt".into(),
                    traversal,
                    "escape.txt",
                    "path traversal",
                ),
                (
                    format!("1000 of {n} bytes, then close"),
                    short.unwrap_or_else(|| "(no error seen)".into()),
                    "short.txt",
                    "cut short",
                ),
            ],
            still_serving: still_serving.unwrap_or_default(),
        })
    }
}

/// Writes `size` bytes of seeded noise to `path` (the same seed, the same file).
pub fn write_seeded_file(path: &Path, size: u64, seed: u64) -> io::Result<()> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(seed);
    let mut f = File::create(path)?;
    let (mut left, mut buf) = (size, vec![0u8; CHUNK]);
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        rng.fill(&mut buf[..n]);
        f.write_all(&buf[..n])?;
        left -= n as u64;
    }
    Ok(())
}

impl TransferError {
    /// A failure that leaves the connection unusable ends the client.
    pub fn ends_session(&self) -> bool {
        matches!(
            self,
            TransferError::Header(_) | TransferError::Io(_) | TransferError::Truncated { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_pass() {
        for bad in [
            "",
            "..",
            ".",
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a/b",
            "a\\b",
            "C:\\x",
            "x\0y",
            "tab\there",
        ] {
            assert!(safe_name(bad).is_err(), "{bad:?} passed");
        }
        assert!(safe_name(&"a".repeat(256)).is_err());
        assert_eq!(safe_name("report.txt").unwrap(), "report.txt");
        assert_eq!(safe_name("三体.txt").unwrap(), "三体.txt");
        assert_eq!(basename(Path::new("/tmp/x/data.bin")).unwrap(), "data.bin");
    }

    #[test]
    fn a_short_or_tampered_body_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let pb = ProgressBar::hidden();
        let e = receive_into_dir(&mut &b"abc"[..], dir.path(), "f", 10, None, false, &pb);
        assert!(matches!(e, Err(TransferError::Truncated { got: 3, .. })));
        let e = receive_into_dir(
            &mut &b"abc"[..],
            dir.path(),
            "f",
            3,
            Some("00000000000000000000000000000000"),
            false,
            &pb,
        );
        assert!(matches!(e, Err(TransferError::Md5Mismatch { .. })));
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        let ok = receive_into_dir(
            &mut &b"abc"[..],
            dir.path(),
            "f",
            3,
            Some("900150983cd24fb0d6963f7d28e17f72"),
            false,
            &pb,
        )
        .unwrap();
        assert!(ok.verified);
        assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"abc");
        let again = receive_into_dir(&mut &b"xyz"[..], dir.path(), "f", 3, None, false, &pb);
        assert!(matches!(again, Err(TransferError::Exists(_))));
        assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"abc");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
