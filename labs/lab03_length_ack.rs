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

const LAB: &str = "lab03-length-ack";

/// The demo, stage by stage: what each stage shows, what the lesson
/// expects, and the function below that shows it.
const STAGES: [Stage<Lab>; 5] = [
    Stage {
        title: "on loopback, the lesson's protocol works",
        expected: "every reply arrives whole in one recv on loopback",
        run: works_on_loopback,
    },
    Stage {
        title: "under chaos, one recv(int(length)) comes up short",
        expected: "one recv returns fewer bytes than the length; the loop gets them all",
        run: short_under_chaos,
    },
    Stage {
        title: "the length text itself can be split: \"12\" | \"34\"",
        expected: "the digits arrive in two pieces and the lesson's client believes a wrong length; \\n-terminated digits survive",
        run: split_length_text,
    },
    Stage {
        title: "why the ok is load-bearing",
        expected: "without the ok the digits and the data's first bytes arrive together; with it the digits arrive alone",
        run: ok_is_load_bearing,
    },
    Stage {
        title: "the cost of the ok: one more round trip per command",
        expected: "the handshake takes about 2 RTT per command, the 4-byte header about 1 RTT",
        run: cost_of_the_ok,
    },
];

#[derive(Subcommand)]
enum Command {
    /// Show the scheme working, breaking under chaos, fixed, and what its ack costs.
    #[command(after_help = "Examples:
  lab03-length-ack demo
  lab03-length-ack demo --seed 3 --rtt-ms 100
  lab03-length-ack demo --color never --svg docs/labs/img/lab03-length-ack.svg
  lab03-length-ack demo --json > report.json")]
    Demo {
        #[command(flatten)]
        opts: DemoOpts,
        #[command(flatten)]
        cost: CostArgs,
    },
    /// Run the command server (built-in commands unless --exec shell).
    #[command(after_help = "Examples:
  lab03-length-ack server                        # 127.0.0.1:8001, our framed requests
  lab03-length-ack server --compat lesson        # the bytes seed 001's Python client speaks
  lab03-length-ack server --addr 127.0.0.1:0 --idle-timeout 2
  lab03-length-ack server --exec shell           # the real shell (loopback only)")]
    Server(cli::ServerArgs),
    /// Send commands and print the replies (>>> prompt, --cmd, or piped stdin).
    #[command(after_help = "Examples:
  lab03-length-ack client                        # >>> prompt
  lab03-length-ack client --cmd help --cmd 'seq 5'
  echo ls | lab03-length-ack client
  lab03-length-ack client --compat lesson --addr 127.0.0.1:8001   # against seed 001's Python server")]
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
    let (command, color) = harness::args::parse::<Command>(
        LAB,
        "Lab 03: send the length as text, wait for \"ok\", then send the data (seed 001, scheme 1)",
        "Examples:
  lab03-length-ack demo                         # the whole story, checked
  lab03-length-ack server                       # terminal 1 (127.0.0.1:8001)
  lab03-length-ack client --cmd help            # terminal 2",
    );
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
    let d = Demo::new(LAB, "length as text + \"ok\", then the data", opts, color);
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
    d.say(
        "The lesson's server sends str(len(data)), waits for the client's \"ok\", then the data.",
    );
    d.say("The lesson's client reads the digits with one recv(1024) and the data with one recv(int(length)).");
    let replies = length_ack::lesson_replies(lab.lesson.addr(), &["help", "ls", "seq 100"])?;
    let mut t = Table::new(["command", "length text", "recv(int(length)) got", "intact"]);
    let mut rows = Vec::new();
    for r in &replies {
        let (ok, ex) = (r.whole, &r.ex);
        t.row([
            Cell::from(r.cmd),
            Cell::from(format!("\"{}\"", preview(&ex.length_text, 12)).as_str()),
            Cell::from(format!("{} B in {} recv", ex.body().len(), ex.body_reads.len()).as_str()),
            Cell::new(
                if ok { "yes" } else { "no" },
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
            format!(
                "3 of 3 replies arrived whole, help's {} bytes (over 1024) included",
                expected("help").len()
            )
        } else {
            "a reply was cut even on loopback".to_string()
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
    d.say(&format!(
        "Now through ChaosProxy, a real TCP hop that cuts the reply into pieces of 1..=1500 bytes, 1 ms apart \
         (seed {}: the first from --seed {} that leaves the command and the digits whole).",
        cfg.seed,
        d.seed()
    ));
    let (short, fixed) = length_ack::short_and_fixed(&cfg, cmd)?;
    let got = short.body().len();
    d.show(&format!(
        "  lesson client: recv({}) returned {got} B — {} B are still in the socket, and the next command will print them",
        want.len(),
        want.len() - got
    ));
    d.show(&format!(
        "  fixed client:  recv() in a loop until {} B arrived — {} recv calls, {} B",
        want.len(),
        fixed.body_reads.len(),
        fixed.body().len()
    ));
    let ok = got < want.len() && fixed.body() == want;
    d.panel(Panel {
        title: format!(
            "Stage 2: reply of '{cmd}' through ChaosProxy (seed {})",
            cfg.seed
        ),
        lanes: vec![
            Lane::from_lengths("server send(data)", &[want.len()]),
            Lane::from_lengths("lesson: one recv(n)", &[got]),
            Lane::from_lengths("fix: recv until n", &fixed.body_read_sizes()),
        ],
        boundaries: vec![want.len() as u64],
        unit: None,
    });
    d.check(
        ok,
        expected_claim,
        &format!(
            "one recv got {got} of {} B; the loop got all {} B in {} reads",
            want.len(),
            fixed.body().len(),
            fixed.body_reads.len()
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
    d.say(&format!(
        "The digits carry no end mark: the client takes whatever one recv(1024) returns. Through ChaosProxy \
         (seed {}: the first from --seed {} whose first cut falls inside the digits, pieces 30 ms apart):",
        cfg.seed,
        d.seed()
    ));
    let length_ack::SplitRun { split, whole } = length_ack::split_digits(&cfg, cmd)?;
    let believed = split.length.unwrap_or(0);
    let reads = split.recvs();
    d.show(&chunks::render("client recv", &as_chunks(&reads), &[4], 60));
    d.show(&format!(
        "  the client read \"{}\" as the length, sent ok, and printed {} B starting \"{}\" — \
         {} B of the reply are left in the socket for the next command",
        preview(&split.length_text, 8),
        split.body().len(),
        preview(&split.body(), 12),
        (4 + want.len()).saturating_sub(split.length_text.len() + split.body().len())
    ));
    // Our wire format ends the digits with \n: a split cannot shorten them.
    d.show(&format!(
        "  the fix: end the digits with \\n (\"1234\\n\") and read up to it — same seed, same cuts: {} B, intact: {}",
        whole.len(),
        whole == want
    ));
    let ok = split.length_text.len() < 4 && believed != want.len() && whole == want;
    d.panel(Panel {
        title: format!("Stage 3: the length text split (seed {})", cfg.seed),
        lanes: vec![
            Lane::from_lengths("server: digits | data", &[4, want.len()]),
            Lane::from_lengths(
                "lesson client recvs",
                &reads.iter().map(Vec::len).collect::<Vec<_>>(),
            ),
        ],
        boundaries: boundaries([4, want.len()]),
        unit: None,
    });
    d.check(
        ok,
        expected_claim,
        &format!(
            "\"{}\" arrived alone, the client believed {believed} B instead of {}; ours got all {} B",
            preview(&split.length_text, 8),
            want.len(),
            whole.len()
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
    d.say("Drop step 2: the server sends the digits and then the data at once, without waiting for ok.");
    d.say(&format!(
        "Through ChaosProxy (seed {}), set to pass on as one piece what reaches it within 50 ms — as a proxy may; \
         routers do not merge segments, but the sender's TCP (Nagle, autocorking) and the receiver's buffer do:",
        cfg.seed
    ));
    let length_ack::NoAckRun { merged, acked } = length_ack::without_ack(&cfg, cmd)?;
    d.show(&chunks::render(
        "recv(1024) for the length",
        &as_chunks(std::slice::from_ref(&merged.length_text)),
        &[dl as u64],
        60,
    ));
    let why = merged.what_int_made(want.len());
    d.show(&format!("  int() of that: {why}"));
    d.show(&format!(
        "  with the ok (same seed, same cuts): recv(1024) got \"{}\" alone — the server sends nothing more until the ok arrives",
        preview(&acked.length_text, 12)
    ));
    let ok = merged.length_text.len() > dl
        && merged.length != Some(want.len())
        && acked.length == Some(want.len())
        && acked.body() == want;
    d.panel(Panel {
        title: format!(
            "Stage 4: no ok — the digits merge with the data (seed {})",
            cfg.seed
        ),
        lanes: vec![
            Lane::from_lengths("server: digits | data", &[dl, want.len()]),
            Lane::from_lengths("recv(1024) without ok", &[merged.length_text.len()]),
            Lane::from_lengths("recv(1024) with ok", &[acked.length_text.len()]),
        ],
        boundaries: boundaries([dl, want.len()]),
        unit: None,
    });
    d.check(
        ok,
        expected_claim,
        &format!(
            "without ok: \"{}\" ({why}); with ok: \"{}\"",
            preview(&merged.length_text, 16),
            preview(&acked.length_text, 8)
        ),
        json!({"seed": cfg.seed, "merged": String::from_utf8_lossy(&merged.length_text), "error": merged.length_error, "acked": String::from_utf8_lossy(&acked.length_text)}),
    );
    Ok(())
}

/// Stage 5: the ok's round trip against lab 04's header, through a delay proxy.
fn cost_of_the_ok(d: &mut Demo, lab: &Lab, expected_claim: &str) -> Result<(), StageError> {
    let (rtt_ms, rounds, cmd) = (lab.cost.rtt_ms, lab.cost.rounds as usize, "ls");
    d.say(&format!(
        "A delay proxy adds {rtt_ms} ms of round-trip time (ProxyConfig::latency_only, like `sticky proxy --rtt-ms {rtt_ms}`)."
    ));
    d.say("Seed 004: \"this approach amplifies the performance loss caused by network latency\". Measured:");
    let run = length_ack::cost_of_the_ok(Duration::from_millis(rtt_ms), rounds, cmd)?;
    let (t03, t04) = (&run.with_ok, &run.header);
    let (m03, m04) = (CostRun::mean_ms(t03), CostRun::mean_ms(t04));
    let (b03, b04) = (CostRun::best_ms(t03), CostRun::best_ms(t04));
    let r = rtt_ms.max(1) as f64;
    let mut t = Table::new([
        "protocol",
        "round trips / command",
        "theory",
        "best / command",
        "best ÷ RTT",
        "mean",
    ]);
    for (name, trips, b, m, tone) in [
        ("lab 03: length text, ok, data", 2.0, b03, m03, Tone::Note),
        ("lab 04: 4-byte header + data", 1.0, b04, m04, Tone::Good),
    ] {
        t.row([
            Cell::from(name),
            Cell::from(format!("{trips:.0}").as_str()),
            Cell::from(format!("{:.0} ms", trips * r).as_str()),
            Cell::new(format!("{b:.1} ms"), tone),
            Cell::from(format!("{:.2}", b / r).as_str()),
            Cell::from(format!("{m:.1} ms").as_str()),
        ]);
    }
    d.show(&t.render());
    d.show(&format!(
        "  {rounds} commands ('{cmd}') each, after the connection was set up; the ok costs {:.1} ms per command \
         (best against best: a busy machine only adds to a round trip)",
        b03 - b04
    ));
    let ratio = b03 / b04.max(1e-3);
    let ok = run.intact && ratio > 1.5 && b03 / r > 1.5 && b04 / r < 1.5;
    d.check(
        ok,
        expected_claim,
        &format!(
            "{:.2} RTT against {:.2} RTT per command ({ratio:.2}× slower with the ok)",
            b03 / r,
            b04 / r
        ),
        json!({"rtt_ms": rtt_ms, "rounds": rounds, "lab03_ms": CostRun::ms(t03), "lab04_ms": CostRun::ms(t04), "lab03_mean_ms": m03, "lab04_mean_ms": m04, "lab03_best_ms": b03, "lab04_best_ms": b04, "ratio": ratio}),
    );
    Ok(())
}
