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
//! kernel may still spend the connection's quick ACKs — at most 16,
//! `TCP_MAX_QUICKACKS` — on the burst, and Nagle releases more often.) A burst ends
//! with the client's shutdown; the server answers with one JSON line
//! ([`ReceiverSummary`]). A stall round is one lesson frame
//! (`struct.pack('i', 16)` + 16 bytes) answered by `ok`.

use std::io::{self, Write};

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
/// buffer, or a `BufWriter` flushed once per message). In a request/reply
/// exchange nothing small is then left behind an unacknowledged segment,
/// so Linux's Nagle (the Minshall variant: only an unacknowledged *small*
/// segment holds the next one) never holds it. A one-way stream of small
/// messages can still wait for an ACK: set `TCP_NODELAY` too where latency
/// matters (docs/labs/lab02-nagle.md, "The fix").
pub fn send_whole(stream: &mut impl Write, header: &[u8], body: &[u8]) -> io::Result<()> {
    let mut message = Vec::with_capacity(header.len() + body.len());
    message.extend_from_slice(header);
    message.extend_from_slice(body);
    stream.write_all(&message)
}

use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::framing::{recv_exact, FrameError};
use crate::kit::sock::{self, SockOpts};

// The rest, one file per part in `lab02_nagle/`: `stages.rs` is what the demo measures
// (`coalescing`, `compare_sends`, `slow_reader`); `counters.rs` the kernel's
// TCP_INFO; `server.rs` the receiver; `burst.rs` the small writes;
// `stall.rs` write-write-read; `show.rs` short forms and the client's output;
// `cli.rs` the binary's `server` and `client` commands.
mod burst;
pub mod cli;
mod counters;
mod server;
mod show;
mod stages;
mod stall;

pub use burst::{payload, send_burst, BurstConfig, BurstRun};
pub use counters::{autocorking, delayed_acks, tcp_counters, DelayedAcks, TcpCounters};
pub use server::{
    serve_connection, serve_logged, LocalServer, ReceiverSummary, Served, ServerConfig,
};
pub use show::{
    autocorking_note, burst_client, burst_table, fmt_loop, fmt_ms, or_na, sizes_summary,
    stall_client, stall_table, ClientReport,
};
pub use stages::{
    coalescing, compare_sends, quick_ack_budget, slow_reader, wire_burst, wire_stall, write_calls,
    Burst, Coalescing, QuickAckBudget, RecordedSend, SendComparison, SlowReader, WireBurst,
    WireStall, WriteCalls, BUDGET_READ_DELAY, TCP_MAX_QUICKACKS,
};
pub use stall::{
    run_stall, stall_message, MessageWrites, SendMessage, StallConfig, StallRun, STALLED,
};

/// Where Linux keeps the autocorking switch (1 = on, the default).
pub const AUTOCORKING_SYSCTL: &str = "/proc/sys/net/ipv4/tcp_autocorking";

/// The hello that starts a burst (coalescing) conversation.
pub const HELLO_BURST: &[u8; 6] = b"burst\n";
/// A burst to a receiver that stays quiet: no `go`, so having sent nothing
/// it still has the connection's quick ACKs (at most 16, Linux's
/// `TCP_MAX_QUICKACKS`) to acknowledge segments at once. Not `TCP_QUICKACK`.
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
pub(crate) const MAX_SUMMARY: u64 = 1 << 20;

/// What went wrong in a lab 02 conversation (the words are in
/// locales/*/lab02.ftl, `lab02-error-…`).
#[derive(Debug, Error)]
pub enum NagleError {
    /// The peer's first 6 bytes were not a known hello.
    #[error("{}", crate::t!("lab02-error-bad-hello", got = format!("{:?}", .0)))]
    BadHello(String),
    /// The peer answered something other than what the protocol says.
    #[error("{}", crate::t!("lab02-error-unexpected", expected = format!("{expected:?}"), got = format!("{got:?}")))]
    Unexpected {
        /// What should have come.
        expected: String,
        /// What came.
        got: String,
    },
    /// The server's summary line was not valid JSON.
    #[error("{}", crate::t!("lab02-error-bad-summary", error = .0))]
    BadSummary(String),
    /// The kernel's `TCP_INFO` answer was too short to hold the counter.
    #[error("{}", crate::t!("lab02-error-short-tcp-info", got = got, need = need))]
    ShortTcpInfo {
        /// Bytes the kernel filled in.
        got: usize,
        /// Bytes needed up to and including the field.
        need: usize,
    },
    /// Reading a frame failed.
    #[error("{}", .0.localized())]
    Frame(#[from] FrameError),
    /// The socket failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

// ---------------------------------------------------------------------------
// Opening a conversation
// ---------------------------------------------------------------------------

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
pub(crate) fn open(
    addr: SocketAddr,
    nodelay: bool,
    hello: &[u8; 6],
) -> Result<TcpStream, NagleError> {
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
pub(crate) fn open_quiet(addr: SocketAddr, nodelay: bool) -> Result<TcpStream, NagleError> {
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
                    crate::t!("lab02-error-hello-unacked"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::record::{Chunk, RecordingWriter};

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
}
