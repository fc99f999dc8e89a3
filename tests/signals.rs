//! Ctrl-C and the servers. A server cleans up on SIGINT (lab 05 removes its
//! unfinished files and exits 130), but a server started as a background job
//! of a script (`lab05-json-header server &`) was started with SIGINT ignored
//! (POSIX, Shell Command Language §2.11): the Ctrl-C typed at the script's
//! foreground command is not meant for it, and it must keep serving.
#![cfg(unix)]

mod common;

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::time::{Duration, Instant};

use common::{cmd, spawn_server_cmd, Running};

/// A lab 05 server on port 0 with its own folder; `ignored` starts it with
/// SIGINT ignored, as a shell starts a background job.
fn lab05_server(dir: &std::path::Path, ignored: bool) -> Running {
    let mut c = cmd(env!("CARGO_BIN_EXE_lab05-json-header"));
    c.args(["server", "--addr", "127.0.0.1:0", "--dir"])
        .arg(dir);
    if ignored {
        // SAFETY: signal(2) is async-signal-safe, so it may run between fork and exec.
        unsafe {
            c.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_IGN);
                Ok(())
            });
        }
    }
    spawn_server_cmd(c, "lab05-json-header server")
}

fn sigint(srv: &Running) {
    // SAFETY: kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(srv.child.id() as i32, libc::SIGINT) };
    assert_eq!(rc, 0, "kill(SIGINT)");
}

/// The exit status within `limit`, or None if it still runs.
fn exit_within(srv: &mut Running, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(s) = srv.child.try_wait().expect("wait") {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

fn scratch(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("signals-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn ctrl_c_ends_a_server_in_the_foreground_with_130() {
    let dir = scratch("fg");
    let mut srv = lab05_server(&dir, false);
    sigint(&srv);
    let status = exit_within(&mut srv, Duration::from_secs(10));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(status.and_then(|s| s.code()), Some(130), "{status:?}");
}

#[test]
fn a_server_started_with_sigint_ignored_keeps_serving_through_ctrl_c() {
    let dir = scratch("bg");
    let mut srv = lab05_server(&dir, true);
    sigint(&srv);
    // The foreground case above exits well within this; give it twice the
    // watcher's 20 ms many times over before calling it still running.
    let status = exit_within(&mut srv, Duration::from_secs(1));
    let served = TcpStream::connect_timeout(&srv.addr, Duration::from_secs(5)).is_ok();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        status, None,
        "the background server ended on a SIGINT it had ignored"
    );
    assert!(served, "the server no longer accepts connections");
}
