//! Lab 01 — the naive recv(1024) bug (seed 002 §1.1, seeds 003 and 004).
//!
//! The server sends a command's output raw; the client takes ONE recv(1024)
//! as the whole reply. `demo` shows, measured on real sockets, the five ways
//! this goes wrong; `server` and `client` speak the lesson's protocol so the
//! lesson's own Python programs can talk to them.
//!
//! The lesson's read and the read that cannot desync are two functions side
//! by side in `sticky_lab::lessons::lab01_naive_recv`: `lesson_recv` (one
//! `recv(1024)` taken as the whole reply) and `recv_until_close` (one command
//! per connection, read until the server closes). Stage 2 calls both.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use sticky_lab::harness::{self, ClientArgs, CommandServerArgs, Demo, DemoOpts, Stage, StageError};
use sticky_lab::kit::record::{boundaries, Chunk, Clock};
use sticky_lab::kit::runner::RunnerConfig;
use sticky_lab::kit::text::{preview, shorten, Encoding};
use sticky_lab::lessons::lab01_naive_recv::{cli, runs, runs::LabServer};
use sticky_lab::lessons::LESSON_RECV;
use sticky_lab::report::chunks::{self, sizes};
use sticky_lab::report::svg::{Lane, Panel};
use sticky_lab::report::table::{Cell, Table, Tone};
use sticky_lab::report::ColorChoice;
use sticky_lab::t;

const LAB: &str = "lab01-naive-recv";

/// The lesson's table of contents: each stage's title, the lesson's claim
/// (catalog keys: the words are in locales/en/lab01.ftl and zh/lab01.ftl),
/// and the function that shows it.
const STAGES: [Stage<LabServer>; 5] = [
    Stage {
        title: "lab01-s1-title",
        expected: "lab01-s1-expected",
        run: short_command,
    },
    Stage {
        title: "lab01-s2-title",
        expected: "lab01-s2-expected",
        run: long_reply_desync,
    },
    Stage {
        title: "lab01-s3-title",
        expected: "lab01-s3-expected",
        run: commands_glued,
    },
    Stage {
        title: "lab01-s4-title",
        expected: "lab01-s4-expected",
        run: bigger_buffer,
    },
    Stage {
        title: "lab01-s5-title",
        expected: "lab01-s5-expected",
        run: garbled_text,
    },
];

/// Preview width of a chunk line.
const WIDTH: usize = 70;

/// `--help`'s about line and examples (catalog keys), and each
/// subcommand's: `lab01-naive-recv-cmd-demo-about`, `…-examples`.
const ABOUT: &str = "lab01-about";
const EXAMPLES: &str = "lab01-examples";

/// The subcommands; their about lines and examples in `--help` come from
/// the catalog (`lab01-naive-recv-cmd-demo-about`, `…-examples`), the doc
/// comments below are clap's fallback.
#[derive(Subcommand)]
enum Command {
    /// Show the bug stage by stage over real sockets; exit 0 only if all of it was seen.
    Demo(DemoOpts),
    /// The lesson's server: one recv(1024) is a command, its raw output goes back.
    Server(CommandServerArgs),
    /// The lesson's client: one send per command, ONE recv(--bufsize) per reply.
    Client(ClientOpts),
}

#[derive(clap::Args)]
struct ClientOpts {
    #[command(flatten)]
    args: ClientArgs,
    /// Size of the one recv() per reply (the lesson's 1024).
    #[arg(long, default_value_t = LESSON_RECV)]
    bufsize: usize,
    /// Print each recv as a chunk line (its size and an escaped preview).
    #[arg(long)]
    show_chunks: bool,
}

fn main() -> ExitCode {
    let (command, color) = harness::args::parse::<Command>(LAB, ABOUT, EXAMPLES);
    match command {
        Command::Demo(opts) => demo(&opts, color),
        Command::Server(args) => {
            color.apply();
            cli::server(&args)
        }
        Command::Client(opts) => {
            color.apply();
            cli::client(&opts.args, opts.bufsize, opts.show_chunks)
        }
    }
}

// ───────────────────────────────── the demo ──────────────────────────────────

fn demo(opts: &DemoOpts, color: ColorChoice) -> ExitCode {
    let demo = Demo::new(LAB, "lab01-title", opts, color);
    demo.run(setup, &STAGES)
}

/// The demo's server, announced in the lesson's words.
fn setup(demo: &mut Demo) -> Result<LabServer, StageError> {
    let lab = LabServer::start(RunnerConfig::default(), Clock::start())
        .map_err(|e| StageError::new(t!("lab01-setup-failed", error = e)))?;
    demo.say(&t!("lab01-setup", addr = lab.addr));
    Ok(lab)
}

/// A chunk view of recorded calls, `boundaries` marking where messages end.
fn calls(label: &str, recorded: &[Chunk], boundaries: &[u64]) -> String {
    chunks::render(label, recorded, boundaries, WIDTH)
}

/// A two-row table: the lesson's way (bad) above the way that works (good).
fn bad_good(head: [&str; 2], bad: [String; 2], good: [String; 2]) -> String {
    let mut t = Table::new(head);
    let [b0, b1] = bad;
    let [g0, g1] = good;
    t.row([Cell::new(b0, Tone::Bad), Cell::new(b1, Tone::Bad)]);
    t.row([Cell::new(g0, Tone::Good), Cell::new(g1, Tone::Good)]);
    t.render()
}

/// The picture of stages 1 and 2: the server's replies above the client's recv(1024)s.
fn replies_vs_recvs(title: &str, replies: &[usize], reads: &[Chunk]) -> Panel {
    Panel {
        title: title.into(),
        lanes: vec![
            Lane::from_lengths(t!("lab01-lane-server-send"), replies),
            Lane::from_chunks(t!("lab01-lane-client-recv"), reads),
        ],
        boundaries: boundaries(replies.iter().copied()),
        unit: None,
    }
}

fn quote(b: &[u8]) -> String {
    format!("\"{}\"", preview(b, 60))
}

/// Stage 1: `ls` is short, so one recv(1024) happens to hold all of it.
fn short_command(demo: &mut Demo, lab: &LabServer, expected: &str) -> Result<(), StageError> {
    let run = runs::short_command(lab)?;
    let sent = run.reply.len();
    demo.say(&t!("lab01-s1-client"));
    demo.show(&calls(
        &t!("lab01-lane-client-recv"),
        &run.reads,
        &[sent as u64],
    ));
    demo.panel(replies_vs_recvs(&t!("lab01-s1-panel"), &[sent], &run.reads));
    demo.check(
        run.got == run.reply,
        expected,
        &t!(
            "lab01-s1-observed",
            sent = sent,
            got = run.got.len(),
            ledger = run.ledger.summary()
        ),
        json!({ "sent": sent, "recv_sizes": sizes(&run.reads), "ledger": run.ledger }),
    );
    Ok(())
}

/// Stage 2: `help` is longer than 1024 bytes; its tail answers the next
/// command. Then the read that cannot desync, `recv_until_close`.
fn long_reply_desync(demo: &mut Demo, lab: &LabServer, expected: &str) -> Result<(), StageError> {
    let run = runs::long_reply_desync(lab)?;
    let (help, ls) = (&run.help, &run.ls);
    demo.say(&t!("lab01-s2-client-help", n = help.len()));
    demo.say(&t!("lab01-s2-client-ls"));
    let bounds = boundaries([help.len(), ls.len()]);
    demo.show(&calls(&t!("lab01-lane-client-recv"), &run.reads, &bounds));
    demo.say(&t!("lab01-s2-printed", text = quote(&run.second)));
    demo.show(&format!(
        "  {}",
        t!("lab01-ledger", ledger = run.ledger.summary())
    ));
    demo.panel(replies_vs_recvs(
        &t!("lab01-s2-panel"),
        &[help.len(), ls.len()],
        &run.reads,
    ));
    let wire = match demo.captured() {
        Ok(packets) => {
            let segments = run.reply_segments(&packets);
            let list = |v: &[usize]| {
                v.iter()
                    .map(|n| format!("{n} B"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let on_wire: usize = segments.iter().sum();
            demo.say(&t!(
                "lab01-s2-wire",
                total = help.len() + ls.len(),
                n = segments.len(),
                segments = list(&segments),
                reads = list(&sizes(&run.reads)),
                conclusion = if on_wire == help.len() + ls.len() {
                    t!("lab01-s2-wire-agrees")
                } else {
                    t!("lab01-s2-wire-missed")
                }
            ));
            run.wire_report(&segments)
        }
        Err(why) => {
            demo.say(&t!("lab01-s2-wire-none", why = why));
            json!({ "captured": false, "why": why })
        }
    };
    let mut report = run.report();
    report["wire"] = wire;
    let whole_ok = run.whole_is_help();
    demo.say(&t!(
        "lab01-s2-until-close",
        reads = run.whole_reads.len(),
        bytes = run.whole.len(),
        whole = if whole_ok {
            t!("lab01-s2-whole-help")
        } else {
            t!("lab01-s2-not-help")
        }
    ));
    demo.check(
        run.cut_at_recv_size() && run.second_starts_with_tail() && whole_ok,
        expected,
        &run.summary(),
        report,
    );
    Ok(())
}

/// Stage 3: the request direction sticks too.
fn commands_glued(demo: &mut Demo, lab: &LabServer, expected: &str) -> Result<(), StageError> {
    let run = runs::commands_glued(lab.clock)?;
    let got = std::slice::from_ref(&run.server_read);
    demo.say(&t!("lab01-s3-client"));
    demo.say(&t!("lab01-s3-busy"));
    demo.show(&calls(&t!("lab01-lane-client-send"), &run.sends, &[]));
    demo.show(&calls(&t!("lab01-lane-server-recv"), got, &[2, 5]));
    demo.say(&t!(
        "lab01-s3-ran",
        request = quote(&run.request),
        answer = quote(&run.answer)
    ));
    demo.say(&t!("lab01-s3-why"));
    demo.panel(Panel {
        title: t!("lab01-s3-panel"),
        lanes: vec![
            Lane::from_chunks(t!("lab01-lane-client-send"), &run.sends),
            Lane::from_chunks(t!("lab01-lane-server-recv"), got),
        ],
        boundaries: vec![2, 5],
        unit: None,
    });
    demo.check(
        run.request == b"lsdir",
        expected,
        &t!(
            "lab01-s3-observed",
            n = run.request.len(),
            request = quote(&run.request)
        ),
        json!({
            "send_sizes": sizes(&run.sends), "server_recv": String::from_utf8_lossy(&run.request),
            "server_exit_code": run.exit_code,
        }),
    );
    Ok(())
}

/// Stage 4: seed 000's recv(204800000) — fine on loopback, broken through a hop.
fn bigger_buffer(demo: &mut Demo, lab: &LabServer, expected: &str) -> Result<(), StageError> {
    let seed = demo.seed();
    let run = runs::bigger_buffer(lab, seed)?;
    let (cmds, requests, reply_lens) = (run.cmds, &run.requests, run.reply_lens());
    demo.say(&t!(
        "lab01-s4-loopback",
        cmds = format!("{cmds:?}"),
        ledger = run.local.summary()
    ));
    demo.say(&t!("lab01-s4-proxy", addr = run.proxy, seed = seed));
    let bounds = boundaries(reply_lens.iter().copied());
    demo.show(&calls(
        &t!("lab01-lane-client-recv-big"),
        &run.reads,
        &bounds,
    ));
    demo.show(&t!(
        "lab01-s4-numbers",
        seed = seed,
        pieces = format!("{:?}", run.pieces),
        reads = format!("{:?}", sizes(&run.reads)),
        requests = format!("{requests:?}"),
        replies = format!("{reply_lens:?}"),
        ledger = run.hopped.summary()
    ));
    demo.say(&t!(
        "lab01-s4-printed",
        n = run.first.len(),
        second = quote(&run.second)
    ));
    demo.panel(Panel {
        title: t!("lab01-s4-panel", seed = seed),
        lanes: vec![
            Lane::from_lengths(t!("lab01-lane-server-send"), &reply_lens),
            Lane::from_lengths(t!("lab01-lane-proxy-pieces"), &run.pieces),
            Lane::from_chunks(t!("lab01-lane-client-recv-big-short"), &run.reads),
        ],
        boundaries: bounds,
        unit: None,
    });
    let loopback_ok = run.local_replies == cmds.len() && run.local.intact == cmds.len();
    let broken = run.hopped.damaged() > 0 || run.requests_cut();
    demo.check(
        loopback_ok && broken,
        expected,
        &run.summary(seed),
        run.report(seed),
    );
    Ok(())
}

/// Stage 5: a multi-byte character cut at a chunk edge; GBK read as UTF-8.
fn garbled_text(demo: &mut Demo, lab: &LabServer, expected: &str) -> Result<(), StageError> {
    const SMALL: usize = 100;
    let run = runs::garbled_text(lab, SMALL)?;
    let original = run.original();
    demo.say(&t!("lab01-s5-client", small = SMALL, n = run.zh.len()));
    demo.show(&calls(
        &t!("lab01-lane-client-recv-n", n = SMALL),
        &run.reads,
        &[run.zh.len() as u64],
    ));
    // Show the line where the first character was cut.
    let at = run.each.lines().position(|l| l.contains('\u{FFFD}'));
    let cut_line = |s: &str| {
        s.lines()
            .nth(at.unwrap_or(0))
            .unwrap_or_default()
            .to_string()
    };
    let first_line = |s: &str| shorten(s.lines().next().unwrap_or_default(), 30);
    demo.show(&bad_good(
        [&t!("lab01-s5-col-decoding"), &t!("lab01-s5-col-text")],
        [t!("lab01-s5-each"), cut_line(&run.each)],
        ["StreamDecoder".into(), cut_line(&run.streamed)],
    ));
    let cut_ok = run.garbled > 0 && run.streamed_exact();

    // (b) a GBK server (a Chinese Windows console) read as UTF-8.
    let (as_utf8, utf8_bad) = run.gbk_as(Encoding::Utf8);
    let (as_gbk, gbk_bad) = run.gbk_as(Encoding::Gbk);
    demo.say(&t!(
        "lab01-s5-gbk",
        gbk = run.gbk.len(),
        utf8 = run.zh.len()
    ));
    demo.show(&bad_good(
        ["client --encoding", &t!("lab01-s5-col-text")],
        ["utf-8".into(), first_line(&as_utf8)],
        ["gbk".into(), first_line(&as_gbk)],
    ));
    // The other direction, on a Chinese Windows console (code page 936).
    let (utf8_as_936, _) = Encoding::Gbk.decode(&run.zh);
    demo.say(&t!("lab01-s5-console", text = first_line(&utf8_as_936)));
    demo.say(&t!("lab01-s5-console-why"));
    let gbk_ok = utf8_bad && !gbk_bad && as_gbk == original;
    demo.check(cut_ok && gbk_ok, expected, &run.summary(), run.report());
    Ok(())
}
