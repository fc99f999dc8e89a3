//! The corrected Python programs of `python/fixed/`, run against our binaries
//! through our chaos proxy: every reply must arrive whole, byte for byte as
//! our runner computes it — and the lesson's own program, on the same run,
//! must not (so these tests can fail).
//!
//! The lessons' requests are not framed (a server reads a command with one
//! `recv(1024)`), so a request cut in two cannot be put back together by any
//! server. Each proxy here therefore uses a seed whose cuts keep every request
//! whole (looked ahead with `ProxyConfig::plan`), and cuts the replies.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::{python3_available, python_cmd, python_script, run_with_timeout, spawn_server, text};
use sticky_lab::kit::proxy::{ChaosProxy, Direction, ProxyConfig};
use sticky_lab::kit::runner::{self, RunnerConfig};

const LIMIT: Duration = Duration::from_secs(60);

fn fixed(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("python/fixed")
        .join(name)
}

/// A Python server of python/fixed/, killed when dropped.
struct PyServer {
    child: Child,
    addr: SocketAddr,
}

impl Drop for PyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `python3 FILE 0 ARGS…` and reads `listening on HOST:PORT` from its stdout.
fn py_server(file: &str, args: &[&str]) -> PyServer {
    let mut child = python_cmd()
        .arg(fixed(file))
        .arg("0")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start python");
    let out = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(out).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .and_then(|a| a.parse().ok());
    match addr {
        Some(addr) => PyServer { child, addr },
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{file} printed {line:?}, not 'listening on HOST:PORT'");
        }
    }
}

/// Runs a client program as the checker does: `python3 FILE ARGS…`, the
/// commands on stdin.
fn py_client(path: PathBuf, args: &[String], stdin: &str) -> Output {
    let mut c = python_cmd();
    c.arg(path).args(args);
    run_with_timeout(c, stdin.as_bytes(), LIMIT)
}

fn host_port(addr: SocketAddr) -> Vec<String> {
    vec![addr.ip().to_string(), addr.port().to_string()]
}

/// Does the plan for connection 0 keep every request whole? Each request
/// arrives alone on an idle stream (the client waits for the reply first),
/// so its first piece is the next cut: it must hold `(len, whole)` — the
/// first `whole` bytes — and the request then uses cuts until all `len` passed.
fn keeps_requests(cfg: &ProxyConfig, requests: &[(usize, usize)]) -> bool {
    let mut plan = cfg.plan(0, Direction::ToServer);
    requests.iter().all(|&(len, whole)| {
        let first = plan.next_cut();
        let mut passed = first;
        while passed < len {
            passed += plan.next_cut();
        }
        first >= whole
    })
}

/// A chaos proxy to `upstream` with pieces of 1..=`max_chunk` bytes, on the
/// first seed from 1 that `want` accepts.
fn proxy(
    upstream: SocketAddr,
    max_chunk: usize,
    want: impl Fn(&ProxyConfig) -> bool,
) -> ChaosProxy {
    let cfg = ProxyConfig::new(upstream, 1, max_chunk)
        .first_seed_where(100_000, want)
        .expect("no seed keeps the requests whole");
    ChaosProxy::start("127.0.0.1:0".parse().unwrap(), cfg).expect("start proxy")
}

/// Each command as its own whole request (commands are short and sent in one write).
fn commands(cmds: &[&str]) -> Vec<(usize, usize)> {
    cmds.iter().map(|c| (c.len(), c.len())).collect()
}

/// What our runner answers `cmd`: (stdout, stderr).
fn builtin(cmd: &str) -> (Vec<u8>, Vec<u8>) {
    let o = runner::run(cmd.as_bytes(), &RunnerConfig::default());
    (o.stdout, o.stderr)
}

fn stdin_of(cmds: &[&str]) -> String {
    cmds.iter().map(|c| format!("{c}\n")).collect()
}

/// The proof the run was really cut: more pieces than replies.
fn assert_cut(p: &ChaosProxy, replies: usize) {
    let pieces = p
        .wait_pieces(Direction::ToClient, Duration::from_secs(20))
        .expect("the proxy never finished");
    assert!(
        pieces.len() > 2 * replies,
        "the proxy cut {replies} replies into only {} pieces",
        pieces.len()
    );
}

fn assert_same(what: &str, got: &Output, want: &[u8]) {
    assert!(
        got.status.success(),
        "{what} failed: {:?}\nstderr: {}",
        got.status,
        text(&got.stderr)
    );
    assert!(
        got.stdout == want,
        "{what}: {} bytes printed, {} expected; first difference at byte {}",
        got.stdout.len(),
        want.len(),
        got.stdout
            .iter()
            .zip(want)
            .position(|(a, b)| a != b)
            .unwrap_or(got.stdout.len().min(want.len()))
    );
}

const LAB03_CMDS: &[&str] = &["help", "bytes 300000", "seq 2000", "zh", "ls"];

#[test]
fn lab03_fixed_client_reads_every_cut_reply_whole_and_the_lessons_does_not() {
    if !python3_available("lab03_fixed_client_reads_every_cut_reply_whole_and_the_lessons_does_not")
    {
        return;
    }
    let server = spawn_server(
        env!("CARGO_BIN_EXE_lab03-length-ack"),
        &["server", "--compat", "lesson", "--addr", "127.0.0.1:0"],
    );
    // Requests: each command, then "ok". Replies: the digits arrive alone
    // (the server waits for the ok), and a lesson-format client cannot tell
    // "14"|"43" from "14": keep the first 1000 reply pieces at 8 bytes or more.
    let mut reqs = Vec::new();
    for c in LAB03_CMDS {
        reqs.extend([(c.len(), c.len()), (2, 2)]);
    }
    let want = |cfg: &ProxyConfig| {
        let mut replies = cfg.plan(0, Direction::ToClient);
        keeps_requests(cfg, &reqs) && (0..1000).all(|_| replies.next_cut() >= 8)
    };
    // The lesson's server sends stdout only.
    let expected: Vec<u8> = LAB03_CMDS.iter().flat_map(|c| builtin(c).0).collect();

    let p = proxy(server.addr, 4096, want);
    let got = py_client(
        fixed("lab03_client.py"),
        &host_port(p.local_addr()),
        &stdin_of(LAB03_CMDS),
    );
    assert_same("python/fixed/lab03_client.py", &got, &expected);
    assert_cut(&p, LAB03_CMDS.len());

    // The same cuts (same seed, a new proxy) for the lesson's client.
    let p = proxy(server.addr, 4096, want);
    let port = p.local_addr().port().to_string();
    let lesson = py_client(
        python_script("lab03_client.py"),
        &[port],
        &stdin_of(LAB03_CMDS),
    );
    let printed = text(&lesson.stdout);
    let body_whole = printed.contains(&text(&builtin("bytes 300000").0));
    assert!(
        !lesson.status.success() || !body_whole,
        "the lesson's lab03 client read a 300000-byte reply whole with one recv(): the proxy did not cut it"
    );
}

const LAB04_SHORT: &[&str] = &["help", "ls", "zh", "seq 999", "dir", "bytes 0", "pwd"];

#[test]
fn lab04_fixed_clients_survive_every_header_split_and_the_lessons_does_not() {
    if !python3_available("lab04_fixed_clients_survive_every_header_split_and_the_lessons_does_not")
    {
        return;
    }
    let server = spawn_server(
        env!("CARGO_BIN_EXE_lab04-struct-header"),
        &["server", "--compat", "lesson", "--addr", "127.0.0.1:0"],
    );
    let expected: Vec<u8> = LAB04_SHORT
        .iter()
        .flat_map(|c| {
            let (o, e) = builtin(c);
            [o, e].concat()
        })
        .collect();
    let reqs = commands(LAB04_SHORT);
    // Pieces of 1..=7 bytes: the 4-byte header is split 1|3, 2|2, 3|1 or glued.
    for variant in [
        "lab04_client.py",
        "lab04_client_waitall.py",
        "lab04_client_makefile.py",
    ] {
        let p = proxy(server.addr, 7, |cfg| keeps_requests(cfg, &reqs));
        let got = py_client(
            fixed(variant),
            &host_port(p.local_addr()),
            &stdin_of(LAB04_SHORT),
        );
        assert_same(variant, &got, &expected);
        assert_cut(&p, LAB04_SHORT.len());
    }
    // A 1 MiB reply in pieces of up to 4 KiB.
    let big = ["bytes 1048576", "seq 3"];
    let p = proxy(server.addr, 4096, |cfg| {
        keeps_requests(cfg, &commands(&big))
    });
    let got = py_client(
        fixed("lab04_client.py"),
        &host_port(p.local_addr()),
        &stdin_of(&big),
    );
    let want: Vec<u8> = big.iter().flat_map(|c| builtin(c).0).collect();
    assert_same("lab04_client.py, 1 MiB", &got, &want);

    // The lesson's client (seed 001 scheme 2: one recv(4), one recv(n)), same cuts.
    let p = proxy(server.addr, 7, |cfg| keeps_requests(cfg, &reqs));
    let port = p.local_addr().port().to_string();
    let lesson = py_client(
        python_script("lab04_client_001.py"),
        &[port],
        &stdin_of(LAB04_SHORT),
    );
    assert!(
        !lesson.status.success() || !text(&lesson.stdout).contains(&text(&builtin("help").0)),
        "the lesson's lab04 client read `help` whole through pieces of at most 7 bytes"
    );
}

#[test]
fn lab05_fixed_client_gets_commands_and_files_whole_with_md5() {
    if !python3_available("lab05_fixed_client_gets_commands_and_files_whole_with_md5") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let served = dir.path().join("served");
    let local = dir.path().join("local");
    std::fs::create_dir_all(&served).unwrap();
    std::fs::create_dir_all(&local).unwrap();
    let body: Vec<u8> = (0..200_000u32).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(dir.path().join("notes.bin"), &body).unwrap();
    let server = spawn_server(
        env!("CARGO_BIN_EXE_lab05-json-header"),
        &[
            "server",
            "--compat",
            "lesson",
            "--addr",
            "127.0.0.1:0",
            "--dir",
            served.to_str().unwrap(),
        ],
    );
    // Upload straight to the server (seed 000's upload has no answer to cut).
    let put = format!("put {}\n", dir.path().join("notes.bin").display());
    let mut c = python_cmd();
    c.arg(fixed("lab05_client.py"))
        .args(host_port(server.addr))
        .current_dir(&local);
    let up = run_with_timeout(c, put.as_bytes(), LIMIT);
    assert!(up.status.success(), "put failed: {}", text(&up.stderr));
    // The server stores it only when whole: wait for it.
    for _ in 0..100 {
        if std::fs::read(served.join("notes.bin")).ok().as_deref() == Some(&body[..]) {
            break;
        }
        thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(std::fs::read(served.join("notes.bin")).unwrap(), body);

    // Commands and downloads back through pieces of 1..=64 bytes.
    let cmds = ["help", "zh", "err oops", "get notes.bin", "get missing.bin"];
    let download = |name: &str| format!(r#"{{"opt": "download", "filename": "{name}"}}"#).len() + 4;
    let reqs = [
        (4, 4),
        (2, 2),
        (8, 8),
        (download("notes.bin"), 5),
        (download("missing.bin"), 5),
    ];
    let p = proxy(server.addr, 64, |cfg| keeps_requests(cfg, &reqs));
    let mut c = python_cmd();
    c.arg(fixed("lab05_client.py"))
        .args(host_port(p.local_addr()))
        .current_dir(&local);
    let got = run_with_timeout(c, stdin_of(&cmds).as_bytes(), LIMIT);
    let md5 = sticky_lab::lessons::lab05_json_header::md5_hex(&body);
    let mut want = Vec::new();
    for c in &cmds[..3] {
        let (o, e) = builtin(c);
        want.extend(o);
        want.extend(e);
    }
    want.extend(format!("get notes.bin: 200000 bytes, md5 {md5} ok\n").into_bytes());
    want.extend(b"error: no file \"missing.bin\" to send\n");
    assert_same("python/fixed/lab05_client.py", &got, &want);
    assert_eq!(std::fs::read(local.join("notes.bin")).unwrap(), body);
    assert_cut(&p, cmds.len());
}

#[test]
fn lab06_fixed_client_gets_big_datagrams_whole_and_the_lessons_cuts_them() {
    if !python3_available("lab06_fixed_client_gets_big_datagrams_whole_and_the_lessons_cuts_them") {
        return;
    }
    let server = spawn_server(
        env!("CARGO_BIN_EXE_lab06-udp-vs-tcp"),
        &["server", "--addr", "127.0.0.1:0", "--bufsize", "65535"],
    );
    let big = "é".repeat(1000) + &"x".repeat(30_000);
    let lines = ["hello".to_string(), String::new(), big.clone()];
    let stdin: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let want: Vec<u8> = lines
        .iter()
        .flat_map(|l| [l.as_bytes().to_ascii_uppercase(), b"\n".to_vec()].concat())
        .collect();
    let got = py_client(fixed("lab06_client.py"), &host_port(server.addr), &stdin);
    assert_same("python/fixed/lab06_client.py", &got, &want);

    // Our fixed server answers the same bytes.
    let py = py_server("lab06_server.py", &[]);
    let got = py_client(fixed("lab06_client.py"), &host_port(py.addr), &stdin);
    assert_same("lab06_client.py against lab06_server.py", &got, &want);

    // The lesson's recvfrom(1024) keeps 1024 bytes of the 32000-byte reply.
    let port = server.addr.port().to_string();
    let lesson = py_client(python_script("lab06_udp_client.py"), &[port], &stdin);
    assert!(lesson.status.success(), "{}", text(&lesson.stderr));
    let out = text(&lesson.stdout);
    assert!(
        !out.contains(&"X".repeat(30_000)),
        "the lesson's recvfrom(1024) printed a 32000-byte datagram whole"
    );
}

#[test]
fn lab07_fixed_client_reads_echoes_whole_in_both_wire_formats_and_the_lessons_does_not() {
    if !python3_available(
        "lab07_fixed_client_reads_echoes_whole_in_both_wire_formats_and_the_lessons_does_not",
    ) {
        return;
    }
    let lines = [
        "hello world".to_string(),
        "x".repeat(3000),
        "粘包 ok".to_string(),
    ];
    let stdin: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let want: Vec<u8> = lines
        .iter()
        .flat_map(|l| [l.as_bytes().to_ascii_uppercase(), b"\n".to_vec()].concat())
        .collect();
    // Upper-casing works byte by byte, so cut requests are harmless here:
    // any seed will do.
    for (compat, extra) in [("lesson", None), ("ours", Some("--framed"))] {
        let server = spawn_server(
            env!("CARGO_BIN_EXE_lab07-concurrency"),
            &["server", "--compat", compat, "--addr", "127.0.0.1:0"],
        );
        let p = proxy(server.addr, 7, |_| true);
        let mut args = host_port(p.local_addr());
        args.extend(extra.map(String::from));
        let got = py_client(fixed("lab07_client.py"), &args, &stdin);
        assert_same(
            &format!("lab07_client.py against --compat {compat}"),
            &got,
            &want,
        );
        assert_cut(&p, lines.len());

        // The fixed server, the same way.
        let py = py_server("lab07_server.py", &extra.into_iter().collect::<Vec<_>>());
        let p = proxy(py.addr, 7, |_| true);
        let mut args = host_port(p.local_addr());
        args.extend(extra.map(String::from));
        let got = py_client(fixed("lab07_client.py"), &args, &stdin);
        assert_same(
            &format!("lab07_client.py against lab07_server.py {extra:?}"),
            &got,
            &want,
        );
    }
    // The lesson's client prints one recv(1024) per line.
    let server = spawn_server(
        env!("CARGO_BIN_EXE_lab07-concurrency"),
        &["server", "--compat", "lesson", "--addr", "127.0.0.1:0"],
    );
    let p = proxy(server.addr, 7, |_| true);
    let port = p.local_addr().port().to_string();
    let lesson = py_client(python_script("lab07_client.py"), &[port], &stdin);
    assert!(
        !text(&lesson.stdout).contains(&"X".repeat(3000)),
        "the lesson's lab07 client read a 3000-byte echo with one recv(1024)"
    );
}

/// The fixed servers answer what our runner computes, through the proxy,
/// to the fixed clients: lab 03 (stdout only, as the lesson), 04 and 05.
#[test]
fn fixed_servers_answer_the_runners_bytes_through_the_proxy() {
    if !python3_available("fixed_servers_answer_the_runners_bytes_through_the_proxy") {
        return;
    }
    let cmds = ["help", "seq 20000", "zh", "err oops", "nosuch", "bytes 5"];
    let both = |c: &&str| {
        let (o, e) = builtin(c);
        [o, e].concat()
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().to_str().unwrap().to_string();
    for (server, client, stdout_only, args) in [
        ("lab03_server.py", "lab03_client.py", true, vec![]),
        ("lab04_server.py", "lab04_client.py", false, vec![]),
        (
            "lab05_server.py",
            "lab05_client.py",
            false,
            vec![folder.as_str()],
        ),
    ] {
        let py = py_server(server, &args);
        let mut reqs = commands(&cmds);
        if stdout_only {
            reqs = cmds
                .iter()
                .flat_map(|c| [(c.len(), c.len()), (2, 2)])
                .collect();
        }
        let p = proxy(py.addr, 2048, |cfg| {
            let mut replies = cfg.plan(0, Direction::ToClient);
            keeps_requests(cfg, &reqs) && (0..1000).all(|_| replies.next_cut() >= 8)
        });
        let got = py_client(fixed(client), &host_port(p.local_addr()), &stdin_of(&cmds));
        let want: Vec<u8> = if stdout_only {
            cmds.iter().flat_map(|c| builtin(c).0).collect()
        } else {
            cmds.iter().flat_map(both).collect()
        };
        assert_same(&format!("{client} against {server}"), &got, &want);
    }
}

/// A client whose server closes mid-reply says so on stderr and exits non-zero.
#[test]
fn a_fixed_client_reports_a_server_that_closes_mid_reply() {
    if !python3_available("a_fixed_client_reports_a_server_that_closes_mid_reply") {
        return;
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let t = thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 64];
        let _ = s.read(&mut buf);
        // A header announcing 1000 bytes, then 10 of them, then close.
        let _ = s.write_all(&1000i32.to_le_bytes());
        let _ = s.write_all(&[b'a'; 10]);
    });
    let got = py_client(fixed("lab04_client.py"), &host_port(addr), "help\n");
    let _ = t.join();
    assert!(!got.status.success(), "exit status {:?}", got.status);
    let err = text(&got.stderr);
    assert!(
        err.contains("server closed after 10 of 1000 bytes") && err.trim().lines().count() == 1,
        "stderr: {err}"
    );
}
