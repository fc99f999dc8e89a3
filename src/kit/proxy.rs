//! `ChaosProxy`: a real TCP hop that re-cuts the stream, on cue.
//!
//! On loopback a 2000-byte reply nearly always arrives in one `recv()`, which
//! hides the lesson's bug. The proxy sits between two real sockets,
//! `client ⇄ proxy ⇄ server`. It reads whatever arrives and writes it on in
//! pieces whose lengths come from a seeded [`ChaosPlan`], pausing
//! `delay` between pieces so that each piece reaches the receiver as its own
//! `recv()`. Data that arrives close together is held and merged into the
//! planned pieces, so both halves of the sticky-packet problem appear:
//! messages are split *and* glued.
//!
//! `rtt` adds latency: every byte is released no earlier than `rtt / 2`
//! after it reached the proxy, in each direction, which makes a protocol's
//! round trips (the length + ack handshake, say) cost visible time.
//!
//! Each connection and direction gets its own plan derived from the seed, so
//! the same seed and the same input give the same cuts.
//!
//! The proxy is a server too, and holds to the same limits: it buffers at
//! most [`IN_FLIGHT`] chunks per direction (a fast sender meets a slow
//! receiver's backpressure through the proxy, as it would without it), a
//! reset on one side is passed on as a reset to the other (not turned into
//! a polite close), and both directions' threads end as soon as either side
//! is gone.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::kit::chaos::ChaosPlan;
use crate::kit::sock;

/// How the proxy cuts and delays.
#[derive(Clone, Debug)]
pub struct ProxyConfig {
    /// Where the real server listens.
    pub upstream: SocketAddr,
    /// Seed for the cut points.
    pub seed: u64,
    /// Largest piece written in one call (pieces are 1..=max_chunk bytes).
    pub max_chunk: usize,
    /// Pause after each piece, so the receiver sees pieces as separate reads.
    pub delay: Duration,
    /// Added round-trip time: each direction holds bytes for `rtt / 2`.
    pub rtt: Duration,
    /// How long to wait for more bytes to fill a planned piece before
    /// sending a shorter one (so request/response protocols never stall).
    pub hold: Duration,
}

impl ProxyConfig {
    /// Cuts of 1..=`max_chunk` bytes for `seed`, 1 ms apart, no added latency.
    pub fn new(upstream: SocketAddr, seed: u64, max_chunk: usize) -> ProxyConfig {
        ProxyConfig {
            upstream,
            seed,
            max_chunk,
            delay: Duration::from_millis(1),
            rtt: Duration::ZERO,
            hold: Duration::from_millis(5),
        }
    }

    /// A proxy that never cuts, only delays: a link with `rtt` of latency.
    pub fn latency_only(upstream: SocketAddr, rtt: Duration) -> ProxyConfig {
        ProxyConfig {
            upstream,
            seed: 0,
            max_chunk: 1 << 20,
            delay: Duration::ZERO,
            rtt,
            hold: Duration::ZERO,
        }
    }
}

impl ProxyConfig {
    /// The cut plan the proxy uses for connection `conn` (0 = the first
    /// accepted) in `direction`: a demo can look ahead at the cuts a seed
    /// will make, and an instructor can pick a seed that fails on cue.
    pub fn plan(&self, conn: u64, direction: Direction) -> ChaosPlan {
        let stream_no = conn * 2 + u64::from(direction == Direction::ToClient);
        ChaosPlan::for_stream(self.seed, stream_no, self.max_chunk)
    }

    /// This configuration with the first seed, from `self.seed` on, whose
    /// plans satisfy `want` (looked at through [`ProxyConfig::plan`]);
    /// `None` when none of the next `tries` seeds does.
    pub fn first_seed_where(
        &self,
        tries: u64,
        want: impl Fn(&ProxyConfig) -> bool,
    ) -> Option<ProxyConfig> {
        (0..tries).find_map(|i| {
            let cfg = ProxyConfig {
                seed: self.seed.wrapping_add(i),
                ..self.clone()
            };
            want(&cfg).then_some(cfg)
        })
    }
}

/// Which way the bytes travel through the proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From the client towards the server (requests).
    ToServer,
    /// From the server back to the client (replies).
    ToClient,
}

/// The pieces one connection's direction was cut into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PieceLog {
    /// Connection number, counting from 0 in accept order.
    pub conn: u64,
    /// Which way.
    pub direction: Direction,
    /// Length of every write the proxy made, in order.
    pub pieces: Vec<usize>,
}

/// A running chaos proxy. It stops accepting when dropped; connections
/// already open run until either side closes.
pub struct ChaosProxy {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<PieceLog>>>,
    conns: Arc<AtomicU64>,
    open: Arc<AtomicU64>,
}

/// Counts one connection as open for as long as its relay runs: the relay
/// returns only after both directions' pump and reader threads have ended,
/// so "open" falling back to 0 means every thread of the connection is gone.
struct OpenGuard(Arc<AtomicU64>);

impl OpenGuard {
    fn new(open: &Arc<AtomicU64>) -> OpenGuard {
        open.fetch_add(1, Ordering::SeqCst);
        OpenGuard(open.clone())
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl ChaosProxy {
    /// Listens on `listen` (port 0 for an ephemeral port) and forwards each
    /// accepted connection to `cfg.upstream` through the chaos.
    pub fn start(listen: SocketAddr, cfg: ProxyConfig) -> io::Result<ChaosProxy> {
        let listener = sock::listen(listen)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let conns = Arc::new(AtomicU64::new(0));
        let open = Arc::new(AtomicU64::new(0));
        let (s, l, c, o) = (stop.clone(), log.clone(), conns.clone(), open.clone());
        thread::Builder::new()
            .name("chaos-proxy".into())
            .spawn(move || accept_loop(listener, cfg, s, l, c, o))?;
        Ok(ChaosProxy {
            addr,
            stop,
            log,
            conns,
            open,
        })
    }

    /// The address clients should connect to.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> u64 {
        self.conns.load(Ordering::SeqCst)
    }

    /// How many connections are still being relayed (their threads alive).
    pub fn open_connections(&self) -> u64 {
        self.open.load(Ordering::SeqCst)
    }

    /// Every direction's piece lengths that has finished (its sender closed).
    pub fn piece_logs(&self) -> Vec<PieceLog> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Waits up to `limit` for `direction` of the first connection to finish,
    /// and returns the lengths of the pieces the proxy cut it into: the proof
    /// that the stream really was re-cut on the way.
    pub fn wait_pieces(&self, direction: Direction, limit: Duration) -> Option<Vec<usize>> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(l) = self
                .piece_logs()
                .into_iter()
                .find(|l| l.direction == direction)
            {
                return Some(l.pieces);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs in the foreground until the process ends (for `sticky proxy`).
    pub fn run_forever(listen: SocketAddr, cfg: ProxyConfig) -> io::Result<()> {
        let listener = sock::listen(listen)?;
        accept_loop(
            listener,
            cfg,
            Arc::new(AtomicBool::new(false)),
            Arc::new(Mutex::new(Vec::new())),
            Arc::new(AtomicU64::new(0)),
            Arc::new(AtomicU64::new(0)),
        );
        Ok(())
    }
}

impl Drop for ChaosProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

fn accept_loop(
    listener: TcpListener,
    cfg: ProxyConfig,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<PieceLog>>>,
    conns: Arc<AtomicU64>,
    open: Arc<AtomicU64>,
) {
    for incoming in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let client = match incoming {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{}", crate::t!("kit-proxy-accept-failed", error = e));
                continue;
            }
        };
        let conn = conns.fetch_add(1, Ordering::SeqCst);
        let (cfg, log) = (cfg.clone(), log.clone());
        let guard = OpenGuard::new(&open);
        let _ = thread::Builder::new()
            .name(format!("proxy-conn-{conn}"))
            .spawn(move || {
                let _open = guard;
                if let Err(e) = relay(client, conn, &cfg, &log) {
                    eprintln!(
                        "{}",
                        crate::t!("kit-proxy-conn-failed", conn = conn, error = e)
                    );
                }
            });
    }
}

fn relay(
    client: TcpStream,
    conn: u64,
    cfg: &ProxyConfig,
    log: &Arc<Mutex<Vec<PieceLog>>>,
) -> io::Result<()> {
    let server = sock::connect_with(
        cfg.upstream,
        &sock::SockOpts::nodelay(true),
        Some(Duration::from_secs(5)),
    )
    .map_err(|e| {
        // The client must not take this for a server that answered and
        // closed: it gets a reset, as it would from a refused connection.
        // (A server that resets right after accepting lands here too: the
        // connect's own error check can be the one to see that reset.)
        let _ = sock::set_linger_zero(&client);
        io::Error::new(
            e.kind(),
            crate::t!("kit-proxy-cannot-reach", addr = cfg.upstream, error = e),
        )
    })?;
    client.set_nodelay(true)?;
    let pairs = [
        (
            client.try_clone()?,
            server.try_clone()?,
            Direction::ToServer,
        ),
        (server, client, Direction::ToClient),
    ];
    let mut handles = Vec::new();
    for (from, to, direction) in pairs {
        let plan = cfg.plan(conn, direction);
        let (cfg, log) = (cfg.clone(), log.clone());
        handles.push(thread::spawn(move || {
            let pieces = pump(from, to, plan, &cfg);
            if let Ok(mut l) = log.lock() {
                l.push(PieceLog {
                    conn,
                    direction,
                    pieces,
                });
            }
        }));
    }
    for h in handles {
        let _ = h.join();
    }
    Ok(())
}

/// Reads the reader thread hands over at most, and how many may wait in the
/// channel: the most one direction buffers is about `IN_FLIGHT × READ_SIZE`
/// (1 MiB) plus the piece being cut. When the channel is full the reader
/// stops reading, the kernel's receive window closes, and the sender waits.
pub const IN_FLIGHT: usize = 16;
const READ_SIZE: usize = 64 * 1024;

/// Moves one direction: a reader thread timestamps what arrives, this thread
/// re-cuts it and releases each piece when its latency has passed.
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    mut plan: ChaosPlan,
    cfg: &ProxyConfig,
) -> Vec<usize> {
    let (tx, rx) = mpsc::sync_channel::<(Instant, Vec<u8>)>(IN_FLIGHT);
    let from_handle = from.try_clone();
    let reset = Arc::new(AtomicBool::new(false));
    let saw_reset = reset.clone();
    let reader = thread::spawn(move || {
        let mut buf = vec![0u8; READ_SIZE];
        loop {
            match from.read(&mut buf) {
                Ok(0) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    if e.kind() == io::ErrorKind::ConnectionReset {
                        saw_reset.store(true, Ordering::SeqCst);
                    }
                    break;
                }
                Ok(n) => {
                    if tx.send((Instant::now(), buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
    });

    // Bytes waiting to leave, each run tagged with when it arrived.
    let mut pending: VecDeque<(Instant, Vec<u8>)> = VecDeque::new();
    let mut pending_len = 0usize;
    let mut pieces = Vec::new();
    let mut open = true;
    let half_rtt = cfg.rtt / 2;
    'outer: loop {
        let want = plan.next_cut();
        // Gather up to `want` bytes, waiting at most `hold` for each new arrival.
        while pending_len < want && open {
            let got = if pending_len == 0 {
                rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
            } else {
                rx.recv_timeout(cfg.hold)
            };
            match got {
                Ok((at, bytes)) => {
                    pending_len += bytes.len();
                    pending.push_back((at, bytes));
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => open = false,
            }
        }
        if pending_len == 0 {
            break 'outer;
        }
        let n = want.min(pending_len);
        let mut piece = Vec::with_capacity(n);
        let mut newest = Instant::now();
        while piece.len() < n {
            let Some((at, mut bytes)) = pending.pop_front() else {
                break;
            };
            newest = at;
            let take = (n - piece.len()).min(bytes.len());
            piece.extend_from_slice(&bytes[..take]);
            if take < bytes.len() {
                bytes.drain(..take);
                pending.push_front((at, bytes));
            }
        }
        pending_len -= piece.len();
        let due = newest + half_rtt;
        let now = Instant::now();
        if due > now {
            thread::sleep(due - now);
        }
        if to.write_all(&piece).is_err() {
            // The receiver is gone: stop reading from the sender too, so
            // neither thread of this direction outlives the connection.
            if let Ok(f) = &from_handle {
                let _ = f.shutdown(Shutdown::Both);
            }
            drop(rx);
            break;
        }
        pieces.push(piece.len());
        if !cfg.delay.is_zero() {
            thread::sleep(cfg.delay);
        }
    }
    let _ = reader.join();
    if reset.load(Ordering::SeqCst) {
        // The sender reset its connection: reset ours to the receiver too.
        // With SO_LINGER 0 the last close sends RST instead of FIN; shutting
        // the socket's reading side ends the other direction's reader, so
        // that last close comes at once.
        let _ = sock::set_linger_zero(&to);
        let _ = to.shutdown(Shutdown::Read);
    } else {
        let _ = to.shutdown(Shutdown::Write);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_forwards_every_byte_in_small_pieces() {
        let server = sock::listen("127.0.0.1:0".parse().unwrap()).unwrap();
        let upstream = server.local_addr().unwrap();
        let proxy = ChaosProxy::start(
            "127.0.0.1:0".parse().unwrap(),
            ProxyConfig::new(upstream, 3, 64),
        )
        .unwrap();
        let data: Vec<u8> = (0..4000u32).map(|i| (i % 251) as u8).collect();
        let mut client = sock::connect(proxy.local_addr()).unwrap();
        let (mut conn, _) = server.accept().unwrap();
        client.write_all(&data).unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        let mut got = Vec::new();
        conn.read_to_end(&mut got).unwrap();
        assert_eq!(got, data);
    }

    fn upstream_and_proxy() -> (TcpListener, ChaosProxy) {
        let server = sock::listen("127.0.0.1:0".parse().unwrap()).unwrap();
        let upstream = server.local_addr().unwrap();
        let mut cfg = ProxyConfig::new(upstream, 3, 64 * 1024);
        cfg.delay = Duration::ZERO;
        let proxy = ChaosProxy::start("127.0.0.1:0".parse().unwrap(), cfg).unwrap();
        (server, proxy)
    }

    #[test]
    fn a_fast_sender_meets_a_slow_receivers_backpressure_through_the_proxy() {
        // The server accepts and never reads. Without a bound the proxy
        // took 300 MiB in 1.3 s; with one, the client's writes stall once
        // the kernel buffers and the proxy's 1 MiB are full.
        let (server, proxy) = upstream_and_proxy();
        let client = sock::connect(proxy.local_addr()).unwrap();
        let (_silent, _) = server.accept().unwrap();
        client.set_nonblocking(true).unwrap();
        let chunk = vec![7u8; 1 << 20];
        let mut sent = 0usize;
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            match (&client).write(&chunk) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    thread::sleep(Duration::from_millis(5))
                }
                Err(e) => panic!("{e}"),
            }
        }
        assert!(sent < 96 << 20, "the proxy took {} MiB", sent >> 20);
    }

    #[test]
    fn a_reset_is_passed_on_as_a_reset() {
        let (server, proxy) = upstream_and_proxy();
        let mut client = sock::connect(proxy.local_addr()).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let (conn, _) = server.accept().unwrap();
        sock::set_linger_zero(&conn).unwrap();
        drop(conn); // RST to the proxy
        assert_reset(client.read(&mut [0u8; 16]), "the client");
        assert_all_threads_end(&proxy);
    }

    /// `got`, a read on `who`'s socket, was a reset (not a polite close).
    fn assert_reset(got: io::Result<usize>, who: &str) {
        assert!(
            matches!(&got, Err(e) if e.kind() == io::ErrorKind::ConnectionReset),
            "{who} saw {got:?}, not a reset"
        );
    }

    /// Waits (10 s at most) for the proxy to have no connection left: its
    /// relay thread joins both pumps, each pump joins its reader, so 0 open
    /// connections means all five threads of each connection have ended.
    fn assert_all_threads_end(proxy: &ChaosProxy) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while proxy.open_connections() > 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(
            proxy.open_connections(),
            0,
            "the proxy still relays a connection whose side has gone"
        );
    }

    #[test]
    fn a_client_reset_reaches_the_server_and_frees_the_connections_threads() {
        // The server stays open and silent: only the client's reset can end
        // the relay (before the fix it became a polite FIN and the proxy kept
        // three threads until the server closed).
        let (server, proxy) = upstream_and_proxy();
        let client = sock::connect(proxy.local_addr()).unwrap();
        let (mut conn, _) = server.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        assert_eq!(proxy.open_connections(), 1);
        sock::set_linger_zero(&client).unwrap();
        drop(client); // RST to the proxy
        assert_reset(conn.read(&mut [0u8; 16]), "the server");
        assert_all_threads_end(&proxy);
    }

    #[test]
    fn a_polite_close_on_both_sides_frees_the_connections_threads() {
        let (server, proxy) = upstream_and_proxy();
        let mut client = sock::connect(proxy.local_addr()).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let (mut conn, _) = server.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        client.write_all(b"bye").unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        let mut got = Vec::new();
        conn.read_to_end(&mut got).unwrap();
        assert_eq!(got, b"bye");
        drop(conn); // the server answers the FIN with its own
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty());
        assert_all_threads_end(&proxy);
    }

    #[test]
    fn a_server_that_cannot_be_reached_leaves_no_connection_behind() {
        let (server, proxy) = upstream_and_proxy();
        drop(server); // nothing listens upstream any more
        let mut client = sock::connect(proxy.local_addr()).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        assert_reset(client.read(&mut [0u8; 16]), "the client");
        assert_all_threads_end(&proxy);
    }
}
