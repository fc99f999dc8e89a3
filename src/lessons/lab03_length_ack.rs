//! Scheme 1 of seed 001: the length as ASCII digits, an `ok`, then the data (lab 03).
//!
//! The lesson's server answers a command in three steps:
//!
//! 1. send the reply's length as text: `b"1443"`;
//! 2. wait until the client answers `b"ok"`;
//! 3. send the reply itself.
//!
//! The `ok` is load-bearing: the digits carry no end mark, so without the
//! wait the first bytes of the reply would follow the digits in the same
//! `recv()` and `"1443" + "1\n2\n…"` would read as the number `14431`. The
//! ack keeps the digits alone in the stream — unless the network splits the
//! digits themselves (`"14" | "43"`), which no ack can prevent. This module's
//! own wire format therefore ends the digits with `\n`, and [`LengthText`]
//! checks the text *before* parsing it: digits only, a bounded number of
//! them, a value under the limit, and "incomplete" as the normal state of a
//! stream. The price of the ack is one extra round trip per reply, measured
//! in the lab against lab 04's fixed 4-byte header.
//!
//! Even with the digits whole, the lesson's client then reads the data with
//! ONE `recv(int(length))`, and one `recv` returns what has arrived, not
//! what was asked for. [`lesson_recv`] is that client; [`fixed_recv`] is
//! the fix, the same handshake with a loop until every byte is in. Below
//! them: [`LengthText`], the lab's command server and client, then the
//! demo's exchanges — each stage's sockets, proxies and reads, run here and
//! returned as a record for `labs/lab03_length_ack.rs` to narrate.

use std::io::{self, Write};
use std::net::TcpStream;
use std::time::Duration;

use thiserror::Error;

use crate::framing::{recv_exact, FrameError};
use crate::harness::command::OwnReplyTooLarge;
use crate::harness::wrong_format::WrongRequest;
use crate::kit::record::{Chunk, Clock, RecordingReader, Tape};
use crate::kit::sock::recv_once;
use crate::kit::text::preview;
// Re-exported for the fuzz target, which reads the lesson's size from here.
pub use crate::lessons::LESSON_RECV;

// The rest, one file per part in `lab03_length_ack/`: `wire.rs` the length
// text and the server that speaks it; `runs.rs` the demo's exchanges, run and
// recorded; `cli.rs` the binary's `server` and `client` commands.
pub mod cli;
mod runs;
mod wire;

pub use runs::{
    cost_of_the_ok, demo_server, expected, lesson_replies, short_and_fixed, split_digits,
    without_ack, CostRun, LoopbackReply, NoAckRun, SplitRun,
};
pub use wire::{
    read_body, read_reply, read_request, send_reply, send_reply_without_ack, send_request,
    serve_without_ack, AckServer, LengthText, TextCheck,
};

/// The lesson's client reading one reply (seed 001): the digits from one
/// `recv(1024)`, `ok`, then ONE `recv(int(length))` — which may return less.
pub fn lesson_recv(stream: &TcpStream) -> Result<LessonExchange, AckError> {
    let mut ex = recv_length_and_ack(stream)?;
    if let Some(n) = ex.length {
        let body = recv_once(stream, n)?;
        ex.body_reads.extend(Some(body).filter(|b| !b.is_empty()));
    }
    Ok(ex)
}

/// The fix: the same digits and `ok`, then read exactly `int(length)`
/// bytes — `recv()` again and again until all of them have arrived.
pub fn fixed_recv(stream: &TcpStream) -> Result<LessonExchange, AckError> {
    let mut ex = recv_length_and_ack(stream)?;
    if let Some(n) = ex.length {
        // Recorded, so the demo can show how many recv() calls it took.
        let mut reads = RecordingReader::new(stream);
        recv_exact(&mut reads, n, "reply")?;
        ex.body_reads = reads.take_chunks().into_iter().map(|c| c.bytes).collect();
    }
    Ok(ex)
}

/// One exchange the lesson's way, recorded for display: the digits from one
/// `recv(1024)`, what `int()` made of them, and each `recv()` of the data.
#[derive(Clone, Debug, Default)]
pub struct LessonExchange {
    /// What the `recv(1024)` for the length returned.
    pub length_text: Vec<u8>,
    /// The length as the lesson's `int()` understood it, if it could.
    pub length: Option<usize>,
    /// Why `int()` failed, if it did.
    pub length_error: Option<String>,
    /// Each `recv()` of the body, in order.
    pub body_reads: Vec<Vec<u8>>,
}

impl LessonExchange {
    /// All body bytes received.
    pub fn body(&self) -> Vec<u8> {
        self.body_reads.concat()
    }

    /// The size of each `recv()` of the body.
    pub fn body_read_sizes(&self) -> Vec<usize> {
        self.body_reads.iter().map(Vec::len).collect()
    }

    /// Every `recv()` the client made, in order: the length text, then the body's.
    pub fn recvs(&self) -> Vec<Vec<u8>> {
        let mut all = vec![self.length_text.clone()];
        all.extend(self.body_reads.iter().cloned());
        all
    }

    /// What `int()` made of the length text, against the `true_len`.
    pub fn what_int_made(&self, true_len: usize) -> String {
        self.length_error.clone().unwrap_or_else(|| {
            let n = self.length.unwrap_or(0);
            crate::t!("lab03-parsed-as", n = n, true_len = true_len)
        })
    }
}

/// `reads` as the chunk view draws them: one chunk per `recv()`.
pub fn as_chunks(reads: &[Vec<u8>]) -> Vec<Chunk> {
    let mut t = Tape::new(Clock::start());
    for r in reads {
        t.push(r);
    }
    t.take()
}

/// Both clients' first steps: `length = recv(1024)`, `int(length)`, and —
/// when `int()` succeeded — `send(b'ok')`. A failed `int()` is recorded,
/// not raised, so the demo can show it.
fn recv_length_and_ack(stream: &TcpStream) -> Result<LessonExchange, AckError> {
    let mut ex = LessonExchange {
        length_text: recv_once(stream, LESSON_RECV)?,
        ..LessonExchange::default()
    };
    if ex.length_text.is_empty() {
        return Err(FrameError::Closed.into());
    }
    // The lesson's int() has no limit; neither does this check.
    match LengthText::lesson()
        .with_max_len(usize::MAX)
        .check(&ex.length_text)
    {
        Ok(TextCheck::Complete { len, .. }) => ex.length = Some(len),
        Ok(TextCheck::Incomplete) => {}
        Err(e) => {
            ex.length_error = Some(e.to_string());
            return Ok(ex);
        }
    }
    let mut s = stream;
    s.write_all(ACK)?;
    Ok(ex)
}

/// The acknowledgement the lesson's client sends after reading the length.
pub const ACK: &[u8] = b"ok";

/// Why a length + ack exchange failed.
#[derive(Debug, Error)]
pub enum AckError {
    /// A byte that is not an ASCII digit where the length text should be.
    #[error("{}", crate::t!("lab03-error-not-digit", byte = show_byte(*.byte), at = .at, text = preview(.text, 40)))]
    NotDigit {
        /// The offending byte.
        byte: u8,
        /// Its position in the length text.
        at: usize,
        /// The text received so far.
        text: Vec<u8>,
    },
    /// The length text ended before any digit.
    #[error("{}", crate::t!("lab03-error-empty"))]
    Empty,
    /// More digits than any allowed length needs: not a length at all.
    #[error("{}", crate::t!("lab03-error-too-many-digits", max_digits = .max_digits))]
    TooManyDigits {
        /// The most digits a length under the limit can have.
        max_digits: usize,
    },
    /// A well-formed length over the limit: refused before allocating.
    #[error("{}", crate::t!("lab03-error-too-large", len = .len, max = .max))]
    TooLarge {
        /// The number the digits spell.
        len: u64,
        /// The configured maximum.
        max: usize,
    },
    /// Digits spelling a number no `u64` holds (20 digits, from
    /// 18446744073709551616 up): over every limit, and not a number we can show.
    #[error("{}", crate::t!("lab03-error-overflow", text = preview(.text, 40)))]
    Overflow {
        /// The digits received so far.
        text: Vec<u8>,
    },
    /// The server waited for `ok` and got something else.
    #[error("{}", crate::t!("lab03-error-missing-ok", got = preview(.got, 40)))]
    MissingOk {
        /// What arrived instead.
        got: Vec<u8>,
    },
    /// The request's bytes show a wrong pairing (a bare command sent to our
    /// server, a framed one to `--compat lesson`).
    #[error(transparent)]
    WrongFormat(#[from] WrongRequest),
    /// The server's own reply is over its own limit.
    #[error(transparent)]
    ReplyTooLarge(#[from] OwnReplyTooLarge),
    /// Closed, truncated, or a socket error: in the reader's language, like
    /// the rest of this error (lab 03's server sends no error replies).
    #[error("{}", .0.localized())]
    Frame(#[from] FrameError),
}

impl From<io::Error> for AckError {
    fn from(e: io::Error) -> Self {
        AckError::Frame(FrameError::Io(e))
    }
}

impl AckError {
    /// A read timeout becomes the idle-client error every server names the
    /// same way ([`crate::kit::server::idle_error`]).
    pub fn idle_after(self, timeout: Option<Duration>) -> AckError {
        match self {
            AckError::Frame(FrameError::Io(e)) => {
                FrameError::Io(crate::kit::server::idle_error(e, timeout)).into()
            }
            other => other,
        }
    }
}

pub(crate) fn show_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("0x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::chaos::{ChaosPlan, ChaosReader};
    use std::io::{BufReader, Cursor, Read};

    /// A lesson server on loopback that sends "10", waits for ok, then the
    /// data in two halves 200 ms apart; returns where to connect.
    fn halves_server() -> std::net::SocketAddr {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        std::thread::spawn(move || {
            for _ in 0..2 {
                let (mut s, _) = l.accept().unwrap();
                s.write_all(b"10").unwrap();
                let mut ok = [0u8; 2];
                s.read_exact(&mut ok).unwrap();
                s.write_all(b"hello").unwrap();
                std::thread::sleep(Duration::from_millis(200));
                s.write_all(b"world").unwrap();
            }
        });
        addr
    }

    #[test]
    fn one_recv_returns_what_has_arrived_and_the_fix_waits_for_the_rest() {
        let addr = halves_server();
        let lesson = lesson_recv(&TcpStream::connect(addr).unwrap()).unwrap();
        assert_eq!(lesson.length, Some(10));
        assert_eq!(
            lesson.body(),
            b"hello",
            "one recv(10) got only the first half"
        );
        let fixed = fixed_recv(&TcpStream::connect(addr).unwrap()).unwrap();
        assert_eq!(fixed.body(), b"helloworld");
        assert!(fixed.body_reads.len() >= 2, "{:?}", fixed.body_reads);
    }

    #[test]
    fn check_waits_for_the_newline_and_refuses_what_cannot_be_a_length() {
        let c = LengthText::ours().with_max_len(10_000);
        assert_eq!(c.check(b"").unwrap(), TextCheck::Incomplete);
        assert_eq!(c.check(b"12").unwrap(), TextCheck::Incomplete);
        assert_eq!(
            c.check(b"1234\nxyz").unwrap(),
            TextCheck::Complete { len: 1234, used: 5 }
        );
        assert!(matches!(
            c.check(b"12a4\n"),
            Err(AckError::NotDigit {
                byte: b'a',
                at: 2,
                ..
            })
        ));
        assert!(matches!(c.check(b"-5\n"), Err(AckError::NotDigit { .. })));
        assert!(matches!(c.check(b"\n"), Err(AckError::Empty)));
        assert!(matches!(
            c.check(b"123456"),
            Err(AckError::TooManyDigits { max_digits: 5 })
        ));
        assert!(matches!(
            c.check(b"20000\n"),
            Err(AckError::TooLarge { len: 20000, .. })
        ));
    }

    #[test]
    fn the_lesson_format_takes_whatever_one_recv_returned() {
        let c = LengthText::lesson();
        assert_eq!(
            c.check(b"16").unwrap(),
            TextCheck::Complete { len: 16, used: 2 }
        );
        // Digits merged with the start of `seq` output: int() would fail.
        assert!(matches!(
            c.check(b"38931\n2\n"),
            Err(AckError::NotDigit { byte: b'\n', .. })
        ));
    }

    #[test]
    fn twenty_digits_over_u64_are_refused_not_saturated() {
        // Found by the length_text fuzz target's "the digits spell the
        // length" property: with no limit (the lesson client's check), 20
        // nines used to saturate to u64::MAX and come out as Complete.
        let c = LengthText::lesson().with_max_len(usize::MAX);
        assert!(matches!(
            c.check(b"99999999999999999999"),
            Err(AckError::Overflow { .. })
        ));
        let ours = LengthText::ours().with_max_len(usize::MAX);
        assert!(matches!(
            ours.check(b"18446744073709551616\n"),
            Err(AckError::Overflow { .. })
        ));
        // The largest u64 still spells itself (and is then over the limit
        // only where usize is smaller).
        assert_eq!(
            c.check(b"18446744073709551615").unwrap(),
            TextCheck::Complete {
                len: usize::MAX,
                used: 20
            }
        );
    }

    #[test]
    fn a_reply_survives_any_cut_of_its_length_text() {
        let c = LengthText::ours();
        let mut wire = c.encode(1234).unwrap();
        wire.extend(std::iter::repeat_n(b'x', 1234));
        for seed in 0..20 {
            let r = ChaosReader::new(Cursor::new(wire.clone()), ChaosPlan::new(seed, 3));
            let mut r = BufReader::with_capacity(2, r);
            let mut acks = Vec::new();
            let body = read_reply(&mut r, &mut acks, &c).unwrap();
            assert_eq!(body.len(), 1234);
            assert_eq!(acks, ACK);
        }
    }

    #[test]
    fn a_missing_ok_is_named() {
        let c = LengthText::ours();
        let mut r = BufReader::new(Cursor::new(b"no".to_vec()));
        let mut w = Vec::new();
        let e = send_reply(&mut r, &mut w, &c, b"data").unwrap_err();
        assert!(
            e.to_string().contains("expected the client's \"ok\""),
            "{e}"
        );
        assert_eq!(w, b"4\n", "no data may be sent without the ok");
    }

    #[test]
    fn a_promised_body_is_not_allocated_up_front() {
        let mut r = Cursor::new(b"abc".to_vec());
        let e = read_body(&mut r, 60 << 20, "command").unwrap_err();
        assert!(matches!(
            e,
            AckError::Frame(FrameError::Truncated { got: 3, .. })
        ));
    }
}
