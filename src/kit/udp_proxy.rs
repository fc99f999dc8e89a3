//! A UDP chaos proxy: a real UDP hop that drops, duplicates and reorders
//! datagrams by a seeded plan.
//!
//! Loopback never loses, duplicates or reorders a datagram, so a lab that
//! wants to show what a network may do to UDP needs a hop that does it on
//! purpose, reproducibly: one random draw per datagram from a seeded
//! generator, so the n-th datagram meets the same fate for the same seed,
//! whatever the timing. [`Forwarder`] is the pure part (decide, say what to
//! send now), testable without sockets; [`UdpChaosProxy`] runs it over real
//! sockets, one thread per direction. A datagram that starts with a
//! [`numbered`] sequence number is logged with it, so a receiver can compare
//! what the proxy did with what arrived.

use std::collections::VecDeque;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

use crate::kit::sock;

/// A datagram (or stream record) carrying sequence number `seq` in its
/// first four bytes (big-endian), padded to `len` bytes.
pub fn numbered(seq: u32, len: usize) -> Vec<u8> {
    let mut v = vec![b'.'; len.max(4)];
    v[..4].copy_from_slice(&seq.to_be_bytes());
    v
}

/// The sequence number in a [`numbered`] message.
pub fn seq_of(data: &[u8]) -> Option<u32> {
    let head: [u8; 4] = data.get(..4)?.try_into().ok()?;
    Some(u32::from_be_bytes(head))
}

/// How often the proxy misbehaves, as probabilities per datagram.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UdpChaos {
    /// Chance a datagram is dropped.
    pub drop: f64,
    /// Chance a datagram is sent twice.
    pub duplicate: f64,
    /// Chance a datagram is held back and sent after the next one.
    pub reorder: f64,
}

impl Default for UdpChaos {
    fn default() -> UdpChaos {
        UdpChaos {
            drop: 0.1,
            duplicate: 0.1,
            reorder: 0.1,
        }
    }
}

/// What the proxy did with one datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Sent on as it came.
    Forward,
    /// Thrown away.
    Drop,
    /// Sent twice.
    Duplicate,
    /// Held back and sent after the next datagram.
    Reorder,
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Action::Forward => "forward",
            Action::Drop => "drop",
            Action::Duplicate => "duplicate",
            Action::Reorder => "reorder",
        })
    }
}

/// The seeded decisions: one random draw per datagram, so the n-th datagram
/// gets the same action for the same seed, whatever the timing.
#[derive(Debug)]
pub struct UdpChaosPlan {
    rng: ChaCha8Rng,
    chaos: UdpChaos,
}

impl UdpChaosPlan {
    /// A plan for `seed`.
    pub fn new(seed: u64, chaos: UdpChaos) -> UdpChaosPlan {
        UdpChaosPlan {
            rng: ChaCha8Rng::seed_from_u64(seed),
            chaos,
        }
    }

    /// The action for the next datagram.
    pub fn next_action(&mut self) -> Action {
        let r: f64 = self.rng.random();
        let c = self.chaos;
        if r < c.drop {
            Action::Drop
        } else if r < c.drop + c.duplicate {
            Action::Duplicate
        } else if r < c.drop + c.duplicate + c.reorder {
            Action::Reorder
        } else {
            Action::Forward
        }
    }
}

/// Which way a datagram travelled through the proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Way {
    /// Client → server.
    ToServer,
    /// Server → client.
    ToClient,
}

impl std::fmt::Display for Way {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Way::ToServer => "to-server",
            Way::ToClient => "to-client",
        })
    }
}

/// One logged decision.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    /// Which way.
    pub way: Way,
    /// The datagram's position in that direction, from 0.
    pub index: u64,
    /// What was done.
    pub action: Action,
    /// The datagram's sequence number, when it carries one ([`numbered`]).
    pub seq: Option<u32>,
}

/// How many recent decisions a proxy keeps by default: plenty for a lab's
/// run of numbered datagrams, and a fixed few hundred KiB however long a
/// flood lasts.
pub const DECISIONS_KEPT: usize = 4096;

/// The proxy's memory of what it did: the newest decisions in a ring of
/// fixed size, and a count of every action since the start. A log that
/// kept every decision would grow with every datagram a client sends
/// (3 → 14 MB over two floods, never given back); this one stays the size
/// it was given.
#[derive(Debug, Default)]
pub struct DecisionLog {
    kept: VecDeque<Decision>,
    keep: usize,
    counts: [u64; 4],
}

impl DecisionLog {
    /// A log that keeps the newest `keep` decisions (at least 1).
    pub fn new(keep: usize) -> DecisionLog {
        DecisionLog {
            kept: VecDeque::new(),
            keep: keep.max(1),
            counts: [0; 4],
        }
    }

    /// Records one decision, forgetting the oldest kept one if full.
    pub fn push(&mut self, d: Decision) {
        self.counts[d.action as usize] += 1;
        if self.kept.len() == self.keep {
            self.kept.pop_front();
        }
        self.kept.push_back(d);
    }

    /// The kept decisions, oldest first.
    pub fn kept(&self) -> Vec<Decision> {
        self.kept.iter().cloned().collect()
    }

    /// How many times `action` was taken since the start, kept or not.
    pub fn count(&self, action: Action) -> u64 {
        self.counts[action as usize]
    }

    /// Every decision since the start, kept or not.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// Applies a plan to one direction's datagrams: decides, and says what to
/// send now, in order. Pure, so it can be tested without sockets.
#[derive(Debug)]
pub struct Forwarder {
    plan: UdpChaosPlan,
    index: u64,
    held: Option<Vec<u8>>,
}

impl Forwarder {
    /// A forwarder following `plan`.
    pub fn new(plan: UdpChaosPlan) -> Forwarder {
        Forwarder {
            plan,
            index: 0,
            held: None,
        }
    }

    /// Takes one datagram; returns the action taken and the datagrams to
    /// send now, in order.
    pub fn push(&mut self, data: Vec<u8>) -> (u64, Action, Vec<Vec<u8>>) {
        let index = self.index;
        self.index += 1;
        let mut action = self.plan.next_action();
        // Only one datagram is held at a time: a second "reorder" while one
        // is held is sent on (overtaking the held one, which is reordering).
        if action == Action::Reorder && self.held.is_some() {
            action = Action::Forward;
        }
        let mut out = Vec::new();
        match action {
            Action::Drop => {}
            Action::Forward => out.push(data),
            Action::Duplicate => {
                out.push(data.clone());
                out.push(data);
            }
            Action::Reorder => {
                self.held = Some(data);
                return (index, action, out);
            }
        }
        if action != Action::Drop {
            out.extend(self.held.take());
        }
        (index, action, out)
    }

    /// Releases a held datagram when nothing else came for a while.
    pub fn flush(&mut self) -> Option<Vec<u8>> {
        self.held.take()
    }
}

/// How the UDP chaos proxy behaves.
#[derive(Clone, Debug)]
pub struct UdpProxyConfig {
    /// Where the real server listens.
    pub upstream: SocketAddr,
    /// Seed for the decisions (replies use a plan derived from it).
    pub seed: u64,
    /// How often to drop, duplicate and reorder.
    pub chaos: UdpChaos,
    /// How long a held datagram waits for one to overtake it.
    pub hold: Duration,
    /// Print every decision that is not a plain forward on stderr.
    pub log: bool,
    /// How many recent decisions [`UdpChaosProxy::decisions`] keeps.
    pub keep_decisions: usize,
}

impl UdpProxyConfig {
    /// Default chaos for `seed`, held datagrams released after 200 ms.
    pub fn new(upstream: SocketAddr, seed: u64) -> UdpProxyConfig {
        UdpProxyConfig {
            upstream,
            seed,
            chaos: UdpChaos::default(),
            hold: Duration::from_millis(200),
            log: false,
            keep_decisions: DECISIONS_KEPT,
        }
    }
}

/// A running UDP chaos proxy: `client ⇄ proxy ⇄ server` over real UDP
/// sockets. Replies go back to the client that spoke last (one client at a
/// time is enough for a lab). Stops when dropped.
pub struct UdpChaosProxy {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<DecisionLog>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl UdpChaosProxy {
    /// Binds `listen` (port 0 for an ephemeral port) and starts forwarding.
    pub fn start(listen: SocketAddr, cfg: UdpProxyConfig) -> io::Result<UdpChaosProxy> {
        let front = crate::kit::sock::bind_udp(listen)?;
        let any: SocketAddr = if cfg.upstream.is_ipv4() {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let back = crate::kit::sock::bind_udp(any)?;
        back.connect(cfg.upstream)?;
        let tick = Duration::from_millis(20);
        front.set_read_timeout(Some(tick))?;
        back.set_read_timeout(Some(tick))?;
        let addr = front.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(DecisionLog::new(cfg.keep_decisions)));
        let client: Arc<Mutex<Option<SocketAddr>>> = Arc::new(Mutex::new(None));
        let (front, back) = (Arc::new(front), Arc::new(back));

        // Each direction's thread owns a handle to everything both share.
        let shared = || {
            (
                front.clone(),
                back.clone(),
                stop.clone(),
                log.clone(),
                client.clone(),
                cfg.clone(),
            )
        };
        let mut threads = Vec::new();
        {
            let (front, back, stop, log, client, cfg) = shared();
            threads.push(
                thread::Builder::new()
                    .name("udp-proxy-up".into())
                    .spawn(move || {
                        let plan = UdpChaosPlan::new(cfg.seed, cfg.chaos);
                        pump(
                            Way::ToServer,
                            plan,
                            &cfg,
                            &stop,
                            &log,
                            |buf| {
                                let d = sock::recv_datagram(&front, buf)?;
                                if let Ok(mut c) = client.lock() {
                                    *c = Some(d.from);
                                }
                                Ok(d.data)
                            },
                            |data| back.send(data).map(|_| ()),
                        )
                    })?,
            );
        }
        {
            let (front, back, stop, log, client, cfg) = shared();
            threads.push(thread::Builder::new().name("udp-proxy-down".into()).spawn(
                move || {
                    let plan = UdpChaosPlan::new(cfg.seed ^ 0x9e37_79b9_7f4a_7c15, cfg.chaos);
                    pump(
                        Way::ToClient,
                        plan,
                        &cfg,
                        &stop,
                        &log,
                        |buf| {
                            let mut v = vec![0u8; buf];
                            let n = back.recv(&mut v)?;
                            v.truncate(n);
                            Ok(v)
                        },
                        |data| {
                            let to = client.lock().ok().and_then(|c| *c);
                            match to {
                                Some(to) => front.send_to(data, to).map(|_| ()),
                                None => Ok(()),
                            }
                        },
                    )
                },
            )?);
        }
        Ok(UdpChaosProxy {
            addr,
            stop,
            log,
            threads,
        })
    }

    /// The address clients send to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The newest decisions (up to `keep_decisions`), in order per direction.
    pub fn decisions(&self) -> Vec<Decision> {
        self.log.lock().map(|l| l.kept()).unwrap_or_default()
    }

    /// How many times `action` was taken since the start, kept or not.
    pub fn count(&self, action: Action) -> u64 {
        self.log.lock().map(|l| l.count(action)).unwrap_or(0)
    }

    /// Runs until the process ends (the `sticky proxy --udp` command).
    pub fn run_forever(mut self) {
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for UdpChaosProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn pump(
    way: Way,
    plan: UdpChaosPlan,
    cfg: &UdpProxyConfig,
    stop: &AtomicBool,
    log: &Mutex<DecisionLog>,
    mut recv: impl FnMut(usize) -> io::Result<Vec<u8>>,
    send: impl Fn(&[u8]) -> io::Result<()>,
) {
    let mut fwd = Forwarder::new(plan);
    let mut held_since: Option<Instant> = None;
    while !stop.load(Ordering::SeqCst) {
        let data = match recv(65536) {
            Ok(d) => d,
            Err(e) => {
                if !crate::kit::sock::is_timeout(&e) {
                    // e.g. "connection refused" while the server is down: keep going.
                    thread::sleep(Duration::from_millis(5));
                }
                if held_since.is_some_and(|t| t.elapsed() >= cfg.hold) {
                    if let Some(h) = fwd.flush() {
                        let _ = send(&h);
                    }
                    held_since = None;
                }
                continue;
            }
        };
        let seq = seq_of(&data);
        let (index, action, out) = fwd.push(data);
        for d in &out {
            let _ = send(d);
        }
        held_since = match action {
            Action::Reorder => Some(Instant::now()),
            Action::Drop => held_since,
            _ => None,
        };
        if cfg.log && action != Action::Forward {
            eprintln!(
                "{}",
                crate::t!(
                    "kit-udp-proxy-decision",
                    way = way,
                    index = index,
                    action = action
                )
            );
        }
        if let Ok(mut l) = log.lock() {
            l.push(Decision {
                way,
                index,
                action,
                seq,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sequence_number_survives_the_round_trip() {
        assert_eq!(seq_of(&numbered(7, 16)), Some(7));
        assert_eq!(numbered(1, 0).len(), 4);
        assert_eq!(seq_of(b"abc"), None);
    }

    #[test]
    fn a_held_datagram_is_sent_after_the_next_one() {
        let chaos = UdpChaos {
            drop: 0.0,
            duplicate: 0.0,
            reorder: 1.0,
        };
        let mut f = Forwarder::new(UdpChaosPlan::new(1, chaos));
        assert_eq!(f.push(b"a".to_vec()).2, Vec::<Vec<u8>>::new());
        // A second "reorder" while one is held is sent on, overtaking it.
        assert_eq!(f.push(b"b".to_vec()).2, vec![b"b".to_vec(), b"a".to_vec()]);
        assert_eq!(f.flush(), None);
    }

    #[test]
    fn a_flood_keeps_the_log_at_its_size_and_counts_everything() {
        // Before the ring, every datagram added a decision for good.
        let server = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut cfg = UdpProxyConfig::new(server.local_addr().unwrap(), 3);
        cfg.keep_decisions = 100;
        let proxy = UdpChaosProxy::start("127.0.0.1:0".parse().unwrap(), cfg).unwrap();
        let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        for i in 0..1000u32 {
            client.send_to(&numbered(i, 8), proxy.addr()).unwrap();
            // Paced, so the proxy's receive buffer never overflows.
            if i % 20 == 19 {
                thread::sleep(Duration::from_millis(2));
            }
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        let all = || {
            [
                Action::Forward,
                Action::Drop,
                Action::Duplicate,
                Action::Reorder,
            ]
            .iter()
            .map(|a| proxy.count(*a))
            .sum::<u64>()
        };
        while all() < 1000 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(all(), 1000, "every datagram counted");
        let kept = proxy.decisions();
        assert_eq!(kept.len(), 100, "only the newest 100 kept");
        assert_eq!(kept.last().map(|d| d.index), Some(999));
        assert!(proxy.count(Action::Drop) > 0 && proxy.count(Action::Forward) > 500);
    }
}
