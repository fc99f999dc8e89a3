//! `sticky`: the lab's tool binary. `sticky proxy` puts a seeded chaos hop
//! between a client and a server, so the cuts loopback hides happen on cue.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use sticky_lab::harness::{args, fail, parse_addr, Compat};
use sticky_lab::kit::proxy::{ChaosProxy, Direction, PieceLog, ProxyConfig};
use sticky_lab::tools::check;

/// Examples for `sticky --help`.
const EXAMPLES: &str = "Examples:
  sticky proxy --listen 127.0.0.1:9600 --to 127.0.0.1:9527 --seed 7
  sticky bench --sizes 16,1048576
  sticky load --clients 64 --messages 10000
  sticky labs
  sticky check lab04 --client 'python3 my_client.py {host} {port}'";

#[derive(Subcommand)]
enum Command {
    /// Re-chunk a TCP stream between two real sockets, reproducibly by seed.
    #[command(after_help = "Examples:
  # terminal 1: the lab server
  lab01-naive-recv server --addr 127.0.0.1:9527
  # terminal 2: the proxy, cutting replies into pieces of at most 300 bytes
  sticky proxy --listen 127.0.0.1:9600 --to 127.0.0.1:9527 --seed 7 --max-chunk 300
  # terminal 3: the client talks to the proxy instead of the server
  lab01-naive-recv client --addr 127.0.0.1:9600 --bufsize 204800000

  # any free port: the real one is printed as 'sticky proxy listening on ADDR'
  sticky proxy --listen 127.0.0.1:0 --to 127.0.0.1:9527 --seed 3

  # add 100 ms of round-trip time, cutting nothing
  sticky proxy --listen 127.0.0.1:9600 --to 127.0.0.1:8001 --rtt-ms 100 --max-chunk 1048576 --delay-ms 0

  # UDP: drop, duplicate and reorder datagrams (lab 06), decisions logged on stderr
  sticky proxy --udp --listen 127.0.0.1:9601 --to 127.0.0.1:8888 --seed 7 --drop 0.1 --dup 0.1 --reorder 0.1
  # capture both hops for Wireshark (as root): client ↔ proxy and proxy ↔ server
  sudo sticky proxy --listen 127.0.0.1:9600 --to 127.0.0.1:9527 --pcap proxy.pcap")]
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
    #[command(after_help = "Examples:
  # bash: completes in new shells
  sticky completions bash > ~/.local/share/bash-completion/completions/sticky
  # zsh: any directory on $fpath, file named _sticky
  sticky completions zsh > ~/.zfunc/_sticky
  # fish
  sticky completions fish > ~/.config/fish/completions/sticky.fish
  # PowerShell: add this line to $PROFILE
  sticky completions powershell | Out-String | Invoke-Expression")]
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
const ABOUT: &str = "sticky-lab tools: the chaos proxy and friends";

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
                eprintln!("warning: the proxy listens on {listen}, which other machines may reach");
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
                Err(e) => return fail(format!("proxy on {listen}: {e}")),
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
            eprintln!("sticky proxy listening on {addr}");
            eprintln!(
                "sticky proxy: {addr} → {to}, seed {seed}, pieces of 1..={max_chunk} B, \
                 {delay_ms} ms apart, +{rtt_ms} ms RTT (Ctrl-C to stop)"
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
                        Ok(()) => {
                            eprintln!("{} packets captured to {}", packets.len(), path.display())
                        }
                        Err(e) => eprintln!("could not write {}: {e}", path.display()),
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
            eprintln!(
                "sticky proxy: capturing both hops to {} (rewritten as each connection closes)",
                path.display()
            );
            Some(c)
        }
        Err(e) => {
            let why = match e.kind() {
                std::io::ErrorKind::PermissionDenied => {
                    "capturing packets needs root or CAP_NET_RAW (try sudo)".to_string()
                }
                _ => e.to_string(),
            };
            eprintln!(
                "note: no capture written to {}: {why}; the proxy runs without it",
                path.display()
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
        return fail(format!(
            "--drop, --dup and --reorder must each be in 0..=1 and add up to at most 1 (got {p:?})"
        ));
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
                "sticky proxy --udp listening on {} → {to}, seed {seed}, drop {} dup {} reorder {} (Ctrl-C to stop)",
                proxy.addr(),
                p[0],
                p[1],
                p[2]
            );
            proxy.run_forever();
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("UDP proxy on {listen}: {e}")),
    }
}

/// `[conn 0] server → client: 1749 B in 14 pieces: 166 192 231 …`
fn describe_pieces(l: &PieceLog) -> String {
    const SHOWN: usize = 64;
    let way = match l.direction {
        Direction::ToServer => "client → server",
        Direction::ToClient => "server → client",
    };
    let total: usize = l.pieces.iter().sum();
    let mut list: Vec<String> = l.pieces.iter().take(SHOWN).map(usize::to_string).collect();
    if l.pieces.len() > SHOWN {
        list.push(format!("… ({} more)", l.pieces.len() - SHOWN));
    }
    format!(
        "[conn {}] {way}: {total} B in {} pieces: {}",
        l.conn,
        l.pieces.len(),
        list.join(" ")
    )
}
