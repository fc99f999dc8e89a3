//! Lab 05's protocol for the checker: every reply is a 4-byte length, a
//! JSON header, then the body the header announces (seed 002 §1.3); files
//! go up and down with `{"opt": "upload" | "download", "filename", …}`
//! headers (seed 000), each file checked by md5.
//!
//! The lesson's client reads the JSON with ONE `recv(header_len)`: the case
//! `json-cut` cuts inside the JSON, the common `header-split` cuts the
//! 4-byte length 1|3. Beyond commands, a client is given stdin lines
//! `put NAME` (NAME is a file in its scratch folder) and `get NAME` (our
//! server sends NAME; the client stores it in that folder), and a server
//! is sent uploads and downloads; the cases `put-get`, `missing-file` and
//! `dotdot-name` check the files, the refusals and the md5.
//!
//! In the lesson's format a command is a bare line, but uploads and
//! downloads are framed (a header with `"opt"`): a server tells the two
//! apart by its first `recv()` — 4 length bytes, then `{` — so the checker
//! sends a framed request's first 5 bytes whole there, and an upload gets
//! no answer (seed 000's server sends none), so a refused upload is seen
//! by what the server does next, not by an answer.

use std::fs;
use std::io::Write as _;
use std::net::TcpStream;
use std::path::Path;

use serde_json::Value;

use super::cases::{ClientCase, Ending, OwnRun, ServerCase, ServerKind};
use super::{BufStream, CutSpec, Cutter, Exchanged, Failure, FailureBuilder, Wire, IO_TIMEOUT};
use crate::framing::json_header::{Header, JsonHeader, DEFAULT_MAX_HEADER};
use crate::harness::Compat;
use crate::kit::runner::CommandOutput;
use crate::lessons::lab05_json_header::{md5_hex, CommandReply};
use crate::lessons::lab05_transfer::{error_reply, file_header, safe_name, Request, TransferError};

/// The largest reply the reference sides accept: the lessons' 1 MiB
/// output cap, with room to spare.
const MAX_BODY: u64 = 16 << 20;

/// Lab 05's wire in one format.
pub struct JsonWire {
    codec: JsonHeader,
    compat: Compat,
}

impl JsonWire {
    /// The wire for `compat`.
    pub fn new(compat: Compat) -> JsonWire {
        JsonWire {
            codec: JsonHeader::lesson().with_limits(DEFAULT_MAX_HEADER, MAX_BODY),
            compat,
        }
    }

    fn encode(&self, h: &Header) -> Result<Vec<u8>, String> {
        self.codec.encode_header(h).map_err(|e| e.localized())
    }

    /// One header, read exactly (4 bytes, then the JSON).
    fn read_header(&self, s: &mut BufStream) -> Result<Header, String> {
        self.codec
            .read_header(&mut s.r)
            .map_err(|e| super::timeout_words(&e.localized()))
    }

    /// Reference server: the framed request a `put` or `get` line must send.
    fn read_file_request(&self, s: &mut BufStream, line: &str) -> Result<Request, String> {
        // A client that knows only commands sends the line itself.
        let head = std::io::BufRead::fill_buf(&mut s.r).map(<[u8]>::to_vec);
        if head.is_ok_and(|h| h.starts_with(line.as_bytes())) {
            return Err(crate::t!("check-lab05-bare-put-get", line = line));
        }
        let h = self
            .read_header(s)
            .map_err(|e| crate::t!("check-lab05-waiting-header", line = line, error = e))?;
        Request::from_header(&h).map_err(|e| {
            crate::t!(
                "check-lab05-not-file-request",
                line = line,
                error = e.localized(),
                header = Value::Object(h.clone())
            )
        })
    }

    /// Reference server: an `{"ok": false, "error": …}` answer; what the
    /// client must print for it.
    fn refuse(&self, s: &mut BufStream, cut: &mut Cutter, msg: &str) -> Result<Exchanged, String> {
        let at = cut.offset();
        cut.send(&mut s.w, &self.encode(&error_reply(msg))?)
            .map_err(|e| {
                crate::t!(
                    "check-lab05-sending-refusal",
                    refusal = format!("{msg:?}"),
                    error = e
                )
            })?;
        cut.end_message();
        Ok(Exchanged {
            printed: format!("error: {msg}\n").into_bytes(), // not prose: what a client prints
            body_at: Some(at),
        })
    }

    /// Reference server: reads a `put NAME` upload and checks it against
    /// the file the client was given.
    fn take_upload(
        &self,
        s: &mut BufStream,
        line: &str,
        name: &str,
        cut: &mut Cutter,
    ) -> Result<Exchanged, String> {
        let Request::Upload {
            filename,
            filesize,
            md5,
        } = self.read_file_request(s, line)?
        else {
            return Err(crate::t!("check-lab05-not-upload", line = line));
        };
        let want = client_file(name);
        if filename != name {
            return Err(crate::t!(
                "check-lab05-upload-name",
                filename = format!("{filename:?}"),
                line = line,
                name = format!("{name:?}")
            ));
        }
        if filesize != want.len() as u64 {
            return Err(crate::t!(
                "check-lab05-upload-size",
                filesize = filesize,
                name = name,
                bytes = want.len()
            ));
        }
        let body = s.read_exact_named(want.len(), "file body")?;
        if body != want {
            return Err(crate::t!(
                "check-lab05-upload-bytes",
                name = name,
                at = super::first_difference(&want, &body)
            ));
        }
        let md5_want = md5_hex(&want);
        if let Some(m) = md5.filter(|m| !m.eq_ignore_ascii_case(&md5_want)) {
            return Err(crate::t!(
                "check-lab05-upload-md5",
                md5 = m,
                want = &md5_want
            ));
        }
        if self.compat == Compat::Ours {
            let mut h = file_header(name, want.len() as u64, &md5_want);
            h.insert("ok".into(), true.into());
            h.insert("opt".into(), "upload".into());
            h.insert("total_size".into(), 0.into());
            cut.send(&mut s.w, &self.encode(&h)?)
                .map_err(|e| e.to_string())?;
            cut.end_message();
        }
        Ok(Exchanged {
            printed: format!("put {name}: {} bytes sent\n", want.len()).into_bytes(), // not prose: printed
            body_at: None,
        })
    }

    /// Reference server: answers a `get NAME` download: the file, or a
    /// refusal for a missing file or a name that is not a plain name.
    fn give_download(
        &self,
        s: &mut BufStream,
        line: &str,
        name: &str,
        cut: &mut Cutter,
    ) -> Result<Exchanged, String> {
        let Request::Download { filename } = self.read_file_request(s, line)? else {
            return Err(crate::t!("check-lab05-not-download", line = line));
        };
        if filename != name {
            return Err(crate::t!(
                "check-lab05-download-name",
                filename = format!("{filename:?}"),
                line = line,
                name = format!("{name:?}")
            ));
        }
        if let Err(e) = safe_name(name) {
            return self.refuse(s, cut, &e.to_string());
        }
        let Some(bytes) = served_file(name) else {
            return self.refuse(s, cut, &TransferError::NotFound(name.into()).to_string());
        };
        let md5 = md5_hex(&bytes);
        let mut h = file_header(name, bytes.len() as u64, &md5);
        h.insert("ok".into(), true.into());
        h.insert("opt".into(), "download".into());
        let mut msg = self.encode(&h)?;
        let at = cut.offset();
        msg.extend_from_slice(&bytes);
        cut.send(&mut s.w, &msg).map_err(|e| {
            crate::t!(
                "check-lab05-sending-file",
                name = name,
                line = line,
                error = e
            )
        })?;
        cut.end_message();
        Ok(Exchanged {
            printed: format!("get {name}: {} bytes, md5 {md5} ok\n", bytes.len()).into_bytes(), // not prose: printed
            body_at: Some(at),
        })
    }
}

/// The header our reference server sends before a command's output: what
/// lab 05's own server sends (`total_size`, sizes, exit code, md5).
fn command_header(reply: &[u8]) -> Header {
    CommandReply::header_for(&CommandOutput {
        stdout: reply.to_vec(),
        ..Default::default()
    })
}

impl Wire for JsonWire {
    fn read_request(&self, s: &mut BufStream) -> Result<Option<Vec<u8>>, String> {
        match self.compat {
            Compat::Lesson => s.read_bare_command(),
            Compat::Ours => {
                if s.at_end() {
                    return Ok(None);
                }
                let h = self.read_header(s)?;
                match Request::from_header(&h) {
                    Ok(Request::Command(c)) => Ok(Some(c)),
                    Ok(_) => Err(crate::t!("check-lab05-file-not-command")),
                    Err(e) => Err(crate::t!(
                        "check-lab05-request-header",
                        error = e.localized()
                    )),
                }
            }
        }
    }

    fn send_reply(&self, s: &mut BufStream, reply: &[u8], cut: &mut Cutter) -> Result<u64, String> {
        let mut msg = self.encode(&command_header(reply))?;
        let body_at = cut.offset() + msg.len() as u64;
        msg.extend_from_slice(reply);
        cut.send(&mut s.w, &msg).map_err(|e| e.to_string())?;
        cut.end_message();
        Ok(body_at)
    }

    fn reply_head(
        &self,
        s: &mut BufStream,
        full: &[u8],
        cut: &mut Cutter,
    ) -> Result<Vec<u8>, String> {
        // The header whole, then part of the body: the client must meet the
        // close while it reads the body (a header cut here would make a
        // lesson client crash on json.loads first, which looks like a report).
        let head = self.encode(&command_header(full))?;
        cut.send_whole(&mut s.w, &head).map_err(|e| e.to_string())?;
        Ok(Vec::new())
    }

    fn request_bytes(&self, cmd: &[u8]) -> Vec<u8> {
        match self.compat {
            Compat::Lesson => cmd.to_vec(),
            Compat::Ours => self
                .encode(&Request::Command(cmd.to_vec()).to_header())
                .unwrap_or_else(|_| cmd.to_vec()),
        }
    }

    fn read_reply(&self, s: &mut BufStream, _cut: &mut Cutter) -> Result<Vec<u8>, String> {
        let h = self.read_header(s)?;
        if h.get("ok") == Some(&Value::Bool(false)) {
            return Err(crate::t!(
                "check-lab05-server-refused",
                error = h.get("error").map(Value::to_string).unwrap_or_default()
            ));
        }
        let n = self.codec.body_len(&h).map_err(|e| e.to_string())?;
        s.read_exact_named(n as usize, "reply")
    }

    fn requests_framed(&self) -> bool {
        self.compat == Compat::Ours
    }

    fn header_split(&self) -> Option<&'static [usize]> {
        Some(&[1, 3])
    }

    fn exchange(
        &self,
        s: &mut BufStream,
        line: &str,
        cut: &mut Cutter,
    ) -> Option<Result<Exchanged, String>> {
        let (word, name) = line.split_once(' ')?;
        match word {
            "put" => Some(self.take_upload(s, line, name, cut)),
            "get" => Some(self.give_download(s, line, name, cut)),
            _ => None,
        }
    }

    fn client_files(&self, lines: &[String]) -> Option<Vec<(String, Vec<u8>)>> {
        let files: Vec<(String, Vec<u8>)> = lines
            .iter()
            .filter_map(|l| l.strip_prefix("put "))
            .map(|n| (n.to_string(), client_file(n)))
            .collect();
        let gets = lines.iter().any(|l| l.starts_with("get "));
        (gets || !files.is_empty()).then_some(files)
    }

    fn check_client_files(&self, dir: &Path, lines: &[String]) -> Result<(), String> {
        for name in lines.iter().filter_map(|l| l.strip_prefix("get ")) {
            let Some(want) = served_file(name) else {
                continue;
            };
            let got = fs::read(dir.join(name))
                .map_err(|e| crate::t!("check-lab05-get-not-stored", name = name, error = e))?;
            if got != want {
                return Err(crate::t!(
                    "check-lab05-stored-differs",
                    name = name,
                    got = got.len(),
                    want = want.len(),
                    at = super::first_difference(&want, &got)
                ));
            }
        }
        Ok(())
    }
}

// ─────────────────────────── the files ───────────────────────────

/// The bytes of a file the checker makes up, the same for the same key on
/// every run: 2 to 20 KB of every byte value, so a client that decodes
/// the file as text, or a server that strips it, is caught.
fn made_up(key: &str) -> Vec<u8> {
    // FNV-1a of the key, then xorshift: no dependency, the same everywhere.
    let mut x = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    }) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let len = 2000 + (next() % 18_000) as usize;
    (0..len).map(|_| (next() >> 32) as u8).collect()
}

/// A file in the client's scratch folder, for `put NAME`.
fn client_file(name: &str) -> Vec<u8> {
    made_up(&format!("client {name}"))
}

/// The file our reference server holds under `name` (`served-…`), or
/// `None`: it has no such file.
fn served_file(name: &str) -> Option<Vec<u8>> {
    name.starts_with("served-")
        .then(|| made_up(&format!("server {name}")))
}

// ─────────────────────────── client cases ───────────────────────────

fn json_cut(seed: u64) -> Vec<String> {
    vec![format!("echo the JSON header is cut {seed}")] // not prose: a command
}
fn put_get(seed: u64) -> Vec<String> {
    vec![
        format!("put upload-{seed}.bin"),
        format!("get served-{seed}.bin"),
    ]
}
fn missing(seed: u64) -> Vec<String> {
    vec![
        format!("get missing-{seed}.bin"),
        format!("echo still here {seed}"), // not prose: a command
    ]
}
fn dotdot(seed: u64) -> Vec<String> {
    vec![
        format!("get ../served-{seed}.bin"),
        format!("echo still here {seed}"), // not prose: a command
    ]
}

/// Lab 05's own client cases, after the common ones.
pub const CLIENT_CASES: &[ClientCase] = &[
    ClientCase {
        name: "json-cut",
        what: "check-lab05-client-json-cut-what",
        hint: "check-lab05-client-json-cut-hint",
        commands: json_cut,
        // 50 ms apart: each piece its own recv() even on a busy machine.
        cut: CutSpec::WHOLE.pause_ms(50).scripted(&[4, 7]),
        max_seeds: 3,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "put-get",
        what: "check-lab05-client-put-get-what",
        hint: "check-lab05-client-put-get-hint",
        commands: put_get,
        cut: CutSpec::new(1500),
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "missing-file",
        what: "check-lab05-client-missing-file-what",
        hint: "check-lab05-client-missing-file-hint",
        commands: missing,
        cut: CutSpec::new(8),
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "dotdot-name",
        what: "check-lab05-client-dotdot-name-what",
        hint: "check-lab05-client-dotdot-name-hint",
        commands: dotdot,
        cut: CutSpec::new(8),
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
];

// ─────────────────────────── server cases ───────────────────────────

/// Lab 05's own server cases, after the common ones.
pub const SERVER_CASES: &[ServerCase] = &[
    ServerCase {
        name: "header-md5",
        what: "check-lab05-server-header-md5-what",
        hint: "check-lab05-server-header-md5-hint",
        kind: ServerKind::Own(header_md5),
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: 3,
    },
    ServerCase {
        name: "put-get",
        what: "check-lab05-server-put-get-what",
        hint: "check-lab05-server-put-get-hint",
        kind: ServerKind::Own(server_put_get),
        cut: CutSpec::new(1500),
        needs_framed_requests: false,
        max_seeds: 5,
    },
    ServerCase {
        name: "missing-file",
        what: "check-lab05-server-missing-file-what",
        hint: "check-lab05-server-missing-file-hint",
        kind: ServerKind::Own(server_missing),
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: 3,
    },
    ServerCase {
        name: "dotdot-name",
        what: "check-lab05-server-dotdot-name-what",
        hint: "check-lab05-server-dotdot-name-hint",
        kind: ServerKind::Own(server_dotdot),
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: 1,
    },
];

/// A name no earlier run used: the server's folder keeps files between runs.
fn fresh_name(tag: &str, seed: u64) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() % 1_000_000_000);
    format!(
        "sticky-check-{}-{t:09}-{tag}-{seed}.bin",
        std::process::id()
    )
}

/// The files `put-get` uploaded to a server the checker started itself,
/// removed when the case ends: the server stores them in a folder of its
/// own under the student's working folder (the lesson's `files/`), and
/// every run's names are new ([`fresh_name`]), so without this each check
/// would leave more behind. Only names this process made are touched, no
/// deeper than two folders down.
struct OwnUploads {
    started_here: bool,
}

impl Drop for OwnUploads {
    fn drop(&mut self) {
        if !self.started_here {
            return;
        }
        let mine = format!("sticky-check-{}-", std::process::id());
        let mut dirs = vec![(std::env::current_dir().unwrap_or_default(), 0)];
        while let Some((dir, depth)) = dirs.pop() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let Ok(kind) = e.file_type() else { continue };
                if kind.is_dir() && depth < 2 {
                    dirs.push((e.path(), depth + 1));
                } else if kind.is_file() && e.file_name().to_string_lossy().starts_with(&mine) {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
    }
}

fn connect(run: &OwnRun, seed: u64) -> Result<BufStream, Box<Failure>> {
    TcpStream::connect_timeout(&run.addr, super::client::CONNECT_TIMEOUT)
        .and_then(|s| BufStream::new(s, IO_TIMEOUT))
        .map_err(|e| {
            FailureBuilder::new(
                seed,
                crate::t!("check-cannot-connect", addr = run.addr, error = e),
                run.case.hint,
            )
            .boxed()
        })
}

/// The bytes of a framed request, and the cuts it is sent with: in the
/// lesson's format the first 5 bytes (length, then `{`) go whole, as the
/// server tells a framed request from a bare command by them.
fn send_framed(
    run: &OwnRun,
    s: &mut BufStream,
    cut: &mut Cutter,
    header: &Header,
    body: &[u8],
) -> std::io::Result<()> {
    let mut msg = JsonHeader::lesson()
        .encode_header(header)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    msg.extend_from_slice(body);
    let first = if run.compat == Compat::Lesson { 5 } else { 0 };
    cut.send_whole(&mut s.w, &msg[..first])?;
    cut.send(&mut s.w, &msg[first..])?;
    cut.end_message();
    s.w.flush()
}

/// One reply (header and body) from the server, read exactly.
fn read_answer(s: &mut BufStream, key: &'static str) -> Result<(Header, Vec<u8>), String> {
    let codec = JsonHeader::lesson()
        .with_limits(DEFAULT_MAX_HEADER, MAX_BODY)
        .with_size_key(key);
    let h = codec
        .read_header(&mut s.r)
        .map_err(|e| super::timeout_words(&e.localized()))?;
    // A refusal carries total_size 0 and may have no filesize.
    let n = if h.contains_key(key) {
        codec.body_len(&h).map_err(|e| e.to_string())?
    } else {
        JsonHeader::lesson()
            .with_limits(DEFAULT_MAX_HEADER, MAX_BODY)
            .body_len(&h)
            .unwrap_or(0)
    };
    let body = s.read_exact_named(n as usize, "body")?;
    Ok((h, body))
}

fn show(h: &Header) -> String {
    crate::kit::text::shorten(&Value::Object(h.clone()).to_string(), 160)
}

fn fail(run: &OwnRun, seed: u64, msg: impl Into<String>) -> Box<Failure> {
    FailureBuilder::new(seed, msg, run.case.hint).boxed()
}

/// A step of a case that went wrong (sending, reading an answer) becomes the
/// case's failure, worded by `say` from the step's own error.
trait OrFail<T, E> {
    fn or_fail(
        self,
        run: &OwnRun,
        seed: u64,
        say: impl FnOnce(E) -> String,
    ) -> Result<T, Box<Failure>>;
}

impl<T, E> OrFail<T, E> for Result<T, E> {
    fn or_fail(
        self,
        run: &OwnRun,
        seed: u64,
        say: impl FnOnce(E) -> String,
    ) -> Result<T, Box<Failure>> {
        self.map_err(|e| fail(run, seed, say(e)))
    }
}

fn header_md5(run: &OwnRun) -> Result<(), Box<Failure>> {
    let mut s = connect(run, run.seeds.start)?;
    let wire = JsonWire::new(run.compat);
    for seed in run.seeds.clone() {
        let cmd = format!("echo md5 of this reply {seed}"); // not prose: a command
        let mut cut = Cutter::new(seed, 0, CutSpec::WHOLE);
        super::server::send_request(&wire, &mut s, &cmd, &mut cut).or_fail(run, seed, |e| {
            crate::t!("check-sending", command = &cmd, error = e)
        })?;
        let (h, body) = read_answer(&mut s, "total_size").or_fail(run, seed, |e| {
            crate::t!("check-reading-reply", command = &cmd, error = e)
        })?;
        let want = super::client::expected(&cmd);
        if body != want {
            return Err(FailureBuilder::new(
                seed,
                crate::t!("check-lab05-reply-not-output", command = &cmd),
                run.case.hint,
            )
            .command(&cmd)
            .compare(&want, &body)
            .boxed());
        }
        if let Some(m) = h.get("md5") {
            let real = md5_hex(&body);
            if m.as_str().is_none_or(|m| !m.eq_ignore_ascii_case(&real)) {
                return Err(fail(
                    run,
                    seed,
                    crate::t!(
                        "check-lab05-reply-md5",
                        command = &cmd,
                        md5 = m,
                        bytes = body.len(),
                        real = &real
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn server_put_get(run: &OwnRun) -> Result<(), Box<Failure>> {
    let _tidy = OwnUploads {
        started_here: run.started_here,
    };
    let mut s = connect(run, run.seeds.start)?;
    for seed in run.seeds.clone() {
        let name = fresh_name("put-get", seed);
        let bytes = made_up(&format!("put-get {seed}"));
        let md5 = md5_hex(&bytes);
        let mut cut = Cutter::new(seed, 0, run.case.cut);
        let up = Request::Upload {
            filename: name.clone(),
            filesize: bytes.len() as u64,
            md5: Some(md5.clone()),
        }
        .to_header();
        let at = cut.offset();
        let sent = send_framed(run, &mut s, &mut cut, &up, &bytes);
        let with_pieces = |b: FailureBuilder, cut: &Cutter| {
            let (chunks, ends) = cut.record();
            b.pieces(&chunks, &ends, Some(at), "check-sent").boxed()
        };
        if let Err(e) = sent {
            return Err(with_pieces(
                FailureBuilder::new(
                    seed,
                    crate::t!("check-lab05-uploading", name = &name, error = e),
                    run.case.hint,
                ),
                &cut,
            ));
        }
        if run.compat == Compat::Ours {
            let (h, _) = read_answer(&mut s, "total_size").map_err(|e| {
                with_pieces(
                    FailureBuilder::new(
                        seed,
                        crate::t!("check-lab05-upload-answer", name = &name, error = e),
                        run.case.hint,
                    ),
                    &cut,
                )
            })?;
            if h.get("ok") == Some(&Value::Bool(false)) {
                return Err(with_pieces(
                    FailureBuilder::new(
                        seed,
                        crate::t!(
                            "check-lab05-refused-upload",
                            name = &name,
                            header = show(&h)
                        ),
                        run.case.hint,
                    ),
                    &cut,
                ));
            }
        }
        let down = Request::Download {
            filename: name.clone(),
        }
        .to_header();
        send_framed(
            run,
            &mut s,
            &mut Cutter::new(seed, 1, CutSpec::WHOLE),
            &down,
            b"",
        )
        .or_fail(run, seed, |e| {
            crate::t!("check-lab05-asking-download", name = &name, error = e)
        })?;
        let (h, got) = read_answer(&mut s, "filesize").map_err(|e| {
            with_pieces(
                FailureBuilder::new(
                    seed,
                    crate::t!("check-lab05-downloading", name = &name, error = e),
                    run.case.hint,
                ),
                &cut,
            )
        })?;
        if h.get("ok") == Some(&Value::Bool(false)) || !h.contains_key("filesize") {
            return Err(with_pieces(
                FailureBuilder::new(
                    seed,
                    crate::t!(
                        "check-lab05-download-answer",
                        name = &name,
                        header = show(&h)
                    ),
                    run.case.hint,
                ),
                &cut,
            ));
        }
        if got != bytes {
            return Err(with_pieces(
                FailureBuilder::new(
                    seed,
                    crate::t!(
                        "check-lab05-download-differs",
                        got = got.len(),
                        name = &name,
                        want = bytes.len(),
                        at = super::first_difference(&bytes, &got)
                    ),
                    run.case.hint,
                ),
                &cut,
            ));
        }
        if h.get("md5").and_then(Value::as_str) != Some(md5.as_str()) {
            return Err(fail(
                run,
                seed,
                crate::t!(
                    "check-lab05-download-md5",
                    name = &name,
                    md5 = h
                        .get("md5")
                        .map(Value::to_string)
                        .unwrap_or(crate::t!("check-lab05-none")),
                    want = &md5
                ),
            ));
        }
    }
    Ok(())
}

/// Asks to download `name` and expects a refusal: `"ok": false`, no body.
fn expect_refused_download(
    run: &OwnRun,
    s: &mut BufStream,
    cut: &mut Cutter,
    seed: u64,
    name: &str,
    why_refused: &str,
) -> Result<(), Box<Failure>> {
    let down = Request::Download {
        filename: name.to_string(),
    }
    .to_header();
    send_framed(run, s, cut, &down, b"").or_fail(run, seed, |e| {
        crate::t!("check-lab05-asking-download", name = name, error = e)
    })?;
    let (h, body) = read_answer(s, "filesize").or_fail(run, seed, |e| {
        crate::t!(
            "check-lab05-refusal-answer",
            name = format!("{name:?}"),
            why = why_refused,
            error = e
        )
    })?;
    if h.get("ok") != Some(&Value::Bool(false)) || !body.is_empty() {
        return Err(fail(
            run,
            seed,
            crate::t!(
                "check-lab05-not-refused",
                name = format!("{name:?}"),
                why = why_refused,
                header = show(&h),
                bytes = body.len()
            ),
        ));
    }
    Ok(())
}

fn server_missing(run: &OwnRun) -> Result<(), Box<Failure>> {
    let mut s = connect(run, run.seeds.start)?;
    let wire = JsonWire::new(run.compat);
    for seed in run.seeds.clone() {
        let name = fresh_name("missing", seed);
        let mut cut = Cutter::new(seed, 0, CutSpec::WHOLE);
        let why = crate::t!("check-lab05-not-there");
        expect_refused_download(run, &mut s, &mut cut, seed, &name, &why)?;
        let cmd = format!("echo still serving {seed}"); // not prose: a command
        let got = super::server::send_request(&wire, &mut s, &cmd, &mut cut)
            .map_err(|e| e.to_string())
            .and_then(|()| wire.read_reply(&mut s, &mut cut));
        if got.as_deref() != Ok(&super::client::expected(&cmd)[..]) {
            return Err(fail(
                run,
                seed,
                crate::t!(
                    "check-lab05-after-missing",
                    command = &cmd,
                    got = match got {
                        Ok(b) => format!("\"{}\"", crate::kit::text::preview(&b, 60)),
                        Err(e) => e,
                    }
                ),
            ));
        }
    }
    Ok(())
}

fn server_dotdot(run: &OwnRun) -> Result<(), Box<Failure>> {
    let seed = run.seeds.start;
    let plain = fresh_name("escape", seed);
    let name = format!("../{plain}");
    let bytes = made_up(&format!("escape {seed}"));
    let mut s = connect(run, seed)?;
    let mut cut = Cutter::new(seed, 0, CutSpec::WHOLE);
    let up = Request::Upload {
        filename: name.clone(),
        filesize: bytes.len() as u64,
        md5: Some(md5_hex(&bytes)),
    }
    .to_header();
    send_framed(run, &mut s, &mut cut, &up, &bytes).or_fail(run, seed, |e| {
        crate::t!("check-lab05-uploading", name = &name, error = e)
    })?;
    match run.compat {
        Compat::Ours => {
            let (h, _) = read_answer(&mut s, "total_size").or_fail(run, seed, |e| {
                crate::t!("check-lab05-dotdot-answer", name = &name, error = e)
            })?;
            if h.get("ok") != Some(&Value::Bool(false)) {
                return Err(fail(
                    run,
                    seed,
                    crate::t!(
                        "check-lab05-dotdot-not-refused",
                        name = &name,
                        header = show(&h)
                    ),
                ));
            }
        }
        // The lesson's upload has no answer (our Rust server answers a
        // refusal even there): a command on the same connection, whose
        // reply comes only once the upload is dealt with, skipping one
        // refusal before it.
        Compat::Lesson => {
            let wire = JsonWire::new(run.compat);
            let cmd = format!("echo after the refused upload {seed}"); // not prose: a command
            super::server::send_request(&wire, &mut s, &cmd, &mut cut).or_fail(run, seed, |e| {
                crate::t!("check-sending", command = &cmd, error = e)
            })?;
            let mut got = read_answer(&mut s, "total_size");
            if got
                .as_ref()
                .is_ok_and(|(h, _)| h.get("ok") == Some(&Value::Bool(false)))
            {
                got = read_answer(&mut s, "total_size");
            }
            let want = super::client::expected(&cmd);
            match got {
                Ok((_, body)) if body == want => {}
                Ok((h, body)) => {
                    return Err(fail(
                        run,
                        seed,
                        crate::t!(
                            "check-lab05-after-dotdot",
                            name = format!("{name:?}"),
                            command = &cmd,
                            header = show(&h),
                            body = crate::kit::text::preview(&body, 60)
                        ),
                    ))
                }
                Err(e) => {
                    return Err(fail(
                        run,
                        seed,
                        crate::t!(
                            "check-lab05-after-dotdot-reading",
                            name = format!("{name:?}"),
                            command = &cmd,
                            error = e
                        ),
                    ))
                }
            }
        }
    }
    // Where a server that trusted the name put it: beside its folder.
    if run.started_here {
        let here = std::env::current_dir().unwrap_or_default();
        for dir in [here.clone(), here.join("..")] {
            let p = dir.join(&plain);
            if p.exists() {
                let _ = fs::remove_file(&p);
                return Err(fail(
                    run,
                    seed,
                    crate::t!(
                        "check-lab05-stored-outside",
                        name = format!("{name:?}"),
                        path = p.display()
                    ),
                ));
            }
        }
    }
    expect_refused_download(run, &mut s, &mut cut, seed, &name, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_files_are_the_same_every_time_and_differ_by_key() {
        assert_eq!(client_file("a"), client_file("a"));
        assert_ne!(client_file("a"), client_file("b"));
        assert!((2000..20_000).contains(&client_file("a").len()));
        assert!(served_file("served-1.bin").is_some());
        assert!(served_file("missing-1.bin").is_none());
        assert!(served_file("../served-1.bin").is_none());
    }
}
