//! Lab 06: UDP beside TCP. The lessons (seeds 000, 002, 004) say UDP never
//! sticks but can lose data; `demo` shows every claim on real loopback
//! sockets, the same sends over TCP and UDP side by side. `server` and
//! `client` are seed 002 §3.2's upper-case echo over UDP.
//!
//! The lesson's read and its fix are two functions side by side in
//! `sticky_lab::lessons::lab06_udp_vs_tcp`: `lesson_recvfrom` (seed 002's
//! `recvfrom(2)`, which cuts a datagram and throws the rest away) and
//! `recvfrom_whole` (a buffer as long as any datagram). Stage 2 calls both.

use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use sticky_lab::harness::{self, Demo, DemoOpts, Stage, StageError};
use sticky_lab::kit::counters::Counters;
use sticky_lab::kit::udp_proxy::{Action, UdpChaos};
use sticky_lab::lessons::lab06_udp_vs_tcp::views::q;
use sticky_lab::lessons::lab06_udp_vs_tcp::{
    cli, lesson_recvfrom, ranges, recvfrom_whole, runs, WHOLE_DATAGRAM,
};
use sticky_lab::report::svg::{Lane, Panel};
use sticky_lab::report::ColorChoice;
use sticky_lab::t;

const LAB: &str = "lab06-udp-vs-tcp";

/// The demo: the same sends over TCP and UDP, one claim per stage.
const STAGES: [Stage<LossParams>; 6] = [
    Stage {
        title: "lab06-s1-title",
        expected: "lab06-s1-expected",
        run: stage_boundaries,
    },
    Stage {
        title: "lab06-s2-title",
        expected: "lab06-s2-expected",
        run: stage_truncation,
    },
    Stage {
        title: "lab06-s3-title",
        expected: "lab06-s3-expected",
        run: stage_empty,
    },
    Stage {
        title: "lab06-s4-title",
        expected: "lab06-s4-expected",
        run: stage_size,
    },
    Stage {
        title: "lab06-s5-title",
        expected: "lab06-s5-expected",
        run: stage_loss,
    },
    Stage {
        title: "lab06-s6-title",
        expected: "lab06-s6-expected",
        run: stage_chaos,
    },
];

/// `--help`'s about line and examples (catalog keys: the words are in
/// locales/en/lab06.ftl and zh/lab06.ftl), and each subcommand's:
/// `lab06-udp-vs-tcp-cmd-demo-about`, `…-examples`; the doc comments below
/// are clap's fallback.
const ABOUT: &str = "lab06-about";
const EXAMPLES: &str = "lab06-examples";

#[derive(Subcommand)]
enum Command {
    /// The same sends over TCP and UDP, side by side, each claim checked.
    Demo {
        #[command(flatten)]
        opts: DemoOpts,
        /// Datagrams blasted in the loss stage.
        #[arg(long, default_value_t = 1000)]
        loss_count: u32,
        /// SO_RCVBUF asked for by the slow receiver in the loss stage (bytes).
        #[arg(long, default_value_t = 16384)]
        loss_rcvbuf: usize,
        /// How many times the loss stage is run, to show (or not) its variance.
        #[arg(long, default_value_t = 3)]
        loss_runs: u32,
    },
    /// The lessons' ThreadingUDPServer: recvfrom(1024), sendto(data.upper()).
    Server(cli::ServerArgs),
    /// Send each line as one datagram and print the upper-cased reply.
    Client(cli::ClientArgs),
}

fn main() -> ExitCode {
    let (command, color) = harness::args::parse::<Command>(LAB, ABOUT, EXAMPLES);
    color.apply();
    match command {
        Command::Demo {
            opts,
            loss_count,
            loss_rcvbuf,
            loss_runs,
        } => demo(
            &opts,
            color,
            LossParams {
                count: loss_count.max(1),
                rcvbuf: loss_rcvbuf,
                runs: loss_runs.clamp(1, 20),
            },
        ),
        Command::Server(args) => cli::server(&args),
        Command::Client(args) => cli::client(&args),
    }
}

/// The loss stage's flags.
struct LossParams {
    count: u32,
    rcvbuf: usize,
    runs: u32,
}

fn demo(opts: &DemoOpts, color: ColorChoice, loss: LossParams) -> ExitCode {
    let d = Demo::new(LAB, "lab06-title", opts, color);
    d.run(|_| Ok(loss), &STAGES)
}

fn stage_boundaries(d: &mut Demo, _: &LossParams, expected: &str) -> Result<(), StageError> {
    d.say(&t!("lab06-s1-setup"));
    let run = runs::boundaries(&[b"hello", b"world"], Duration::from_millis(100))?;
    d.show(&run.table().render());
    let merged = run.tcp_reads.len() == 1 && run.tcp_reads[0] == b"helloworld";
    let two = run.udp_reads == [b"hello".to_vec(), b"world".to_vec()];
    d.say(&t!("lab06-s1-why"));
    d.panel(by_byte(t!("lab06-s1-panel"), run.lanes()));
    d.check(merged && two, expected, &run.summary(), run.report());
    Ok(())
}

/// Stage 2 calls the lesson's read and the fix by name: `lesson_recvfrom`
/// (seed 002's `recvfrom(2)`) and `recvfrom_whole`.
fn stage_truncation(d: &mut Demo, _: &LossParams, expected: &str) -> Result<(), StageError> {
    d.say(&t!("lab06-s2-setup"));
    let sent: [&[u8]; 2] = [b"hello", b"world"];
    let run = runs::truncation(&sent, lesson_recvfrom)?;
    d.show(&run.table().render());
    let tcp_all: Vec<u8> = run.tcp_reads.concat();
    let udp_ok = run.udp.len() == 2
        && run.udp[0].data == b"he"
        && run.udp[1].data == b"wo"
        && run.udp.iter().all(|g| g.truncated && g.wire_len == 5)
        && run.udp_left_over == 0;
    let tcp_ok = tcp_all == b"helloworld" && run.tcp_reads.iter().all(|r| r.len() <= 2);
    d.say(&t!("lab06-s2-why"));
    // The fix: a buffer no datagram can overflow.
    let whole = runs::truncation(&sent, recvfrom_whole)?;
    let kept = whole.kept();
    let whole_ok = whole.udp.len() == 2 && kept == sent && whole.udp.iter().all(|g| !g.truncated);
    let shown: Vec<String> = kept.iter().map(|k| q(k)).collect();
    d.say(&t!(
        "lab06-s2-fix",
        n = WHOLE_DATAGRAM,
        kept = shown.join(&format!(" {} ", t!("lab06-and")))
    ));
    d.panel(by_byte(t!("lab06-s2-panel"), run.lanes()));
    let wire = match d.captured() {
        Ok(packets) => {
            let on_wire = run.wire_datagrams(&packets);
            let list = |v: &[usize]| {
                v.iter()
                    .map(|n| format!("{n} B"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let returned: Vec<usize> = run.udp.iter().map(|g| g.data.len()).collect();
            let report = run.wire_report(&on_wire);
            d.say(&t!(
                "lab06-s2-wire",
                n = on_wire.len(),
                lengths = list(&on_wire),
                returned = list(&returned),
                conclusion = if report["truncated_bytes_on_wire"] == true {
                    t!("lab06-s2-wire-agrees")
                } else {
                    t!("lab06-s2-wire-missed")
                }
            ));
            report
        }
        Err(why) => {
            d.say(&t!("lab06-s2-wire-none", why = why));
            serde_json::json!({ "captured": false, "why": why })
        }
    };
    let (observed, mut report) = (run.summary(&whole), run.report(&whole));
    report["wire"] = wire;
    d.check(udp_ok && tcp_ok && whole_ok, expected, &observed, report);
    Ok(())
}

fn stage_empty(d: &mut Demo, _: &LossParams, expected: &str) -> Result<(), StageError> {
    let run = runs::empty_messages(Duration::from_millis(100))?;
    d.show(&run.table().render());
    d.say(&t!("lab06-s3-why"));
    let ok = run.udp.data.is_empty()
        && run.udp.wire_len == 0
        && !run.udp.truncated
        && run.tcp_send_returned == 0
        && !run.tcp_anything_arrived
        && run.tcp_recv_after_close == 0
        // A spin is a ratio, not a rate: 100 times the `break` loop's one
        // call (under Wine on a loaded machine, 480 calls in 100 ms).
        && run.spin_empty_recvs >= 100 * run.break_recvs
        && run.break_recvs == 1;
    d.check(ok, expected, &run.summary(), run.report());
    Ok(())
}

fn stage_size(d: &mut Demo, _: &LossParams, expected: &str) -> Result<(), StageError> {
    let tcp_bytes = 1 << 20;
    let run = runs::size_limits(tcp_bytes)?;
    d.show(&run.table().render());
    d.say(&t!(
        "lab06-s4-why",
        mtu = run.lo_mtu.clone().unwrap_or_else(|| t!("lab06-unknown")),
        limit = run.limit_words()
    ));
    d.show(&run.os_table().render());
    let over_ok = run.over_is_emsgsize();
    let v6_ok = run
        .v6_measured
        .as_ref()
        .map_or(true, |&n| n >= run.v4_measured);
    let ok = run.v4_limit_received == run.v4_measured
        && over_ok
        && run.limit_is_this_systems()
        && run.tcp_received == tcp_bytes
        && v6_ok;
    d.check(ok, expected, &run.summary(), run.report());
    Ok(())
}

fn stage_loss(d: &mut Demo, p: &LossParams, expected: &str) -> Result<(), StageError> {
    let payload = 64;
    let pause = Duration::from_millis(200);
    d.say(&t!(
        "lab06-s5-setup",
        count = p.count,
        payload = payload,
        last = p.count - 1,
        rcvbuf = p.rcvbuf,
        pause = pause.as_millis(),
        runs = p.runs
    ));
    let before = Counters::read();
    let run = runs::loss_runs(p.runs, p.count, payload, p.rcvbuf, pause)?;
    let rcvbuf_errors = before.delta(&Counters::read(), "Udp", "RcvbufErrors");
    d.show(&run.table().render());
    let (Some(first), Some(tcp)) = (run.udp.first(), run.tcp.first()) else {
        return Err(StageError::new(t!("lab06-s5-no-run")));
    };
    let same = run.reproducible();
    let counts = run.lost_counts();
    let variance = if p.runs == 1 {
        t!("lab06-s5-one-run")
    } else if same {
        t!("lab06-s5-same", runs = p.runs)
    } else {
        t!("lab06-s5-differ", counts = format!("{counts:?}"))
    };
    d.say(&t!("lab06-s5-rcvbuf", rcvbuf = first.rcvbuf));
    let lost: usize = run.lost_counts().iter().sum();
    d.say(&match rcvbuf_errors {
        Some(n) => t!("lab06-s5-counted", n = n, runs = p.runs, lost = lost),
        None => t!("lab06-s5-uncounted"),
    });
    if tcp.sender_ms >= tcp.reader_pause_ms * 0.5 {
        d.say(&t!(
            "lab06-s5-tcp-waited",
            ms = format!("{:.0}", tcp.sender_ms),
            pause = pause.as_millis()
        ));
    } else {
        d.say(&t!(
            "lab06-s5-tcp-fitted",
            bytes = p.count as usize * payload,
            ms = format!("{:.0}", tcp.sender_ms)
        ));
    }
    d.say(&variance);
    d.panel(by_seq(t!("lab06-s5-panel"), run.lanes()));
    let udp_ok = run
        .udp
        .iter()
        .all(|u| !u.seq.lost.is_empty() && u.seq.accounts_for_all());
    let tcp_ok = run
        .tcp
        .iter()
        .all(|c| c.seq.lost.is_empty() && c.seq.arrival.iter().copied().eq(0..p.count));
    let mut data = run.report();
    if let Some(map) = data.as_object_mut() {
        map.insert("rcvbuf_errors".into(), serde_json::json!(rcvbuf_errors));
    }
    d.check(udp_ok && tcp_ok, expected, &run.summary(), data);
    Ok(())
}

fn stage_chaos(d: &mut Demo, _: &LossParams, expected: &str) -> Result<(), StageError> {
    let seed = d.seed();
    let n = 60;
    let chaos = UdpChaos::default();
    let percent = |p: f64| format!("{:.0}", p * 100.0);
    d.say(&t!(
        "lab06-s6-setup",
        n = n,
        seed = seed,
        drop = percent(chaos.drop),
        duplicate = percent(chaos.duplicate),
        reorder = percent(chaos.reorder)
    ));
    let run = runs::through_chaos(n, seed, chaos, Duration::from_millis(2))?;
    let (drops, dups, reorders) = (
        run.decided(Action::Drop),
        run.decided(Action::Duplicate),
        run.decided(Action::Reorder),
    );
    let (dup_seen, reord_seen) = (run.seen_twice(), run.seen_late());
    d.show(&run.table().render());
    let arrival: Vec<String> = run.seq.arrival.iter().map(u32::to_string).collect();
    d.say(&t!("lab06-s6-arrival", order = arrival.join(" ")));
    let not_overtaken: Vec<u32> = reorders
        .iter()
        .copied()
        .filter(|s| !reord_seen.contains(s))
        .collect();
    if !not_overtaken.is_empty() {
        d.say(&t!("lab06-s6-held", seqs = ranges(&not_overtaken)));
    }
    d.say(&t!("lab06-s6-why"));
    d.panel(by_seq(t!("lab06-s6-panel", seed = seed), run.lanes()));
    let ok = !drops.is_empty()
        && !dups.is_empty()
        && !reord_seen.is_empty()
        && run.seq.lost == drops
        && dup_seen == dups
        && reord_seen.iter().all(|s| reorders.contains(s))
        && run.seq.accounts_for_all();
    d.check(ok, expected, &run.summary(), run.report(seed));
    Ok(())
}

/// A picture of "hello" + "world" by byte offset, the message edges marked.
fn by_byte(title: String, lanes: Vec<Lane>) -> Panel {
    Panel {
        title,
        lanes,
        boundaries: vec![5, 10],
        unit: None,
    }
}

/// A picture by sequence number: one unit is one datagram.
fn by_seq(title: String, lanes: Vec<Lane>) -> Panel {
    Panel {
        title,
        lanes,
        boundaries: vec![],
        unit: Some(t!("lab06-unit-seq")),
    }
}
