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

const LAB: &str = "lab06-udp-vs-tcp";

/// The demo: the same sends over TCP and UDP, one claim per stage.
const STAGES: [Stage<LossParams>; 6] = [
    Stage {
        title: "Boundaries — two quick sends, one busy receiver",
        expected: "TCP: one read 'helloworld'; UDP: two datagrams 'hello', 'world'",
        run: stage_boundaries,
    },
    Stage {
        title: "Truncation — recvfrom(2), as in seed 002",
        expected: "UDP: 'he' and 'wo', each from a 5-byte datagram, rest discarded; TCP: 2-byte reads, nothing lost; recvfrom(65535): 'hello', 'world'",
        run: stage_truncation,
    },
    Stage {
        title: "Empty messages — 0 bytes is a message on UDP, and 'closed' on TCP",
        expected: "UDP delivers a 0-byte datagram; TCP sends nothing, recv()==0 means closed, `continue` spins",
        run: stage_empty,
    },
    Stage {
        title: "Size limit — how big can one datagram be?",
        expected: "this system's largest IPv4 datagram (65507 B on Linux and Windows, 9216 B by default on macOS) arrives whole, one byte more fails with EMSGSIZE, TCP takes 1 MiB in one call",
        run: stage_size,
    },
    Stage {
        title: "Loss — a blast of numbered datagrams at a small, busy receiver",
        expected: "UDP loses some datagrams (received + lost = sent, by sequence number); TCP loses none and the sender waits",
        run: stage_loss,
    },
    Stage {
        title: "Reordering and duplication — through `sticky proxy --udp`",
        expected: "sequence numbers show exactly the proxy's drops and duplicates, and its reorders",
        run: stage_chaos,
    },
];

const ABOUT: &str =
    "Lab 06: UDP beside TCP — boundaries, truncation, empty messages, size limits, loss";
const EXAMPLES: &str = "Examples:
  lab06-udp-vs-tcp demo                           # every claim, checked
  lab06-udp-vs-tcp server                         # terminal 1 (127.0.0.1:8888)
  lab06-udp-vs-tcp client --cmd hello             # terminal 2: HELLO comes back";

#[derive(Subcommand)]
enum Command {
    /// The same sends over TCP and UDP, side by side, each claim checked.
    #[command(after_help = "Examples:
  lab06-udp-vs-tcp demo
  lab06-udp-vs-tcp demo --step                  # pause between stages (in class)
  lab06-udp-vs-tcp demo --seed 11 --svg udp.svg # other chaos decisions, and a picture
  lab06-udp-vs-tcp demo --json > report.json    # the story on stderr, the report on stdout
  lab06-udp-vs-tcp demo --loss-rcvbuf 65536     # a bigger receive buffer loses fewer")]
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
    #[command(after_help = "Examples:
  lab06-udp-vs-tcp server                         # 127.0.0.1:8888, like seed 002 §3.2
  lab06-udp-vs-tcp server --addr 127.0.0.1:0      # any free port (printed on stderr)
  python3 python/lesson/lab06_udp_client.py 8888 hello world   # the lesson's own client")]
    Server(cli::ServerArgs),
    /// Send each line as one datagram and print the upper-cased reply.
    #[command(after_help = "Examples:
  lab06-udp-vs-tcp client                         # >>>: prompt, q to quit
  lab06-udp-vs-tcp client --cmd hello --cmd world
  lab06-udp-vs-tcp client --bufsize 2 --cmd hello # the reply is cut to 'HE'; the rest is gone
  echo hi | lab06-udp-vs-tcp client --addr 127.0.0.1:8888")]
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
    let d = Demo::new(
        LAB,
        "UDP beside TCP: boundaries, truncation, empty messages, size limits, loss",
        opts,
        color,
    );
    d.run(|_| Ok(loss), &STAGES)
}

fn stage_boundaries(d: &mut Demo, _: &LossParams, expected: &str) -> Result<(), StageError> {
    d.say("The sender sends \"hello\" then \"world\" at once; the receiver is busy for 100 ms,");
    d.say("then reads with a 1024-byte buffer (TCP: recv(1024), UDP: recvfrom(1024)).");
    let run = runs::boundaries(&[b"hello", b"world"], Duration::from_millis(100))?;
    d.show(&run.table().render());
    let merged = run.tcp_reads.len() == 1 && run.tcp_reads[0] == b"helloworld";
    let two = run.udp_reads == [b"hello".to_vec(), b"world".to_vec()];
    d.say("TCP is a byte stream: both sends sat in one receive buffer and came out as one read.");
    d.say("UDP keeps each sendto() a separate datagram: one recvfrom() returns exactly one.");
    d.panel(by_byte("1. boundaries: hello + world", run.lanes()));
    d.check(merged && two, expected, &run.summary(), run.report());
    Ok(())
}

/// Stage 2 calls the lesson's read and the fix by name: `lesson_recvfrom`
/// (seed 002's `recvfrom(2)`) and `recvfrom_whole`.
fn stage_truncation(d: &mut Demo, _: &LossParams, expected: &str) -> Result<(), StageError> {
    d.say("The same \"hello\" and \"world\", read through a 2-byte buffer on each protocol.");
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
    d.say("UDP: each recvfrom() takes one whole datagram off the queue; what does not fit is");
    d.say("thrown away (Linux reports the true length with MSG_TRUNC). Seed 002's comments");
    d.say("`# b\"hello\"` are wrong: recvfrom(2) returns b'he'. TCP keeps the rest for the next recv().");
    // The fix: a buffer no datagram can overflow.
    let whole = runs::truncation(&sent, recvfrom_whole)?;
    let kept = whole.kept();
    let whole_ok = whole.udp.len() == 2 && kept == sent && whole.udp.iter().all(|g| !g.truncated);
    let shown: Vec<String> = kept.iter().map(|k| q(k)).collect();
    d.say(&format!(
        "The fix (recvfrom_whole): recvfrom({WHOLE_DATAGRAM}), as long as any datagram can be: {}, nothing cut.",
        shown.join(" and ")
    ));
    d.panel(by_byte(
        "2. truncation: recv(2) on 'helloworld'",
        run.lanes(),
    ));
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
            d.say(&format!(
                "On the wire (the capture): {} datagram(s) of {} reached the receiver; recvfrom(2)\n\
                 returned {}. {}",
                on_wire.len(),
                list(&on_wire),
                list(&returned),
                if report["truncated_bytes_on_wire"] == true {
                    "✓ The cut-off bytes were on the wire: the receiving kernel discarded them."
                } else {
                    "✗ The capture does not hold every datagram whole (a busy machine?): no conclusion."
                }
            ));
            report
        }
        Err(why) => {
            d.say(&format!("On the wire: {why}"));
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
    d.say("On TCP an empty recv() can only mean end of stream, so the lessons' servers say");
    d.say("`if not cmd: break`. Seed 003's server says `continue` instead: once the client has");
    d.say("gone, recv() returns b'' at once, forever, and the loop burns a CPU core.");
    d.say("On UDP there is no connection to close: an empty datagram is just a message.");
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
    d.say("An IPv4 packet's total length is a 16-bit field: 65535 − 20 (IP header) − 8 (UDP");
    d.say(&format!(
        "header) = 65507. Loopback's MTU here is {} bytes, so that datagram travels as one packet;",
        run.lo_mtu.as_deref().unwrap_or("(unknown)")
    ));
    d.say("on Ethernet (MTU 1500) IP cuts it into 45 fragments, and losing any one fragment loses");
    d.say("the whole datagram. Seed 002's \"UDP reliably carries 512 bytes\" comes from RFC 791:");
    d.say("every IPv4 host must accept a 576-byte datagram, \"a data block of 512 octets plus 64");
    d.say(
        "header octets\" — whole or in fragments to reassemble. It is no promise of delivery, nor",
    );
    d.say("of travelling unfragmented (a link's MTU may be as small as 68): stage 5 drops 64-byte ones.");
    d.say("This system's limit, found by bisection on real sendto() calls:");
    d.say(&format!("{}.", run.limit_words()));
    d.say("Each system's own limit, and where it comes from:");
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
    d.say(&format!(
        "{} datagrams of {payload} B, numbered 0..{}, sent as fast as possible to a receiver with",
        p.count,
        p.count - 1
    ));
    d.say(&format!(
        "SO_RCVBUF={} that is busy until the sender is done; then it reads everything queued.",
        p.rcvbuf
    ));
    d.say(&format!(
        "The same records go over TCP to a reader that sleeps {} ms. Run {} times.",
        pause.as_millis(),
        p.runs
    ));
    let before = Counters::read();
    let run = runs::loss_runs(p.runs, p.count, payload, p.rcvbuf, pause)?;
    let rcvbuf_errors = before.delta(&Counters::read(), "Udp", "RcvbufErrors");
    d.show(&run.table().render());
    let (Some(first), Some(tcp)) = (run.udp.first(), run.tcp.first()) else {
        return Err(StageError::new("no loss run was made"));
    };
    let same = run.reproducible();
    let counts = run.lost_counts();
    let variance = if p.runs == 1 {
        "one run only: --loss-runs 3 checks whether the count repeats".to_string()
    } else if same {
        format!(
            "all {} runs lost exactly the same sequence numbers: reproducible for this buffer size",
            p.runs
        )
    } else {
        format!(
            "the runs differ (lost {counts:?}): the kernel's timing on a shared machine decides \
             how many fit; the pattern (a head received, the tail lost) is what repeats"
        )
    };
    d.say(&format!(
        "The kernel reports SO_RCVBUF={} (Linux doubles the request for bookkeeping); each queued",
        first.rcvbuf
    ));
    d.say(
        "datagram is charged its whole buffer, not just its 64 bytes, so few fit. Every sendto()",
    );
    d.say("succeeded; the receiver's kernel dropped the rest without telling the sender.");
    let lost: usize = run.lost_counts().iter().sum();
    d.say(&match rcvbuf_errors {
        Some(n) => format!(
            "But it counts them: Udp RcvbufErrors (/proc/net/snmp, what `nstat` and `netstat -su`\n\
             show) rose by {n} during the {} run(s), which lost {lost} in all (machine-wide: other\n\
             programs' drops add in, so read it as \"at least\").",
            p.runs
        ),
        None => "The kernel's drop counter (Linux: Udp RcvbufErrors) cannot be read here.".into(),
    });
    if tcp.sender_ms >= tcp.reader_pause_ms * 0.5 {
        d.say(&format!(
            "TCP lost nothing: when the buffers filled, flow control made the sender wait for the \
             reader\n(its sendall() took {:.0} ms while the reader slept {} ms).",
            tcp.sender_ms,
            pause.as_millis()
        ));
    } else {
        d.say(&format!(
            "TCP lost nothing. All {} B fitted in these TCP buffers, so the sender never had to \
             wait\n({:.0} ms); with less room, flow control would have blocked it instead of dropping.",
            p.count as usize * payload,
            tcp.sender_ms
        ));
    }
    d.say(&variance);
    d.panel(by_seq(
        "3. loss (stage 5), UDP run 1 vs TCP (x axis: sequence numbers, one unit = one datagram)"
            .into(),
        run.lanes(),
    ));
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
    d.say(&format!(
        "Loopback never reorders or duplicates, so {n} numbered datagrams go through a real UDP"
    ));
    d.say(&format!(
        "hop, the UDP chaos proxy (seed {seed}: drop {:.0}%, duplicate {:.0}%, reorder {:.0}%).",
        chaos.drop * 100.0,
        chaos.duplicate * 100.0,
        chaos.reorder * 100.0
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
    d.say(&format!("arrival order: {}", arrival.join(" ")));
    let not_overtaken: Vec<u32> = reorders
        .iter()
        .copied()
        .filter(|s| !reord_seen.contains(s))
        .collect();
    if !not_overtaken.is_empty() {
        d.say(&format!(
            "held but never overtaken: {} (nothing after it got through before the proxy let it go,",
            ranges(&not_overtaken)
        ));
        d.say(
            "so it arrived late but still in order: a sequence number cannot see lateness alone).",
        );
    }
    d.say(
        "TCP would hide all three: it numbers every byte, resends what is lost, drops copies and",
    );
    d.say("puts bytes back in order. On UDP the application must number its messages to notice.");
    d.panel(by_seq(
        format!("4. chaos proxy (stage 6), seed {seed} (x axis: sequence numbers, one unit = one datagram)"),
        run.lanes(),
    ));
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
fn by_byte(title: &str, lanes: Vec<Lane>) -> Panel {
    Panel {
        title: title.into(),
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
        unit: Some("datagrams, by sequence number".into()),
    }
}
