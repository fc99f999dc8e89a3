//! Lab 04 — a fixed 4-byte length header (seed 001 scheme 2, seed 002 §1.2).
//!
//! `struct.pack('i', len(data)) + data`: the receiver reads exactly 4
//! bytes, learns the length, reads exactly that many. The demo shows it
//! working, the lesson's single `recv(4)` / `recv(n)` failing under chaos
//! against the read-exact loops, what a byte-order mismatch looks like, the
//! `'i'` format's 2^31 − 1 limit, and the frame limit that stops a header
//! from making either side allocate gigabytes.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use serde_json::json;
use sticky_lab::framing::{
    self, ByteOrder, FrameError, FrameReader, LengthPrefix, DEFAULT_MAX_FRAME,
};
use sticky_lab::harness::Compat;
use sticky_lab::harness::{
    self, announce, fail, ClientArgs, CommandServerArgs, Demo, DemoOpts, Prompt,
};
use sticky_lab::kit::proxy::{ChaosProxy, Direction, ProxyConfig};
use sticky_lab::kit::runner::{self, RunnerConfig};
use sticky_lab::kit::server::{Background, ServeOptions};
use sticky_lab::kit::sock;
use sticky_lab::kit::text::preview;
use sticky_lab::lessons::lab04_struct_header::{self as lesson, lesson_struct_ask};
use sticky_lab::report::svg::{Lane, Panel};
use sticky_lab::report::table::{Cell, Table, Tone};
use sticky_lab::report::ColorChoice;

const LAB: &str = "lab04-struct-header";

#[derive(Parser)]
#[command(
    name = LAB,
    version,
    about = "Lab 04: a 4-byte length header, struct.pack('i', n) (seed 001 scheme 2, seed 002 §1.2)"
)]
struct Cli {
    /// When to color output: auto, always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

/// The header flags every subcommand shares.
#[derive(Clone, Debug, clap::Args)]
struct HeaderArgs {
    /// Header byte order: little (struct.pack('i') on x86/ARM, the default on those
    /// machines) or big (network order, struct.pack('!I')).
    #[arg(long, value_enum)]
    byte_order: Option<ByteOrder>,
    /// Largest body a header may announce, in bytes (default 64 MiB).
    #[arg(long, default_value_t = DEFAULT_MAX_FRAME)]
    max_frame: usize,
}

impl HeaderArgs {
    fn codec(&self) -> LengthPrefix {
        let base = match self.byte_order.unwrap_or_else(ByteOrder::native) {
            // '<i': what struct.pack('i') gives on x86 and ARM.
            ByteOrder::Little => LengthPrefix::lesson().with_order(ByteOrder::Little),
            // '!I': network order.
            ByteOrder::Big => LengthPrefix::network(),
        };
        base.with_max_frame(self.max_frame)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Show the header working, the single-recv bug under chaos, byte order, and the limits.
    #[command(after_help = "Examples:
  lab04-struct-header demo
  lab04-struct-header demo --seed 3
  lab04-struct-header demo --color never --svg docs/labs/img/lab04-struct-header.svg
  lab04-struct-header demo --json > report.json")]
    Demo {
        #[command(flatten)]
        opts: DemoOpts,
    },
    /// Run the command server (built-in commands unless --exec shell).
    #[command(after_help = "Examples:
  lab04-struct-header server                       # 127.0.0.1:8083, framed requests, 'i' header
  lab04-struct-header server --compat lesson       # the bytes seeds 001/002's Python clients speak
  lab04-struct-header server --byte-order big      # network order, struct.pack('!I')
  lab04-struct-header server --max-frame 1048576 --idle-timeout 5")]
    Server {
        #[command(flatten)]
        args: CommandServerArgs,
        #[command(flatten)]
        header: HeaderArgs,
        /// Wire format: ours (the command is framed too) or the lesson's (bare command).
        #[arg(long, value_enum, default_value_t = Compat::Ours)]
        compat: Compat,
    },
    /// Send commands and print the replies (>>> prompt, --cmd, or piped stdin).
    #[command(after_help = "Examples:
  lab04-struct-header client
  lab04-struct-header client --cmd help --cmd 'bytes 100000'
  lab04-struct-header client --byte-order big      # against a network-order server
  lab04-struct-header client --compat lesson --addr 127.0.0.1:8083   # against seed 002's Python server")]
    Client {
        #[command(flatten)]
        args: ClientArgs,
        #[command(flatten)]
        header: HeaderArgs,
        /// Wire format: ours or the lesson's.
        #[arg(long, value_enum, default_value_t = Compat::Ours)]
        compat: Compat,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo { opts } => demo(&opts, cli.color),
        Command::Server {
            args,
            header,
            compat,
        } => {
            cli.color.apply();
            server(&args, header.codec(), compat)
        }
        Command::Client {
            args,
            header,
            compat,
        } => {
            cli.color.apply();
            client(&args, header.codec(), compat)
        }
    }
}

fn server(args: &CommandServerArgs, codec: LengthPrefix, compat: Compat) -> ExitCode {
    let listener = match args.bind(harness::ports::LAB04) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => return fail(format!("cannot read the listening address: {e}")),
    };
    announce("lab04", addr);
    let opts = args.serve_options();
    let (runner, idle) = (args.runner(), opts.idle_timeout);
    match sticky_lab::kit::server::serve(listener, opts, move |s, _| {
        lesson::serve_commands(s, codec, compat, &runner, idle).map_err(|e| {
            match codec.byte_order_hint(&e) {
                Some(h) => format!("{e} ({h})"),
                None => e.to_string(),
            }
        })
    }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(format!("server on {addr}: {e}")),
    }
}

fn client(args: &ClientArgs, codec: LengthPrefix, compat: Compat) -> ExitCode {
    let stream = match args.connect(harness::ports::LAB04) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut w = match stream.try_clone() {
        Ok(w) => w,
        Err(e) => return fail(format!("socket: {e}")),
    };
    let mut frames = FrameReader::new(stream, codec);
    let mut prompt = Prompt::new(args.cmds.clone(), ">>> ");
    while let Some(cmd) = prompt.next_command() {
        match lesson::ask(&mut frames, &mut w, compat, cmd.as_bytes()) {
            Ok(data) => print!("{}", args.encoding.decode(&data).0),
            Err(e) => {
                let hint = codec
                    .byte_order_hint(&e)
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default();
                return fail(format!("{cmd}: {e}{hint}"));
            }
        }
    }
    ExitCode::SUCCESS
}

type Errors = Arc<Mutex<Vec<String>>>;

/// A demo server on an ephemeral loopback port; its connection errors are
/// kept for the story instead of printed.
fn background(codec: LengthPrefix, compat: Compat) -> std::io::Result<(Background, Errors)> {
    let errors: Errors = Arc::new(Mutex::new(Vec::new()));
    let errs = errors.clone();
    let runner = RunnerConfig::default();
    let bg = Background::start(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        ServeOptions {
            log: false,
            idle_timeout: Some(Duration::from_secs(30)),
            ..ServeOptions::default()
        },
        move |s, _| -> Result<(), String> {
            if let Err(e) = lesson::serve_commands(s, codec, compat, &runner, None) {
                if let Ok(mut v) = errs.lock() {
                    v.push(e.to_string());
                }
            }
            Ok(())
        },
    )?;
    Ok((bg, errors))
}

fn connect(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let s = sock::connect(addr)?;
    s.set_nodelay(true)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    Ok(s)
}

fn expected(cmd: &str) -> Vec<u8> {
    runner::run(cmd.as_bytes(), &RunnerConfig::default()).combined()
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn demo(opts: &DemoOpts, color: ColorChoice) -> ExitCode {
    let mut d = Demo::new(
        LAB,
        "a 4-byte length header, struct.pack('i', n)",
        opts,
        color,
    );
    if let Err(e) = run_demo(&mut d) {
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

fn run_demo(d: &mut Demo) -> Result<(), Box<dyn std::error::Error>> {
    let codec = LengthPrefix::lesson();
    let (srv, _errs) = background(codec, Compat::Ours)?;

    // ── Stage 1 ────────────────────────────────────────────────────────────
    d.stage("on loopback, header + data works");
    d.say(&format!(
        "The server sends struct.pack('i', len(data)) + data in one write: this machine is {}-endian, \
         so the header is struct format '{}'.",
        if ByteOrder::native() == ByteOrder::Little { "little" } else { "big" },
        codec.struct_format()
    ));
    let s = connect(srv.addr())?;
    let mut w = s.try_clone()?;
    let mut frames = FrameReader::new(s, codec);
    let mut t = Table::new(["command", "header bytes", "length", "received", "intact"]);
    let mut all = true;
    let mut rows = Vec::new();
    for cmd in ["help", "ls", "bytes 100000"] {
        let got = lesson::ask(&mut frames, &mut w, Compat::Ours, cmd.as_bytes())?;
        let want = expected(cmd);
        let ok = got == want;
        all &= ok;
        t.row([
            Cell::from(cmd),
            Cell::from(hex(&codec.encode(want.len())?).as_str()),
            Cell::from(want.len().to_string().as_str()),
            Cell::from(format!("{} B", got.len()).as_str()),
            Cell::new(
                if ok { "yes" } else { "no" },
                if ok { Tone::Good } else { Tone::Bad },
            ),
        ]);
        rows.push(json!({"cmd": cmd, "len": want.len(), "got": got.len()}));
    }
    drop(frames);
    d.show(&t.render());
    d.check(
        all,
        "every reply arrives whole",
        &format!("{} of 3 replies intact", rows.len()),
        json!({ "replies": rows }),
    );

    // ── Stage 2 ────────────────────────────────────────────────────────────
    d.stage("under chaos: one recv(4), one recv(n) — against the read-exact loops");
    let (lesson_srv, _e) = background(codec, Compat::Lesson)?;
    let cmd = "bytes 200000";
    let want = expected(cmd);
    let mut base = ProxyConfig::new(lesson_srv.addr(), d.seed(), 1500);
    base.delay = Duration::from_millis(1);
    let cfg = base
        .first_seed_where(1_000_000, |c| {
            c.plan(0, Direction::ToServer).next_cut() >= cmd.len()
                && c.plan(0, Direction::ToClient).next_cut() >= LengthPrefix::LEN
        })
        .ok_or("no seed cues this stage")?;
    d.say(&format!(
        "Through ChaosProxy, a real TCP hop cutting the reply into pieces of 1..=1500 bytes, 1 ms apart \
         (seed {}: the first from --seed {} that leaves the command whole). Seed 001's client:",
        cfg.seed,
        d.seed()
    ));
    let proxy = ChaosProxy::start(SocketAddr::from(([127, 0, 0, 1], 0)), cfg.clone())?;
    let conn = connect(proxy.local_addr())?;
    let first = lesson_struct_ask(&conn, &codec, cmd.as_bytes(), false)?;
    // Give the rest of the reply time to arrive, as a person typing would.
    std::thread::sleep(Duration::from_millis(300));
    let second = lesson_struct_ask(&conn, &codec, b"ls", false)?;
    drop(conn);
    drop(proxy);
    let got = first.body().len();
    d.show(&format!(
        "  '{cmd}': recv(4) = {} → {} B announced; recv({}) returned {got} B",
        hex(&first.header),
        want.len(),
        want.len()
    ));
    let absurd = match &second.claimed {
        Some(Ok(n)) => format!("{n} B announced"),
        Some(Err(e)) => e.clone(),
        None => "nothing".into(),
    };
    d.show(&format!(
        "  'ls' next: recv(4) = {} (\"{}\", left over from the last reply) → {absurd}",
        hex(&second.header),
        preview(&second.header, 8)
    ));
    let proxy = ChaosProxy::start(SocketAddr::from(([127, 0, 0, 1], 0)), cfg.clone())?;
    let conn = connect(proxy.local_addr())?;
    let f1 = lesson_struct_ask(&conn, &codec, cmd.as_bytes(), true)?;
    let f2 = lesson_struct_ask(&conn, &codec, b"ls", true)?;
    drop(conn);
    drop(proxy);
    let fixed_ok = f1.body() == want && f2.body() == expected("ls");
    d.show(&format!(
        "  read-exact loops, same seed, same cuts: '{cmd}' {} B in {} reads, then 'ls' {} B — both intact: {fixed_ok}",
        f1.body().len(),
        f1.body_reads.len(),
        f2.body().len()
    ));
    let second_wrong = !matches!(second.claimed, Some(Ok(n)) if n == expected("ls").len());
    d.panel(Panel {
        title: format!(
            "Stage 2: seed 001's client through ChaosProxy (seed {})",
            cfg.seed
        ),
        lanes: vec![
            Lane::from_lengths("server: header | data", &[4, want.len()]),
            Lane::from_lengths("lesson: recv(4), recv(n)", &[first.header.len(), got]),
            Lane::from_lengths(
                "fix: read exactly",
                &std::iter::once(f1.header.len())
                    .chain(f1.body_reads.iter().map(Vec::len))
                    .collect::<Vec<_>>(),
            ),
        ],
        boundaries: vec![4, 4 + want.len() as u64],
        unit: None,
    });
    d.check(
        got < want.len() && second_wrong && fixed_ok,
        "one recv(n) comes up short and the next header is read from the leftover body; the loops get every byte",
        &format!(
            "recv({}) got {got} B; the next recv(4) read \"{}\" ({absurd}); the loops delivered both replies intact",
            want.len(),
            preview(&second.header, 8)
        ),
        json!({"seed": cfg.seed, "one_recv": got, "want": want.len(), "next_header": hex(&second.header), "next_claim": absurd, "fixed_ok": fixed_ok}),
    );

    // ── Stage 3 ────────────────────────────────────────────────────────────
    d.stage("byte order: a little-endian header read as big-endian");
    let be = LengthPrefix::network();
    let s = connect(srv.addr())?;
    let mut w = s.try_clone()?;
    let mut raw = s.try_clone()?;
    // Send a framed 'ls' in the server's order, read the reply header raw.
    codec.write_frame(&mut w, b"ls")?;
    w.flush()?;
    let header = framing::recv_exact(&mut raw, 4, "header")?;
    let mut h = [0u8; 4];
    h.copy_from_slice(&header);
    let true_len = codec.decode(h)?;
    let err = be.decode(h).err();
    let claimed = u32::from_be_bytes(h);
    let hint = err.as_ref().and_then(|e| be.byte_order_hint(e));
    d.say(&format!(
        "The server packs '{}'; a client that unpacks '!I' (network order) reads the same 4 bytes:",
        codec.struct_format()
    ));
    d.show(&format!(
        "  header {} → little-endian {true_len} B, big-endian {claimed} B ({:.1} GiB)",
        hex(&header),
        claimed as f64 / (1u64 << 30) as f64
    ));
    let msg = err
        .as_ref()
        .map(|e| e.to_string())
        .unwrap_or_else(|| "accepted".into());
    d.show(&format!("  the big-endian client refuses it: {msg}"));
    if let Some(h) = &hint {
        d.show(&format!("  and says why it may be: {h}"));
    }
    d.check(
        matches!(err, Some(FrameError::TooLarge { .. })) && hint.is_some(),
        "the swapped header claims an absurd length and is refused with a clear error",
        &format!("{true_len} B became {claimed} B; refused: {msg}"),
        json!({"header": hex(&header), "little": true_len, "big": claimed, "error": msg}),
    );

    // ── Stage 4 ────────────────────────────────────────────────────────────
    d.stage("the 'i' limit: 2^31 − 1 is the largest length");
    let unlimited = LengthPrefix::lesson().with_max_frame(usize::MAX);
    let top = (1usize << 31) - 1;
    let ok_top = unlimited.encode(top);
    let over = unlimited.encode(1 << 31);
    let unsigned = LengthPrefix::network()
        .with_max_frame(usize::MAX)
        .encode(1 << 31);
    d.say("Encoding only — nothing of that size is allocated:");
    let mut t = Table::new(["length", "format", "header", "result"]);
    let show = |r: &Result<[u8; 4], FrameError>| match r {
        Ok(h) => (hex(h), Cell::new("packed", Tone::Good)),
        Err(FrameError::Unrepresentable { .. }) => (
            "—".to_string(),
            Cell::new("refused: does not fit", Tone::Bad),
        ),
        Err(e) => ("—".to_string(), Cell::new(e.to_string(), Tone::Bad)),
    };
    for (len, fmt, r) in [
        (top, "'i'", &ok_top),
        (1usize << 31, "'i'", &over),
        (1usize << 31, "'!I'", &unsigned),
    ] {
        let (h, c) = show(r);
        t.row([
            Cell::from(len.to_string().as_str()),
            Cell::from(fmt),
            Cell::from(h.as_str()),
            c,
        ]);
    }
    d.show(&t.render());
    if let Err(e) = &over {
        d.show(&format!("  ours says:   {e}"));
    }
    d.show("  Python says: struct.error: 'i' format requires -2147483648 <= number <= 2147483647");
    d.check(
        ok_top.is_ok()
            && matches!(over, Err(FrameError::Unrepresentable { .. }))
            && unsigned.is_ok(),
        "2^31 − 1 packs, 2^31 is refused like Python's struct.error, '!I' reaches 2^32 − 1",
        &format!(
            "2^31 refused: {}",
            over.as_ref()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        ),
        json!({"top_ok": ok_top.is_ok(), "over": over.err().map(|e| e.to_string())}),
    );

    // ── Stage 5 ────────────────────────────────────────────────────────────
    d.stage("a frame limit: no header makes either side allocate gigabytes");
    let (guarded, errs) = background(codec, Compat::Ours)?;
    let mut hostile = connect(guarded.addr())?;
    let claim = [0xff, 0xff, 0xff, 0x7f];
    let t0 = Instant::now();
    hostile.write_all(&claim)?;
    let closed = sock::recv_once(&hostile, 16)
        .map(|b| b.is_empty())
        .unwrap_or(true);
    let took = t0.elapsed();
    std::thread::sleep(Duration::from_millis(50));
    let line = errs
        .lock()
        .ok()
        .and_then(|v| v.last().cloned())
        .unwrap_or_default();
    d.say(&format!(
        "A client sends only the header {} (2^31 − 1 = 2 GiB announced) to a server with the default {} MiB limit:",
        hex(&claim),
        DEFAULT_MAX_FRAME >> 20
    ));
    d.show(&format!(
        "  server: {line}  (closed that connection after {:.1} ms, before reading or allocating a body)",
        took.as_secs_f64() * 1e3
    ));
    let s = connect(guarded.addr())?;
    let mut w = s.try_clone()?;
    let mut frames = FrameReader::new(s, codec);
    let after = lesson::ask(&mut frames, &mut w, Compat::Ours, b"ls")?;
    d.show(&format!(
        "  the next client's 'ls' is served: {} B",
        after.len()
    ));
    let small = codec.with_max_frame(64 * 1024);
    let s = connect(guarded.addr())?;
    let mut w = s.try_clone()?;
    let mut frames = FrameReader::new(s, small);
    let client_side = lesson::ask(&mut frames, &mut w, Compat::Ours, b"bytes 100000");
    let client_msg = match &client_side {
        Ok(b) => format!("accepted {} B", b.len()),
        Err(e) => e.to_string(),
    };
    d.show(&format!(
        "  and the client side: with --max-frame 65536, a 100000-byte reply is refused: {client_msg}"
    ));
    d.check(
        closed
            && line.contains("over the")
            && after == expected("ls")
            && matches!(client_side, Err(FrameError::TooLarge { .. })),
        "the server refuses the 2 GiB header at once and keeps serving; the client refuses over its limit",
        &format!("server: {line}; client: {client_msg}"),
        json!({"server_error": line, "closed_ms": took.as_secs_f64() * 1e3, "client_error": client_msg}),
    );
    Ok(())
}
