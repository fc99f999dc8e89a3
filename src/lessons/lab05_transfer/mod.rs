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
//! Beside it, one concept per file: `server.rs`, lab 05's server (remote
//! commands answered with a JSON header — `total_size` plus sizes, exit code
//! and md5 — uploads and downloads); `client.rs`, its client; both speak the
//! lessons' exact wire formats with `--compat lesson` ([`Compat::Lesson`](crate::harness::Compat::Lesson)).
//! `demo.rs` holds what each stage of the lab's demo measures.

use std::fs::{self, File, OpenOptions};
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressStyle};
use md5::{Digest, Md5};
use thiserror::Error;

use crate::framing::json_header::{get_size, get_str, opt_str, Header, HeaderError};
use crate::lessons::lab05_json_header::digest_hex;

mod client;
mod demo;
mod server;

pub use client::{send_request, upload_answer, Client, CommandResult, Sent, Session};
pub use demo::{
    command, loopback, read_replies, reply_on_the_wire, start_quiet_server, upload_then_download,
    write_seeded_file, ExactReply, HostileUploads, Moved, Refusal, RoundTrip, Scratch, WireReply,
};
pub use server::{handle_connection, serve_folder, ServerConfig};

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
    Ok(digest_hex(&h.finalize()))
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
