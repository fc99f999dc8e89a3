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
//! under a cap). The stages below run each by name and time the clients;
//! the `server` and `client` commands are `lab07_concurrency::cli`.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use clap::Subcommand;
use serde_json::json;
use sticky_lab::harness::{self, fail, Compat, Demo, DemoOpts, Stage, StageError};
use sticky_lab::lessons::lab07_concurrency::{
    self as conc, abort_on_overflow, cli, fixed_serve, lesson_serve, slowest_reply_ms, start_upper,
    time_against, waits_table, ClientTiming, Scenario,
};
use sticky_lab::report::ColorChoice;
use sticky_lab::t;

const LAB: &str = "lab07-concurrency";

/// The demo, stage by stage: what each stage shows, what the lesson
/// expects (catalog keys: the words are in locales/en/lab07.ftl and
/// zh/lab07.ftl), and the function below that shows it.
const STAGES: [Stage<Lab>; 5] = [
    Stage {
        title: "lab07-s1-title",
        expected: "lab07-s1-expected",
        run: one_at_a_time,
    },
    Stage {
        title: "lab07-s2-title",
        expected: "lab07-s2-expected",
        run: thread_per_client,
    },
    Stage {
        title: "lab07-s3-title",
        expected: "lab07-s3-expected",
        run: over_the_cap,
    },
    Stage {
        title: "lab07-s4-title",
        expected: "lab07-s4-expected",
        run: queue_overflow,
    },
    Stage {
        title: "lab07-s5-title",
        expected: "lab07-s5-expected",
        run: many_clients_framed,
    },
];

/// `--help`'s about line and examples (catalog keys), and each
/// subcommand's: `lab07-concurrency-cmd-demo-about`, `…-examples`.
const ABOUT: &str = "lab07-about";
const EXAMPLES: &str = "lab07-examples";

/// The subcommands; their about lines and examples in `--help` come from
/// the catalog (`lab07-concurrency-cmd-server-about`, `…-examples`), the doc
/// comments below are clap's fallback.
#[derive(Subcommand)]
enum Command {
    /// Run the whole lesson on loopback: sequential server, threads, the cap.
    Demo {
        #[command(flatten)]
        opts: DemoOpts,
        /// How long each demo client stays connected after its first reply, in ms.
        #[arg(long, default_value_t = 400)]
        hold_ms: u64,
    },
    /// The upper-case echo server of seed 002 §3.1.
    Server(cli::ServerArgs),
    /// Type lines, get them back in upper case.
    Client(cli::ClientOpts),
}

fn main() -> ExitCode {
    let (command, color) = harness::args::parse::<Command>(LAB, ABOUT, EXAMPLES);
    match command {
        Command::Demo { opts, hold_ms } => {
            demo(&opts, color, Duration::from_millis(hold_ms.max(50)))
        }
        Command::Server(args) => {
            color.apply();
            cli::server(&args)
        }
        Command::Client(opts) => {
            color.apply();
            cli::client(&opts)
        }
    }
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
        "lab07-title",
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
        let svg = conc::timeline_svg(&t!("lab07-svg-title", lab = LAB), &scenarios.borrow());
        let say = |s: String| {
            if opts.json {
                eprintln!("{s}")
            } else {
                println!("{s}")
            }
        };
        match sticky_lab::kit::files::write_atomic(&path, svg.as_bytes()) {
            Ok(()) => say(format!(
                "  {}",
                t!("harness-timeline-written", path = path.display())
            )),
            Err(e) => return fail(t!("harness-cannot-write", path = path.display(), error = e)),
        }
    }
    code
}

fn cannot_start(e: std::io::Error) -> StageError {
    StageError::new(t!("lab07-cannot-start", error = e))
}

fn one_at_a_time(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let h = lab.hold.as_secs_f64() * 1e3;
    d.say(&t!("lab07-s1-say", hold = format!("{h:.0}")));
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
        &t!(
            "lab07-s1-observed",
            connect = format!(
                "{:.1}",
                t.iter()
                    .map(ClientTiming::connect_wait_ms)
                    .fold(0.0, f64::max)
            ),
            last = format!("{last:.0}"),
            ratio = format!("{:.2}", last / h)
        ),
        json!({ "hold_ms": h, "clients": t }),
    );
    lab.scenarios.borrow_mut().push(Scenario {
        title: t!("lab07-s1-scenario"),
        timings: t,
    });
    Ok(())
}

fn thread_per_client(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let h = lab.hold.as_secs_f64() * 1e3;
    d.say(&t!("lab07-s2-say"));
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
        &t!(
            "lab07-s2-observed",
            last = format!("{thr_last:.1}"),
            ratio = format!("{:.3}", thr_last / h),
            sooner = format!("{:.0}", seq_last / thr_last.max(0.01))
        ),
        json!({ "hold_ms": h, "clients": t }),
    );
    lab.scenarios.borrow_mut().push(Scenario {
        title: t!("lab07-s2-scenario"),
        timings: t,
    });
    Ok(())
}

fn over_the_cap(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let h = lab.hold.as_secs_f64() * 1e3;
    d.say(&t!("lab07-s3-say"));
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
        &t!(
            "lab07-s3-observed",
            fast = fast,
            slow = slow,
            worst = format!("{worst:.0}"),
            ratio = format!("{:.2}", worst / h)
        ),
        json!({ "hold_ms": h, "cap": CAP, "clients": t }),
    );
    lab.scenarios.borrow_mut().push(Scenario {
        title: t!("lab07-s3-scenario"),
        timings: t,
    });
    Ok(())
}

/// The accept queue's size, and how long the overflow's clients wait.
const BACKLOG: i32 = 1;
const OVERFLOW_CLIENTS: usize = 5;
const OVERFLOW_WAIT: Duration = Duration::from_millis(1500);

fn queue_overflow(d: &mut Demo, _: &Lab, expected: &str) -> Result<(), StageError> {
    let abort = t!(match abort_on_overflow() {
        Some(false) => "lab07-s4-abort-0",
        Some(true) => "lab07-s4-abort-1",
        None => "lab07-s4-abort-unknown",
    });
    d.say(&t!(
        "lab07-s4-say",
        backlog = BACKLOG,
        clients = OVERFLOW_CLIENTS,
        wait = format!("{:.1}", OVERFLOW_WAIT.as_secs_f64()),
        abort = abort
    ));
    let seen = conc::overflow(BACKLOG, OVERFLOW_CLIENTS, OVERFLOW_WAIT, OVERFLOW_WAIT)
        .map_err(cannot_start)?;
    d.show(&conc::overflow_table(&seen).render());
    let count = |v: Option<u64>| v.map_or(t!("lab07-s4-na"), |v| format!("+{v}"));
    d.say(&t!(
        "lab07-s4-counters",
        overflows = count(seen.listen_overflows),
        drops = count(seen.listen_drops),
        retrans = count(seen.syn_retrans)
    ));
    d.say(&t!("lab07-s4-explain"));
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
        &t!(
            "lab07-s4-observed",
            n = n,
            total = seen.clients.len(),
            refused = refused,
            overflows = count(seen.listen_overflows)
        ),
        serde_json::to_value(&seen).unwrap_or_default(),
    );
    Ok(())
}

fn many_clients_framed(d: &mut Demo, _: &Lab, expected: &str) -> Result<(), StageError> {
    d.say(&t!("lab07-s5-say"));
    let lo = SocketAddr::from(([127, 0, 0, 1], 0));
    let srv = start_upper(lo, fixed_serve, Compat::Ours, 64).map_err(cannot_start)?;
    let mut cfg = sticky_lab::tools::load::LoadConfig::new(srv.addr(), 16, 500);
    cfg.seed = d.seed();
    let r = sticky_lab::tools::load::run_load(&cfg);
    drop(srv);
    for c in r.clients.iter().filter(|c| !c.perfect()) {
        d.say(&t!(
            "lab07-s5-client",
            client = c.client,
            summary = c.delivery.summary(),
            error = c.error.clone().unwrap_or_default()
        ));
    }
    d.check(
        r.perfect(),
        expected,
        &t!(
            "lab07-s5-observed",
            summary = r.total.summary(),
            merged = r.merged,
            rate = format!("{:.0}", r.messages_per_sec)
        ),
        serde_json::to_value(&r).unwrap_or_default(),
    );
    Ok(())
}
