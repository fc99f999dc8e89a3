//! Lab 06 against the real binaries: the demo's six claims, the upper-case
//! UDP echo server and client, the lesson's Python programs, and
//! `sticky proxy --udp`'s seeded decisions.

mod common;

use std::collections::BTreeSet;
use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use common::lang::{key_paths, stage_oks};
use common::{cmd, python3_available, run_with_timeout, spawn_server, text, Running};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_lab06-udp-vs-tcp");
const STICKY: &str = env!("CARGO_BIN_EXE_sticky");

fn python(script: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("python/lesson")
        .join(script)
}

/// One demo run shared by the tests that read its report.
fn demo_report() -> &'static Value {
    static REPORT: OnceLock<Value> = OnceLock::new();
    REPORT.get_or_init(|| {
        let mut c = cmd(BIN);
        c.args(["demo", "--json", "--color", "never", "--seed", "7", "--svg"])
            .arg(svg_path());
        let out = run_with_timeout(c, b"", Duration::from_secs(120));
        assert!(
            out.status.success(),
            "demo failed: {}\n{}",
            text(&out.stderr),
            text(&out.stdout)
        );
        serde_json::from_slice(&out.stdout).expect("the --json report parses")
    })
}

fn svg_path() -> PathBuf {
    std::env::temp_dir().join(format!("lab06-demo-{}.svg", std::process::id()))
}

fn stage(n: usize) -> &'static Value {
    &demo_report()["stages"][n - 1]
}

fn nums(v: &Value) -> Vec<u32> {
    v.as_array()
        .expect("an array of numbers")
        .iter()
        .map(|x| x.as_u64().expect("a number") as u32)
        .collect()
}

fn udp_socket() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

fn ask(s: &UdpSocket, to: SocketAddr, msg: &[u8]) -> Vec<u8> {
    s.send_to(msg, to).unwrap();
    let mut buf = vec![0u8; 65536];
    let (n, from) = s.recv_from(&mut buf).expect("a reply within 5 s");
    assert_eq!(from, to);
    buf.truncate(n);
    buf
}

fn server() -> Running {
    spawn_server(
        BIN,
        &["server", "--addr", "127.0.0.1:0", "--color", "never"],
    )
}

/// Stderr lines a child printed until it was quiet for `quiet`.
fn drain_lines(r: &Running, quiet: Duration) -> Vec<String> {
    let mut lines = Vec::new();
    while let Ok(l) = r.stderr_lines.recv_timeout(quiet) {
        lines.push(l);
    }
    lines
}

#[test]
fn demo_observes_every_stage() {
    let r = demo_report();
    assert_eq!(r["ok"], true, "{r:#}");
    let stages = r["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 6);
    for s in stages {
        assert_eq!(s["ok"], true, "{s:#}");
    }
    assert_eq!(stage(1)["data"]["tcp_reads"][0], "helloworld");
    assert_eq!(
        stage(1)["data"]["udp_reads"],
        serde_json::json!(["hello", "world"])
    );
}

#[test]
fn demo_draws_one_panel_per_pictured_stage() {
    demo_report();
    let svg = std::fs::read_to_string(svg_path()).expect("the --svg file was written");
    let _ = std::fs::remove_file(svg_path());
    for title in [
        "1. boundaries",
        "2. truncation",
        "3. loss (stage 5)",
        "4. chaos proxy (stage 6), seed 7",
    ] {
        assert!(svg.contains(title), "{title} missing");
    }
    assert!(svg.trim_end().ends_with("</svg>"));
}

#[test]
fn demo_reports_truncation_with_the_true_length() {
    let d = &stage(2)["data"];
    assert_eq!(d["udp"][0]["kept"], "he");
    assert_eq!(d["udp"][0]["wire_len"], 5);
    assert_eq!(d["udp"][0]["truncated"], true);
    assert_eq!(d["udp"][0]["discarded"], "llo");
    assert_eq!(d["udp_left_over"], 0);
    let tcp: String = d["tcp_reads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(tcp, "helloworld");
}

#[test]
fn demo_shows_empty_messages_and_the_spinning_loop() {
    let d = &stage(3)["data"];
    assert_eq!(d["udp_len"], 0);
    assert_eq!(d["tcp_send_returned"], 0);
    assert_eq!(d["tcp_anything_arrived"], false);
    assert_eq!(d["break_recvs"], 1);
    // A `continue` loop makes far more empty recvs than the one a `break` needs.
    assert!(d["spin_empty_recvs"].as_u64().unwrap() > 1000, "{d}");
}

#[test]
fn demo_finds_the_udp_size_limit() {
    let d = &stage(4)["data"];
    assert_eq!(d["v4_limit"], 65507);
    assert_eq!(d["v4_limit_received"], 65507);
    assert_eq!(d["v4_over_emsgsize"], true);
    assert!(d["v4_over_error"].as_str().unwrap().contains("EMSGSIZE"));
    assert_eq!(d["tcp_received"], d["tcp_sent"]);
    if let Some(v6) = d["v6_limit"].as_u64() {
        assert_eq!(v6, 65527);
    }
}

#[test]
fn demo_counts_loss_exactly() {
    let d = &stage(5)["data"];
    for run in d["udp_runs"].as_array().unwrap() {
        let sent = run["seq"]["sent"].as_u64().unwrap() as u32;
        let received: BTreeSet<u32> = nums(&run["seq"]["received"]).into_iter().collect();
        let lost: BTreeSet<u32> = nums(&run["seq"]["lost"]).into_iter().collect();
        assert!(!lost.is_empty(), "a small busy receiver loses datagrams");
        assert!(received.is_disjoint(&lost));
        let all: BTreeSet<u32> = received.union(&lost).copied().collect();
        assert_eq!(all, (0..sent).collect::<BTreeSet<u32>>());
    }
    for run in d["tcp_runs"].as_array().unwrap() {
        let sent = run["seq"]["sent"].as_u64().unwrap() as u32;
        assert!(nums(&run["seq"]["lost"]).is_empty());
        assert_eq!(nums(&run["seq"]["arrival"]), (0..sent).collect::<Vec<_>>());
    }
}

#[test]
fn demo_sequence_numbers_reveal_the_proxys_decisions() {
    let d = &stage(6)["data"];
    assert_eq!(nums(&d["lost"]), nums(&d["proxy_dropped"]));
    assert_eq!(nums(&d["duplicated"]), nums(&d["proxy_duplicated"]));
    assert!(!nums(&d["reordered"]).is_empty());
}

#[test]
fn server_upper_cases_and_echoes_an_empty_datagram_as_empty() {
    let srv = server();
    let s = udp_socket();
    assert_eq!(ask(&s, srv.addr, b"hello"), b"HELLO");
    assert_eq!(ask(&s, srv.addr, b""), b"");
    assert_eq!(
        ask(&s, srv.addr, "中文 ok".as_bytes()),
        "中文 OK".as_bytes()
    );
}

#[test]
fn server_survives_oversize_empty_and_non_utf8_datagrams() {
    let srv = server();
    let s = udp_socket();
    let big = vec![b'a'; 5000];
    let reply = ask(&s, srv.addr, &big);
    assert_eq!(reply, vec![b'A'; 1024], "recvfrom(1024) keeps 1024 bytes");
    assert_eq!(ask(&s, srv.addr, b"\xff\xfeab"), b"\xff\xfeAB");
    assert_eq!(ask(&s, srv.addr, b""), b"");
    assert_eq!(ask(&s, srv.addr, b"still alive"), b"STILL ALIVE");
    let log = drain_lines(&srv, Duration::from_millis(300)).join("\n");
    assert!(
        log.contains("TRUNCATED: 5000 B on the wire, 1024 B kept"),
        "{log}"
    );
    assert!(log.contains("not UTF-8"), "{log}");
    assert!(log.contains("empty datagram"), "{log}");
}

#[test]
fn client_reports_a_truncated_reply_with_its_true_length() {
    let srv = server();
    let mut c = cmd(BIN);
    c.args(["client", "--addr", &srv.addr.to_string(), "--bufsize", "2"])
        .args(["--cmd", "hello", "--color", "never"]);
    let out = run_with_timeout(c, b"", Duration::from_secs(20));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "HE");
    let err = text(&out.stderr);
    assert!(err.contains("5 B on the wire"), "{err}");
    assert!(err.contains("3 B discarded"), "{err}");
}

#[test]
fn client_gives_a_clear_emsgsize_error_one_byte_over_the_limit() {
    let srv = server();
    let ok = "a".repeat(65507);
    let over = "a".repeat(65508);
    let mut c = cmd(BIN);
    c.args([
        "client",
        "--addr",
        &srv.addr.to_string(),
        "--color",
        "never",
    ])
    .args(["--cmd", &ok, "--cmd", &over, "--cmd", "after"]);
    let out = run_with_timeout(c, b"", Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(1), "one command failed");
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines, vec!["A".repeat(1024).as_str(), "AFTER"]);
    let err = text(&out.stderr);
    assert!(err.contains("65508-byte datagram is too big"), "{err}");
    assert!(err.contains("EMSGSIZE"), "{err}");
    assert!(err.contains("65507"), "{err}");
}

#[test]
fn client_times_out_clearly_when_nobody_answers() {
    let silent = udp_socket();
    let mut c = cmd(BIN);
    c.args([
        "client",
        "--addr",
        &silent.local_addr().unwrap().to_string(),
    ])
    .args(["--timeout", "0.2", "--cmd", "anyone?", "--color", "never"]);
    let out = run_with_timeout(c, b"", Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no reply"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_lessons_python_client_talks_to_our_server() {
    if !python3_available("the_lessons_python_client_talks_to_our_server") {
        return;
    }
    let srv = server();
    let mut c = common::python_cmd();
    c.arg(python("lab06_udp_client.py"))
        .arg(srv.addr.port().to_string());
    let out = run_with_timeout(c, "hello\n\n中文 ok\n".as_bytes(), Duration::from_secs(30));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let port = srv.addr.port();
    assert_eq!(
        lines,
        vec![
            format!("(b'HELLO', ('127.0.0.1', {port}))"),
            format!("(b'', ('127.0.0.1', {port}))"),
            format!("(b'\\xe4\\xb8\\xad\\xe6\\x96\\x87 OK', ('127.0.0.1', {port}))"),
        ]
    );
}

#[test]
fn our_client_talks_to_the_lessons_python_server() {
    if !python3_available("our_client_talks_to_the_lessons_python_server") {
        return;
    }
    let srv = spawn_server(
        common::python().unwrap_or("python3"),
        &[python("lab06_udp_server.py").to_str().unwrap(), "0"],
    );
    let mut c = cmd(BIN);
    c.args([
        "client",
        "--addr",
        &srv.addr.to_string(),
        "--color",
        "never",
    ]);
    let out = run_with_timeout(c, b"hello\nworld\n", Duration::from_secs(20));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "HELLO\nWORLD\n");
}

/// Runs `sticky proxy --udp` with `seed`, sends `n` numbered datagrams
/// through it, and returns its decision lines and the arrival order.
fn proxy_run(seed: u64, n: u32) -> (Vec<String>, Vec<u32>) {
    let rx = udp_socket();
    rx.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let to = rx.local_addr().unwrap().to_string();
    let seed = seed.to_string();
    let proxy = spawn_server(
        STICKY,
        &[
            "proxy",
            "--udp",
            "--listen",
            "127.0.0.1:0",
            "--to",
            &to,
            "--seed",
            &seed,
        ],
    );
    let tx = udp_socket();
    for s in 0..n {
        let mut d = s.to_be_bytes().to_vec();
        d.extend_from_slice(b"........");
        tx.send_to(&d, proxy.addr).unwrap();
        thread::sleep(Duration::from_millis(2));
    }
    let mut arrival = Vec::new();
    let mut buf = [0u8; 64];
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        match rx.recv_from(&mut buf) {
            Ok((len, _)) if len >= 4 => {
                arrival.push(u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]))
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    let decisions = drain_lines(&proxy, Duration::from_millis(300))
        .into_iter()
        .filter(|l| l.starts_with("udp proxy:"))
        .collect();
    (decisions, arrival)
}

#[test]
fn udp_proxy_same_seed_same_decisions() {
    let n = 80;
    let (d1, a1) = proxy_run(11, n);
    let (d2, a2) = proxy_run(11, n);
    let (d3, _) = proxy_run(12, n);
    assert!(!d1.is_empty());
    assert_eq!(d1, d2, "same seed, same drop/duplicate/reorder decisions");
    assert_ne!(d1, d3, "another seed decides differently");
    // What arrived matches what the proxy says it did, datagram by datagram.
    let idx = |lines: &[String], action: &str| -> Vec<u32> {
        lines
            .iter()
            .filter(|l| l.ends_with(&format!(" {action}")))
            .filter_map(|l| l.split('#').nth(1)?.split(' ').next()?.parse().ok())
            .collect()
    };
    let received: BTreeSet<u32> = a1.iter().copied().collect();
    let lost: Vec<u32> = (0..n).filter(|s| !received.contains(s)).collect();
    assert_eq!(lost, idx(&d1, "drop"));
    let mut twice: Vec<u32> = received
        .iter()
        .copied()
        .filter(|s| a1.iter().filter(|x| *x == s).count() == 2)
        .collect();
    twice.sort_unstable();
    assert_eq!(twice, idx(&d1, "duplicate"));
    assert_eq!(a1, a2, "same seed, same arrival order");
}

#[test]
fn udp_proxy_refuses_impossible_probabilities() {
    let mut c = cmd(STICKY);
    c.args([
        "proxy",
        "--udp",
        "--to",
        "127.0.0.1:9",
        "--listen",
        "127.0.0.1:0",
    ])
    .args(["--drop", "0.7", "--dup", "0.5"]);
    let out = run_with_timeout(c, b"", Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("add up to at most 1"));
}

/// A catalog key that leaked into the output instead of its text: `lab06-`
/// followed by anything but the binary's own name.
fn leaked_keys(out: &str) -> Vec<&str> {
    out.match_indices("lab06-")
        .map(|(i, _)| &out[i..(i + 30).min(out.len())])
        .filter(|s| !s.starts_with("lab06-udp-vs-tcp"))
        .collect()
}

#[test]
fn demo_in_chinese_observes_the_same_and_reports_the_same_keys() {
    let svg = std::env::temp_dir().join(format!("udp-vs-tcp-zh-{}.svg", std::process::id()));
    let mut c = cmd(BIN);
    c.args([
        "--lang", "zh", "demo", "--json", "--color", "never", "--seed", "7",
    ])
    .arg("--svg")
    .arg(&svg);
    let out = run_with_timeout(c, b"", Duration::from_secs(120));
    let story = text(&out.stderr);
    assert!(out.status.success(), "zh demo failed: {story}");
    let zh: Value = serde_json::from_slice(&out.stdout).expect("the --json report parses");
    let en = demo_report();
    assert_eq!(
        (en["lang"].as_str(), zh["lang"].as_str()),
        (Some("en"), Some("zh"))
    );
    assert_eq!(
        key_paths(en),
        key_paths(&zh),
        "the key paths differ between English and Chinese"
    );
    assert_eq!(stage_oks(en), stage_oks(&zh));
    // The words did change: this lab's own stage titles and narration.
    assert!(story.contains("第 1 步 · 消息边界"), "{story}");
    assert!(story.contains("第 6 步 · 乱序和重复"), "{story}");
    assert!(story.contains("TCP 是字节流"), "{story}");
    let title = zh["stages"][1]["title"].as_str().unwrap();
    assert!(title.contains("截断"), "{title}");
    assert!(leaked_keys(&story).is_empty(), "{:?}", leaked_keys(&story));
    // The picture speaks Chinese too, and its wider labels still fit.
    let picture = std::fs::read_to_string(&svg).expect("the --svg file was written");
    let _ = std::fs::remove_file(&svg);
    assert!(picture.contains("1. 消息边界"), "no Chinese panel title");
    assert!(picture.contains("UDP 丢失"), "no Chinese lane label");
    let problems = sticky_lab::report::svg::layout_problems(&picture);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn help_and_client_errors_in_chinese_name_no_catalog_key() {
    let mut c = cmd(BIN);
    c.args(["--lang", "zh", "client", "--help"]);
    let out = run_with_timeout(c, b"", Duration::from_secs(20));
    let help = text(&out.stdout);
    assert!(out.status.success(), "{help}");
    assert!(
        help.contains("每行作为一个数据报发出") && help.contains("示例"),
        "{help}"
    );
    assert!(leaked_keys(&help).is_empty(), "{help}");
    // Nobody answers on a fresh socket's port: a Chinese error, exit 1 as in English.
    let silent = udp_socket();
    let addr = silent.local_addr().unwrap().to_string();
    let mut c = cmd(BIN);
    c.args([
        "--lang",
        "zh",
        "--color",
        "never",
        "client",
        "--timeout",
        "0.2",
    ])
    .args(["--addr", &addr, "--cmd", "hi"]);
    let out = run_with_timeout(c, b"", Duration::from_secs(20));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("没有收到") && err.contains(&addr), "{err}");
    assert!(leaked_keys(&err).is_empty(), "{err}");
}
