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
//! The header is untrusted input, so [`JsonHeader`] checks before it parses
//! and limits before it allocates: the header length against
//! [`DEFAULT_MAX_HEADER`], the JSON must be an object, the keys a reader
//! needs must be there with the right type, and the body it announces must
//! be under the body limit. Every failure is a [`HeaderError`] that names
//! the problem in one line.

use std::io::{self, Read, Write};

use serde_json::{Map, Value};
use thiserror::Error;

use crate::lang::Lang;

use super::{recv_exact, Check, FrameError, Framing, LengthPrefix};

/// The JSON object a header carries.
pub type Header = Map<String, Value>;

/// The largest JSON header accepted by default: 64 KiB is room for any
/// description of a file; a header length above it is refused unread.
pub const DEFAULT_MAX_HEADER: usize = 64 * 1024;

/// The largest body held in memory (a command's output) by default: 64 MiB.
pub const DEFAULT_MAX_BODY: u64 = crate::framing::DEFAULT_MAX_FRAME as u64;

/// Why a JSON-header message could not be read.
///
/// Like [`FrameError`], its `Display` is English (the wire's text, `--json`);
/// [`HeaderError::localized`] is what a person reads.
#[derive(Debug, Error)]
pub enum HeaderError {
    /// The 4-byte header length was bad, or the connection ended (see [`FrameError`]).
    #[error("{}", self.message(Lang::En))]
    Length(FrameError),
    /// The connection closed cleanly before a message began.
    #[error("{}", self.message(Lang::En))]
    Closed,
    /// The connection closed inside a message.
    #[error("{}", self.message(Lang::En))]
    Truncated {
        /// Which part was being read ("JSON header", "body").
        what: &'static str,
        /// Bytes promised.
        expected: u64,
        /// Bytes that arrived.
        got: u64,
    },
    /// The JSON header is not UTF-8 text.
    #[error("{}", self.message(Lang::En))]
    NotUtf8 {
        /// Offset of the first bad byte within the header.
        offset: usize,
    },
    /// The JSON header does not parse.
    #[error("{}", self.message(Lang::En))]
    InvalidJson(String),
    /// The JSON parses but is not a dictionary.
    #[error("{}", self.message(Lang::En))]
    NotObject(&'static str),
    /// A key the reader needs is absent.
    #[error("{}", self.message(Lang::En))]
    Missing(&'static str),
    /// A key has the wrong type.
    #[error("{}", self.message(Lang::En))]
    WrongType {
        /// The key.
        key: &'static str,
        /// What was expected ("a non-negative integer", "a string").
        expected: &'static str,
        /// What was found (a short rendering of the value).
        got: String,
    },
    /// A size key is negative.
    #[error("{}", self.message(Lang::En))]
    Negative {
        /// The key.
        key: &'static str,
        /// Its value.
        value: i64,
    },
    /// The body announced is over this side's limit.
    #[error("{}", self.message(Lang::En))]
    BodyTooLarge {
        /// Announced length.
        len: u64,
        /// The limit.
        max: u64,
    },
    /// The header does not fit the 4-byte length or the limit (when sending).
    #[error("{}", self.message(Lang::En))]
    HeaderTooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// One `recv(4)` returned fewer than 4 bytes (the lesson's client only).
    #[error("{}", self.message(Lang::En))]
    ShortRecv {
        /// Bytes the single recv returned.
        got: usize,
    },
    /// The socket failed.
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl From<FrameError> for HeaderError {
    fn from(e: FrameError) -> Self {
        match e {
            FrameError::Closed => HeaderError::Closed,
            FrameError::Truncated {
                what,
                expected,
                got,
            } => HeaderError::Truncated {
                what,
                expected: expected as u64,
                got: got as u64,
            },
            FrameError::Io(e) => HeaderError::Io(e),
            other => HeaderError::Length(other),
        }
    }
}

impl HeaderError {
    /// The error in `lang`: English is the wire's text (`Display`). What
    /// JSON's parser and the socket said stays in their words; a key's name
    /// and the value found are quoted as they came.
    pub fn message(&self, lang: Lang) -> String {
        let tr = |key: &str, args: &[(&str, String)]| crate::lang::tr_in(lang, key, args);
        let json = |w: &str| super::json_word(lang, w);
        match self {
            HeaderError::Length(e) => tr("framing-json-length", &[("error", e.message(lang))]),
            HeaderError::Closed => FrameError::Closed.message(lang),
            HeaderError::Truncated {
                what,
                expected,
                got,
            } => super::truncated(lang, what, *expected, *got),
            HeaderError::NotUtf8 { offset } => {
                tr("framing-json-not-utf8", &[("offset", offset.to_string())])
            }
            HeaderError::InvalidJson(e) => tr("framing-json-invalid", &[("error", e.clone())]),
            HeaderError::NotObject(kind) => tr("framing-json-not-object", &[("kind", json(kind))]),
            HeaderError::Missing(key) => tr("framing-json-missing", &[("key", key.to_string())]),
            HeaderError::WrongType { key, expected, got } => tr(
                "framing-json-wrong-type",
                &[
                    ("key", key.to_string()),
                    ("expected", json(expected)),
                    ("got", got.clone()),
                ],
            ),
            HeaderError::Negative { key, value } => tr(
                "framing-json-negative",
                &[("key", key.to_string()), ("value", value.to_string())],
            ),
            HeaderError::BodyTooLarge { len, max } => tr(
                "framing-json-body-too-large",
                &[("len", len.to_string()), ("max", max.to_string())],
            ),
            HeaderError::HeaderTooLarge { len, max } => tr(
                "framing-json-header-too-large",
                &[("len", len.to_string()), ("max", max.to_string())],
            ),
            HeaderError::ShortRecv { got } => {
                tr("framing-json-short-recv", &[("got", got.to_string())])
            }
            HeaderError::Io(e) => e.to_string(),
        }
    }

    /// The error in the language in force: what a person reads.
    pub fn localized(&self) -> String {
        self.message(crate::lang::current())
    }

    /// A clean close between messages: the normal end, not a problem.
    pub fn is_closed(&self) -> bool {
        matches!(self, HeaderError::Closed)
    }
}

/// The codec: a 4-byte `'i'` length (lab 04's [`LengthPrefix`]) for the JSON
/// header, limits for the header and the body, and the key that says how long
/// the body is (`total_size` for command replies, `filesize` for files).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonHeader {
    /// The header-length prefix; its `max_frame` is the header limit.
    pub prefix: LengthPrefix,
    /// Largest body accepted in memory.
    pub max_body: u64,
    /// The key holding the body length.
    pub size_key: &'static str,
}

impl Default for JsonHeader {
    fn default() -> Self {
        JsonHeader::lesson()
    }
}

impl JsonHeader {
    /// Seed 002 §1.3: `struct.pack('i', len(json))`, the body length in `total_size`.
    pub fn lesson() -> JsonHeader {
        JsonHeader {
            prefix: LengthPrefix::lesson().with_max_frame(DEFAULT_MAX_HEADER),
            max_body: DEFAULT_MAX_BODY,
            size_key: "total_size",
        }
    }

    /// The same codec with the body length under another key (`filesize`).
    pub fn with_size_key(self, size_key: &'static str) -> JsonHeader {
        JsonHeader { size_key, ..self }
    }

    /// The same codec with other limits.
    pub fn with_limits(self, max_header: usize, max_body: u64) -> JsonHeader {
        JsonHeader {
            prefix: self.prefix.with_max_frame(max_header),
            max_body,
            ..self
        }
    }

    /// The 4-byte length and the JSON bytes of a header.
    pub fn encode_header(&self, header: &Header) -> Result<Vec<u8>, HeaderError> {
        let json = serde_json::to_vec(header)
            .map_err(|e| HeaderError::InvalidJson(format!("cannot serialize: {e}")))?;
        let head = self
            .prefix
            .pack(json.len())
            .map_err(|_| HeaderError::HeaderTooLarge {
                len: json.len(),
                max: self.prefix.max_frame,
            })?;
        let mut out = Vec::with_capacity(4 + json.len());
        out.extend_from_slice(&head);
        out.extend_from_slice(&json);
        Ok(out)
    }

    /// Writes one whole message in one write call (no Nagle stall between
    /// parts). The header's size key is set to the body's length, so the two
    /// cannot disagree.
    pub fn write_message<W: Write + ?Sized>(
        &self,
        w: &mut W,
        header: &Header,
        body: &[u8],
    ) -> Result<(), HeaderError> {
        let mut out = Vec::new();
        self.encode_message(header, body, &mut out)?;
        w.write_all(&out)?;
        Ok(())
    }

    /// Appends a whole message to `out`, the size key set to the body's length.
    fn encode_message(
        &self,
        header: &Header,
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), HeaderError> {
        let size = Value::from(body.len() as u64);
        if header.get(self.size_key) == Some(&size) {
            // Already right (a sender that reuses its header): no copy.
            out.extend_from_slice(&self.encode_header(header)?);
        } else {
            let mut h = header.clone();
            h.insert(self.size_key.to_string(), size);
            out.extend_from_slice(&self.encode_header(&h)?);
        }
        out.extend_from_slice(body);
        Ok(())
    }

    /// Parses the JSON bytes of a header: UTF-8, valid JSON, an object.
    pub fn parse(&self, json: &[u8]) -> Result<Header, HeaderError> {
        let text = std::str::from_utf8(json).map_err(|e| HeaderError::NotUtf8 {
            offset: e.valid_up_to(),
        })?;
        let v: Value =
            serde_json::from_str(text).map_err(|e| HeaderError::InvalidJson(e.to_string()))?;
        match v {
            Value::Object(m) => Ok(m),
            other => Err(HeaderError::NotObject(kind(&other))),
        }
    }

    /// The body length the header announces, checked against the body limit.
    pub fn body_len(&self, header: &Header) -> Result<u64, HeaderError> {
        let n = get_size(header, self.size_key)?;
        if n > self.max_body {
            return Err(HeaderError::BodyTooLarge {
                len: n,
                max: self.max_body,
            });
        }
        Ok(n)
    }

    /// Reads one header the right way: exactly 4 bytes, validate, exactly
    /// `header_len` bytes, parse. The body is left on the stream.
    pub fn read_header<R: Read + ?Sized>(&self, r: &mut R) -> Result<Header, HeaderError> {
        let len4 = recv_exact(r, 4, "header length")?;
        let mut h = [0u8; 4];
        h.copy_from_slice(&len4);
        let header_len = self.prefix.unpack(h).map_err(HeaderError::Length)?;
        let json = match recv_exact(r, header_len, "JSON header") {
            Err(FrameError::Closed) if header_len > 0 => {
                return Err(HeaderError::Truncated {
                    what: "JSON header",
                    expected: header_len as u64,
                    got: 0,
                })
            }
            other => other?,
        };
        self.parse(&json)
    }

    /// Reads one whole message (header, then exactly the body it announces).
    pub fn read_message<R: Read + ?Sized>(&self, r: &mut R) -> Result<Message, HeaderError> {
        let header = self.read_header(r)?;
        let n = self.body_len(&header)? as usize;
        let body = read_body(r, n)?;
        Ok(Message { header, body })
    }
}

/// A frame is the 4-byte length, the JSON header, then the body the header
/// announces; what it carries is a [`Message`].
impl Framing for JsonHeader {
    type Frame = Message;
    type Error = HeaderError;
    const HEADER_LEN: usize = LengthPrefix::LEN;

    /// Each part is checked as soon as it is all in: the header length as
    /// soon as its 4 bytes are, the JSON (object, size key, body limit) as
    /// soon as all of it is — before a byte of the body is waited for.
    fn check(&self, buf: &[u8]) -> Result<Check, HeaderError> {
        let json_end = match self.prefix.check(buf).map_err(HeaderError::Length)? {
            Check::Incomplete { needed } => return Ok(Check::Incomplete { needed }),
            Check::Complete { len } => len,
        };
        let header = self.parse(&buf[LengthPrefix::LEN..json_end])?;
        let len = json_end + self.body_len(&header)? as usize;
        Ok(if buf.len() >= len {
            Check::Complete { len }
        } else {
            Check::Incomplete {
                needed: len - buf.len(),
            }
        })
    }

    fn decode(&self, frame: &[u8]) -> Result<Message, HeaderError> {
        let Check::Complete { len: json_end } =
            self.prefix.check(frame).map_err(HeaderError::Length)?
        else {
            return Err(FrameError::Truncated {
                what: "header length",
                expected: LengthPrefix::LEN,
                got: frame.len(),
            }
            .into());
        };
        Ok(Message {
            header: self.parse(&frame[LengthPrefix::LEN..json_end])?,
            body: frame[json_end..].to_vec(),
        })
    }

    fn encode(&self, message: &Message, out: &mut Vec<u8>) -> Result<(), HeaderError> {
        self.encode_message(&message.header, &message.body, out)
    }
}

/// Reads exactly `n` body bytes; a close anywhere inside is [`HeaderError::Truncated`].
pub fn read_body<R: Read + ?Sized>(r: &mut R, n: usize) -> Result<Vec<u8>, HeaderError> {
    match recv_exact(r, n, "body") {
        Err(FrameError::Closed) if n > 0 => Err(HeaderError::Truncated {
            what: "body",
            expected: n as u64,
            got: 0,
        }),
        other => Ok(other?),
    }
}

/// One message: its header and its body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The JSON header.
    pub header: Header,
    /// The body the header announced.
    pub body: Vec<u8>,
}

/// A non-negative integer under `key` (a size).
pub fn get_size(h: &Header, key: &'static str) -> Result<u64, HeaderError> {
    match h.get(key) {
        None => Err(HeaderError::Missing(key)),
        Some(Value::Number(n)) => {
            if let Some(u) = n.as_u64() {
                Ok(u)
            } else if let Some(i) = n.as_i64() {
                Err(HeaderError::Negative { key, value: i })
            } else {
                Err(wrong(
                    key,
                    "a non-negative integer",
                    &Value::Number(n.clone()),
                ))
            }
        }
        Some(v) => Err(wrong(key, "a non-negative integer", v)),
    }
}

/// A string under `key`.
pub fn get_str<'a>(h: &'a Header, key: &'static str) -> Result<&'a str, HeaderError> {
    match h.get(key) {
        None => Err(HeaderError::Missing(key)),
        Some(Value::String(s)) => Ok(s),
        Some(v) => Err(wrong(key, "a string", v)),
    }
}

/// An optional string under `key` (absent or null is `None`).
pub fn opt_str<'a>(h: &'a Header, key: &'static str) -> Result<Option<&'a str>, HeaderError> {
    match h.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(wrong(key, "a string", v)),
    }
}

pub fn wrong(key: &'static str, expected: &'static str, v: &Value) -> HeaderError {
    let mut got = format!("{} {}", kind(v), v);
    if got.len() > 60 {
        got = crate::kit::text::shorten(&got, 60);
    }
    HeaderError::WrongType { key, expected, got }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant's English words, as the `#[error]` attributes wrote
    /// them before the catalog: the text servers send in `error: …`.
    #[test]
    fn the_english_message_is_the_wire_text_word_for_word() {
        let cases: Vec<(HeaderError, &str)> =
            vec![
            (
                HeaderError::Length(FrameError::NegativeLength(-5)),
                "header length: header claims a negative length (-5): not a valid frame",
            ),
            (HeaderError::Closed, "connection closed"),
            (
                HeaderError::Truncated {
                    what: "JSON header",
                    expected: 145,
                    got: 7,
                },
                "connection closed 7 bytes into a 145-byte JSON header",
            ),
            (
                HeaderError::NotUtf8 { offset: 3 },
                "JSON header is not UTF-8 (invalid byte at offset 3)",
            ),
            (
                JsonHeader::lesson().parse(b"{\"exit_").unwrap_err(),
                "JSON header is not valid JSON: EOF while parsing a string at line 1 column 7",
            ),
            (
                JsonHeader::lesson().parse(b"[1]").unwrap_err(),
                "JSON header is an array, not an object",
            ),
            (
                HeaderError::Missing("filesize"),
                "JSON header has no \"filesize\" key",
            ),
            (
                get_size(&serde_json::from_str(r#"{"filesize": "9"}"#).unwrap(), "filesize")
                    .unwrap_err(),
                "JSON header key \"filesize\" must be a non-negative integer, got a string \"9\"",
            ),
            (
                get_size(&serde_json::from_str(r#"{"filesize": -2}"#).unwrap(), "filesize")
                    .unwrap_err(),
                "JSON header key \"filesize\" is negative (-2)",
            ),
            (
                HeaderError::BodyTooLarge { len: 10, max: 5 },
                "JSON header announces a 10-byte body, over the 5-byte limit",
            ),
            (
                HeaderError::HeaderTooLarge { len: 70000, max: 65536 },
                "JSON header of 70000 bytes is over the 65536-byte header limit",
            ),
            (
                HeaderError::ShortRecv { got: 2 },
                "unpack requires a buffer of 4 bytes: one recv(4) returned 2",
            ),
            (HeaderError::Io(io::Error::other("reset")), "reset"),
        ];
        for (e, english) in &cases {
            assert_eq!(e.to_string(), *english);
            assert_eq!(e.message(Lang::En), *english);
        }
    }

    #[test]
    fn a_person_reads_the_json_words_in_chinese() {
        let e = get_size(
            &serde_json::from_str(r#"{"filesize": "9"}"#).unwrap(),
            "filesize",
        )
        .unwrap_err();
        let zh = e.message(Lang::Zh);
        assert!(
            zh.contains("非负整数") && zh.contains("\"filesize\""),
            "{zh}"
        );
        assert!(!zh.contains("must be"), "{zh}");
    }
}
