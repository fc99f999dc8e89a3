//! Lab 04 — a 4-byte struct header (seed 001 scheme 2, seed 002 §1.2).
//!
//! The lesson's server sends `struct.pack('i', len(data)) + data` in one
//! write. Its client reads the header with ONE `recv(4)` and the body with
//! ONE `recv(n)`. TCP keeps no boundaries, so either `recv` may return
//! fewer bytes than asked: the body comes up short, its rest stays in the
//! socket, and the next `recv(4)` reads four bytes of *text* as a header —
//! an absurd length, or a `struct.error`.
//!
//! [`lesson_recv`] is that client; [`fixed_recv`] is the fix, the same two
//! steps with a loop each ([`recv_exact`], as [`LengthPrefix::read_frame`]
//! does). Below them: the lab's command server and client, then the
//! demo's exchanges — each stage's sockets, proxies and reads, run here and
//! returned as a record for `labs/lab04_struct_header.rs` to narrate.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::framing::{recv_exact, ByteOrder, ByteOrderHint, FrameError, FrameReader, LengthPrefix};
use crate::harness::command::OwnReplyTooLarge;
use crate::harness::command::{background, demo_connect, through};
use crate::harness::wrong_format::{
    recognise_wrong_format, Expected, Side, When, WrongFormat, WrongRequest,
};
use crate::harness::Compat;
use crate::kit::budget::{MemoryBudget, OverBudget};
use crate::kit::proxy::ProxyConfig;
use crate::kit::record::RecordingReader;
use crate::kit::runner::{self, RunnerConfig};
use crate::kit::server::Background;
use crate::kit::server::KeptErrors;
use crate::kit::sock::recv_once;
use crate::lessons::LESSON_RECV;
use thiserror::Error;

// In `lab04_struct_header/`: `cli.rs` the `server` and `client` commands,
// `views.rs` the tables and picture the demo shows of the records below.
pub mod cli;
mod views;
pub use views::accepted_or_error;

/// The lesson's client reading one reply: ONE `recv(4)`, `struct.unpack`,
/// ONE `recv(n)` — each may return fewer bytes than asked.
pub fn lesson_recv(stream: &TcpStream, codec: &LengthPrefix) -> Result<StructReply, FrameError> {
    let mut reply = StructReply::unpack(recv_once(stream, LengthPrefix::LEN)?, codec);
    if let Ok(n) = reply.claimed {
        let body = recv_once(stream, n)?;
        reply
            .body_reads
            .extend(Some(body).filter(|b| !b.is_empty()));
    }
    Ok(reply)
}

/// The fix: read exactly 4 bytes, unpack, read exactly `n` bytes — a loop
/// for each, until every byte asked for has arrived.
pub fn fixed_recv<R: Read + ?Sized>(
    r: &mut R,
    codec: &LengthPrefix,
) -> Result<StructReply, FrameError> {
    let mut reply = StructReply::unpack(recv_exact(r, LengthPrefix::LEN, "header")?, codec);
    if let Ok(n) = reply.claimed {
        reply.body_reads.push(recv_exact(r, n, "body")?);
    }
    Ok(reply)
}

/// The body loop of seed 002 §1.2's client, as written:
///
/// ```python
/// recv_size = 0
/// while recv_size < total_size:
///     recv_data = client.recv(1024)
///     recv_size += len(recv_data)
/// ```
///
/// Two mistakes hide in it. It asks for 1024 whatever is left, so when the
/// next reply is already queued it reads on into that reply's header. And
/// an empty `recv()` (the peer closed) adds 0 and goes round again, for
/// ever. `give_up` is not the lesson's: it bounds the spin so the demo can
/// count it.
pub fn lesson_body_loop(stream: &TcpStream, total_size: usize, give_up: Instant) -> BodyLoop {
    let mut out = BodyLoop::default();
    while out.body.len() < total_size {
        if Instant::now() >= give_up {
            out.gave_up = true;
            break;
        }
        match recv_once(stream, LESSON_RECV) {
            Ok(recv_data) if recv_data.is_empty() => out.empty_recvs += 1,
            Ok(recv_data) => out.body.extend_from_slice(&recv_data),
            Err(e) => {
                out.error = Some(e.to_string());
                break;
            }
        }
        out.recvs += 1;
    }
    out
}

/// The fix, two changes to the same loop: ask for `min(1024, what is left)`,
/// so the loop never reads past this reply; and treat an empty `recv()` as
/// what it is (recv(2): "the return value will be 0 when the peer has
/// performed an orderly shutdown") — the end, with the bytes still missing
/// named in the error.
pub fn fixed_body_loop(stream: &TcpStream, total_size: usize) -> Result<Vec<u8>, FrameError> {
    let mut body = Vec::new();
    while body.len() < total_size {
        let left = total_size - body.len();
        let recv_data = recv_once(stream, LESSON_RECV.min(left))?;
        if recv_data.is_empty() {
            return Err(FrameError::Truncated {
                what: "body",
                expected: total_size,
                got: body.len(),
            });
        }
        body.extend_from_slice(&recv_data);
    }
    Ok(body)
}

/// What [`lesson_body_loop`] did: the bytes it counted as the body, how many
/// `recv()` calls it made, and how many of them returned nothing.
#[derive(Clone, Debug, Default)]
pub struct BodyLoop {
    /// Every byte the loop received (more than `total_size` when it read on).
    pub body: Vec<u8>,
    /// `recv()` calls made.
    pub recvs: u64,
    /// Of those, the ones that returned `b''`.
    pub empty_recvs: u64,
    /// The demo's clock stopped the loop; the lesson's would still be spinning.
    pub gave_up: bool,
    /// A `recv()` that failed (a reset, a timeout).
    pub error: Option<String>,
}

/// One reply as a client received it, recorded for the demo.
#[derive(Clone, Debug)]
pub struct StructReply {
    /// What the read of the header returned.
    pub header: Vec<u8>,
    /// `struct.unpack('i', header)[0]`, or why it failed (a length this side
    /// refuses is reported here, never allocated).
    pub claimed: Result<usize, String>,
    /// The body, as the reads returned it.
    pub body_reads: Vec<Vec<u8>>,
}

impl StructReply {
    /// `struct.unpack` of what arrived as the header: Python refuses anything
    /// but exactly 4 bytes, and we refuse lengths over the frame limit.
    fn unpack(header: Vec<u8>, codec: &LengthPrefix) -> StructReply {
        let claimed = match header.first_chunk::<4>() {
            Some(h) => codec.unpack(*h).map_err(|e| e.localized()),
            None => Err(crate::t!("lab04-struct-error-short", n = header.len())),
        };
        StructReply {
            header,
            claimed,
            body_reads: Vec::new(),
        }
    }

    /// All body bytes received.
    pub fn body(&self) -> Vec<u8> {
        self.body_reads.concat()
    }

    /// What the header claimed, in words: `65 B announced`, or why not.
    pub fn claim_text(&self) -> String {
        match &self.claimed {
            Ok(n) => crate::t!("lab04-announced", n = n),
            Err(e) => e.clone(),
        }
    }
}

/// The header format for `--byte-order` (this machine's when `None`) and
/// `--max-frame`: `'<i'` is what `struct.pack('i')` gives on x86 and ARM,
/// `'!I'` is network order.
pub fn header_format(order: Option<ByteOrder>, max_frame: usize) -> LengthPrefix {
    match order.unwrap_or_else(ByteOrder::native) {
        ByteOrder::Little => LengthPrefix::lesson().with_order(ByteOrder::Little),
        ByteOrder::Big => LengthPrefix::network(),
    }
    .with_max_frame(max_frame)
}

/// How long a request may sit half-arrived before the server looks at it
/// for a classic mistake: seed 002's bare `ls` never completes a 4-byte
/// header, and a big-endian `00 00 00 02` asks a little-endian server for
/// 32 MiB that will never come. Our clients send a whole request in one
/// write, so half a request that stays half is already unusual.
pub const STALL: Duration = Duration::from_millis(500);

/// Why lab 04's server ended a connection.
#[derive(Debug, Error)]
pub enum ServeError {
    /// The request could not be read (closed, cut, refused, idle).
    #[error("{error}{}", .hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    Frame {
        /// What went wrong.
        error: FrameError,
        /// Why it may have, when the header read in the other byte order explains it.
        hint: Option<ByteOrderHint>,
    },
    /// The request's bytes show a wrong pairing ([`recognise_wrong_format`]):
    /// the client was told in a reply, then the connection closed.
    #[error(transparent)]
    WrongFormat(#[from] WrongRequest),
    /// The server's own reply is over its own `--max-frame`.
    #[error(transparent)]
    ReplyTooLarge(#[from] OwnReplyTooLarge),
    /// A request frame found no room in the server's `--memory-budget`:
    /// the client was told in a reply, then the connection closed.
    #[error(transparent)]
    OverBudget(#[from] OverBudget),
}

impl ServeError {
    /// The error in the language in force, for the server's log; its
    /// `Display` stays English (the words of the `error: …` replies).
    pub fn localized(&self) -> String {
        match self {
            ServeError::Frame { error, hint } => match hint {
                Some(h) => format!("{} ({})", error.localized(), h.localized()),
                None => error.localized(),
            },
            ServeError::OverBudget(e) => FrameError::OverBudget(e.clone()).localized(),
            other => other.to_string(),
        }
    }

    fn frame(codec: &LengthPrefix, error: FrameError) -> ServeError {
        ServeError::Frame {
            hint: codec.byte_order_hint(&error),
            error,
        }
    }
}

/// Lab 04's command server for one connection: read a command (a frame,
/// or the lesson's bare `recv(1024)`), run it, reply with a 4-byte header
/// and stdout + stderr in one write (seed 002 §1.2). Requests are read
/// with a [`FrameReader`], so a header that promises 64 MiB and sends
/// nothing makes the server allocate nothing. `idle` is how long a client
/// may stay silent, named in the error when one does.
///
/// A request in the wrong format (a bare `ls` to a framed server, a framed
/// request to `--compat lesson`, the other byte order) is recognised,
/// answered once with a reply saying so, and the connection closed: its
/// bytes cannot be trusted to mark the next request.
pub fn serve_commands(
    stream: TcpStream,
    codec: LengthPrefix,
    compat: Compat,
    runner: &RunnerConfig,
    idle: Option<Duration>,
) -> Result<(), ServeError> {
    serve_commands_within(
        stream,
        codec,
        compat,
        runner,
        idle,
        &MemoryBudget::unlimited(),
    )
}

/// [`serve_commands`] within a server's memory `budget`, shared with its
/// other connections: a request frame over 320 KiB reserves twice its
/// length before its body is read ([`FrameReader::with_budget`]), and each
/// command reserves twice `--max-output` for its output while it runs and
/// its reply is sent (the output, then the frame it is copied into). A
/// frame that finds no room is answered with one `error: …` line naming
/// its size and the budget, and the connection closed; a command that
/// finds none is answered the same way and the connection goes on.
pub fn serve_commands_within(
    stream: TcpStream,
    codec: LengthPrefix,
    compat: Compat,
    runner: &RunnerConfig,
    idle: Option<Duration>,
    budget: &std::sync::Arc<MemoryBudget>,
) -> Result<(), ServeError> {
    let _ = stream.set_nodelay(true);
    // Short reads, so a half-arrived request is looked at after STALL; the
    // idle timeout is then counted here, in steps.
    let step = idle.map_or(STALL, |t| t.min(STALL));
    let _ = stream.set_read_timeout(Some(step));
    let mut frames = FrameReader::new(stream, codec).with_budget(budget.clone());
    loop {
        let cmd = match compat {
            Compat::Ours => match next_request(&mut frames, idle, step) {
                Ok(Some(cmd)) => cmd,
                Ok(None) => return Ok(()),
                Err(Refusal::Frame(FrameError::OverBudget(e))) => {
                    let reply = format!("error: {e}\n");
                    let _ = codec.write_frame(frames.get_mut(), reply.as_bytes());
                    crate::kit::server::close_after_reply(frames.get_ref());
                    return Err(e.into());
                }
                Err(Refusal::Frame(e)) => {
                    let Some(w) = recognise_wrong_format(
                        frames.buffered(),
                        Expected::LengthHeader(codec),
                        When::Stuck,
                    ) else {
                        return Err(ServeError::frame(&codec, e));
                    };
                    return tell(&mut frames, &codec, Some(e.localized()), w);
                }
                Err(Refusal::Stalled(w)) => return tell(&mut frames, &codec, None, w),
            },
            Compat::Lesson => {
                let cmd = match bare_request(frames.get_ref(), idle) {
                    Ok(Some(cmd)) => cmd,
                    Ok(None) => return Ok(()),
                    Err(e) => return Err(ServeError::frame(&codec, e)),
                };
                if let Some(w) = recognise_wrong_format(&cmd, Expected::BareCommand, When::Whole) {
                    return tell(&mut frames, &codec, None, w);
                }
                cmd
            }
        };
        let room = budget.reserve(2 * runner.max_output as u64, || {
            let cmd = crate::kit::text::preview(&cmd, 40);
            crate::t!("lab04-output-of", cmd = cmd)
        });
        let _room = match room {
            Ok(r) => r,
            Err(e) => {
                let reply = format!("error: {e}\n");
                codec
                    .write_frame(frames.get_mut(), reply.as_bytes())
                    .map_err(|e| ServeError::frame(&codec, e))?;
                continue;
            }
        };
        let out = runner::run(&cmd, runner).combined();
        if let Some(e) = OwnReplyTooLarge::check(&cmd, out.len(), codec.max_frame) {
            codec
                .write_frame(frames.get_mut(), &e.reply())
                .map_err(|e| ServeError::frame(&codec, e))?;
            return Err(e.into());
        }
        codec
            .write_frame(frames.get_mut(), &out)
            .map_err(|e| ServeError::frame(&codec, e))?;
    }
}

/// Why [`next_request`] returned no request.
enum Refusal {
    Frame(FrameError),
    Stalled(WrongFormat),
}

/// The next framed request, counting read timeouts of `step` as silence:
/// `idle` of it in a row with nothing new is the idle error; bytes that sit
/// half a request for a `step` are asked whether they show a mistake.
fn next_request(
    frames: &mut FrameReader<TcpStream>,
    idle: Option<Duration>,
    step: Duration,
) -> Result<Option<Vec<u8>>, Refusal> {
    let (mut quiet, mut had) = (Duration::ZERO, frames.buffered().len());
    let codec = *frames.codec();
    loop {
        match frames.next_frame() {
            Err(FrameError::Io(e)) if crate::kit::sock::is_timeout(&e) => {
                let seen = frames.buffered();
                if seen.len() != had {
                    (quiet, had) = (Duration::ZERO, seen.len());
                }
                quiet += step;
                if let Some(w) =
                    recognise_wrong_format(seen, Expected::LengthHeader(codec), When::Stuck)
                {
                    return Err(Refusal::Stalled(w));
                }
                if idle.is_some_and(|t| quiet >= t) {
                    let e = crate::kit::server::idle_error(e, idle);
                    return Err(Refusal::Frame(e.into()));
                }
            }
            other => return other.map_err(Refusal::Frame),
        }
    }
}

/// The lesson's `recv(1024)` for a command, its read timeouts counted
/// against `idle` (the socket's timeout is one [`STALL`] step).
fn bare_request(stream: &TcpStream, idle: Option<Duration>) -> Result<Option<Vec<u8>>, FrameError> {
    let step = stream.read_timeout().ok().flatten().unwrap_or(STALL);
    let mut quiet = Duration::ZERO;
    loop {
        match recv_once(stream, LESSON_RECV) {
            Ok(c) => return Ok(Some(c).filter(|c| !c.is_empty())),
            Err(e) if crate::kit::sock::is_timeout(&e) => {
                quiet += step;
                if idle.is_some_and(|t| quiet >= t) {
                    return Err(crate::kit::server::idle_error(e, idle).into());
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Tells the client what its bytes look like, in a reply it can read (the
/// reply format is the same in both modes), and ends the connection with
/// the same words for the log.
fn tell(
    frames: &mut FrameReader<TcpStream>,
    codec: &LengthPrefix,
    refused: Option<String>,
    mistake: WrongFormat,
) -> Result<(), ServeError> {
    let _ = codec.write_frame(
        frames.get_mut(),
        mistake.reply_text(Side::Server).as_bytes(),
    );
    Err(WrongRequest { refused, mistake }.into())
}

/// Lab 04's client side of one command: send it (framed, or bare for the
/// lesson's servers), then read the reply frame.
pub fn ask<R: Read, W: Write + ?Sized>(
    frames: &mut FrameReader<R>,
    w: &mut W,
    compat: Compat,
    cmd: &[u8],
) -> Result<Vec<u8>, FrameError> {
    match compat {
        Compat::Ours => frames.codec().write_frame(w, cmd)?,
        Compat::Lesson => w.write_all(cmd)?,
    }
    w.flush()?;
    frames.next_frame()?.ok_or(FrameError::Closed)
}

// ───────────────── the demo's exchanges, run and recorded ─────────────────

/// A quiet command server on an ephemeral loopback port, speaking `compat`
/// with built-in commands; its connections' errors are kept for the story.
pub fn demo_server(codec: LengthPrefix, compat: Compat) -> io::Result<(Background, KeptErrors)> {
    let runner = RunnerConfig::default();
    background(move |s| serve_commands(s, codec, compat, &runner, Some(Duration::from_secs(30))))
}

/// What every stage of the demo shares: the lesson's header format, our
/// command server, and a server reading the lesson's bare commands — the
/// one the chaos stages ask through a proxy, as the lesson's client would.
pub struct Lab {
    /// `struct.pack('i', n)`: this machine's byte order, the default limit.
    pub codec: LengthPrefix,
    /// Our server: the command is framed too.
    pub ours: Background,
    /// A server speaking the lesson's wire format (bare commands).
    pub lesson: Background,
}

impl Lab {
    /// Starts both servers on ephemeral loopback ports; they stop when the
    /// demo drops the `Lab`.
    pub fn start() -> io::Result<Lab> {
        let codec = LengthPrefix::lesson();
        let (ours, _errors) = demo_server(codec, Compat::Ours)?;
        let (lesson, _errors) = demo_server(codec, Compat::Lesson)?;
        Ok(Lab {
            codec,
            ours,
            lesson,
        })
    }
}

/// What our server replies to `cmd`: its stdout and stderr.
pub fn expected(cmd: &str) -> Vec<u8> {
    runner::run(cmd.as_bytes(), &RunnerConfig::default()).combined()
}

/// One command asked of our server on loopback (stage 1).
#[derive(Clone, Debug)]
pub struct Asked {
    /// The command.
    pub cmd: &'static str,
    /// The header its reply carries.
    pub header: [u8; 4],
    /// The length the header announces: what the command prints.
    pub len: usize,
    /// Bytes the client received.
    pub got: usize,
    /// Whether they were exactly what the command prints.
    pub intact: bool,
}

/// Stage 1: asks each of `cmds` on one connection to `server`, framed, and
/// compares every reply with what the command prints.
pub fn ask_each(
    server: SocketAddr,
    codec: LengthPrefix,
    cmds: &[&'static str],
) -> Result<Vec<Asked>, FrameError> {
    let s = demo_connect(server)?;
    let mut w = s.try_clone()?;
    let mut frames = FrameReader::new(s, codec);
    let mut asked = Vec::new();
    for &cmd in cmds {
        let got = ask(&mut frames, &mut w, Compat::Ours, cmd.as_bytes())?;
        let want = expected(cmd);
        asked.push(Asked {
            cmd,
            header: codec.pack(want.len())?,
            len: want.len(),
            got: got.len(),
            intact: got == want,
        });
    }
    Ok(asked)
}

/// Stage 2: two commands asked through the same cuts, read by the lesson's
/// client and by the fix.
#[derive(Clone, Debug)]
pub struct ChaosRun {
    /// [`lesson_recv`] of the first reply: its one `recv(n)` came up short.
    pub short: StructReply,
    /// [`lesson_recv`] of the next reply: a "header" read from the leftover body.
    pub next: StructReply,
    /// [`fixed_recv`] of the first reply.
    pub fixed: StructReply,
    /// The size of each read `fixed_recv` made for it, header first.
    pub fixed_reads: Vec<usize>,
    /// [`fixed_recv`] of the next reply.
    pub fixed_next: StructReply,
}

/// Asks `cmd` then `next`, bare, through a chaos proxy with `cfg` (its
/// upstream a lesson-mode server): once with [`lesson_recv`], once, on a new
/// connection through the same cuts, with [`fixed_recv`].
pub fn under_chaos(
    cfg: &ProxyConfig,
    codec: &LengthPrefix,
    cmd: &str,
    next: &str,
) -> Result<ChaosRun, FrameError> {
    let (proxy, mut conn) = through(cfg)?;
    conn.write_all(cmd.as_bytes())?;
    let short = lesson_recv(&conn, codec)?;
    // Give the rest of the reply time to arrive, as a person typing would.
    std::thread::sleep(Duration::from_millis(300));
    conn.write_all(next.as_bytes())?;
    let next_reply = lesson_recv(&conn, codec)?;
    drop((conn, proxy));
    let (proxy, mut conn) = through(cfg)?;
    let mut reads = RecordingReader::new(conn.try_clone()?);
    conn.write_all(cmd.as_bytes())?;
    let fixed = fixed_recv(&mut reads, codec)?;
    let fixed_reads = reads.take_chunks().iter().map(|c| c.len()).collect();
    conn.write_all(next.as_bytes())?;
    let fixed_next = fixed_recv(&mut reads, codec)?;
    drop((conn, proxy));
    Ok(ChaosRun {
        short,
        next: next_reply,
        fixed,
        fixed_reads,
        fixed_next,
    })
}

/// Stage 3: one reply header, unpacked in both byte orders.
#[derive(Debug)]
pub struct SwappedHeader {
    /// The 4 bytes as they arrived.
    pub header: [u8; 4],
    /// What the server meant, in its own byte order.
    pub meant: usize,
    /// The same bytes as a big-endian (`'!I'`) number.
    pub read_big: u32,
    /// Why a big-endian client refuses them, if it does.
    pub refused: Option<FrameError>,
    /// The refusal's hint that the byte orders may differ.
    pub hint: Option<ByteOrderHint>,
}

/// Asks our server (speaking `codec`) for `ls` and unpacks the reply's
/// header both ways.
pub fn swapped_header(
    server: SocketAddr,
    codec: LengthPrefix,
) -> Result<SwappedHeader, FrameError> {
    let mut s = demo_connect(server)?;
    codec.write_frame(&mut s, b"ls")?;
    s.flush()?;
    let raw = recv_exact(&mut s, LengthPrefix::LEN, "header")?;
    let header = raw.first_chunk::<4>().copied().unwrap_or_default();
    let be = LengthPrefix::network();
    let refused = be.unpack(header).err();
    Ok(SwappedHeader {
        header,
        meant: codec.unpack(header)?,
        read_big: u32::from_be_bytes(header),
        hint: refused.as_ref().and_then(|e| be.byte_order_hint(e)),
        refused,
    })
}

/// Stage 4: one length packed in one struct format.
#[derive(Debug)]
pub struct Packed {
    /// The length to describe.
    pub len: usize,
    /// The struct format, as Python writes it: `'i'` or `'!I'`.
    pub format: &'static str,
    /// The header, or why the format cannot describe the length.
    pub header: Result<[u8; 4], FrameError>,
}

/// What the `'i'` and `'!I'` formats can describe, encoding only (nothing
/// of that size is allocated): 2^31 − 1 and 2^31 as `'i'`, 2^31 as `'!I'`.
pub fn struct_limits() -> [Packed; 3] {
    let signed = LengthPrefix::lesson().with_max_frame(usize::MAX);
    let unsigned = LengthPrefix::network().with_max_frame(usize::MAX);
    let (top, over) = ((1usize << 31) - 1, 1usize << 31);
    let packed = |len, format, codec: LengthPrefix| Packed {
        len,
        format,
        header: codec.pack(len),
    };
    [
        packed(top, "'i'", signed),
        packed(over, "'i'", signed),
        packed(over, "'!I'", unsigned),
    ]
}

/// Stage 5: a header alone that announces too much, on each side.
#[derive(Debug)]
pub struct FrameLimitRun {
    /// The error the server's connection ended with.
    pub server_error: String,
    /// Whether the server closed that connection (without a reply).
    pub closed: bool,
    /// How long it took to close it.
    pub took: Duration,
    /// The next client's `ls`, served as usual.
    pub next_reply: Vec<u8>,
    /// A client with a smaller limit asking for `bytes 100000`.
    pub client_side: Result<Vec<u8>, FrameError>,
}

/// Sends only the header `claim` to a fresh server speaking `codec`, then
/// asks it for `ls`, then asks for `bytes 100000` with a client limited to
/// `client_max` bytes.
pub fn frame_limit(
    codec: LengthPrefix,
    claim: [u8; 4],
    client_max: usize,
) -> Result<FrameLimitRun, FrameError> {
    let (guarded, errors) = demo_server(codec, Compat::Ours)?;
    let mut hostile = demo_connect(guarded.addr())?;
    let t0 = Instant::now();
    hostile.write_all(&claim)?;
    let closed = recv_once(&hostile, 16)
        .map(|b| b.is_empty())
        .unwrap_or(true);
    let took = t0.elapsed();
    std::thread::sleep(Duration::from_millis(50));
    let ask_fresh = |codec: LengthPrefix, cmd: &[u8]| -> Result<Vec<u8>, FrameError> {
        let s = demo_connect(guarded.addr())?;
        let mut w = s.try_clone()?;
        ask(&mut FrameReader::new(s, codec), &mut w, Compat::Ours, cmd)
    };
    Ok(FrameLimitRun {
        server_error: errors.last(),
        closed,
        took,
        next_reply: ask_fresh(codec, b"ls")?,
        client_side: ask_fresh(codec.with_max_frame(client_max), b"bytes 100000"),
    })
}

/// A peer that answers every connection with `wire` in one write and
/// closes: two replies back to back, or a reply cut off by a close.
fn replies_then_close(wire: Vec<u8>) -> io::Result<Background> {
    let (peer, _errors) = background(move |mut s: TcpStream| s.write_all(&wire))?;
    Ok(peer)
}

/// Stage 6: seed 002 §1.2's body loop against two replies that are both
/// already in the client's receive queue.
#[derive(Debug)]
pub struct PipelinedRun {
    /// The first reply's `total_size`.
    pub total_size: usize,
    /// [`lesson_body_loop`] on the first reply.
    pub lesson: BodyLoop,
    /// What the lesson's next `recv(4)` then read as the second header.
    pub lesson_next: StructReply,
    /// [`fixed_body_loop`]'s first body, then [`fixed_recv`] of the second reply.
    pub fixed: Vec<u8>,
    /// The second reply as the fix read it.
    pub fixed_next: StructReply,
    /// The two bodies sent.
    pub sent: [Vec<u8>; 2],
}

/// Sends the replies to `first` and `second` back to back in one write (as
/// a server answering two pipelined commands does) and reads them with the
/// lesson's loop, then, on a new connection, with the fix.
pub fn pipelined(
    codec: LengthPrefix,
    first: &str,
    second: &str,
) -> Result<PipelinedRun, FrameError> {
    let sent = [expected(first), expected(second)];
    let mut wire = Vec::new();
    for body in &sent {
        codec.write_frame(&mut wire, body)?;
    }
    let peer = replies_then_close(wire)?;
    // One write of a few KiB on loopback arrives as one piece: when the
    // header is in, both replies are queued.
    let read = |s: &TcpStream| -> Result<usize, FrameError> {
        let header = recv_exact(&mut &*s, LengthPrefix::LEN, "header")?;
        let h = header.first_chunk::<4>().copied().unwrap_or_default();
        codec.unpack(h)
    };
    let s = demo_connect(peer.addr())?;
    let total_size = read(&s)?;
    let lesson = lesson_body_loop(&s, total_size, Instant::now() + Duration::from_secs(5));
    let lesson_next = lesson_recv(&s, &codec)?;
    let s = demo_connect(peer.addr())?;
    let _ = read(&s)?;
    let fixed = fixed_body_loop(&s, total_size)?;
    let fixed_next = fixed_recv(&mut &s, &codec)?;
    Ok(PipelinedRun {
        total_size,
        lesson,
        lesson_next,
        fixed,
        fixed_next,
        sent,
    })
}

/// Stage 7: a reply whose server dies mid-body.
#[derive(Debug)]
pub struct ClosedMidBody {
    /// What the header announced.
    pub total_size: usize,
    /// How many body bytes the server sent before it closed.
    pub sent: usize,
    /// How long the lesson's loop was given.
    pub window: Duration,
    /// [`lesson_body_loop`] for that long.
    pub lesson: BodyLoop,
    /// [`fixed_body_loop`]: the error that names the missing bytes.
    pub fixed: Result<Vec<u8>, FrameError>,
}

/// A server that announces `total_size` bytes, sends `sent` of them and
/// closes; the lesson's loop runs for `window`, then the fix reads the same.
pub fn closed_mid_body(
    codec: LengthPrefix,
    total_size: usize,
    sent: usize,
    window: Duration,
) -> Result<ClosedMidBody, FrameError> {
    let peer = replies_then_close(cut_reply(codec, total_size, sent)?)?;
    let s = demo_connect(peer.addr())?;
    let _ = recv_exact(&mut &s, LengthPrefix::LEN, "header")?;
    let lesson = lesson_body_loop(&s, total_size, Instant::now() + window);
    let s = demo_connect(peer.addr())?;
    let _ = recv_exact(&mut &s, LengthPrefix::LEN, "header")?;
    let fixed = fixed_body_loop(&s, total_size);
    Ok(ClosedMidBody {
        total_size,
        sent,
        window,
        lesson,
        fixed,
    })
}

/// The header for `total_size` bytes and only the first `sent` of them.
fn cut_reply(codec: LengthPrefix, total_size: usize, sent: usize) -> Result<Vec<u8>, FrameError> {
    let mut wire = codec.pack(total_size)?.to_vec();
    wire.extend((0..sent).map(|i| b'a' + (i % 26) as u8));
    Ok(wire)
}

/// The client reading one reply with `MSG_WAITALL`: one `recv(4,
/// MSG_WAITALL)`, one `recv(n, MSG_WAITALL)` — a read-exact per call, whose
/// count must still be checked ([`recv_waitall`](crate::kit::sock::recv_waitall)).
pub fn waitall_recv(stream: &TcpStream, codec: &LengthPrefix) -> Result<StructReply, FrameError> {
    let mut header = vec![0u8; LengthPrefix::LEN];
    let got = crate::kit::sock::recv_waitall(stream, &mut header)?;
    header.truncate(got);
    let mut reply = StructReply::unpack(header, codec);
    if let Ok(n) = reply.claimed {
        let mut body = vec![0u8; n];
        let got = crate::kit::sock::recv_waitall(stream, &mut body)?;
        body.truncate(got);
        reply.body_reads.push(body);
    }
    Ok(reply)
}

/// Stage 8: `MSG_WAITALL` through the cuts that made one `recv(n)` short,
/// and against a server that closes mid-body.
#[derive(Debug)]
pub struct WaitallRun {
    /// [`lesson_recv`] through the cuts: one `recv(n)`, short.
    pub one_recv: StructReply,
    /// [`waitall_recv`] through the same cuts.
    pub waitall: StructReply,
    /// [`waitall_recv`] of a reply cut off by a close: short.
    pub on_close: StructReply,
    /// What that close's reply announced and sent.
    pub close_sizes: (usize, usize),
}

/// Asks `cmd` through a chaos proxy with `cfg` (upstream a lesson-mode
/// server) with one `recv(n)`, then with `MSG_WAITALL`; then reads a reply
/// of `total_size` cut off after `sent` bytes with `MSG_WAITALL`.
pub fn waitall(
    cfg: &ProxyConfig,
    codec: &LengthPrefix,
    cmd: &str,
    (total_size, sent): (usize, usize),
) -> Result<WaitallRun, FrameError> {
    let ask = |read: &dyn Fn(&TcpStream) -> Result<StructReply, FrameError>| {
        let (proxy, mut conn) = through(cfg)?;
        conn.write_all(cmd.as_bytes())?;
        let reply = read(&conn);
        drop((conn, proxy));
        reply
    };
    let one_recv = ask(&|s| lesson_recv(s, codec))?;
    let waitall = ask(&|s| waitall_recv(s, codec))?;
    let peer = replies_then_close(cut_reply(*codec, total_size, sent)?)?;
    let on_close = waitall_recv(&demo_connect(peer.addr())?, codec)?;
    Ok(WaitallRun {
        one_recv,
        waitall,
        on_close,
        close_sizes: (total_size, sent),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn framed(body: &[u8]) -> Vec<u8> {
        let mut wire = Vec::new();
        LengthPrefix::lesson().write_frame(&mut wire, body).unwrap();
        wire
    }

    #[test]
    fn the_fix_reads_a_reply_cut_into_single_bytes() {
        let wire = framed(b"hello, world");
        let plan = crate::kit::chaos::ChaosPlan::new(3, 1);
        let mut r = crate::kit::chaos::ChaosReader::new(Cursor::new(wire), plan);
        let reply = fixed_recv(&mut r, &LengthPrefix::lesson()).unwrap();
        assert_eq!(reply.claimed, Ok(12));
        assert_eq!(reply.body(), b"hello, world");
    }

    #[test]
    fn text_read_as_a_header_claims_an_absurd_length_that_is_refused() {
        let mut r = Cursor::new(b"t.rs\nmain.rs\n".to_vec());
        let reply = fixed_recv(&mut r, &LengthPrefix::lesson()).unwrap();
        assert!(reply.claimed.is_err(), "{:?}", reply.claimed);
        assert!(reply.body_reads.is_empty());
    }

    #[test]
    fn a_short_header_is_pythons_struct_error() {
        let reply = StructReply::unpack(b"ab".to_vec(), &LengthPrefix::lesson());
        let e = reply.claimed.unwrap_err();
        assert!(e.starts_with("struct.error"), "{e}");
    }
}
