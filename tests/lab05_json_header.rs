//! Lab 05 end to end: the real binaries, the lessons' Python programs, and
//! hostile input against the real server.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::lang::key_paths;
use common::{cmd, run_with_timeout, text, Running};
use sticky_lab::framing::json_header::JsonHeader;
use sticky_lab::kit::proxy::{ChaosProxy, ProxyConfig};
use sticky_lab::kit::runner::{self, RunnerConfig};
use sticky_lab::lessons::lab05_json_header::md5_hex;
use sticky_lab::lessons::lab05_transfer::PARTIAL_DIR;

const BIN: &str = env!("CARGO_BIN_EXE_lab05-json-header");
const LIMIT: Duration = Duration::from_secs(60);

fn server(dir: &Path, extra: &[&str]) -> Running {
    common::server_with_dir(BIN, dir, extra)
}

fn client(addr: SocketAddr, args: &[&str], stdin: &[u8]) -> std::process::Output {
    common::client_output(BIN, addr, args, stdin)
}

fn builtin(cmdline: &str) -> Vec<u8> {
    runner::run(cmdline.as_bytes(), &RunnerConfig::default()).combined()
}

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".part") || n == PARTIAL_DIR)
        .collect()
}

fn write_random(path: &Path, n: usize, seed: u64) -> Vec<u8> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(seed);
    let mut v = vec![0u8; n];
    rng.fill(&mut v[..]);
    std::fs::write(path, &v).unwrap();
    v
}

#[test]
fn demo_observes_every_stage() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("lab05.svg");
    let mut c = cmd(BIN);
    c.args([
        "--color",
        "never",
        "demo",
        "--json",
        "--file-size",
        "1048576",
        "--svg",
        svg.to_str().unwrap(),
    ]);
    let out = run_with_timeout(c, b"", LIMIT);
    assert!(out.status.success(), "demo failed:\n{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["stages"].as_array().unwrap().len(), 6);
    // stage 6: one send() to a slow reader took part; what it left was never
    // received; sendall lost nothing
    let s6 = &report["stages"][5]["data"];
    let asked = s6["asked"].as_u64().unwrap();
    assert!(s6["send_returned"].as_u64().unwrap() < asked, "{s6}");
    assert_eq!(s6["send_received"], s6["send_returned"]);
    assert!(s6["send_lost"].as_u64().unwrap() > 0, "{s6}");
    assert!(s6["sendall_calls"].as_u64().unwrap() >= 1, "{s6}");
    assert_eq!(s6["sendall_received"].as_u64(), Some(asked));
    // stage 2 really saw the lesson's single recv(header_len) come up short
    let s2 = &report["stages"][1]["data"];
    assert!(s2["recv_header"].as_u64().unwrap() < s2["header_len"].as_u64().unwrap());
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
}

#[test]
fn client_and_server_run_commands_and_move_files_both_ways() {
    let store = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    let srv = server(store.path(), &[]);
    // commands, long output included
    let out = client(srv.addr, &["--cmd", "help", "--cmd", "seq 5000"], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut want = builtin("help");
    want.extend(builtin("seq 5000"));
    assert_eq!(out.stdout, want);
    assert!(text(&out.stderr).contains("md5 ok"));
    // a file up and down, at the prompt (piped stdin)
    let src = local.path().join("data.bin");
    let data = write_random(&src, 3 << 20, 5);
    let dl = local.path().join("dl");
    std::fs::create_dir(&dl).unwrap();
    let script = format!("put {}\nget data.bin\n", src.display());
    let out = client(
        srv.addr,
        &["--dir", dl.to_str().unwrap()],
        script.as_bytes(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("verified by the server"));
    assert_eq!(std::fs::read(store.path().join("data.bin")).unwrap(), data);
    assert_eq!(std::fs::read(dl.join("data.bin")).unwrap(), data);
    // no silent overwrite, on either side
    let out = client(srv.addr, &["--put", src.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("already exists"),
        "{}",
        text(&out.stderr)
    );
    let out = client(
        srv.addr,
        &["--get", "data.bin", "--dir", dl.to_str().unwrap()],
        b"",
    );
    assert!(
        text(&out.stderr).contains("already exists"),
        "{}",
        text(&out.stderr)
    );
    assert!(temp_files(store.path()).is_empty() && temp_files(&dl).is_empty());
}

#[test]
fn the_real_client_reads_exactly_through_a_chaos_proxy() {
    let store = tempfile::tempdir().unwrap();
    let srv = server(store.path(), &[]);
    let proxy = ChaosProxy::start(
        "127.0.0.1:0".parse().unwrap(),
        ProxyConfig {
            delay: Duration::ZERO,
            ..ProxyConfig::new(srv.addr, 11, 23)
        },
    )
    .unwrap();
    let out = client(
        proxy.local_addr(),
        &["--cmd", "help", "--cmd", "seq 5000", "--cmd", "zh"],
        b"",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut want = builtin("help");
    want.extend(builtin("seq 5000"));
    want.extend(builtin("zh"));
    assert_eq!(out.stdout, want);
}

// ── the lessons' Python programs ─────────────────────────────────────────

fn py(name: &str) -> String {
    format!("{}/python/lesson/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A Python server started in `cwd`; killed on drop.
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

fn py_server(script: &str, args: &[&str], cwd: &Path) -> PyServer {
    let mut child = common::python_cmd()
        .arg(py(script))
        .arg("0")
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for l in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let line = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("python server never said where it listens");
    let addr = line.split("listening on ").nth(1).unwrap().parse().unwrap();
    PyServer { child, addr }
}

fn py_client(script: &str, args: &[&str], cwd: &Path, stdin: &[u8]) -> std::process::Output {
    let mut c = common::python_cmd();
    c.arg(py(script)).args(args).current_dir(cwd);
    run_with_timeout(c, stdin, LIMIT)
}

#[test]
fn lesson_client_seed002_talks_to_our_server() {
    if !common::python3_available("lesson_client_seed002_talks_to_our_server") {
        return;
    }
    let store = tempfile::tempdir().unwrap();
    let srv = server(store.path(), &["--compat", "lesson"]);
    let port = srv.addr.port().to_string();
    let out = py_client(
        "lab05_seed002_client.py",
        &[&port],
        store.path(),
        b"echo hi\nhelp\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let o = text(&out.stdout);
    assert!(o.contains("'total_size': 3"), "{o}");
    assert!(o.contains("hi\n"), "{o}");
    let help = text(&builtin("help"));
    assert!(o.contains(&format!("'total_size': {}", help.len())), "{o}");
    assert!(o.contains(help.trim_end()), "{o}");
}

#[test]
fn our_client_talks_to_the_lesson_server_seed002() {
    if !common::python3_available("our_client_talks_to_the_lesson_server_seed002") {
        return;
    }
    let cwd = tempfile::tempdir().unwrap();
    let srv = py_server("lab05_seed002_server.py", &[], cwd.path());
    // Only a harmless command: the lesson's server runs it through the shell.
    let out = client(
        srv.addr,
        &["--compat", "lesson", "--show-header", "--cmd", "echo hi"],
        b"",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let o = text(&out.stdout);
    assert!(o.contains("\"total_size\":3"), "{o}");
    assert!(o.ends_with("hi\n"), "{o}");
}

#[test]
fn lesson_upload_client_seed000_stores_into_our_server() {
    if !common::python3_available("lesson_upload_client_seed000_stores_into_our_server") {
        return;
    }
    let store = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    let srv = server(store.path(), &["--compat", "lesson"]);
    let src = local.path().join("notes.bin");
    let data = write_random(&src, 300_000, 9);
    let port = srv.addr.port().to_string();
    let out = py_client(
        "lab05_seed000_upload_client.py",
        &[&port, src.to_str().unwrap()],
        local.path(),
        b"",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    srv.wait_line("stored notes.bin");
    assert_eq!(std::fs::read(store.path().join("notes.bin")).unwrap(), data);
    assert!(temp_files(store.path()).is_empty());
}

#[test]
fn our_client_uploads_to_the_lesson_server_seed000() {
    if !common::python3_available("our_client_uploads_to_the_lesson_server_seed000") {
        return;
    }
    let cwd = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    let srv = py_server("lab05_seed000_upload_server.py", &[], cwd.path());
    let src = local.path().join("up.bin");
    let data = write_random(&src, 200_000, 3);
    let out = client(
        srv.addr,
        &["--compat", "lesson", "--put", src.to_str().unwrap()],
        b"",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // seed 000's server stores '1' + filename in its directory
    assert_eq!(std::fs::read(cwd.path().join("1up.bin")).unwrap(), data);
}

#[test]
fn lesson_push_client_seed004_receives_from_our_server() {
    if !common::python3_available("lesson_push_client_seed004_receives_from_our_server") {
        return;
    }
    let store = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    let src = store.path().join("pushed.bin");
    let data = write_random(&src, 500_000, 4);
    let srv = server(
        store.path(),
        &["--compat", "lesson", "--push", src.to_str().unwrap()],
    );
    let port = srv.addr.port().to_string();
    let out = py_client("lab05_seed004_push_client.py", &[&port], local.path(), b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(local.path().join("pushed.bin")).unwrap(),
        data
    );
}

#[test]
fn our_client_receives_the_lesson_push_seed004() {
    if !common::python3_available("our_client_receives_the_lesson_push_seed004") {
        return;
    }
    let cwd = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    let src = cwd.path().join("three-body.txt");
    let data = write_random(&src, 700_000, 6);
    let srv = py_server(
        "lab05_seed004_push_server.py",
        &[src.to_str().unwrap()],
        cwd.path(),
    );
    let out = client(
        srv.addr,
        &[
            "--compat",
            "lesson",
            "--get",
            "three-body.txt",
            "--dir",
            local.path().to_str().unwrap(),
        ],
        b"",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(local.path().join("three-body.txt")).unwrap(),
        data
    );
    assert!(text(&out.stderr).contains("not verified"));
}

// ── hostile input ────────────────────────────────────────────────────────

fn hdr(json: &[u8]) -> Vec<u8> {
    let mut v = (json.len() as i32).to_ne_bytes().to_vec();
    v.extend_from_slice(json);
    v
}

/// Sends `bytes`, optionally closes our side, and returns what came back
/// before the server closed (or 5 s passed).
fn poke(addr: SocketAddr, bytes: &[u8], close: bool) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(bytes).unwrap();
    if close {
        let _ = s.shutdown(Shutdown::Write);
    }
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    got
}

/// The `error` of the first reply in `reply`.
fn reply_error(reply: &[u8]) -> String {
    let m = JsonHeader::lesson()
        .read_message(&mut &reply[..])
        .unwrap_or_else(|e| panic!("no readable reply ({e}): {:?}", text(reply)));
    m.header["error"].as_str().unwrap_or("").to_string()
}

fn upload(name: &str, body: &[u8], md5: Option<&str>, filesize: Option<u64>) -> Vec<u8> {
    let mut h = serde_json::json!({"opt": "upload", "filename": name,
        "filesize": filesize.unwrap_or(body.len() as u64)});
    if let Some(m) = md5 {
        h["md5"] = m.into();
    }
    let mut v = hdr(h.to_string().as_bytes());
    v.extend_from_slice(body);
    v
}

#[test]
fn hostile_input_gets_named_errors_and_the_server_keeps_serving() {
    let root = tempfile::tempdir().unwrap();
    let store = root.path().join("store");
    std::fs::create_dir(&store).unwrap();
    std::fs::write(store.join("taken.txt"), b"original").unwrap();
    let srv = server(&store, &["--idle-timeout", "1"]);
    let a = srv.addr;
    let body = b"payload\n".repeat(64);
    let good_md5 = md5_hex(&body);

    // Each case: bytes sent, what the server's error reply must name.
    let mut garbage = vec![0u8; 3000];
    {
        use rand::{RngExt, SeedableRng};
        rand::rngs::ChaCha8Rng::seed_from_u64(1).fill(&mut garbage[..]);
        garbage[0..4].copy_from_slice(&[0x10, 0x00, 0x00, 0x00]);
    }
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("invalid JSON", hdr(b"{\"opt\": upload"), "not valid JSON"),
        (
            "JSON array",
            hdr(b"[1, 2, 3]"),
            "is an array, not an object",
        ),
        ("JSON string", hdr(b"\"cmd\""), "is a string, not an object"),
        (
            "non-UTF-8 header",
            hdr(b"{\"opt\":\"\xff\xfe\"}"),
            "not UTF-8",
        ),
        (
            "header length over the limit",
            0x7fff_fff0i32.to_ne_bytes().to_vec(),
            "over the 65536-byte",
        ),
        (
            "negative header length",
            (-1i32).to_ne_bytes().to_vec(),
            "negative length (-1)",
        ),
        (
            "0xFFFFFFFF as big-endian reader sees it",
            vec![0xff, 0xff, 0xff, 0x7f],
            "over the 65536-byte",
        ),
        ("no opt", hdr(b"{\"filename\":\"x\"}"), "no \"opt\" key"),
        (
            "unknown opt",
            hdr(b"{\"opt\":\"rm -rf\"}"),
            "unknown request",
        ),
        (
            "filesize a string",
            hdr(br#"{"opt":"upload","filename":"a","filesize":"10"}"#),
            "\"filesize\" must be a non-negative integer, got a string",
        ),
        (
            "filesize negative",
            hdr(br#"{"opt":"upload","filename":"a","filesize":-10}"#),
            "\"filesize\" is negative (-10)",
        ),
        (
            "filesize missing",
            hdr(br#"{"opt":"upload","filename":"a"}"#),
            "no \"filesize\" key",
        ),
        (
            "filename missing",
            hdr(br#"{"opt":"download"}"#),
            "no \"filename\" key",
        ),
        ("random garbage", garbage.clone(), "JSON header"),
        (
            "upload ../x",
            upload("../x", &body, Some(&good_md5), None),
            "path traversal",
        ),
        (
            "upload /etc/passwd",
            upload("/etc/passwd", &body, Some(&good_md5), None),
            "absolute path",
        ),
        (
            "upload empty name",
            upload("", &body, Some(&good_md5), None),
            "empty",
        ),
        (
            "upload NUL name",
            upload("a\u{0}b", &body, Some(&good_md5), None),
            "NUL",
        ),
        (
            "upload a/b",
            upload("sub/b", &body, Some(&good_md5), None),
            "path separator",
        ),
        (
            "upload 300-byte name",
            upload(&"n".repeat(300), &body, Some(&good_md5), None),
            "longer than 255 bytes",
        ),
        (
            "upload over an existing file",
            upload("taken.txt", &body, Some(&good_md5), None),
            "already exists",
        ),
        (
            "md5 mismatch",
            upload("m.txt", &body, Some(&md5_hex(b"other")), None),
            "md5 mismatch",
        ),
        (
            "download ../../etc/passwd",
            hdr(br#"{"opt":"download","filename":"../../etc/passwd"}"#),
            "path traversal",
        ),
        (
            "download missing",
            hdr(br#"{"opt":"download","filename":"nope.txt"}"#),
            "no file \"nope.txt\"",
        ),
        (
            "upload too large",
            upload("huge", b"", None, Some(1 << 50)),
            "over the",
        ),
    ];
    assert!(cases.len() >= 20);
    for (what, bytes, want) in &cases {
        let reply = poke(a, bytes, true);
        let err = reply_error(&reply);
        assert!(
            err.contains(want),
            "{what}: error {err:?} does not name {want:?}"
        );
        assert!(!err.contains('\n'), "{what}: not one line: {err:?}");
    }

    // A body that stops short, then a close: no reply possible, the server says why.
    let mut short = upload("short.txt", &body, Some(&good_md5), None);
    short.truncate(short.len() - 100);
    poke(a, &short, true);
    srv.wait_line("file body cut short");
    // A header cut after 1, 2, 3 bytes.
    for cut in 1..=3 {
        let reply = poke(a, &hdr(b"{\"opt\":\"cmd\",\"cmd\":\"ls\"}")[..cut], true);
        assert!(reply_error(&reply)
            .contains(&format!("closed {cut} bytes into a 4-byte header length")));
    }
    // The JSON header cut short.
    let reply = poke(a, &hdr(b"{\"opt\":\"cmd\",\"cmd\":\"ls\"}")[..10], true);
    assert!(reply_error(&reply).contains("6 bytes into a 24-byte JSON header"));
    // A client that connects and says nothing is dropped at the idle timeout.
    let t0 = Instant::now();
    let silent = poke(a, b"", false);
    assert!(silent.is_empty());
    assert!(t0.elapsed() < Duration::from_secs(5));
    srv.wait_line("no request within the idle timeout");

    // Nothing escaped, nothing half-written, the original untouched.
    assert!(!root.path().join("x").exists());
    assert_eq!(std::fs::read(store.join("taken.txt")).unwrap(), b"original");
    let mut names: Vec<String> = std::fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["taken.txt"]);

    // And a well-behaved client is served.
    let out = client(a, &["--cmd", "echo still here"], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(out.stdout, b"still here\n");
    // Refusals in step keep the same connection usable.
    let mut s = TcpStream::connect(a).unwrap();
    s.write_all(&upload("../x", &body, Some(&good_md5), None))
        .unwrap();
    s.write_all(&hdr(br#"{"opt":"cmd","cmd":"echo same connection"}"#))
        .unwrap();
    let codec = JsonHeader::lesson();
    let first = codec.read_message(&mut s).unwrap();
    assert!(first.header["error"]
        .as_str()
        .unwrap()
        .contains("path traversal"));
    let second = codec.read_message(&mut s).unwrap();
    assert_eq!(second.body, b"same connection\n");
}

/// A fake server replying with `reply` to whatever the client sends.
fn fake_server(reply: Vec<u8>) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
            let mut b = [0u8; 1024];
            let _ = s.read(&mut b);
            let _ = s.write_all(&reply);
        }
    });
    addr
}

#[test]
fn hostile_replies_get_named_errors_in_the_client() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (hdr(br#"{"filename":"a.txt"}"#), "no \"total_size\" key"),
        (
            hdr(br#"{"total_size":-1}"#),
            "\"total_size\" is negative (-1)",
        ),
        (
            hdr(br#"{"total_size":"10"}"#),
            "\"total_size\" must be a non-negative integer, got a string \"10\"",
        ),
        (hdr(b"not json"), "not valid JSON"),
        (hdr(b"[]"), "an array, not an object"),
        (hdr(b"{\"total_size\":\xc3}"), "not UTF-8"),
        ((1i32 << 30).to_ne_bytes().to_vec(), "over the 65536-byte"),
        (
            hdr(br#"{"total_size":99999999999999}"#),
            "over the 67108864-byte limit",
        ),
        (
            [hdr(br#"{"total_size":10}"#), b"short".to_vec()].concat(),
            "5 bytes into a 10-byte body",
        ),
        (
            [
                hdr(br#"{"total_size":3,"md5":"00000000000000000000000000000000"}"#),
                b"abc".to_vec(),
            ]
            .concat(),
            "md5 mismatch",
        ),
    ];
    for (reply, want) in cases {
        let addr = fake_server(reply);
        let out = client(addr, &["--cmd", "ls"], b"");
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{want}: client succeeded");
        assert!(err.contains(want), "{want}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    }
    // A hostile download name from the server is refused.
    let mut r = hdr(br#"{"ok":true,"filename":"../evil","filesize":3}"#);
    r.extend_from_slice(b"abc");
    let addr = fake_server(r);
    let dir = tempfile::tempdir().unwrap();
    let out = client(
        addr,
        &["--get", "x", "--dir", dir.path().to_str().unwrap()],
        b"",
    );
    assert!(
        text(&out.stderr).contains("path traversal"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn overwrite_is_explicit() {
    let store = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    let srv = server(store.path(), &["--overwrite"]);
    let src = local.path().join("v.txt");
    std::fs::write(&src, b"version 1\n").unwrap();
    let out = client(srv.addr, &["--put", src.to_str().unwrap()], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::write(&src, b"version 2, longer\n").unwrap();
    let out = client(srv.addr, &["--put", src.to_str().unwrap()], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(store.path().join("v.txt")).unwrap(),
        b"version 2, longer\n"
    );
    // the client side too: --overwrite replaces the local copy
    let out = client(
        srv.addr,
        &[
            "--get",
            "v.txt",
            "--dir",
            local.path().to_str().unwrap(),
            "--overwrite",
        ],
        b"",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&src).unwrap(), b"version 2, longer\n");
    assert!(temp_files(store.path()).is_empty() && temp_files(local.path()).is_empty());
}

/// `demo --json` in `lang` (a small file, so it is quick): exit code,
/// report, and the story on stderr.
fn demo_in(lang: &str) -> (Option<i32>, serde_json::Value, String) {
    let mut c = cmd(BIN);
    c.args(["--color", "never", "--lang", lang, "demo", "--json"])
        .args(["--file-size", "65536"]);
    let out = run_with_timeout(c, b"", LIMIT);
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{lang}: not JSON ({e}): {}", text(&out.stderr)));
    (out.status.code(), report, text(&out.stderr))
}

#[test]
fn the_demo_speaks_chinese_and_its_json_and_the_wire_do_not_change() {
    let (en_code, en, en_story) = demo_in("en");
    let (zh_code, zh, story) = demo_in("zh");
    assert_eq!(en_code, Some(0), "{en}");
    assert_eq!(zh_code, en_code, "{story}");
    assert_eq!(
        (en["lang"].as_str(), zh["lang"].as_str()),
        (Some("en"), Some("zh"))
    );
    assert_eq!(key_paths(&en), key_paths(&zh), "the key paths differ");
    let oks = |r: &serde_json::Value| -> Vec<serde_json::Value> {
        let stages = r["stages"].as_array().unwrap();
        stages.iter().map(|s| s["ok"].clone()).collect()
    };
    assert_eq!(oks(&zh), oks(&en));
    // The words changed: Chinese headings and narration…
    for heading in ["线路上的一条消息", "只调一次 recv(header_len)", "都被拒绝"] {
        assert!(story.contains(heading), "no {heading:?} in:\n{story}");
    }
    assert!(
        story.contains("消息体") && story.contains("报头长度"),
        "{story}"
    );
    // …no catalog key leaked (the binary's own name is not a key)…
    let leaked = story.replace("lab05-json-header", "");
    assert!(!leaked.contains("lab05-"), "a raw key in:\n{story}");
    // …but what the server said ON THE WIRE is the same English in both.
    let said = |r: &serde_json::Value| -> Vec<String> {
        let attacks = r["stages"][4]["data"]["attacks"].as_array().unwrap();
        attacks
            .iter()
            .map(|a| a["server_said"].as_str().unwrap().to_string())
            .collect()
    };
    let zh_said = said(&zh);
    assert!(zh_said[1].contains("path traversal"), "{zh_said:?}");
    assert_eq!(zh_said[1], said(&en)[1]);
    // The person reads the refusals (and the lesson client's JSON error) in
    // Chinese; the English story keeps the server's own words.
    let english = common::lang::english_error_lines(&story);
    assert!(
        english.is_empty(),
        "English errors in Chinese lines:\n{english:#?}"
    );
    for words in [
        "路径穿越",
        "文件内容没传完",
        "md5 不一致",
        "JSON 报头不是合法的 JSON",
    ] {
        assert!(story.contains(words), "no {words:?} in:\n{story}");
    }
    for words in [
        "path traversal (..)",
        "file body cut short: 1000 of",
        "md5 mismatch",
        "JSON header is not valid JSON",
    ] {
        assert!(en_story.contains(words), "no {words:?} in:\n{en_story}");
    }
}

/// A server speaking Chinese: its first line still ends with the address
/// (common::spawn_server looks for the English "listening on").
fn chinese_server(dir: &Path) -> Running {
    let dir = dir.to_str().expect("a UTF-8 temp path");
    common::lang::spawn_server_in(
        BIN,
        "zh",
        &["server", "--addr", "127.0.0.1:0", "--dir", dir],
    )
}

#[test]
fn a_chinese_server_refuses_in_english_on_the_wire_and_a_chinese_client_explains() {
    let store = tempfile::tempdir().unwrap();
    let srv = chinese_server(store.path());
    // The wire: a download of a missing file, asked by hand.
    let mut s = TcpStream::connect(srv.addr).unwrap();
    s.write_all(&hdr(br#"{"opt":"download","filename":"missing.txt"}"#))
        .unwrap();
    let reply = JsonHeader::lesson().read_message(&mut s).unwrap();
    assert_eq!(reply.header["ok"], false);
    assert_eq!(
        reply.header["error"].as_str(),
        Some("no file \"missing.txt\" to send")
    );
    // A person: the same refusal, and a client-side one, in Chinese.
    let mut c = cmd(BIN);
    c.args(["--color", "never", "--lang", "zh", "client"])
        .args(["--addr", &srv.addr.to_string()])
        .args(["--get", "missing.txt", "--get", "../x"]);
    let out = run_with_timeout(c, b"", LIMIT);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("错误： 服务器拒绝了：no file \"missing.txt\" to send"),
        "{err}"
    );
    assert!(err.contains("拒绝文件名 \"../x\"：路径穿越（..）"), "{err}");
    assert!(!err.contains("lab05-"), "a raw key in:\n{err}");
    // The server's log is for a person too.
    let deadline = Instant::now() + Duration::from_secs(10);
    let logged = std::iter::from_fn(|| {
        let left = deadline.saturating_duration_since(Instant::now());
        srv.stderr_lines.recv_timeout(left).ok()
    })
    .find(|l| l.contains("missing.txt"));
    let logged = logged.unwrap_or_default();
    assert!(logged.contains("已拒绝：没有可发送的文件"), "{logged:?}");
}
