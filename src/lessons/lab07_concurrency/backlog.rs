//! The accept queue overflows: a listener that never calls `accept()`.
//!
//! `listen(backlog)` sizes the queue of connections the kernel has finished
//! the handshake for and the program has not yet taken with `accept()`.
//! Linux holds `backlog + 1` there (`sk_acceptq_is_full` in
//! include/net/sock.h: full when the count is *over* the backlog). A
//! client whose connection sits in that queue has a `connect()` that
//! succeeded and a `send()` that succeeds — the bytes wait in the kernel's
//! receive buffer — but no program ever reads them.
//!
//! Past the queue's size Linux does not refuse: it drops. A SYN that finds
//! the queue full is thrown away (`tcp_conn_request`, counted as
//! `ListenOverflows` and `ListenDrops`), so the client's `connect()` neither
//! succeeds nor fails: it resends the SYN after 1 s, 3 s, 7 s… and gives up
//! only after `tcp_syn_retries` (about two minutes), unless it has its own
//! timeout. When the queue fills *between* a client's SYN and its final ACK
//! (many clients at once over a real network), the server drops that ACK
//! instead (`tcp_v4_syn_recv_sock`, also `ListenOverflows`): with
//! `net.ipv4.tcp_abort_on_overflow = 0`, the default, it keeps the
//! half-open request and resends its SYN-ACK, while the client's
//! `connect()` has already succeeded. With 1 it answers with a reset.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::kit::counters::Counters;
use crate::report::table::Table;

/// The sysctl that says what Linux does with a final ACK it cannot queue.
pub const ABORT_ON_OVERFLOW_SYSCTL: &str = "/proc/sys/net/ipv4/tcp_abort_on_overflow";

/// `net.ipv4.tcp_abort_on_overflow`: `Some(false)` (0, the default: drop
/// the ACK and retry the SYN-ACK), `Some(true)` (reset the client), `None`
/// where it cannot be read (not Linux).
pub fn abort_on_overflow() -> Option<bool> {
    let s = std::fs::read_to_string(ABORT_ON_OVERFLOW_SYSCTL).ok()?;
    Some(s.trim() != "0")
}

/// A listener on `addr` with a chosen `backlog`, that nobody accepts from.
pub fn listen_with_backlog(addr: SocketAddr, backlog: i32) -> std::io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.bind(&SockAddr::from(addr))?;
    socket.listen(backlog)?;
    let listener: TcpListener = socket.into();
    // So that `demo --pcap` keeps every handshake with it, however short.
    crate::kit::capture::note(&listener);
    Ok(listener)
}

/// What one client of the full queue saw.
#[derive(Clone, Debug, Serialize)]
pub struct QueuedClient {
    /// 0-based, in the order the clients started (as in the other stages' tables).
    pub client: usize,
    /// Whether `connect()` returned success within the timeout.
    pub connected: bool,
    /// How long `connect()` took (or until it gave up), in ms.
    pub connect_ms: f64,
    /// Why `connect()` did not succeed.
    pub connect_error: Option<String>,
    /// What `send()` of the first message returned (connected clients).
    pub sent: Option<usize>,
    /// Whether any reply came back before the read timeout.
    pub replied: bool,
}

/// The whole experiment: the clients, and the kernel's counters around it.
#[derive(Clone, Debug, Serialize)]
pub struct Overflow {
    /// The `listen()` backlog used.
    pub backlog: i32,
    /// `tcp_abort_on_overflow`, when readable.
    pub abort_on_overflow: Option<bool>,
    /// Each client's view.
    pub clients: Vec<QueuedClient>,
    /// `TcpExt ListenOverflows` rose by this much (Linux).
    pub listen_overflows: Option<u64>,
    /// `TcpExt ListenDrops` rose by this much (Linux).
    pub listen_drops: Option<u64>,
    /// `TcpExt TCPSynRetrans` rose by this much: SYNs (and SYN-ACKs) sent again.
    pub syn_retrans: Option<u64>,
}

impl Overflow {
    /// Clients whose `connect()` succeeded.
    pub fn connected(&self) -> usize {
        self.clients.iter().filter(|c| c.connected).count()
    }
}

/// How far apart the clients start.
const STAGGER: Duration = Duration::from_millis(20);

/// One client: connect, and if that worked, send one message and wait for
/// a reply that no program will write.
fn one_client(
    client: usize,
    addr: SocketAddr,
    connect_timeout: Duration,
    read_timeout: Duration,
) -> QueuedClient {
    let t = Instant::now();
    let mut seen = QueuedClient {
        client,
        connected: false,
        connect_ms: 0.0,
        connect_error: None,
        sent: None,
        replied: false,
    };
    match TcpStream::connect_timeout(&addr, connect_timeout) {
        Ok(mut s) => {
            seen.connected = true;
            seen.connect_ms = t.elapsed().as_secs_f64() * 1e3;
            seen.sent = s.write(b"hello\n").ok();
            let mut buf = [0u8; 64];
            seen.replied = s.set_read_timeout(Some(read_timeout)).is_ok()
                && matches!(s.read(&mut buf), Ok(n) if n > 0);
        }
        Err(e) => {
            seen.connect_ms = t.elapsed().as_secs_f64() * 1e3;
            seen.connect_error = Some(e.to_string());
        }
    }
    seen
}

/// Starts `clients` clients, one after another, against a listener with `backlog` that
/// never accepts. Each connects with `connect_timeout`; a connected one
/// sends one message and waits `read_timeout` for a reply that cannot come.
/// The listener lives until every client is done.
pub fn overflow(
    backlog: i32,
    clients: usize,
    connect_timeout: Duration,
    read_timeout: Duration,
) -> std::io::Result<Overflow> {
    let listener = listen_with_backlog(SocketAddr::from(([127, 0, 0, 1], 0)), backlog)?;
    let addr = listener.local_addr()?;
    let before = Counters::read();
    // The clients start `STAGGER` apart, so the queue fills in order (on
    // loopback each handshake is over long before the next client starts),
    // and then run side by side: the demo waits for the slowest only once.
    let runs: Vec<_> = (0..clients)
        .map(|k| {
            thread::sleep(STAGGER);
            thread::spawn(move || one_client(k, addr, connect_timeout, read_timeout))
        })
        .collect();
    let seen: Vec<QueuedClient> = runs.into_iter().filter_map(|t| t.join().ok()).collect();
    let after = Counters::read();
    drop(listener);
    Ok(Overflow {
        backlog,
        abort_on_overflow: abort_on_overflow(),
        clients: seen,
        listen_overflows: before.delta(&after, "TcpExt", "ListenOverflows"),
        listen_drops: before.delta(&after, "TcpExt", "ListenDrops"),
        syn_retrans: before.delta(&after, "TcpExt", "TCPSynRetrans"),
    })
}

/// One row per client: did `connect()` return, what did `send()` say,
/// did a reply come.
pub fn overflow_table(seen: &Overflow) -> Table {
    let mut table = Table::new(
        [
            "lab07-col-client",
            "lab07-col-connect",
            "lab07-col-after",
            "lab07-col-send-hello",
            "lab07-col-reply",
        ]
        .map(crate::lang::tr),
    );
    for c in &seen.clients {
        table.row([
            c.client.to_string(),
            match &c.connect_error {
                None => crate::t!("lab07-connect-succeeded"),
                Some(e) => crate::t!("lab07-connect-gave-up", error = e),
            },
            format!("{:.1} ms", c.connect_ms),
            c.sent.map_or("—".to_string(), |n| {
                crate::t!("lab07-send-returned", n = n)
            }),
            match (c.connected, c.replied) {
                (false, _) => "—".to_string(),
                (true, true) => crate::t!("lab07-reply-unexpected"),
                (true, false) => crate::t!("lab07-reply-none"),
            },
        ]);
    }
    table
}

// The test reads Linux's counters and its SYN-dropping behaviour.
#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn linux_queues_backlog_plus_one_and_drops_the_next_syn() {
        let seen = overflow(1, 3, Duration::from_millis(300), Duration::from_millis(50)).unwrap();
        assert_eq!(seen.connected(), 2, "{seen:?}");
        assert!(seen.clients[..2]
            .iter()
            .all(|c| c.sent == Some(6) && !c.replied));
        assert!(!seen.clients[2].connected, "{seen:?}");
        // Machine-wide: other traffic may add, never subtract.
        assert!(seen.listen_overflows.unwrap() >= 1, "{seen:?}");
    }
}
