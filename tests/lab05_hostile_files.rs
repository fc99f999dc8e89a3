//! Lab 05's files under attack and under accident: uploads that cannot be
//! swapped or read before they are whole, downloads that stay in the
//! folder and are always one whole version, file-system errors answered in
//! one line, Ctrl-C that leaves nothing behind, and a client that explains
//! its user's mistakes.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{spawn_server, text, Running};
use sticky_lab::framing::json_header::{Header, JsonHeader};
use sticky_lab::harness::Compat;
#[cfg(unix)]
use sticky_lab::kit::proxy::{ChaosProxy, ProxyConfig};
use sticky_lab::lessons::lab05_json_header::md5_hex;
use sticky_lab::lessons::lab05_transfer::Client;

const BIN: &str = env!("CARGO_BIN_EXE_lab05-json-header");

fn server(dir: &Path, extra: &[&str]) -> Running {
    common::server_with_dir(BIN, dir, extra)
}

fn client(addr: SocketAddr, args: &[&str], stdin: &[u8]) -> std::process::Output {
    common::client_output(BIN, addr, args, stdin)
}

fn hdr(json: &serde_json::Value) -> Vec<u8> {
    let j = json.to_string();
    let mut v = (j.len() as i32).to_ne_bytes().to_vec();
    v.extend_from_slice(j.as_bytes());
    v
}

fn upload_header(name: &str, body: &[u8]) -> Vec<u8> {
    hdr(&serde_json::json!({"opt": "upload", "filename": name,
        "filesize": body.len(), "md5": md5_hex(body)}))
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// The next reply's header on `s`, and its body.
fn reply(s: &mut TcpStream) -> (Header, Vec<u8>) {
    let m = JsonHeader::lesson()
        .read_message(s)
        .unwrap_or_else(|e| panic!("no readable reply: {e}"));
    (m.header, m.body)
}

/// The next reply's header only (a download's body is left unread).
fn answer(s: &mut TcpStream) -> Header {
    JsonHeader::lesson()
        .read_header(s)
        .unwrap_or_else(|e| panic!("no readable answer: {e}"))
}

fn error_of(h: &Header) -> String {
    h.get("error")
        .and_then(|e| e.as_str())
        .unwrap_or("")
        .to_string()
}

/// Everything under `dir`, as relative paths ("a", ".x/b"), sorted.
fn everything(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, at: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(at).into_iter().flatten().flatten() {
            let p = e.path();
            out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                walk(root, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Waits (10 s at most) until `dir` holds something besides `known`.
fn wait_for_new_entry(dir: &Path, known: &[&str]) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now: Vec<String> = everything(dir)
            .into_iter()
            .filter(|n| !known.contains(&n.as_str()))
            .collect();
        if !now.is_empty() {
            return now;
        }
        assert!(Instant::now() < deadline, "nothing appeared in {dir:?}");
        thread::sleep(Duration::from_millis(10));
    }
}

fn seeded(n: usize, seed: u64) -> Vec<u8> {
    use rand::{RngExt, SeedableRng};
    let mut v = vec![0u8; n];
    rand::rngs::ChaCha8Rng::seed_from_u64(seed).fill(&mut v[..]);
    v
}

/// Waits for a child to exit (10 s at most).
#[cfg(unix)]
fn wait_exit(child: &mut std::process::Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(Instant::now() < deadline, "did not exit after the signal");
        thread::sleep(Duration::from_millis(20));
    }
}

/// Sends the first 1 MiB of a 4 MiB upload of `big.bin` to `srv` (storing
/// into `store`), and waits until its temporary file exists: an upload in
/// progress. Returns the connection (keep it open) and the new entries.
fn start_an_upload(srv: &Running, store: &Path) -> (TcpStream, Vec<String>) {
    let body = seeded(4 << 20, 2);
    let mut s = connect(srv.addr);
    s.write_all(&upload_header("big.bin", &body)).unwrap();
    s.write_all(&body[..1 << 20]).unwrap();
    (s, wait_for_new_entry(store, &[]))
}

#[cfg(unix)]
fn interrupt(pid: u32) {
    // SAFETY: a plain kill(2) on our own child.
    assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGINT) }, 0);
}

// ── issue 11 items 4 and 5: an upload in progress is out of reach ─────────

#[test]
fn an_upload_in_progress_can_be_neither_swapped_nor_downloaded() {
    let store = tempfile::tempdir().unwrap();
    let srv = server(store.path(), &["--overwrite"]);
    let victim = seeded(1 << 20, 1);
    let mut v = connect(srv.addr);
    v.write_all(&upload_header("victim.txt", &victim)).unwrap();
    v.write_all(&victim[..victim.len() / 2]).unwrap();
    let visible = wait_for_new_entry(store.path(), &[]);
    // Every name the attacker can see (the test sees more than any client
    // could): download it, then upload over it with --overwrite.
    let evil = b"attacker's bytes\n".repeat(100);
    for name in &visible {
        let mut a = connect(srv.addr);
        a.write_all(&hdr(
            &serde_json::json!({"opt": "download", "filename": name}),
        ))
        .unwrap();
        let h = answer(&mut a);
        assert!(
            !error_of(&h).is_empty(),
            "download of {name:?} (an upload in progress) was served: {h:?}"
        );
        a.write_all(&upload_header(name, &evil)).unwrap();
        a.write_all(&evil).unwrap();
        let (h, _) = reply(&mut a);
        eprintln!("upload to {name:?}: {}", error_of(&h));
    }
    v.write_all(&victim[victim.len() / 2..]).unwrap();
    let (h, _) = reply(&mut v);
    assert_eq!(h["verified"], true, "{h:?}");
    let stored = std::fs::read(store.path().join("victim.txt")).unwrap();
    assert!(stored == victim, "victim.txt holds someone else's bytes");
    assert!(!everything(store.path())
        .iter()
        .any(|n| n.ends_with(".part")));
}

#[test]
fn a_killed_servers_unfinished_upload_is_swept_at_the_next_start() {
    let store = tempfile::tempdir().unwrap();
    let mut srv = server(store.path(), &[]);
    let (_s, left) = start_an_upload(&srv, store.path());
    srv.child.kill().unwrap(); // SIGKILL: no handler runs
    srv.child.wait().unwrap();
    let after_kill = everything(store.path());
    assert!(!after_kill.is_empty(), "{left:?} vanished by itself");
    let again = server(store.path(), &[]);
    let line = again.wait_line("swept 1 unfinished upload");
    eprintln!("{line}");
    assert!(
        everything(store.path()).is_empty(),
        "{:?}",
        everything(store.path())
    );
    // and what is swept was never downloadable
    let dl = tempfile::tempdir().unwrap();
    for name in after_kill {
        let out = client(
            again.addr,
            &["--get", &name, "--dir", dl.path().to_str().unwrap()],
            b"",
        );
        assert!(!out.status.success(), "{name}: {}", text(&out.stderr));
    }
}

// ── issue 11 item 6: downloads stay inside --dir ──────────────────────────

#[cfg(unix)]
#[test]
fn downloads_refuse_symbolic_links_wherever_they_point() {
    let root = tempfile::tempdir().unwrap();
    let store = root.path().join("store");
    std::fs::create_dir(&store).unwrap();
    std::fs::write(root.path().join("secret.txt"), b"outside --dir\n").unwrap();
    std::fs::write(store.join("real.txt"), b"inside\n").unwrap();
    std::os::unix::fs::symlink(root.path().join("secret.txt"), store.join("secret")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", store.join("passwd")).unwrap();
    std::os::unix::fs::symlink(store.join("real.txt"), store.join("inner")).unwrap();
    std::os::unix::fs::symlink("..", store.join("up")).unwrap();
    let srv = server(&store, &[]);
    let mut s = connect(srv.addr);
    for name in ["secret", "passwd", "inner", "up"] {
        s.write_all(&hdr(
            &serde_json::json!({"opt": "download", "filename": name}),
        ))
        .unwrap();
        let h = answer(&mut s);
        let e = error_of(&h);
        assert!(
            e.contains("symbolic link") || e.contains("no file"),
            "{name}: served ({h:?})"
        );
        eprintln!("{name}: {e}");
    }
    s.write_all(&hdr(
        &serde_json::json!({"opt": "download", "filename": "real.txt"}),
    ))
    .unwrap();
    let mut f = [0u8; 4];
    s.read_exact(&mut f).unwrap();
    let mut h = vec![0u8; i32::from_ne_bytes(f) as usize];
    s.read_exact(&mut h).unwrap();
    let mut b = vec![0u8; 7];
    s.read_exact(&mut b).unwrap();
    assert_eq!(b, b"inside\n");
}

// ── issue 11 item 7: file-system errors get a one-line answer ─────────────

#[test]
fn file_system_errors_are_answered_and_the_connection_goes_on() {
    let store = tempfile::tempdir().unwrap();
    std::fs::create_dir(store.path().join("adir")).unwrap();
    let srv = server(store.path(), &["--overwrite"]);
    let mut s = connect(srv.addr);
    let body = b"x".repeat(5000);
    // --overwrite onto a directory
    s.write_all(&upload_header("adir", &body)).unwrap();
    s.write_all(&body).unwrap();
    let (h, _) = reply(&mut s);
    let e = error_of(&h);
    assert!(e.starts_with("cannot store \"adir\": "), "{e:?}");
    assert!(e.contains("directory") && !e.contains('\n'), "{e:?}");
    // a 250-byte name: it and any temporary name fit the 255-byte limit
    let long = "n".repeat(250);
    s.write_all(&upload_header(&long, &body)).unwrap();
    s.write_all(&body).unwrap();
    let (h, _) = reply(&mut s);
    assert_eq!(h["verified"], true, "{h:?}");
    assert_eq!(std::fs::read(store.path().join(&long)).unwrap(), body);
    // the same connection still serves
    s.write_all(&hdr(
        &serde_json::json!({"opt": "cmd", "cmd": "echo still serving"}),
    ))
    .unwrap();
    assert_eq!(reply(&mut s).1, b"still serving\n");
    assert!(store.path().join("adir").is_dir());
    assert_eq!(everything(store.path()).len(), 2);
}

/// Can this machine give a process its own small tmpfs (a mount namespace,
/// as root or through a user namespace)?
fn small_tmpfs_possible(dir: &Path) -> bool {
    let mut c = std::process::Command::new("unshare");
    c.args(["-rm", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs \"$0\""]);
    c.arg(dir);
    c.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    c.status().is_ok_and(|s| s.success())
}

#[test]
fn a_full_disk_is_answered_in_one_line_and_nothing_is_left() {
    let store = tempfile::tempdir().unwrap();
    if !small_tmpfs_possible(store.path()) {
        eprintln!("skipped: cannot mount a 1 MiB tmpfs here (unshare -rm); the unit test a_disk_that_fills_still_lets_the_whole_body_be_read covers the logic");
        return;
    }
    let d = store.path().to_str().unwrap();
    let script = "mount -t tmpfs -o size=1m tmpfs \"$1\" && exec \"$0\" server --addr 127.0.0.1:0 --dir \"$1\" --exec shell";
    let srv = spawn_server("unshare", &["-rm", "sh", "-c", script, BIN, d]);
    let mut s = connect(srv.addr);
    let big = seeded(3 << 20, 3);
    s.write_all(&upload_header("big.bin", &big)).unwrap();
    s.write_all(&big).unwrap();
    let (h, _) = reply(&mut s);
    let e = error_of(&h);
    eprintln!("3 MiB into a 1 MiB tmpfs: {e}");
    assert!(
        e.starts_with("cannot store \"big.bin\": No space left on device"),
        "{e:?}"
    );
    let small = b"fits\n".to_vec();
    s.write_all(&upload_header("small.txt", &small)).unwrap();
    s.write_all(&small).unwrap();
    assert_eq!(reply(&mut s).0["verified"], true);
    // what the server's own file system holds now (the test cannot see its mount)
    let ls = format!("ls -A {d}");
    s.write_all(&hdr(&serde_json::json!({"opt": "cmd", "cmd": ls})))
        .unwrap();
    assert_eq!(text(&reply(&mut s).1), "small.txt\n");
}

// ── issue 11 item 16: a download racing an overwrite ──────────────────────

#[test]
fn a_download_racing_an_overwrite_is_always_one_whole_version() {
    let store = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    let srv = server(store.path(), &["--overwrite"]);
    let versions: Vec<(PathBuf, String)> = (0..2)
        .map(|i| {
            let dir = local.path().join(format!("v{i}"));
            std::fs::create_dir(&dir).unwrap();
            let p = dir.join("shared.bin");
            let data = seeded(4 << 20, 10 + i);
            std::fs::write(&p, &data).unwrap();
            (p, md5_hex(&data))
        })
        .collect();
    let new_client = |addr| {
        let mut c = Client::new(TcpStream::connect(addr).unwrap(), Compat::Ours);
        c.progress = false;
        c
    };
    new_client(srv.addr).put(&versions[0].0).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let (stop2, addr, paths) = (stop.clone(), srv.addr, versions.clone());
    let uploader = thread::spawn(move || {
        let mut c = new_client(addr);
        let mut n = 0;
        while !stop2.load(Ordering::SeqCst) {
            c.put(&paths[n % 2].0).unwrap();
            n += 1;
        }
        n
    });
    let dl = local.path().join("dl");
    std::fs::create_dir(&dl).unwrap();
    let mut seen = [0; 2];
    for race in 0..30 {
        let got = new_client(srv.addr).get("shared.bin", &dl, true);
        let got = got.unwrap_or_else(|e| panic!("race {race}: {e}"));
        assert!(got.verified);
        let which = versions.iter().position(|v| v.1 == got.md5);
        let which = which.unwrap_or_else(|| panic!("race {race}: a torn download"));
        assert_eq!(
            md5_hex(&std::fs::read(dl.join("shared.bin")).unwrap()),
            got.md5
        );
        seen[which] += 1;
    }
    stop.store(true, Ordering::SeqCst);
    let uploads = uploader.join().unwrap();
    eprintln!("30 downloads during {uploads} uploads: {seen:?} of each version, none torn");
}

// ── issue 12 items 1, 2, 7: the client explains and cleans up ─────────────

#[test]
fn a_missing_file_or_a_bare_put_is_explained_and_the_session_goes_on() {
    let store = tempfile::tempdir().unwrap();
    let srv = server(store.path(), &[]);
    let out = client(
        srv.addr,
        &[],
        b"seq 3\nput nothere.txt\nput\nget\necho after\n",
    );
    let (o, e) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(o, "1\n2\n3\nafter\n", "stderr: {e}");
    assert!(e.contains("cannot read nothere.txt: No such file"), "{e}");
    assert!(
        e.contains("put needs a file") && e.contains("get needs a name"),
        "{e}"
    );
    assert_eq!(out.status.code(), Some(1), "{e}");
}

#[test]
fn get_into_a_folder_that_does_not_exist_creates_it() {
    let store = tempfile::tempdir().unwrap();
    std::fs::write(store.path().join("notes.txt"), b"notes\n").unwrap();
    let srv = server(store.path(), &[]);
    let local = tempfile::tempdir().unwrap();
    let dl = local.path().join("dl").join("sub");
    let out = client(
        srv.addr,
        &["--get", "notes.txt", "--dir", dl.to_str().unwrap()],
        b"",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("created the download folder"));
    assert_eq!(std::fs::read(dl.join("notes.txt")).unwrap(), b"notes\n");
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_a_download_leaves_no_temporary_file() {
    let store = tempfile::tempdir().unwrap();
    std::fs::write(store.path().join("big.bin"), seeded(32 << 20, 4)).unwrap();
    let srv = server(store.path(), &[]);
    // 4 KiB pieces 1 ms apart: the 32 MiB take seconds, time to interrupt.
    let slow = ProxyConfig::new(srv.addr, 5, 4096);
    let proxy = ChaosProxy::start("127.0.0.1:0".parse().unwrap(), slow).unwrap();
    let dl = tempfile::tempdir().unwrap();
    let mut c = common::cmd(BIN);
    c.args([
        "--color",
        "never",
        "client",
        "--addr",
        &proxy.local_addr().to_string(),
    ])
    .args(["--get", "big.bin", "--dir", dl.path().to_str().unwrap()])
    .stdin(std::process::Stdio::null())
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    wait_for_new_entry(dl.path(), &[]);
    interrupt(child.id());
    let status = wait_exit(&mut child);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}: {err}");
    assert!(
        err.contains("interrupted: the unfinished download of \"big.bin\" was removed"),
        "{err}"
    );
    assert!(
        everything(dl.path()).is_empty(),
        "{:?}",
        everything(dl.path())
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_on_the_server_during_an_upload_leaves_no_temporary_file() {
    let store = tempfile::tempdir().unwrap();
    let mut srv = server(store.path(), &[]);
    let _s = start_an_upload(&srv, store.path());
    interrupt(srv.child.id());
    let line = srv.wait_line("interrupted");
    assert!(
        line.contains("the unfinished upload of \"big.bin\" was removed"),
        "{line}"
    );
    assert_eq!(wait_exit(&mut srv.child).code(), Some(130));
    assert!(
        everything(store.path()).is_empty(),
        "{:?}",
        everything(store.path())
    );
}

#[test]
fn a_server_that_goes_away_mid_upload_is_named_by_the_client() {
    // A server that reads the header and 64 KiB, then closes with the rest unread.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
            let mut b = vec![0u8; 64 * 1024];
            let _ = s.read_exact(&mut b);
        }
    });
    let local = tempfile::tempdir().unwrap();
    let p = local.path().join("big.bin");
    std::fs::write(&p, seeded(16 << 20, 7)).unwrap();
    let out = client(addr, &["--put", p.to_str().unwrap()], b"");
    let e = text(&out.stderr);
    assert!(!out.status.success());
    assert!(e.contains("the connection was lost after"), "{e}");
    assert!(
        e.contains("of 16777216 bytes of big.bin were sent; it was not stored"),
        "{e}"
    );
    assert_eq!(e.trim_end().lines().count(), 1, "{e}");
}

// ── the memory budget stated in the sheet ─────────────────────────────────

/// The sheet's budget: per connection at most 2 × --max-output (the
/// command's text and its encoded bytes, or the output and the passing copy
/// its md5 is taken from) + --max-header + two 64 KiB buffers + 128 KiB of
/// thread stack and allocator slack; times the connections.
#[test]
fn clients_that_never_read_stay_within_the_memory_budget() {
    use sticky_lab::tools::load::peak_rss_kib;
    let store = tempfile::tempdir().unwrap();
    let max_output = 2 << 20;
    let srv = server(
        store.path(),
        &[
            "--max-output",
            &max_output.to_string(),
            "--idle-timeout",
            "20",
        ],
    );
    let pid = srv.child.id();
    let Some(base) = peak_rss_kib(pid) else {
        eprintln!("skipped: no /proc figures for the server");
        return;
    };
    let conns = 16u64;
    let per_conn_kib = (2 * max_output + 65536 + 2 * 65536 + 131072) / 1024;
    let mut held = Vec::new();
    for _ in 0..conns {
        // A small receive buffer, set before connecting, so the replies
        // stay in the server rather than in this side's kernel.
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        s.set_recv_buffer_size(4096).unwrap();
        s.connect(&srv.addr.into()).unwrap();
        let mut s: TcpStream = s.into();
        let req = serde_json::json!({"opt": "cmd", "cmd": "bytes 3000000"});
        s.write_all(&hdr(&req)).unwrap();
        held.push(s);
    }
    thread::sleep(Duration::from_secs(2));
    let peak = peak_rss_kib(pid).unwrap();
    let budget = base + conns * per_conn_kib;
    eprintln!(
        "{conns} clients asking for {max_output}-byte replies, reading none: peak RSS {peak} KiB (started at {base} KiB; budget {budget} KiB)"
    );
    assert!(
        peak < budget,
        "peak RSS {peak} KiB over the budget {budget} KiB"
    );
    drop(held);
}
