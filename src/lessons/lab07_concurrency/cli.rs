//! The `server` and `client` commands of `lab07-concurrency`: the lesson's
//! upper-case echo (seed 002 §3.1) on real sockets, one client at a time or
//! a thread per client under a cap, so the lesson's own Python programs can
//! talk to them.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use super::{ask, Echo, Mode, CONN_MEMORY};
use crate::harness::{
    announce, fail, parse_addr, parse_seconds, ports, ClientArgs, Compat, MemoryArgs, Prompt,
};
use crate::kit::server::ServeOptions;
use crate::t;

/// The binary's name, as the server announces itself.
const LAB: &str = "lab07-concurrency";

/// `lab07-concurrency server`'s flags.
#[derive(clap::Args)]
pub struct ServerArgs {
    /// Address to listen on (default 127.0.0.1:8889, the lesson's port).
    #[arg(long, value_parser = parse_addr)]
    pub addr: Option<SocketAddr>,
    /// One client at a time, or a thread per client.
    #[arg(long, value_enum, default_value_t = Mode::Threaded)]
    pub mode: Mode,
    /// Most clients served at once in threaded mode; the rest wait in the backlog.
    #[arg(long, default_value_t = 64)]
    pub max_conns: usize,
    /// ours: each message framed with a 4-byte header; lesson: the lesson's
    /// unframed protocol (recv(1024), send(msg.upper())).
    #[arg(long, value_enum, default_value_t = Compat::Ours)]
    pub compat: Compat,
    /// Seconds a connected client may stay silent (or leave its echoes unread) before it is dropped.
    #[arg(long, default_value_t = 300.0, value_parser = parse_seconds)]
    pub idle_timeout: f64,
    /// Seconds a message may take from its first byte to its echo, however slowly it arrives.
    #[arg(long, default_value_t = 60.0, value_parser = parse_seconds)]
    pub request_deadline: f64,
    /// Largest framed message accepted, in bytes (a header claiming more is refused).
    /// Memory does not grow with it: a message is echoed in 64 KiB pieces.
    #[arg(long, default_value_t = crate::framing::DEFAULT_MAX_FRAME)]
    pub max_frame: usize,
    #[command(flatten)]
    pub memory: MemoryArgs,
}

/// `lab07-concurrency client`'s flags.
#[derive(clap::Args)]
pub struct ClientOpts {
    #[command(flatten)]
    pub args: ClientArgs,
    /// ours: each message framed with a 4-byte header; lesson: the lesson's
    /// unframed protocol (one recv(1024) per reply).
    #[arg(long, value_enum, default_value_t = Compat::Ours)]
    pub compat: Compat,
}

impl ServerArgs {
    /// The limits the server keeps. Every connection holds the same few
    /// pieces ([`CONN_MEMORY`]), so `--memory-budget` is a cap on
    /// connections: the smaller of it and `--max-conns` (said on stderr
    /// when the budget is the smaller). `Err` names a budget too small for
    /// even one connection.
    pub fn serve_options(&self) -> Result<ServeOptions, String> {
        let budget = self.memory.memory_budget;
        let affordable = (budget / CONN_MEMORY as u64) as usize;
        if affordable == 0 {
            return Err(t!(
                "lab07-memory-too-small",
                budget = budget,
                conn = CONN_MEMORY
            ));
        }
        if affordable < self.max_conns && self.mode == Mode::Threaded {
            eprintln!(
                "{}",
                t!(
                    "lab07-memory-caps",
                    budget = budget,
                    n = affordable,
                    conn = CONN_MEMORY,
                    max = self.max_conns
                )
            );
        }
        Ok(ServeOptions {
            max_conns: if self.mode == Mode::Sequential {
                1
            } else {
                self.max_conns.min(affordable)
            },
            idle_timeout: Some(Duration::from_secs_f64(self.idle_timeout)),
            request_deadline: Some(Duration::from_secs_f64(self.request_deadline)),
            log: true,
        })
    }
}

/// The upper-case echo server in the chosen `--mode`, one log line per
/// client on stderr. Runs until killed.
pub fn server(args: &ServerArgs) -> ExitCode {
    let opts = match args.serve_options() {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    let addr = args
        .addr
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], ports::LAB07)));
    let listener = match crate::kit::sock::listen(addr) {
        Ok(l) => l,
        Err(e) => return fail(t!("flags-cannot-listen", addr = addr, error = e)),
    };
    let local = listener.local_addr().unwrap_or(addr);
    announce(LAB, local);
    let (mode, max, compat) = (args.mode, opts.max_conns, args.compat);
    eprintln!(
        "{}",
        t!(
            "lab07-server-banner",
            mode = mode,
            max = max,
            compat = compat
        )
    );
    let echo = Echo {
        compat,
        max_frame: args.max_frame,
    };
    let never = Arc::new(AtomicBool::new(false));
    match mode.serve()(listener, echo, opts, never) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(t!("lab07-server-failed", addr = local, error = e)),
    }
}

/// Reads lines (or `--cmd`s), sends each, prints its upper-cased echo.
pub fn client(opts: &ClientOpts) -> ExitCode {
    let args = &opts.args;
    let addr = args.addr_or(ports::LAB07);
    let stream = match args.connect(ports::LAB07) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut prompt = Prompt::new(args.cmds.clone(), ">>> ");
    while let Some(line) = prompt.next_command() {
        match ask(&stream, opts.compat, line.as_bytes()) {
            Ok(reply) => println!("{}", args.encoding.decode(&reply).0),
            Err(e) => return fail(format!("{addr}: {e}")),
        }
    }
    ExitCode::SUCCESS
}
