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

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::framing::{recv_exact, FrameError, DEFAULT_MAX_FRAME};
use crate::harness::command::{background, through};
use crate::harness::Compat;
use crate::kit::proxy::ProxyConfig;
use crate::kit::record::{Chunk, Clock, RecordingReader, Tape};
use crate::kit::runner::{self, RunnerConfig};
use crate::kit::server::Background;
use crate::kit::server::KeptErrors;
use crate::kit::sock::recv_once;
use crate::kit::text::preview;
// Re-exported for the fuzz target, which reads the lesson's size from here.
pub use crate::lessons::LESSON_RECV;

// `cli.rs` holds the binary's `server` and `client` commands.
pub mod cli;

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
            format!("parsed as {n} (true length {true_len})")
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
    #[error("length text has a non-digit byte {} at position {at} (got \"{}\")", show_byte(*.byte), preview(.text, 40))]
    NotDigit {
        /// The offending byte.
        byte: u8,
        /// Its position in the length text.
        at: usize,
        /// The text received so far.
        text: Vec<u8>,
    },
    /// The length text ended before any digit.
    #[error("length text is empty: expected digits")]
    Empty,
    /// More digits than any allowed length needs: not a length at all.
    #[error("length text runs past {max_digits} digits without ending: not a length")]
    TooManyDigits {
        /// The most digits a length under the limit can have.
        max_digits: usize,
    },
    /// A well-formed length over the limit: refused before allocating.
    #[error("length text claims {len} bytes, over the {max}-byte limit")]
    TooLarge {
        /// The number the digits spell.
        len: u64,
        /// The configured maximum.
        max: usize,
    },
    /// Digits spelling a number no `u64` holds (20 digits, from
    /// 18446744073709551616 up): over every limit, and not a number we can show.
    #[error("length text \"{}\" is larger than any length", preview(.text, 40))]
    Overflow {
        /// The digits received so far.
        text: Vec<u8>,
    },
    /// The server waited for `ok` and got something else.
    #[error("expected the client's \"ok\", got \"{}\"", preview(.got, 40))]
    MissingOk {
        /// What arrived instead.
        got: Vec<u8>,
    },
    /// Closed, truncated, or a socket error.
    #[error(transparent)]
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

fn show_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("0x{b:02x}")
    }
}

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
    /// sends stdout only (seed 001); ours sends stdout and stderr.
    pub fn serve<R: BufRead, W: Write>(&self, reader: &mut R, w: &mut W) -> Result<(), AckError> {
        let codec = LengthText::for_compat(self.compat).with_max_len(self.max_len);
        loop {
            let cmd = match read_request(reader, &codec) {
                Ok(Some(c)) => c,
                Ok(None) => return Ok(()),
                Err(e) => return Err(e.idle_after(self.idle)),
            };
            let out = runner::run(&cmd, &self.runner);
            let data = match self.compat {
                Compat::Ours => out.combined(),
                Compat::Lesson => out.stdout,
            };
            send_reply(reader, w, &codec, &data).map_err(|e| e.idle_after(self.idle))?;
        }
    }

    /// Serves one TCP connection (for [`crate::kit::server::serve`]).
    pub fn serve_tcp(&self, stream: TcpStream) -> Result<(), AckError> {
        let _ = stream.set_nodelay(true);
        let mut w = stream.try_clone()?;
        let mut r = io::BufReader::new(stream);
        self.serve(&mut r, &mut w)
    }
}

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

// ───────────────── the demo's exchanges, run and recorded ─────────────────

/// A quiet lab 03 server on an ephemeral loopback port, speaking `compat`
/// with built-in commands; its connections' errors are kept for the story.
pub fn demo_server(compat: Compat) -> io::Result<(Background, KeptErrors)> {
    let srv = AckServer {
        compat,
        max_len: DEFAULT_MAX_FRAME,
        runner: RunnerConfig::default(),
        idle: None,
    };
    background(move |s| srv.serve_tcp(s))
}

/// What the lesson's server sends for `cmd`: its stdout.
pub fn expected(cmd: &str) -> Vec<u8> {
    runner::run(cmd.as_bytes(), &RunnerConfig::default()).stdout
}

/// The lesson's `send(cmd)`: the bare command.
fn send(mut conn: &TcpStream, cmd: &str) -> io::Result<()> {
    conn.write_all(cmd.as_bytes())
}

/// Stage 1: one command's reply, read by [`lesson_recv`] on loopback.
#[derive(Clone, Debug)]
pub struct LoopbackReply {
    /// The command.
    pub cmd: &'static str,
    /// The exchange as the lesson's client saw it.
    pub ex: LessonExchange,
    /// The reply's true length: what the command prints.
    pub want: usize,
    /// Whether the whole reply came in one `recv(int(length))`.
    pub whole: bool,
}

/// Asks each of `cmds` on one connection to a lesson-mode server and reads
/// each reply with [`lesson_recv`].
pub fn lesson_replies(
    server: SocketAddr,
    cmds: &[&'static str],
) -> Result<Vec<LoopbackReply>, AckError> {
    let conn = crate::harness::command::demo_connect(server)?;
    let mut replies = Vec::new();
    for &cmd in cmds {
        send(&conn, cmd)?;
        let ex = lesson_recv(&conn)?;
        let want = expected(cmd);
        replies.push(LoopbackReply {
            cmd,
            whole: ex.body() == want && ex.body_reads.len() == 1,
            want: want.len(),
            ex,
        });
    }
    Ok(replies)
}

/// Asks `cmd` through a chaos proxy with `cfg`, reading the reply with `recv`.
fn through_chaos(
    cfg: &ProxyConfig,
    cmd: &str,
    recv: fn(&TcpStream) -> Result<LessonExchange, AckError>,
) -> Result<LessonExchange, AckError> {
    let (proxy, conn) = through(cfg)?;
    send(&conn, cmd)?;
    let ex = recv(&conn)?;
    drop((conn, proxy));
    Ok(ex)
}

/// Stage 2: the same reply through the same cuts (`cfg`, upstream a
/// lesson-mode server), read by [`lesson_recv`] and by [`fixed_recv`].
pub fn short_and_fixed(
    cfg: &ProxyConfig,
    cmd: &str,
) -> Result<(LessonExchange, LessonExchange), AckError> {
    Ok((
        through_chaos(cfg, cmd, lesson_recv)?,
        through_chaos(cfg, cmd, fixed_recv)?,
    ))
}

/// Stage 3: a reply whose digits the cuts split, read by [`lesson_recv`];
/// and the same command, through the same cuts, in our format (digits end
/// with `\n`) from our own server.
#[derive(Clone, Debug)]
pub struct SplitRun {
    /// The lesson's exchange: the digits cut short.
    pub split: LessonExchange,
    /// Ours: the whole reply.
    pub whole: Vec<u8>,
}

/// Runs stage 3 through a chaos proxy with `cfg` (upstream a lesson-mode server).
pub fn split_digits(cfg: &ProxyConfig, cmd: &str) -> Result<SplitRun, AckError> {
    let split = through_chaos(cfg, cmd, lesson_recv)?;
    let (ours, _errors) = demo_server(Compat::Ours)?;
    let mut cfg_ours = cfg.clone();
    cfg_ours.upstream = ours.addr();
    let (_proxy, s) = through(&cfg_ours)?;
    let mut w = s.try_clone()?;
    let mut r = BufReader::new(s);
    let codec = LengthText::ours();
    send_request(&mut w, &codec, cmd.as_bytes())?;
    let whole = read_reply(&mut r, &mut w, &codec)?;
    Ok(SplitRun { split, whole })
}

/// Stage 4: the digits' `recv(1024)` from a server without step 2, and
/// with it, through the same cuts.
#[derive(Clone, Debug)]
pub struct NoAckRun {
    /// [`lesson_recv`] against [`serve_without_ack`]: digits and data merged.
    pub merged: LessonExchange,
    /// [`fixed_recv`] against the lesson's server: the digits alone.
    pub acked: LessonExchange,
}

/// Runs stage 4 through a chaos proxy with `cfg` (upstream a lesson-mode
/// server): first against a server that skips the `ok`, then against `cfg`'s own.
pub fn without_ack(cfg: &ProxyConfig, cmd: &str) -> Result<NoAckRun, AckError> {
    let runner = RunnerConfig::default();
    let (noack, _errors) = background(move |s| serve_without_ack(s, &runner))?;
    let mut c = cfg.clone();
    c.upstream = noack.addr();
    Ok(NoAckRun {
        merged: through_chaos(&c, cmd, lesson_recv)?,
        acked: through_chaos(cfg, cmd, fixed_recv)?,
    })
}

/// Stage 5: each command's round trip, ours against lab 04's header.
#[derive(Clone, Debug)]
pub struct CostRun {
    /// Lab 03: length text, `ok`, data.
    pub with_ok: Vec<Duration>,
    /// Lab 04: 4-byte header + data.
    pub header: Vec<Duration>,
    /// Whether every reply was what the command prints.
    pub intact: bool,
}

/// Runs `ask` `rounds` times, timing each: the round trips, and whether
/// every reply was `want`.
fn time_rounds(
    rounds: usize,
    want: &[u8],
    mut ask: impl FnMut() -> Result<Vec<u8>, AckError>,
) -> Result<(Vec<Duration>, bool), AckError> {
    let (mut times, mut intact) = (Vec::new(), true);
    for _ in 0..rounds {
        let t0 = Instant::now();
        let got = ask()?;
        times.push(t0.elapsed());
        intact &= got == want;
    }
    Ok((times, intact))
}

impl CostRun {
    /// Each round trip in milliseconds.
    pub fn ms(v: &[Duration]) -> Vec<f64> {
        v.iter().map(|d| d.as_secs_f64() * 1e3).collect()
    }

    /// The mean round trip in milliseconds.
    pub fn mean_ms(v: &[Duration]) -> f64 {
        v.iter().sum::<Duration>().as_secs_f64() * 1e3 / v.len().max(1) as f64
    }
}

/// Times `rounds` commands `cmd` per protocol, each through a delay proxy
/// adding `rtt`, after the connection was set up: lab 03's three steps
/// against lab 04's one header.
pub fn cost_of_the_ok(rtt: Duration, rounds: usize, cmd: &str) -> Result<CostRun, AckError> {
    use crate::framing::{FrameReader, LengthPrefix};
    use crate::lessons::lab04_struct_header as lab04;
    let (ack_srv, _e1) = demo_server(Compat::Ours)?;
    let (hdr_srv, _e2) = lab04::demo_server(LengthPrefix::lesson(), Compat::Ours)?;
    let want = runner::run(cmd.as_bytes(), &RunnerConfig::default()).combined();
    let (_p3, s) = through(&ProxyConfig::latency_only(ack_srv.addr(), rtt))?;
    let mut w = s.try_clone()?;
    let mut r = BufReader::new(s);
    let codec = LengthText::ours();
    let (with_ok, ok03) = time_rounds(rounds, &want, || {
        send_request(&mut w, &codec, cmd.as_bytes())?;
        read_reply(&mut r, &mut w, &codec)
    })?;
    let (_p4, s) = through(&ProxyConfig::latency_only(hdr_srv.addr(), rtt))?;
    let mut w = s.try_clone()?;
    let mut frames = FrameReader::new(s, LengthPrefix::lesson());
    let (header, ok04) = time_rounds(rounds, &want, || {
        Ok(lab04::ask(
            &mut frames,
            &mut w,
            Compat::Ours,
            cmd.as_bytes(),
        )?)
    })?;
    let intact = ok03 && ok04;
    Ok(CostRun {
        with_ok,
        header,
        intact,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::chaos::{ChaosPlan, ChaosReader};
    use std::io::{BufReader, Cursor};

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
