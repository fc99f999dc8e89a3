//! Lab 06: UDP beside TCP. The lessons (seeds 000, 002, 004) say UDP never
//! sticks but can lose data; `demo` shows every claim on real loopback
//! sockets, the same sends over TCP and UDP side by side. `server` and
//! `client` are seed 002 §3.2's upper-case echo over UDP.
//!
//! The lesson's read and its fix are two functions side by side in
//! `sticky_lab::lessons::lab06_udp_vs_tcp`: `lesson_recvfrom` (seed 002's
//! `recvfrom(2)`, which cuts a datagram and throws the rest away) and
//! `recvfrom_whole` (a buffer as long as any datagram). Stage 2 calls both.

use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use clap::Subcommand;
use serde_json::json;
use sticky_lab::harness::{self, fail, parse_addr, Demo, DemoOpts, Prompt, Stage, StageError};
use sticky_lab::kit::text::preview;
use sticky_lab::kit::udp_proxy::{Action, UdpChaos};
use sticky_lab::lessons::lab06_udp_vs_tcp::{
    self as udp, lesson_recvfrom, ranges, recvfrom_whole, UdpError,
};
use sticky_lab::report::svg::{Lane, Panel};
use sticky_lab::report::table::{Cell, Table, Tone};
use sticky_lab::report::ColorChoice;

const LAB: &str = "lab06-udp-vs-tcp";

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
  python3 tests/python/lab06_udp_client.py 8888 hello world   # the lesson's own client")]
    Server {
        /// Address to listen on (default: 127.0.0.1:8888).
        #[arg(long, value_parser = parse_addr)]
        addr: Option<SocketAddr>,
        /// The recvfrom() size: longer datagrams are truncated (and logged).
        #[arg(long, default_value_t = 1024)]
        bufsize: usize,
        /// Most replies being sent at once, one thread each.
        #[arg(long, default_value_t = 64)]
        max_threads: usize,
    },
    /// Send each line as one datagram and print the upper-cased reply.
    #[command(after_help = "Examples:
  lab06-udp-vs-tcp client                         # >>>: prompt, q to quit
  lab06-udp-vs-tcp client --cmd hello --cmd world
  lab06-udp-vs-tcp client --bufsize 2 --cmd hello # the reply is cut to 'HE'; the rest is gone
  echo hi | lab06-udp-vs-tcp client --addr 127.0.0.1:8888")]
    Client {
        /// Server address (default: 127.0.0.1:8888).
        #[arg(long, value_parser = parse_addr)]
        addr: Option<SocketAddr>,
        /// Send this instead of prompting (repeatable).
        #[arg(long = "cmd", value_name = "MESSAGE")]
        cmds: Vec<String>,
        /// The recvfrom() size for replies (seed 002: 1024).
        #[arg(long, default_value_t = 1024)]
        bufsize: usize,
        /// Seconds to wait for each reply (UDP may lose it).
        #[arg(long, default_value_t = 2.0)]
        timeout: f64,
    },
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
        Command::Server {
            addr,
            bufsize,
            max_threads,
        } => server(addr, bufsize, max_threads),
        Command::Client {
            addr,
            cmds,
            bufsize,
            timeout,
        } => client(addr, cmds, bufsize, timeout),
    }
}

fn default_addr(addr: Option<SocketAddr>) -> SocketAddr {
    addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], harness::ports::LAB06)))
}

fn server(addr: Option<SocketAddr>, bufsize: usize, max_threads: usize) -> ExitCode {
    let addr = default_addr(addr);
    let sock = match UdpSocket::bind(addr) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot bind UDP {addr}: {e}")),
    };
    let bound = sock.local_addr().unwrap_or(addr);
    if !bound.ip().is_loopback() {
        eprintln!("note: listening on {bound}, which other machines may reach");
    }
    harness::announce(LAB, bound);
    let opts = udp::EchoOptions {
        bufsize: bufsize.clamp(1, 65536),
        max_threads,
        log: true,
    };
    match udp::serve_upper(sock, &opts, &AtomicBool::new(false)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(format!("UDP server on {bound}: {e}")),
    }
}

fn client(addr: Option<SocketAddr>, cmds: Vec<String>, bufsize: usize, timeout: f64) -> ExitCode {
    let to = default_addr(addr);
    let local: SocketAddr = if to.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let sock = match UdpSocket::bind(local) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot open a UDP socket: {e}")),
    };
    let wait = Duration::from_secs_f64(timeout.clamp(0.001, 3600.0));
    let mut prompt = Prompt::new(cmds, ">>>: ");
    let mut failures = 0;
    while let Some(msg) = prompt.next_command() {
        match udp::request(&sock, msg.as_bytes(), to, bufsize.clamp(1, 65536), wait) {
            Ok(d) => {
                println!("{}", String::from_utf8_lossy(&d.data));
                if d.truncated {
                    eprintln!(
                        "note: reply truncated: {} B on the wire, {} B fit in --bufsize {}, {} B discarded",
                        d.wire_len,
                        d.data.len(),
                        bufsize,
                        d.wire_len.saturating_sub(d.data.len())
                    );
                }
            }
            Err(e) => {
                failures += 1;
                eprintln!("error: {e}");
            }
        }
    }
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

struct LossParams {
    count: u32,
    rcvbuf: usize,
    runs: u32,
}

fn q(b: &[u8]) -> String {
    format!("'{}'", preview(b, 40))
}

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
        expected: "65507 B is the largest IPv4 datagram, 65508 B fails with EMSGSIZE, TCP takes 1 MiB in one call",
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
    let run = udp::boundaries(&[b"hello", b"world"], Duration::from_millis(100))?;
    let mut t = Table::new(["read", "TCP recv(1024)", "UDP recvfrom(1024)"]);
    for i in 0..run.tcp_reads.len().max(run.udp_reads.len()) {
        let tcp = run.tcp_reads.get(i).map(|r| q(r)).unwrap_or_default();
        let udp = run.udp_reads.get(i).map(|r| q(r)).unwrap_or_default();
        let tone = if run.tcp_reads.get(i).is_some_and(|r| r.len() > 5) {
            Tone::Bad
        } else {
            Tone::Plain
        };
        t.row([
            Cell::from(format!("#{}", i + 1)),
            Cell::new(tcp, tone),
            Cell::new(udp, Tone::Good),
        ]);
    }
    d.show(&t.render());
    let merged = run.tcp_reads.len() == 1 && run.tcp_reads[0] == b"helloworld";
    let two = run.udp_reads == [b"hello".to_vec(), b"world".to_vec()];
    d.say("TCP is a byte stream: both sends sat in one receive buffer and came out as one read.");
    d.say("UDP keeps each sendto() a separate datagram: one recvfrom() returns exactly one.");
    let lens = |v: &[Vec<u8>]| v.iter().map(Vec::len).collect::<Vec<_>>();
    d.panel(Panel {
        title: "1. boundaries: hello + world".into(),
        lanes: vec![
            Lane::from_lengths("send() ×2", &[5, 5]),
            Lane::from_lengths("TCP recv(1024)", &lens(&run.tcp_reads)),
            Lane::from_lengths("UDP recvfrom(1024)", &lens(&run.udp_reads)),
        ],
        boundaries: vec![5, 10],
        unit: None,
    });
    d.check(
        merged && two,
        expected,
        &format!(
            "TCP got {} read(s): {}; UDP got {} datagram(s): {}",
            run.tcp_reads.len(),
            run.tcp_reads.iter().map(|r| q(r)).collect::<Vec<_>>().join(", "),
            run.udp_reads.len(),
            run.udp_reads.iter().map(|r| q(r)).collect::<Vec<_>>().join(", ")
        ),
        json!({
            "tcp_reads": run.tcp_reads.iter().map(|r| String::from_utf8_lossy(r)).collect::<Vec<_>>(),
            "udp_reads": run.udp_reads.iter().map(|r| String::from_utf8_lossy(r)).collect::<Vec<_>>(),
        }),
    );
    Ok(())
}

fn stage_truncation(d: &mut Demo, _: &LossParams, expected: &str) -> Result<(), StageError> {
    d.say("The same \"hello\" and \"world\", read through a 2-byte buffer on each protocol.");
    let sent: [&[u8]; 2] = [b"hello", b"world"];
    let run = udp::truncation(&sent, lesson_recvfrom)?;
    let mut t = Table::new(["read", "TCP recv(2)", "UDP recvfrom(2)"]);
    let mut udp_rows = Vec::new();
    for (i, dg) in run.udp.iter().enumerate() {
        let gone = sent
            .get(i)
            .and_then(|m| m.get(dg.data.len()..))
            .unwrap_or(&[]);
        udp_rows.push(json!({
            "kept": String::from_utf8_lossy(&dg.data),
            "wire_len": dg.wire_len,
            "truncated": dg.truncated,
            "discarded": String::from_utf8_lossy(gone),
        }));
    }
    for i in 0..run.tcp_reads.len().max(run.udp.len()) {
        let tcp = run.tcp_reads.get(i).map(|r| q(r)).unwrap_or_default();
        let udp = match run.udp.get(i) {
            Some(dg) => {
                let gone = sent
                    .get(i)
                    .and_then(|m| m.get(dg.data.len()..))
                    .unwrap_or(&[]);
                Cell::new(
                    format!(
                        "{} — datagram was {} B (MSG_TRUNC), {} lost for good",
                        q(&dg.data),
                        dg.wire_len,
                        q(gone)
                    ),
                    Tone::Bad,
                )
            }
            None => Cell::new("(nothing left: the rest is gone)", Tone::Dim),
        };
        t.row([
            Cell::from(format!("#{}", i + 1)),
            Cell::new(tcp, Tone::Good),
            udp,
        ]);
    }
    d.show(&t.render());
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
    let whole = udp::truncation(&sent, recvfrom_whole)?;
    let whole_ok = whole.udp.len() == 2
        && whole
            .udp
            .iter()
            .zip(sent)
            .all(|(g, m)| g.data == m && !g.truncated);
    d.say(&format!(
        "The fix (recvfrom_whole): recvfrom({}), as long as any datagram can be: {}, nothing cut.",
        udp::WHOLE_DATAGRAM,
        whole
            .udp
            .iter()
            .map(|g| q(&g.data))
            .collect::<Vec<_>>()
            .join(" and ")
    ));
    d.panel(Panel {
        title: "2. truncation: recv(2) on 'helloworld'".into(),
        lanes: vec![
            Lane::from_lengths("sent", &[5, 5]),
            Lane::from_lengths(
                "TCP recv(2)",
                &run.tcp_reads.iter().map(Vec::len).collect::<Vec<_>>(),
            ),
            Lane {
                label: "UDP recvfrom(2) kept".into(),
                pieces: run
                    .udp
                    .iter()
                    .enumerate()
                    .map(|(i, g)| ((i * 5) as u64, g.data.len() as u64, f64::NAN))
                    .collect(),
            },
        ],
        boundaries: vec![5, 10],
        unit: None,
    });
    d.check(
        udp_ok && tcp_ok && whole_ok,
        expected,
        &format!(
            "UDP kept {} of datagrams of {:?} B, {} datagram(s) left queued; TCP read {} B in {} reads; \
             recvfrom({}) kept {}",
            run.udp.iter().map(|g| q(&g.data)).collect::<Vec<_>>().join(", "),
            run.udp.iter().map(|g| g.wire_len).collect::<Vec<_>>(),
            run.udp_left_over,
            tcp_all.len(),
            run.tcp_reads.len(),
            udp::WHOLE_DATAGRAM,
            whole.udp.iter().map(|g| q(&g.data)).collect::<Vec<_>>().join(", "),
        ),
        json!({
            "whole": whole.udp.iter().map(|g| String::from_utf8_lossy(&g.data)).collect::<Vec<_>>(),
            "udp": udp_rows,
            "udp_left_over": run.udp_left_over,
            "tcp_reads": run.tcp_reads.iter().map(|r| String::from_utf8_lossy(r)).collect::<Vec<_>>(),
        }),
    );
    Ok(())
}

fn stage_empty(d: &mut Demo, _: &LossParams, expected: &str) -> Result<(), StageError> {
    let window = Duration::from_millis(100);
    let run = udp::empty_messages(window)?;
    let mut t = Table::new(["", "TCP", "UDP"]);
    t.row([
        Cell::from("send 0 bytes"),
        Cell::from(format!(
            "send(b'') returned {}: nothing goes on the wire",
            run.tcp_send_returned
        )),
        Cell::from("sendto(b'') sends a datagram with no payload"),
    ]);
    t.row([
        Cell::from("receiver gets"),
        Cell::new(
            if run.tcp_anything_arrived {
                "something arrived (unexpected)".to_string()
            } else {
                "nothing (recv still waiting after 100 ms)".to_string()
            },
            Tone::Note,
        ),
        Cell::new(
            format!(
                "a {}-byte message from {}",
                run.udp.data.len(),
                run.udp.from
            ),
            Tone::Good,
        ),
    ]);
    t.row([
        Cell::from("recv() returns 0 means"),
        Cell::from(format!(
            "the peer closed (got {} B after close)",
            run.tcp_recv_after_close
        )),
        Cell::from("someone sent an empty datagram"),
    ]);
    t.row([
        Cell::from("`if not cmd: continue` after close"),
        Cell::new(
            format!(
                "{} empty recv() calls in {} ms: spins",
                run.spin_empty_recvs,
                window.as_millis()
            ),
            Tone::Bad,
        ),
        Cell::new("—", Tone::Dim),
    ]);
    t.row([
        Cell::from("`if not cmd: break` after close"),
        Cell::new(
            format!("{} recv() call, loop ends", run.break_recvs),
            Tone::Good,
        ),
        Cell::new("—", Tone::Dim),
    ]);
    d.show(&t.render());
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
        && run.spin_empty_recvs > 1000
        && run.break_recvs == 1;
    d.check(
        ok,
        expected,
        &format!(
            "UDP delivered {} B (wire {}); TCP send returned {}, arrived: {}, after close recv → {} B; \
             `continue` loop made {} empty recvs in {} ms, `break` loop {}",
            run.udp.data.len(),
            run.udp.wire_len,
            run.tcp_send_returned,
            run.tcp_anything_arrived,
            run.tcp_recv_after_close,
            run.spin_empty_recvs,
            window.as_millis(),
            run.break_recvs
        ),
        json!({
            "udp_len": run.udp.data.len(),
            "udp_wire_len": run.udp.wire_len,
            "tcp_send_returned": run.tcp_send_returned,
            "tcp_anything_arrived": run.tcp_anything_arrived,
            "tcp_recv_after_close": run.tcp_recv_after_close,
            "spin_empty_recvs": run.spin_empty_recvs,
            "spin_window_ms": window.as_millis() as u64,
            "break_recvs": run.break_recvs,
        }),
    );
    Ok(())
}

fn stage_size(d: &mut Demo, _: &LossParams, expected: &str) -> Result<(), StageError> {
    let tcp_bytes = 1 << 20;
    let run = udp::size_limits(tcp_bytes)?;
    let lo_mtu = std::fs::read_to_string("/sys/class/net/lo/mtu")
        .ok()
        .map(|s| s.trim().to_string());
    let over = match &run.v4_over {
        Ok(n) => Cell::new(format!("sent {n} B (unexpected)"), Tone::Bad),
        Err(UdpError::TooBig { source, .. }) => {
            Cell::new(format!("EMSGSIZE: \"{source}\""), Tone::Bad)
        }
        Err(e) => Cell::new(e.to_string(), Tone::Bad),
    };
    let v6 = match &run.v6_measured {
        Ok(n) => Cell::from(format!(
            "{n} B (65535 − 8; IPv6's 40-byte header is not counted)"
        )),
        Err(why) => Cell::new(format!("skipped: {why}"), Tone::Dim),
    };
    let mut t = Table::new(["send", "TCP", "UDP"]);
    t.row([
        Cell::from("65507 B in one call (127.0.0.1)"),
        Cell::from("ok (a stream has no message size)"),
        Cell::new(
            format!("ok: one {} B datagram received", run.v4_limit_received),
            Tone::Good,
        ),
    ]);
    t.row([
        Cell::from("65508 B in one call (127.0.0.1)"),
        Cell::from("ok (a stream has no message size)"),
        over,
    ]);
    t.row([
        Cell::from("largest payload, IPv4 (measured)"),
        Cell::from("no limit"),
        Cell::from(format!("{} B = 65535 − 20 − 8", run.v4_measured)),
    ]);
    t.row([
        Cell::from("largest payload, IPv6 ::1 (measured)"),
        Cell::from("no limit"),
        v6,
    ]);
    t.row([
        Cell::from(format!("{tcp_bytes} B in one sendall()")),
        Cell::new(format!("ok: {} B received", run.tcp_received), Tone::Good),
        Cell::from("impossible: EMSGSIZE"),
    ]);
    d.show(&t.render());
    d.say("An IPv4 packet's total length is a 16-bit field: 65535 − 20 (IP header) − 8 (UDP");
    d.say(&format!(
        "header) = 65507. Loopback's MTU here is {} bytes, so that datagram travels as one packet;",
        lo_mtu.as_deref().unwrap_or("(unknown)")
    ));
    d.say("on Ethernet (MTU 1500) IP cuts it into 45 fragments, and losing any one fragment loses");
    d.say("the whole datagram. Seed 002's \"UDP reliably carries 512 bytes\" is folklore about");
    d.say("fragmentation, not a promise: every IPv4 host must reassemble 576-byte packets");
    d.say("(RFC 791), and 576 − 60 (largest IP header) − 8 = 508, which DNS rounds to 512. A");
    d.say("small datagram avoids fragmentation; it can still be dropped (stage 5 drops 64-byte ones).");
    let over_ok = matches!(
        &run.v4_over,
        Err(UdpError::TooBig {
            len: 65508,
            limit: 65507,
            ..
        })
    );
    let ok = run.v4_limit_received == udp::MAX_IPV4_PAYLOAD
        && over_ok
        && run.v4_measured == udp::MAX_IPV4_PAYLOAD
        && run.tcp_received == tcp_bytes
        && run
            .v6_measured
            .as_ref()
            .map_or(true, |&n| n >= udp::MAX_IPV4_PAYLOAD);
    d.check(
        ok,
        expected,
        &format!(
            "IPv4 limit {} B (65507 delivered as {} B); 65508 → {}; IPv6 on ::1: {}; TCP {} of {} B",
            run.v4_measured,
            run.v4_limit_received,
            match &run.v4_over {
                Ok(_) => "accepted".to_string(),
                Err(e) => e.to_string(),
            },
            match &run.v6_measured {
                Ok(n) => format!("{n} B"),
                Err(w) => format!("skipped ({w})"),
            },
            run.tcp_received,
            tcp_bytes
        ),
        json!({
            "v4_limit": run.v4_measured,
            "v4_limit_received": run.v4_limit_received,
            "v4_over_error": run.v4_over.as_ref().err().map(|e| e.to_string()),
            "v4_over_emsgsize": over_ok,
            "v6_limit": run.v6_measured.as_ref().ok(),
            "v6_skipped": run.v6_measured.as_ref().err(),
            "lo_mtu": lo_mtu,
            "tcp_sent": tcp_bytes,
            "tcp_received": run.tcp_received,
        }),
    );
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
    let mut t = Table::new([
        "run",
        "UDP sent",
        "UDP received (seq #)",
        "UDP lost (seq #)",
        "TCP received",
        "TCP lost",
        "TCP sender waited",
    ]);
    let mut udp_runs = Vec::new();
    let mut tcp_runs = Vec::new();
    for i in 0..p.runs {
        let u = udp::udp_loss(p.count, payload, p.rcvbuf)?;
        let c = udp::tcp_flow(p.count, payload, p.rcvbuf, pause)?;
        t.row([
            Cell::from(format!("{}", i + 1)),
            Cell::from(u.seq.sent.to_string()),
            Cell::new(
                format!("{} ({})", u.seq.received.len(), ranges(&u.seq.received)),
                Tone::Good,
            ),
            Cell::new(
                format!("{} ({})", u.seq.lost.len(), ranges(&u.seq.lost)),
                Tone::Bad,
            ),
            Cell::new(format!("{} in order", c.seq.received.len()), Tone::Good),
            Cell::from(c.seq.lost.len().to_string()),
            Cell::from(format!("{:.0} ms", c.sender_ms)),
        ]);
        udp_runs.push(u);
        tcp_runs.push(c);
    }
    d.show(&t.render());
    let first = &udp_runs[0];
    let same = udp_runs.iter().all(|u| u.seq.lost == first.seq.lost);
    let counts: Vec<usize> = udp_runs.iter().map(|u| u.seq.lost.len()).collect();
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
    d.say("succeeded; the receiver's kernel dropped the rest without telling anyone.");
    let waited = tcp_runs[0].sender_ms >= tcp_runs[0].reader_pause_ms * 0.5;
    if waited {
        d.say(&format!(
            "TCP lost nothing: when the buffers filled, flow control made the sender wait for the \
             reader\n(its sendall() took {:.0} ms while the reader slept {} ms).",
            tcp_runs[0].sender_ms,
            pause.as_millis()
        ));
    } else {
        d.say(&format!(
            "TCP lost nothing. All {} B fitted in these TCP buffers, so the sender never had to \
             wait\n({:.0} ms); with less room, flow control would have blocked it instead of dropping.",
            p.count as usize * payload,
            tcp_runs[0].sender_ms
        ));
    }
    d.say(&variance);
    if let Some(u) = udp_runs.first() {
        let runs_of = |v: &[u32]| -> Vec<(u64, u64, f64)> {
            let mut out: Vec<(u64, u64, f64)> = Vec::new();
            for &s in v {
                match out.last_mut() {
                    Some(last) if last.0 + last.1 == s as u64 => last.1 += 1,
                    _ => out.push((s as u64, 1, f64::NAN)),
                }
            }
            out
        };
        d.panel(Panel {
            title: "5. loss, UDP run 1 vs TCP (x axis: sequence numbers, one unit = one datagram)"
                .into(),
            lanes: vec![
                Lane::from_lengths("sent (seq #)", &[p.count as usize]),
                Lane {
                    label: "UDP received".into(),
                    pieces: runs_of(&u.seq.received),
                },
                Lane {
                    label: "UDP lost".into(),
                    pieces: runs_of(&u.seq.lost),
                },
                Lane {
                    label: "TCP received".into(),
                    pieces: runs_of(&tcp_runs[0].seq.received),
                },
            ],
            boundaries: vec![],
            unit: Some("datagrams, by sequence number".into()),
        });
    }
    let udp_ok = udp_runs
        .iter()
        .all(|u| !u.seq.lost.is_empty() && u.seq.accounts_for_all());
    let tcp_ok = tcp_runs
        .iter()
        .all(|c| c.seq.lost.is_empty() && c.seq.arrival.iter().copied().eq(0..p.count));
    d.check(
        udp_ok && tcp_ok,
        expected,
        &format!(
            "UDP lost {counts:?} of {} per run ({}); TCP lost {:?}, its sender waited {:?} ms for a {} ms pause",
            p.count,
            if same { "identical runs" } else { "runs differ" },
            tcp_runs.iter().map(|c| c.seq.lost.len()).collect::<Vec<_>>(),
            tcp_runs.iter().map(|c| c.sender_ms.round() as u64).collect::<Vec<_>>(),
            pause.as_millis()
        ),
        json!({
            "udp_runs": udp_runs,
            "tcp_runs": tcp_runs,
            "reproducible": same,
        }),
    );
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
    let run = udp::through_chaos(n, seed, chaos, Duration::from_millis(2))?;
    let decided = |a: Action| -> Vec<u32> {
        run.decisions
            .iter()
            .filter(|x| x.action == a)
            .filter_map(|x| x.seq)
            .collect()
    };
    let (drops, dups, reorders) = (
        decided(Action::Drop),
        decided(Action::Duplicate),
        decided(Action::Reorder),
    );
    let mut dup_seen = run.seq.duplicated.clone();
    dup_seen.sort_unstable();
    let mut reord_seen = run.seq.reordered.clone();
    reord_seen.sort_unstable();
    let mut t = Table::new(["effect", "proxy decided (seq #)", "receiver's seq # show"]);
    t.row([
        Cell::from("dropped"),
        Cell::from(format!("seq {}", ranges(&drops))),
        Cell::new(format!("missing: {}", ranges(&run.seq.lost)), Tone::Bad),
    ]);
    t.row([
        Cell::from("duplicated"),
        Cell::from(format!("seq {}", ranges(&dups))),
        Cell::new(format!("twice: {}", ranges(&dup_seen)), Tone::Note),
    ]);
    t.row([
        Cell::from("reordered"),
        Cell::from(format!("seq {}", ranges(&reorders))),
        Cell::new(
            format!("after a higher #: {}", ranges(&reord_seen)),
            Tone::Note,
        ),
    ]);
    d.show(&t.render());
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
    d.panel(Panel {
        title: format!(
            "6. chaos proxy, seed {seed} (x axis: sequence numbers, one unit = one datagram)"
        ),
        lanes: vec![
            Lane::from_lengths("sent (seq #)", &[n as usize]),
            Lane {
                label: "dropped".into(),
                pieces: run
                    .seq
                    .lost
                    .iter()
                    .map(|&s| (s as u64, 1, f64::NAN))
                    .collect(),
            },
            Lane {
                label: "duplicated".into(),
                pieces: dup_seen.iter().map(|&s| (s as u64, 1, f64::NAN)).collect(),
            },
            Lane {
                label: "reordered".into(),
                pieces: reord_seen
                    .iter()
                    .map(|&s| (s as u64, 1, f64::NAN))
                    .collect(),
            },
        ],
        boundaries: vec![],
        unit: Some("datagrams, by sequence number".into()),
    });
    let ok = !drops.is_empty()
        && !dups.is_empty()
        && !reord_seen.is_empty()
        && run.seq.lost == drops
        && dup_seen == dups
        && reord_seen.iter().all(|s| reorders.contains(s))
        && run.seq.accounts_for_all();
    d.check(
        ok,
        expected,
        &format!(
            "missing {} (proxy dropped {}), twice {} (proxy duplicated {}), late {} (proxy held {})",
            ranges(&run.seq.lost),
            ranges(&drops),
            ranges(&dup_seen),
            ranges(&dups),
            ranges(&reord_seen),
            ranges(&reorders)
        ),
        json!({
            "seed": seed,
            "sent": n,
            "arrival": run.seq.arrival,
            "lost": run.seq.lost,
            "duplicated": dup_seen,
            "reordered": reord_seen,
            "proxy_dropped": drops,
            "proxy_duplicated": dups,
            "proxy_reordered": reorders,
        }),
    );
    Ok(())
}
