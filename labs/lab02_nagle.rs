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
use sticky_lab::lessons::lab02_nagle::{
    self as nagle, autocorking, cli, fmt_ms, lesson_send, or_na, send_whole,
};
use sticky_lab::report::ColorChoice;

const LAB: &str = "lab02-nagle";

/// The lesson, stage by stage.
const STAGES: [Stage<Lab>; 5] = [
    Stage {
        title: "Coalescing: many small writes, Nagle on vs TCP_NODELAY",
        expected: "Nagle on sends fewer segments than writes, and fewer than TCP_NODELAY",
        run: coalescing,
    },
    Stage {
        title: "The stall: write(header), write(body), wait for the reply",
        expected: "Nagle-on median round trip at least 10× the TCP_NODELAY and one-write medians",
        run: the_stall,
    },
    Stage {
        title: "Receiver-side merging is a different thing: a slow reader",
        expected: "fewer recv() calls than segments sent, even with TCP_NODELAY",
        run: a_slow_reader,
    },
    Stage {
        title: "The quick-ACK budget: a silent receiver, 4× the writes, not 4× the segments",
        expected: "fewer segments than writes, and 4× the writes give fewer than 2× the segments",
        run: the_quick_ack_budget,
    },
    Stage {
        title: "Verdict",
        expected: "both the coalescing and the stall observed",
        run: verdict,
    },
];

const ABOUT: &str =
    "Lab 02: Nagle's algorithm merges small writes and stalls write-write-read; the kernel's counters prove it";
const EXAMPLES: &str = "Examples:
  lab02-nagle demo                                   # the whole story over loopback
  lab02-nagle server                                 # terminal 1 (127.0.0.1:9502)
  lab02-nagle client --nodelay off --writes 100      # terminal 2: count the segments
  lab02-nagle client --pattern stall --rounds 20     # the 40 ms stall
  sudo scripts/two-hosts.sh up                       # a real 1500-byte link (see the lab sheet)";

#[derive(Subcommand)]
enum Command {
    /// Both sides in one process over loopback: coalescing, the stall, the slow reader.
    #[command(after_help = "Examples:
  lab02-nagle demo
  lab02-nagle demo --color never --svg nagle.svg     # also writes nagle-stall.svg
  lab02-nagle demo --json > report.json              # the story goes to stderr
  lab02-nagle demo --writes 200 --size 5 --rounds 10

Watch the segments yourself while the demo runs (another terminal, as root):
  tcpdump -i lo -n 'tcp and greater 60'")]
    Demo(DemoArgs),
    /// Receive bursts (and answer stall rounds), printing what each recv() got.
    #[command(after_help = "Examples:
  # terminal 1
  lab02-nagle server
  # terminal 2: Nagle on (the default), then off
  lab02-nagle client --nodelay off --writes 100 --size 10
  lab02-nagle client --nodelay on  --writes 100 --size 10

  # a slow reader merges everything, whatever the sender did
  lab02-nagle server --read-delay-ms 200

  # across a real 1500-byte link (as root): see scripts/two-hosts.sh
  ip netns exec sticky-a lab02-nagle server --addr 10.77.2.1:9502")]
    Server(cli::ServerArgs),
    /// Send small writes (or write-write-read rounds) and print the kernel's counters.
    #[command(after_help = "Examples:
  lab02-nagle client --nodelay off --writes 100 --size 10
  lab02-nagle client --nodelay on  --writes 100 --size 10 --gap-us 200
  lab02-nagle client --pattern stall --nodelay off --rounds 20
  lab02-nagle client --pattern stall --nodelay off --message-writes one
  lab02-nagle client --json --writes 20 --size 10000    # machine-readable")]
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
        return fail("--writes, --size and --rounds must be at least 1");
    }
    let title = "Nagle's algorithm: merged small writes and the 40 ms stall";
    let d = Demo::new(LAB, title, &args.opts, color);
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
    d.say(&format!(
        "{writes} writes of {size} bytes: the sender calls write() in a tight loop. Linux's\n\
         TCP_INFO counts the data segments the kernel really sent (tcpi_data_segs_out); the\n\
         receiver counts its recv() calls."
    ));
    let cork = autocorking();
    d.say(&nagle::autocorking_note(cork));
    let seen = nagle::coalescing(lab.clock, writes, size)?;
    for panel in seen.panels() {
        d.panel(panel);
    }
    d.show(&seen.table().render());
    d.say("(each row is the median of 3 trials; the data segments column comes from the kernel)");
    let (on, off) = (&seen.nagle.run, &seen.nodelay.run);
    let (coalesced, observed, expected) = match (on.data_segments, off.data_segments) {
        (Some(a), Some(b)) => (
            (a as usize) < writes && a < b,
            format!(
                "Nagle on: {a} segments for {writes} writes; TCP_NODELAY: {b} segments (kernel TCP_INFO)"
            ),
            "Nagle on sends fewer segments than writes, and fewer than TCP_NODELAY",
        ),
        _ => (
            on.receiver.recv_calls < off.receiver.recv_calls,
            format!(
                "no TCP_INFO here — receiver's evidence: Nagle on needed {} recv() calls, TCP_NODELAY {}",
                on.receiver.recv_calls, off.receiver.recv_calls
            ),
            "with Nagle on the receiver needs fewer recv() calls",
        ),
    };
    d.say(
        "Nagle: a small segment may not leave while an earlier one is still unacknowledged, so the\n\
         writes made meanwhile queue up and leave together when the ACK comes back (or, at the\n\
         latest, with the FIN when the sender closes). So the count depends on how soon ACKs come\n\
         back: our receiver has just answered the hello, so it delays its ACKs and everything\n\
         after the first write waits. A receiver that has not replied yet (last row) ACKs at once,\n\
         but only 16 times (Linux's quick-ACK budget, stage 4), and each of its reads may send an\n\
         ACK of its own: about 17 segments when its reads come late, up to one segment per write\n\
         when they keep up, so that row moves from run to run.\n\
         TCP_NODELAY may still merge some on Linux: autocorking holds a small write while the\n\
         previous packet is still in the device queue and sends them as one (how many it merges\n\
         depends on timing, so that number moves from run to run). Spaced writes (third row) find\n\
         the queue empty, so each leaves alone. The receiver, reading while segments keep\n\
         arriving, may also take two or more in one recv(): see stage 3.",
    );
    d.say("On the wire (the capture, each sender's median trial, the hello left out):");
    let wire = match d.captured() {
        Ok(packets) => {
            let bursts = seen.senders().map(|b| nagle::wire_burst(&packets, &b.run));
            for (b, w) in seen.senders().iter().zip(&bursts) {
                d.say(&format!(
                    "  {} {}: the capture holds {} data segments{}; TCP_INFO counted {}",
                    if w.agrees { "✓" } else { "✗" },
                    b.name,
                    w.data_packets,
                    match w.sizes.is_empty() {
                        true => String::new(),
                        false => format!(" (sizes {} B)", nagle::sizes_summary(&w.sizes, 6)),
                    },
                    or_na(w.tcp_info),
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
    d.say(&format!(
        "{rounds} messages, each a 4-byte header (struct.pack('i', 16)) and a 16-byte body, each\n\
         waiting for a 2-byte reply. Three ways to send them:"
    ));
    d.say(&format!(
        "lesson_send (the lesson's code): {}; send_whole (the fix): {}.",
        nagle::write_calls(lesson_send)?,
        nagle::write_calls(send_whole)?
    ));
    let sends = nagle::compare_sends(rounds)?;
    d.show(&sends.table().render());
    let ratio = sends.ratio();
    let stalled = ratio >= 10.0;
    d.say(
        "Why 40 ms: the receiver delays its ACK (Linux: at least 40 ms, the tcpi_ato above) hoping\n\
         to piggyback it on a reply. It cannot reply before the body arrives — and Nagle will not\n\
         send the small body while the header is unacknowledged. Each waits for the other until\n\
         the delayed-ACK timer fires. TCP_NODELAY sends the body anyway; one write per message\n\
         leaves no small piece behind an unacknowledged one in this request/reply exchange, so it\n\
         is fast with Nagle still on. The fix is both: build the whole message and write it once\n\
         (fewer packets, no stall here), and set TCP_NODELAY where latency matters — a one-way\n\
         stream of small messages can still wait for an ACK (the sheet shows when).",
    );
    d.say(
        "The kernel's own count (/proc/net/netstat, what `nstat` shows): each firing of the\n\
         delayed-ACK timer adds 1 to TcpExtDelayedACKs. The counters are machine-wide, so\n\
         other programs' delayed ACKs add in: read them as \"at least\".",
    );
    for line in sends.delayed_ack_lines() {
        d.say(&format!("  {line}"));
    }
    let wire = match d.captured() {
        Ok(packets) => {
            let w = sends.runs().map(|r| nagle::wire_stall(&packets, r));
            let ms = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.3} ms"));
            let counted = if w.iter().all(|r| r.agrees) {
                "✓ each run's data segments in the capture = TCP_INFO's count"
            } else {
                "✗ the capture's data segments differ from TCP_INFO's count (packets missed?)"
            };
            d.say(&format!(
                "On the wire (the capture): {counted}. With Nagle on and 2 writes, {} of {} data\n\
                 segments waited ≥ {} ms for their ACK, median {}. Longest ACK wait with TCP_NODELAY:\n\
                 {}; with one write: {}.",
                w[0].slow_acks,
                w[0].data_packets,
                nagle::STALLED.as_millis(),
                ms(w[0].median_slow_ack_ms),
                ms(w[1].longest_ack_ms),
                ms(w[2].longest_ack_ms),
            ));
            json!({ "captured": true, "runs": w })
        }
        Err(why) => {
            d.say(&format!("On the wire: {why}"));
            json!({ "captured": false, "why": why })
        }
    };
    if let Some(path) = lab.args.opts.svg.as_deref() {
        match sends.write_timeline(LAB, path) {
            Ok(file) => d.say(&format!("stall timeline written to {}", file.display())),
            Err((file, e)) => d.say(&format!("could not write {}: {e}", file.display())),
        }
    }
    d.check(
        stalled,
        expected,
        &format!(
            "median {} with Nagle on and 2 writes vs {} (TCP_NODELAY) and {} (one write): {ratio:.0}×",
            fmt_ms(sends.split.median()),
            fmt_ms(sends.nodelay.median()),
            fmt_ms(sends.one.median())
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
    d.say(&format!(
        "Same {writes} writes with TCP_NODELAY on, but the receiver sleeps 200 ms before its first recv()."
    ));
    let seen = nagle::slow_reader(lab.clock, writes, lab.args.size)?;
    d.show(&seen.table().render());
    d.say(
        "The segments arrived separately and waited in the receiver's socket buffer; one\n\
         recv() took everything there was. No sender option prevents this: only framing does.",
    );
    d.panel(seen.panel());
    let run = &seen.run;
    let calls = run.receiver.recv_calls;
    let (ok, observed) = match run.data_segments {
        Some(s) => (
            (calls as u32) < s,
            format!(
                "{s} segments sent, {} received, then {calls} recv() call(s) took all {} bytes",
                or_na(run.receiver.data_segs_in),
                run.receiver.bytes
            ),
        ),
        None => (
            calls < writes,
            format!("{calls} recv() call(s) for {writes} writes (no TCP_INFO here)"),
        ),
    };
    d.check(ok, expected, &observed, json!({ "run": run }));
    Ok(())
}

/// Stage 4: a receiver that has sent nothing ACKs at once, but only 16
/// times (Linux's `TCP_MAX_QUICKACKS`): the count does not grow with the writes.
fn the_quick_ack_budget(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let (writes, size) = (lab.args.writes, lab.args.size);
    d.say(&format!(
        "Nagle on, {writes} and then {} writes of {size} bytes to a receiver that has sent nothing\n\
         (no `go`) and reads only after {} ms, so its program's reads send no ACKs meanwhile.",
        writes * 4,
        nagle::BUDGET_READ_DELAY.as_millis()
    ));
    let seen = nagle::quick_ack_budget(lab.clock, writes, size)?;
    d.show(&seen.table().render());
    d.say(&format!(
        "(each row is the median of 3 trials; the data segments column comes from the kernel)\n\
         A connection's first data puts the receiver in quick-ACK mode, but Linux grants at most\n\
         {} quick ACKs (TCP_MAX_QUICKACKS; tcp_incr_quickack in net/ipv4/tcp_input.c; each ACK sent\n\
         spends one, tcp_dec_quickack_mode). One went to the hello; each of the others releases\n\
         the one segment Nagle holds back; after that the receiver delays its ACKs (40 ms or more)\n\
         and the rest of the writes leave together with the FIN. So the count is about 1 + {} + 1,\n\
         whatever the number of writes: a budget, not one segment per write. (Nothing here sets\n\
         the TCP_QUICKACK socket option, which tcp(7) says is not permanent either.)",
        nagle::TCP_MAX_QUICKACKS,
        nagle::TCP_MAX_QUICKACKS - 1
    ));
    let [a, b] = seen.runs();
    let bytes = |r: &nagle::BurstRun| r.receiver.bytes == (r.config.writes * size) as u64;
    let (ok, observed, expected) = match seen.bounded().filter(|_| cfg!(target_os = "linux")) {
        Some(ok) => (
            ok,
            format!(
                "{} writes: {} segments; {} writes: {} segments (kernel TCP_INFO)",
                a.config.writes,
                or_na(a.data_segments),
                b.config.writes,
                or_na(b.data_segments)
            ),
            expected.to_string(),
        ),
        // The budget is Linux's: elsewhere show the counts, check only the delivery.
        None => (
            bytes(a) && bytes(b),
            format!(
                "{} and {} segments (where counted), every byte delivered; the 16-ACK budget is Linux's, not checked here",
                or_na(a.data_segments),
                or_na(b.data_segments)
            ),
            "every byte of both bursts delivered".to_string(),
        ),
    };
    d.check(
        ok,
        &expected,
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
        true => "kernel counters (TCP_INFO tcpi_data_segs_out) for the segments",
        false => "the receiver's recv() calls (this platform has no TCP_INFO counters)",
    };
    d.say(&format!(
        "Evidence: {source}, and wall-clock round trips for the stall."
    ));
    d.check(
        coalesced && stalled,
        expected,
        &format!(
            "coalescing {}, stall {}",
            if coalesced { "seen" } else { "NOT seen" },
            if stalled { "seen" } else { "NOT seen" }
        ),
        json!({ "coalescing": coalesced, "stall": stalled, "evidence": source }),
    );
    Ok(())
}
