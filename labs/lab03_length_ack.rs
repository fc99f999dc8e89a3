//! Lab 03 — the length as text, an `ok`, then the data (seed 001, scheme 1).
//!
//! The demo tells the story in order: the scheme works on loopback; the
//! lesson's single `recv(int(length))` comes up short under chaos and a
//! read-until-done loop fixes it; the length text itself can be split; the
//! `ok` is what keeps the digits apart from the data; and the `ok` costs a
//! round trip, measured against lab 04's 4-byte header.

use std::io::BufReader;
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use serde_json::json;
use sticky_lab::framing::{FrameReader, LengthPrefix, DEFAULT_MAX_FRAME};
use sticky_lab::harness::Compat;
use sticky_lab::harness::{
    self, announce, fail, ClientArgs, CommandServerArgs, Demo, DemoOpts, Prompt,
};
use sticky_lab::kit::proxy::{ChaosProxy, Direction, ProxyConfig};
use sticky_lab::kit::record::{boundaries, Chunk, Clock, Tape};
use sticky_lab::kit::runner::{self, RunnerConfig};
use sticky_lab::kit::server::{Background, ServeOptions};
use sticky_lab::kit::sock;
use sticky_lab::kit::text::preview;
use sticky_lab::lessons::lab03_length_ack::{
    self as length_ack, lesson_ask, AckError, AckServer, LengthText,
};
use sticky_lab::report::chunks;
use sticky_lab::report::svg::{Lane, Panel};
use sticky_lab::report::table::{Cell, Table, Tone};
use sticky_lab::report::ColorChoice;

const LAB: &str = "lab03-length-ack";

#[derive(Parser)]
#[command(
    name = LAB,
    version,
    about = "Lab 03: send the length as text, wait for \"ok\", then send the data (seed 001, scheme 1)"
)]
struct Cli {
    /// When to color output: auto, always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

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
        /// Round-trip time the delay proxy adds when measuring the cost of the ack (ms, 1..=10000).
        #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u64).range(1..=10_000))]
        rtt_ms: u64,
        /// Commands timed per protocol in the cost stage (1..=1000).
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
        rounds: u64,
    },
    /// Run the command server (built-in commands unless --exec shell).
    #[command(after_help = "Examples:
  lab03-length-ack server                        # 127.0.0.1:8001, our framed requests
  lab03-length-ack server --compat lesson        # the bytes seed 001's Python client speaks
  lab03-length-ack server --addr 127.0.0.1:0 --idle-timeout 2
  lab03-length-ack server --exec shell           # the real shell (loopback only)")]
    Server {
        #[command(flatten)]
        args: CommandServerArgs,
        /// Wire format: ours (framed commands, digits end with \\n) or the lesson's.
        #[arg(long, value_enum, default_value_t = Compat::Ours)]
        compat: Compat,
        /// Largest length accepted or sent, in bytes.
        #[arg(long, default_value_t = DEFAULT_MAX_FRAME)]
        max_frame: usize,
    },
    /// Send commands and print the replies (>>> prompt, --cmd, or piped stdin).
    #[command(after_help = "Examples:
  lab03-length-ack client                        # >>> prompt
  lab03-length-ack client --cmd help --cmd 'seq 5'
  echo ls | lab03-length-ack client
  lab03-length-ack client --compat lesson --addr 127.0.0.1:8001   # against seed 001's Python server")]
    Client {
        #[command(flatten)]
        args: ClientArgs,
        /// Wire format: ours or the lesson's.
        #[arg(long, value_enum, default_value_t = Compat::Ours)]
        compat: Compat,
        /// Largest reply accepted, in bytes.
        #[arg(long, default_value_t = DEFAULT_MAX_FRAME)]
        max_frame: usize,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo {
            opts,
            rtt_ms,
            rounds,
        } => demo(&opts, cli.color, rtt_ms, rounds as usize),
        Command::Server {
            args,
            compat,
            max_frame,
        } => {
            cli.color.apply();
            server(&args, compat, max_frame)
        }
        Command::Client {
            args,
            compat,
            max_frame,
        } => {
            cli.color.apply();
            client(&args, compat, max_frame)
        }
    }
}

fn server(args: &CommandServerArgs, compat: Compat, max_frame: usize) -> ExitCode {
    let listener = match args.bind(harness::ports::LAB03) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => return fail(format!("cannot read the listening address: {e}")),
    };
    announce("lab03", addr);
    let opts = args.serve_options();
    let srv = AckServer {
        compat,
        max_len: max_frame,
        runner: args.runner(),
        idle: opts.idle_timeout,
    };
    match sticky_lab::kit::server::serve(listener, opts, move |s, _| srv.serve_tcp(s)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(format!("server on {addr}: {e}")),
    }
}

fn client(args: &ClientArgs, compat: Compat, max_frame: usize) -> ExitCode {
    let stream = match args.connect(harness::ports::LAB03) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut w = match stream.try_clone() {
        Ok(w) => w,
        Err(e) => return fail(format!("socket: {e}")),
    };
    let mut r = BufReader::new(stream);
    let codec = LengthText::for_compat(compat).with_max_len(max_frame);
    let mut prompt = Prompt::new(args.cmds.clone(), ">>> ");
    while let Some(cmd) = prompt.next_command() {
        let reply = length_ack::send_request(&mut w, &codec, cmd.as_bytes())
            .and_then(|()| length_ack::read_reply(&mut r, &mut w, &codec));
        match reply {
            Ok(data) => print!("{}", args.encoding.decode(&data).0),
            Err(e) => return fail(format!("{cmd}: {e}")),
        }
    }
    ExitCode::SUCCESS
}

/// A demo server on an ephemeral loopback port whose connection errors are
/// kept for the story instead of printed.
fn background<F>(handler: F) -> std::io::Result<(Background, Arc<Mutex<Vec<String>>>)>
where
    F: Fn(TcpStream) -> Result<(), AckError> + Send + Sync + 'static,
{
    let errors = Arc::new(Mutex::new(Vec::new()));
    let errs = errors.clone();
    let bg = Background::start(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        ServeOptions {
            log: false,
            idle_timeout: Some(Duration::from_secs(30)),
            ..ServeOptions::default()
        },
        move |s, _| -> Result<(), String> {
            if let Err(e) = handler(s) {
                if let Ok(mut v) = errs.lock() {
                    v.push(e.to_string());
                }
            }
            Ok(())
        },
    )?;
    Ok((bg, errors))
}

fn lesson_server() -> std::io::Result<(Background, Arc<Mutex<Vec<String>>>)> {
    let srv = AckServer {
        compat: Compat::Lesson,
        max_len: DEFAULT_MAX_FRAME,
        runner: RunnerConfig::default(),
        idle: None,
    };
    background(move |s| srv.serve_tcp(s))
}

fn chunks_of(reads: &[Vec<u8>]) -> Vec<Chunk> {
    let mut t = Tape::new(Clock::start());
    for r in reads {
        t.push(r);
    }
    t.take()
}

fn expected(cmd: &str) -> Vec<u8> {
    runner::run(cmd.as_bytes(), &RunnerConfig::default()).stdout
}

fn loopback(port_of: &Background) -> std::io::Result<TcpStream> {
    let s = sock::connect(port_of.addr())?;
    s.set_nodelay(true)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    Ok(s)
}

fn via(proxy: &ChaosProxy) -> std::io::Result<TcpStream> {
    let s = sock::connect(proxy.local_addr())?;
    s.set_nodelay(true)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    Ok(s)
}

/// A proxy config, from the demo's seed on, whose first cut leaves the
/// command whole (the lesson's server reads it with one recv) and whose
/// first cut of the reply satisfies `reply_cut`.
fn cue(
    up: SocketAddr,
    seed: u64,
    max_chunk: usize,
    delay_ms: u64,
    cmd: &str,
    reply_cut: impl Fn(usize) -> bool,
) -> Option<ProxyConfig> {
    let mut base = ProxyConfig::new(up, seed, max_chunk);
    base.delay = Duration::from_millis(delay_ms);
    base.first_seed_where(1_000_000, |c| {
        c.plan(0, Direction::ToServer).next_cut() >= cmd.len()
            && reply_cut(c.plan(0, Direction::ToClient).next_cut())
    })
}

fn demo(opts: &DemoOpts, color: ColorChoice, rtt_ms: u64, rounds: usize) -> ExitCode {
    let mut d = Demo::new(LAB, "length as text + \"ok\", then the data", opts, color);
    if let Err(e) = run_demo(&mut d, rtt_ms, rounds) {
        d.say(&format!("the demo could not run: {e}"));
        d.check(
            false,
            "a completed demo",
            &format!("error: {e}"),
            json!(null),
        );
    }
    d.finish()
}

fn run_demo(d: &mut Demo, rtt_ms: u64, rounds: usize) -> Result<(), Box<dyn std::error::Error>> {
    let (srv, _errs) = lesson_server()?;

    // ── Stage 1 ────────────────────────────────────────────────────────────
    d.stage("on loopback, the lesson's protocol works");
    d.say(
        "The lesson's server sends str(len(data)), waits for the client's \"ok\", then the data.",
    );
    d.say("The lesson's client reads the digits with one recv(1024) and the data with one recv(int(length)).");
    let conn = loopback(&srv)?;
    let mut t = Table::new(["command", "length text", "recv(int(length)) got", "intact"]);
    let mut all = true;
    let mut rows = Vec::new();
    for cmd in ["help", "ls", "seq 100"] {
        let ex = lesson_ask(&conn, cmd.as_bytes(), true, false)?;
        let want = expected(cmd);
        let ok = ex.body() == want && ex.body_reads.len() == 1;
        all &= ok;
        t.row([
            Cell::from(cmd),
            Cell::from(format!("\"{}\"", preview(&ex.length_text, 12)).as_str()),
            Cell::from(format!("{} B in {} recv", ex.body().len(), ex.body_reads.len()).as_str()),
            Cell::new(
                if ok { "yes" } else { "no" },
                if ok { Tone::Good } else { Tone::Bad },
            ),
        ]);
        rows.push(json!({"cmd": cmd, "length_text": String::from_utf8_lossy(&ex.length_text), "got": ex.body().len(), "want": want.len()}));
    }
    d.show(&t.render());
    d.check(
        all,
        "every reply arrives whole in one recv on loopback",
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
    drop(conn);

    // ── Stage 2 ────────────────────────────────────────────────────────────
    d.stage("under chaos, one recv(int(length)) comes up short");
    let cmd = "bytes 200000";
    let want = expected(cmd);
    let digits = want.len().to_string().len();
    let Some(cfg) = cue(srv.addr(), d.seed(), 1500, 1, cmd, |c| c > digits) else {
        return Err("no seed cues this stage".into());
    };
    d.say(&format!(
        "Now through ChaosProxy, a real TCP hop that cuts the reply into pieces of 1..=1500 bytes, 1 ms apart \
         (seed {}: the first from --seed {} that leaves the command and the digits whole).",
        cfg.seed,
        d.seed()
    ));
    let proxy = ChaosProxy::start(SocketAddr::from(([127, 0, 0, 1], 0)), cfg.clone())?;
    let short = lesson_ask(&via(&proxy)?, cmd.as_bytes(), true, false)?;
    drop(proxy);
    let proxy = ChaosProxy::start(SocketAddr::from(([127, 0, 0, 1], 0)), cfg.clone())?;
    let fixed = lesson_ask(&via(&proxy)?, cmd.as_bytes(), true, true)?;
    drop(proxy);
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
            Lane::from_lengths(
                "fix: recv until n",
                &fixed.body_reads.iter().map(Vec::len).collect::<Vec<_>>(),
            ),
        ],
        boundaries: vec![want.len() as u64],
        unit: None,
    });
    d.check(
        ok,
        "one recv returns fewer bytes than the length; the loop gets them all",
        &format!(
            "one recv got {got} of {} B; the loop got all {} B in {} reads",
            want.len(),
            fixed.body().len(),
            fixed.body_reads.len()
        ),
        json!({"seed": cfg.seed, "want": want.len(), "one_recv": got, "loop_reads": fixed.body_reads.len(), "loop_bytes": fixed.body().len()}),
    );

    // ── Stage 3 ────────────────────────────────────────────────────────────
    d.stage("the length text itself can be split: \"12\" | \"34\"");
    let cmd = "bytes 1234";
    let want = expected(cmd);
    let Some(cfg) = cue(srv.addr(), d.seed(), 1500, 30, cmd, |c| c < 4) else {
        return Err("no seed cues this stage".into());
    };
    d.say(&format!(
        "The digits carry no end mark: the client takes whatever one recv(1024) returns. Through ChaosProxy \
         (seed {}: the first from --seed {} whose first cut falls inside the digits, pieces 30 ms apart):",
        cfg.seed,
        d.seed()
    ));
    let proxy = ChaosProxy::start(SocketAddr::from(([127, 0, 0, 1], 0)), cfg.clone())?;
    let split = lesson_ask(&via(&proxy)?, cmd.as_bytes(), true, false)?;
    drop(proxy);
    let believed = split.length.unwrap_or(0);
    let mut reads = vec![split.length_text.clone()];
    reads.extend(split.body_reads.iter().cloned());
    d.show(&chunks::render("client recv", &chunks_of(&reads), &[4], 60));
    d.show(&format!(
        "  the client read \"{}\" as the length, sent ok, and printed {} B starting \"{}\" — \
         {} B of the reply are left in the socket for the next command",
        preview(&split.length_text, 8),
        split.body().len(),
        preview(&split.body(), 12),
        (4 + want.len()).saturating_sub(split.length_text.len() + split.body().len())
    ));
    // Our wire format ends the digits with \n: a split cannot shorten them.
    let (ours, _e) = background(|s| {
        AckServer {
            compat: Compat::Ours,
            max_len: DEFAULT_MAX_FRAME,
            runner: RunnerConfig::default(),
            idle: None,
        }
        .serve_tcp(s)
    })?;
    let mut cfg_ours = cfg.clone();
    cfg_ours.upstream = ours.addr();
    let proxy = ChaosProxy::start(SocketAddr::from(([127, 0, 0, 1], 0)), cfg_ours)?;
    let s = via(&proxy)?;
    let mut w = s.try_clone()?;
    let mut r = BufReader::new(s);
    let codec = LengthText::ours();
    length_ack::send_request(&mut w, &codec, cmd.as_bytes())?;
    let whole = length_ack::read_reply(&mut r, &mut w, &codec)?;
    drop(proxy);
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
        "the digits arrive in two pieces and the lesson's client believes a wrong length; \\n-terminated digits survive",
        &format!(
            "\"{}\" arrived alone, the client believed {believed} B instead of {}; ours got all {} B",
            preview(&split.length_text, 8),
            want.len(),
            whole.len()
        ),
        json!({"seed": cfg.seed, "length_text": String::from_utf8_lossy(&split.length_text), "believed": believed, "true_length": want.len(), "fixed_ok": whole == want}),
    );

    // ── Stage 4 ────────────────────────────────────────────────────────────
    d.stage("why the ok is load-bearing");
    let cmd = "seq 1000";
    let want = expected(cmd);
    let dl = want.len().to_string().len();
    let Some(mut cfg) = cue(srv.addr(), d.seed(), 1024, 1, cmd, |c| c > dl + 8) else {
        return Err("no seed cues this stage".into());
    };
    // Bytes that reach the proxy within 50 ms of each other may share a piece.
    cfg.hold = Duration::from_millis(50);
    d.say("Drop step 2: the server sends the digits and then the data at once, without waiting for ok.");
    d.say(&format!(
        "Through ChaosProxy (seed {}), which like a real network merges bytes that arrive close together:",
        cfg.seed
    ));
    let (noack, _e) = background(|s| {
        let runner = RunnerConfig::default();
        let mut w = s.try_clone()?;
        let mut r = BufReader::new(s);
        let codec = LengthText::lesson();
        while let Some(cmd) = length_ack::read_request(&mut r, &codec)? {
            let out = runner::run(&cmd, &runner);
            length_ack::send_reply_without_ack(&mut w, &codec, &out.stdout)?;
        }
        Ok(())
    })?;
    let mut c = cfg.clone();
    c.upstream = noack.addr();
    let proxy = ChaosProxy::start(SocketAddr::from(([127, 0, 0, 1], 0)), c)?;
    let merged = lesson_ask(&via(&proxy)?, cmd.as_bytes(), false, false)?;
    drop(proxy);
    d.show(&chunks::render(
        "recv(1024) for the length",
        &chunks_of(std::slice::from_ref(&merged.length_text)),
        &[dl as u64],
        60,
    ));
    let why = merged.length_error.clone().unwrap_or_else(|| {
        format!(
            "parsed as {} (true length {})",
            merged.length.unwrap_or(0),
            want.len()
        )
    });
    d.show(&format!("  int() of that: {why}"));
    let proxy = ChaosProxy::start(SocketAddr::from(([127, 0, 0, 1], 0)), cfg.clone())?;
    let acked = lesson_ask(&via(&proxy)?, cmd.as_bytes(), true, true)?;
    drop(proxy);
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
        "without the ok the digits and the data's first bytes arrive together; with it the digits arrive alone",
        &format!(
            "without ok: \"{}\" ({why}); with ok: \"{}\"",
            preview(&merged.length_text, 16),
            preview(&acked.length_text, 8)
        ),
        json!({"seed": cfg.seed, "merged": String::from_utf8_lossy(&merged.length_text), "error": merged.length_error, "acked": String::from_utf8_lossy(&acked.length_text)}),
    );

    // ── Stage 5 ────────────────────────────────────────────────────────────
    d.stage("the cost of the ok: one more round trip per command");
    let rtt = Duration::from_millis(rtt_ms);
    d.say(&format!(
        "A delay proxy adds {rtt_ms} ms of round-trip time (ProxyConfig::latency_only, like `sticky proxy --rtt-ms {rtt_ms}`)."
    ));
    d.say("Seed 004: \"this approach amplifies the performance loss caused by network latency\". Measured:");
    let (ack_srv, _e1) = background(|s| {
        AckServer {
            compat: Compat::Ours,
            max_len: DEFAULT_MAX_FRAME,
            runner: RunnerConfig::default(),
            idle: None,
        }
        .serve_tcp(s)
    })?;
    let (hdr_srv, _e2) = background(|s| {
        sticky_lab::lessons::lab04_struct_header::serve_commands(
            s,
            LengthPrefix::lesson(),
            Compat::Ours,
            &RunnerConfig::default(),
            None,
        )
        .map_err(AckError::from)
    })?;
    let cmd = "ls";
    let want = runner::run(cmd.as_bytes(), &RunnerConfig::default()).combined();
    let p3 = ChaosProxy::start(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        ProxyConfig::latency_only(ack_srv.addr(), rtt),
    )?;
    let s = via(&p3)?;
    let mut w = s.try_clone()?;
    let mut r = BufReader::new(s);
    let codec = LengthText::ours();
    let mut t03 = Vec::new();
    let mut intact = true;
    for _ in 0..rounds {
        let t0 = Instant::now();
        length_ack::send_request(&mut w, &codec, cmd.as_bytes())?;
        let got = length_ack::read_reply(&mut r, &mut w, &codec)?;
        t03.push(t0.elapsed());
        intact &= got == want;
    }
    let p4 = ChaosProxy::start(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        ProxyConfig::latency_only(hdr_srv.addr(), rtt),
    )?;
    let s = via(&p4)?;
    let mut w = s.try_clone()?;
    let mut frames = FrameReader::new(s, LengthPrefix::lesson());
    let mut t04 = Vec::new();
    for _ in 0..rounds {
        let t0 = Instant::now();
        let got = sticky_lab::lessons::lab04_struct_header::ask(
            &mut frames,
            &mut w,
            Compat::Ours,
            cmd.as_bytes(),
        )?;
        t04.push(t0.elapsed());
        intact &= got == want;
    }
    let mean = |v: &[Duration]| v.iter().sum::<Duration>().as_secs_f64() * 1e3 / v.len() as f64;
    let (m03, m04) = (mean(&t03), mean(&t04));
    let r = rtt_ms.max(1) as f64;
    let mut t = Table::new([
        "protocol",
        "round trips / command",
        "theory",
        "measured / command",
        "measured ÷ RTT",
    ]);
    t.row([
        Cell::from("lab 03: length text, ok, data"),
        Cell::from("2"),
        Cell::from(format!("{:.0} ms", 2.0 * r).as_str()),
        Cell::new(format!("{m03:.1} ms"), Tone::Note),
        Cell::from(format!("{:.2}", m03 / r).as_str()),
    ]);
    t.row([
        Cell::from("lab 04: 4-byte header + data"),
        Cell::from("1"),
        Cell::from(format!("{:.0} ms", r).as_str()),
        Cell::new(format!("{m04:.1} ms"), Tone::Good),
        Cell::from(format!("{:.2}", m04 / r).as_str()),
    ]);
    d.show(&t.render());
    d.show(&format!(
        "  mean of {rounds} commands ('{cmd}') each, after the connection was set up; the ok costs {:.1} ms per command",
        m03 - m04
    ));
    let ratio = m03 / m04.max(1e-3);
    let ok = intact && ratio > 1.5 && m03 / r > 1.5 && m04 / r < 1.5;
    d.check(
        ok,
        "the handshake takes about 2 RTT per command, the 4-byte header about 1 RTT",
        &format!(
            "{:.2} RTT against {:.2} RTT per command ({ratio:.2}× slower with the ok)",
            m03 / r,
            m04 / r
        ),
        json!({"rtt_ms": rtt_ms, "rounds": rounds, "lab03_ms": t03.iter().map(|d| d.as_secs_f64()*1e3).collect::<Vec<_>>(), "lab04_ms": t04.iter().map(|d| d.as_secs_f64()*1e3).collect::<Vec<_>>(), "lab03_mean_ms": m03, "lab04_mean_ms": m04, "ratio": ratio}),
    );
    Ok(())
}
