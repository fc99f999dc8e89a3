//! Load and faults through the real lab 04 and lab 05 command servers:
//! many clients at once send `echo <marker><random>` with every write cut
//! by a ChaosWriter, and every reply must be exactly that message and a
//! newline (lab 05: with a matching md5). A client killed halfway through
//! a request and a client that never sends do not disturb the others; the
//! server's memory stays bounded. Sized for a shared 2-core machine; the
//! full 64 × 10,000 runs are `sticky load --proto lab04|lab05` (see
//! docs/performance.md).

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use common::{cmd, run_with_timeout, spawn_server, text};
use sticky_lab::framing::json_header::JsonHeader;
use sticky_lab::framing::LengthPrefix;
use sticky_lab::kit::proxy::{ChaosProxy, ProxyConfig};
use sticky_lab::lessons::lab05_transfer::Request;
use sticky_lab::tools::load::{rss_kib, run_load, LoadConfig, LoadProto};

const LAB04: &str = env!("CARGO_BIN_EXE_lab04-struct-header");
const LAB05: &str = env!("CARGO_BIN_EXE_lab05-json-header");
const STICKY: &str = env!("CARGO_BIN_EXE_sticky");

/// The real server binary for `proto`, on an ephemeral port (lab 05 with
/// its own temporary folder, kept alive by the returned guard).
fn server(proto: LoadProto, extra: &[&str]) -> (common::Running, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap().to_string();
    let mut args = vec!["server", "--addr", "127.0.0.1:0", "--max-conns", "128"];
    let bin = match proto {
        LoadProto::Lab04 => LAB04,
        LoadProto::Lab05 => {
            args.extend_from_slice(&["--dir", &d]);
            LAB05
        }
        LoadProto::Header => unreachable!("lab 07 is tests/load.rs"),
    };
    args.extend_from_slice(extra);
    (spawn_server(bin, &args), dir)
}

fn cfg(addr: SocketAddr, proto: LoadProto, clients: usize, messages: usize) -> LoadConfig {
    LoadConfig::new(addr, clients, messages).with_proto(proto)
}

fn many_clients_with_chaos(proto: LoadProto) {
    let (srv, _dir) = server(proto, &[]);
    let pid = srv.child.id();
    let first = run_load(&cfg(srv.addr, proto, 16, 300));
    assert!(
        first.perfect(),
        "{:?}",
        first.clients.iter().find(|c| !c.perfect())
    );
    assert_eq!(first.total.intact, 4800);
    assert_eq!(
        (first.total.lost, first.total.corrupted, first.merged),
        (0, 0, 0)
    );
    let after_first = rss_kib(pid);
    // Again, other messages and cuts: a server that leaked per connection
    // or per request would grow; a bounded one stays where it was.
    let second = run_load(&LoadConfig {
        seed: 8,
        ..cfg(srv.addr, proto, 16, 300)
    });
    assert!(
        second.perfect(),
        "{:?}",
        second.clients.iter().find(|c| !c.perfect())
    );
    common::assert_memory_bounded(
        pid,
        after_first,
        &format!("{proto:?}, 16 small-message clients"),
    );
}

#[test]
fn lab04_many_clients_with_chaos_lose_merge_and_corrupt_nothing() {
    many_clients_with_chaos(LoadProto::Lab04);
}

#[test]
fn lab05_many_clients_with_chaos_lose_merge_and_corrupt_nothing() {
    many_clients_with_chaos(LoadProto::Lab05);
}

fn through_chaos_proxy(proto: LoadProto) {
    let (srv, _dir) = server(proto, &[]);
    let mut pc = ProxyConfig::new(srv.addr, 11, 64);
    pc.delay = Duration::ZERO;
    pc.hold = Duration::from_millis(1);
    let proxy = ChaosProxy::start("127.0.0.1:0".parse().unwrap(), pc).unwrap();
    let mut c = cfg(proxy.local_addr(), proto, 4, 200);
    c.chaos_max_chunk = Some(13);
    let r = run_load(&c);
    assert!(r.perfect(), "{:?}", r.clients);
    assert_eq!(r.total.intact, 800);
    thread::sleep(Duration::from_millis(200));
    let pieces: usize = proxy.piece_logs().iter().map(|l| l.pieces.len()).sum();
    assert!(pieces > 800, "only {pieces} pieces: the proxy did not cut");
}

#[test]
fn lab04_and_lab05_through_a_chaos_proxy_in_both_directions() {
    through_chaos_proxy(LoadProto::Lab04);
    through_chaos_proxy(LoadProto::Lab05);
}

/// The first half of a request, then death with a reset (linger 0), as
/// when a client process is killed mid-send.
fn half_request_then_reset(addr: SocketAddr, proto: LoadProto) {
    let s = TcpStream::connect(addr).unwrap();
    let cmd = format!("echo {}", "x".repeat(500));
    let whole = match proto {
        LoadProto::Lab05 => JsonHeader::lesson()
            .encode_header(&Request::Command(cmd.into_bytes()).to_header())
            .unwrap(),
        _ => {
            let mut f = LengthPrefix::lesson().pack(cmd.len()).unwrap().to_vec();
            f.extend_from_slice(cmd.as_bytes());
            f
        }
    };
    (&s).write_all(&whole[..whole.len() / 2]).unwrap();
    thread::sleep(Duration::from_millis(10));
    socket2::SockRef::from(&s)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(s);
}

fn killed_clients_do_not_disturb_the_others(proto: LoadProto) {
    let (srv, _dir) = server(proto, &[]);
    let addr = srv.addr;
    let load = thread::spawn(move || run_load(&cfg(addr, proto, 8, 600)));
    for _ in 0..5 {
        half_request_then_reset(addr, proto);
        thread::sleep(Duration::from_millis(20));
    }
    // A client that dies cleanly mid-request (FIN, not RST) too.
    let s = TcpStream::connect(addr).unwrap();
    (&s).write_all(&LengthPrefix::lesson().pack(100).unwrap())
        .unwrap();
    drop(s);
    let r = load.join().unwrap();
    assert!(r.perfect(), "{:?}", r.clients.iter().find(|c| !c.perfect()));
    assert_eq!(r.total.intact, 4800);
    // It still serves new clients afterwards.
    assert!(run_load(&cfg(addr, proto, 2, 20)).perfect());
    assert!(srv.child.id() > 0);
}

#[test]
fn lab04_clients_killed_mid_request_do_not_disturb_the_others() {
    killed_clients_do_not_disturb_the_others(LoadProto::Lab04);
}

#[test]
fn lab05_clients_killed_mid_request_do_not_disturb_the_others() {
    killed_clients_do_not_disturb_the_others(LoadProto::Lab05);
}

fn silent_client_is_timed_out(proto: LoadProto) {
    let (srv, _dir) = server(proto, &["--idle-timeout", "1"]);
    let addr = srv.addr;
    let silent = TcpStream::connect(addr).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let load = thread::spawn(move || run_load(&cfg(addr, proto, 4, 300)));
    let started = Instant::now();
    // The server closes the silent connection (lab 05 may first send an
    // error reply); either way the stream ends, well before our 20 s.
    let mut rest = Vec::new();
    (&silent)
        .read_to_end(&mut rest)
        .expect("closed by the server, not stalled");
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(15), "closed after {waited:?}");
    assert!(
        waited >= Duration::from_millis(500),
        "closed after {waited:?}: too soon for an idle timeout of 1 s"
    );
    let r = load.join().unwrap();
    assert!(r.perfect(), "{:?}", r.clients.iter().find(|c| !c.perfect()));
    let _ = silent.shutdown(Shutdown::Both);
}

#[test]
fn lab04_a_client_that_never_sends_is_timed_out_while_others_are_served() {
    silent_client_is_timed_out(LoadProto::Lab04);
}

#[test]
fn lab05_a_client_that_never_sends_is_timed_out_while_others_are_served() {
    silent_client_is_timed_out(LoadProto::Lab05);
}

#[test]
fn sticky_load_proto_lab04_and_lab05_report_perfect_runs_with_server_memory() {
    for (proto, name) in [(LoadProto::Lab04, "lab04"), (LoadProto::Lab05, "lab05")] {
        let (srv, _dir) = server(proto, &[]);
        let mut c = cmd(STICKY);
        c.args([
            "--color",
            "never",
            "load",
            "--addr",
            &srv.addr.to_string(),
            "--proto",
            name,
            "--clients",
            "8",
            "--messages",
            "300",
            "--server-pid",
            &srv.child.id().to_string(),
            "--json",
        ]);
        let out = run_with_timeout(c, b"", Duration::from_secs(60));
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(j["report"]["total"]["intact"], 2400, "{name}");
        assert_eq!(j["report"]["total"]["lost"], 0, "{name}");
        assert_eq!(j["report"]["total"]["corrupted"], 0, "{name}");
        assert_eq!(j["report"]["merged"], 0, "{name}");
        if cfg!(target_os = "linux") {
            let peak = j["server_peak_rss_kib"].as_u64().unwrap();
            assert!(peak > 0 && peak < 64 * 1024, "{name}: peak {peak} KiB");
        }
    }
}

#[test]
fn a_server_that_answers_wrongly_is_caught() {
    // The checker must be able to fail: lab 04's server asked lab 05's
    // JSON requests answers in the wrong format, so nothing is intact.
    let (srv, _dir) = server(LoadProto::Lab04, &["--idle-timeout", "2"]);
    let mut c = cfg(srv.addr, LoadProto::Lab05, 2, 5);
    c.chaos_max_chunk = None;
    let r = run_load(&c);
    assert!(!r.perfect());
    assert_eq!(r.total.intact, 0);
}
