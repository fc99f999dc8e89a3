//! Lab 01 end to end: the real `lab01-naive-recv` binary, its demo, its
//! server and client, and a server that keeps serving after bad clients.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::{cmd, run_with_timeout, spawn_server, text};
use sticky_lab::kit::runner::{self, RunnerConfig};

const BIN: &str = env!("CARGO_BIN_EXE_lab01-naive-recv");
const LIMIT: Duration = Duration::from_secs(60);

fn demo_json(seed: u64, svg: Option<&std::path::Path>) -> serde_json::Value {
    let mut c = cmd(BIN);
    c.args([
        "demo",
        "--json",
        "--color",
        "never",
        "--seed",
        &seed.to_string(),
    ]);
    if let Some(p) = svg {
        c.arg("--svg").arg(p);
    }
    let out = run_with_timeout(c, b"", LIMIT);
    assert!(
        out.status.success(),
        "demo failed:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("--json prints one JSON document on stdout")
}

#[test]
fn demo_exits_zero_and_its_json_says_every_stage_was_observed() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("t.svg");
    let report = demo_json(7, Some(&svg));
    assert_eq!(report["ok"], true, "{report:#}");
    let stages = report["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 5, "{report:#}");
    for s in stages {
        assert_eq!(s["ok"], true, "stage not observed: {s:#}");
    }
    // Stage 2: the cut is at exactly 1024, and the next recv starts with the tail.
    let s2 = &stages[1]["data"];
    assert_eq!(s2["recv_sizes"][0], 1024, "{s2:#}");
    assert_eq!(s2["second_starts_with_tail"], true);
    // Stage 3: the server's one recv returned both commands.
    assert_eq!(stages[2]["data"]["server_recv"], "lsdir");
    // Stage 4: through the proxy the reply came in many reads, none above the cut size.
    let sizes: Vec<u64> = stages[3]["data"]["recv_sizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert!(sizes.len() > 3, "{sizes:?}");
    // Stage 5: at least one chunk garbled alone, the stream decoder exact.
    assert!(stages[4]["data"]["garbled_chunks"].as_u64().unwrap() > 0);
    assert_eq!(stages[4]["data"]["stream_decoder_exact"], true);
    let picture = std::fs::read_to_string(&svg).unwrap();
    assert!(picture.starts_with("<svg"), "{picture}");
    assert!(picture.matches("<rect x=").count() > 10);
}

#[test]
fn the_seed_changes_the_proxy_cuts() {
    let pieces = |r: &serde_json::Value| r["stages"][3]["data"]["proxy_pieces"].clone();
    let a = demo_json(1, None);
    let b = demo_json(2, None);
    assert_ne!(pieces(&a), pieces(&b));
    for r in [&a, &b] {
        let total: u64 = pieces(r)
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .sum();
        // help + ls, every byte through the proxy.
        let help = runner::run(b"help", &RunnerConfig::default()).combined();
        let ls = runner::run(b"ls", &RunnerConfig::default()).combined();
        assert_eq!(total as usize, help.len() + ls.len());
    }
}

fn client(addr: SocketAddr, cmds: &[&str]) -> String {
    let mut c = cmd(BIN);
    c.args(["client", "--color", "never", "--addr", &addr.to_string()]);
    for x in cmds {
        c.args(["--cmd", x]);
    }
    let out = run_with_timeout(c, b"", LIMIT);
    assert!(out.status.success(), "client failed: {}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn server_and_client_binaries_show_the_desync() {
    let server = spawn_server(BIN, &["server", "--addr", "127.0.0.1:0"]);
    let help = runner::run(b"help", &RunnerConfig::default()).combined();
    let (head, tail) = help.split_at(1024);
    let (head, tail) = (text(head), text(tail));
    let out = client(server.addr, &["help", "ls"]);
    // The first reply is help's first 1024 bytes, and nothing more of it…
    assert!(out.starts_with(&head), "{out}");
    let rest = out[head.len()..].trim_start_matches('\n');
    // …and what the client printed for `ls` begins with the rest of help.
    assert!(rest.starts_with(&tail), "ls's reply:\n{rest}");
}

#[test]
fn show_chunks_prints_one_line_per_recv_with_its_size() {
    let server = spawn_server(BIN, &["server", "--addr", "127.0.0.1:0"]);
    let mut c = cmd(BIN);
    c.args(["client", "--color", "never", "--show-chunks", "--addr"])
        .arg(server.addr.to_string())
        .args(["--cmd", "help", "--cmd", "ls"]);
    let out = text(&run_with_timeout(c, b"", LIMIT).stdout);
    assert!(
        out.contains("recv(1024) #1") && out.contains("1024 B"),
        "{out}"
    );
    assert!(out.contains("recv(1024) #2"), "{out}");
}

#[test]
fn a_bigger_client_buffer_gets_the_whole_reply_on_loopback() {
    let server = spawn_server(BIN, &["server", "--addr", "127.0.0.1:0"]);
    let mut c = cmd(BIN);
    c.args([
        "client",
        "--color",
        "never",
        "--bufsize",
        "204800000",
        "--addr",
    ])
    .arg(server.addr.to_string());
    // Piped stdin instead of --cmd, as a script would.
    let out = run_with_timeout(c, b"help\n\nls\nq\nnever-sent\n", LIMIT);
    let help = text(&runner::run(b"help", &RunnerConfig::default()).combined());
    let ls = text(&runner::run(b"ls", &RunnerConfig::default()).combined());
    assert_eq!(text(&out.stdout), format!("{help}{ls}"));
}

fn ask(s: &mut TcpStream, cmd: &[u8]) -> Vec<u8> {
    s.write_all(cmd).unwrap();
    let mut buf = vec![0u8; 4096];
    let n = s.read(&mut buf).unwrap();
    buf.truncate(n);
    buf
}

fn wait_for_line(server: &common::Running, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(l) = server.stderr_lines.recv_timeout(Duration::from_millis(200)) {
            if l.contains(needle) {
                return l;
            }
        }
    }
    panic!("the server never logged a line containing {needle:?}");
}

#[test]
fn the_server_keeps_serving_after_bad_clients() {
    let server = spawn_server(
        BIN,
        &[
            "server",
            "--addr",
            "127.0.0.1:0",
            "--timeout",
            "0.3",
            "--max-output",
            "40000000",
        ],
    );
    let addr = server.addr;
    let connect = || {
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s
    };

    // Non-UTF-8 command bytes, an unknown command, a command that times out:
    // a clear answer each, on the same connection.
    let mut bad = connect();
    let r = text(&ask(&mut bad, b"\xff\xfe ls"));
    assert!(r.contains("not valid UTF-8"), "{r}");
    let r = text(&ask(&mut bad, b"nosuch"));
    assert!(r.contains("unknown command 'nosuch'"), "{r}");
    let r = text(&ask(&mut bad, b"sleep 30"));
    assert!(r.contains("timeout"), "{r}");
    wait_for_line(&server, "not UTF-8");

    // A client that asks for 40 MB, reads a little and leaves: the server's
    // send fails mid-reply, and it says so in one line.
    let mut leaver = sticky_lab::kit::sock::connect_with(
        addr,
        &sticky_lab::kit::sock::SockOpts {
            recv_buffer: Some(4096),
            ..Default::default()
        },
        Some(Duration::from_secs(5)),
    )
    .unwrap();
    leaver.write_all(b"bytes 40000000").unwrap();
    let mut buf = [0u8; 1024];
    leaver.read_exact(&mut buf).unwrap();
    drop(leaver);
    let line = wait_for_line(&server, "mid-reply");
    assert!(line.contains("of 40000000 bytes sent"), "{line}");

    // Everyone else is still served, the first bad client too.
    let ls = runner::run(b"ls", &RunnerConfig::default()).combined();
    let mut good = connect();
    assert_eq!(ask(&mut good, b"ls"), ls);
    assert_eq!(ask(&mut bad, b"ls"), ls);
}

#[test]
fn the_real_shell_is_refused_on_a_public_address() {
    let mut c = cmd(BIN);
    c.args(["server", "--exec", "shell", "--addr", "0.0.0.0:0"]);
    let out = run_with_timeout(c, b"", LIMIT);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("refusing") && err.contains("--allow-remote"),
        "{err}"
    );
    assert!(!err.contains("listening on"), "{err}");
}

#[test]
fn every_subcommand_has_examples_in_its_help() {
    for sub in ["demo", "server", "client"] {
        let mut c = cmd(BIN);
        c.args([sub, "--help"]);
        let out = run_with_timeout(c, b"", LIMIT);
        assert!(out.status.success());
        let help = text(&out.stdout);
        assert!(help.contains("Examples:"), "{sub}: {help}");
        assert!(help.contains(&format!("lab01-naive-recv {sub}")), "{sub}");
    }
}

/// `--step` on a terminal pauses before stage 1, and `q` there stops the
/// demo (exit 1, nothing run). A pseudo-terminal stands in for the student's.
#[cfg(target_os = "linux")]
#[test]
fn step_pauses_before_stage_one_and_q_stops_the_demo() {
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two new descriptors into the two ints; the
    // other arguments may be null.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned only here.
    let (mut master, slave) = unsafe {
        (
            std::fs::File::from_raw_fd(master),
            std::fs::File::from_raw_fd(slave),
        )
    };
    let mut c = cmd(BIN);
    c.args(["--color", "never", "demo", "--step"])
        .stdin(slave)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = c.spawn().expect("spawn");
    let pid = child.id();
    master.write_all(b"q\n").expect("type q");
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    let out = match outcome.recv_timeout(LIMIT) {
        Ok(out) => out.expect("wait"),
        Err(_) => {
            // SAFETY: kill(2) on the child's own pid, which is not yet reaped.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            panic!("the demo did not stop at q within {LIMIT:?}");
        }
    };
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(all.contains("stage 1"), "the pause names stage 1: {all}");
    assert!(!all.contains("Stage 1:"), "stage 1 must not run: {all}");
    assert!(
        all.contains("stopped by the user after 0 stage(s)"),
        "{all}"
    );
    assert_eq!(out.status.code(), Some(1), "{all}");
}
