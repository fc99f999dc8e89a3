//! Lab 02: Nagle's small-write coalescing and the 40 ms stall, proven with
//! the kernel's own counters.
//!
//! Stage 1 counts the segments the kernel really sent for 100 small writes,
//! Nagle on and off. Stage 2 times the write-write-read pattern that stalls
//! on delayed ACK, and the one-write fix. Stage 3 shows a merge Nagle did
//! not cause: a slow reader. Stage 4 shows why a receiver that has sent
//! nothing changes the count only so much: Linux's budget of 16 quick ACKs. The mechanisms live in `sticky_lab::lessons::lab02_nagle`.
//!
//! The lesson's code and its fix are two functions side by side at the top
//! of that module: `lesson_send` (header and body in two small writes, then
//! wait for the reply: write-write-read) and `send_whole` (the whole message
//! in one write). Stage 2 calls both by name and times each.

use std::cell::Cell;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use sticky_lab::harness::{self, fail, Demo, DemoOpts, Stage, StageError};
use sticky_lab::kit::record::Clock;
use sticky_lab::lang::{tr_in, Lang};
use sticky_lab::lessons::lab02_nagle::{
    self as nagle, autocorking, cli, fmt_ms, lesson_send, or_na, send_whole,
};
use sticky_lab::report::ColorChoice;
use sticky_lab::t;

const LAB: &str = "lab02-nagle";

/// The lesson, stage by stage: each stage's title, the lesson's claim
/// (catalog keys: the words are in locales/en/lab02.ftl and zh/lab02.ftl),
/// and the function that shows it.
const STAGES: [Stage<Lab>; 5] = [
    Stage {
        title: "lab02-s1-title",
        expected: "lab02-s1-expected",
        run: coalescing,
    },
    Stage {
        title: "lab02-s2-title",
        expected: "lab02-s2-expected",
        run: the_stall,
    },
    Stage {
        title: "lab02-s3-title",
        expected: "lab02-s3-expected",
        run: a_slow_reader,
    },
    Stage {
        title: "lab02-s4-title",
        expected: "lab02-s4-expected",
        run: the_quick_ack_budget,
    },
    Stage {
        title: "lab02-s5-title",
        expected: "lab02-s5-expected",
        run: verdict,
    },
];

/// `--help`'s about line and examples (catalog keys), and each
/// subcommand's: `lab02-nagle-cmd-demo-about`, `…-examples`.
const ABOUT: &str = "lab02-about";
const EXAMPLES: &str = "lab02-examples";

/// The subcommands; their about lines and examples in `--help` come from
/// the catalog (`lab02-nagle-cmd-demo-about`, `…-examples`), the doc
/// comments below are clap's fallback.
#[derive(Subcommand)]
enum Command {
    /// Both sides in one process over loopback: coalescing, the stall, the slow reader.
    Demo(DemoArgs),
    /// Receive bursts (and answer stall rounds), printing what each recv() got.
    Server(cli::ServerArgs),
    /// Send small writes (or write-write-read rounds) and print the kernel's counters.
    Client(cli::ClientArgs),
}

#[derive(clap::Args)]
struct DemoArgs {
    #[command(flatten)]
    opts: DemoOpts,
    /// Small writes per burst (stage 1).
    #[arg(long, default_value_t = 100)]
    writes: usize,
    /// Bytes per write (stage 1).
    #[arg(long, default_value_t = 10)]
    size: usize,
    /// Write-write-read messages per variant (stage 2; each may take ~40 ms).
    #[arg(long, default_value_t = 20)]
    rounds: usize,
}

fn main() -> ExitCode {
    let (command, color) = harness::args::parse::<Command>(LAB, ABOUT, EXAMPLES);
    color.apply();
    match command {
        Command::Demo(args) => demo(args, color),
        Command::Server(args) => cli::server(&args),
        Command::Client(args) => cli::client(&args),
    }
}

// ───────────────────────────────── demo ─────────────────────────────────

/// What the stages share: the demo's sizes and clock, and what stages 1
/// and 2 saw, for the verdict.
struct Lab {
    clock: Clock,
    args: DemoArgs,
    coalesced: Cell<bool>,
    stalled: Cell<bool>,
    tcp_info: Cell<bool>,
}

fn demo(args: DemoArgs, color: ColorChoice) -> ExitCode {
    if args.writes == 0 || args.size == 0 || args.rounds == 0 {
        return fail(t!("lab02-error-demo-counts"));
    }
    let d = Demo::new(LAB, "lab02-title", &args.opts, color);
    let lab = Lab {
        clock: Clock::start(),
        args,
        coalesced: Cell::new(false),
        stalled: Cell::new(false),
        tcp_info: Cell::new(false),
    };
    d.run(|_| Ok(lab), &STAGES)
}

/// Stage 1: count the segments the kernel really sent.
fn coalescing(d: &mut Demo, lab: &Lab, _expected: &str) -> Result<(), StageError> {
    let (writes, size) = (lab.args.writes, lab.args.size);
    d.say(&t!("lab02-s1-intro", writes = writes, size = size));
    let cork = autocorking();
    d.say(&nagle::autocorking_note(cork));
    let seen = nagle::coalescing(lab.clock, writes, size)?;
    for panel in seen.panels() {
        d.panel(panel);
    }
    d.show(&seen.table().render());
    d.say(&t!("lab02-median-of-3"));
    let (on, off) = (&seen.nagle.run, &seen.nodelay.run);
    let (coalesced, observed, expected) = match (on.data_segments, off.data_segments) {
        (Some(a), Some(b)) => (
            (a as usize) < writes && a < b,
            t!("lab02-s1-observed", on = a, writes = writes, off = b),
            "lab02-s1-expected",
        ),
        _ => (
            on.receiver.recv_calls < off.receiver.recv_calls,
            t!(
                "lab02-s1-observed-no-tcp-info",
                on = on.receiver.recv_calls,
                off = off.receiver.recv_calls
            ),
            "lab02-s1-expected-no-tcp-info",
        ),
    };
    d.say(&t!("lab02-s1-why"));
    d.say(&t!("lab02-s1-wire-intro"));
    let wire = match d.captured() {
        Ok(packets) => {
            let bursts = seen.senders().map(|b| nagle::wire_burst(&packets, &b.run));
            for (b, w) in seen.senders().iter().zip(&bursts) {
                let sizes = match w.sizes.is_empty() {
                    true => String::new(),
                    false => format!(
                        " {}",
                        t!(
                            "lab02-s1-wire-sizes",
                            sizes = nagle::sizes_summary(&w.sizes, 6)
                        )
                    ),
                };
                d.say(&format!(
                    "  {}",
                    t!(
                        "lab02-s1-wire",
                        mark = if w.agrees { "✓" } else { "✗" },
                        name = b.label(),
                        n = w.data_packets,
                        sizes = sizes,
                        counted = or_na(w.tcp_info),
                    )
                ));
            }
            json!({ "captured": true, "bursts": bursts })
        }
        Err(why) => {
            d.say(&format!("  {why}"));
            json!({ "captured": false, "why": why })
        }
    };
    d.check(
        coalesced,
        expected,
        &observed,
        json!({
            "autocorking": cork,
            "tcp_info": cfg!(target_os = "linux") && on.data_segments.is_some(),
            "runs": seen.senders().map(|b| &b.run),
            "trials_data_segments": seen.trials,
            "wire": wire,
        }),
    );
    lab.coalesced.set(coalesced);
    lab.tcp_info.set(on.data_segments.is_some());
    Ok(())
}

/// Stage 2: write-write-read (`lesson_send`) against one write per message (`send_whole`).
fn the_stall(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let rounds = lab.args.rounds;
    d.say(&t!("lab02-s2-intro", rounds = rounds));
    d.say(&t!(
        "lab02-s2-sends",
        lesson = nagle::write_calls(lesson_send)?,
        fix = nagle::write_calls(send_whole)?
    ));
    let sends = nagle::compare_sends(rounds)?;
    d.show(&sends.table().render());
    let ratio = sends.ratio();
    let stalled = ratio >= 10.0;
    d.say(&t!("lab02-s2-why"));
    d.say(&t!("lab02-s2-kernel"));
    for line in sends.delayed_ack_lines() {
        d.say(&format!("  {line}"));
    }
    let wire = match d.captured() {
        Ok(packets) => {
            let w = sends.runs().map(|r| nagle::wire_stall(&packets, r));
            let ms = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.3} ms"));
            let counted = if w.iter().all(|r| r.agrees) {
                t!("lab02-s2-wire-agrees")
            } else {
                t!("lab02-s2-wire-differs")
            };
            d.say(&t!(
                "lab02-s2-wire",
                counted = counted,
                slow = w[0].slow_acks,
                n = w[0].data_packets,
                ms = nagle::STALLED.as_millis(),
                median = ms(w[0].median_slow_ack_ms),
                nodelay = ms(w[1].longest_ack_ms),
                one = ms(w[2].longest_ack_ms),
            ));
            json!({ "captured": true, "runs": w })
        }
        Err(why) => {
            d.say(&t!("lab02-s2-wire-none", why = why));
            json!({ "captured": false, "why": why })
        }
    };
    if let Some(path) = lab.args.opts.svg.as_deref() {
        match sends.write_timeline(LAB, path) {
            Ok(file) => d.say(&t!("lab02-s2-svg-written", path = file.display())),
            Err((file, e)) => d.say(&t!("lab02-s2-svg-failed", path = file.display(), error = e)),
        }
    }
    d.check(
        stalled,
        expected,
        &t!(
            "lab02-s2-observed",
            split = fmt_ms(sends.split.median()),
            nodelay = fmt_ms(sends.nodelay.median()),
            one = fmt_ms(sends.one.median()),
            ratio = format!("{ratio:.0}")
        ),
        json!({
            "runs": sends.runs(),
            "receiver_ato_us": sends.ato_us,
            "ratio": ratio,
            "delayed_acks": sends.delayed_acks,
            "stalls": sends.runs().map(|r| r.stalls()),
            "wire": wire,
        }),
    );
    lab.stalled.set(stalled);
    Ok(())
}

/// Stage 3: the receiver merges too, whatever the sender does.
fn a_slow_reader(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let writes = lab.args.writes;
    d.say(&t!("lab02-s3-intro", writes = writes));
    let seen = nagle::slow_reader(lab.clock, writes, lab.args.size)?;
    d.show(&seen.table().render());
    d.say(&t!("lab02-s3-why"));
    d.panel(seen.panel());
    let run = &seen.run;
    let calls = run.receiver.recv_calls;
    let (ok, observed) = match run.data_segments {
        Some(s) => (
            (calls as u32) < s,
            t!(
                "lab02-s3-observed",
                sent = s,
                received = or_na(run.receiver.data_segs_in),
                calls = calls,
                bytes = run.receiver.bytes
            ),
        ),
        None => (
            calls < writes,
            t!(
                "lab02-s3-observed-no-tcp-info",
                calls = calls,
                writes = writes
            ),
        ),
    };
    d.check(ok, expected, &observed, json!({ "run": run }));
    Ok(())
}

/// Stage 4: a receiver that has sent nothing ACKs at once, but only 16
/// times (Linux's `TCP_MAX_QUICKACKS`): the count does not grow with the writes.
fn the_quick_ack_budget(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let (writes, size) = (lab.args.writes, lab.args.size);
    d.say(&t!(
        "lab02-s4-intro",
        writes = writes,
        writes4 = writes * 4,
        size = size,
        ms = nagle::BUDGET_READ_DELAY.as_millis()
    ));
    let seen = nagle::quick_ack_budget(lab.clock, writes, size)?;
    d.show(&seen.table().render());
    d.say(&t!(
        "lab02-s4-why",
        max = nagle::TCP_MAX_QUICKACKS,
        others = nagle::TCP_MAX_QUICKACKS - 1
    ));
    let [a, b] = seen.runs();
    let bytes = |r: &nagle::BurstRun| r.receiver.bytes == (r.config.writes * size) as u64;
    let (ok, observed, expected) = match seen.bounded().filter(|_| cfg!(target_os = "linux")) {
        Some(ok) => (
            ok,
            t!(
                "lab02-s4-observed",
                a = a.config.writes,
                sa = or_na(a.data_segments),
                b = b.config.writes,
                sb = or_na(b.data_segments)
            ),
            expected,
        ),
        // The budget is Linux's: elsewhere show the counts, check only the delivery.
        None => (
            bytes(a) && bytes(b),
            t!(
                "lab02-s4-observed-elsewhere",
                sa = or_na(a.data_segments),
                sb = or_na(b.data_segments)
            ),
            "lab02-s4-expected-elsewhere",
        ),
    };
    d.check(
        ok,
        expected,
        &observed,
        json!({
            "tcp_max_quickacks": nagle::TCP_MAX_QUICKACKS,
            "read_delay_ms": nagle::BUDGET_READ_DELAY.as_millis() as u64,
            "runs": seen.runs(),
            "trials_data_segments": seen.trials,
        }),
    );
    Ok(())
}

/// Stage 5: both halves of the lesson, and the evidence they rest on.
fn verdict(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let (coalesced, stalled) = (lab.coalesced.get(), lab.stalled.get());
    let source = match lab.tcp_info.get() {
        true => "lab02-evidence-kernel",
        false => "lab02-evidence-recv",
    };
    d.say(&t!("lab02-s5-evidence", source = t!(source)));
    let seen = |yes: bool| t!(if yes { "lab02-seen" } else { "lab02-not-seen" });
    d.check(
        coalesced && stalled,
        expected,
        &t!(
            "lab02-s5-observed",
            coalescing = seen(coalesced),
            stall = seen(stalled)
        ),
        // The report's evidence stays in English whatever the language:
        // a script may compare it.
        json!({
            "coalescing": coalesced,
            "stall": stalled,
            "evidence": tr_in(Lang::En, source, &[]),
        }),
    );
    Ok(())
}
