//! Lab 02 across a real 1500-byte link: two network namespaces joined by a
//! veth pair (scripts/two-hosts.sh). The sender's kernel must cut a 200 kB
//! burst at the link's MSS (~1448 bytes), where loopback (MTU 65536) would
//! send a few huge segments. Needs root and `ip`; otherwise it says it
//! skipped. Traffic stays inside the two namespaces this test creates.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::{cmd, run_with_timeout, spawn_server, text};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_lab02-nagle");
const WRITES: u64 = 20;
const SIZE: u64 = 10_000;

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/two-hosts.sh")
}

/// The two namespaces; torn down on drop, even when the test fails.
struct TwoHosts {
    name: String,
    ns_a: String,
    ns_b: String,
    addr_a: String,
}

impl TwoHosts {
    fn up(name: &str) -> Result<TwoHosts, String> {
        let out = Command::new("bash")
            .arg(script())
            .args(["up", name])
            .output()
            .map_err(|e| format!("cannot run two-hosts.sh: {e}"))?;
        // Built before checking the status, so a half-made setup is removed too.
        let mut hosts = TwoHosts {
            name: name.to_string(),
            ns_a: String::new(),
            ns_b: String::new(),
            addr_a: String::new(),
        };
        if !out.status.success() {
            return Err(format!("two-hosts.sh up failed: {}", text(&out.stderr)));
        }
        for line in text(&out.stdout).lines() {
            match line.split_once('=') {
                Some(("NS_A", v)) => hosts.ns_a = v.to_string(),
                Some(("NS_B", v)) => hosts.ns_b = v.to_string(),
                Some(("ADDR_A", v)) => hosts.addr_a = v.to_string(),
                _ => {}
            }
        }
        if hosts.ns_a.is_empty() || hosts.ns_b.is_empty() || hosts.addr_a.is_empty() {
            return Err(format!("unexpected output: {}", text(&out.stdout)));
        }
        Ok(hosts)
    }
}

impl Drop for TwoHosts {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .args(["down", &self.name])
            .output();
    }
}

#[cfg(unix)]
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

#[cfg(not(unix))]
fn is_root() -> bool {
    false
}

fn skip_reason() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return Some("network namespaces are Linux only".into());
    }
    if !is_root() {
        return Some("not running as root (network namespaces need it)".into());
    }
    let ip = Command::new("ip").arg("-V").output();
    if !ip.map(|o| o.status.success()).unwrap_or(false) {
        return Some("`ip` (iproute2) is not installed".into());
    }
    None
}

#[test]
fn across_a_1500_byte_link_the_kernel_cuts_at_the_mss() {
    if let Some(why) = skip_reason() {
        eprintln!("SKIPPED lab02 two-hosts test: {why}");
        return;
    }
    let name = format!("stk{}", std::process::id());
    let hosts = match TwoHosts::up(&name) {
        Ok(h) => h,
        Err(e) => {
            // Root with `ip` but no namespaces (e.g. a restricted container).
            eprintln!("SKIPPED lab02 two-hosts test: cannot create namespaces: {e}");
            return;
        }
    };
    let listen = format!("{}:0", hosts.addr_a);
    let server = spawn_server(
        "ip",
        &[
            "netns",
            "exec",
            &hosts.ns_a,
            BIN,
            "server",
            "--addr",
            &listen,
        ],
    );
    let addr = server.addr.to_string();
    let run_client = |nodelay: &str| -> Value {
        let mut c = cmd("ip");
        c.args(["netns", "exec", &hosts.ns_b, BIN, "client", "--json"])
            .args(["--addr", &addr, "--nodelay", nodelay])
            .args(["--writes", &WRITES.to_string(), "--size", &SIZE.to_string()]);
        let out = run_with_timeout(c, b"", Duration::from_secs(60));
        assert!(out.status.success(), "client failed: {}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let total = WRITES * SIZE;
    let v = run_client("off");
    let run = &v["run"];
    assert_eq!(run["receiver"]["bytes"].as_u64(), Some(total), "{v}");
    let mss = run["counters"]["snd_mss"].as_u64().unwrap();
    let segs = run["data_segments"].as_u64().unwrap();
    eprintln!(
        "two hosts: {total} bytes, MSS {mss}, {segs} data segments, {} recv() calls",
        run["receiver"]["recv_calls"]
    );
    // 1500 − 20 (IP) − 20 (TCP) − 12 (timestamps) = 1448; never loopback's ~65483.
    assert!(
        (1000..=1460).contains(&mss),
        "MSS {mss} is not a 1500-MTU MSS: {v}"
    );
    assert!(
        segs >= total / mss,
        "{segs} segments cannot carry {total} bytes at MSS {mss}: {v}"
    );

    // Small writes still merge over the real link with Nagle on.
    let mut c = cmd("ip");
    c.args(["netns", "exec", &hosts.ns_b, BIN, "client", "--json"])
        .args(["--addr", &addr, "--writes", "100", "--size", "10"]);
    let out = run_with_timeout(c, b"", Duration::from_secs(60));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let small: Value = serde_json::from_slice(&out.stdout).unwrap();
    let small_segs = small["run"]["data_segments"].as_u64().unwrap();
    assert!(
        small_segs < 100,
        "100 writes went out as {small_segs} segments"
    );
    drop(server);
    drop(hosts);
    let left = Command::new("ip").args(["netns", "list"]).output().unwrap();
    assert!(
        !text(&left.stdout).contains(&name),
        "namespaces left behind: {}",
        text(&left.stdout)
    );
}
