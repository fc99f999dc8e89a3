//! Nagle's algorithm and delayed ACK, measured with the kernel's own counters (lab 02).
//!
//! Seeds 003 and 004 say the *sender* merges small writes ("the Nagle
//! algorithm combines data with small intervals into a large block") but
//! prove nothing. This module proves it on the real kernel:
//!
//! * **Coalescing** ([`send_burst`]): many small `write()`s in a tight loop.
//!   Linux's `TCP_INFO` counts the data segments the sender really put on
//!   the wire (`tcpi_data_segs_out`); the receiver counts its `recv()` calls.
//!   With Nagle on, a small segment waits while an earlier one is unacked, so
//!   the writes behind it ride along together. With `TCP_NODELAY` each write
//!   may leave at once — but Linux *autocorking* still merges writes that
//!   arrive while the previous packet sits in the device queue.
//! * **The stall** ([`run_stall`]): write a 4-byte header, write a 16-byte
//!   body, wait for a 2-byte reply. Nagle holds the body until the header is
//!   ACKed; the receiver holds that ACK (delayed ACK, at least 40 ms on
//!   Linux) hoping to piggyback it on a reply it cannot send before the body
//!   arrives. Each side waits for the other until the ACK timer fires.
//!   Writing the whole message in one call removes the stall without touching
//!   `TCP_NODELAY`.
//!
//! The lesson's code and its fix are the two functions right below:
//! [`lesson_send`] writes a message as a header and a body, two small
//! `write()`s (write-write-read: the stall), and [`send_whole`] writes the
//! whole message in one call (no stall, with Nagle still on).
//!
//! The wire protocol is small so students can read it: the client sends a
//! 6-byte hello (`burst\n` or `stall\n`) and waits for `go\n`, so the
//! counters start from a quiet, fully acknowledged connection. (`quiet\n`
//! is a burst whose receiver does not answer: having sent nothing, its
//! kernel still ACKs every segment at once, and Nagle releases more often.) A burst ends
//! with the client's shutdown; the server answers with one JSON line
//! ([`ReceiverSummary`]). A stall round is one lesson frame
//! (`struct.pack('i', 16)` + 16 bytes) answered by `ok`.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::framing::{recv_exact, FrameError, LengthPrefix};
use crate::kit::record::{Chunk, Clock, RecordingReader, RecordingWriter};
use crate::kit::server::{Background, ServeOptions};
use crate::kit::sock::{self, SockOpts};

// ──────────────── the lesson's send, and one write per message ────────────────

/// The lesson's send (seed 002 §1.2's client: `send(header)`, then
/// `send(body)`): two small writes per message, then the caller waits for
/// the reply. With Nagle on, the body may not leave while the header is
/// unacknowledged, and the receiver delays that ACK (40 ms) hoping to
/// piggyback it on a reply it cannot send before the body arrives.
pub fn lesson_send(stream: &mut impl Write, header: &[u8], body: &[u8]) -> io::Result<()> {
    stream.write_all(header)?;
    stream.write_all(body)
}

/// The fix: build the whole message first and write it in ONE call (one
/// buffer, or a `BufWriter` flushed once per message). Nothing small is
/// left behind an unacknowledged segment, so Nagle never holds it and
/// `TCP_NODELAY` is not needed.
pub fn send_whole(stream: &mut impl Write, header: &[u8], body: &[u8]) -> io::Result<()> {
    let mut message = Vec::with_capacity(header.len() + body.len());
    message.extend_from_slice(header);
    message.extend_from_slice(body);
    stream.write_all(&message)
}

/// Sends one message: [`lesson_send`] or [`send_whole`].
pub type SendMessage = fn(&mut TcpStream, &[u8], &[u8]) -> io::Result<()>;

/// Where Linux keeps the autocorking switch (1 = on, the default).
pub const AUTOCORKING_SYSCTL: &str = "/proc/sys/net/ipv4/tcp_autocorking";

/// The hello that starts a burst (coalescing) conversation.
pub const HELLO_BURST: &[u8; 6] = b"burst\n";
/// A burst to a receiver that stays quiet: no `go`, so having sent nothing
/// it is still in quick-ACK mode and acknowledges every segment at once.
pub const HELLO_QUIET: &[u8; 6] = b"quiet\n";
/// The hello that starts a write-write-read (stall) conversation.
pub const HELLO_STALL: &[u8; 6] = b"stall\n";
/// The server's answer to a hello.
pub const GO: &[u8; 3] = b"go\n";
/// The server's answer to each stall frame.
pub const REPLY: &[u8; 2] = b"ok";
/// The most receive sizes a summary lists (the count is always exact).
pub const MAX_LISTED_SIZES: usize = 2000;
/// The most bytes a server keeps of the `recv()` calls it records.
pub const MAX_RECORDED_BYTES: u64 = 16 << 20;
/// The largest stall frame body the server accepts.
pub const MAX_STALL_BODY: usize = 64 << 10;
/// The longest summary line a client reads back.
const MAX_SUMMARY: u64 = 1 << 20;

/// What went wrong in a lab 02 conversation.
#[derive(Debug, Error)]
pub enum NagleError {
    /// The peer's first 6 bytes were not a known hello.
    #[error("unknown hello {0:?}: expected \"burst\\n\" or \"stall\\n\"")]
    BadHello(String),
    /// The peer answered something other than what the protocol says.
    #[error("expected {expected:?} from the server, got {got:?}")]
    Unexpected {
        /// What should have come.
        expected: String,
        /// What came.
        got: String,
    },
    /// The server's summary line was not valid JSON.
    #[error("the server's summary is not valid: {0}")]
    BadSummary(String),
    /// The kernel's `TCP_INFO` answer was too short to hold the counter.
    #[error("TCP_INFO returned {got} bytes, too few to hold tcpi_data_segs_out (needs {need})")]
    ShortTcpInfo {
        /// Bytes the kernel filled in.
        got: usize,
        /// Bytes needed up to and including the field.
        need: usize,
    },
    /// Reading a frame failed.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The socket failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

// ---------------------------------------------------------------------------
// The kernel's counters
// ---------------------------------------------------------------------------

/// The few `TCP_INFO` fields this lab reads, straight from the kernel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcpCounters {
    /// Segments sent that carried data (`tcpi_data_segs_out`).
    pub data_segs_out: u32,
    /// Segments received that carried data (`tcpi_data_segs_in`).
    pub data_segs_in: u32,
    /// All segments sent, pure ACKs included (`tcpi_segs_out`).
    pub segs_out: u32,
    /// Largest segment payload this side sends (`tcpi_snd_mss`).
    pub snd_mss: u32,
    /// Segments sent and not yet acknowledged (`tcpi_unacked`).
    pub unacked: u32,
    /// Delayed-ACK timeout in microseconds (`tcpi_ato`).
    pub ato_us: u32,
    /// Smoothed round-trip time in microseconds (`tcpi_rtt`).
    pub rtt_us: u32,
}

impl TcpCounters {
    /// Data segments sent between `before` and `self`.
    pub fn data_out_since(&self, before: &TcpCounters) -> u32 {
        self.data_segs_out.wrapping_sub(before.data_segs_out)
    }

    /// Data segments received between `before` and `self`.
    pub fn data_in_since(&self, before: &TcpCounters) -> u32 {
        self.data_segs_in.wrapping_sub(before.data_segs_in)
    }
}

/// Reads the connection's `TCP_INFO` counters. `Ok(None)` on a platform
/// without them: the labs then fall back to what the receiver saw.
pub fn tcp_counters(stream: &TcpStream) -> Result<Option<TcpCounters>, NagleError> {
    #[cfg(target_os = "linux")]
    {
        linux::tcp_counters(stream).map(Some)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = stream;
        Ok(None)
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::mem::{offset_of, size_of};
    use std::os::fd::AsRawFd;

    use super::{NagleError, TcpCounters};

    /// The start of `struct tcp_info` from `linux/tcp.h`, up to
    /// `tcpi_data_segs_out` (added in Linux 4.6). Defined here rather than
    /// taken from libc because not every libc target declares the newer
    /// fields; the kernel copies `min(optlen, its size)` bytes, and the
    /// returned length says whether our last field was filled in.
    #[repr(C)]
    #[derive(Default)]
    pub(super) struct TcpInfoPrefix {
        pub tcpi_state: u8,
        pub tcpi_ca_state: u8,
        pub tcpi_retransmits: u8,
        pub tcpi_probes: u8,
        pub tcpi_backoff: u8,
        pub tcpi_options: u8,
        pub tcpi_wscale: u8,
        pub tcpi_flags: u8,
        pub tcpi_rto: u32,
        pub tcpi_ato: u32,
        pub tcpi_snd_mss: u32,
        pub tcpi_rcv_mss: u32,
        pub tcpi_unacked: u32,
        pub tcpi_sacked: u32,
        pub tcpi_lost: u32,
        pub tcpi_retrans: u32,
        pub tcpi_fackets: u32,
        pub tcpi_last_data_sent: u32,
        pub tcpi_last_ack_sent: u32,
        pub tcpi_last_data_recv: u32,
        pub tcpi_last_ack_recv: u32,
        pub tcpi_pmtu: u32,
        pub tcpi_rcv_ssthresh: u32,
        pub tcpi_rtt: u32,
        pub tcpi_rttvar: u32,
        pub tcpi_snd_ssthresh: u32,
        pub tcpi_snd_cwnd: u32,
        pub tcpi_advmss: u32,
        pub tcpi_reordering: u32,
        pub tcpi_rcv_rtt: u32,
        pub tcpi_rcv_space: u32,
        pub tcpi_total_retrans: u32,
        pub tcpi_pacing_rate: u64,
        pub tcpi_max_pacing_rate: u64,
        pub tcpi_bytes_acked: u64,
        pub tcpi_bytes_received: u64,
        pub tcpi_segs_out: u32,
        pub tcpi_segs_in: u32,
        pub tcpi_notsent_bytes: u32,
        pub tcpi_min_rtt: u32,
        pub tcpi_data_segs_in: u32,
        pub tcpi_data_segs_out: u32,
    }

    /// Bytes the kernel must fill for `tcpi_data_segs_out` to be real.
    pub(super) const NEEDED: usize = offset_of!(TcpInfoPrefix, tcpi_data_segs_out) + 4;

    pub(super) fn tcp_counters(stream: &std::net::TcpStream) -> Result<TcpCounters, NagleError> {
        let mut info = TcpInfoPrefix::default();
        let mut len = size_of::<TcpInfoPrefix>() as libc::socklen_t;
        // SAFETY: `info` is a plain-old-data struct of `len` bytes that the
        // kernel fills (possibly partly); `len` tells us how much it wrote.
        let rc = unsafe {
            libc::getsockopt(
                stream.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_INFO,
                (&mut info as *mut TcpInfoPrefix).cast(),
                &mut len,
            )
        };
        if rc != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        if (len as usize) < NEEDED {
            return Err(NagleError::ShortTcpInfo {
                got: len as usize,
                need: NEEDED,
            });
        }
        Ok(TcpCounters {
            data_segs_out: info.tcpi_data_segs_out,
            data_segs_in: info.tcpi_data_segs_in,
            segs_out: info.tcpi_segs_out,
            snd_mss: info.tcpi_snd_mss,
            unacked: info.tcpi_unacked,
            ato_us: info.tcpi_ato,
            rtt_us: info.tcpi_rtt,
        })
    }
}

/// Linux's autocorking switch: `Some(true)` when on, `None` when it cannot
/// be read (not Linux, or no /proc).
pub fn autocorking() -> Option<bool> {
    let s = std::fs::read_to_string(AUTOCORKING_SYSCTL).ok()?;
    Some(s.trim() != "0")
}

// ---------------------------------------------------------------------------
// The receiving side
// ---------------------------------------------------------------------------

/// How the lab's server receives.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// `TCP_NODELAY` on the server's own writes (its replies).
    pub nodelay: bool,
    /// Buffer size of each `recv()` in a burst.
    pub bufsize: usize,
    /// Sleep this long before the first `recv()` of a burst (a slow reader).
    pub read_delay: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            nodelay: false,
            bufsize: 65536,
            read_delay: Duration::ZERO,
        }
    }
}

/// What the receiver of a burst saw: sent back to the client as one JSON line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiverSummary {
    /// Bytes received.
    pub bytes: u64,
    /// `recv()` calls that returned data.
    pub recv_calls: usize,
    /// The size each call returned (the first [`MAX_LISTED_SIZES`]).
    pub sizes: Vec<usize>,
    /// Data segments the receiver's kernel counted (`tcpi_data_segs_in`), when known.
    pub data_segs_in: Option<u32>,
    /// How long the receiver slept before reading, in milliseconds.
    pub read_delay_ms: u64,
}

/// One finished conversation, as the server saw it.
#[derive(Clone, Debug)]
pub enum Served {
    /// A burst: the summary sent back, and every `recv()` with its time.
    Burst {
        /// What was sent back.
        summary: ReceiverSummary,
        /// Each `recv()` call.
        chunks: Vec<Chunk>,
    },
    /// A stall conversation: frames answered, and the server's counters at the end.
    Stall {
        /// Frames answered with `ok`.
        rounds: usize,
        /// The server's `TCP_INFO` at the end (its `ato_us` is the delayed-ACK timer).
        counters: Option<TcpCounters>,
    },
}

/// Serves one connection: reads the hello, then receives a burst or answers
/// stall frames. `clock` puts the receiver's calls on the sender's time axis.
pub fn serve_connection(
    stream: TcpStream,
    cfg: &ServerConfig,
    clock: Clock,
) -> Result<Served, NagleError> {
    sock::set_nodelay(&stream, cfg.nodelay)?;
    let mut stream = stream;
    let hello = recv_exact(&mut stream, 6, "hello")?;
    if hello.as_slice() == HELLO_BURST {
        stream.write_all(GO)?;
        receive_burst(stream, cfg, clock)
    } else if hello.as_slice() == HELLO_QUIET {
        receive_burst(stream, cfg, clock)
    } else if hello.as_slice() == HELLO_STALL {
        stream.write_all(GO)?;
        answer_stall(stream)
    } else {
        Err(NagleError::BadHello(crate::kit::text::preview(&hello, 40)))
    }
}

fn receive_burst(
    stream: TcpStream,
    cfg: &ServerConfig,
    clock: Clock,
) -> Result<Served, NagleError> {
    if !cfg.read_delay.is_zero() {
        std::thread::sleep(cfg.read_delay);
    }
    let mut reader = RecordingReader::with_clock(stream, clock);
    let bufsize = cfg.bufsize.clamp(1, sock::RECV_ALLOC_LIMIT);
    let mut buf = vec![0u8; bufsize];
    let (mut bytes, mut calls, mut sizes) = (0u64, 0usize, Vec::new());
    loop {
        // One read() is one recv() system call on a TcpStream. Only the
        // first calls are recorded with their bytes: a client may stream
        // for as long as it likes without growing the server's memory.
        let n = if reader.chunks().len() < MAX_LISTED_SIZES && bytes < MAX_RECORDED_BYTES {
            reader.read(&mut buf)?
        } else {
            reader.get_mut().read(&mut buf)?
        };
        if n == 0 {
            break;
        }
        bytes += n as u64;
        calls += 1;
        if sizes.len() < MAX_LISTED_SIZES {
            sizes.push(n);
        }
    }
    let (mut stream, chunks) = reader.into_parts();
    let after = tcp_counters(&stream).ok().flatten();
    let summary = ReceiverSummary {
        bytes,
        recv_calls: calls,
        sizes,
        // The client sends nothing after its hello until the hello is
        // acknowledged, so the hello had a segment of its own: the rest is the burst.
        data_segs_in: after.map(|a| a.data_segs_in.saturating_sub(1)),
        read_delay_ms: cfg.read_delay.as_millis() as u64,
    };
    let mut line =
        serde_json::to_vec(&summary).map_err(|e| NagleError::BadSummary(e.to_string()))?;
    line.push(b'\n');
    stream.write_all(&line)?;
    let _ = stream.shutdown(Shutdown::Write);
    Ok(Served::Burst { summary, chunks })
}

fn answer_stall(mut stream: TcpStream) -> Result<Served, NagleError> {
    let codec = LengthPrefix::lesson().with_max_frame(MAX_STALL_BODY);
    let mut rounds = 0;
    loop {
        match codec.read_frame(&mut stream) {
            Ok(_) => {
                stream.write_all(REPLY)?;
                rounds += 1;
            }
            Err(FrameError::Closed) => break,
            Err(e) => return Err(e.into()),
        }
    }
    let counters = tcp_counters(&stream).ok().flatten();
    Ok(Served::Stall { rounds, counters })
}

/// The lab's server on a loopback port in the background, handing each
/// finished conversation back to the demo.
pub struct LocalServer {
    server: Background,
    results: mpsc::Receiver<Result<Served, String>>,
}

impl LocalServer {
    /// Starts on 127.0.0.1 and an ephemeral port.
    pub fn start(cfg: ServerConfig, clock: Clock) -> io::Result<LocalServer> {
        let (tx, results) = mpsc::channel();
        let opts = ServeOptions {
            max_conns: 8,
            idle_timeout: Some(Duration::from_secs(30)),
            log: false,
        };
        let server = Background::start(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            opts,
            move |stream, _peer| -> Result<(), NagleError> {
                let r = serve_connection(stream, &cfg, clock).map_err(|e| e.to_string());
                let _ = tx.send(r);
                Ok(())
            },
        )?;
        Ok(LocalServer { server, results })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The next finished conversation (waits at most 30 s).
    pub fn next_served(&self) -> Result<Served, NagleError> {
        match self.results.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(s)) => Ok(s),
            Ok(Err(e)) => Err(io::Error::other(format!("server: {e}")).into()),
            Err(_) => {
                Err(io::Error::new(io::ErrorKind::TimedOut, "the server never finished").into())
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The sending side: a burst of small writes
// ---------------------------------------------------------------------------

/// A burst of small writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BurstConfig {
    /// How many `write()` calls.
    pub writes: usize,
    /// Bytes per write.
    pub size: usize,
    /// Pause between writes (zero: a tight loop).
    #[serde(serialize_with = "micros")]
    pub gap: Duration,
    /// `TCP_NODELAY` on the sender: `true` switches Nagle off.
    pub nodelay: bool,
    /// Ask the receiver not to answer the hello, so it stays in quick-ACK
    /// mode; by default it answers `go` and, having just replied, delays its ACKs.
    pub quick_ack_receiver: bool,
}

fn micros<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_micros() as u64)
}

impl Default for BurstConfig {
    fn default() -> Self {
        BurstConfig {
            writes: 100,
            size: 10,
            gap: Duration::ZERO,
            nodelay: false,
            quick_ack_receiver: false,
        }
    }
}

/// What one burst showed, sender and receiver together.
#[derive(Clone, Debug, Serialize)]
pub struct BurstRun {
    /// What was sent.
    pub config: BurstConfig,
    /// Data segments the sender's kernel sent for the burst (`None` without `TCP_INFO`).
    pub data_segments: Option<u32>,
    /// The sender's counters after the burst.
    pub counters: Option<TcpCounters>,
    /// Why the counters are missing, if they are.
    pub counters_note: Option<String>,
    /// What the receiver saw.
    pub receiver: ReceiverSummary,
    /// Each write call with its time.
    #[serde(skip)]
    pub writes: Vec<Chunk>,
}

impl BurstRun {
    /// Time from the first write call to the last.
    pub fn write_loop(&self) -> Duration {
        match (self.writes.first(), self.writes.last()) {
            (Some(a), Some(b)) => b.at.saturating_sub(a.at),
            _ => Duration::ZERO,
        }
    }

    /// Total bytes written.
    pub fn bytes(&self) -> u64 {
        self.writes.iter().map(|c| c.len() as u64).sum()
    }
}

fn counters_or_note(stream: &TcpStream) -> (Option<TcpCounters>, Option<String>) {
    match tcp_counters(stream) {
        Ok(Some(c)) => (Some(c), None),
        Ok(None) => (
            None,
            Some("TCP_INFO is not available on this platform".into()),
        ),
        Err(e) => (None, Some(e.to_string())),
    }
}

/// A client connection with Nagle on or off, bounded waits both ways.
fn connect(addr: SocketAddr, nodelay: bool) -> Result<TcpStream, NagleError> {
    let stream = sock::connect_with(
        addr,
        &SockOpts::nodelay(nodelay),
        Some(Duration::from_secs(10)),
    )?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    Ok(stream)
}

/// Connects to a lab 02 server and hands it the hello; returns once the
/// server's `go` has arrived, so the connection is quiet and acknowledged.
fn open(addr: SocketAddr, nodelay: bool, hello: &[u8; 6]) -> Result<TcpStream, NagleError> {
    let mut stream = connect(addr, nodelay)?;
    stream.write_all(hello)?;
    let go = recv_exact(&mut stream, GO.len(), "go")?;
    if go.as_slice() != GO {
        return Err(NagleError::Unexpected {
            expected: "go\\n".into(),
            got: crate::kit::text::preview(&go, 40),
        });
    }
    Ok(stream)
}

/// Like [`open`] with the quiet hello: no `go` comes back, so wait until the
/// kernel says the hello was acknowledged before the burst starts.
fn open_quiet(addr: SocketAddr, nodelay: bool) -> Result<TcpStream, NagleError> {
    let mut stream = connect(addr, nodelay)?;
    stream.write_all(HELLO_QUIET)?;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match tcp_counters(&stream)? {
            Some(c) if c.unacked == 0 => break,
            Some(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_micros(50)),
            Some(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the hello was never acknowledged",
                )
                .into())
            }
            // No counters: give the ACK ample time instead.
            None => {
                std::thread::sleep(Duration::from_millis(20));
                break;
            }
        }
    }
    Ok(stream)
}

/// The bytes of write number `i`: one letter repeated, so each write is
/// recognisable in a capture.
pub fn payload(i: usize, size: usize) -> Vec<u8> {
    vec![b'a' + (i % 26) as u8; size]
}

/// Sends a burst to a lab 02 server at `addr` and collects both sides' view.
pub fn send_burst(
    addr: SocketAddr,
    cfg: &BurstConfig,
    clock: Clock,
) -> Result<BurstRun, NagleError> {
    let stream = if cfg.quick_ack_receiver {
        open_quiet(addr, cfg.nodelay)?
    } else {
        open(addr, cfg.nodelay, HELLO_BURST)?
    };
    let (before, _) = counters_or_note(&stream);
    let mut w = RecordingWriter::with_clock(stream, clock);
    for i in 0..cfg.writes {
        w.send(&payload(i, cfg.size))?;
        if !cfg.gap.is_zero() {
            spin_sleep(cfg.gap);
        }
    }
    let (stream, writes) = w.into_parts();
    stream.shutdown(Shutdown::Write)?;
    let mut line = Vec::new();
    (&stream).take(MAX_SUMMARY).read_to_end(&mut line)?;
    let receiver: ReceiverSummary = serde_json::from_slice(line.trim_ascii_end()).map_err(|e| {
        NagleError::BadSummary(format!("{e} in {}", crate::kit::text::preview(&line, 60)))
    })?;
    // The summary comes after the receiver read everything, so every
    // segment of the burst has been sent by now: the counter is final.
    let (after, note) = counters_or_note(&stream);
    let data_segments = before.zip(after).map(|(b, a)| a.data_out_since(&b));
    Ok(BurstRun {
        config: *cfg,
        data_segments,
        counters: after,
        counters_note: note,
        receiver,
        writes,
    })
}

/// Sleeps short gaps precisely: `thread::sleep` alone may oversleep a
/// 100 µs gap many times over on a busy machine.
fn spin_sleep(d: Duration) {
    let end = Instant::now() + d;
    if d > Duration::from_millis(2) {
        std::thread::sleep(d - Duration::from_millis(1));
    }
    while Instant::now() < end {
        std::hint::spin_loop();
    }
}

// ---------------------------------------------------------------------------
// The sending side: write-write-read
// ---------------------------------------------------------------------------

/// How a stall client writes each message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum MessageWrites {
    /// Header and body in two `write()` calls: the pattern that stalls.
    Split,
    /// The whole message in one `write()` (one buffer, or a flushed `BufWriter`).
    One,
}

impl MessageWrites {
    /// The function that sends a message this way.
    pub fn send(self) -> SendMessage {
        match self {
            MessageWrites::Split => lesson_send,
            MessageWrites::One => send_whole,
        }
    }
}

/// A write-write-read conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct StallConfig {
    /// Messages sent, each waiting for its reply.
    pub rounds: usize,
    /// Body bytes after the 4-byte header.
    pub body: usize,
    /// `TCP_NODELAY` on the sender.
    pub nodelay: bool,
    /// Two writes per message, or one: which of [`lesson_send`] and
    /// [`send_whole`] [`run_stall`] uses.
    pub writes: MessageWrites,
}

impl Default for StallConfig {
    fn default() -> Self {
        StallConfig {
            rounds: 20,
            body: 16,
            nodelay: false,
            writes: MessageWrites::Split,
        }
    }
}

/// What a write-write-read conversation measured.
#[derive(Clone, Debug, Serialize)]
pub struct StallRun {
    /// What was sent.
    pub config: StallConfig,
    /// Each round trip, in microseconds.
    pub rtts_us: Vec<u64>,
    /// Each round's start and end in milliseconds from the first write.
    pub spans_ms: Vec<(f64, f64)>,
    /// Data segments the sender's kernel sent (`None` without `TCP_INFO`).
    pub data_segments: Option<u32>,
}

impl StallRun {
    /// The median round trip.
    pub fn median(&self) -> Duration {
        let mut v = self.rtts_us.clone();
        v.sort_unstable();
        Duration::from_micros(v.get(v.len() / 2).copied().unwrap_or(0))
    }

    /// The slowest round trip.
    pub fn worst(&self) -> Duration {
        Duration::from_micros(self.rtts_us.iter().copied().max().unwrap_or(0))
    }

    /// The whole conversation, first write to last reply.
    pub fn total(&self) -> Duration {
        let ms = self.spans_ms.last().map(|s| s.1).unwrap_or(0.0);
        Duration::from_secs_f64(ms / 1e3)
    }
}

/// One stall message: the lesson's 4-byte header (`struct.pack('i', n)`)
/// and a body of `n` bytes.
pub fn stall_message(body_len: usize) -> Result<(Vec<u8>, Vec<u8>), NagleError> {
    let codec = LengthPrefix::lesson().with_max_frame(MAX_STALL_BODY);
    let header = codec.encode(body_len)?;
    Ok((header.to_vec(), vec![b'x'; body_len]))
}

/// Runs write-write-read rounds against a lab 02 server at `addr`, each
/// message sent by `cfg.writes`'s function ([`lesson_send`] or [`send_whole`]).
pub fn run_stall(addr: SocketAddr, cfg: &StallConfig) -> Result<StallRun, NagleError> {
    let send = cfg.writes.send();
    let mut stream = open(addr, cfg.nodelay, HELLO_STALL)?;
    let (before, _) = counters_or_note(&stream);
    let (head, body) = stall_message(cfg.body)?;
    let start = Instant::now();
    let mut rtts_us = Vec::with_capacity(cfg.rounds);
    let mut spans_ms = Vec::with_capacity(cfg.rounds);
    for _ in 0..cfg.rounds {
        let t0 = Instant::now();
        send(&mut stream, &head, &body)?;
        let reply = recv_exact(&mut stream, REPLY.len(), "reply")?;
        if reply.as_slice() != REPLY {
            return Err(NagleError::Unexpected {
                expected: "ok".into(),
                got: crate::kit::text::preview(&reply, 40),
            });
        }
        let t1 = Instant::now();
        rtts_us.push((t1 - t0).as_micros() as u64);
        spans_ms.push((
            (t0 - start).as_secs_f64() * 1e3,
            (t1 - start).as_secs_f64() * 1e3,
        ));
    }
    let (after, _) = counters_or_note(&stream);
    let _ = stream.shutdown(Shutdown::Write);
    Ok(StallRun {
        config: *cfg,
        rtts_us,
        spans_ms,
        data_segments: before.zip(after).map(|(b, a)| a.data_out_since(&b)),
    })
}

// ---------------------------------------------------------------------------
// Showing it
// ---------------------------------------------------------------------------

/// Receive sizes in a short form: runs become `10×4`, long lists end in `… (+N)`.
pub fn sizes_summary(sizes: &[usize], max_items: usize) -> String {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &s in sizes {
        match runs.last_mut() {
            Some((v, n)) if *v == s => *n += 1,
            _ => runs.push((s, 1)),
        }
    }
    let mut parts: Vec<String> = runs
        .iter()
        .take(max_items)
        .map(|&(v, n)| {
            if n == 1 {
                v.to_string()
            } else {
                format!("{v}×{n}")
            }
        })
        .collect();
    if runs.len() > max_items {
        let rest: usize = runs[max_items..].iter().map(|r| r.1).sum();
        parts.push(format!("… (+{rest})"));
    }
    parts.join(" ")
}

/// A duration in milliseconds, with enough digits for both 44 ms and 0.03 ms.
pub fn fmt_ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.3} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lesson_writes_a_message_in_two_calls_and_the_fix_in_one() {
        let (header, body) = stall_message(16).unwrap();
        let mut two = RecordingWriter::new(Vec::new());
        lesson_send(&mut two, &header, &body).unwrap();
        let mut one = RecordingWriter::new(Vec::new());
        send_whole(&mut one, &header, &body).unwrap();
        let sizes = |w: &RecordingWriter<Vec<u8>>| -> Vec<usize> {
            w.chunks().iter().map(Chunk::len).collect()
        };
        assert_eq!(sizes(&two), [4, 16]);
        assert_eq!(sizes(&one), [20]);
        assert_eq!(two.get_ref(), one.get_ref());
    }

    #[test]
    fn sizes_are_summarised_as_runs() {
        assert_eq!(sizes_summary(&[10, 60, 60, 60, 5], 10), "10 60×3 5");
        assert_eq!(sizes_summary(&[1, 2, 3, 4], 2), "1 2 … (+2)");
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn our_tcp_info_prefix_matches_libc_where_libc_has_the_field() {
        use std::mem::offset_of;
        assert_eq!(
            offset_of!(linux::TcpInfoPrefix, tcpi_data_segs_out),
            offset_of!(libc::tcp_info, tcpi_data_segs_out)
        );
        assert_eq!(
            offset_of!(linux::TcpInfoPrefix, tcpi_ato),
            offset_of!(libc::tcp_info, tcpi_ato)
        );
        assert_eq!(linux::NEEDED, 160);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_burst_is_counted_by_the_kernel_and_the_receiver() {
        let clock = Clock::start();
        let server = LocalServer::start(ServerConfig::default(), clock).unwrap();
        let cfg = BurstConfig {
            writes: 20,
            size: 10,
            gap: Duration::ZERO,
            nodelay: true,
            quick_ack_receiver: false,
        };
        let run = send_burst(server.addr(), &cfg, clock).unwrap();
        assert_eq!(run.bytes(), 200);
        assert_eq!(run.receiver.bytes, 200);
        let segs = run.data_segments.unwrap();
        assert!((1..=20).contains(&segs), "{segs} segments for 20 writes");
        assert!(matches!(
            server.next_served().unwrap(),
            Served::Burst { .. }
        ));
    }

    #[test]
    fn a_bad_hello_is_refused_with_its_bytes_named() {
        let clock = Clock::start();
        let server = LocalServer::start(ServerConfig::default(), clock).unwrap();
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.write_all(b"hello!").unwrap();
        let err = match server.next_served() {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted a bad hello"),
        };
        assert!(err.contains("unknown hello"), "{err}");
    }

    #[test]
    fn stall_rounds_are_answered() {
        let clock = Clock::start();
        let server = LocalServer::start(ServerConfig::default(), clock).unwrap();
        let cfg = StallConfig {
            rounds: 3,
            nodelay: true,
            ..StallConfig::default()
        };
        let run = run_stall(server.addr(), &cfg).unwrap();
        assert_eq!(run.rtts_us.len(), 3);
        match server.next_served().unwrap() {
            Served::Stall { rounds, .. } => assert_eq!(rounds, 3),
            other => panic!("{other:?}"),
        }
    }
}
