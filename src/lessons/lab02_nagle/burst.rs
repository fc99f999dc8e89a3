//! The sending side of coalescing: a burst of small writes, counted by the
//! sender's kernel and by the receiver.

use std::io::Read;
use std::net::{Shutdown, SocketAddr};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::counters::counters_or_note;
use super::{open, open_quiet, NagleError, ReceiverSummary, TcpCounters, HELLO_BURST, MAX_SUMMARY};
use crate::kit::record::{Chunk, Clock, RecordingWriter};

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
    /// Ask the receiver not to answer the hello, so its first ACKs (at most
    /// 16 on Linux) go out at once; by default it answers `go` and, having
    /// just replied, delays its ACKs. It does not set `TCP_QUICKACK`.
    pub silent_receiver: bool,
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
            silent_receiver: false,
        }
    }
}

/// What one burst showed, sender and receiver together.
#[derive(Clone, Debug, Serialize)]
pub struct BurstRun {
    /// What was sent.
    pub config: BurstConfig,
    /// The sender's local port: this burst's conversation in a capture.
    pub client_port: u16,
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
    let stream = if cfg.silent_receiver {
        open_quiet(addr, cfg.nodelay)?
    } else {
        open(addr, cfg.nodelay, HELLO_BURST)?
    };
    let (before, _) = counters_or_note(&stream);
    let client_port = stream.local_addr()?.port();
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
        client_port,
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

// The kernel's segment counts are read from TCP_INFO, on Linux.
#[cfg(test)]
#[cfg(target_os = "linux")]
mod tests {
    use super::*;
    use crate::lessons::lab02_nagle::{LocalServer, Served, ServerConfig};

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
            silent_receiver: false,
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
}
