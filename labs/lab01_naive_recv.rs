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

const LAB: &str = "lab01-naive-recv";

/// The lesson's table of contents: each stage's title, the lesson's claim,
/// and the function that shows it.
const STAGES: [Stage<LabServer>; 5] = [
    Stage {
        title: "a short command works",
        expected: "one recv(1024) returns exactly the reply",
        run: short_command,
    },
    Stage {
        title: "a long reply is cut, and the next reply begins with its rest",
        expected:
            "help cut at 1024; ls's reply starts with help's tail; read until close, help is whole",
        run: long_reply_desync,
    },
    Stage {
        title: "two quick commands arrive glued: ls + dir → lsdir",
        expected: "the server's one recv(1024) returns b'lsdir'",
        run: commands_glued,
    },
    Stage {
        title: "a bigger buffer, recv(204800000), only hides the bug",
        expected: "intact on loopback, broken again through a real chaos hop",
        run: bigger_buffer,
    },
    Stage {
        title: "text cut at a chunk edge, and GBK read as UTF-8",
        expected: "decode-each garbles, StreamDecoder does not; GBK as UTF-8 garbles",
        run: garbled_text,
    },
];

/// Preview width of a chunk line.
const WIDTH: usize = 70;

const ABOUT: &str = "Lab 01: the naive recv(1024) bug — replies cut, commands glued, text garbled";
const EXAMPLES: &str = "Examples:
  lab01-naive-recv demo                       # the whole story, checked
  lab01-naive-recv demo --seed 3 --svg t.svg  # other proxy cuts, and a timeline picture
  lab01-naive-recv server                     # terminal 1 (127.0.0.1:9527)
  lab01-naive-recv client                     # terminal 2: type help, then ls";

#[derive(Subcommand)]
enum Command {
    /// Show the bug stage by stage over real sockets; exit 0 only if all of it was seen.
    #[command(after_help = "Examples:
  lab01-naive-recv demo
  lab01-naive-recv demo --step               # pause before each stage (for a class)
  lab01-naive-recv demo --seed 42            # the proxy cuts elsewhere, reproducibly
  lab01-naive-recv demo --json > report.json # machine-readable, story on stderr
  lab01-naive-recv demo --svg timeline.svg   # writes against reads, as a picture")]
    Demo(DemoOpts),
    /// The lesson's server: one recv(1024) is a command, its raw output goes back.
    #[command(after_help = "Examples:
  lab01-naive-recv server                         # 127.0.0.1:9527, built-in commands
  lab01-naive-recv server --addr 127.0.0.1:0      # any free port (printed on stderr)
  lab01-naive-recv server --encoding gbk          # answer like a Chinese Windows server
  lab01-naive-recv server --exec shell            # the real shell, loopback only
  lab01-naive-recv server --timeout 2 --max-output 65536")]
    Server(CommandServerArgs),
    /// The lesson's client: one send per command, ONE recv(--bufsize) per reply.
    #[command(after_help = "Examples:
  lab01-naive-recv client                            # >>> prompt; try help, then ls
  lab01-naive-recv client --cmd help --cmd ls        # the desync, scripted
  lab01-naive-recv client --cmd help --show-chunks   # see each recv's size
  lab01-naive-recv client --bufsize 204800000        # seed 000's bigger buffer
  lab01-naive-recv client --encoding gbk             # decode like the lessons' clients
  echo zh | lab01-naive-recv client --addr 127.0.0.1:9600")]
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
    let demo = Demo::new(LAB, "the naive recv(1024) bug (seed 002 §1.1)", opts, color);
    demo.run(setup, &STAGES)
}

/// The demo's server, announced in the lesson's words.
fn setup(demo: &mut Demo) -> Result<LabServer, StageError> {
    let lab = LabServer::start(RunnerConfig::default(), Clock::start())
        .map_err(|e| StageError::new(format!("cannot start the demo server: {e}")))?;
    demo.say(&format!(
        "A server on {} (this process, real loopback sockets) runs built-in commands\n\
         and sends their output raw. The client takes ONE recv(1024) per command.",
        lab.addr
    ));
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
            Lane::from_lengths("server send()", replies),
            Lane::from_chunks("client recv(1024)", reads),
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
    demo.say("client: send(b'ls'); data = recv(1024)");
    demo.show(&calls("client recv(1024)", &run.reads, &[sent as u64]));
    demo.panel(replies_vs_recvs(
        "1. ls: one send, one recv",
        &[sent],
        &run.reads,
    ));
    demo.check(
        run.got == run.reply,
        expected,
        &format!(
            "server sent {sent} B, one recv got {} B — {}",
            run.got.len(),
            run.ledger.summary()
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
    demo.say(&format!(
        "client: send(b'help'); recv(1024)  — the server sent {} B",
        help.len()
    ));
    demo.say("client: send(b'ls');   recv(1024)");
    let bounds = boundaries([help.len(), ls.len()]);
    demo.show(&calls("client recv(1024)", &run.reads, &bounds));
    demo.say(&format!(
        "What the lesson's client prints for `ls` starts with help's tail:\n  {}",
        quote(&run.second)
    ));
    demo.show(&format!("  ledger: {}", run.ledger.summary()));
    demo.panel(replies_vs_recvs(
        "2. help (longer than 1024) then ls: the desync",
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
            demo.say(&format!(
                "On the wire (the capture): the two replies ({} B) reached the client in {} segment(s):\n\
                 {}; its recv(1024) calls returned {}. {}",
                help.len() + ls.len(),
                segments.len(),
                list(&segments),
                list(&sizes(&run.reads)),
                if on_wire == help.len() + ls.len() {
                    "✓ The cut at 1024 is recv()'s, not the network's."
                } else {
                    "✗ The capture missed some of them (a busy machine?): no conclusion."
                }
            ));
            run.wire_report(&segments)
        }
        Err(why) => {
            demo.say(&format!("On the wire: {why}"));
            json!({ "captured": false, "why": why })
        }
    };
    let mut report = run.report();
    report["wire"] = wire;
    let whole_ok = run.whole_is_help();
    demo.say(&format!(
        "The read that cannot desync (recv_until_close): a new connection, send(b'help'),\n\
         shutdown(SHUT_WR), then recv(1024) until the server closes: {} reads, {} B, {}.\n\
         The real fix keeps the connection and sends each reply's length first (lab 04).",
        run.whole_reads.len(),
        run.whole.len(),
        if whole_ok { "all of help" } else { "NOT help" }
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
    demo.say("client: send(b'ls'); send(b'dir')   — two calls, TCP_NODELAY on");
    demo.say(
        "The server is busy (it has not called recv yet), so both land in its receive buffer.",
    );
    demo.show(&calls("client send()", &run.sends, &[]));
    demo.show(&calls("server recv(1024)", got, &[2, 5]));
    demo.say(&format!(
        "The server ran {} and answered {}",
        quote(&run.request),
        quote(&run.answer)
    ));
    demo.say(
        "No network merged them: the receiver's buffer held both, and one recv(1024)\n\
         returned everything it held (seed 004: the receiver did not take the data in time).",
    );
    demo.panel(Panel {
        title: "3. send(ls), send(dir) → one recv: lsdir".into(),
        lanes: vec![
            Lane::from_chunks("client send()", &run.sends),
            Lane::from_chunks("server recv(1024)", got),
        ],
        boundaries: vec![2, 5],
        unit: None,
    });
    demo.check(
        run.request == b"lsdir",
        expected,
        &format!(
            "2 sends (2 B, 3 B) → 1 recv of {} B: {}",
            run.request.len(),
            quote(&run.request)
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
    demo.say(&format!(
        "On loopback, recv(204800000) for {cmds:?}: {}",
        run.local.summary()
    ));
    demo.say(&format!(
        "Now through `ChaosProxy` on {} (seed {seed}, pieces of 1..=256 B, 25 ms apart) —\n\
         a real TCP hop, what a slow or lossy network does to the stream:",
        run.proxy
    ));
    let bounds = boundaries(reply_lens.iter().copied());
    demo.show(&calls("client recv(204800000)", &run.reads, &bounds));
    demo.show(&format!(
        "  proxy pieces (seed {seed}): {:?}\n  client recv sizes:        {:?}\n  server got commands {requests:?}, sent replies of {reply_lens:?} B\n  ledger: {}",
        run.pieces,
        sizes(&run.reads),
        run.hopped.summary()
    ));
    demo.say(&format!(
        "The naive client printed {} B as help's reply and {} as ls's.",
        run.first.len(),
        quote(&run.second)
    ));
    demo.panel(Panel {
        title: format!("4. recv(204800000) through ChaosProxy, seed {seed}"),
        lanes: vec![
            Lane::from_lengths("server send()", &reply_lens),
            Lane::from_lengths("proxy pieces", &run.pieces),
            Lane::from_chunks("client recv(big)", &run.reads),
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
    demo.say(&format!(
        "client: send(b'zh'); then recv({SMALL}) until all {} B are in",
        run.zh.len()
    ));
    demo.show(&calls(
        &format!("client recv({SMALL})"),
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
        ["decoding", "text"],
        ["each recv on its own".into(), cut_line(&run.each)],
        ["StreamDecoder".into(), cut_line(&run.streamed)],
    ));
    let cut_ok = run.garbled > 0 && run.streamed_exact();

    // (b) a GBK server (a Chinese Windows console) read as UTF-8.
    let (as_utf8, utf8_bad) = run.gbk_as(Encoding::Utf8);
    let (as_gbk, gbk_bad) = run.gbk_as(Encoding::Gbk);
    demo.say(&format!(
        "server --encoding gbk sent zh as {} B (UTF-8 needed {} B):",
        run.gbk.len(),
        run.zh.len()
    ));
    demo.show(&bad_good(
        ["client --encoding", "text"],
        ["utf-8".into(), first_line(&as_utf8)],
        ["gbk".into(), first_line(&as_gbk)],
    ));
    // The other direction, on a Chinese Windows console (code page 936).
    let (utf8_as_936, _) = Encoding::Gbk.decode(&run.zh);
    demo.say(&format!(
        "A Chinese Windows console (code page 936: `chcp` says 936) reads raw bytes as GBK, so\n\
         this UTF-8 reply shown there raw reads: {}",
        first_line(&utf8_as_936)
    ));
    demo.say(
        "Python's print() and this program write through the console's Unicode call and show\n\
         粘包 either way; raw bytes (`type reply.txt`, a redirected file) meet code page 936.",
    );
    let gbk_ok = utf8_bad && !gbk_bad && as_gbk == original;
    demo.check(cut_ok && gbk_ok, expected, &run.summary(), run.report());
    Ok(())
}
