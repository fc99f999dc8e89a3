//! Lab 03 — the length as text, an `ok`, then the data (seed 001, scheme 1).
//!
//! The lesson's client and the fix are two functions side by side at the
//! top of `src/lessons/lab03_length_ack.rs`: [`lesson_recv`] (the digits,
//! `ok`, then ONE `recv(int(length))`) and [`fixed_recv`] (the same, then
//! `recv` until every byte arrived). The stages tell the story in order:
//! the scheme works on loopback; `lesson_recv` comes up short under chaos
//! where `fixed_recv` does not; the length text itself can be split; the
//! `ok` is what keeps the digits apart from the data; and the `ok` costs a
//! round trip, measured against lab 04's 4-byte header.

use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use serde_json::json;
use sticky_lab::harness::{self, command, Compat, Demo, DemoOpts, Stage, StageError};
use sticky_lab::kit::record::boundaries;
use sticky_lab::kit::server::Background;
use sticky_lab::kit::text::preview;
use sticky_lab::lessons::lab03_length_ack::{
    self as length_ack, as_chunks, cli, demo_server, expected, CostRun,
};
use sticky_lab::report::chunks;
use sticky_lab::report::svg::{Lane, Panel};
use sticky_lab::report::table::{Cell, Table, Tone};
use sticky_lab::report::ColorChoice;
use sticky_lab::t;

const LAB: &str = "lab03-length-ack";

/// The demo, stage by stage: what each stage shows, what the lesson
/// expects, and the function below that shows it.
const STAGES: [Stage<Lab>; 5] = [
    Stage {
        title: "lab03-s1-title",
        expected: "lab03-s1-expected",
        run: works_on_loopback,
    },
    Stage {
        title: "lab03-s2-title",
        expected: "lab03-s2-expected",
        run: short_under_chaos,
    },
    Stage {
        title: "lab03-s3-title",
        expected: "lab03-s3-expected",
        run: split_length_text,
    },
    Stage {
        title: "lab03-s4-title",
        expected: "lab03-s4-expected",
        run: ok_is_load_bearing,
    },
    Stage {
        title: "lab03-s5-title",
        expected: "lab03-s5-expected",
        run: cost_of_the_ok,
    },
];

/// The subcommands. Their about lines and examples come from the catalog
/// (`lab03-length-ack-cmd-SUB-about` / `-examples`); the doc comments are
/// clap's fallback.
#[derive(Subcommand)]
enum Command {
    /// Show the scheme working, breaking under chaos, fixed, and what its ack costs.
    Demo {
        #[command(flatten)]
        opts: DemoOpts,
        #[command(flatten)]
        cost: CostArgs,
    },
    /// Run the command server (built-in commands unless --exec shell).
    Server(cli::ServerArgs),
    /// Send commands and print the replies (>>> prompt, --cmd, or piped stdin).
    Client(cli::ClientFlags),
}

/// The cost stage's flags.
#[derive(Clone, Copy, Debug, clap::Args)]
struct CostArgs {
    /// Round-trip time the delay proxy adds when measuring the cost of the ack (ms, 1..=10000).
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    rtt_ms: u64,
    /// Commands timed per protocol in the cost stage (1..=1000).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
    rounds: u64,
}

fn main() -> ExitCode {
    let (command, color) = harness::args::parse::<Command>(LAB, "lab03-about", "lab03-examples");
    match command {
        Command::Demo { opts, cost } => demo(&opts, color, cost),
        Command::Server(flags) => cli::server(&flags, color),
        Command::Client(flags) => cli::client(&flags, color),
    }
}

// ───────────────────────────────── the demo ──────────────────────────────────

/// What every stage shares: the lesson's server and the cost stage's flags.
struct Lab {
    lesson: Background,
    cost: CostArgs,
}

fn demo(opts: &DemoOpts, color: ColorChoice, cost: CostArgs) -> ExitCode {
    let d = Demo::new(LAB, "lab03-title", opts, color);
    d.run(
        |_| {
            let (lesson, _errors) = demo_server(Compat::Lesson)?;
            Ok(Lab { lesson, cost })
        },
        &STAGES,
    )
}

/// Stage 1: [`lesson_recv`] on loopback, where one recv happens to suffice.
fn works_on_loopback(d: &mut Demo, lab: &Lab, expected_claim: &str) -> Result<(), StageError> {
    d.say(&t!("lab03-s1-server"));
    d.say(&t!("lab03-s1-client"));
    let replies = length_ack::lesson_replies(lab.lesson.addr(), &["help", "ls", "seq 100"])?;
    let mut t = Table::new([
        t!("lab03-s1-col-command"),
        t!("lab03-s1-col-length-text"),
        t!("lab03-s1-col-got"),
        t!("lab03-s1-col-intact"),
    ]);
    let mut rows = Vec::new();
    for r in &replies {
        let (ok, ex) = (r.whole, &r.ex);
        t.row([
            Cell::from(r.cmd),
            Cell::from(format!("\"{}\"", preview(&ex.length_text, 12)).as_str()),
            Cell::from(
                t!(
                    "lab03-s1-got",
                    bytes = ex.body().len(),
                    reads = ex.body_reads.len()
                )
                .as_str(),
            ),
            Cell::new(
                t!(if ok { "lab03-yes" } else { "lab03-no" }),
                if ok { Tone::Good } else { Tone::Bad },
            ),
        ]);
        rows.push(json!({"cmd": r.cmd, "length_text": String::from_utf8_lossy(&ex.length_text), "got": ex.body().len(), "want": r.want}));
    }
    d.show(&t.render());
    let all = replies.iter().all(|r| r.whole);
    d.check(
        all,
        expected_claim,
        &if all {
            t!("lab03-s1-observed", help = expected("help").len())
        } else {
            t!("lab03-s1-cut")
        },
        json!({ "replies": rows }),
    );
    Ok(())
}

/// Stage 2: [`lesson_recv`] against [`fixed_recv`], through the same cuts.
fn short_under_chaos(d: &mut Demo, lab: &Lab, expected_claim: &str) -> Result<(), StageError> {
    let cmd = "bytes 200000";
    let want = expected(cmd);
    let digits = want.len().to_string().len();
    let cfg = command::cue(lab.lesson.addr(), d.seed(), 1500, 1, cmd, |c| c > digits)?;
    d.say(&t!("lab03-s2-through", seed = cfg.seed, from = d.seed()));
    let (short, fixed) = length_ack::short_and_fixed(&cfg, cmd)?;
    let got = short.body().len();
    d.show(&format!(
        "  {}",
        t!(
            "lab03-s2-lesson",
            want = want.len(),
            got = got,
            left = want.len() - got
        )
    ));
    d.show(&format!(
        "  {}",
        t!(
            "lab03-s2-fixed",
            want = want.len(),
            reads = fixed.body_reads.len(),
            bytes = fixed.body().len()
        )
    ));
    let ok = got < want.len() && fixed.body() == want;
    d.panel(Panel {
        title: t!("lab03-s2-panel", cmd = cmd, seed = cfg.seed),
        lanes: vec![
            Lane::from_lengths(t!("lab03-lane-server-send-data"), &[want.len()]),
            Lane::from_lengths(t!("lab03-lane-lesson-one-recv"), &[got]),
            Lane::from_lengths(t!("lab03-lane-fix-recv-until"), &fixed.body_read_sizes()),
        ],
        boundaries: vec![want.len() as u64],
        unit: None,
    });
    d.check(
        ok,
        expected_claim,
        &t!(
            "lab03-s2-observed",
            got = got,
            want = want.len(),
            bytes = fixed.body().len(),
            reads = fixed.body_reads.len()
        ),
        json!({"seed": cfg.seed, "want": want.len(), "one_recv": got, "loop_reads": fixed.body_reads.len(), "loop_bytes": fixed.body().len()}),
    );
    Ok(())
}

/// Stage 3: the digits cut by the network, and digits that end with `\n`.
fn split_length_text(d: &mut Demo, lab: &Lab, expected_claim: &str) -> Result<(), StageError> {
    let cmd = "bytes 1234";
    let want = expected(cmd);
    let cfg = command::cue(lab.lesson.addr(), d.seed(), 1500, 30, cmd, |c| c < 4)?;
    d.say(&t!(
        "lab03-s3-no-end-mark",
        seed = cfg.seed,
        from = d.seed()
    ));
    let length_ack::SplitRun { split, whole } = length_ack::split_digits(&cfg, cmd)?;
    let believed = split.length.unwrap_or(0);
    let reads = split.recvs();
    d.show(&chunks::render(
        &t!("lab03-lane-client-recv"),
        &as_chunks(&reads),
        &[4],
        60,
    ));
    d.show(&format!(
        "  {}",
        t!(
            "lab03-s3-believed",
            text = preview(&split.length_text, 8),
            bytes = split.body().len(),
            start = preview(&split.body(), 12),
            left = (4 + want.len()).saturating_sub(split.length_text.len() + split.body().len())
        )
    ));
    // Our wire format ends the digits with \n: a split cannot shorten them.
    d.show(&format!(
        "  {}",
        t!("lab03-s3-fix", bytes = whole.len(), intact = whole == want)
    ));
    let ok = split.length_text.len() < 4 && believed != want.len() && whole == want;
    d.panel(Panel {
        title: t!("lab03-s3-panel", seed = cfg.seed),
        lanes: vec![
            Lane::from_lengths(t!("lab03-lane-server-digits-data"), &[4, want.len()]),
            Lane::from_lengths(
                t!("lab03-lane-lesson-recvs"),
                &reads.iter().map(Vec::len).collect::<Vec<_>>(),
            ),
        ],
        boundaries: boundaries([4, want.len()]),
        unit: None,
    });
    d.check(
        ok,
        expected_claim,
        &t!(
            "lab03-s3-observed",
            text = preview(&split.length_text, 8),
            believed = believed,
            want = want.len(),
            bytes = whole.len()
        ),
        json!({"seed": cfg.seed, "length_text": String::from_utf8_lossy(&split.length_text), "believed": believed, "true_length": want.len(), "fixed_ok": whole == want}),
    );
    Ok(())
}

/// Stage 4: a server without step 2 — the digits merge with the data.
fn ok_is_load_bearing(d: &mut Demo, lab: &Lab, expected_claim: &str) -> Result<(), StageError> {
    let cmd = "seq 1000";
    let want = expected(cmd);
    let dl = want.len().to_string().len();
    let mut cfg = command::cue(lab.lesson.addr(), d.seed(), 1024, 1, cmd, |c| c > dl + 8)?;
    // Bytes that reach the proxy within 50 ms of each other may share a piece.
    cfg.hold = Duration::from_millis(50);
    d.say(&t!("lab03-s4-drop"));
    d.say(&t!("lab03-s4-through", seed = cfg.seed));
    let length_ack::NoAckRun { merged, acked } = length_ack::without_ack(&cfg, cmd)?;
    d.show(&chunks::render(
        &t!("lab03-s4-chunks"),
        &as_chunks(std::slice::from_ref(&merged.length_text)),
        &[dl as u64],
        60,
    ));
    let why = merged.what_int_made(want.len());
    d.show(&format!("  {}", t!("lab03-s4-int", why = &why)));
    d.show(&format!(
        "  {}",
        t!("lab03-s4-with-ok", text = preview(&acked.length_text, 12))
    ));
    let ok = merged.length_text.len() > dl
        && merged.length != Some(want.len())
        && acked.length == Some(want.len())
        && acked.body() == want;
    d.panel(Panel {
        title: t!("lab03-s4-panel", seed = cfg.seed),
        lanes: vec![
            Lane::from_lengths(t!("lab03-lane-server-digits-data"), &[dl, want.len()]),
            Lane::from_lengths(t!("lab03-lane-without-ok"), &[merged.length_text.len()]),
            Lane::from_lengths(t!("lab03-lane-with-ok"), &[acked.length_text.len()]),
        ],
        boundaries: boundaries([dl, want.len()]),
        unit: None,
    });
    d.check(
        ok,
        expected_claim,
        &t!(
            "lab03-s4-observed",
            merged = preview(&merged.length_text, 16),
            why = &why,
            acked = preview(&acked.length_text, 8)
        ),
        json!({"seed": cfg.seed, "merged": String::from_utf8_lossy(&merged.length_text), "error": merged.length_error, "acked": String::from_utf8_lossy(&acked.length_text)}),
    );
    Ok(())
}

/// Stage 5: the ok's round trip against lab 04's header, through a delay proxy.
fn cost_of_the_ok(d: &mut Demo, lab: &Lab, expected_claim: &str) -> Result<(), StageError> {
    let (rtt_ms, rounds, cmd) = (lab.cost.rtt_ms, lab.cost.rounds as usize, "ls");
    d.say(&t!("lab03-s5-delay", rtt = rtt_ms));
    d.say(&t!("lab03-s5-seed004"));
    let run = length_ack::cost_of_the_ok(Duration::from_millis(rtt_ms), rounds, cmd)?;
    let (t03, t04) = (&run.with_ok, &run.header);
    let (m03, m04) = (CostRun::mean_ms(t03), CostRun::mean_ms(t04));
    let (b03, b04) = (CostRun::best_ms(t03), CostRun::best_ms(t04));
    let r = rtt_ms.max(1) as f64;
    let mut t = Table::new([
        t!("lab03-s5-col-protocol"),
        t!("lab03-s5-col-trips"),
        t!("lab03-s5-col-theory"),
        t!("lab03-s5-col-best"),
        t!("lab03-s5-col-best-rtt"),
        t!("lab03-s5-col-mean"),
    ]);
    for (name, trips, b, m, tone) in [
        ("lab03-s5-row-ack", 2.0, b03, m03, Tone::Note),
        ("lab03-s5-row-header", 1.0, b04, m04, Tone::Good),
    ] {
        t.row([
            Cell::from(t!(name).as_str()),
            Cell::from(format!("{trips:.0}").as_str()),
            Cell::from(format!("{:.0} ms", trips * r).as_str()),
            Cell::new(format!("{b:.1} ms"), tone),
            Cell::from(format!("{:.2}", b / r).as_str()),
            Cell::from(format!("{m:.1} ms").as_str()),
        ]);
    }
    d.show(&t.render());
    d.show(&format!(
        "  {}",
        t!(
            "lab03-s5-each",
            rounds = rounds,
            cmd = cmd,
            cost = format!("{:.1}", b03 - b04)
        )
    ));
    let ratio = b03 / b04.max(1e-3);
    let ok = run.intact && ratio > 1.5 && b03 / r > 1.5 && b04 / r < 1.5;
    d.check(
        ok,
        expected_claim,
        &t!(
            "lab03-s5-observed",
            ack = format!("{:.2}", b03 / r),
            header = format!("{:.2}", b04 / r),
            ratio = format!("{ratio:.2}")
        ),
        json!({"rtt_ms": rtt_ms, "rounds": rounds, "lab03_ms": CostRun::ms(t03), "lab04_ms": CostRun::ms(t04), "lab03_mean_ms": m03, "lab04_mean_ms": m04, "lab03_best_ms": b03, "lab04_best_ms": b04, "ratio": ratio}),
    );
    Ok(())
}
