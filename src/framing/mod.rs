//! The fix: put the boundaries back into the stream.
//!
//! TCP keeps the bytes and their order, never the sender's `send()` calls:
//! two messages may arrive glued in one `recv()`, one message may arrive in
//! three. So the sender writes the boundary *into* the bytes, as a header in
//! front of each message that says how long the body is:
//!
//! ```text
//!  what the sender wrote:   send(frame 1)            send(frame 2)
//!                          ┌────────┬─────────────┐ ┌────────┬───────┐
//!  on the wire:            │ 5      │ h e l l o   │ │ 2      │ o k   │
//!                          └────────┴─────────────┘ └────────┴───────┘
//!                           4 bytes   5 bytes         4 bytes  2 bytes
//!  what recv() returned:   ├──── recv #1 ───┤├──── recv #2 ──────────┤
//!                                           ↑ the cut falls anywhere
//! ```
//!
//! The receiver no longer trusts where a `recv()` ends. It keeps what has
//! arrived in a buffer and asks one question of it, [`Framing::check`]:
//! "is a whole frame here?" The answer is either *complete, N bytes* or
//! *incomplete, need N more* — and incomplete is the normal state of a
//! stream, not an error (so recv #1 above is simply kept, and recv #2 then
//! completes frame 1 *and* all of frame 2). Only a header that can never be
//! valid (a negative length, one over the limit) is an error, and it is
//! caught before anything is allocated for the body it claims.
//!
//! Why this works where `recv(1024)` did not: the header has a fixed size,
//! so the receiver always knows how many bytes to wait for before it can
//! read the length, and the length tells it exactly where the body ends —
//! whatever the network did to the cuts. Bytes past that end belong to the
//! next frame and stay in the buffer.
//!
//! The parts, each small enough to read on its own:
//!
//! * [`Framing`] — the trait: `check` (whole frame or how many more bytes),
//!   `decode` (a whole frame into what it carries), `encode`. As tokio's
//!   mini-redis `Frame::check` and tokio-util's `Decoder` do it.
//! * [`LengthPrefix`] (`prefix.rs`) — the 4-byte `struct.pack('i', n)`
//!   header of labs 02, 04 and 07; [`json_header::JsonHeader`] — lab 05's
//!   4-byte length + JSON header + body.
//! * [`FrameReader`] (`reader.rs`) — read, check, decode, keep the leftover:
//!   works for any `Framing`. Its fast path for large bodies, which `sticky
//!   bench` needs, is kept apart in `fast_body.rs`.
//! * [`recv_exact`] — the blocking way: loop until exactly `n` bytes came,
//!   the loop the lesson's single `recv(n)` was missing.
//!
//! Lab 03's length-as-text (`lessons::lab03_length_ack`) is not a `Framing`,
//! and the reason is the lesson itself: its boundary is marked in *time*,
//! not in bytes. The lesson's bare digits `"1443"` end where the sender
//! stops and waits for `ok`, so no look at the bytes can tell `"1443"` from
//! the start of `"14431"`; and even our `"1443\n"`, which does end in the
//! bytes, is followed by the body only after the receiver has *written* `ok`
//! — a step `check` and `decode`, which only look at received bytes, cannot
//! take. Its `LengthText::check` has the same "incomplete is normal" shape
//! for the digits alone.

mod fast_body;
pub mod json_header;
mod prefix;
mod reader;

pub use prefix::{ByteOrder, ByteOrderHint, LengthPrefix};
pub use reader::FrameReader;

use std::io::{self, Read};

use thiserror::Error;

use crate::lang::Lang;

/// The default largest body a header may announce: 64 MiB.
pub const DEFAULT_MAX_FRAME: usize = 64 << 20;

/// What [`Framing::check`] says about the bytes buffered so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// A whole frame is buffered: its first `len` bytes (header included).
    Complete {
        /// The frame's length on the wire, header and body.
        len: usize,
    },
    /// Not yet — the normal state of a stream: at least `needed` more bytes must arrive.
    Incomplete {
        /// How many more bytes are needed, at least (always more than 0).
        needed: usize,
    },
}

/// A way of marking message boundaries inside a byte stream.
///
/// `check` looks without allocating or consuming; `decode` is only ever
/// given exactly the `len` bytes a `Complete` check measured. So a reader
/// (see [`FrameReader`]) is the same loop for every framing: read, check,
/// decode when complete, read more when incomplete.
pub trait Framing {
    /// What one frame carries once decoded (the body; lab 05: header and body).
    type Frame;
    /// Why a frame was refused. A cut stream is a [`FrameError`] (`Closed`
    /// between frames, `Truncated` inside one), which the error must carry.
    type Error: From<FrameError>;

    /// The fixed-size start of every frame (the 4-byte length): a stream
    /// that ends inside it is cut "into a header", after it "into a frame".
    const HEADER_LEN: usize;

    /// Is a whole frame at the start of `buf`? Never allocates for the
    /// body; a header that can never be valid is an error as soon as it is in.
    fn check(&self, buf: &[u8]) -> Result<Check, Self::Error>;

    /// The contents of one whole frame: exactly the `len` bytes a
    /// [`Check::Complete`] measured.
    fn decode(&self, frame: &[u8]) -> Result<Self::Frame, Self::Error>;

    /// Appends the bytes of the frame that carries `frame` to `out`.
    fn encode(&self, frame: &Self::Frame, out: &mut Vec<u8>) -> Result<(), Self::Error>;
}

/// Why a frame could not be read.
///
/// Its `Display` is English whatever `--lang` says: it is the text that
/// goes on the wire (a server's `error: …` reply, which the lessons' Python
/// clients decode as GBK) and into `--json`. What a person reads goes
/// through [`FrameError::localized`]; the words of both are in
/// `locales/<lang>/framing.ftl`.
#[derive(Debug, Error)]
pub enum FrameError {
    /// The peer closed cleanly between frames: the normal end of a conversation.
    #[error("{}", self.message(Lang::En))]
    Closed,
    /// The peer closed in the middle of something we had been promised.
    #[error("{}", self.message(Lang::En))]
    Truncated {
        /// What was being read ("header", "body", …).
        what: &'static str,
        /// How many bytes were promised.
        expected: usize,
        /// How many arrived before the close.
        got: usize,
    },
    /// The header announces a negative length (a signed `'i'` header with the top bit set).
    #[error("{}", self.message(Lang::En))]
    NegativeLength(i64),
    /// The header announces more than this side is willing to allocate.
    #[error("{}", self.message(Lang::En))]
    TooLarge {
        /// The length the header claimed.
        len: u64,
        /// The configured maximum.
        max: usize,
    },
    /// A message too long for the header to describe (Python's `struct.error`).
    #[error("{}", self.message(Lang::En))]
    Unrepresentable {
        /// The message length.
        len: u64,
        /// The header's name: a catalog key (`framing-header-signed` is the
        /// 4-byte signed int `'i'`, …).
        header: &'static str,
        /// The largest length it can carry.
        limit: u64,
    },
    /// The socket failed.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The frame would not fit the server's memory budget
    /// ([`FrameReader::with_budget`]): refused before its body was read.
    #[error(transparent)]
    OverBudget(#[from] crate::kit::budget::OverBudget),
}

impl FrameError {
    /// The error in `lang`: English is the wire's text (`Display`). The
    /// socket's and the memory budget's own words stay as they are.
    pub fn message(&self, lang: Lang) -> String {
        let tr = |key: &str, args: &[(&str, String)]| crate::lang::tr_in(lang, key, args);
        match self {
            FrameError::Closed => tr("framing-closed", &[]),
            FrameError::Truncated {
                what,
                expected,
                got,
            } => truncated(lang, what, *expected as u64, *got as u64),
            FrameError::NegativeLength(len) => {
                tr("framing-negative-length", &[("len", len.to_string())])
            }
            FrameError::TooLarge { len, max } => tr(
                "framing-too-large",
                &[("len", len.to_string()), ("max", max.to_string())],
            ),
            FrameError::Unrepresentable { len, header, limit } => tr(
                "framing-unrepresentable",
                &[
                    ("len", len.to_string()),
                    ("header", tr(header, &[])),
                    ("limit", limit.to_string()),
                ],
            ),
            FrameError::Io(e) => e.to_string(),
            FrameError::OverBudget(e) => e.to_string(),
        }
    }

    /// The error in the language in force: what a person reads (a demo's
    /// lines, a client's `error:` line, a server's log).
    pub fn localized(&self) -> String {
        self.message(crate::lang::current())
    }
}

/// "connection closed 3 bytes into a 10-byte command" in `lang`: a close
/// inside a frame ([`FrameError::Truncated`], and `HeaderError`'s).
fn truncated(lang: Lang, what: &str, expected: u64, got: u64) -> String {
    crate::lang::tr_in(
        lang,
        "framing-truncated",
        &[
            ("got", got.to_string()),
            ("expected", expected.to_string()),
            ("what", part(lang, what)),
        ],
    )
}

/// A part of a frame (`"header"`, `"JSON header"`: [`FrameError::Truncated`]'s
/// `what`) in `lang`: the catalog's `framing-part-json-header`, or the
/// words as written when the catalog does not name that part.
fn part(lang: Lang, what: &str) -> String {
    known(lang, format!("framing-part-{}", slug(what)), what)
}

/// What a JSON value is (`"a string"`, `"a non-negative integer"`) in
/// `lang`: the catalog's `framing-json-a-string`, or the words as written.
fn json_word(lang: Lang, word: &str) -> String {
    known(lang, format!("framing-json-{}", slug(word)), word)
}

fn slug(words: &str) -> String {
    words.replace(' ', "-").to_lowercase()
}

fn known(lang: Lang, key: String, english: &str) -> String {
    if crate::lang::has(Lang::En, &key) {
        crate::lang::tr_in(lang, &key, &[])
    } else {
        english.to_string()
    }
}

/// Reads exactly `n` bytes, looping over short reads: the loop the lesson's
/// single `recv(n)` was missing. `what` names the thing for error messages.
///
/// A close before the first byte is [`FrameError::Closed`]; a close after it
/// is [`FrameError::Truncated`].
pub fn recv_exact<R: Read + ?Sized>(
    reader: &mut R,
    n: usize,
    what: &'static str,
) -> Result<Vec<u8>, FrameError> {
    let mut buf = vec![0u8; n];
    let mut got = 0;
    while got < n {
        match reader.read(&mut buf[got..]) {
            Ok(0) if got == 0 => return Err(FrameError::Closed),
            Ok(0) => {
                return Err(FrameError::Truncated {
                    what,
                    expected: n,
                    got,
                })
            }
            Ok(k) => got += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The English words of every variant, as they were written in the
    /// `#[error]` attributes before the catalog: the wire's text, which the
    /// lessons' clients, `sticky check` and the tests read. A catalog edit
    /// that changes one fails here.
    #[test]
    fn the_english_message_is_the_wire_text_word_for_word() {
        let cases: Vec<(FrameError, &str)> = vec![
            (FrameError::Closed, "connection closed"),
            (
                FrameError::Truncated {
                    what: "body",
                    expected: 100000,
                    got: 30000,
                },
                "connection closed 30000 bytes into a 100000-byte body",
            ),
            (
                FrameError::NegativeLength(-1),
                "header claims a negative length (-1): not a valid frame",
            ),
            (
                FrameError::TooLarge {
                    len: 1734763876,
                    max: 67108864,
                },
                "header claims 1734763876 bytes, over the 67108864-byte frame limit",
            ),
            (
                LengthPrefix::lesson()
                    .with_max_frame(usize::MAX)
                    .pack(1 << 31)
                    .unwrap_err(),
                "a 2147483648-byte message does not fit a 4-byte signed header ('i'): \
                 the most it can describe is 2147483647",
            ),
            (
                FrameError::Unrepresentable {
                    len: 1 << 32,
                    header: "framing-header-unsigned",
                    limit: u32::MAX as u64,
                },
                "a 4294967296-byte message does not fit a 4-byte unsigned header ('I'): \
                 the most it can describe is 4294967295",
            ),
            (
                FrameError::Io(io::Error::other("disk on fire")),
                "disk on fire",
            ),
        ];
        for (e, english) in &cases {
            assert_eq!(e.to_string(), *english);
            assert_eq!(e.message(Lang::En), *english);
        }
    }

    #[test]
    fn a_person_reads_the_error_in_chinese_but_the_wire_stays_english() {
        let e = FrameError::TooLarge {
            len: 1734763876,
            max: 67108864,
        };
        let zh = e.message(Lang::Zh);
        assert!(zh.contains("1734763876") && zh.contains("67108864"), "{zh}");
        assert!(!zh.contains("header claims"), "{zh}");
        assert!(zh.contains("报头"), "{zh}");
        let cut = FrameError::Truncated {
            what: "JSON header",
            expected: 9,
            got: 3,
        };
        assert!(
            cut.message(Lang::Zh).contains("JSON 报头"),
            "{}",
            cut.message(Lang::Zh)
        );
        // A part the catalog does not name is shown as written.
        let odd = FrameError::Truncated {
            what: "greeting",
            expected: 9,
            got: 3,
        };
        assert!(odd.message(Lang::Zh).contains("greeting"));
        assert_eq!(
            odd.to_string(),
            "connection closed 3 bytes into a 9-byte greeting"
        );
    }
}
