//! UDP beside TCP: datagram boundaries, truncation, empty messages, size
//! limits and loss (lab 06).
//!
//! The lessons say "UDP never sticks, but it can lose data". Both halves are
//! true, and this module measures each on real sockets, the same sends over
//! TCP and over UDP:
//!
//! * **boundaries** — one `sendto()` is one `recvfrom()`: a datagram arrives
//!   whole or not at all, where TCP glues `hello` and `world` together;
//! * **truncation** — a datagram longer than the buffer handed to
//!   `recvfrom(n)` is cut to `n` bytes and *the rest is thrown away*
//!   (Linux says so with `MSG_TRUNC`); TCP keeps the rest for the next recv;
//! * **empty messages** — a 0-byte datagram is a real message; on TCP,
//!   sending 0 bytes sends nothing and `recv()` returning 0 means "closed";
//! * **size limits** — one IPv4 datagram carries at most 65507 bytes
//!   (65535 − 20 IP − 8 UDP); one byte more fails with `EMSGSIZE`;
//! * **loss** — a full receive buffer drops datagrams silently, where TCP's
//!   flow control makes the sender wait instead;
//! * **chaos** — through [`crate::kit::udp_proxy::UdpChaosProxy`], a real
//!   UDP hop that drops, duplicates and reorders datagrams by a seeded plan,
//!   so sequence numbers can show what the network may do.
//!
//! The lesson's read and its fix are the two functions right below:
//! [`lesson_recvfrom`] (seed 002's `recvfrom(2)`: a datagram longer than the
//! buffer is cut, and the rest is thrown away) and [`recvfrom_whole`] (a
//! buffer as long as any datagram can be). It also holds the lessons'
//! upper-case echo server (seed 002 §3.2, `socketserver.ThreadingUDPServer`):
//! [`serve_upper`].

use std::collections::BTreeSet;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use socket2::SockRef;

use crate::kit::server::Slots;
use crate::kit::sock::{self, Datagram, SockOpts};
use crate::kit::udp_proxy::{
    numbered, seq_of, Decision, UdpChaos, UdpChaosProxy, UdpProxyConfig, Way,
};

// ──────────────── the lesson's recvfrom, and a buffer no datagram overflows ────────────────

/// The lesson's read (seed 002 §3.1): `server.recvfrom(2)`. One call takes
/// one whole datagram off the queue; whatever does not fit in the 2 bytes
/// is thrown away by the kernel (the returned [`Datagram`] says how long it
/// really was). Seed 002's comment `# b"hello"` is wrong: it returns `b'he'`.
pub fn lesson_recvfrom(sock: &UdpSocket) -> io::Result<Datagram> {
    sock::recv_datagram(sock, LESSON_RECVFROM)
}

/// The fix: a buffer as long as the longest datagram UDP can carry, so
/// every `recvfrom()` returns one whole message. UDP keeps boundaries for
/// free; only the buffer size can cut a message.
pub fn recvfrom_whole(sock: &UdpSocket) -> io::Result<Datagram> {
    sock::recv_datagram(sock, WHOLE_DATAGRAM)
}

/// Seed 002's `recvfrom(2)`.
pub const LESSON_RECVFROM: usize = 2;

/// UDP's 16-bit length field: no datagram (IPv4 or IPv6, jumbograms aside)
/// carries more than this, so a buffer this long never cuts one.
pub const WHOLE_DATAGRAM: usize = 65535;

/// The largest UDP payload in one IPv4 datagram: the 16-bit total length
/// (65535) less the 20-byte IP header and the 8-byte UDP header.
pub const MAX_IPV4_PAYLOAD: usize = 65535 - 20 - 8;

/// The largest UDP payload in one IPv6 packet without a jumbogram: the
/// 16-bit payload length (65535, which excludes IPv6's own 40-byte header)
/// less the 8-byte UDP header.
pub const MAX_IPV6_PAYLOAD: usize = 65535 - 8;

/// What can go wrong sending or asking over UDP.
#[derive(Debug, thiserror::Error)]
pub enum UdpError {
    /// The kernel refused a datagram larger than one IP packet can carry.
    #[error(
        "a {len}-byte datagram is too big for UDP (EMSGSIZE: \"{source}\"); \
         the largest payload is {limit} bytes over {family}"
    )]
    TooBig {
        /// The payload size that was refused.
        len: usize,
        /// The protocol's limit for this address family.
        limit: usize,
        /// "IPv4" or "IPv6".
        family: &'static str,
        /// The kernel's error.
        source: io::Error,
    },
    /// No reply came back in time (the request or the reply may be lost,
    /// or nothing listens there: UDP cannot tell which).
    #[error("no reply from {to} within {waited:?} (UDP cannot say whether the request, the reply or the server is missing)")]
    NoReply {
        /// Who was asked.
        to: SocketAddr,
        /// How long the client waited.
        waited: Duration,
    },
    /// Any other socket error.
    #[error("{0}")]
    Io(#[from] io::Error),
}

fn is_emsgsize(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::EMSGSIZE)
}

/// One `sendto()`: the whole datagram or an error; `EMSGSIZE` becomes
/// [`UdpError::TooBig`] with the limit named.
pub fn send_datagram(sock: &UdpSocket, data: &[u8], to: SocketAddr) -> Result<usize, UdpError> {
    sock.send_to(data, to).map_err(|e| {
        if is_emsgsize(&e) {
            let (limit, family) = if to.is_ipv4() {
                (MAX_IPV4_PAYLOAD, "IPv4")
            } else {
                (MAX_IPV6_PAYLOAD, "IPv6")
            };
            UdpError::TooBig {
                len: data.len(),
                limit,
                family,
                source: e,
            }
        } else {
            UdpError::Io(e)
        }
    })
}

/// Python's `bytes.upper()`: ASCII letters only, every other byte as is
/// (so non-UTF-8 input is answered, not refused).
pub fn upper(data: &[u8]) -> Vec<u8> {
    data.to_ascii_uppercase()
}

/// A one-line account of one received datagram, for server logs and
/// clients: its size, a preview, and what was odd about it.
pub fn describe(d: &Datagram) -> String {
    let mut s = format!(
        "{} B from {}: {:?}",
        d.data.len(),
        d.from,
        crate::kit::text::preview(&d.data, 60)
    );
    if d.data.is_empty() && d.wire_len == 0 {
        s.push_str(" (an empty datagram: a real 0-byte message)");
    }
    if d.truncated {
        s.push_str(&format!(
            " (TRUNCATED: {} B on the wire, {} B kept, {} B discarded by the kernel)",
            d.wire_len,
            d.data.len(),
            d.wire_len.saturating_sub(d.data.len())
        ));
    }
    if std::str::from_utf8(&d.data).is_err() {
        s.push_str(" (not UTF-8: answered byte for byte)");
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
    /// Print one line per datagram on stderr.
    pub log: bool,
}

impl Default for EchoOptions {
    fn default() -> EchoOptions {
        EchoOptions {
            bufsize: 1024,
            max_threads: 64,
            log: true,
        }
    }
}

/// The lessons' `ThreadingUDPServer` with `server.sendto(data.upper(), addr)`:
/// one loop receives, each datagram is answered on its own thread. There is
/// no connection, so one bad datagram can only cost its own reply. Runs
/// until `stop` is set (checked every 100 ms).
pub fn serve_upper(sock: UdpSocket, opts: &EchoOptions, stop: &AtomicBool) -> io::Result<()> {
    sock.set_read_timeout(Some(Duration::from_millis(100)))?;
    let sock = Arc::new(sock);
    let slots = Slots::new(opts.max_threads);
    while !stop.load(Ordering::SeqCst) {
        let d = match sock::recv_datagram(&sock, opts.bufsize.max(1)) {
            Ok(d) => d,
            Err(e) if crate::kit::sock::is_timeout(&e) => continue,
            // An ICMP error from an earlier reply (Linux reports
            // "connection refused" on the next call): not this datagram's fault.
            Err(e) => {
                if opts.log {
                    eprintln!("recvfrom: {e} (ignored, still serving)");
                }
                continue;
            }
        };
        if opts.log {
            eprintln!("{}", describe(&d));
        }
        let guard = slots.acquire();
        let s = sock.clone();
        let log = opts.log;
        let spawned = thread::Builder::new()
            .name("udp-reply".into())
            .spawn(move || {
                let _guard = guard;
                if let Err(e) = s.send_to(&upper(&d.data), d.from) {
                    if log {
                        eprintln!("reply to {} failed: {e}", d.from);
                    }
                }
            });
        if let Err(e) = spawned {
            eprintln!("cannot start a reply thread: {e}");
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

fn loopback_pair(v6: bool) -> io::Result<(UdpSocket, UdpSocket)> {
    let ip: std::net::IpAddr = if v6 {
        Ipv6Addr::LOCALHOST.into()
    } else {
        Ipv4Addr::LOCALHOST.into()
    };
    let rx = UdpSocket::bind(SocketAddr::new(ip, 0))?;
    let tx = UdpSocket::bind(SocketAddr::new(ip, 0))?;
    rx.set_read_timeout(Some(Duration::from_secs(2)))?;
    Ok((tx, rx))
}

fn tcp_pair(opts: &SockOpts) -> io::Result<(TcpStream, TcpStream)> {
    let listener = sock::listen_with("127.0.0.1:0".parse().map_err(io::Error::other)?, opts)?;
    let client = sock::connect_with(listener.local_addr()?, opts, Some(Duration::from_secs(2)))?;
    let (server, _) = listener.accept()?;
    server.set_read_timeout(Some(Duration::from_secs(5)))?;
    Ok((client, server))
}

/// What each side's receiver got for the same sends.
#[derive(Clone, Debug)]
pub struct BoundaryRun {
    /// One entry per TCP `recv(1024)`.
    pub tcp_reads: Vec<Vec<u8>>,
    /// One entry per UDP `recvfrom(1024)`.
    pub udp_reads: Vec<Vec<u8>>,
}

/// Sends `msgs` quickly over TCP (Nagle off, one `send()` each) and over UDP
/// (one `sendto()` each) to a receiver that sleeps `reader_sleep` first, as
/// a busy server would, then reads with 1024-byte buffers.
pub fn boundaries(msgs: &[&[u8]], reader_sleep: Duration) -> io::Result<BoundaryRun> {
    let total: usize = msgs.iter().map(|m| m.len()).sum();
    let (mut client, server) = tcp_pair(&SockOpts::nodelay(true))?;
    for m in msgs {
        client.write_all(m)?;
    }
    let (tx, rx) = loopback_pair(false)?;
    let to = rx.local_addr()?;
    for m in msgs {
        send_datagram(&tx, m, to).map_err(io::Error::other)?;
    }
    thread::sleep(reader_sleep);
    let mut tcp_reads = Vec::new();
    let mut got = 0;
    while got < total {
        let r = sock::recv_once(&server, 1024)?;
        if r.is_empty() {
            break;
        }
        got += r.len();
        tcp_reads.push(r);
    }
    let mut udp_reads = Vec::new();
    for _ in msgs {
        udp_reads.push(sock::recv_datagram(&rx, 1024)?.data);
    }
    Ok(BoundaryRun {
        tcp_reads,
        udp_reads,
    })
}

/// The same bytes read through a too-small buffer, on each protocol.
#[derive(Clone, Debug)]
pub struct TruncationRun {
    /// What each UDP `recvfrom(bufsize)` returned (with the wire length).
    pub udp: Vec<Datagram>,
    /// Datagrams still queued after one `recvfrom` per datagram sent: 0
    /// means the cut-off rest did not wait for a later call — it is gone.
    pub udp_left_over: usize,
    /// What each TCP `recv(bufsize)` returned, until every byte was read.
    pub tcp_reads: Vec<Vec<u8>>,
}

/// Sends `msgs` as datagrams and reads one `recvfrom` per datagram with
/// `read` ([`lesson_recvfrom`] or [`recvfrom_whole`]); sends them again as a
/// TCP stream and reads it with `recv(2)`, the lesson's size, for comparison.
pub fn truncation(
    msgs: &[&[u8]],
    read: fn(&UdpSocket) -> io::Result<Datagram>,
) -> io::Result<TruncationRun> {
    let bufsize = LESSON_RECVFROM;
    let (tx, rx) = loopback_pair(false)?;
    let to = rx.local_addr()?;
    for m in msgs {
        send_datagram(&tx, m, to).map_err(io::Error::other)?;
    }
    let mut udp = Vec::new();
    for _ in msgs {
        udp.push(read(&rx)?);
    }
    rx.set_nonblocking(true)?;
    let mut udp_left_over = 0;
    thread::sleep(Duration::from_millis(20));
    while sock::recv_datagram(&rx, 65536).is_ok() {
        udp_left_over += 1;
    }

    let (mut client, server) = tcp_pair(&SockOpts::nodelay(true))?;
    let total: usize = msgs.iter().map(|m| m.len()).sum();
    for m in msgs {
        client.write_all(m)?;
    }
    let mut tcp_reads = Vec::new();
    let mut got = 0;
    while got < total {
        let r = sock::recv_once(&server, bufsize)?;
        if r.is_empty() {
            break;
        }
        got += r.len();
        tcp_reads.push(r);
    }
    Ok(TruncationRun {
        udp,
        udp_left_over,
        tcp_reads,
    })
}

/// Empty messages on each protocol.
#[derive(Clone, Debug)]
pub struct EmptyRun {
    /// The empty datagram as received: 0 bytes, from a real sender.
    pub udp: Datagram,
    /// What TCP's `send(b"")` returned (0: nothing was sent).
    pub tcp_send_returned: usize,
    /// Whether anything arrived on TCP after the empty send (it should not).
    pub tcp_anything_arrived: bool,
    /// Bytes returned by the first `recv()` after the client closed (0).
    pub tcp_recv_after_close: usize,
    /// A loop that `continue`s on an empty recv: how many empty recvs it
    /// made within `spin_window` after the peer closed.
    pub spin_empty_recvs: u64,
    /// How long the spinning loop was allowed to run.
    pub spin_window: Duration,
    /// A loop that `break`s on an empty recv: how many recvs it made (1).
    pub break_recvs: u64,
}

/// Sends an empty datagram and an empty TCP message, then closes the TCP
/// client and runs the lessons' two loops against the closed connection:
/// seed 003's `if not cmd: continue` (which spins) for `spin_window`, and
/// `if not cmd: break` (which stops).
pub fn empty_messages(spin_window: Duration) -> io::Result<EmptyRun> {
    let (tx, rx) = loopback_pair(false)?;
    send_datagram(&tx, b"", rx.local_addr()?).map_err(io::Error::other)?;
    let udp = sock::recv_datagram(&rx, 1024)?;

    let (mut client, server) = tcp_pair(&SockOpts::nodelay(true))?;
    let tcp_send_returned = client.write(b"")?;
    server.set_read_timeout(Some(Duration::from_millis(100)))?;
    let mut probe = [0u8; 1024];
    let tcp_anything_arrived = match sock::recv_into(&server, &mut probe) {
        Ok(_) => true,
        Err(e) if crate::kit::sock::is_timeout(&e) => false,
        Err(e) => return Err(e),
    };
    drop(client);
    server.set_read_timeout(Some(Duration::from_secs(2)))?;
    let tcp_recv_after_close = sock::recv_into(&server, &mut probe)?;

    // `while True: cmd = conn.recv(1024); if not cmd: continue` — bounded here.
    let start = Instant::now();
    let mut spin_empty_recvs = 0u64;
    while start.elapsed() < spin_window {
        if sock::recv_into(&server, &mut probe)? == 0 {
            spin_empty_recvs += 1;
            continue;
        }
    }
    // `if not cmd: break` — one recv, and the loop is over.
    let mut break_recvs = 0u64;
    loop {
        break_recvs += 1;
        if sock::recv_into(&server, &mut probe)? == 0 {
            break;
        }
    }
    Ok(EmptyRun {
        udp,
        tcp_send_returned,
        tcp_anything_arrived,
        tcp_recv_after_close,
        spin_empty_recvs,
        spin_window,
        break_recvs,
    })
}

/// The largest datagram the kernel accepts from `tx` to `to`, found by
/// bisection on real `sendto()` calls between `lo` (must succeed) and `hi`.
pub fn largest_payload(tx: &UdpSocket, to: SocketAddr, lo: usize, hi: usize) -> io::Result<usize> {
    let buf = vec![b'x'; hi];
    let (mut ok, mut bad) = (lo, hi);
    tx.send_to(&buf[..ok], to)?;
    while bad - ok > 1 {
        let mid = ok + (bad - ok) / 2;
        match tx.send_to(&buf[..mid], to) {
            Ok(_) => ok = mid,
            Err(e) if is_emsgsize(&e) => bad = mid,
            Err(e) => return Err(e),
        }
    }
    Ok(ok)
}

/// Size limits, measured.
#[derive(Debug)]
pub struct SizeRun {
    /// Bytes the receiver got for a [`MAX_IPV4_PAYLOAD`]-byte datagram.
    pub v4_limit_received: usize,
    /// The error for one byte more (expected: [`UdpError::TooBig`]).
    pub v4_over: Result<usize, UdpError>,
    /// The largest IPv4 payload `sendto()` accepted, by bisection.
    pub v4_measured: usize,
    /// The same on `::1`, or why IPv6 was skipped.
    pub v6_measured: Result<usize, String>,
    /// Bytes sent over TCP in one `sendall()`.
    pub tcp_sent: usize,
    /// Bytes the TCP receiver read back.
    pub tcp_received: usize,
}

/// Measures the UDP size limits on loopback, and sends `tcp_bytes` over TCP
/// in one call to show TCP has no such limit.
pub fn size_limits(tcp_bytes: usize) -> io::Result<SizeRun> {
    let (tx, rx) = loopback_pair(false)?;
    let to = rx.local_addr()?;
    // Room for one maximal datagram even with small defaults.
    let _ = SockRef::from(&rx).set_recv_buffer_size(1 << 20);
    let big = vec![b'a'; MAX_IPV4_PAYLOAD + 1];
    send_datagram(&tx, &big[..MAX_IPV4_PAYLOAD], to).map_err(io::Error::other)?;
    let v4_limit_received = sock::recv_datagram(&rx, 1 << 17)?.wire_len;
    let v4_over = send_datagram(&tx, &big, to);
    let v4_measured = largest_payload(&tx, to, 1, 70_000)?;
    let v6_measured = match loopback_pair(true) {
        Ok((tx6, rx6)) => match rx6.local_addr() {
            Ok(to6) => largest_payload(&tx6, to6, 1, 70_000).map_err(|e| format!("::1: {e}")),
            Err(e) => Err(format!("::1: {e}")),
        },
        Err(e) => Err(format!("::1 is unavailable here ({e})")),
    };

    let (mut client, server) = tcp_pair(&SockOpts::default())?;
    let sender = thread::spawn(move || -> io::Result<()> {
        client.write_all(&vec![b't'; tcp_bytes])?;
        Ok(())
    });
    let mut tcp_received = 0;
    let mut buf = vec![0u8; 1 << 16];
    while tcp_received < tcp_bytes {
        let n = sock::recv_into(&server, &mut buf)?;
        if n == 0 {
            break;
        }
        tcp_received += n;
    }
    sender
        .join()
        .map_err(|_| io::Error::other("TCP sender panicked"))??;
    Ok(SizeRun {
        v4_limit_received,
        v4_over,
        v4_measured,
        v6_measured,
        tcp_sent: tcp_bytes,
        tcp_received,
    })
}

/// What sequence numbers reveal about a delivery of `0..sent`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SeqReport {
    /// How many were sent (numbered 0..sent).
    pub sent: u32,
    /// Sequence numbers in the order they arrived (duplicates included).
    pub arrival: Vec<u32>,
    /// Distinct numbers that arrived.
    pub received: Vec<u32>,
    /// Numbers that never arrived.
    pub lost: Vec<u32>,
    /// Numbers that arrived more than once (once per extra copy).
    pub duplicated: Vec<u32>,
    /// Numbers that arrived after a higher number had already arrived.
    pub reordered: Vec<u32>,
}

impl SeqReport {
    /// Accounts for every number in `0..sent` from the arrival order.
    pub fn new(sent: u32, arrival: Vec<u32>) -> SeqReport {
        let mut seen = BTreeSet::new();
        let mut duplicated = Vec::new();
        let mut reordered = Vec::new();
        let mut highest: Option<u32> = None;
        for &s in &arrival {
            if !seen.insert(s) {
                duplicated.push(s);
                continue;
            }
            if highest.is_some_and(|h| s < h) {
                reordered.push(s);
            }
            highest = Some(highest.map_or(s, |h| h.max(s)));
        }
        let lost = (0..sent).filter(|s| !seen.contains(s)).collect();
        SeqReport {
            sent,
            received: seen.into_iter().collect(),
            arrival,
            lost,
            duplicated,
            reordered,
        }
    }

    /// `received ∪ lost = 0..sent` and the two are disjoint.
    pub fn accounts_for_all(&self) -> bool {
        let r: BTreeSet<u32> = self.received.iter().copied().collect();
        let l: BTreeSet<u32> = self.lost.iter().copied().collect();
        r.is_disjoint(&l)
            && r.union(&l).copied().eq(0..self.sent)
            && self.received.len() + self.lost.len() == self.sent as usize
    }
}

/// Writes runs of numbers compactly: `0-41, 97, 100-999`.
pub fn ranges(nums: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < nums.len() {
        let start = nums[i];
        let mut end = start;
        while i + 1 < nums.len() && nums[i + 1] == end + 1 {
            i += 1;
            end = nums[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    if out.is_empty() {
        "none".into()
    } else {
        out.join(", ")
    }
}

/// One UDP loss run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LossRun {
    /// What the sequence numbers say.
    pub seq: SeqReport,
    /// `SO_RCVBUF` as the kernel reports it (Linux doubles the request).
    pub rcvbuf: usize,
    /// Bytes per datagram.
    pub payload: usize,
}

/// Blasts `n` numbered datagrams of `payload` bytes at a receiver whose
/// `SO_RCVBUF` is `rcvbuf` and which is busy (not reading) until the sender
/// has finished, then reads everything queued. Whatever did not fit in the
/// receive buffer was dropped by the kernel, silently: `sendto()` succeeded
/// every time.
pub fn udp_loss(n: u32, payload: usize, rcvbuf: usize) -> io::Result<LossRun> {
    let (tx, rx) = loopback_pair(false)?;
    SockRef::from(&rx).set_recv_buffer_size(rcvbuf)?;
    let actual = SockRef::from(&rx).recv_buffer_size()?;
    let to = rx.local_addr()?;
    for s in 0..n {
        send_datagram(&tx, &numbered(s, payload), to).map_err(io::Error::other)?;
    }
    rx.set_read_timeout(Some(Duration::from_millis(200)))?;
    let mut arrival = Vec::new();
    loop {
        match sock::recv_datagram(&rx, 65536) {
            Ok(d) => {
                if let Some(s) = seq_of(&d.data) {
                    arrival.push(s);
                }
            }
            Err(e) if crate::kit::sock::is_timeout(&e) => break,
            Err(e) => return Err(e),
        }
    }
    Ok(LossRun {
        seq: SeqReport::new(n, arrival),
        rcvbuf: actual,
        payload,
    })
}

/// The same blast over TCP.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TcpFlowRun {
    /// What the sequence numbers say.
    pub seq: SeqReport,
    /// How long the receiver did not read.
    pub reader_pause_ms: f64,
    /// How long the sender's `sendall()` of every record took: at least
    /// the pause when flow control made it wait for the reader.
    pub sender_ms: f64,
}

/// Sends `n` numbered records of `payload` bytes over TCP with small buffers
/// (`rcvbuf` on both ends) to a reader that sleeps `reader_pause` first.
/// Nothing is lost: when the buffers are full the sender blocks.
pub fn tcp_flow(
    n: u32,
    payload: usize,
    rcvbuf: usize,
    reader_pause: Duration,
) -> io::Result<TcpFlowRun> {
    let opts = SockOpts {
        nodelay: Some(true),
        send_buffer: Some(rcvbuf),
        recv_buffer: Some(rcvbuf),
    };
    let (mut client, mut server) = tcp_pair(&opts)?;
    let len = payload.max(4);
    let sender = thread::spawn(move || -> io::Result<Duration> {
        let start = Instant::now();
        for s in 0..n {
            client.write_all(&numbered(s, len))?;
        }
        Ok(start.elapsed())
    });
    thread::sleep(reader_pause);
    let mut arrival = Vec::new();
    let mut rec = vec![0u8; len];
    for _ in 0..n {
        // A fixed record size is this test's framing: every record is whole.
        server.read_exact(&mut rec)?;
        if let Some(s) = seq_of(&rec) {
            arrival.push(s);
        }
    }
    let sender_time = sender
        .join()
        .map_err(|_| io::Error::other("TCP sender panicked"))??;
    Ok(TcpFlowRun {
        seq: SeqReport::new(n, arrival),
        reader_pause_ms: reader_pause.as_secs_f64() * 1e3,
        sender_ms: sender_time.as_secs_f64() * 1e3,
    })
}

/// One trip of numbered datagrams through a [`UdpChaosProxy`].
#[derive(Clone, Debug, serde::Serialize)]
pub struct ChaosRun {
    /// What the receiver's sequence numbers say.
    pub seq: SeqReport,
    /// What the proxy says it did (client → server direction).
    pub decisions: Vec<Decision>,
}

/// Sends `n` numbered datagrams, `gap` apart, through a chaos proxy with
/// `seed` to a receiver, and collects what arrives.
pub fn through_chaos(n: u32, seed: u64, chaos: UdpChaos, gap: Duration) -> io::Result<ChaosRun> {
    let (tx, rx) = loopback_pair(false)?;
    let mut cfg = UdpProxyConfig::new(rx.local_addr()?, seed);
    cfg.chaos = chaos;
    cfg.hold = Duration::from_millis(100);
    let proxy = UdpChaosProxy::start("127.0.0.1:0".parse().map_err(io::Error::other)?, cfg)?;
    for s in 0..n {
        send_datagram(&tx, &numbered(s, 16), proxy.addr()).map_err(io::Error::other)?;
        thread::sleep(gap);
    }
    rx.set_read_timeout(Some(Duration::from_millis(400)))?;
    let mut arrival = Vec::new();
    loop {
        match sock::recv_datagram(&rx, 1024) {
            Ok(d) => arrival.extend(seq_of(&d.data)),
            Err(e) if crate::kit::sock::is_timeout(&e) => break,
            Err(e) => return Err(e),
        }
    }
    let decisions = proxy
        .decisions()
        .into_iter()
        .filter(|d| d.way == Way::ToServer)
        .collect();
    Ok(ChaosRun {
        seq: SeqReport::new(n, arrival),
        decisions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::udp_proxy::{Action, Forwarder, UdpChaosPlan};

    #[test]
    fn seq_report_accounts_for_loss_duplicates_and_reordering() {
        let r = SeqReport::new(6, vec![0, 2, 1, 2, 5]);
        assert_eq!(r.lost, vec![3, 4]);
        assert_eq!(r.duplicated, vec![2]);
        assert_eq!(r.reordered, vec![1]);
        assert_eq!(r.received, vec![0, 1, 2, 5]);
        assert!(r.accounts_for_all());
    }

    #[test]
    fn same_seed_same_decisions_and_the_forwarder_follows_them() {
        let run = |seed| {
            let mut f = Forwarder::new(UdpChaosPlan::new(seed, UdpChaos::default()));
            let mut sent = Vec::new();
            let mut actions = Vec::new();
            for s in 0..200u32 {
                let (_, a, out) = f.push(numbered(s, 8));
                actions.push(a);
                sent.extend(out.iter().filter_map(|d| seq_of(d)));
            }
            sent.extend(f.flush().and_then(|d| seq_of(&d)));
            (actions, sent)
        };
        let (a1, s1) = run(7);
        let (a2, s2) = run(7);
        let (a3, _) = run(8);
        assert_eq!(a1, a2);
        assert_eq!(s1, s2);
        assert_ne!(a1, a3);
        let r = SeqReport::new(200, s1);
        let count = |x: Action| a1.iter().filter(|&&a| a == x).count();
        assert_eq!(r.lost.len(), count(Action::Drop));
        assert_eq!(r.duplicated.len(), count(Action::Duplicate));
        assert!(!r.reordered.is_empty());
    }

    #[test]
    fn upper_is_pythons_bytes_upper() {
        assert_eq!(upper(b"hello \xff\xfe z"), b"HELLO \xff\xfe Z");
        assert_eq!(upper("中a".as_bytes()), "中A".as_bytes());
    }

    #[test]
    fn one_byte_over_the_ipv4_limit_is_a_typed_emsgsize() {
        let (tx, rx) = loopback_pair(false).unwrap();
        let big = vec![0u8; MAX_IPV4_PAYLOAD + 1];
        let err = send_datagram(&tx, &big, rx.local_addr().unwrap()).unwrap_err();
        assert!(
            matches!(
                err,
                UdpError::TooBig {
                    len: 65508,
                    limit: 65507,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("EMSGSIZE"));
    }

    #[test]
    fn ranges_are_compact() {
        assert_eq!(ranges(&[0, 1, 2, 5, 7, 8]), "0-2, 5, 7-8");
        assert_eq!(ranges(&[]), "none");
    }
}
