//! The JSON header of seed 002 §1.3: 4-byte header length, a JSON object, then the body (lab 05).
//!
//! Lab 04's header carried one number. Seed 002's "ultimate version" makes
//! the header a dictionary — `{"filename": …, "total_size": …, "md5": …}` —
//! serialized as JSON, and puts the *JSON's* length in front of it with
//! `struct.pack('i', len(json_bytes))`. A message on the wire is therefore
//! three parts:
//!
//! ```text
//! ┌──────────────┬───────────────────────────────┬──────────────────────┐
//! │ header len   │ JSON header (header len bytes)│ body (total_size B)  │
//! │ 4 bytes, 'i' │ {"total_size": 2175, …}       │ stdout + stderr      │
//! └──────────────┴───────────────────────────────┴──────────────────────┘
//! ```
//!
//! Three reads, and each one must be a *read exactly*: the lesson's client
//! does one `recv(header_len)` for the JSON, which returns fewer bytes as
//! soon as the stream is cut inside the header, and `json.loads` fails.
//!
//! The lesson's receiver and the fix are the first two functions below:
//! [`lesson_recv_header`] (one `recv(4)`, one `recv(header_len)`,
//! `json.loads`) and [`fixed_recv_header`] (the same three steps, each read
//! *exact*). The demo calls both, through the same chaos proxy.
//!
//! The header is untrusted input, so [`JsonHeader`] checks before it parses
//! and limits before it allocates: the header length against
//! [`DEFAULT_MAX_HEADER`](crate::framing::json_header::DEFAULT_MAX_HEADER),
//! the JSON must be an object, the keys a reader needs must be there with
//! the right type, and the body it announces must be under the body limit.
//! Every failure is a [`HeaderError`] that names the problem in one line.

use std::io::{self, Read, Write};
use std::net::TcpStream;

use md5::{Digest, Md5};
use serde_json::Value;

use crate::framing::json_header::{get_size, opt_str, wrong, Header, HeaderError, JsonHeader};
use crate::kit::text::spaced_hex;
use crate::t;

/// The lesson's receiver, bug included (seed 002 §1.3's client): ONE
/// `recv(4)` for the length and ONE `recv(header_len)` for the JSON. It works
/// on loopback and fails as soon as the stream is cut inside the header.
pub fn lesson_recv_header(stream: &TcpStream, codec: &JsonHeader) -> LessonRecv {
    let mut out = LessonRecv::default();
    // x = client.recv(4); header_len = struct.unpack('i', x)[0]
    out.len_bytes = match crate::kit::sock::recv_once(stream, 4) {
        Ok(x) => x,
        Err(e) => return out.failed(e.into()),
    };
    let header_len = match unpack_i(&out.len_bytes, codec) {
        Ok(n) => n,
        Err(e) => return out.failed(e),
    };
    out.header_len = Some(header_len);
    // json_str_bytes = client.recv(header_len)
    out.json_bytes = match crate::kit::sock::recv_once(stream, header_len) {
        Ok(j) => j,
        Err(e) => return out.failed(e.into()),
    };
    // header_dic = json.loads(json_str_bytes)
    out.header = codec.parse(&out.json_bytes);
    out
}

/// The fix: the same three steps, each read *exact* — `recv_exact` loops
/// until all 4 bytes, then all `header_len` bytes are in, however the stream
/// was cut — and the length is checked against the limit before anything is
/// allocated ([`JsonHeader::read_header`] is these steps). The body follows
/// with [`read_body`](crate::framing::json_header::read_body), exact too.
pub fn fixed_recv_header<R: Read + ?Sized>(
    stream: &mut R,
    codec: &JsonHeader,
) -> Result<Header, HeaderError> {
    // x = recv_exact(4); header_len = struct.unpack('i', x)[0], within the limit
    // json_str_bytes = recv_exact(header_len); header_dic = json.loads(...)
    codec.read_header(stream)
}

/// The lesson's server sending a reply's body (seed 002 §1.3:
/// `conn.send(stdout_res)`): ONE `send()`. It returns how many bytes the
/// kernel took — maybe fewer than asked (send(2)) — and the lesson never
/// looks; the rest is simply never sent.
pub fn lesson_send(stream: &TcpStream, data: &[u8]) -> io::Result<usize> {
    (&*stream).write(data)
}

/// The fix, Python's `conn.sendall(data)`: `send()` what is left, again and
/// again, until the kernel has taken every byte — or an error (a timeout, a
/// reset) says why not. Returns how many `send()` calls it took.
pub fn fixed_send(stream: &TcpStream, data: &[u8]) -> io::Result<usize> {
    let (mut sent, mut calls) = (0, 0);
    while sent < data.len() {
        match (&*stream).write(&data[sent..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        calls += 1;
    }
    Ok(calls)
}

/// What the lesson's receiver got from its two single `recv` calls.
#[derive(Debug)]
pub struct LessonRecv {
    /// What `recv(4)` returned.
    pub len_bytes: Vec<u8>,
    /// The header length unpacked from them, if there were 4.
    pub header_len: Option<usize>,
    /// What `recv(header_len)` returned.
    pub json_bytes: Vec<u8>,
    /// `json.loads` of those bytes.
    pub header: Result<Header, HeaderError>,
}

impl Default for LessonRecv {
    /// Nothing received yet: as if the peer had closed.
    fn default() -> LessonRecv {
        LessonRecv {
            len_bytes: Vec::new(),
            header_len: None,
            json_bytes: Vec::new(),
            header: Err(HeaderError::Closed),
        }
    }
}

impl LessonRecv {
    /// Stops at a step that failed with `e`.
    fn failed(mut self, e: HeaderError) -> LessonRecv {
        self.header = Err(e);
        self
    }

    /// Each `recv` and what it returned, and how `json.loads` ended.
    pub fn what_happened(&self) -> String {
        let (got4, got_json) = (self.len_bytes.len(), self.json_bytes.len());
        let len4 = spaced_hex(&self.len_bytes);
        match (&self.header, self.header_len) {
            (Err(e), Some(n)) => t!(
                "lab05-lesson-cut-json",
                got4 = got4,
                len4 = len4,
                n = n,
                got_json = got_json,
                text = format!(
                    "{:?}",
                    crate::kit::text::shorten(&String::from_utf8_lossy(&self.json_bytes), 24)
                ),
                error = e.localized()
            ),
            (Err(e), None) => t!(
                "lab05-lesson-cut-len",
                got4 = got4,
                len4 = len4,
                error = e.localized()
            ),
            (Ok(_), n) => t!("lab05-lesson-whole", n = n.unwrap_or(0)),
        }
    }

    /// The failure in the lesson's terms: which single `recv` came up short.
    pub fn verdict(&self) -> String {
        let (got4, got_json) = (self.len_bytes.len(), self.json_bytes.len());
        match (self.header.is_err(), self.header_len) {
            (true, Some(n)) => t!("lab05-verdict-json", n = n, got_json = got_json),
            (true, None) => t!("lab05-verdict-len", got4 = got4),
            (false, _) => self.what_happened(),
        }
    }
}

/// `struct.unpack('i', x)[0]`: `struct.error` unless `x` is 4 bytes long.
fn unpack_i(x: &[u8], codec: &JsonHeader) -> Result<usize, HeaderError> {
    match x.first_chunk::<4>() {
        Some(len4) => codec.prefix.unpack(*len4).map_err(HeaderError::Length),
        None if x.is_empty() => Err(HeaderError::Closed),
        None => Err(HeaderError::ShortRecv { got: x.len() }),
    }
}

/// The md5 of some bytes, as lowercase hex (what Python's `hashlib.md5().hexdigest()` prints).
pub fn md5_hex(bytes: &[u8]) -> String {
    digest_hex(&Md5::digest(bytes))
}

/// A digest as Python's `hexdigest()` prints it: lowercase, no spaces.
pub fn digest_hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The reply to a remote command: the lesson's `total_size`, plus what a
/// client actually needs to know about the output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandReply {
    /// stdout + stderr length (the lesson's key; the body's length).
    pub total_size: u64,
    /// How much of the body is stdout (the rest is stderr).
    pub stdout_size: u64,
    /// How much of the body is stderr.
    pub stderr_size: u64,
    /// The command's exit status.
    pub exit_code: i64,
    /// md5 of the body, hex.
    pub md5: Option<String>,
    /// The command was killed at the server's timeout.
    pub timed_out: bool,
    /// The output was cut at the server's cap.
    pub truncated: bool,
}

impl CommandReply {
    /// The header describing a command's output (its body is `out.combined()`).
    pub fn header_for(out: &crate::kit::runner::CommandOutput) -> Header {
        let body = out.combined();
        let mut h = Header::new();
        h.insert("total_size".into(), Value::from(body.len() as u64));
        h.insert("stdout_size".into(), Value::from(out.stdout.len() as u64));
        h.insert("stderr_size".into(), Value::from(out.stderr.len() as u64));
        h.insert("exit_code".into(), Value::from(out.exit_code));
        h.insert("md5".into(), Value::from(md5_hex(&body)));
        h.insert("timed_out".into(), Value::from(out.timed_out));
        h.insert("truncated".into(), Value::from(out.truncated));
        h
    }

    /// Reads the typed fields out of a reply header (only `total_size` is required,
    /// as in the lesson; the others default when a lesson server leaves them out).
    pub fn from_header(h: &Header) -> Result<CommandReply, HeaderError> {
        let total_size = get_size(h, "total_size")?;
        let opt_size = |k: &'static str, d: u64| -> Result<u64, HeaderError> {
            if h.contains_key(k) {
                get_size(h, k)
            } else {
                Ok(d)
            }
        };
        let stdout_size = opt_size("stdout_size", total_size)?;
        let stderr_size = opt_size("stderr_size", total_size.saturating_sub(stdout_size))?;
        let exit_code = match h.get("exit_code") {
            None => 0,
            Some(Value::Number(n)) if n.is_i64() => n.as_i64().unwrap_or(0),
            Some(v) => return Err(wrong("exit_code", "an integer", v)),
        };
        let flag = |k: &'static str| -> Result<bool, HeaderError> {
            match h.get(k) {
                None => Ok(false),
                Some(Value::Bool(b)) => Ok(*b),
                Some(v) => Err(wrong(k, "true or false", v)), // not prose: on the wire (a HeaderError), the same in every language
            }
        };
        Ok(CommandReply {
            total_size,
            stdout_size,
            stderr_size,
            exit_code,
            md5: opt_str(h, "md5")?.map(str::to_string),
            timed_out: flag("timed_out")?,
            truncated: flag("truncated")?,
        })
    }

    /// Does the body match the header's md5? (`None` when there is no md5,
    /// or when it is not a real one, like seed 002's `"123123xi12ix12"`.)
    pub fn md5_matches(&self, body: &[u8]) -> Option<bool> {
        let m = self.md5.as_deref()?;
        if m.len() != 32 || !m.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(m.eq_ignore_ascii_case(&md5_hex(body)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framing::{FrameReader, Framing};
    use crate::kit::chaos::{ChaosPlan, ChaosReader};
    use std::io::Cursor;

    fn hdr(json: &str) -> Vec<u8> {
        let mut v = (json.len() as i32).to_ne_bytes().to_vec();
        v.extend_from_slice(json.as_bytes());
        v
    }

    /// A loopback connection whose sender writes `parts` 100 ms apart, so
    /// each `recv` on the other side sees at most one part.
    fn cut_stream(parts: Vec<Vec<u8>>) -> TcpStream {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            for p in parts {
                std::io::Write::write_all(&mut s, &p).unwrap();
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        });
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        s
    }

    #[test]
    fn a_header_cut_in_two_breaks_the_lesson_and_not_the_fix() {
        let c = JsonHeader::lesson();
        let wire = hdr(r#"{"total_size": 0}"#);
        let cut = || vec![wire[..9].to_vec(), wire[9..].to_vec()];
        let lesson = lesson_recv_header(&cut_stream(cut()), &c);
        assert_eq!((lesson.len_bytes.len(), lesson.json_bytes.len()), (4, 5));
        let e = lesson.header.unwrap_err();
        assert!(e.to_string().contains("not valid JSON"), "{e}");
        let fixed = fixed_recv_header(&mut &cut_stream(cut()), &c).unwrap();
        assert_eq!(fixed.get("total_size"), Some(&Value::from(0)));
    }

    #[test]
    fn hostile_headers_get_named_errors() {
        let c = JsonHeader::lesson();
        let cases: &[(&[u8], &str)] = &[
            (&hdr("{nope"), "not valid JSON"),
            (&hdr("[1,2]"), "an array, not an object"),
            (&hdr("{}"), "no \"total_size\""),
            (&hdr(r#"{"total_size":-5}"#), "negative (-5)"),
            (
                &hdr(r#"{"total_size":"10"}"#),
                "must be a non-negative integer",
            ),
            (
                &hdr(r#"{"total_size":1.5}"#),
                "must be a non-negative integer",
            ),
            (&hdr(r#"{"total_size":99999999999}"#), "over the"),
        ];
        for (bytes, want) in cases {
            let e = c
                .read_message(&mut Cursor::new(bytes.to_vec()))
                .unwrap_err();
            assert!(e.to_string().contains(want), "{e} lacks {want}");
            assert!(c.check(bytes).is_err());
        }
        let mut bad = 3i32.to_ne_bytes().to_vec();
        bad.extend_from_slice(&[b'{', 0xff, b'}']);
        let e = c.read_header(&mut Cursor::new(bad)).unwrap_err();
        assert!(e.to_string().contains("not UTF-8"), "{e}");
        let huge = (1_000_000i32).to_ne_bytes().to_vec();
        let e = c.read_header(&mut Cursor::new(huge.clone())).unwrap_err();
        assert!(e.to_string().contains("over the 65536-byte"), "{e}");
        assert!(c.check(&huge).is_err(), "refused before the header arrives");
    }

    #[test]
    fn messages_survive_any_chaos_cut() {
        let c = JsonHeader::lesson();
        let msgs: Vec<Vec<u8>> = (0..100).map(|i| vec![i as u8; i * 37 % 700]).collect();
        let mut wire = Vec::new();
        for m in &msgs {
            c.write_message(&mut wire, &Header::new(), m).unwrap();
        }
        for seed in 0..4 {
            let r = ChaosReader::new(Cursor::new(wire.clone()), ChaosPlan::new(seed, 5));
            let mut mr = FrameReader::new(r, c);
            let mut got = Vec::new();
            while let Some(m) = mr.next_frame().unwrap() {
                got.push(m.body);
            }
            assert_eq!(got, msgs);
            let mut r = ChaosReader::new(Cursor::new(wire.clone()), ChaosPlan::new(seed, 5));
            for m in &msgs {
                assert_eq!(&c.read_message(&mut r).unwrap().body, m);
            }
            assert!(c.read_message(&mut r).unwrap_err().is_closed());
        }
    }

    #[test]
    fn a_reply_header_round_trips_and_checks_md5() {
        let out = crate::kit::runner::CommandOutput {
            stdout: b"hi\n".to_vec(),
            stderr: b"oops\n".to_vec(),
            exit_code: 1,
            ..Default::default()
        };
        let h = CommandReply::header_for(&out);
        let r = CommandReply::from_header(&h).unwrap();
        assert_eq!((r.total_size, r.stdout_size, r.stderr_size), (8, 3, 5));
        assert_eq!(r.md5_matches(&out.combined()), Some(true));
        assert_eq!(r.md5_matches(b"tampered"), Some(false));
        let mut lesson = Header::new();
        lesson.insert("total_size".into(), 3.into());
        lesson.insert("md5".into(), "123123xi12ix12".into());
        assert_eq!(
            CommandReply::from_header(&lesson)
                .unwrap()
                .md5_matches(b"abc"),
            None
        );
    }
}
