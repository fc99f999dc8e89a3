//! `sticky`: the lab's tool binary. `sticky proxy` puts a seeded chaos hop
//! between a client and a server, so the cuts loopback hides happen on cue.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use sticky_lab::harness::{args, fail, parse_addr, Compat};
use sticky_lab::kit::proxy::{ChaosProxy, Direction, PieceLog, ProxyConfig};
use sticky_lab::t;
use sticky_lab::tools::check;

/// Examples for `sticky --help` (a catalog key).
const EXAMPLES: &str = "sticky-examples";

#[derive(Subcommand)]
enum Command {
    /// Re-chunk a TCP stream between two real sockets, reproducibly by seed.
    // Its about line and examples: sticky-cmd-proxy-about / -examples.
    Proxy {
        /// Address the proxy listens on (clients connect here).
        #[arg(long, value_parser = parse_addr, default_value = "127.0.0.1:9600")]
        listen: SocketAddr,
        /// Address of the real server.
        #[arg(long, value_parser = parse_addr)]
        to: SocketAddr,
        /// Seed for the cut points: the same seed gives the same cuts.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Largest piece written at once, in bytes (pieces are 1..=max-chunk).
        #[arg(long, default_value_t = 512, value_parser = sticky_lab::harness::parse_count)]
        max_chunk: usize,
        /// Pause between pieces, in milliseconds, so each arrives as its own recv().
        #[arg(long, default_value_t = 1)]
        delay_ms: u64,
        /// Added round-trip time in milliseconds (half in each direction).
        #[arg(long, default_value_t = 0)]
        rtt_ms: u64,
        /// How long to wait for more bytes to fill a piece, in milliseconds.
        #[arg(long, default_value_t = 5)]
        hold_ms: u64,
        /// Relay UDP datagrams instead of a TCP stream (seeded drop, duplicate, reorder).
        #[arg(long)]
        udp: bool,
        /// With --udp: chance each datagram is dropped.
        #[arg(long, default_value_t = 0.1, requires = "udp")]
        drop: f64,
        /// With --udp: chance each datagram is sent twice.
        #[arg(long, default_value_t = 0.1, requires = "udp")]
        dup: f64,
        /// With --udp: chance each datagram is held and sent after the next one.
        #[arg(long, default_value_t = 0.1, requires = "udp")]
        reorder: f64,
        /// Capture both hops (client ↔ proxy ↔ server) on loopback to FILE
        /// (pcap, for Wireshark), rewritten as each connection closes; TCP
        /// only, needs root or CAP_NET_RAW (Linux).
        #[arg(long, value_name = "FILE", conflicts_with = "udp")]
        pcap: Option<std::path::PathBuf>,
    },
    /// Framing speed over loopback: raw pump, 4-byte header, JSON header, length+ack.
    #[command(after_help = sticky_lab::tools::bench::BENCH_EXAMPLES)]
    Bench(sticky_lab::tools::bench::BenchArgs),
    /// Many framed clients at once against an echo server, every reply checked.
    #[command(after_help = sticky_lab::tools::load::LOAD_EXAMPLES)]
    Load(sticky_lab::tools::load::LoadArgs),
    /// Instructor preflight: check the labs' default ports and Python, run every lab's demo and
    /// show which lessons reproduce here.
    #[command(after_help = sticky_lab::tools::preflight::LABS_EXAMPLES)]
    Labs(sticky_lab::tools::preflight::LabsArgs),
    /// Print a tab-completion script for your shell (bash, zsh, fish, powershell).
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Hold your own client or server to a lab's protocol, the stream cut on replayable seeds.
    // Its about line and examples: `sticky-cmd-check-*` in locales/*/check.ftl.
    Check(CheckArgs),
}

/// `sticky check`'s flags (the checker itself is `sticky_lab::tools::check`).
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("role").required(true).args(["client", "server", "addr"])))]
struct CheckArgs {
    /// The lab: lab03, 3 or lab03-length-ack.
    #[arg(value_parser = check::parse_lab)]
    lab: &'static sticky_lab::harness::registry::Lab,
    /// Check your client: its command line, with {host} and {port} where the server's go.
    #[arg(long, value_name = "CMD")]
    client: Option<String>,
    /// Check your server: its command line, with {port} where the port to listen on goes.
    #[arg(long, value_name = "CMD")]
    server: Option<String>,
    /// Check a server that is already running at HOST:PORT.
    #[arg(long, value_parser = parse_addr, value_name = "HOST:PORT")]
    addr: Option<SocketAddr>,
    /// Wire format: the lesson's own bytes (the default: what the lesson's programs speak) or ours.
    #[arg(long, value_enum, default_value_t = Compat::Lesson)]
    compat: Compat,
    /// Lab 04's header byte order (default: this machine's, as struct.pack('i')).
    #[arg(long, value_enum)]
    byte_order: Option<sticky_lab::framing::ByteOrder>,
    /// Seeds per case (slow cases run fewer).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1000))]
    seeds: u64,
    /// Run only this seed (with --case: replay one failure exactly).
    #[arg(long)]
    seed: Option<u64>,
    /// Run only this case.
    #[arg(long, value_name = "NAME")]
    case: Option<String>,
    /// Print one JSON report on stdout instead of the table (docs/json-report.md).
    #[arg(long)]
    json: bool,
}

/// The one-line description under `sticky --help`.
const ABOUT: &str = "sticky-about";

fn main() -> ExitCode {
    let (command, color) = args::parse::<Command>("sticky", ABOUT, EXAMPLES);
    color.apply();
    match command {
        Command::Bench(a) => sticky_lab::tools::bench::bench_command(&a),
        Command::Load(a) => sticky_lab::tools::load::load_command(&a),
        Command::Labs(a) => sticky_lab::tools::preflight::labs_command(&a, color),
        Command::Completions { shell } => {
            // Written from the same clap command that parses the arguments,
            // so the script always knows every subcommand and flag.
            let mut cmd = args::command::<Command>("sticky", ABOUT, EXAMPLES);
            clap_complete::generate(shell, &mut cmd, "sticky", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Command::Check(a) => check_command(a),
        Command::Proxy {
            listen,
            to,
            seed,
            max_chunk,
            delay_ms,
            rtt_ms,
            hold_ms,
            udp,
            drop,
            dup,
            reorder,
            pcap,
        } => {
            if udp {
                return udp_proxy(listen, to, seed, [drop, dup, reorder]);
            }
            if !listen.ip().is_loopback() {
                eprintln!("{}", t!("sticky-proxy-exposed", addr = listen));
            }
            let cfg = ProxyConfig {
                upstream: to,
                seed,
                max_chunk,
                delay: Duration::from_millis(delay_ms),
                rtt: Duration::from_millis(rtt_ms),
                hold: Duration::from_millis(hold_ms),
            };
            let proxy = match ChaosProxy::start(listen, cfg) {
                Ok(p) => p,
                Err(e) => return fail(t!("sticky-proxy-cannot-start", addr = listen, error = e)),
            };
            // Bound first, then announced: with port 0 this is the real port.
            let addr = proxy.local_addr();
            // The capture starts before the announcement, so a client that
            // connects the moment it reads the address is captured whole. It
            // watches the two ports every packet of the proxy's involves
            // (its own and the server's), so a connection over before the
            // capture's next look at this process's sockets is kept too.
            let capture = pcap.and_then(|path| start_capture(&path).map(|c| (c, path)));
            if let Some((cap, _)) = &capture {
                cap.watch_port(addr.port());
                cap.watch_port(to.port());
            }
            eprintln!("{}", t!("sticky-proxy-listening", addr = addr));
            eprintln!(
                "{}",
                t!(
                    "sticky-proxy-started",
                    addr = addr,
                    to = to,
                    seed = seed,
                    max = max_chunk,
                    delay = delay_ms,
                    rtt = rtt_ms
                )
            );
            // Report each direction's cuts once it closes, so a class can see them.
            let mut shown = 0;
            loop {
                std::thread::sleep(Duration::from_millis(100));
                let logs = proxy.piece_logs();
                for l in logs.iter().skip(shown) {
                    eprintln!("{}", describe_pieces(l));
                }
                if let (true, Some((cap, path))) = (logs.len() > shown, &capture) {
                    // Rewritten whole each time, so Ctrl-C leaves a complete file.
                    let packets = cap.snapshot();
                    match sticky_lab::kit::capture::write_pcap(path, &packets) {
                        Ok(()) => eprintln!(
                            "{}",
                            t!(
                                "sticky-proxy-captured",
                                n = packets.len(),
                                path = path.display()
                            )
                        ),
                        Err(e) => eprintln!(
                            "{}",
                            t!("harness-cannot-write", path = path.display(), error = e)
                        ),
                    }
                }
                shown = logs.len();
            }
        }
    }
}

/// Starts capturing the proxy's packets for `--pcap`; without the right to,
/// says so in one line and the proxy runs without it.
fn start_capture(path: &std::path::Path) -> Option<sticky_lab::kit::capture::Capture> {
    match sticky_lab::kit::capture::Capture::start() {
        Ok(c) => {
            eprintln!("{}", t!("sticky-proxy-capturing", path = path.display()));
            Some(c)
        }
        Err(e) => {
            let why = match e.kind() {
                std::io::ErrorKind::PermissionDenied => t!("harness-capture-needs-root"),
                _ => e.to_string(),
            };
            eprintln!(
                "{}",
                t!("sticky-proxy-no-capture", path = path.display(), why = why)
            );
            None
        }
    }
}

/// `sticky check`: the flags become [`check::CheckOptions`].
fn check_command(a: CheckArgs) -> ExitCode {
    if a.byte_order.is_some() && a.lab.number != 4 {
        return fail(sticky_lab::t!("check-byte-order-lab04"));
    }
    let role = match (a.client, a.server, a.addr) {
        (Some(c), _, _) => check::Role::Client(c),
        (_, Some(s), _) => check::Role::Server(s),
        (_, _, Some(addr)) => check::Role::Addr(addr),
        _ => return fail(sticky_lab::t!("check-give-a-role")),
    };
    let opts = check::CheckOptions {
        lab: a.lab,
        role,
        compat: a.compat,
        byte_order: a.byte_order,
        seeds: if a.seed.is_some() { 1 } else { a.seeds },
        first_seed: a.seed.unwrap_or(0),
        case: a.case,
    };
    check::check_command(&opts, a.json)
}

/// `sticky proxy --udp`: the seeded UDP chaos hop of lab 06.
fn udp_proxy(listen: SocketAddr, to: SocketAddr, seed: u64, p: [f64; 3]) -> ExitCode {
    if p.iter().any(|x| !(0.0..=1.0).contains(x)) || p.iter().sum::<f64>() > 1.0 {
        return fail(t!("sticky-udp-proxy-bad-chances", got = format!("{p:?}")));
    }
    let mut cfg = sticky_lab::kit::udp_proxy::UdpProxyConfig::new(to, seed);
    cfg.chaos = sticky_lab::kit::udp_proxy::UdpChaos {
        drop: p[0],
        duplicate: p[1],
        reorder: p[2],
    };
    cfg.log = true;
    match sticky_lab::kit::udp_proxy::UdpChaosProxy::start(listen, cfg) {
        Ok(proxy) => {
            eprintln!(
                "{}",
                t!(
                    "sticky-udp-proxy-listening",
                    addr = proxy.addr(),
                    to = to,
                    seed = seed,
                    drop = p[0],
                    dup = p[1],
                    reorder = p[2]
                )
            );
            proxy.run_forever();
            ExitCode::SUCCESS
        }
        Err(e) => fail(t!(
            "sticky-udp-proxy-cannot-start",
            addr = listen,
            error = e
        )),
    }
}

/// `[conn 0] server → client: 1749 B in 14 pieces: 166 192 231 …`
fn describe_pieces(l: &PieceLog) -> String {
    const SHOWN: usize = 64;
    let way = match l.direction {
        Direction::ToServer => t!("sticky-proxy-way-to-server"),
        Direction::ToClient => t!("sticky-proxy-way-to-client"),
    };
    let total: usize = l.pieces.iter().sum();
    let mut list: Vec<String> = l.pieces.iter().take(SHOWN).map(usize::to_string).collect();
    if l.pieces.len() > SHOWN {
        list.push(t!("sticky-proxy-more-pieces", n = l.pieces.len() - SHOWN));
    }
    t!(
        "sticky-proxy-pieces",
        conn = l.conn,
        way = way,
        total = total,
        n = l.pieces.len(),
        list = list.join(" ")
    )
}
