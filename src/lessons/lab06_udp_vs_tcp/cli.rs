//! The `server` and `client` commands of `lab06-udp-vs-tcp`: seed 002
//! §3.2's upper-case echo over UDP, so the lesson's own Python client can
//! talk to our server and ours to theirs.

use std::net::{Ipv6Addr, SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::{request, serve_upper, EchoOptions};
use crate::harness::{self, fail, parse_addr, ports, Prompt};

/// The binary's name, as the server announces itself.
const LAB: &str = "lab06-udp-vs-tcp";

/// The `server` command's flags.
#[derive(clap::Args)]
pub struct ServerArgs {
    /// Address to listen on (default: 127.0.0.1:8888).
    #[arg(long, value_parser = parse_addr)]
    pub addr: Option<SocketAddr>,
    /// The recvfrom() size: longer datagrams are truncated (and logged).
    #[arg(long, default_value_t = 1024)]
    pub bufsize: usize,
    /// Most replies being sent at once, one thread each.
    #[arg(long, default_value_t = 64)]
    pub max_threads: usize,
    /// Replies per second to any one source address, after a burst of 20 × that:
    /// a datagram spoofed from another echo server cannot start an endless loop.
    #[arg(long, default_value_t = 5.0, value_parser = parse_rate)]
    pub peer_rate: f64,
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 1.0 => Ok(v),
        _ => Err(crate::t!("lab06-error-rate", value = s)),
    }
}

/// The `client` command's flags.
#[derive(clap::Args)]
pub struct ClientArgs {
    /// Server address (default: 127.0.0.1:8888).
    #[arg(long, value_parser = parse_addr)]
    pub addr: Option<SocketAddr>,
    /// Send this instead of prompting (repeatable).
    #[arg(long = "cmd", value_name = "MESSAGE")]
    pub cmds: Vec<String>,
    /// The recvfrom() size for replies (seed 002: 1024).
    #[arg(long, default_value_t = 1024)]
    pub bufsize: usize,
    /// Seconds to wait for each reply (UDP may lose it).
    #[arg(long, default_value_t = 2.0, value_parser = harness::parse_seconds)]
    pub timeout: f64,
}

fn default_addr(addr: Option<SocketAddr>) -> SocketAddr {
    addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], ports::LAB06)))
}

/// The lessons' ThreadingUDPServer: recvfrom(bufsize), sendto(data.upper()),
/// one log line per datagram. Runs until killed.
pub fn server(args: &ServerArgs) -> ExitCode {
    let addr = default_addr(args.addr);
    let sock = match UdpSocket::bind(addr) {
        Ok(s) => s,
        Err(e) => return fail(crate::t!("lab06-error-bind", addr = addr, error = e)),
    };
    let bound = sock.local_addr().unwrap_or(addr);
    if !bound.ip().is_loopback() {
        eprintln!("{}", crate::t!("lab06-note-reachable", addr = bound));
    }
    harness::announce(LAB, bound);
    let opts = EchoOptions {
        bufsize: args.bufsize.clamp(1, 65536),
        max_threads: args.max_threads,
        per_peer: Some(super::PeerRate {
            per_second: args.peer_rate,
            burst: args.peer_rate * 20.0,
        }),
        ..EchoOptions::default()
    };
    match serve_upper(sock, &opts, &AtomicBool::new(false)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(crate::t!("lab06-error-server", addr = bound, error = e)),
    }
}

/// Sends each line as one datagram and prints the upper-cased reply; a
/// truncated reply is said so. Exit 1 if any reply never came.
pub fn client(args: &ClientArgs) -> ExitCode {
    let to = default_addr(args.addr);
    let local: SocketAddr = if to.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let sock = match UdpSocket::bind(local) {
        Ok(s) => s,
        Err(e) => return fail(crate::t!("lab06-error-socket", error = e)),
    };
    let wait = Duration::from_secs_f64(args.timeout.clamp(0.001, 3600.0));
    let bufsize = args.bufsize;
    let mut prompt = Prompt::new(args.cmds.clone(), ">>>: ");
    let mut failures = 0;
    while let Some(msg) = prompt.next_command() {
        match request(&sock, msg.as_bytes(), to, bufsize.clamp(1, 65536), wait) {
            Ok(d) => {
                println!("{}", String::from_utf8_lossy(&d.data));
                if d.truncated {
                    eprintln!(
                        "{}",
                        crate::t!(
                            "lab06-client-truncated",
                            wire = d.wire_len,
                            kept = d.data.len(),
                            bufsize = bufsize,
                            discarded = d.wire_len.saturating_sub(d.data.len())
                        )
                    );
                }
            }
            Err(e) => {
                failures += 1;
                eprintln!("{} {e}", crate::t!("flags-error-label"));
            }
        }
    }
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
