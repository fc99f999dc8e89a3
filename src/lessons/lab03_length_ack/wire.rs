//! Lab 03's wire: the length as text (`LengthText`), the requests and
//! replies around it, and the server that speaks it.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::framing::{FrameError, DEFAULT_MAX_FRAME};
use crate::harness::command::OwnReplyTooLarge;
use crate::harness::wrong_format::{
    recognise_wrong_format, Expected, Side, When, WrongFormat, WrongRequest,
};
use crate::harness::Compat;
use crate::kit::runner::{self, RunnerConfig};

use super::{AckError, ACK, LESSON_RECV};

/// What [`LengthText::check`] found in the bytes received so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextCheck {
    /// A whole length text: the number, and how many bytes it used.
    Complete {
        /// The length announced.
        len: usize,
        /// Bytes of the stream the text took (digits and the `\n`).
        used: usize,
    },
    /// Only digits so far: more must arrive.
    Incomplete,
}

/// The length written as decimal digits: `b"1443\n"` (ours) or `b"1443"`
/// (the lesson's, which ends wherever one `recv()` happened to end).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LengthText {
    /// Largest length accepted or sent.
    pub max_len: usize,
    /// Digits end with `\n` (ours); otherwise one `recv()` is the whole text.
    pub terminated: bool,
}

impl Default for LengthText {
    fn default() -> Self {
        LengthText::ours()
    }
}

impl LengthText {
    /// Our format: digits and `\n`, at most 64 MiB.
    pub fn ours() -> LengthText {
        LengthText {
            max_len: DEFAULT_MAX_FRAME,
            terminated: true,
        }
    }

    /// The lesson's format: bare digits, `str(len(data)).encode()`.
    pub fn lesson() -> LengthText {
        LengthText {
            terminated: false,
            ..LengthText::ours()
        }
    }

    /// The format `compat` speaks.
    pub fn for_compat(compat: Compat) -> LengthText {
        match compat {
            Compat::Ours => LengthText::ours(),
            Compat::Lesson => LengthText::lesson(),
        }
    }

    /// The same format with another limit.
    pub fn with_max_len(self, max_len: usize) -> LengthText {
        LengthText { max_len, ..self }
    }

    /// How many digits the largest allowed length has.
    pub fn max_digits(&self) -> usize {
        self.max_len.max(1).ilog10() as usize + 1
    }

    /// The text for a body of `len` bytes.
    pub fn encode(&self, len: usize) -> Result<Vec<u8>, AckError> {
        if len > self.max_len {
            return Err(AckError::TooLarge {
                len: len as u64,
                max: self.max_len,
            });
        }
        let mut t = len.to_string().into_bytes();
        if self.terminated {
            t.push(b'\n');
        }
        Ok(t)
    }

    /// Looks at the bytes so far and says whether a whole, valid length text
    /// is there. Every byte is checked before any number is formed, so
    /// nothing is ever parsed from a text that could not be a length.
    pub fn check(&self, buf: &[u8]) -> Result<TextCheck, AckError> {
        let max_digits = self.max_digits();
        let mut value: u64 = 0;
        for (i, &b) in buf.iter().enumerate() {
            if self.terminated && b == b'\n' {
                if i == 0 {
                    return Err(AckError::Empty);
                }
                return self.finish(value, i + 1);
            }
            if !b.is_ascii_digit() {
                return Err(AckError::NotDigit {
                    byte: b,
                    at: i,
                    text: buf[..=i].to_vec(),
                });
            }
            if i >= max_digits {
                return Err(AckError::TooManyDigits { max_digits });
            }
            // Up to 20 digits are allowed when the limit is usize::MAX, and
            // 20 digits can spell more than u64::MAX: such a text is over
            // every limit, so it is refused rather than saturated (which
            // would announce a length the digits never spelled).
            value = match value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(b - b'0')))
            {
                Some(v) => v,
                None => {
                    return Err(AckError::Overflow {
                        text: buf[..=i].to_vec(),
                    })
                }
            };
        }
        if self.terminated || buf.is_empty() {
            Ok(TextCheck::Incomplete)
        } else {
            self.finish(value, buf.len())
        }
    }

    fn finish(&self, value: u64, used: usize) -> Result<TextCheck, AckError> {
        if value > self.max_len as u64 {
            return Err(AckError::TooLarge {
                len: value,
                max: self.max_len,
            });
        }
        Ok(TextCheck::Complete {
            len: value as usize,
            used,
        })
    }

    /// Reads one length text. Ours: byte runs up to the `\n`, never past it
    /// (what follows belongs to the body). The lesson's: one `recv()`.
    pub fn read<R: BufRead + ?Sized>(&self, r: &mut R) -> Result<usize, AckError> {
        let mut text = Vec::with_capacity(self.max_digits() + 1);
        loop {
            let avail = fill(r)?;
            if avail.is_empty() {
                return Err(if text.is_empty() {
                    FrameError::Closed
                } else {
                    FrameError::Truncated {
                        what: "length text",
                        expected: text.len() + 1,
                        got: text.len(),
                    }
                }
                .into());
            }
            let take = if self.terminated {
                let room = self.max_digits() + 1 - text.len();
                match avail.iter().position(|&b| b == b'\n') {
                    Some(p) => (p + 1).min(room),
                    None => avail.len().min(room),
                }
            } else {
                avail.len().min(LESSON_RECV)
            };
            text.extend_from_slice(&avail[..take]);
            r.consume(take);
            if let TextCheck::Complete { len, .. } = self.check(&text)? {
                return Ok(len);
            }
        }
    }
}

fn fill<R: BufRead + ?Sized>(r: &mut R) -> io::Result<&[u8]> {
    loop {
        match r.fill_buf() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // Re-borrow through a second call: the borrow checker cannot see
            // that the error arm above never holds the first borrow.
            Ok(_) => return r.fill_buf(),
            Err(e) => return Err(e),
        }
    }
}

/// The lesson's `recv(1024)` on a buffered stream: whatever is there, at
/// most 1024 bytes, empty when the peer has closed.
fn recv_1024<R: BufRead + ?Sized>(r: &mut R) -> io::Result<Vec<u8>> {
    let avail = fill(r)?;
    let n = avail.len().min(LESSON_RECV);
    let got = avail[..n].to_vec();
    r.consume(n);
    Ok(got)
}

/// Reads exactly `n` body bytes, growing the buffer only as bytes arrive:
/// a length that promises 64 MiB and sends nothing costs nothing.
pub fn read_body<R: Read + ?Sized>(
    r: &mut R,
    n: usize,
    what: &'static str,
) -> Result<Vec<u8>, AckError> {
    let mut body = Vec::with_capacity(n.min(64 * 1024));
    let got = r.take(n as u64).read_to_end(&mut body)?;
    if got < n {
        return Err(FrameError::Truncated {
            what,
            expected: n,
            got,
        }
        .into());
    }
    Ok(body)
}

/// Client: one request. Ours frames the command (`"7\nseq 100"`); the
/// lesson sends the bare command and hopes one `recv(1024)` takes it whole.
pub fn send_request<W: Write + ?Sized>(
    w: &mut W,
    codec: &LengthText,
    cmd: &[u8],
) -> Result<(), AckError> {
    let mut msg = if codec.terminated {
        codec.encode(cmd.len())?
    } else {
        Vec::new()
    };
    msg.extend_from_slice(cmd);
    w.write_all(&msg)?;
    w.flush()?;
    Ok(())
}

/// Server: the next request, or `None` when the client closed between
/// requests. The lesson's format is one `recv(1024)`, whatever it holds.
pub fn read_request<R: BufRead + ?Sized>(
    r: &mut R,
    codec: &LengthText,
) -> Result<Option<Vec<u8>>, AckError> {
    if !codec.terminated {
        let cmd = recv_1024(r)?;
        return Ok(if cmd.is_empty() { None } else { Some(cmd) });
    }
    let n = match codec.read(r) {
        Err(AckError::Frame(FrameError::Closed)) => return Ok(None),
        other => other?,
    };
    read_body(r, n, "command").map(Some)
}

/// Server: the lesson's three steps — length, wait for `ok`, data.
pub fn send_reply<R: BufRead + ?Sized, W: Write + ?Sized>(
    r: &mut R,
    w: &mut W,
    codec: &LengthText,
    data: &[u8],
) -> Result<(), AckError> {
    w.write_all(&codec.encode(data.len())?)?;
    // Flush before waiting: the client cannot ack digits still in our buffer.
    w.flush()?;
    let got = if codec.terminated {
        read_body(r, ACK.len(), "ok")?
    } else {
        recv_1024(r)?
    };
    if got != ACK {
        return Err(AckError::MissingOk { got });
    }
    w.write_all(data)?;
    w.flush()?;
    Ok(())
}

/// The server without step 2: digits, then the data at once (two sends).
/// Nothing keeps the digits apart from the data's first bytes any more.
pub fn send_reply_without_ack<W: Write + ?Sized>(
    w: &mut W,
    codec: &LengthText,
    data: &[u8],
) -> Result<(), AckError> {
    w.write_all(&codec.encode(data.len())?)?;
    w.flush()?;
    w.write_all(data)?;
    w.flush()?;
    Ok(())
}

/// Client: read the length, send `ok`, read until every byte arrived (the
/// loop the lesson's single `recv(int(length))` was missing).
pub fn read_reply<R: BufRead + ?Sized, W: Write + ?Sized>(
    r: &mut R,
    w: &mut W,
    codec: &LengthText,
) -> Result<Vec<u8>, AckError> {
    let n = codec.read(r)?;
    w.write_all(ACK)?;
    w.flush()?;
    read_body(r, n, "reply")
}

/// Everything a command server needs to answer one connection.
#[derive(Clone, Debug)]
pub struct AckServer {
    /// Ours or the lesson's wire format.
    pub compat: Compat,
    /// Largest length accepted or sent.
    pub max_len: usize,
    /// How commands run.
    pub runner: RunnerConfig,
    /// The socket's read timeout, to name idle clients in errors.
    pub idle: Option<Duration>,
}

impl AckServer {
    /// Serves one connection until the client closes. The lesson's server
    /// sends stdout only (seed 001); ours sends stdout and stderr. A request
    /// in the wrong format ends the connection with
    /// [`AckError::WrongFormat`] (answered by [`AckServer::serve_tcp`]); a
    /// reply over our own limit is replaced by an error reply and ends it
    /// with [`AckError::ReplyTooLarge`].
    pub fn serve<R: BufRead, W: Write>(&self, reader: &mut R, w: &mut W) -> Result<(), AckError> {
        let codec = LengthText::for_compat(self.compat).with_max_len(self.max_len);
        loop {
            if self.compat == Compat::Ours {
                self.refuse_wrong_format(reader, &codec)
                    .map_err(|e| e.idle_after(self.idle))?;
            }
            let cmd = match read_request(reader, &codec) {
                Ok(Some(c)) => c,
                Ok(None) => return Ok(()),
                Err(e) => return Err(e.idle_after(self.idle)),
            };
            if self.compat == Compat::Lesson {
                if let Some(m) = recognise_wrong_format(&cmd, Expected::BareCommand, When::Whole) {
                    return Err(WrongRequest {
                        refused: None,
                        mistake: m,
                    }
                    .into());
                }
            }
            let out = runner::run(&cmd, &self.runner);
            let data = match self.compat {
                Compat::Ours => out.combined(),
                Compat::Lesson => out.stdout,
            };
            if let Some(e) = OwnReplyTooLarge::check(&cmd, data.len(), self.max_len) {
                send_reply(reader, w, &codec, &e.reply()).map_err(|e| e.idle_after(self.idle))?;
                return Err(e.into());
            }
            send_reply(reader, w, &codec, &data).map_err(|e| e.idle_after(self.idle))?;
        }
    }

    /// Ours: looks at the first bytes of the next request before the length
    /// check refuses them, so that a bare `ls` from the lesson's client is
    /// named as what it is. Digits pass (they are how a request starts).
    fn refuse_wrong_format<R: BufRead>(
        &self,
        reader: &mut R,
        codec: &LengthText,
    ) -> Result<(), AckError> {
        let seen = fill(reader)?;
        if seen.first().is_none_or(|b| b.is_ascii_digit()) {
            return Ok(());
        }
        let expected = Expected::LengthText { terminated: true };
        let Some(m) = recognise_wrong_format(seen, expected, When::Stuck) else {
            return Ok(());
        };
        Err(WrongRequest {
            refused: codec.check(seen).err().map(|e| e.to_string()),
            mistake: m,
        }
        .into())
    }

    /// Serves one TCP connection (for [`crate::kit::server::serve`]). A
    /// client in the wrong format is told so once, in a reply in the format
    /// it speaks when that is one of ours (the lesson's Python client prints
    /// it), waiting at most [`ANSWER_WAIT`] for its `ok`; then the
    /// connection closes, its bytes no longer to be trusted.
    pub fn serve_tcp(&self, stream: TcpStream) -> Result<(), AckError> {
        let _ = stream.set_nodelay(true);
        let mut w = stream.try_clone()?;
        let mut r = io::BufReader::new(stream);
        let result = self.serve(&mut r, &mut w);
        if let Err(AckError::WrongFormat(WrongRequest { mistake, .. })) = &result {
            // The format the client evidently speaks: a bare command is the
            // lesson's, digits and \n are ours; a lab 04 client reads neither.
            let answer_in = match mistake {
                WrongFormat::Text { .. } => Some(Compat::Lesson),
                WrongFormat::LengthTextWithNewline { .. } => Some(Compat::Ours),
                _ => None,
            };
            if let Some(compat) = answer_in {
                // What the client sent is not a request: drop it, then answer.
                let pending = r.buffer().len();
                r.consume(pending);
                let _ = w.set_read_timeout(Some(ANSWER_WAIT));
                let codec = LengthText::for_compat(compat);
                let text = mistake.reply_text(Side::Server);
                let _ = send_reply(&mut r, &mut w, &codec, text.as_bytes());
            }
        }
        result
    }
}

/// How long a server that recognised a wrong format waits for the client's
/// `ok` before its explanation (a client that never acknowledges is not
/// held for the whole idle timeout).
pub const ANSWER_WAIT: Duration = Duration::from_secs(2);

/// The lesson's server without step 2, for one connection: each command's
/// stdout goes out as digits and data at once ([`send_reply_without_ack`]),
/// so nothing keeps the digits apart from the data any more.
pub fn serve_without_ack(stream: TcpStream, runner: &RunnerConfig) -> Result<(), AckError> {
    let mut w = stream.try_clone()?;
    let mut r = io::BufReader::new(stream);
    let codec = LengthText::lesson();
    while let Some(cmd) = read_request(&mut r, &codec)? {
        let out = runner::run(&cmd, runner);
        send_reply_without_ack(&mut w, &codec, &out.stdout)?;
    }
    Ok(())
}
