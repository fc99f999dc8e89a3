//! The sending side of the stall: write-write-read rounds, each message
//! sent by [`lesson_send`] or [`send_whole`], each round trip timed.

use std::io;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::counters::counters_or_note;
use super::{lesson_send, open, send_whole, NagleError, HELLO_STALL, MAX_STALL_BODY, REPLY};
use crate::framing::{recv_exact, LengthPrefix};

/// Sends one message: [`lesson_send`] or [`send_whole`].
pub type SendMessage = fn(&mut TcpStream, &[u8], &[u8]) -> io::Result<()>;

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
    /// The sender's local port: this conversation in a capture.
    pub client_port: u16,
    /// Each round trip, in microseconds.
    pub rtts_us: Vec<u64>,
    /// Each round's start and end in milliseconds from the first write.
    pub spans_ms: Vec<(f64, f64)>,
    /// Data segments the sender's kernel sent (`None` without `TCP_INFO`).
    pub data_segments: Option<u32>,
}

/// A round trip at least this long waited for a delayed ACK: half of
/// Linux's 40 ms minimum delayed-ACK timeout (`TCP_DELACK_MIN`), while an
/// unstalled loopback round trip takes well under a millisecond.
pub const STALLED: Duration = Duration::from_millis(20);

impl StallRun {
    /// Round trips that waited for a delayed ACK (at least [`STALLED`]).
    pub fn stalls(&self) -> usize {
        let at_least = STALLED.as_micros() as u64;
        self.rtts_us.iter().filter(|&&us| us >= at_least).count()
    }

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
    let header = codec.pack(body_len)?;
    Ok((header.to_vec(), vec![b'x'; body_len]))
}

/// Runs write-write-read rounds against a lab 02 server at `addr`, each
/// message sent by `cfg.writes`'s function ([`lesson_send`] or [`send_whole`]).
pub fn run_stall(addr: SocketAddr, cfg: &StallConfig) -> Result<StallRun, NagleError> {
    let send = cfg.writes.send();
    let mut stream = open(addr, cfg.nodelay, HELLO_STALL)?;
    let (before, _) = counters_or_note(&stream);
    let client_port = stream.local_addr()?.port();
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
        client_port,
        rtts_us,
        spans_ms,
        data_segments: before.zip(after).map(|(b, a)| a.data_out_since(&b)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::record::Clock;
    use crate::lessons::lab02_nagle::{LocalServer, Served, ServerConfig};

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
