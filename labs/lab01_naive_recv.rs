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

use std::io::{self, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use serde_json::json;
use sticky_lab::harness::{
    self, ports, ClientArgs, CommandServerArgs, Demo, DemoOpts, Prompt, Stage, StageError,
};
use sticky_lab::kit::proxy::{ChaosProxy, Direction, ProxyConfig};
use sticky_lab::kit::record::{boundaries, Chunk, Clock};
use sticky_lab::kit::runner::RunnerConfig;
use sticky_lab::kit::server::{Background, ServeOptions};
use sticky_lab::kit::sock;
use sticky_lab::kit::text::{decode_each, preview, shorten, Encoding, StreamDecoder};
use sticky_lab::lessons::lab01_naive_recv::{
    self as naive, lesson_recv, recv_until_close, Journal, NaiveClient, NaiveServer, BIG_RECV,
};
use sticky_lab::lessons::LESSON_RECV;
use sticky_lab::report::chunks::{self, sizes};
use sticky_lab::report::ledger::Ledger;
use sticky_lab::report::svg::{Lane, Panel};
use sticky_lab::report::table::{Cell, Table, Tone};
use sticky_lab::report::ColorChoice;

const LAB: &str = "lab01-naive-recv";
/// The longest any single wait in the demo may take before it gives up.
const LIMIT: Duration = Duration::from_secs(10);
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
            server(&args)
        }
        Command::Client(opts) => {
            color.apply();
            client(&opts)
        }
    }
}

// ───────────────────────────── server and client ─────────────────────────────

fn server(args: &CommandServerArgs) -> ExitCode {
    let listener = match args.bind(ports::LAB01) {
        Ok(l) => l,
        Err(e) => return harness::fail(e),
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => return harness::fail(format!("cannot read the listening address: {e}")),
    };
    harness::announce(LAB, addr);
    let mut naive = NaiveServer::new(args.runner());
    naive.log = true;
    match sticky_lab::kit::server::serve(listener, args.serve_options(), move |c, p| {
        naive.handle(c, p)
    }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => harness::fail(format!("server on {addr}: {e}")),
    }
}

fn client(opts: &ClientOpts) -> ExitCode {
    if opts.bufsize == 0 {
        return harness::fail("--bufsize must be at least 1");
    }
    let addr = opts.args.addr_or(ports::LAB01);
    let mut c = match NaiveClient::connect(addr, opts.bufsize, Clock::start()) {
        Ok(c) => c,
        Err(e) => return harness::fail(format!("cannot connect to {addr}: {e}")),
    };
    let mut prompt = Prompt::new(opts.args.cmds.clone(), ">>> ");
    let mut out = io::stdout();
    while let Some(cmd) = prompt.next_command() {
        // The lesson's loop: send, then ONE recv, printed as the whole reply.
        let reply = match c.ask(&cmd) {
            Ok(r) => r,
            Err(e) if sticky_lab::kit::sock::is_timeout(&e) => {
                // A command with no output sends nothing, and the naive
                // protocol has no way to say "empty": recv() just waits.
                eprintln!(
                    "(no reply to '{cmd}' within {} s: a command with no output sends nothing, \
                     and one recv() cannot tell an empty reply from a slow one)",
                    naive::CLIENT_WAIT.as_secs()
                );
                continue;
            }
            Err(e) => return harness::fail(format!("talking to {addr}: {e}")),
        };
        if reply.is_empty() {
            return harness::fail(format!("{addr} closed the connection"));
        }
        if opts.show_chunks {
            // Numbered over the whole session: recv #3 is the third recv() call.
            let view = chunks::render(&format!("recv({})", opts.bufsize), c.reads(), &[], WIDTH);
            let _ = writeln!(out, "{}", view.lines().last().unwrap_or_default());
        }
        let (text, _) = opts.args.encoding.decode(&reply);
        let _ = write!(out, "{text}");
        if !text.ends_with('\n') {
            let _ = writeln!(out);
        }
        let _ = out.flush();
    }
    ExitCode::SUCCESS
}

// ───────────────────────────────── the demo ──────────────────────────────────

/// What every stage needs: the lab's server and a shared clock.
struct Lab {
    addr: SocketAddr,
    journal: Journal,
    clock: Clock,
    _server: Background,
}

/// Starts a naive server on an ephemeral loopback port, keeping a journal.
fn start_server(runner: RunnerConfig, clock: Clock) -> io::Result<Lab> {
    let mut server = NaiveServer::new(runner);
    let journal = server.journal();
    let quiet = ServeOptions {
        log: false,
        ..ServeOptions::default()
    };
    let bg = Background::start(SocketAddr::from(([127, 0, 0, 1], 0)), quiet, move |c, p| {
        server.handle(c, p)
    })?;
    Ok(Lab {
        addr: bg.addr(),
        journal,
        clock,
        _server: bg,
    })
}

/// The lesson's table of contents: each stage's title, the lesson's claim,
/// and the function that shows it.
const STAGES: [Stage<Lab>; 5] = [
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

fn demo(opts: &DemoOpts, color: ColorChoice) -> ExitCode {
    let demo = Demo::new(LAB, "the naive recv(1024) bug (seed 002 §1.1)", opts, color);
    demo.run(setup, &STAGES)
}

/// The demo's server, announced in the lesson's words.
fn setup(demo: &mut Demo) -> Result<Lab, StageError> {
    let lab = start_server(RunnerConfig::default(), Clock::start())
        .map_err(|e| StageError::new(format!("cannot start the demo server: {e}")))?;
    demo.say(&format!(
        "A server on {} (this process, real loopback sockets) runs built-in commands\n\
         and sends their output raw. The client takes ONE recv(1024) per command.",
        lab.addr
    ));
    Ok(lab)
}

fn missing(what: &str) -> StageError {
    StageError::new(format!("{what} never arrived"))
}

/// The server's reply to the `i`-th command of `client`, waiting for it.
fn reply_to(lab: &Lab, c: &NaiveClient, i: usize) -> Result<Vec<u8>, StageError> {
    let seen = lab.journal.wait_for(c.local_addr()?, i + 1, LIMIT);
    seen.get(i)
        .map(|e| e.reply.clone())
        .ok_or_else(|| missing("the server's reply"))
}

fn bytes_of(chunks: &[Chunk]) -> Vec<Vec<u8>> {
    chunks.iter().map(|c| c.bytes.clone()).collect()
}

fn quote(b: &[u8]) -> String {
    format!("\"{}\"", preview(b, 60))
}

/// Stage 1: `ls` is short, so one recv(1024) happens to hold all of it.
fn short_command(demo: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let mut c = NaiveClient::connect(lab.addr, LESSON_RECV, lab.clock)?;
    let got = c.ask("ls")?;
    let reply = reply_to(lab, &c, 0)?;
    demo.say("client: send(b'ls'); data = recv(1024)");
    demo.show(&chunks::render(
        "client recv(1024)",
        c.reads(),
        &[reply.len() as u64],
        WIDTH,
    ));
    let ledger = Ledger::from_bytes(&[&reply], &bytes_of(c.reads()));
    demo.panel(Panel {
        title: "1. ls: one send, one recv".into(),
        lanes: vec![
            Lane::from_lengths("server send()", &[reply.len()]),
            Lane::from_chunks("client recv(1024)", c.reads()),
        ],
        boundaries: vec![reply.len() as u64],
        unit: None,
    });
    demo.check(
        got == reply,
        expected,
        &format!(
            "server sent {} B, one recv got {} B — {}",
            reply.len(),
            got.len(),
            ledger.summary()
        ),
        json!({ "sent": reply.len(), "recv_sizes": sizes(c.reads()), "ledger": ledger }),
    );
    Ok(())
}

/// Stage 2: `help` is longer than 1024 bytes; its tail answers the next command.
fn long_reply_desync(demo: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let mut c = NaiveClient::connect(lab.addr, LESSON_RECV, lab.clock)?;
    c.send(b"help")?;
    let help = reply_to(lab, &c, 0)?;
    // Let the whole reply land first, so the cut is the recv size's doing: at 1024, every run.
    c.wait_queued(help.len(), LIMIT)?;
    let first = lesson_recv(c.incoming(), LESSON_RECV)?;
    c.send(b"ls")?;
    let ls = reply_to(lab, &c, 1)?;
    c.wait_queued(
        (help.len() - first.len() + ls.len()).min(LESSON_RECV),
        LIMIT,
    )?;
    let second = lesson_recv(c.incoming(), LESSON_RECV)?;
    let tail = &help[first.len().min(help.len())..];
    demo.say(&format!(
        "client: send(b'help'); recv(1024)  — the server sent {} B",
        help.len()
    ));
    demo.say("client: send(b'ls');   recv(1024)");
    let bounds = boundaries([help.len(), ls.len()]);
    demo.show(&chunks::render(
        "client recv(1024)",
        c.reads(),
        &bounds,
        WIDTH,
    ));
    demo.say(&format!(
        "What the lesson's client prints for `ls` starts with help's tail:\n  {}",
        quote(&second)
    ));
    let ledger = Ledger::from_bytes(&[&help, &ls], &bytes_of(c.reads()));
    demo.show(&format!("  ledger: {}", ledger.summary()));
    demo.panel(Panel {
        title: "2. help (longer than 1024) then ls: the desync".into(),
        lanes: vec![
            Lane::from_lengths("server send()", &[help.len(), ls.len()]),
            Lane::from_chunks("client recv(1024)", c.reads()),
        ],
        boundaries: bounds,
        unit: None,
    });
    let cut = first.len() == LESSON_RECV && help.starts_with(&first);
    let desync = !tail.is_empty() && second.starts_with(tail);

    // The read that cannot desync: one command, then read until the server closes.
    let mut once = NaiveClient::connect(lab.addr, LESSON_RECV, lab.clock)?;
    once.send(b"help")?;
    once.stop_sending()?;
    let whole = recv_until_close(once.incoming(), LESSON_RECV)?;
    let whole_ok = whole == help;
    demo.say(&format!(
        "The read that cannot desync (recv_until_close): a new connection, send(b'help'),\n\
         shutdown(SHUT_WR), then recv(1024) until the server closes: {} reads, {} B, {}.\n\
         The real fix keeps the connection and sends each reply's length first (lab 04).",
        once.reads().len(),
        whole.len(),
        if whole_ok { "all of help" } else { "NOT help" }
    ));
    demo.check(
        cut && desync && whole_ok,
        expected,
        &format!(
            "help ({} B) cut at {}; the `ls` recv got {} B, the first {} of them help's tail; \
             read until close: {} B {}",
            help.len(),
            first.len(),
            second.len(),
            tail.len().min(second.len()),
            whole.len(),
            if whole_ok { "intact" } else { "WRONG" }
        ),
        json!({
            "help_len": help.len(), "ls_len": ls.len(),
            "recv_sizes": sizes(c.reads()), "tail_len": tail.len(),
            "second_starts_with_tail": desync, "ledger": ledger,
            "until_close_recv_sizes": sizes(once.reads()), "until_close_intact": whole_ok,
        }),
    );
    Ok(())
}

/// Stage 3: the request direction sticks too.
fn commands_glued(demo: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    // A server connection we drive by hand, so we can say when its recv happens.
    let listener = sock::listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let mut c = NaiveClient::connect(listener.local_addr()?, LESSON_RECV, lab.clock)?;
    let (conn, peer) = listener.accept()?;
    demo.say("client: send(b'ls'); send(b'dir')   — two calls, TCP_NODELAY on");
    c.send(b"ls")?;
    c.send(b"dir")?;
    demo.say(
        "The server is busy (it has not called recv yet), so both land in its receive buffer.",
    );
    naive::wait_queued(&conn, 5, LIMIT)?;
    let server = NaiveServer::new(RunnerConfig::default());
    let Some(ex) = server.answer_one(&conn, peer)? else {
        return Err(missing("the commands"));
    };
    let answer = c.recv()?;
    let got = Chunk {
        offset: 0,
        bytes: ex.request.clone(),
        at: lab.clock.elapsed(),
    };
    demo.show(&chunks::render("client send()", c.sends(), &[], WIDTH));
    demo.show(&chunks::render(
        "server recv(1024)",
        std::slice::from_ref(&got),
        &[2, 5],
        WIDTH,
    ));
    demo.say(&format!(
        "The server ran {} and answered {}",
        quote(&ex.request),
        quote(&answer)
    ));
    demo.say(
        "No network merged them: the receiver's buffer held both, and one recv(1024)\n\
         returned everything it held (seed 004: the receiver did not take the data in time).",
    );
    demo.panel(Panel {
        title: "3. send(ls), send(dir) → one recv: lsdir".into(),
        lanes: vec![
            Lane::from_chunks("client send()", c.sends()),
            Lane::from_chunks("server recv(1024)", std::slice::from_ref(&got)),
        ],
        boundaries: vec![2, 5],
        unit: None,
    });
    demo.check(
        ex.request == b"lsdir",
        expected,
        &format!(
            "2 sends (2 B, 3 B) → 1 recv of {} B: {}",
            ex.request.len(),
            quote(&ex.request)
        ),
        json!({
            "send_sizes": sizes(c.sends()), "server_recv": String::from_utf8_lossy(&ex.request),
            "server_exit_code": ex.exit_code,
        }),
    );
    Ok(())
}

/// Stage 4: seed 000's recv(204800000) — fine on loopback, broken through a hop.
fn bigger_buffer(demo: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let cmds = ["help", "ls", "seq 300", "zh"];
    let mut c = NaiveClient::connect(lab.addr, BIG_RECV, lab.clock)?;
    for cmd in cmds {
        c.ask(cmd)?;
    }
    let replies: Vec<Vec<u8>> = lab
        .journal
        .wait_for(c.local_addr()?, cmds.len(), LIMIT)
        .into_iter()
        .map(|e| e.reply)
        .collect();
    let local = Ledger::from_bytes(&replies, &bytes_of(c.reads()));
    demo.say(&format!(
        "On loopback, recv(204800000) for {cmds:?}: {}",
        local.summary()
    ));
    let loopback_ok = replies.len() == cmds.len() && local.intact == cmds.len();

    // The same client through a real TCP hop that re-cuts the stream.
    let seed = demo.seed();
    let hop = start_server(RunnerConfig::default(), lab.clock)?;
    let mut cfg = ProxyConfig::new(hop.addr, seed, 256);
    cfg.delay = Duration::from_millis(25);
    let proxy = ChaosProxy::start(SocketAddr::from(([127, 0, 0, 1], 0)), cfg)?;
    demo.say(&format!(
        "Now through `ChaosProxy` on {} (seed {seed}, pieces of 1..=256 B, 25 ms apart) —\n\
         a real TCP hop, what a slow or lossy network does to the stream:",
        proxy.local_addr()
    ));
    let mut c = NaiveClient::connect(proxy.local_addr(), BIG_RECV, lab.clock)?;
    let first = c.ask("help")?;
    let second = c.ask("ls")?;
    c.finish()?;
    let sent = hop.journal.wait_for_all(2, LIMIT);
    let replies: Vec<Vec<u8>> = sent.iter().map(|e| e.reply.clone()).collect();
    let requests: Vec<String> = sent
        .iter()
        .map(|e| String::from_utf8_lossy(&e.request).into_owned())
        .collect();
    let pieces = proxy
        .wait_pieces(Direction::ToClient, LIMIT)
        .unwrap_or_default();
    let bounds = boundaries(replies.iter().map(Vec::len));
    demo.show(&chunks::render(
        "client recv(204800000)",
        c.reads(),
        &bounds,
        WIDTH,
    ));
    let hopped = Ledger::from_bytes(&replies, &bytes_of(c.reads()));
    demo.show(&format!(
        "  proxy pieces (seed {seed}): {pieces:?}\n  client recv sizes:        {:?}\n  server got commands {requests:?}, sent replies of {:?} B\n  ledger: {}",
        sizes(c.reads()),
        replies.iter().map(Vec::len).collect::<Vec<_>>(),
        hopped.summary()
    ));
    demo.say(&format!(
        "The naive client printed {} B as help's reply and {} as ls's.",
        first.len(),
        quote(&second)
    ));
    demo.panel(Panel {
        title: format!("4. recv(204800000) through ChaosProxy, seed {seed}"),
        lanes: vec![
            Lane::from_lengths(
                "server send()",
                &replies.iter().map(Vec::len).collect::<Vec<_>>(),
            ),
            Lane::from_lengths("proxy pieces", &pieces),
            Lane::from_chunks("client recv(big)", c.reads()),
        ],
        boundaries: bounds,
        unit: None,
    });
    let requests_cut = requests != ["help", "ls"];
    let broken = hopped.damaged() > 0 || requests_cut;
    demo.check(
        loopback_ok && broken,
        expected,
        &format!(
            "loopback: {}/{} intact; through the proxy (seed {seed}): {}",
            local.intact,
            cmds.len(),
            if requests_cut {
                format!("the commands were cut too — the server received {requests:?}")
            } else {
                format!(
                    "help's first recv had {} of {} B, {} of 2 replies damaged",
                    first.len(),
                    replies.first().map_or(0, Vec::len),
                    hopped.damaged()
                )
            }
        ),
        json!({
            "seed": seed, "loopback_ledger": local, "proxy_pieces": pieces,
            "recv_sizes": sizes(c.reads()), "server_requests": requests, "ledger": hopped,
        }),
    );
    Ok(())
}

/// Stage 5: a multi-byte character cut at a chunk edge; GBK read as UTF-8.
fn garbled_text(demo: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    // (a) zh (UTF-8, three bytes per character) read with recv(100).
    const SMALL: usize = 100;
    let mut c = NaiveClient::connect(lab.addr, SMALL, lab.clock)?;
    c.send(b"zh")?;
    let zh = reply_to(lab, &c, 0)?;
    c.wait_queued(zh.len(), LIMIT)?;
    let mut got = 0;
    while got < zh.len() {
        let r = c.recv()?;
        if r.is_empty() {
            return Err(missing("the rest of zh"));
        }
        got += r.len();
    }
    let pieces = bytes_of(c.reads());
    let refs: Vec<&[u8]> = pieces.iter().map(Vec::as_slice).collect();
    let (each, garbled) = decode_each(&refs, Encoding::Utf8);
    let mut dec = StreamDecoder::new(Encoding::Utf8);
    let mut streamed = String::new();
    for (i, p) in refs.iter().enumerate() {
        streamed.push_str(&dec.push(p, i + 1 == refs.len()));
    }
    let original = String::from_utf8_lossy(&zh).into_owned();
    demo.say(&format!(
        "client: send(b'zh'); then recv({SMALL}) until all {} B are in",
        zh.len()
    ));
    demo.show(&chunks::render(
        &format!("client recv({SMALL})"),
        c.reads(),
        &[zh.len() as u64],
        WIDTH,
    ));
    // Show the line where the first character was cut.
    let at = each
        .lines()
        .position(|l| l.contains('\u{FFFD}'))
        .unwrap_or(0);
    let cut_line = |s: &str| s.lines().nth(at).unwrap_or_default().to_string();
    let first_line = |s: &str| shorten(s.lines().next().unwrap_or_default(), 30);
    let mut t = Table::new(["decoding", "text"]);
    t.row([
        Cell::new("each recv on its own", Tone::Bad),
        Cell::new(cut_line(&each), Tone::Bad),
    ]);
    t.row([
        Cell::new("StreamDecoder", Tone::Good),
        Cell::new(cut_line(&streamed), Tone::Good),
    ]);
    demo.show(&t.render());
    let cut_ok = garbled > 0 && streamed == original;

    // (b) a GBK server (a Chinese Windows console) read as UTF-8.
    let gbk_lab = start_server(
        RunnerConfig {
            encoding: Encoding::Gbk,
            ..RunnerConfig::default()
        },
        lab.clock,
    )?;
    let mut g = NaiveClient::connect(gbk_lab.addr, LESSON_RECV, lab.clock)?;
    g.send(b"zh")?;
    let sent = reply_to(&gbk_lab, &g, 0)?;
    g.wait_queued(sent.len(), LIMIT)?;
    let gbk = g.recv()?;
    let (as_utf8, utf8_bad) = Encoding::Utf8.decode(&gbk);
    let (as_gbk, gbk_bad) = Encoding::Gbk.decode(&gbk);
    demo.say(&format!(
        "server --encoding gbk sent zh as {} B (UTF-8 needed {} B):",
        gbk.len(),
        zh.len()
    ));
    let mut t = Table::new(["client --encoding", "text"]);
    t.row([
        Cell::new("utf-8", Tone::Bad),
        Cell::new(first_line(&as_utf8), Tone::Bad),
    ]);
    t.row([
        Cell::new("gbk", Tone::Good),
        Cell::new(first_line(&as_gbk), Tone::Good),
    ]);
    demo.show(&t.render());
    let gbk_ok = utf8_bad && !gbk_bad && as_gbk == original;
    demo.check(
        cut_ok && gbk_ok,
        expected,
        &format!(
            "recv({SMALL}) sizes {:?}: {garbled} chunk(s) garbled one by one, StreamDecoder {}; \
             GBK read as UTF-8 {}, as GBK {}",
            sizes(c.reads()),
            if streamed == original { "exact" } else { "WRONG" },
            if utf8_bad { "garbled" } else { "clean" },
            if as_gbk == original { "exact" } else { "WRONG" },
        ),
        json!({
            "recv_size": SMALL, "recv_sizes": sizes(c.reads()), "garbled_chunks": garbled,
            "stream_decoder_exact": streamed == original, "gbk_len": gbk.len(),
            "utf8_len": zh.len(), "gbk_as_utf8_garbled": utf8_bad, "gbk_as_gbk_exact": as_gbk == original,
        }),
    );
    Ok(())
}
