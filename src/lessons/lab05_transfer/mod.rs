//! File transfer over the JSON header: streamed in constant memory, verified by md5, put in place only when whole (lab 05).
//!
//! Seed 000 uploads with `{"opt": "upload", "filename", "filesize"}` and
//! seed 004 pushes a file with `{"filename", "filesize"}`; both then send the
//! file's bytes and the receiver loops `while filesize: recv(1024)`. This
//! module is that protocol made safe to leave running:
//!
//! * **constant memory** — the body goes through one fixed 64 KiB buffer
//!   ([`copy_exact`]); a 1 GiB file is never held whole;
//! * **nothing half-written under any name a client can ask for** — bytes
//!   go to a temporary file in a private folder no client name can reach
//!   ([`unfinished`]), the md5 is checked at the end, and only then is the
//!   file hard-linked into place (renamed with `--overwrite`); on any
//!   failure it is removed, and a file-system error (disk full, a folder in
//!   the way) is answered in one line while the connection goes on;
//! * **a download is one whole version** — the file is opened once, its
//!   md5 taken and its bytes sent from that one handle; uploads replace by
//!   rename, so the open file never changes under the download;
//! * **only plain files in the folder are served** — a symbolic link is
//!   refused, wherever it points;
//! * **names are only names** — [`safe_name`] refuses `..`, absolute paths,
//!   separators, NUL, empty and over-long names instead of writing wherever
//!   the peer says;
//! * **no silent overwrite** — an existing file is refused unless the
//!   receiver asked for `--overwrite`.
//!
//! Beside it, one concept per file: `server.rs`, lab 05's server (remote
//! commands answered with a JSON header — `total_size` plus sizes, exit code
//! and md5 — uploads and downloads); `client.rs`, its client; both speak the
//! lessons' exact wire formats with `--compat lesson` ([`Compat::Lesson`](crate::harness::Compat::Lesson)).
//! `demo.rs` holds what each stage of the lab's demo measures; `cli.rs`, the
//! binary's `server` and `client` commands.

use std::fs::{File, OpenOptions};
use std::io::{self, IsTerminal, Read, Seek, Write};
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use md5::{Digest, Md5};
use thiserror::Error;

use crate::framing::json_header::{get_size, get_str, opt_str, Header, HeaderError};
use crate::lang::Lang;
use crate::lessons::lab05_json_header::digest_hex;

pub mod cli;
mod client;
mod demo;
mod server;
pub mod unfinished;

pub use client::{send_request, upload_answer, Client, CommandResult, Sent, Session};
pub use demo::{
    command, loopback, read_replies, reply_on_the_wire, send_to_slow_reader, start_quiet_server,
    upload_then_download, write_seeded_file, ExactReply, ExpectedRefusal, HostileUploads, Lab,
    Moved, Refusal, RoundTrip, Scratch, SendLedger, WireReply, SEND_TIMEOUT,
};
pub use server::{handle_connection, serve_folder, ServerConfig};
pub use unfinished::{Unfinished, PARTIAL_DIR};

/// The fixed buffer every file body goes through.
pub const CHUNK: usize = 64 * 1024;

/// The largest file accepted by default: 16 GiB.
pub const DEFAULT_MAX_FILE: u64 = 16 << 30;

/// The longest file name accepted, in bytes (the usual file-system limit).
pub const MAX_NAME: usize = 255;

/// Why a transfer or a request failed.
///
/// Its `Display` is English whatever `--lang` says: it is the text that
/// goes on the wire (a refusal's `"error"`, which clients and `sticky check`
/// read) and into the server's kept errors. What a person reads goes
/// through [`TransferError::localized`].
#[derive(Debug, Error)]
pub enum TransferError {
    /// The message header was bad (see [`HeaderError`]).
    #[error("{0}")]
    Header(#[from] HeaderError),
    /// No room in the server's `--memory-budget` (see [`crate::kit::budget`]).
    #[error(transparent)]
    OverBudget(#[from] crate::kit::budget::OverBudget),
    /// A file name that is not a plain name.
    #[error("{}", self.message(Lang::En))]
    BadName {
        /// The name as received (escaped when printed).
        name: String,
        /// What is wrong with it: a catalog key (`lab05-name-…`).
        why: &'static str,
    },
    /// The file exists and overwriting was not asked for.
    #[error("{}", self.message(Lang::En))]
    Exists(String),
    /// No such file to send.
    #[error("{}", self.message(Lang::En))]
    NotFound(String),
    /// The body ended before `filesize` bytes.
    #[error("{}", self.message(Lang::En))]
    Truncated {
        /// Bytes promised by `filesize`.
        expected: u64,
        /// Bytes that came.
        got: u64,
    },
    /// The bytes that arrived do not have the md5 the header announced.
    #[error("{}", self.message(Lang::En))]
    Md5Mismatch {
        /// md5 in the header.
        expected: String,
        /// md5 of what arrived.
        got: String,
        /// How many bytes arrived.
        bytes: u64,
    },
    /// The file announced is over the limit.
    #[error("{}", self.message(Lang::En))]
    TooLarge {
        /// Announced size.
        len: u64,
        /// The limit.
        max: u64,
    },
    /// A request this side does not understand.
    #[error("{}", self.message(Lang::En))]
    UnknownOpt(String),
    /// The peer answered with an error (its words, as they came).
    #[error("{}", self.message(Lang::En))]
    Refused(String),
    /// The peer stayed silent past the idle timeout.
    #[error("{}", self.message(Lang::En))]
    Idle,
    /// The file changed while it was being sent.
    #[error("{}", self.message(Lang::En))]
    Changed {
        /// The file.
        path: String,
        /// Size announced.
        expected: u64,
        /// Bytes read.
        got: u64,
    },
    /// A file could not be stored: the disk is full, a folder is in the
    /// way, the name is too long for this file system… The body was read to
    /// its end, so the connection is still in step.
    #[error("{}", self.message(Lang::En))]
    Storage {
        /// The file's name.
        name: String,
        /// What the file system said.
        source: io::Error,
    },
    /// A file or folder on this side could not be read or made (before
    /// anything was sent, so the connection is still in step).
    #[error("{}", self.message(Lang::En))]
    File {
        /// What was being done ("cannot read notes.txt"), in the words of
        /// whoever reads it: English on the server (it goes on the wire),
        /// the language in force on the client.
        what: String,
        /// What the file system said.
        source: io::Error,
    },
    /// A download asked for a symbolic link.
    #[error("{}", self.message(Lang::En))]
    Symlink(String),
    /// `put` or `get` typed without what to move: explained here, nothing
    /// sent. A catalog key (`lab05-usage-…`).
    #[error("{}", self.message(Lang::En))]
    Usage(&'static str),
    /// The peer went away in the middle of a transfer.
    #[error("{}", self.message(Lang::En))]
    Lost {
        /// Where the transfer was ("after 3 of 9 bytes of a.bin were sent"),
        /// in the language in force (only the client makes this error).
        during: String,
        /// What the socket said.
        source: io::Error,
    },
    /// A local file or socket failed.
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl TransferError {
    /// The error in `lang`: English is the wire's text (`Display`).
    pub fn message(&self, lang: Lang) -> String {
        let tr = |key: &str, args: &[(&str, String)]| crate::lang::tr_in(lang, key, args);
        let q = |s: &str| format!("{s:?}");
        match self {
            TransferError::BadName { name, why } => tr(
                "lab05-error-bad-name",
                &[("name", q(name)), ("why", tr(why, &[]))],
            ),
            TransferError::Exists(name) => tr("lab05-error-exists", &[("name", q(name))]),
            TransferError::NotFound(name) => tr("lab05-error-not-found", &[("name", q(name))]),
            TransferError::Truncated { expected, got } => tr(
                "lab05-error-truncated",
                &[("got", got.to_string()), ("expected", expected.to_string())],
            ),
            TransferError::Md5Mismatch {
                expected,
                got,
                bytes,
            } => tr(
                "lab05-error-md5-mismatch",
                &[
                    ("expected", expected.clone()),
                    ("bytes", bytes.to_string()),
                    ("got", got.clone()),
                ],
            ),
            TransferError::TooLarge { len, max } => tr(
                "lab05-error-too-large",
                &[("len", len.to_string()), ("max", max.to_string())],
            ),
            TransferError::UnknownOpt(opt) => tr("lab05-error-unknown-opt", &[("opt", q(opt))]),
            TransferError::Refused(reason) => {
                tr("lab05-error-refused", &[("reason", reason.clone())])
            }
            TransferError::Idle => tr("lab05-error-idle", &[]),
            TransferError::Changed {
                path,
                expected,
                got,
            } => tr(
                "lab05-error-changed",
                &[
                    ("path", path.clone()),
                    ("expected", expected.to_string()),
                    ("got", got.to_string()),
                ],
            ),
            TransferError::Storage { name, source } => tr(
                "lab05-error-storage",
                &[("name", q(name)), ("error", source.to_string())],
            ),
            TransferError::Symlink(name) => tr("lab05-error-symlink", &[("name", q(name))]),
            TransferError::Usage(key) => tr(key, &[]),
            TransferError::Lost { during, source } => tr(
                "lab05-error-lost",
                &[("during", during.clone()), ("error", source.to_string())],
            ),
            TransferError::File { what, source } => tr(
                "lab05-error-file",
                &[("what", what.clone()), ("error", source.to_string())],
            ),
            TransferError::Header(e) => e.message(lang),
            TransferError::OverBudget(_) | TransferError::Io(_) => self.to_string(),
        }
    }

    /// The error in the language in force: what a person reads (the
    /// client's `error:` lines, the server's log, the demo's tables).
    pub fn localized(&self) -> String {
        self.message(crate::lang::current())
    }
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
        return bad("lab05-name-empty");
    }
    if name.contains('\0') {
        return bad("lab05-name-nul");
    }
    if name.len() > MAX_NAME {
        return bad("lab05-name-too-long");
    }
    let reserved = PARTIAL_DIR.len();
    let head = name.as_bytes().get(..reserved);
    if head.is_some_and(|h| h.eq_ignore_ascii_case(PARTIAL_DIR.as_bytes())) {
        return bad("lab05-name-reserved");
    }
    if name.starts_with('/') || name.starts_with('\\') || name.as_bytes().get(1) == Some(&b':') {
        return bad("lab05-name-absolute");
    }
    if name == "." || name == ".." || name.split(['/', '\\']).any(|p| p == "..") {
        return bad("lab05-name-traversal");
    }
    if name.contains('/') || name.contains('\\') {
        return bad("lab05-name-separator");
    }
    if name.chars().any(|c| c.is_control()) {
        return bad("lab05-name-control");
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
    Ok(digest_hex(&h.finalize()))
}

/// md5 of a file, streamed.
pub fn file_md5(path: &Path) -> io::Result<String> {
    let mut f = File::open(path)?;
    let n = f.metadata()?.len();
    md5_then_rewind(&mut f, n)
}

/// md5 of the first `n` bytes of an open file, which is then rewound to
/// its start: the header's md5 and the body come from the same open file.
pub fn md5_then_rewind(f: &mut File, n: u64) -> io::Result<String> {
    let md5 = copy_exact(f, &mut io::sink(), n, &ProgressBar::hidden()).map_err(|e| match e {
        TransferError::Io(e) => e,
        other => io::Error::other(other.to_string()),
    })?;
    f.rewind()?;
    Ok(md5)
}

/// A writer that keeps the first error and then swallows every write, so
/// that a failing disk does not stop the body from being read to its end:
/// the connection stays in step and the client can be told why.
pub struct KeepFirstError<W> {
    inner: W,
    /// The first error the inner writer returned.
    pub error: Option<io::Error>,
}

impl<W: Write> KeepFirstError<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> KeepFirstError<W> {
        KeepFirstError { inner, error: None }
    }
}

impl<W: Write> Write for KeepFirstError<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.error.is_none() {
            if let Err(e) = self.inner.write_all(buf) {
                self.error = Some(e);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.error.is_none() {
            if let Err(e) = self.inner.flush() {
                self.error = Some(e);
            }
        }
        Ok(())
    }
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

/// Receives `filesize` bytes from `r` into `dir/name`: an [`Unfinished`]
/// file no client can name, md5 checked (when the sender gave one), then
/// put in place. On any failure nothing is left under either name; a
/// file-system failure still reads the body to its end and is returned as
/// [`TransferError::Storage`], so the connection stays in step.
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
    if !overwrite && final_path.symlink_metadata().is_ok() {
        return Err(TransferError::Exists(name));
    }
    let storage = |source| TransferError::Storage {
        name: name.clone(),
        source,
    };
    let mut tmp = match Unfinished::create(dir, &name) {
        Ok(t) => t,
        Err(e) => {
            copy_exact(r, &mut io::sink(), filesize, pb)?;
            return Err(storage(e));
        }
    };
    let mut disk = KeepFirstError::new(tmp.file());
    let md5 = copy_exact(r, &mut disk, filesize, pb)?;
    if let Some(e) = disk.error.take() {
        return Err(storage(e));
    }
    tmp.file().sync_all().map_err(storage)?;
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
    match tmp.publish(&final_path, overwrite) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && !overwrite => {
            return Err(TransferError::Exists(name))
        }
        Err(e) => return Err(storage(e)),
    }
    Ok(Received {
        path: final_path,
        bytes: filesize,
        md5,
        verified,
    })
}

/// "cannot read NAME" in English: the server's words, which go on the wire.
pub(crate) fn wire_cannot_read(name: &str) -> String {
    crate::lang::tr_in(
        Lang::En,
        "lab05-error-cannot-read",
        &[("name", format!("{name:?}"))],
    )
}

/// Opens `dir/name` to be sent, once: only a plain file, never through a
/// symbolic link. Returns the open file and its size.
///
/// The name is one component ([`safe_name`]), so the only link it can
/// meet is the name itself; on Unix `O_NOFOLLOW` makes the open fail on a
/// link (no check-then-open race: the link could be swapped between a
/// check and the open, the flag cannot). `O_NONBLOCK` keeps a named pipe
/// from blocking the open; it changes nothing for a plain file. Elsewhere a
/// check before the open has to do.
pub fn open_plain_file(dir: &Path, name: &str) -> Result<(File, u64), TransferError> {
    let path = dir.join(name);
    let mut o = OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut o, libc::O_NOFOLLOW | libc::O_NONBLOCK);
    #[cfg(not(unix))]
    if path.symlink_metadata().is_ok_and(|m| m.is_symlink()) {
        return Err(TransferError::Symlink(name.to_string()));
    }
    let cannot = |source| TransferError::File {
        what: wire_cannot_read(name),
        source,
    };
    let file = match o.open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(TransferError::NotFound(name.to_string()))
        }
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(TransferError::Symlink(name.to_string()))
        }
        Err(e) => return Err(cannot(e)),
    };
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(TransferError::NotFound(name.to_string()));
    }
    Ok((file, meta.len()))
}

/// Sends a file's bytes through one fixed buffer; returns their md5.
pub fn send_file<W: Write + ?Sized>(
    w: &mut W,
    path: &Path,
    filesize: u64,
    pb: &ProgressBar,
) -> Result<String, TransferError> {
    send_open_file(
        w,
        &mut File::open(path)?,
        &path.display().to_string(),
        filesize,
        pb,
    )
}

/// Sends `filesize` bytes of an open file (`label` names it in errors);
/// returns their md5. A file that ends early was changed while being sent.
pub fn send_open_file<W: Write + ?Sized>(
    w: &mut W,
    f: &mut File,
    label: &str,
    filesize: u64,
    pb: &ProgressBar,
) -> Result<String, TransferError> {
    copy_exact(f, w, filesize, pb).map_err(|e| match e {
        TransferError::Truncated { expected, got } => TransferError::Changed {
            path: label.to_string(),
            expected,
            got,
        },
        other => other,
    })
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

impl TransferError {
    /// A failure that leaves the connection unusable ends the client.
    pub fn ends_session(&self) -> bool {
        matches!(
            self,
            TransferError::Header(_)
                | TransferError::Io(_)
                | TransferError::Truncated { .. }
                | TransferError::Lost { .. }
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
        for reserved in [
            PARTIAL_DIR,
            ".Sticky-Partial",
            ".sticky-partial.",
            ".STICKY-PARTIAL ",
        ] {
            assert!(safe_name(reserved).is_err(), "{reserved:?} passed");
        }
        assert_eq!(safe_name(&"a".repeat(255)).unwrap().len(), 255);
        assert_eq!(safe_name("report.txt").unwrap(), "report.txt");
        assert_eq!(safe_name("三体.txt").unwrap(), "三体.txt");
        assert_eq!(basename(Path::new("/tmp/x/data.bin")).unwrap(), "data.bin");
    }

    #[test]
    fn a_short_body_or_an_md5_mismatch_leaves_nothing_behind() {
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
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
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
        assert_eq!(std::fs::read(dir.path().join("f")).unwrap(), b"abc");
        let again = receive_into_dir(&mut &b"xyz"[..], dir.path(), "f", 3, None, false, &pb);
        assert!(matches!(again, Err(TransferError::Exists(_))));
        assert_eq!(std::fs::read(dir.path().join("f")).unwrap(), b"abc");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// Fails every write after the first `ok` bytes, like a disk that fills.
    struct FillingDisk {
        ok: usize,
    }

    impl Write for FillingDisk {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if buf.len() > self.ok {
                return Err(io::Error::from_raw_os_error(28)); // ENOSPC
            }
            self.ok -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_disk_that_fills_still_lets_the_whole_body_be_read() {
        let body = vec![7u8; 3 * CHUNK + 5];
        let mut r = &body[..];
        let mut disk = KeepFirstError::new(FillingDisk { ok: CHUNK });
        let md5 = copy_exact(&mut r, &mut disk, body.len() as u64, &ProgressBar::hidden());
        assert_eq!(md5.unwrap(), digest_hex(&Md5::digest(&body)));
        assert!(r.is_empty(), "{} bytes left unread", r.len());
        assert_eq!(disk.error.unwrap().raw_os_error(), Some(28));
    }

    #[test]
    fn a_file_system_error_is_answered_and_the_body_is_drained() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("adir")).unwrap();
        let body = b"xyz".repeat(1000);
        let mut r = &body[..];
        let e = receive_into_dir(
            &mut r,
            dir.path(),
            "adir",
            3000,
            None,
            true,
            &ProgressBar::hidden(),
        );
        let e = e.unwrap_err();
        assert!(matches!(e, TransferError::Storage { .. }), "{e}");
        assert!(e.to_string().starts_with("cannot store \"adir\": "), "{e}");
        assert!(!e.ends_session());
        assert!(r.is_empty());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["adir"]);
    }
}
