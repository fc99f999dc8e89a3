//! The chaos proxy really re-chunks: the `sticky proxy` binary between a real
//! server and client, and the library's `ChaosProxy` for seed determinism.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use common::{cmd, run_with_timeout, spawn_server, text};
use sticky_lab::kit::proxy::{ChaosProxy, Direction, ProxyConfig};

const STICKY: &str = env!("CARGO_BIN_EXE_sticky");

fn payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

fn loopback0() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// Parses `[conn 0] server → client: 3000 B in 41 pieces: 12 99 …`.
fn pieces_line(line: &str) -> Vec<usize> {
    line.split("pieces: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no pieces in {line}"))
        .split_whitespace()
        .map(|n| n.parse().unwrap_or_else(|_| panic!("bad piece in {line}")))
        .collect()
}

#[test]
fn the_proxy_binary_cuts_one_write_into_many_reads_and_keeps_every_byte() {
    const MAX: usize = 100;
    let data = payload(3000);
    // A server that answers the connection with ONE write of 3000 bytes.
    let server = TcpListener::bind(loopback0()).unwrap();
    let upstream = server.local_addr().unwrap();
    let to_send = data.clone();
    let srv = thread::spawn(move || {
        let (mut conn, _) = server.accept().unwrap();
        conn.write_all(&to_send).unwrap();
        conn.shutdown(Shutdown::Write).unwrap();
        let mut rest = Vec::new();
        let _ = conn.read_to_end(&mut rest);
    });
    let proxy = spawn_server(
        STICKY,
        &[
            "proxy",
            "--listen",
            "127.0.0.1:0",
            "--to",
            &upstream.to_string(),
            "--seed",
            "11",
            "--max-chunk",
            &MAX.to_string(),
            "--delay-ms",
            "10",
        ],
    );

    let mut client = TcpStream::connect(proxy.addr).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut got = Vec::new();
    let mut reads = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = client.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        reads.push(n);
        got.extend_from_slice(&buf[..n]);
    }
    client.shutdown(Shutdown::Write).unwrap();
    srv.join().unwrap();

    assert_eq!(got, data, "every byte, in order");
    // One write became many reads, nearly all no bigger than a piece (two
    // pieces can meet in the buffer if this thread is slow to read).
    assert!(reads.len() >= 10, "{reads:?}");
    let big = reads.iter().filter(|&&n| n > MAX).count();
    assert!(big * 5 <= reads.len(), "{reads:?}");

    // The proxy's own account: every piece within the limit, summing to the
    // write, and every read boundary the client saw is one of its cuts.
    let deadline = Instant::now() + Duration::from_secs(20);
    let line = loop {
        let l = proxy
            .stderr_lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the proxy reports the server → client pieces");
        if l.contains("server → client") {
            break l;
        }
    };
    let pieces = pieces_line(&line);
    assert_eq!(pieces.iter().sum::<usize>(), data.len(), "{line}");
    assert!(pieces.iter().all(|&p| (1..=MAX).contains(&p)), "{line}");
    let cuts: std::collections::HashSet<usize> = pieces
        .iter()
        .scan(0, |at, p| {
            *at += p;
            Some(*at)
        })
        .collect();
    let mut at = 0;
    for r in &reads {
        at += r;
        assert!(cuts.contains(&at), "read ending at {at} is not a proxy cut");
    }
}

/// Sends `data` through a library `ChaosProxy` with `seed`; returns the
/// client → server piece lengths and what the server received.
fn through_proxy(seed: u64, data: &[u8]) -> (Vec<usize>, Vec<u8>) {
    let server = TcpListener::bind(loopback0()).unwrap();
    let mut cfg = ProxyConfig::new(server.local_addr().unwrap(), seed, 64);
    cfg.delay = Duration::ZERO;
    // Generous: the proxy only waits when it holds less than a piece, which
    // here happens only at the end, so the cuts depend on the seed alone.
    cfg.hold = Duration::from_millis(500);
    let proxy = ChaosProxy::start(loopback0(), cfg).unwrap();
    let srv = thread::spawn(move || {
        let (mut conn, _) = server.accept().unwrap();
        let mut got = Vec::new();
        conn.read_to_end(&mut got).unwrap();
        got
    });
    let mut client = TcpStream::connect(proxy.local_addr()).unwrap();
    client.write_all(data).unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let got = srv.join().unwrap();
    drop(client);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let logs = proxy.piece_logs();
        if let Some(l) = logs
            .iter()
            .find(|l| l.conn == 0 && l.direction == Direction::ToServer)
        {
            return (l.pieces.clone(), got);
        }
        assert!(Instant::now() < deadline, "no piece log: {logs:?}");
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_same_seed_cuts_the_same_way_and_another_seed_differently() {
    let data = payload(20_000);
    let (a, got_a) = through_proxy(5, &data);
    let (b, got_b) = through_proxy(5, &data);
    let (c, got_c) = through_proxy(6, &data);
    for got in [&got_a, &got_b, &got_c] {
        assert_eq!(got, &data);
    }
    assert!(a.len() > 100, "{} pieces", a.len());
    assert_eq!(a, b, "same seed, same pieces");
    assert_ne!(a, c, "another seed, other pieces");
    assert!(a.iter().chain(&c).all(|&p| (1..=64).contains(&p)));
}

#[test]
fn a_busy_listen_address_is_a_one_line_error() {
    let busy = TcpListener::bind(loopback0()).unwrap();
    let mut c = cmd(STICKY);
    c.args(["proxy", "--listen"])
        .arg(busy.local_addr().unwrap().to_string())
        .args(["--to", "127.0.0.1:9"]);
    let out = run_with_timeout(c, b"", Duration::from_secs(30));
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("error:"), "{err}");
}

#[test]
fn proxy_help_has_examples() {
    let mut c = cmd(STICKY);
    c.args(["proxy", "--help"]);
    let out = run_with_timeout(c, b"", Duration::from_secs(30));
    let help = text(&out.stdout);
    assert!(help.contains("Examples:") && help.contains("sticky proxy --listen"));
}

#[test]
fn a_server_that_is_not_there_is_named_by_its_address() {
    // A port nobody listens on: bound by us, then closed.
    let gone = TcpListener::bind(loopback0())
        .unwrap()
        .local_addr()
        .unwrap();
    let proxy = spawn_server(
        STICKY,
        &[
            "proxy",
            "--listen",
            "127.0.0.1:0",
            "--to",
            &gone.to_string(),
        ],
    );
    let mut client = TcpStream::connect(proxy.addr).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = [0u8; 16];
    // The client sees the refusal as a reset or a close, never as data.
    assert!(matches!(client.read(&mut buf), Ok(0) | Err(_)));
    let want = format!("cannot reach the server at {gone}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = proxy
            .stderr_lines
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("the proxy never said: {want}"));
        if line.contains(&want) {
            break;
        }
    }
}
