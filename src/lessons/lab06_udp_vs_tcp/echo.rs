//! The lessons' upper-case echo over UDP (seed 002 §3.2,
//! `socketserver.ThreadingUDPServer` and `server.sendto(data.upper(), addr)`),
//! and the client's side of one exchange.

use std::collections::HashMap;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use super::{send_datagram, UdpError};
use crate::kit::server::Slots;
use crate::kit::sock::{self, Datagram};

/// Python's `bytes.upper()`: ASCII letters only, every other byte as is
/// (so non-UTF-8 input is answered, not refused).
pub fn upper(data: &[u8]) -> Vec<u8> {
    data.to_ascii_uppercase()
}

/// A one-line account of one received datagram, for server logs and
/// clients: its size, a preview, and what was odd about it.
pub fn describe(d: &Datagram) -> String {
    let mut s = crate::t!(
        "lab06-echo-datagram",
        len = d.data.len(),
        from = d.from,
        preview = format!("{:?}", crate::kit::text::preview(&d.data, 60))
    );
    let mut note = |text: String| {
        s.push(' ');
        s.push_str(&text);
    };
    if d.data.is_empty() && d.wire_len == 0 {
        note(crate::t!("lab06-echo-empty"));
    }
    if d.truncated {
        note(crate::t!(
            "lab06-echo-truncated",
            wire = d.wire_len,
            kept = d.data.len(),
            discarded = d.wire_len.saturating_sub(d.data.len())
        ));
    }
    if std::str::from_utf8(&d.data).is_err() {
        note(crate::t!("lab06-echo-not-utf8"));
    }
    s
}

/// How the upper-case echo server runs.
#[derive(Clone, Debug)]
pub struct EchoOptions {
    /// The `recvfrom()` size: longer datagrams are truncated (seed: 1024).
    pub bufsize: usize,
    /// Most replies being handled at once, one thread each.
    pub max_threads: usize,
    /// Print one line per datagram on stderr (at most [`LOG_LINES_PER_SECOND`]).
    pub log: bool,
    /// Replies per second to any one source address, and the burst above
    /// that rate it may have (`None`: answer everything, the lesson's way).
    pub per_peer: Option<PeerRate>,
    /// What the server did, counted (shared by clones of the options).
    pub counts: Arc<EchoCounts>,
}

impl Default for EchoOptions {
    fn default() -> EchoOptions {
        EchoOptions {
            bufsize: 1024,
            max_threads: 64,
            log: true,
            per_peer: Some(PeerRate::default()),
            counts: Arc::default(),
        }
    }
}

/// What an echo server did with its datagrams.
#[derive(Debug, Default)]
pub struct EchoCounts {
    /// Answered.
    pub answered: AtomicU64,
    /// Not answered: they came from the server's own address.
    pub from_itself: AtomicU64,
    /// Not answered: their source was over its [`PeerRate`].
    pub over_rate: AtomicU64,
}

impl EchoCounts {
    fn add(n: &AtomicU64) {
        n.fetch_add(1, Ordering::Relaxed);
    }

    /// Answered so far.
    pub fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }
}

/// A per-source reply budget: `per_second` replies, with room for a `burst`.
///
/// UDP's source address is whatever the sender wrote (udp(7); RFC 768 has
/// no handshake to prove it), so an echo server answers whoever a datagram
/// *claims* to be from. Spoof one datagram "from" another echo server and
/// the two answer each other forever, as fast as they can — or "from" the
/// server itself, and it answers itself. RFC 8085 §3 (UDP usage
/// guidelines) asks an application that answers unverified sources to limit
/// what it sends. A loop is one datagram going back and forth: each bounce
/// takes one reply from the budget, so a loop faster than `per_second`
/// uses up the burst and the next bounce is not answered — the loop is
/// over. Only a loop slower than `per_second` (two servers more than
/// 1/`per_second` apart) could go on, and then at that harmless rate. A
/// person typing at the client never comes near the limit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PeerRate {
    /// Replies per second, sustained.
    pub per_second: f64,
    /// Replies allowed at once above that.
    pub burst: f64,
}

impl Default for PeerRate {
    /// 5 a second, 100 at once: a loop between servers less than 200 ms
    /// apart ends after about 100 bounces.
    fn default() -> PeerRate {
        PeerRate {
            per_second: 5.0,
            burst: 100.0,
        }
    }
}

/// Most source addresses remembered at once: a flood of spoofed sources
/// cannot grow the table past this (a new source is then refused until
/// old ones have refilled their budgets and are forgotten).
pub const MAX_PEERS: usize = 4096;

/// Every source's remaining budget ([`PeerRate`]), in a table of bounded size.
#[derive(Debug)]
pub struct PeerBudgets {
    rate: PeerRate,
    left: HashMap<SocketAddr, (f64, Instant)>,
}

impl PeerBudgets {
    /// Budgets at `rate`.
    pub fn new(rate: PeerRate) -> PeerBudgets {
        PeerBudgets {
            rate,
            left: HashMap::new(),
        }
    }

    /// Takes one reply from `peer`'s budget at `now`; false if it has none.
    pub fn allow(&mut self, peer: SocketAddr, now: Instant) -> bool {
        let rate = self.rate;
        let refill = |(left, at): (f64, Instant)| {
            let secs = now.saturating_duration_since(at).as_secs_f64();
            (left + secs * rate.per_second).min(rate.burst)
        };
        if !self.left.contains_key(&peer) && self.left.len() >= MAX_PEERS {
            // Forget the sources whose budget is full again: they are the
            // same as new ones.
            self.left.retain(|_, v| refill(*v) < rate.burst);
            if self.left.len() >= MAX_PEERS {
                return false;
            }
        }
        let entry = self.left.entry(peer).or_insert((rate.burst, now));
        let left = refill(*entry);
        if left >= 1.0 {
            *entry = (left - 1.0, now);
            true
        } else {
            *entry = (left, now);
            false
        }
    }
}

/// Most log lines per second: a flood must not turn into a flood of lines
/// (each costs far more than the datagram). The rest are counted and
/// summed up in one line.
pub const LOG_LINES_PER_SECOND: u32 = 20;

/// A log that prints at most [`LOG_LINES_PER_SECOND`] lines a second and
/// says how many it held back.
#[derive(Debug)]
struct PacedLog {
    on: bool,
    second: Instant,
    printed: u32,
    held: u64,
}

impl PacedLog {
    fn new(on: bool) -> PacedLog {
        PacedLog {
            on,
            second: Instant::now(),
            printed: 0,
            held: 0,
        }
    }

    fn line(&mut self, text: impl FnOnce() -> String) {
        if !self.on {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.second) >= Duration::from_secs(1) {
            if self.held > 0 {
                eprintln!("{}", crate::t!("lab06-echo-held", n = self.held));
            }
            self.second = now;
            self.printed = 0;
            self.held = 0;
        }
        if self.printed < LOG_LINES_PER_SECOND {
            self.printed += 1;
            eprintln!("{}", text());
        } else {
            self.held += 1;
        }
    }
}

/// True when `from` is the server's own socket (`me`): answering it would
/// send the reply to itself, and the reply back again, forever. A server on
/// a wildcard address (0.0.0.0) is reached on every local address, so there
/// a loopback source on its own port counts as itself too.
pub fn is_itself(from: SocketAddr, me: SocketAddr) -> bool {
    from == me || (me.ip().is_unspecified() && from.port() == me.port() && from.ip().is_loopback())
}

/// The lessons' `ThreadingUDPServer` with `server.sendto(data.upper(), addr)`:
/// one loop receives, each datagram is answered on its own thread. There is
/// no connection, so one bad datagram can only cost its own reply. Runs
/// until `stop` is set (checked every 100 ms).
pub fn serve_upper(sock: UdpSocket, opts: &EchoOptions, stop: &AtomicBool) -> io::Result<()> {
    sock.set_read_timeout(Some(Duration::from_millis(100)))?;
    let me = sock.local_addr()?;
    let sock = Arc::new(sock);
    let slots = Slots::new(opts.max_threads);
    let mut budgets = opts.per_peer.map(PeerBudgets::new);
    let mut log = PacedLog::new(opts.log);
    let counts = &opts.counts;
    while !stop.load(Ordering::SeqCst) {
        let d = match sock::recv_datagram(&sock, opts.bufsize.max(1)) {
            Ok(d) => d,
            Err(e) if crate::kit::sock::is_timeout(&e) => continue,
            // An ICMP error from an earlier reply (Linux reports
            // "connection refused" on the next call): not this datagram's fault.
            Err(e) => {
                log.line(|| crate::t!("lab06-echo-recv-error", error = e));
                continue;
            }
        };
        if opts.per_peer.is_some() && is_itself(d.from, me) {
            EchoCounts::add(&counts.from_itself);
            log.line(|| crate::t!("lab06-echo-from-itself", datagram = describe(&d)));
            continue;
        }
        if let Some(b) = budgets.as_mut() {
            if !b.allow(d.from, Instant::now()) {
                EchoCounts::add(&counts.over_rate);
                log.line(|| {
                    crate::t!(
                        "lab06-echo-over-rate",
                        datagram = describe(&d),
                        peer = d.from
                    )
                });
                continue;
            }
        }
        log.line(|| describe(&d));
        EchoCounts::add(&counts.answered);
        let guard = slots.acquire();
        let s = sock.clone();
        let spawned = thread::Builder::new()
            .name("udp-reply".into())
            .spawn(move || {
                let _guard = guard;
                // A failed reply (ICMP unreachable, …) costs only itself.
                let _ = s.send_to(&upper(&d.data), d.from);
            });
        if let Err(e) = spawned {
            log.line(|| crate::t!("lab06-echo-no-thread", error = e));
        }
    }
    Ok(())
}

/// The client's side of one exchange: `sendto(msg)`, then `recvfrom(bufsize)`
/// with a timeout (a UDP client that waits forever hangs on the first loss).
pub fn request(
    sock: &UdpSocket,
    msg: &[u8],
    to: SocketAddr,
    bufsize: usize,
    timeout: Duration,
) -> Result<Datagram, UdpError> {
    send_datagram(sock, msg, to)?;
    sock.set_read_timeout(Some(timeout.max(Duration::from_millis(1))))?;
    match sock::recv_datagram(sock, bufsize.max(1)) {
        Ok(d) => Ok(d),
        Err(e) if crate::kit::sock::is_timeout(&e) => Err(UdpError::NoReply {
            to,
            waited: timeout,
        }),
        Err(e) => Err(UdpError::Io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_is_pythons_bytes_upper() {
        assert_eq!(upper(b"hello \xff\xfe z"), b"HELLO \xff\xfe Z");
        assert_eq!(upper("中a".as_bytes()), "中A".as_bytes());
    }

    #[test]
    fn a_peer_gets_its_burst_then_its_rate() {
        let rate = PeerRate {
            per_second: 10.0,
            burst: 5.0,
        };
        let mut b = PeerBudgets::new(rate);
        let (p, q): (SocketAddr, SocketAddr) = (
            "127.0.0.1:1".parse().unwrap(),
            "127.0.0.1:2".parse().unwrap(),
        );
        let t = Instant::now();
        assert_eq!((0..8).filter(|_| b.allow(p, t)).count(), 5);
        // Another source has its own budget.
        assert!(b.allow(q, t));
        // 100 ms later one more reply (10 per second).
        let later = t + Duration::from_millis(100);
        assert!(b.allow(p, later));
        assert!(!b.allow(p, later));
    }

    #[test]
    fn the_server_knows_its_own_address() {
        let me: SocketAddr = "127.0.0.1:8888".parse().unwrap();
        let any: SocketAddr = "0.0.0.0:8888".parse().unwrap();
        assert!(is_itself(me, me));
        assert!(is_itself(me, any));
        assert!(!is_itself("127.0.0.1:8889".parse().unwrap(), me));
        assert!(!is_itself("10.0.0.1:8888".parse().unwrap(), me));
    }
}
