//! The demo's measurements, one per stage: the same sends over TCP and
//! over UDP on real loopback sockets, each returned as a result the binary
//! (`labs/lab06_udp_vs_tcp.rs`) narrates, shows and checks.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::thread;
use std::time::{Duration, Instant};

use socket2::SockRef;

use super::seq::SeqReport;
use super::{is_emsgsize, send_datagram, UdpError, LESSON_RECVFROM};
use crate::kit::sock::{self, Datagram, SockOpts};
use crate::kit::udp_proxy::{
    numbered, seq_of, Action, Decision, UdpChaos, UdpChaosProxy, UdpProxyConfig, Way,
};

fn loopback_pair(v6: bool) -> io::Result<(UdpSocket, UdpSocket)> {
    let ip: std::net::IpAddr = if v6 {
        Ipv6Addr::LOCALHOST.into()
    } else {
        Ipv4Addr::LOCALHOST.into()
    };
    let rx = sock::bind_udp(SocketAddr::new(ip, 0))?;
    let tx = sock::bind_udp(SocketAddr::new(ip, 0))?;
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
    /// The messages sent, each as one datagram and then as one TCP send.
    pub sent: Vec<Vec<u8>>,
    /// What each UDP `recvfrom(bufsize)` returned (with the wire length).
    pub udp: Vec<Datagram>,
    /// Datagrams still queued after one `recvfrom` per datagram sent: 0
    /// means the cut-off rest did not wait for a later call — it is gone.
    pub udp_left_over: usize,
    /// What each TCP `recv(bufsize)` returned, until every byte was read.
    pub tcp_reads: Vec<Vec<u8>>,
    /// The UDP receiver's port: its datagrams in a capture.
    pub udp_port: u16,
}

/// Sends `msgs` as datagrams and reads one `recvfrom` per datagram with
/// `read` ([`super::lesson_recvfrom`] or [`super::recvfrom_whole`]); sends them again as a
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
        sent: msgs.iter().map(|m| m.to_vec()).collect(),
        udp,
        udp_left_over,
        tcp_reads,
        udp_port: to.port(),
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
    /// Bytes the receiver got for a datagram of the measured limit's size.
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
    /// Loopback's MTU as Linux reports it, if it does.
    pub lo_mtu: Option<String>,
}

/// Measures the UDP size limits on loopback, and sends `tcp_bytes` over TCP
/// in one call to show TCP has no such limit.
pub fn size_limits(tcp_bytes: usize) -> io::Result<SizeRun> {
    let (tx, rx) = loopback_pair(false)?;
    let to = rx.local_addr()?;
    // Room for one maximal datagram even with small defaults.
    let _ = SockRef::from(&rx).set_recv_buffer_size(1 << 20);
    // This system's limit first (macOS stops far below IPv4's ceiling), then
    // a datagram of exactly that size, then one byte more.
    let v4_measured = largest_payload(&tx, to, 1, 70_000)?;
    // A fresh pair, so the bisection's datagrams queued on `rx` are not read.
    let (tx, rx) = loopback_pair(false)?;
    let to = rx.local_addr()?;
    let _ = SockRef::from(&rx).set_recv_buffer_size(1 << 20);
    let big = vec![b'a'; v4_measured + 1];
    send_datagram(&tx, &big[..v4_measured], to).map_err(io::Error::other)?;
    let v4_limit_received = sock::recv_datagram(&rx, 1 << 17)?.wire_len;
    let v4_over = send_datagram(&tx, &big, to);
    let v6_measured = match loopback_pair(true) {
        Ok((tx6, rx6)) => match rx6.local_addr() {
            Ok(to6) => largest_payload(&tx6, to6, 1, 70_000).map_err(|e| format!("::1: {e}")),
            Err(e) => Err(format!("::1: {e}")),
        },
        Err(e) => Err(crate::t!("lab06-v6-unavailable", error = e)),
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
        .map_err(|_| io::Error::other(crate::t!("lab06-error-sender-panicked")))??;
    Ok(SizeRun {
        v4_limit_received,
        v4_over,
        v4_measured,
        v6_measured,
        tcp_sent: tcp_bytes,
        tcp_received,
        lo_mtu: std::fs::read_to_string("/sys/class/net/lo/mtu")
            .ok()
            .map(|s| s.trim().to_string()),
    })
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
        .map_err(|_| io::Error::other(crate::t!("lab06-error-sender-panicked")))??;
    Ok(TcpFlowRun {
        seq: SeqReport::new(n, arrival),
        reader_pause_ms: reader_pause.as_secs_f64() * 1e3,
        sender_ms: sender_time.as_secs_f64() * 1e3,
    })
}

/// The loss stage: [`udp_loss`] and [`tcp_flow`] with the same records,
/// run several times to show whether the loss repeats.
#[derive(Clone, Debug)]
pub struct LossRuns {
    /// Each UDP run, in order.
    pub udp: Vec<LossRun>,
    /// Each TCP run, in order.
    pub tcp: Vec<TcpFlowRun>,
    /// Records sent per run.
    pub count: u32,
    /// How long each TCP reader slept before reading.
    pub pause: Duration,
}

impl LossRuns {
    /// How many datagrams each UDP run lost.
    pub fn lost_counts(&self) -> Vec<usize> {
        self.udp.iter().map(|u| u.seq.lost.len()).collect()
    }

    /// Every UDP run lost exactly the same sequence numbers.
    pub fn reproducible(&self) -> bool {
        self.udp.windows(2).all(|w| w[0].seq.lost == w[1].seq.lost)
    }
}

/// Runs [`udp_loss`] then [`tcp_flow`] `runs` times (at least once) with `count`
/// records of `payload` bytes, `rcvbuf` receive buffers, and a TCP reader
/// that sleeps `pause`.
pub fn loss_runs(
    runs: u32,
    count: u32,
    payload: usize,
    rcvbuf: usize,
    pause: Duration,
) -> io::Result<LossRuns> {
    let mut out = LossRuns {
        udp: Vec::new(),
        tcp: Vec::new(),
        count,
        pause,
    };
    for _ in 0..runs.max(1) {
        out.udp.push(udp_loss(count, payload, rcvbuf)?);
        out.tcp.push(tcp_flow(count, payload, rcvbuf, pause)?);
    }
    Ok(out)
}

/// One trip of numbered datagrams through a [`UdpChaosProxy`].
#[derive(Clone, Debug, serde::Serialize)]
pub struct ChaosRun {
    /// What the receiver's sequence numbers say.
    pub seq: SeqReport,
    /// What the proxy says it did (client → server direction).
    pub decisions: Vec<Decision>,
}

impl ChaosRun {
    /// The sequence numbers the proxy decided to treat with `action`.
    pub fn decided(&self, action: Action) -> Vec<u32> {
        self.decisions
            .iter()
            .filter(|x| x.action == action)
            .filter_map(|x| x.seq)
            .collect()
    }

    /// The numbers that arrived twice, in order.
    pub fn seen_twice(&self) -> Vec<u32> {
        let mut v = self.seq.duplicated.clone();
        v.sort_unstable();
        v
    }

    /// The numbers that arrived after a higher one, in order.
    pub fn seen_late(&self) -> Vec<u32> {
        let mut v = self.seq.reordered.clone();
        v.sort_unstable();
        v
    }
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

    #[test]
    fn one_byte_over_the_ipv4_limit_is_a_typed_emsgsize() {
        use crate::lessons::lab06_udp_vs_tcp::MAX_IPV4_PAYLOAD;
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
}
