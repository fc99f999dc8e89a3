//! The `server` and `client` commands of `lab02-nagle`: the receiver and
//! the sender of the demo's stages on real sockets, so the segments can be
//! counted (and watched with tcpdump) across two terminals or two hosts.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::ValueEnum;

use super::{
    burst_client, serve_logged, stall_client, BurstConfig, MessageWrites, ServerConfig, StallConfig,
};
use crate::harness::{self, announce, fail, parse_addr};
use crate::t;

/// The binary's name, as the server announces itself.
const LAB: &str = "lab02-nagle";

/// `on` or `off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

impl Switch {
    pub fn on(self) -> bool {
        self == Switch::On
    }
}

/// What the client sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Pattern {
    /// N small writes in a row, then count segments and recv() calls.
    Burst,
    /// Write-write-read rounds (4-byte header, body, 2-byte reply), timed.
    Stall,
}

/// The `server` command's flags.
#[derive(clap::Args)]
pub struct ServerArgs {
    /// Address to listen on.
    #[arg(long, value_parser = parse_addr, default_value_t = SocketAddr::from(([127, 0, 0, 1], harness::ports::LAB02)))]
    pub addr: SocketAddr,
    /// TCP_NODELAY on the server's replies.
    #[arg(long, value_enum, default_value_t = Switch::Off)]
    pub nodelay: Switch,
    /// Buffer size of each recv() call.
    #[arg(long, default_value_t = 65536)]
    pub bufsize: usize,
    /// Sleep this long before reading a burst (a slow reader).
    #[arg(long, default_value_t = 0)]
    pub read_delay_ms: u64,
    /// Most clients served at once; the rest wait in the listen backlog. Memory budget:
    /// each keeps at most 16 MiB of its burst plus one --bufsize buffer.
    #[arg(long, default_value_t = 16)]
    pub max_conns: usize,
    /// Seconds a connected client may stay silent (or leave replies unread) before it is dropped.
    #[arg(long, default_value_t = 300.0, value_parser = harness::parse_seconds)]
    pub idle_timeout: f64,
    /// Seconds a burst or stall message may take from its first byte to its answer,
    /// however slowly it arrives.
    #[arg(long, default_value_t = 60.0, value_parser = harness::parse_seconds)]
    pub request_deadline: f64,
}

/// The `client` command's flags.
#[derive(clap::Args)]
pub struct ClientArgs {
    /// Server address.
    #[arg(long, value_parser = parse_addr, default_value_t = SocketAddr::from(([127, 0, 0, 1], harness::ports::LAB02)))]
    pub addr: SocketAddr,
    /// TCP_NODELAY: `on` switches Nagle's algorithm off.
    #[arg(long, value_enum, default_value_t = Switch::Off)]
    pub nodelay: Switch,
    /// Burst: how many write() calls.
    #[arg(long, default_value_t = 100)]
    pub writes: usize,
    /// Burst: bytes per write().
    #[arg(long, default_value_t = 10)]
    pub size: usize,
    /// Burst: microseconds between writes (0: a tight loop).
    #[arg(long, default_value_t = 0)]
    pub gap_us: u64,
    /// What to send.
    #[arg(long, value_enum, default_value_t = Pattern::Burst)]
    pub pattern: Pattern,
    /// Stall: messages, each waiting for its reply.
    #[arg(long, default_value_t = 20)]
    pub rounds: usize,
    /// Stall: header and body in two writes (split) or one (one).
    #[arg(long, value_enum, default_value_t = MessageWrites::Split)]
    pub message_writes: MessageWrites,
    /// Burst: ask the server not to answer the hello. Having sent nothing, its
    /// kernel ACKs the first segments at once (Linux: at most 16 quick ACKs,
    /// TCP_MAX_QUICKACKS), then delays ACKs again. It does not set TCP_QUICKACK.
    /// (Old name, still accepted: --quick-ack-receiver.)
    #[arg(long, alias = "quick-ack-receiver")]
    pub silent_receiver: bool,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// The receiver: logs what each recv() got; answers stall rounds. Runs until killed.
pub fn server(args: &ServerArgs) -> ExitCode {
    if args.bufsize == 0 {
        return fail(t!("lab02-error-bufsize"));
    }
    let addr = args.addr;
    let listener = match crate::kit::sock::listen(addr) {
        Ok(l) => l,
        Err(e) => return fail(t!("lab02-error-listen", addr = addr, error = e)),
    };
    announce(LAB, listener.local_addr().unwrap_or(addr));
    let cfg = ServerConfig {
        nodelay: args.nodelay.on(),
        bufsize: args.bufsize,
        read_delay: Duration::from_millis(args.read_delay_ms),
    };
    let opts = crate::kit::server::ServeOptions {
        max_conns: args.max_conns,
        idle_timeout: Some(Duration::from_secs_f64(args.idle_timeout)),
        request_deadline: Some(Duration::from_secs_f64(args.request_deadline)),
        log: true,
    };
    match serve_logged(listener, cfg, opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(t!("lab02-error-server-stopped", error = e)),
    }
}

/// The sender: a burst of small writes or timed stall rounds, then the kernel's counters.
pub fn client(args: &ClientArgs) -> ExitCode {
    let addr = args.addr;
    let report = match args.pattern {
        Pattern::Burst => {
            if args.writes == 0 || args.size == 0 {
                return fail(t!("lab02-error-writes-size"));
            }
            if args.writes.saturating_mul(args.size) > 1 << 30 {
                return fail(t!("lab02-error-burst-too-big"));
            }
            let cfg = BurstConfig {
                writes: args.writes,
                size: args.size,
                gap: Duration::from_micros(args.gap_us),
                nodelay: args.nodelay.on(),
                silent_receiver: args.silent_receiver,
            };
            burst_client(addr, &cfg)
                .map_err(|e| t!("lab02-error-burst-failed", addr = addr, error = e))
        }
        Pattern::Stall => {
            if args.rounds == 0 {
                return fail(t!("lab02-error-rounds"));
            }
            let cfg = StallConfig {
                rounds: args.rounds,
                nodelay: args.nodelay.on(),
                writes: args.message_writes,
                ..StallConfig::default()
            };
            stall_client(addr, &cfg)
                .map_err(|e| t!("lab02-error-stall-failed", addr = addr, error = e))
        }
    };
    let text = report.and_then(|r| match args.json {
        true => serde_json::to_string_pretty(&r.json).map_err(|e| e.to_string()),
        false => Ok(r.text),
    });
    match text {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}
