//! Lab 07 — serving many clients (seed 002 §3, `socketserver`).
//!
//! The lesson's first server talks to one client at a time: a second client
//! connects at once but waits for its first reply until the first one
//! leaves. `ThreadingTCPServer` gives each connection a thread; a real
//! server caps the threads, and a client over the cap waits again.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use serde_json::json;
use sticky_lab::framing::LengthPrefix;
use sticky_lab::harness::{
    self, announce, fail, parse_addr, ports, ClientArgs, Demo, DemoOpts, Prompt,
};
use sticky_lab::kit::server::ServeOptions;
use sticky_lab::lessons::lab07_concurrency::{
    self as conc, ask, ClientTiming, Compat, EchoServer, Mode, Scenario, Wire,
};
use sticky_lab::report::table::Table;
use sticky_lab::report::ColorChoice;

const LAB: &str = "lab07-concurrency";

#[derive(Parser)]
#[command(name = LAB, version, about = "Lab 07: one client at a time, a thread per client, and the cap")]
struct Cli {
    /// When to color output: auto, always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole lesson on loopback: sequential server, threads, the cap.
    #[command(after_help = "Examples:
  lab07-concurrency demo
  lab07-concurrency demo --hold-ms 800 --svg waits.svg
  lab07-concurrency demo --json > report.json")]
    Demo {
        #[command(flatten)]
        opts: DemoOpts,
        /// How long each demo client stays connected after its first reply, in ms.
        #[arg(long, default_value_t = 400)]
        hold_ms: u64,
    },
    /// The upper-case echo server of seed 002 §3.1.
    #[command(after_help = "Examples:
  # the lesson's first server: one client at a time
  lab07-concurrency server --mode sequential
  # ThreadingTCPServer, at most 2 clients served at once
  lab07-concurrency server --mode threaded --max-conns 2
  # the lesson's own protocol, for tests/python/lab07_client.py
  lab07-concurrency server --compat lesson")]
    Server {
        /// Address to listen on (default 127.0.0.1:8889, the lesson's port).
        #[arg(long, value_parser = parse_addr)]
        addr: Option<SocketAddr>,
        /// One client at a time, or a thread per client.
        #[arg(long, value_enum, default_value_t = Mode::Threaded)]
        mode: Mode,
        /// Most clients served at once in threaded mode; the rest wait in the backlog.
        #[arg(long, default_value_t = 64)]
        max_conns: usize,
        /// Speak the lesson's unframed protocol (recv(1024), send(msg.upper())).
        #[arg(long, value_enum)]
        compat: Option<Compat>,
        /// Seconds a connected client may stay silent before it is dropped.
        #[arg(long, default_value_t = 300.0)]
        idle_timeout: f64,
    },
    /// Type lines, get them back in upper case.
    #[command(after_help = "Examples:
  lab07-concurrency client
  lab07-concurrency client --cmd hello --cmd world
  lab07-concurrency client --compat lesson --addr 127.0.0.1:8889")]
    Client {
        #[command(flatten)]
        args: ClientArgs,
        /// Speak the lesson's unframed protocol (one recv(1024) per reply).
        #[arg(long, value_enum)]
        compat: Option<Compat>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo { opts, hold_ms } => {
            demo(&opts, cli.color, Duration::from_millis(hold_ms.max(50)))
        }
        Command::Server {
            addr,
            mode,
            max_conns,
            compat,
            idle_timeout,
        } => {
            cli.color.apply();
            let addr = addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], ports::LAB07)));
            let listener = match sticky_lab::kit::sock::listen(addr) {
                Ok(l) => l,
                Err(e) => return fail(format!("cannot listen on {addr}: {e}")),
            };
            let local = listener.local_addr().unwrap_or(addr);
            announce(LAB, local);
            let max = if mode == Mode::Sequential {
                1
            } else {
                max_conns
            };
            eprintln!("mode {mode:?}, at most {max} client(s) served at once");
            let opts = ServeOptions {
                max_conns: max,
                idle_timeout: Some(Duration::from_secs_f64(idle_timeout.clamp(0.001, 86_400.0))),
                log: true,
            };
            match conc::serve_upper(
                listener,
                mode,
                Wire::from_compat(compat),
                LengthPrefix::lesson(),
                opts,
            ) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(format!("server on {local}: {e}")),
            }
        }
        Command::Client { args, compat } => {
            cli.color.apply();
            client(&args, Wire::from_compat(compat))
        }
    }
}

fn client(args: &ClientArgs, wire: Wire) -> ExitCode {
    let addr = args.addr_or(ports::LAB07);
    let stream = match args.connect(ports::LAB07) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut prompt = Prompt::new(args.cmds.clone(), ">>> ");
    while let Some(line) = prompt.next_command() {
        match ask(&stream, wire, LengthPrefix::lesson(), line.as_bytes()) {
            Ok(reply) => println!("{}", args.encoding.decode(&reply).0),
            Err(e) => return fail(format!("{addr}: {e}")),
        }
    }
    ExitCode::SUCCESS
}

fn waits_table(t: &[ClientTiming], hold: Duration) -> Table {
    let h = hold.as_secs_f64() * 1e3;
    let mut table = Table::new([
        "client",
        "connect() took",
        "first reply after",
        "× hold",
        "reply",
    ]);
    for c in t {
        table.row([
            format!("{}", c.client),
            format!("{:.1} ms", c.connect_wait_ms()),
            format!("{:.0} ms", c.reply_wait_ms()),
            format!("{:.2}", c.reply_wait_ms() / h),
            match (&c.error, c.reply_ok) {
                (Some(e), _) => e.clone(),
                (None, true) => "upper-cased ✔".into(),
                (None, false) => "WRONG".into(),
            },
        ]);
    }
    table
}

fn demo(opts: &DemoOpts, color: ColorChoice, hold: Duration) -> ExitCode {
    // The picture here is a time line, not a byte stream: drawn by this lab.
    let svg_path = opts.svg.clone();
    let mut d = Demo::new(
        LAB,
        "one client at a time, a thread per client, and the cap",
        &DemoOpts {
            svg: None,
            ..opts.clone()
        },
        color,
    );
    let h = hold.as_secs_f64() * 1e3;
    let stagger = Duration::from_millis(30);
    let lo: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut scenarios = Vec::new();

    // Stage 1: the lesson's first server.
    d.stage("the lesson's first server: one client at a time");
    d.say(&format!(
        "while True: conn, addr = accept(); then talk to that client until it leaves.\n\
         3 clients start 30 ms apart; each asks once, then stays {h:.0} ms (a user typing)."
    ));
    let seq = match EchoServer::start(lo, Mode::Sequential, Wire::Header, 1) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot start the server: {e}")),
    };
    let t = conc::time_clients(seq.addr(), Wire::Header, 3, stagger, hold);
    drop(seq);
    d.show(&waits_table(&t, hold).render());
    let connected_fast = t.iter().all(|c| c.connect_wait_ms() < h / 2.0);
    let queued = t.iter().all(|c| c.reply_ok)
        && t[0].reply_wait_ms() < h / 2.0
        && (1..t.len()).all(|k| t[k].reply_wait_ms() >= 0.75 * k as f64 * h);
    let seq_last = t[t.len() - 1].reply_wait_ms();
    d.check(
        connected_fast && queued,
        "every connect() returns at once, but client k's first reply waits ≈ k × the time one client stays",
        &format!(
            "all connected within {:.1} ms; the last client's first reply waited {:.0} ms = {:.2}× one client's stay",
            t.iter().map(ClientTiming::connect_wait_ms).fold(0.0, f64::max),
            seq_last,
            seq_last / h
        ),
        json!({ "hold_ms": h, "clients": t }),
    );
    scenarios.push(Scenario {
        title: "sequential server (the lesson's while True: accept())".into(),
        timings: t,
    });

    // Stage 2: a thread per connection.
    d.stage("ThreadingTCPServer: a thread per connection");
    d.say("socketserver.ThreadingTCPServer: accept, start a thread for the client, accept again.");
    let thr = match EchoServer::start(lo, Mode::Threaded, Wire::Header, 64) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot start the server: {e}")),
    };
    let t = conc::time_clients(thr.addr(), Wire::Header, 3, stagger, hold);
    drop(thr);
    d.show(&waits_table(&t, hold).render());
    let thr_last = t
        .iter()
        .map(ClientTiming::reply_wait_ms)
        .fold(0.0, f64::max);
    let ok = t.iter().all(|c| c.reply_ok && c.reply_wait_ms() < h / 2.0);
    d.check(
        ok,
        "no client waits for another: every first reply comes at once",
        &format!(
            "the slowest first reply took {thr_last:.1} ms = {:.3}× one client's stay ({:.0}× sooner than the sequential server's last)",
            thr_last / h,
            seq_last / thr_last.max(0.01)
        ),
        json!({ "hold_ms": h, "clients": t }),
    );
    scenarios.push(Scenario {
        title: "threaded server (ThreadingTCPServer's shape)".into(),
        timings: t,
    });

    // Stage 3: the cap.
    let cap = 2;
    d.stage("the limit of threads: at most 2 clients served at once");
    d.say(
        "Threads cost memory, so a real server caps them (--max-conns). At the cap it stops calling\n\
         accept(); the kernel still completes new handshakes into the listen backlog.\n\
         4 clients, cap 2: what do clients 2 and 3 see?",
    );
    let capped = match EchoServer::start(lo, Mode::Threaded, Wire::Header, cap) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot start the server: {e}")),
    };
    let t = conc::time_clients(capped.addr(), Wire::Header, 4, stagger, hold);
    drop(capped);
    d.show(&waits_table(&t, hold).render());
    let fast = t.iter().filter(|c| c.reply_wait_ms() < h / 2.0).count();
    let slow: Vec<&ClientTiming> = t.iter().filter(|c| c.reply_wait_ms() >= 0.75 * h).collect();
    let ok = t
        .iter()
        .all(|c| c.reply_ok && c.connect_wait_ms() < h / 2.0)
        && fast == cap
        && slow.len() == t.len() - cap;
    let worst = t
        .iter()
        .map(ClientTiming::reply_wait_ms)
        .fold(0.0, f64::max);
    d.check(
        ok,
        "connect() succeeds for everyone (the backlog), but the clients over the cap get their first reply only when a slot frees (≈ 1× a stay)",
        &format!(
            "all 4 connected at once; {fast} answered at once, {} waited up to {worst:.0} ms = {:.2}× one client's stay",
            slow.len(),
            worst / h
        ),
        json!({ "hold_ms": h, "cap": cap, "clients": t }),
    );
    scenarios.push(Scenario {
        title: "threaded, --max-conns 2".into(),
        timings: t,
    });

    // Stage 4: many clients, framed, under chaos.
    d.stage("the header still holds with many clients at once");
    d.say(
        "16 clients × 500 messages each, pipelined 32 at a time, every client's writes cut into\n\
         pieces of 1..7 bytes and glued across messages (ChaosWriter): one reader per thread keeps its own boundaries.",
    );
    let thr = match EchoServer::start(lo, Mode::Threaded, Wire::Header, 64) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot start the server: {e}")),
    };
    let mut cfg = sticky_lab::tools::load::LoadConfig::new(thr.addr(), 16, 500);
    cfg.seed = d.seed();
    let r = sticky_lab::tools::load::run_load(&cfg);
    drop(thr);
    let bad: Vec<String> = r
        .clients
        .iter()
        .filter(|c| !c.perfect())
        .map(|c| {
            format!(
                "client {}: {} {}",
                c.client,
                c.delivery.summary(),
                c.error.clone().unwrap_or_default()
            )
        })
        .collect();
    for b in &bad {
        d.say(b);
    }
    d.check(
        r.perfect(),
        "every client gets every reply intact: 0 lost, 0 merged, 0 corrupted",
        &format!(
            "{}, {} merged ({:.0} replies/s)",
            r.total.summary(),
            r.merged,
            r.messages_per_sec
        ),
        serde_json::to_value(&r).unwrap_or_default(),
    );

    if let Some(path) = svg_path {
        let svg = conc::timeline_svg(&format!("{LAB} — waits for the first reply"), &scenarios);
        match harness::write_atomic(&path, svg.as_bytes()) {
            Ok(()) => d.say(&format!("timeline written to {}", path.display())),
            Err(e) => return fail(format!("could not write {}: {e}", path.display())),
        }
    }
    d.finish()
}
