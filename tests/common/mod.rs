//! Helpers for integration tests that spawn the real binaries.
//!
//! Every child is killed when its guard drops, every wait is bounded, and
//! color variables are cleared so output is plain and comparable.
#![allow(dead_code)]

pub mod check;
pub mod lang;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// A command for a binary, with color variables cleared.
pub fn cmd(bin: &str) -> Command {
    let mut c = Command::new(bin);
    c.env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("RUST_BACKTRACE", "1")
        // The tests read English output, whatever the developer's locale.
        .env("STICKY_LANG", "en");
    // Ctrl-C reaches the program, as in a terminal's foreground, however
    // the tests themselves were started: a shell starts a background job
    // (`cargo test &`, `nohup .ci/run &`) with SIGINT ignored, children
    // inherit that (POSIX, Shell Command Language §2.11), and our servers
    // keep an ignored SIGINT ignored on purpose (tests/signals.rs).
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: signal(2) is async-signal-safe, and only this child's
        // dispositions change, between fork and exec.
        unsafe {
            c.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                libc::signal(libc::SIGTERM, libc::SIG_DFL);
                Ok(())
            });
        }
    }
    c
}

/// Message sizes for chaos proofs, 0 to 256 KiB, seeded: log-uniform so most
/// are small, with 1% empty and 1% exactly 256 KiB.
pub fn chaos_sizes(seed: u64, n: usize) -> Vec<usize> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| match rng.random_range(0..100u32) {
            0 => 0,
            1 => 256 * 1024,
            _ => {
                let e: f64 = rng.random_range(0.0..(256.0f64 * 1024.0).ln());
                (e.exp() as usize).min(256 * 1024)
            }
        })
        .collect()
}

/// Message `i` of `len` bytes: its index up front (so a reorder or a mix-up
/// shows), then a pattern.
pub fn numbered_message(i: usize, len: usize) -> Vec<u8> {
    let mut m: Vec<u8> = (0..len).map(|j| (i * 7 + j * 13) as u8).collect();
    let tag = (i as u64).to_le_bytes();
    let k = len.min(8);
    m[..k].copy_from_slice(&tag[..k]);
    m
}

/// The path of one of the lessons' Python programs in python/lesson/.
pub fn python_script(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("python/lesson")
        .join(name)
}

/// After a second, identical round of load: the server `pid` must not have
/// grown by more than 8 MiB since `after_first` (a leak per connection or per
/// message would), and its peak must stay under 64 MiB. Skipped where /proc
/// has no figures.
pub fn assert_memory_bounded(pid: u32, after_first: Option<u64>, what: &str) {
    use sticky_lab::tools::load::{peak_rss_kib, rss_kib};
    if let (Some(a), Some(b), Some(peak)) = (after_first, rss_kib(pid), peak_rss_kib(pid)) {
        eprintln!(
            "{what}: server RSS {a} KiB after round 1, {b} KiB after round 2, peak {peak} KiB"
        );
        assert!(b < a + 8 * 1024, "{what}: RSS grew from {a} to {b} KiB");
        assert!(peak < 64 * 1024, "{what}: peak RSS {peak} KiB");
    }
}

/// A running child process that is killed on drop.
pub struct Running {
    pub child: Child,
    pub addr: SocketAddr,
    pub stderr_lines: mpsc::Receiver<String>,
}

impl Running {
    /// Sends `bytes` as one whole connection (then closes its write side)
    /// and returns the server's `[peer] error: …` line about it.
    pub fn refusal_for(&self, bytes: &[u8]) -> String {
        self.refusal_logged_as(bytes, "error:")
    }

    /// [`Self::refusal_for`] where the server's log says `word` for
    /// "error:" (`出错：` from a server started with `--lang zh`).
    pub fn refusal_logged_as(&self, bytes: &[u8], word: &str) -> String {
        let mut s = std::net::TcpStream::connect(self.addr).expect("connect");
        let peer = s.local_addr().expect("local addr");
        // The server may refuse on the first bytes and close before we are
        // done (a reset then makes our write or shutdown fail: ENOTCONN,
        // seen 1 run in 30 beside a CPU hog). Its error line is the answer.
        let _ = s.write_all(bytes);
        let _ = s.shutdown(std::net::Shutdown::Write);
        self.line_for(peer, word, Duration::from_secs(10))
    }

    /// Waits up to `limit` for the server's `[peer] error: …` line, failing
    /// the test if the server panicked on the way.
    pub fn error_line_for(&self, peer: SocketAddr, limit: Duration) -> String {
        self.line_for(peer, "error:", limit)
    }

    /// Waits up to `limit` for the server's line `[peer] WORD…`.
    fn line_for(&self, peer: SocketAddr, word: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        let tag = format!("[{peer}] {word}");
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .stderr_lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {tag} line"));
            assert!(!line.contains("panicked"), "server panicked: {line}");
            if line.starts_with(&tag) {
                return line;
            }
        }
    }
}

impl Running {
    /// Waits up to `limit` for the server's next `[peer] error: …` line,
    /// whichever client it is about.
    pub fn next_error_line(&self, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .stderr_lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no error line within {limit:?}"));
            assert!(!line.contains("panicked"), "server panicked: {line}");
            if line.starts_with('[') && line.contains("] error: ") {
                return line;
            }
        }
    }

    /// Sends each hostile `(name, bytes, wanted error)` case on its own
    /// connection: the server's error line must name it, and `still_serving`
    /// (a well-behaved client) must get its answer after every one.
    pub fn assert_refusals(
        &self,
        cases: &[(&str, Vec<u8>, &str)],
        still_serving: impl Fn(SocketAddr),
    ) {
        for (name, bytes, want) in cases {
            let line = self.refusal_for(bytes);
            assert!(line.contains(want), "{name}: {line}");
            still_serving(self.addr);
        }
    }

    /// A client that connects and says nothing is dropped with the one idle
    /// error (for servers started with `--idle-timeout 0.5`).
    pub fn assert_idle_client_named(&self) {
        let s = std::net::TcpStream::connect(self.addr).expect("connect");
        let peer = s.local_addr().expect("local addr");
        let line = self.error_line_for(peer, Duration::from_secs(10));
        assert!(
            line.contains("client sent nothing for 500ms (idle timeout)"),
            "{line}"
        );
    }
}

/// Our client `bin` in lesson mode against a lesson's server (a Python
/// program, say): it asks `echo hi`, then `echo sticky`, and must print
/// exactly their output. `what` names the server in failures.
pub fn assert_lesson_client_talks_to(bin: &str, server: &Running, what: &str) {
    let mut c = cmd(bin);
    let addr = server.addr.to_string();
    c.args(["client", "--compat", "lesson", "--addr", &addr]);
    c.args(["--cmd", "echo hi", "--cmd", "echo sticky"]);
    let out = run_with_timeout(c, b"", Duration::from_secs(30));
    assert!(out.status.success(), "{what}: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "hi\nsticky\n", "{what}");
}

impl Running {
    /// Waits (10 s at most) for a stderr line containing `needle`, and
    /// returns it; fails the test with the lines seen otherwise.
    pub fn wait_line(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.stderr_lines.recv_timeout(left) {
                Ok(l) if l.contains(needle) => return l,
                Ok(l) => seen.push(l),
                Err(_) => break,
            }
        }
        panic!("the server never printed {needle:?}; it printed {seen:#?}");
    }
}

/// `bin server --addr 127.0.0.1:0 --dir DIR extra…`: a lab server storing
/// files into `dir`, on a free loopback port.
pub fn server_with_dir(bin: &str, dir: &std::path::Path, extra: &[&str]) -> Running {
    let d = dir.to_str().expect("a UTF-8 temp path");
    let mut args = vec!["server", "--addr", "127.0.0.1:0", "--dir", d];
    args.extend_from_slice(extra);
    spawn_server(bin, &args)
}

/// `bin --color never client --addr ADDR args…` with `stdin` fed in, run
/// to completion (60 s at most).
pub fn client_output(bin: &str, addr: SocketAddr, args: &[&str], stdin: &[u8]) -> Output {
    let mut c = cmd(bin);
    c.args(["--color", "never", "client", "--addr", &addr.to_string()])
        .args(args);
    run_with_timeout(c, stdin, Duration::from_secs(60))
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The lines `child` writes on its (piped) stderr, as they come.
pub fn stderr_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Starts a server binary with `args` (which should bind port 0) and waits,
/// at most 20 s, for its `listening on ADDR` line on stderr.
pub fn spawn_server(bin: &str, args: &[&str]) -> Running {
    let mut c = cmd(bin);
    c.args(args);
    spawn_server_cmd(c, &format!("{bin} {args:?}"))
}

/// [`spawn_server`] for a `Command` the caller prepared (`what` names it in
/// a failure).
pub fn spawn_server_cmd(mut c: Command, what: &str) -> Running {
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let rx = stderr_lines(&mut child);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = match rx.recv_timeout(left) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what} never printed 'listening on ADDR'");
            }
        };
        if let Some(rest) = line.split("listening on ").nth(1) {
            let addr = rest
                .split_whitespace()
                .next()
                .and_then(|a| a.parse().ok())
                .unwrap_or_else(|| panic!("unparsable listen line: {line}"));
            return Running {
                child,
                addr,
                stderr_lines: rx,
            };
        }
    }
}

/// Runs a binary to completion with `stdin` fed in, killing it after `limit`.
pub fn run_with_timeout(mut c: Command, stdin: &[u8], limit: Duration) -> Output {
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    if let Some(mut i) = child.stdin.take() {
        let data = stdin.to_vec();
        thread::spawn(move || {
            let _ = i.write_all(&data);
        });
    }
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let o = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let e = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("command did not finish within {limit:?}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: o.join().unwrap_or_default(),
        stderr: e.join().unwrap_or_default(),
    }
}

/// The Python interpreter to run the lessons' programs with: `python3` on
/// Linux and macOS, `python` or the `py` launcher on a python.org Windows
/// install. `None` when none of them runs.
pub fn python() -> Option<&'static str> {
    static FOUND: std::sync::OnceLock<Option<&'static str>> = std::sync::OnceLock::new();
    *FOUND.get_or_init(|| {
        ["python3", "python", "py"].into_iter().find(|p| {
            Command::new(p)
                .arg("-c")
                .arg("import sys; sys.exit(sys.version_info[0] != 3)")
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false)
        })
    })
}

/// A `Command` for the Python interpreter [`python`] found (`python3` when
/// none was: the caller checked [`python3_available`] first).
pub fn python_cmd() -> Command {
    Command::new(python().unwrap_or("python3"))
}

/// `true` when a Python 3 interpreter can be run; otherwise prints why the
/// caller skips.
pub fn python3_available(test: &str) -> bool {
    let ok = python().is_some();
    if !ok {
        eprintln!(
            "SKIPPED {test}: no python3, python or py runs here (scripts/ci-prereqs.sh installs python3)"
        );
    }
    ok
}

/// Lossy text of some bytes.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A stand-in server on loopback that accepts one connection, reads one
/// request, answers `reply` and then says nothing more (for 30 s): what a
/// client sees from a server that speaks another format and now waits.
pub fn stuck_server(reply: &'static [u8]) -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("local addr");
    thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(reply);
            thread::sleep(Duration::from_secs(30));
        }
    });
    addr
}

/// Our client `bin` against `server` (started with `--exec shell`), its
/// commands typed one at a time on stdin: `printf abc` must show `abc` at
/// once, before the next command is typed, on a line of its own; an empty
/// reply must be named `(empty reply)` on stderr, and stdout keep only the
/// replies' bytes.
pub fn assert_replies_shown_like_a_shell(bin: &str, server: &Running) {
    let mut child = cmd(bin)
        .args(["client", "--addr", &server.addr.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn client");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let notes = thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut b = [0u8; 256];
        while let Ok(n) = stdout.read(&mut b) {
            if n == 0 || tx.send(b[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut shown = Vec::new();
    let wait_for = |want: &str, shown: &mut Vec<u8>| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !text(shown).contains(want) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(b) => shown.extend(b),
                Err(_) => break,
            }
        }
    };
    stdin.write_all(b"printf abc\n").expect("type");
    wait_for("abc\n", &mut shown);
    let before_next = text(&shown);
    stdin.write_all(b"printf ''\necho next\n").expect("type");
    drop(stdin);
    wait_for("next\n", &mut shown);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        before_next, "abc\n",
        "printf abc was not shown whole at once"
    );
    assert_eq!(text(&shown), "abc\nnext\n");
    let notes = notes.join().unwrap_or_default();
    assert!(text(&notes).contains("(empty reply)"), "{}", text(&notes));
}

/// Runs our client `bin` with `args` and each of `cmds` (`--cmd`) against
/// `addr`, bounded in time.
pub fn client_run(bin: &str, addr: SocketAddr, args: &[&str], cmds: &[&str]) -> Output {
    let mut c = cmd(bin);
    c.args(["client", "--addr", &addr.to_string()]).args(args);
    for k in cmds {
        c.args(["--cmd", k]);
    }
    run_with_timeout(c, b"", Duration::from_secs(30))
}

/// A reply over the server's OWN `--max-frame` (1000, for `bytes 5000`):
/// the client must get an error reply it can read, and the server's log
/// must blame the reply, not the client.
pub fn assert_own_reply_limit_blamed_on_the_server(bin: &str) {
    let srv = spawn_server(
        bin,
        &["server", "--addr", "127.0.0.1:0", "--max-frame", "1000"],
    );
    let out = client_run(bin, srv.addr, &[], &["bytes 5000"]);
    assert!(
        text(&out.stdout).contains("is 5000 bytes, over this server's own --max-frame 1000"),
        "client saw: {} {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let line = srv.next_error_line(Duration::from_secs(5));
    let want = "the reply to 'bytes 5000' is 5000 bytes, over this server's own --max-frame 1000";
    assert!(line.contains(want), "{line}");
}

/// The lesson's Python client `script`, asking `ls` of the server at `addr`,
/// must print `want` (skipped, saying so, where no Python runs).
pub fn assert_python_client_told(script: &str, addr: SocketAddr, want: &str) {
    if !python3_available(script) {
        return;
    }
    let mut c = python_cmd();
    c.arg(python_script(script))
        .arg(addr.port().to_string())
        .arg("ls");
    let out = run_with_timeout(c, b"", Duration::from_secs(30));
    let (so, se) = (text(&out.stdout), text(&out.stderr));
    assert!(so.contains(want), "{script}: {so} {se}");
}

/// Our client `bin`, with `--reply-timeout 0.5`, asks `ls` of a server that
/// answers `reply` and then nothing: it must give up with exit code 2 well
/// before the server would (bounded at 8 s), saying no reply came. Returns
/// its stderr for the lab's own checks.
pub fn assert_client_gives_up_after_its_reply_timeout(bin: &str, reply: &'static [u8]) -> String {
    let addr = stuck_server(reply);
    let t0 = Instant::now();
    let out = client_run(bin, addr, &["--reply-timeout", "0.5"], &["ls"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no reply within 500ms"), "{err}");
    assert!(t0.elapsed() < Duration::from_secs(8), "{:?}", t0.elapsed());
    err
}
