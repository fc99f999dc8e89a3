//! Lab 07 — serving many clients (seed 002 §3, `socketserver`).
//!
//! The lesson's first server talks to one client at a time: a second client
//! connects at once but waits for its first reply until the first one
//! leaves. `ThreadingTCPServer` gives each connection a thread (with no cap
//! of its own); a real server caps the threads, and a client over the cap
//! waits again — in the kernel's accept queue, which overflows too.
//!
//! The two servers are side by side at the top of
//! `src/lessons/lab07_concurrency.rs`: `lesson_serve` (the lesson's
//! `while True: accept()`) and `fixed_serve` (a thread per connection,
//! under a cap). The stages below run each by name and time the clients.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use clap::Subcommand;
use serde_json::json;
use sticky_lab::harness::{
    self, announce, fail, parse_addr, parse_seconds, ports, ClientArgs, Compat, Demo, DemoOpts,
    MemoryArgs, Prompt, Stage, StageError,
};
use sticky_lab::kit::server::ServeOptions;
use sticky_lab::lessons::lab07_concurrency::{
    self as conc, abort_on_overflow, ask, fixed_serve, lesson_serve, slowest_reply_ms, start_upper,
    time_against, waits_table, ClientTiming, Echo, Mode, Scenario, CONN_MEMORY,
};
use sticky_lab::report::ColorChoice;

const LAB: &str = "lab07-concurrency";

/// The demo, stage by stage: what each stage shows, what the lesson
/// expects, and the function below that shows it.
const STAGES: [Stage<Lab>; 5] = [
    Stage {
        title: "the lesson's first server: one client at a time",
        expected: "every connect() returns at once, but client k's first reply waits ≈ k × the time one client stays",
        run: one_at_a_time,
    },
    Stage {
        title: "ThreadingTCPServer: a thread per connection",
        expected: "no client waits for another: every first reply comes at once",
        run: thread_per_client,
    },
    Stage {
        title: "the limit of threads: at most 2 clients served at once",
        expected: "connect() succeeds for everyone (the backlog), but the clients over the cap get their first reply only when a slot frees (≈ 1× a stay)",
        run: over_the_cap,
    },
    Stage {
        title: "the accept queue overflows: a server that never calls accept()",
        expected: "connect() succeeds for the clients the queue holds, though nothing accepts them; the kernel drops the next clients' SYNs (ListenOverflows), so their connect() does not complete",
        run: queue_overflow,
    },
    Stage {
        title: "the header still holds with many clients at once",
        expected: "every client gets every reply intact: 0 lost, 0 merged, 0 corrupted",
        run: many_clients_framed,
    },
];

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
  # the lesson's own protocol, for python/lesson/lab07_client.py
  lab07-concurrency server --compat lesson

Limits: a client that sends nothing, or leaves its echoes unread, for --idle-timeout is
dropped; a message not whole within --request-deadline of its first byte is dropped, however
slowly it dribbles; at most --max-conns clients at once. Memory budget: a message is echoed in
64 KiB pieces, so each connection holds at most 192 KiB whatever --max-frame, and --memory-budget
(default 256M) caps the connections served at once to what it holds; 8 clients that never read
their 48 MiB echoes leave the server at about 5 MiB (under 64 MiB, tested).")]
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
        /// ours: each message framed with a 4-byte header; lesson: the lesson's
        /// unframed protocol (recv(1024), send(msg.upper())).
        #[arg(long, value_enum, default_value_t = Compat::Ours)]
        compat: Compat,
        /// Seconds a connected client may stay silent (or leave its echoes unread) before it is dropped.
        #[arg(long, default_value_t = 300.0, value_parser = parse_seconds)]
        idle_timeout: f64,
        /// Seconds a message may take from its first byte to its echo, however slowly it arrives.
        #[arg(long, default_value_t = 60.0, value_parser = parse_seconds)]
        request_deadline: f64,
        /// Largest framed message accepted, in bytes (a header claiming more is refused).
        /// Memory does not grow with it: a message is echoed in 64 KiB pieces.
        #[arg(long, default_value_t = sticky_lab::framing::DEFAULT_MAX_FRAME)]
        max_frame: usize,
        #[command(flatten)]
        memory: MemoryArgs,
    },
    /// Type lines, get them back in upper case.
    #[command(after_help = "Examples:
  lab07-concurrency client
  lab07-concurrency client --cmd hello --cmd world
  lab07-concurrency client --compat lesson --addr 127.0.0.1:8889")]
    Client {
        #[command(flatten)]
        args: ClientArgs,
        /// ours: each message framed with a 4-byte header; lesson: the lesson's
        /// unframed protocol (one recv(1024) per reply).
        #[arg(long, value_enum, default_value_t = Compat::Ours)]
        compat: Compat,
    },
}

fn main() -> ExitCode {
    let (command, color) = harness::args::parse::<Command>(
        LAB,
        "Lab 07: one client at a time, a thread per client, and the cap",
        "Examples:
  lab07-concurrency demo                          # the whole story, checked
  lab07-concurrency server --mode sequential      # terminal 1 (127.0.0.1:8889)
  lab07-concurrency client                        # terminals 2 and 3: who waits?",
    );
    match command {
        Command::Demo { opts, hold_ms } => {
            demo(&opts, color, Duration::from_millis(hold_ms.max(50)))
        }
        Command::Server {
            addr,
            mode,
            max_conns,
            compat,
            idle_timeout,
            request_deadline,
            max_frame,
            memory,
        } => {
            color.apply();
            let addr = addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], ports::LAB07)));
            // Every connection holds the same few pieces: the budget is a
            // cap on connections.
            let affordable = (memory.memory_budget / CONN_MEMORY as u64) as usize;
            if affordable == 0 {
                return fail(format!(
                    "--memory-budget {} is less than the {CONN_MEMORY} bytes one connection holds",
                    memory.memory_budget
                ));
            }
            if affordable < max_conns && mode == Mode::Threaded {
                eprintln!(
                    "--memory-budget {} holds {affordable} connections of {CONN_MEMORY} bytes: \
                     at most {affordable} served at once (not --max-conns {max_conns})",
                    memory.memory_budget
                );
            }
            let opts = ServeOptions {
                max_conns: if mode == Mode::Sequential {
                    1
                } else {
                    max_conns.min(affordable)
                },
                idle_timeout: Some(Duration::from_secs_f64(idle_timeout)),
                request_deadline: Some(Duration::from_secs_f64(request_deadline)),
                log: true,
            };
            server(addr, mode, Echo { compat, max_frame }, opts)
        }
        Command::Client { args, compat } => {
            color.apply();
            client(&args, compat)
        }
    }
}

// ───────────────────────────── server and client ─────────────────────────────

fn server(addr: SocketAddr, mode: Mode, echo: Echo, opts: ServeOptions) -> ExitCode {
    let listener = match sticky_lab::kit::sock::listen(addr) {
        Ok(l) => l,
        Err(e) => return fail(format!("cannot listen on {addr}: {e}")),
    };
    let local = listener.local_addr().unwrap_or(addr);
    announce(LAB, local);
    let (max, compat) = (opts.max_conns, echo.compat);
    eprintln!("{mode}, at most {max} client(s) served at once; wire: {compat}");
    let never = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    match mode.serve()(listener, echo, opts, never) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(format!("server on {local}: {e}")),
    }
}

fn client(args: &ClientArgs, compat: Compat) -> ExitCode {
    let addr = args.addr_or(ports::LAB07);
    let stream = match args.connect(ports::LAB07) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut prompt = Prompt::new(args.cmds.clone(), ">>> ");
    while let Some(line) = prompt.next_command() {
        match ask(&stream, compat, line.as_bytes()) {
            Ok(reply) => println!("{}", args.encoding.decode(&reply).0),
            Err(e) => return fail(format!("{addr}: {e}")),
        }
    }
    ExitCode::SUCCESS
}

// ───────────────────────────────── the demo ──────────────────────────────────

/// What the stages share: how long a client stays, and the timings each
/// stage measured, for the picture drawn after the verdict.
struct Lab {
    hold: Duration,
    scenarios: Rc<RefCell<Vec<Scenario>>>,
}

/// The demo clients start this far apart.
const STAGGER: Duration = Duration::from_millis(30);
/// The cap of stage 3.
const CAP: usize = 2;

fn demo(opts: &DemoOpts, color: ColorChoice, hold: Duration) -> ExitCode {
    // The picture here is a time line, not a byte stream: drawn by this lab.
    let svg_path = opts.svg.clone();
    let d = Demo::new(
        LAB,
        "one client at a time, a thread per client, and the cap",
        &DemoOpts {
            svg: None,
            ..opts.clone()
        },
        color,
    );
    let scenarios = Rc::new(RefCell::new(Vec::new()));
    let shared = scenarios.clone();
    let code = d.run(
        move |_| {
            Ok(Lab {
                hold,
                scenarios: shared,
            })
        },
        &STAGES,
    );
    if let Some(path) = svg_path {
        let svg = conc::timeline_svg(
            &format!("{LAB} — waits for the first reply"),
            &scenarios.borrow(),
        );
        let say = |s: String| {
            if opts.json {
                eprintln!("{s}")
            } else {
                println!("{s}")
            }
        };
        match sticky_lab::kit::files::write_atomic(&path, svg.as_bytes()) {
            Ok(()) => say(format!("  timeline written to {}", path.display())),
            Err(e) => return fail(format!("could not write {}: {e}", path.display())),
        }
    }
    code
}

fn cannot_start(e: std::io::Error) -> StageError {
    StageError::new(format!("cannot start the server: {e}"))
}

fn one_at_a_time(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let h = lab.hold.as_secs_f64() * 1e3;
    d.say(&format!(
        "while True: conn, addr = accept(); then talk to that client until it leaves.\n\
         (The servers here are Rust emulations of the lesson's Python: lesson_serve is that loop,\n\
         fixed_serve is socketserver.ThreadingTCPServer's shape, with a cap Python's lacks.)\n\
         3 clients start 30 ms apart; each asks once, then stays {h:.0} ms (a user typing)."
    ));
    let t = time_against(lesson_serve, 1, 3, STAGGER, lab.hold).map_err(cannot_start)?;
    d.show(&waits_table(&t, lab.hold).render());
    let connected_fast = t.iter().all(|c| c.connect_wait_ms() < h / 2.0);
    let queued = t.iter().all(|c| c.reply_ok)
        && t[0].reply_wait_ms() < h / 2.0
        // Waited: at least half a stay per client ahead of it. "At once" is
        // under half a stay, so the two never overlap; a loaded machine only
        // makes the waits longer, but the 30 ms stagger makes them shorter
        // than k whole stays.
        && (1..t.len()).all(|k| t[k].reply_wait_ms() >= 0.5 * k as f64 * h);
    let last = t[t.len() - 1].reply_wait_ms();
    d.check(
        connected_fast && queued,
        expected,
        &format!(
            "all connected within {:.1} ms; the last client's first reply waited {:.0} ms = {:.2}× one client's stay",
            t.iter().map(ClientTiming::connect_wait_ms).fold(0.0, f64::max),
            last,
            last / h
        ),
        json!({ "hold_ms": h, "clients": t }),
    );
    lab.scenarios.borrow_mut().push(Scenario {
        title: "sequential server (the lesson's while True: accept())".into(),
        timings: t,
    });
    Ok(())
}

fn thread_per_client(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let h = lab.hold.as_secs_f64() * 1e3;
    d.say(
        "socketserver.ThreadingTCPServer: accept, start a thread for the client, accept again.\n\
         Python's ThreadingTCPServer has no cap: it starts a thread for every connection, however\n\
         many. Here fixed_serve runs with a cap of 64, more than these 3 clients need.",
    );
    let t = time_against(fixed_serve, 64, 3, STAGGER, lab.hold).map_err(cannot_start)?;
    d.show(&waits_table(&t, lab.hold).render());
    let thr_last = slowest_reply_ms(&t);
    // The sequential server's last wait, measured in stage 1.
    let seq_last = lab
        .scenarios
        .borrow()
        .first()
        .and_then(|s| s.timings.last())
        .map_or(f64::NAN, ClientTiming::reply_wait_ms);
    let ok = t.iter().all(|c| c.reply_ok && c.reply_wait_ms() < h / 2.0);
    d.check(
        ok,
        expected,
        &format!(
            "the slowest first reply took {thr_last:.1} ms = {:.3}× one client's stay ({:.0}× sooner than the sequential server's last)",
            thr_last / h,
            seq_last / thr_last.max(0.01)
        ),
        json!({ "hold_ms": h, "clients": t }),
    );
    lab.scenarios.borrow_mut().push(Scenario {
        title: "threaded server (ThreadingTCPServer's shape)".into(),
        timings: t,
    });
    Ok(())
}

fn over_the_cap(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let h = lab.hold.as_secs_f64() * 1e3;
    d.say(
        "Threads cost memory, so a real server caps them (--max-conns). At the cap it stops calling\n\
         accept(); the kernel still completes new handshakes into the listen backlog.\n\
         4 clients, cap 2: what do clients 2 and 3 see?",
    );
    let t = time_against(fixed_serve, CAP, 4, STAGGER, lab.hold).map_err(cannot_start)?;
    d.show(&waits_table(&t, lab.hold).render());
    let fast = t.iter().filter(|c| c.reply_wait_ms() < h / 2.0).count();
    // "Waited" and "at once" split at half a stay, as in stage 1.
    let slow = t.iter().filter(|c| c.reply_wait_ms() >= 0.5 * h).count();
    let ok = t
        .iter()
        .all(|c| c.reply_ok && c.connect_wait_ms() < h / 2.0)
        && fast == CAP
        && slow == t.len() - CAP;
    let worst = slowest_reply_ms(&t);
    d.check(
        ok,
        expected,
        &format!(
            "all 4 connected at once; {fast} answered at once, {slow} waited up to {worst:.0} ms = {:.2}× one client's stay",
            worst / h
        ),
        json!({ "hold_ms": h, "cap": CAP, "clients": t }),
    );
    lab.scenarios.borrow_mut().push(Scenario {
        title: "threaded, --max-conns 2".into(),
        timings: t,
    });
    Ok(())
}

/// The accept queue's size, and how long the overflow's clients wait.
const BACKLOG: i32 = 1;
const OVERFLOW_CLIENTS: usize = 5;
const OVERFLOW_WAIT: Duration = Duration::from_millis(1500);

fn queue_overflow(d: &mut Demo, _: &Lab, expected: &str) -> Result<(), StageError> {
    let abort = match abort_on_overflow() {
        Some(false) => "0: a final ACK that finds the queue full is dropped, the SYN-ACK resent",
        Some(true) => "1: a final ACK that finds the queue full is answered with a reset",
        None => "not readable here (not Linux)",
    };
    d.say(&format!(
        "The cap's waiting room is the kernel's accept queue: connections whose handshake is\n\
         done and that the program has not accept()ed yet. listen(backlog) sizes it. Here a\n\
         listener with listen({BACKLOG}) never calls accept(); {OVERFLOW_CLIENTS} clients connect 20 ms apart,\n\
         each giving up after {:.1} s; a connected one sends \"hello\" and waits for a reply.\n\
         net.ipv4.tcp_abort_on_overflow = {abort}",
        OVERFLOW_WAIT.as_secs_f64()
    ));
    let seen = conc::overflow(BACKLOG, OVERFLOW_CLIENTS, OVERFLOW_WAIT, OVERFLOW_WAIT)
        .map_err(cannot_start)?;
    d.show(&conc::overflow_table(&seen).render());
    let count = |v: Option<u64>| v.map_or("n/a".to_string(), |v| format!("+{v}"));
    d.say(&format!(
        "The kernel's counters (/proc/net/netstat, machine-wide, so \"at least\"): ListenOverflows\n\
         {}, ListenDrops {}, TCPSynRetrans {} (the refused clients resent their SYN after 1 s).",
        count(seen.listen_overflows),
        count(seen.listen_drops),
        count(seen.syn_retrans)
    ));
    d.say(
        "What a student sees: the first clients' connect() succeeded and their send() returned\n\
         6 — yet no program ever accepted them; the bytes sit in the kernel's buffer and the reply\n\
         never comes (Linux queues backlog + 1 connections). The next clients' connect() neither\n\
         succeeds nor fails: Linux drops a SYN that finds the queue full instead of refusing it, and\n\
         the client resends it after 1 s, 3 s, 7 s… (about two minutes in all, tcp_syn_retries)\n\
         unless it has a timeout of its own. A third case needs clients arriving together over a\n\
         real network: when the queue fills between a client's SYN and its final ACK, the server\n\
         drops that ACK (with tcp_abort_on_overflow = 0) while the client's connect() has already\n\
         succeeded; its first send is then resent until the server has room, or reset if it gives\n\
         up. On loopback each handshake is over before the next one starts, so this demo shows the\n\
         first two cases.",
    );
    let n = seen.connected();
    let refused = seen.clients.len() - n;
    let quiet = seen
        .clients
        .iter()
        .filter(|c| c.connected)
        .all(|c| c.sent.is_some() && !c.replied);
    // Without /proc the counters cannot confirm the drops; the clients' view must do.
    let dropped = seen.listen_overflows.is_none_or(|o| o >= refused as u64);
    d.check(
        n >= 1 && refused >= 1 && quiet && dropped,
        expected,
        &format!(
            "{n} of {} connected (none accepted, no reply); {refused} never completed connect(); ListenOverflows {}",
            seen.clients.len(),
            count(seen.listen_overflows)
        ),
        serde_json::to_value(&seen).unwrap_or_default(),
    );
    Ok(())
}

fn many_clients_framed(d: &mut Demo, _: &Lab, expected: &str) -> Result<(), StageError> {
    d.say(
        "16 clients × 500 messages each, pipelined 32 at a time, every client's writes cut into\n\
         pieces of 1..7 bytes and glued across messages (ChaosWriter): one reader per thread keeps its own boundaries.",
    );
    let lo = SocketAddr::from(([127, 0, 0, 1], 0));
    let srv = start_upper(lo, fixed_serve, Compat::Ours, 64).map_err(cannot_start)?;
    let mut cfg = sticky_lab::tools::load::LoadConfig::new(srv.addr(), 16, 500);
    cfg.seed = d.seed();
    let r = sticky_lab::tools::load::run_load(&cfg);
    drop(srv);
    for c in r.clients.iter().filter(|c| !c.perfect()) {
        d.say(&format!(
            "client {}: {} {}",
            c.client,
            c.delivery.summary(),
            c.error.clone().unwrap_or_default()
        ));
    }
    d.check(
        r.perfect(),
        expected,
        &format!(
            "{}, {} merged ({:.0} replies/s)",
            r.total.summary(),
            r.merged,
            r.messages_per_sec
        ),
        serde_json::to_value(&r).unwrap_or_default(),
    );
    Ok(())
}
