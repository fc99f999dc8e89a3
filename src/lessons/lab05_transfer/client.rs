//! Lab 05's client: commands, `put` and `get` over the JSON header, from flags or a `>>> ` prompt.

use std::fs::{self};
use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::framing::json_header::{get_size, get_str, opt_str, read_body, Header, JsonHeader};
use crate::harness::Compat;
use crate::lessons::lab05_json_header::CommandReply;
use crate::t;

use super::{
    basename, md5_then_rewind, progress_bar, receive_into_dir, safe_name, send_open_file, Received,
    Request, TransferError, DEFAULT_MAX_FILE,
};

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
    ///
    /// A local file that cannot be read is an error before anything is
    /// sent (the session goes on); a server that goes away mid-way is
    /// named as such.
    pub fn put(&mut self, path: &Path) -> Result<Sent, TransferError> {
        let name = basename(path)?;
        let cannot = |source| TransferError::File {
            what: t!("lab05-client-cannot-read", path = path.display()),
            source,
        };
        // Opened once: the md5 announced and the bytes sent are the same file's.
        let mut file = fs::File::open(path).map_err(cannot)?;
        let meta = file.metadata().map_err(cannot)?;
        if !meta.is_file() {
            return Err(TransferError::NotFound(path.display().to_string()));
        }
        let size = meta.len();
        let md5 = match self.compat {
            Compat::Ours => Some(md5_then_rewind(&mut file, size).map_err(cannot)?),
            Compat::Lesson => None,
        };
        let req = Request::Upload {
            filename: name.clone(),
            filesize: size,
            md5: md5.clone(),
        };
        let mut w = Counted {
            inner: &self.stream,
            n: 0,
        };
        let lost = |n: u64, source| TransferError::Lost {
            during: t!("lab05-client-lost-after", n = n, size = size, name = name),
            source,
        };
        let header = self.codec.encode_header(&req.to_header())?;
        w.write_all(&header).map_err(|e| lost(0, e))?;
        w.n = 0;
        let pb = progress_bar(size, &format!("put {name}"), self.progress);
        let sent = send_open_file(&mut w, &mut file, &path.display().to_string(), size, &pb);
        pb.finish_and_clear();
        let sent_md5 = match sent {
            Err(TransferError::Io(e)) if is_peer_gone(&e) => return Err(lost(w.n, e)),
            other => other?,
        };
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
        let h = match self.codec.read_header(&mut &self.stream) {
            Ok(h) => h,
            Err(crate::framing::json_header::HeaderError::Closed) => {
                return Err(TransferError::Lost {
                    during: t!("lab05-client-lost-before", name = name),
                    source: io::ErrorKind::UnexpectedEof.into(),
                })
            }
            Err(crate::framing::json_header::HeaderError::Io(e)) if is_peer_gone(&e) => {
                return Err(TransferError::Lost {
                    during: t!("lab05-client-lost-before", name = name),
                    source: e,
                })
            }
            Err(e) => return Err(e.into()),
        };
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
        let (word, arg) = match line.trim().split_once(char::is_whitespace) {
            Some((w, a)) => (w, a.trim()),
            None => (line.trim(), ""),
        };
        match (word, arg) {
            ("put", "") => return Err(TransferError::Usage("lab05-usage-put")),
            ("get", "") => return Err(TransferError::Usage("lab05-usage-get")),
            _ => {}
        }
        if word == "put" {
            let sent = self.put(Path::new(arg))?;
            let (name, bytes, md5) = (&sent.name, sent.bytes, &sent.md5);
            let key = match sent.confirmed {
                Some(true) => "lab05-client-uploaded-verified",
                Some(false) => "lab05-client-uploaded-differs",
                None => "lab05-client-uploaded-lesson",
            };
            eprintln!("{}", t!(key, name = name, bytes = bytes, md5 = md5));
            return Ok(());
        }
        if word == "get" {
            if !s.dir.exists() {
                fs::create_dir_all(&s.dir).map_err(|source| TransferError::File {
                    what: t!("lab05-client-cannot-create-dir", dir = s.dir.display()),
                    source,
                })?;
                eprintln!("{}", t!("lab05-client-created-dir", dir = s.dir.display()));
            }
            let r = self.get(arg, &s.dir, s.overwrite)?;
            let key = if r.verified {
                "lab05-client-downloaded-verified"
            } else {
                "lab05-client-downloaded-unverified"
            };
            let (path, bytes, md5) = (r.path.display(), r.bytes, &r.md5);
            eprintln!("{}", t!(key, path = path, bytes = bytes, md5 = md5));
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
            "[total_size={} stdout={} stderr={} exit={}{}{}{}]", // not prose: the header's fields
            rep.total_size,
            rep.stdout_size,
            rep.stderr_size,
            rep.exit_code,
            match r.md5_ok {
                Some(true) => format!(" {}", t!("lab05-client-md5-ok")),
                Some(false) => format!(" {}", t!("lab05-client-md5-mismatch")),
                None => String::new(),
            },
            flag(rep.timed_out, "lab05-client-timed-out"),
            flag(rep.truncated, "lab05-client-truncated"),
        );
        let summary = crate::report::styled(&summary, crate::report::DIM);
        let _ = writeln!(crate::report::stderr(), "{summary}");
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
                    let error =
                        crate::report::styled(&t!("flags-error-label"), crate::report::ALARM);
                    let _ = writeln!(crate::report::stderr(), "{error} {}", e.localized());
                    failures += 1;
                }
                Ok(()) => {}
            }
        }
        Ok(failures)
    }
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
        Err(e) => t!("lab05-no-reply", error = e.localized()),
    }
}

/// ` timed out`, ` truncated`…: a word of the reply's summary, or nothing.
fn flag(on: bool, key: &str) -> String {
    if on {
        format!(" {}", t!(key))
    } else {
        String::new()
    }
}

/// Counts the bytes that went through a writer (how far an upload got).
struct Counted<W> {
    inner: W,
    n: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let k = self.inner.write(buf)?;
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The errors a socket gives when the other side has gone.
fn is_peer_gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::UnexpectedEof
    )
}

/// What a refusing reply says: its `error`, or that `ok` was false.
fn refused(h: &Header) -> Option<String> {
    match (h.get("ok"), h.get("error")) {
        (_, Some(Value::String(e))) => Some(e.clone()),
        (Some(Value::Bool(false)), _) => Some(t!("lab05-client-no-reason")),
        _ => None,
    }
}
