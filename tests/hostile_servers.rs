//! Clients that try to hold a server (issue 11): a request dribbled one
//! byte at a time, huge messages never read back, a spoofed UDP datagram,
//! and flags that mean nothing. Each test names the limit that must hold.
// The dribbler's helpers serve a Linux-only test.
#![cfg_attr(not(target_os = "linux"), allow(dead_code))]

mod common;

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{cmd, run_with_timeout, spawn_server, text, Running};
use sticky_lab::lessons::lab06_udp_vs_tcp::{serve_upper, EchoOptions, PeerRate};
use sticky_lab::tools::load::peak_rss_kib;

const LAB02: &str = env!("CARGO_BIN_EXE_lab02-nagle");
const LAB03: &str = env!("CARGO_BIN_EXE_lab03-length-ack");
const LAB04: &str = env!("CARGO_BIN_EXE_lab04-struct-header");
const LAB05: &str = env!("CARGO_BIN_EXE_lab05-json-header");
const LAB06: &str = env!("CARGO_BIN_EXE_lab06-udp-vs-tcp");
const LAB07: &str = env!("CARGO_BIN_EXE_lab07-concurrency");
const STICKY: &str = env!("CARGO_BIN_EXE_sticky");

/// Waits up to `limit` for a stderr line containing every one of `words`.
fn line_with(srv: &Running, words: &[&str], limit: Duration) -> Option<String> {
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        let line = srv.stderr_lines.recv_timeout(left).ok()?;
        assert!(!line.contains("panicked"), "server panicked: {line}");
        if words.iter().all(|w| line.contains(w)) {
            return Some(line);
        }
    }
}

/// Sends `start`, then one more `byte` every 300 ms, never finishing the
/// request: each read arrives well inside the 5 s idle timeout. The server
/// must name the request deadline (`deadline`, as the log writes it) for
/// this peer and close the connection, long before the 20 s the dribble
/// would last.
fn assert_dribbler_cut_off(
    srv: &Running,
    start: &[u8],
    byte: &'static [u8],
    deadline: &str,
    what: &str,
) {
    let mut s = TcpStream::connect(srv.addr).expect("connect");
    let peer = s.local_addr().expect("local addr");
    s.write_all(start).expect("first bytes");
    let began = Instant::now();
    let dribble = thread::spawn(move || {
        while began.elapsed() < Duration::from_secs(20) {
            thread::sleep(Duration::from_millis(300));
            if s.write_all(byte).is_err() {
                break;
            }
        }
        began.elapsed()
    });
    let tag = format!("[{peer}] request deadline");
    let line = line_with(srv, &[&tag], Duration::from_secs(15))
        .unwrap_or_else(|| panic!("{what}: no request-deadline line for the dribbler"));
    assert!(
        line.contains(&format!("(deadline {deadline})")),
        "{what}: {line}"
    );
    let cut = dribble.join().expect("dribbler");
    assert!(
        cut < Duration::from_secs(15),
        "{what}: dribbled for {cut:?}"
    );
}

/// A header claiming 100 bytes (little-endian 'i'), the body to follow slowly.
const HUNDRED: [u8; 4] = [100, 0, 0, 0];

const LIMITS: [&str; 8] = [
    "--addr",
    "127.0.0.1:0",
    "--max-conns",
    "1",
    "--idle-timeout",
    "5",
    "--request-deadline",
    "1",
];

// The deadline reads Linux's TCP_INFO counters; elsewhere only the idle
// timeout holds (src/kit/server.rs, `Deadlines`).
#[cfg(target_os = "linux")]
#[test]
fn a_dribbled_request_ends_at_the_request_deadline_on_every_server() {
    let mut lab02 = vec!["server"];
    lab02.extend(LIMITS);
    let srv = spawn_server(LAB02, &lab02);
    // The stall pattern: hello, then a message whose body never finishes.
    assert_dribbler_cut_off(&srv, b"stall\n\x64\0\0\0", b"a", "1s", "lab 02");

    let mut lab07 = vec!["server"];
    lab07.extend(LIMITS);
    let srv = spawn_server(LAB07, &lab07);
    assert_dribbler_cut_off(&srv, &HUNDRED, b"a", "1s", "lab 07");

    // Labs 03, 04 and 05: a command may run for --timeout before its answer,
    // so the deadline is at least --timeout + 1 s (here 0.2 + 1 → 1.2 s).
    for (bin, what, start) in [
        (LAB03, "lab 03", &b"1"[..]),
        (LAB04, "lab 04", &HUNDRED[..]),
        (LAB05, "lab 05", &HUNDRED[..]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec!["server", "--timeout", "0.2"];
        args.extend(LIMITS);
        if bin == LAB05 {
            args.extend(["--dir", dir.path().to_str().unwrap()]);
        }
        let srv = spawn_server(bin, &args);
        assert_dribbler_cut_off(&srv, start, b"1", "1.2s", what);
    }
}

#[test]
fn lab02_server_takes_the_cap_and_idle_flags() {
    let srv = spawn_server(
        LAB02,
        &["server", "--addr", "127.0.0.1:0", "--idle-timeout", "0.5"],
    );
    // A client that says nothing is dropped after 0.5 s, not after 300 s.
    let mut quiet = TcpStream::connect(srv.addr).unwrap();
    quiet
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let t = Instant::now();
    let mut b = [0u8; 1];
    let n = quiet.read(&mut b).unwrap_or(0);
    assert_eq!(n, 0, "the server closed the quiet connection");
    assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());
    let line = line_with(&srv, &["error:"], Duration::from_secs(5)).expect("an error line");
    assert!(line.contains("(idle timeout)"), "{line}");
}

/// Eight clients each send one 48 MiB message to lab 07's echo server and
/// never read the echo. Before, the server read each message whole (and
/// its upper-cased copy): about 100 MiB a client, 0.8 GiB in all. Now a
/// message is echoed in 64 KiB pieces, so the server stays within its
/// stated budget (docs/labs/lab07-concurrency.md: under 64 MiB).
#[test]
fn lab07_memory_holds_against_clients_that_never_read() {
    let srv = spawn_server(
        LAB07,
        &[
            "server",
            "--addr",
            "127.0.0.1:0",
            "--max-conns",
            "9",
            "--idle-timeout",
            "20",
        ],
    );
    let pid = srv.child.id();
    const BIG: usize = 48 << 20;
    let hogs: Vec<_> = (0..8)
        .map(|_| {
            let addr = srv.addr;
            thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                s.set_write_timeout(Some(Duration::from_secs(3))).unwrap();
                let mut msg = (BIG as u32).to_le_bytes().to_vec();
                msg.resize(4 + BIG, b'x');
                // Blocks once the server stops reading; the error is expected.
                let _ = s.write_all(&msg);
                s
            })
        })
        .collect();
    let hogs: Vec<TcpStream> = hogs.into_iter().map(|h| h.join().unwrap()).collect();
    // The ninth client is still served.
    let mut ok = TcpStream::connect(srv.addr).unwrap();
    ok.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    ok.write_all(&[2, 0, 0, 0, b'h', b'i']).unwrap();
    let mut reply = [0u8; 6];
    ok.read_exact(&mut reply)
        .expect("the ninth client was not served");
    assert_eq!(&reply, &[2, 0, 0, 0, b'H', b'I']);
    if let Some(peak) = peak_rss_kib(pid) {
        eprintln!("lab 07 server peak RSS with 8 × 48 MiB unread: {peak} KiB");
        assert!(
            peak < 64 * 1024,
            "peak RSS {peak} KiB over the 64 MiB budget"
        );
    }
    drop(hogs);
}

#[test]
fn lab07_refuses_a_message_over_max_frame() {
    let srv = spawn_server(
        LAB07,
        &["server", "--addr", "127.0.0.1:0", "--max-frame", "1000"],
    );
    let line = srv.refusal_for(&1001u32.to_le_bytes());
    assert!(line.contains("1001"), "{line}");
    assert!(line.contains("1000-byte frame limit"), "{line}");
}

fn udp_echo(per_peer: Option<PeerRate>) -> (UdpSocket, EchoOptions, Arc<AtomicBool>) {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let opts = EchoOptions {
        log: false,
        per_peer,
        ..EchoOptions::default()
    };
    let (run, o, stop) = (
        sock.try_clone().unwrap(),
        opts.clone(),
        Arc::new(AtomicBool::new(false)),
    );
    let s = stop.clone();
    thread::spawn(move || serve_upper(run, &o, &s));
    (sock, opts, stop)
}

fn answered_after(opts: &[&EchoOptions], wait: Duration) -> u64 {
    thread::sleep(wait);
    opts.iter().map(|o| o.counts.answered()).sum()
}

/// One datagram "from" echo server B sent to echo server A (sent from B's
/// own socket, so its source address is B's: what a spoofer would write).
/// Returns the replies both servers sent, sampled every 300 ms until two
/// samples agree (the loop is over) or `within` has passed.
fn spoof_between_two_servers(per_peer: Option<PeerRate>, within: Duration) -> Vec<u64> {
    let (a, a_opts, a_stop) = udp_echo(per_peer);
    let (b, b_opts, b_stop) = udp_echo(per_peer);
    b.send_to(b"ping", a.local_addr().unwrap()).unwrap();
    let start = Instant::now();
    let mut samples = vec![0];
    while start.elapsed() < within {
        let n = answered_after(&[&a_opts, &b_opts], Duration::from_millis(300));
        let settled = samples.last() == Some(&n) && n > 0;
        samples.push(n);
        if settled {
            break;
        }
    }
    a_stop.store(true, std::sync::atomic::Ordering::SeqCst);
    b_stop.store(true, std::sync::atomic::Ordering::SeqCst);
    eprintln!("guard {per_peer:?}: replies every 300 ms: {samples:?}");
    samples
}

#[test]
fn without_the_guard_one_spoofed_datagram_loops_between_two_echo_servers() {
    // The checker failing the wrong thing: the lesson's server, unguarded,
    // answers one spoofed datagram past the bound the guarded test allows
    // (it ran at thousands a second here until, sooner or later, a bounce
    // was lost to a busy machine).
    let s = spoof_between_two_servers(None, Duration::from_millis(1500));
    assert!(s.iter().max() >= Some(&400), "{s:?}");
}

#[test]
fn one_spoofed_datagram_cannot_start_an_endless_loop() {
    let s = spoof_between_two_servers(Some(PeerRate::default()), Duration::from_secs(20));
    let n = s.len();
    assert_eq!(s[n - 1], s[n - 2], "the loop was still running: {s:?}");
    // It used up one burst on each side (100, plus what refilled at 5 a
    // second while it ran), then died.
    assert!(s[n - 1] < 400, "{s:?}");
}

#[test]
fn an_echo_server_never_answers_its_own_address() {
    let (a, opts, stop) = udp_echo(Some(PeerRate::default()));
    a.send_to(b"me", a.local_addr().unwrap()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while opts
        .counts
        .from_itself
        .load(std::sync::atomic::Ordering::Relaxed)
        == 0
        && Instant::now() < deadline
    {
        thread::sleep(Duration::from_millis(10));
    }
    thread::sleep(Duration::from_millis(200));
    assert_eq!(opts.counts.answered(), 0);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Runs `bin args` and expects exit 2 with `words` on stderr, at once.
fn refused(bin: &str, args: &[&str], words: &str) {
    let mut c = cmd(bin);
    c.args(args);
    let out = run_with_timeout(c, b"", Duration::from_secs(20));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(words), "{args:?}: {err}");
}

#[test]
fn durations_that_mean_nothing_are_refused_by_the_parser() {
    let out_of_range = "out of range";
    for bad in ["nan", "inf", "0", "-1"] {
        let flag = |name: &str| format!("--{name}={bad}");
        refused(LAB07, &["server", &flag("idle-timeout")], out_of_range);
        refused(LAB07, &["server", &flag("request-deadline")], out_of_range);
        refused(LAB02, &["server", &flag("idle-timeout")], out_of_range);
        refused(LAB02, &["server", &flag("request-deadline")], out_of_range);
        refused(LAB06, &["client", &flag("timeout")], out_of_range);
        refused(STICKY, &["bench", &flag("seconds")], out_of_range);
        refused(LAB04, &["server", &flag("request-deadline")], out_of_range);
    }
    refused(LAB06, &["server", "--peer-rate", "nan"], "not a rate");
}

#[test]
fn counts_of_zero_are_refused_with_a_clear_message() {
    refused(STICKY, &["load", "--clients", "0"], "'0' is too few");
    refused(STICKY, &["load", "--window", "0"], "'0' is too few");
    refused(
        STICKY,
        &["proxy", "--to", "127.0.0.1:9", "--max-chunk", "0"],
        "'0' is too few",
    );
}

#[test]
fn lab03_server_help_shows_no_escaped_newline() {
    let mut c = cmd(LAB03);
    c.args(["server", "--help"]);
    let out = run_with_timeout(c, b"", Duration::from_secs(20));
    let help = text(&out.stdout);
    assert!(help.contains("Wire format"), "{help}");
    assert!(!help.contains("\\n"), "{help}");
}

/// What one client that never reads got back from lab 04's server: it
/// sends a header for `big` bytes and all of them but the last, holds the
/// last for `HOLD` (so an admitted frame keeps its room while the others
/// wait), sends it, and only then reads: an `error: …` frame, or the
/// reply to its "command".
fn lab04_hog(addr: std::net::SocketAddr, big: usize, start: Arc<std::sync::Barrier>) -> Vec<u8> {
    const HOLD: Duration = Duration::from_secs(5);
    let mut msg = (big as u32).to_le_bytes().to_vec();
    msg.resize(4 + big, b'x');
    start.wait();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    // Refused, the server drops the rest; admitted, it reads it all.
    if s.write_all(&msg[..big + 3]).is_ok() {
        thread::sleep(HOLD);
        let _ = s.write_all(&msg[big + 3..]);
    }
    let mut reply = Vec::new();
    let _ = s.read_to_end(&mut reply);
    reply
}

/// The hogs' frame: 60 MiB and a little, so that its header read in the
/// other byte order is over the frame limit too: a hog that holds its last
/// byte is not taken for a client with the wrong `--byte-order`.
const BIG: usize = (60 << 20) + 0x55;

/// Eight clients each announce a 60 MiB frame to lab 04's server and send
/// it without reading; a ninth asks `echo hi`. Returns the server's peak
/// RSS (KiB), the eight replies, and whether the ninth was answered.
fn lab04_under_eight_hogs(budget: &str) -> (Option<u64>, Vec<Vec<u8>>, bool) {
    let srv = spawn_server(
        LAB04,
        &[
            "server",
            "--addr",
            "127.0.0.1:0",
            "--max-conns",
            "16",
            "--idle-timeout",
            "20",
            "--timeout",
            "1",
            "--request-deadline",
            "3",
            "--memory-budget",
            budget,
        ],
    );
    let start = Arc::new(std::sync::Barrier::new(9));
    let hogs: Vec<_> = (0..8)
        .map(|_| {
            let (addr, start) = (srv.addr, start.clone());
            thread::spawn(move || lab04_hog(addr, BIG, start))
        })
        .collect();
    start.wait();
    thread::sleep(Duration::from_millis(300));
    let mut ok = TcpStream::connect(srv.addr).unwrap();
    ok.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    ok.write_all(&[7, 0, 0, 0]).unwrap();
    ok.write_all(b"echo hi").unwrap();
    let mut reply = [0u8; 7];
    let served = ok.read_exact(&mut reply).is_ok() && reply == [3, 0, 0, 0, b'h', b'i', b'\n'];
    let replies: Vec<Vec<u8>> = hogs.into_iter().map(|h| h.join().unwrap()).collect();
    (peak_rss_kib(srv.child.id()), replies, served)
}

/// What lab 04's server may hold over its budget, stated in its sheet
/// (docs/labs/lab04-struct-header.md, "Memory"): threads, read buffers and
/// the allocator's slack: at most 2 MiB for each of the 16 connections.
const LAB04_OVERHEAD_KIB: u64 = 16 * (2 << 10);

/// The budget holds: 8 × 60 MiB frames against a 128 MiB budget. One frame
/// (twice 60 MiB while read and decoded) fits at a time, and the first one
/// admitted keeps its room for 5 s; a frame that finds no room within 90%
/// of the 3 s request deadline is refused with one error line naming its
/// size and the budget, and the well-behaved client is served meanwhile.
#[cfg(target_os = "linux")]
#[test]
fn lab04_memory_stays_within_its_budget_against_clients_that_never_read() {
    let (peak, replies, served) = lab04_under_eight_hogs("128M");
    assert!(served, "the well-behaved client was not served");
    let refusal = format!(
        "error: a frame of 60.0 MiB ({} bytes) needs 120.0 MiB of this server's 128.0 MiB \
         memory budget and found no room within 2.7 s",
        BIG + 4
    );
    let refused = replies
        .iter()
        .filter(|r| text(r.get(4..).unwrap_or_default()).starts_with(&refusal))
        .count();
    for r in &replies {
        let t = text(r.get(4..).unwrap_or_default());
        // Refused for want of room, or admitted and its 60 MiB "command"
        // refused by the runner: every client heard one line.
        assert!(
            t.starts_with(&refusal) || t.contains("over the 131072-byte limit for one command"),
            "{t:?}"
        );
        assert_eq!(t.lines().count(), 1, "{t:?}");
    }
    assert!(refused >= 1, "no frame was refused: {replies:?}");
    if let Some(r) = replies.iter().find(|r| text(&r[4..]).starts_with(&refusal)) {
        eprint!("a refused client heard: {}", text(&r[4..]));
    }
    let peak = peak.expect("VmHWM");
    eprintln!("lab 04, 8 × 60 MiB unread, 128 MiB budget: peak RSS {peak} KiB, {refused} refused");
    assert!(
        peak < (128 << 10) + LAB04_OVERHEAD_KIB,
        "peak RSS {peak} KiB over the 128 MiB budget + {LAB04_OVERHEAD_KIB} KiB"
    );
}

/// The check above failing the wrong thing: the same clients against a
/// budget too large to bind push the server far past 128 MiB + overhead.
#[cfg(target_os = "linux")]
#[test]
fn lab04_without_a_binding_budget_the_same_clients_take_far_more() {
    let (peak, _, _) = lab04_under_eight_hogs("64G");
    let peak = peak.expect("VmHWM");
    eprintln!("lab 04, 8 × 60 MiB unread, no binding budget: peak RSS {peak} KiB");
    assert!(
        peak > 2 * ((128 << 10) + LAB04_OVERHEAD_KIB),
        "peak RSS {peak} KiB: the clients no longer cost memory?"
    );
}

/// Lab 04's framed request for `cmd`, and its reply's text.
fn lab04_ask(s: &mut TcpStream, cmd: &str) -> String {
    s.write_all(&(cmd.len() as u32).to_le_bytes()).unwrap();
    s.write_all(cmd.as_bytes()).unwrap();
    let mut head = [0u8; 4];
    s.read_exact(&mut head).expect("a reply header");
    let mut body = vec![0u8; u32::from_le_bytes(head) as usize];
    s.read_exact(&mut body).expect("a reply body");
    text(&body)
}

/// `--exec shell`: a grandchild that leaves the process group and the
/// session (`setsid`), drops the environment (`env -i`) and is orphaned
/// (`&`, then its shell exits), then writes into the reply's pipe forever.
/// The reply goes out at the timeout, the grandchild is gone after it, and
/// the server answers the next command on the same connection.
#[cfg(target_os = "linux")]
#[test]
fn lab04_shell_kills_a_setsid_grandchild_at_the_timeout_and_serves_on() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let srv = spawn_server(
        LAB04,
        &[
            "server",
            "--addr",
            "127.0.0.1:0",
            "--exec",
            "shell",
            "--timeout",
            "1",
        ],
    );
    let mut s = TcpStream::connect(srv.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let line = format!(
        "env -i /bin/sh -c 'setsid /bin/sh -c \"echo \\$\\$ > {}; while :; do echo tick; sleep 0.05; done\" &'",
        pid_file.display()
    );
    let t = Instant::now();
    let reply = lab04_ask(&mut s, &line);
    let took = t.elapsed();
    assert!(reply.starts_with("tick\n"), "{reply:?}");
    assert!(reply.ends_with("stopped at the 1s timeout\n"), "{reply:?}");
    assert!(took < Duration::from_secs(8), "the reply took {took:?}");
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
    assert!(
        stat.is_empty() || stat.contains(") Z "),
        "the grandchild {} outlived the timeout: {stat}",
        pid.trim()
    );
    assert_eq!(lab04_ask(&mut s, "echo next"), "next\n");
}

/// Lab 05's server with a 1 MiB budget and `--max-output` `max_output`,
/// asked `echo hi` by lab 05's client: what the client printed.
fn lab05_echo_hi_within_1m(max_output: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let srv = spawn_server(
        LAB05,
        &[
            "server",
            "--addr",
            "127.0.0.1:0",
            "--dir",
            d,
            "--memory-budget",
            "1M",
            "--max-output",
            max_output,
        ],
    );
    let mut c = cmd(LAB05);
    let addr = srv.addr.to_string();
    c.args(["client", "--addr", &addr, "--cmd", "echo hi"]);
    let out = run_with_timeout(c, b"", Duration::from_secs(20));
    text(&out.stdout) + &text(&out.stderr)
}

#[test]
fn lab05_refuses_a_command_its_budget_cannot_hold_and_serves_on() {
    let all = lab05_echo_hi_within_1m("1048576");
    assert!(
        all.contains(
            "the output of 'echo hi' (up to --max-output, held twice) needs 2.0 MiB, more than \
             this server's whole memory budget of 1.0 MiB"
        ),
        "{all}"
    );
    // With room for it, the same command is answered.
    let ok = lab05_echo_hi_within_1m("4096");
    assert!(ok.contains("hi") && !ok.contains("memory budget"), "{ok}");
}

#[test]
fn lab07_memory_budget_caps_the_connections_it_can_hold() {
    refused(
        LAB07,
        &["server", "--memory-budget", "100K"],
        "less than the 196612 bytes one connection holds",
    );
    refused(LAB07, &["server", "--memory-budget", "0"], "too small");
    refused(LAB04, &["server", "--memory-budget", "12X"], "not a size");
    let srv = spawn_server(
        LAB07,
        &["server", "--addr", "127.0.0.1:0", "--memory-budget", "400K"],
    );
    let line = line_with(&srv, &["served at once"], Duration::from_secs(5)).expect("a banner");
    assert!(
        line.contains("at most 2 client(s) served at once"),
        "{line}"
    );
}
