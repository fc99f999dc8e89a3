//! Lab 05 — the JSON header (seed 002 §1.3, seeds 000, 003, 004).
//!
//! A message is a 4-byte header length (`struct.pack('i', len(json))`), a
//! JSON header describing the body, then the body. Remote commands answer
//! with `total_size` (and sizes, exit code, md5); files go both ways,
//! streamed, md5-verified, renamed into place only when whole.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use colored::Colorize;
use rand::{RngExt, SeedableRng};
use serde_json::json;
use sticky_lab::harness::{
    self, announce, fail, ClientArgs, CommandServerArgs, Demo, DemoOpts, Prompt,
};
use sticky_lab::kit::proxy::{ChaosProxy, ProxyConfig};
use sticky_lab::kit::record::RecordingReader;
use sticky_lab::kit::runner::{self, RunnerConfig};
use sticky_lab::kit::server::{Background, ServeOptions};
use sticky_lab::kit::text::preview;
use sticky_lab::kit::{sock, text};
use sticky_lab::lessons::lab05_json_header::{
    lesson_recv_header, md5_hex, CommandReply, Header, JsonHeader, DEFAULT_MAX_HEADER,
};
use sticky_lab::lessons::lab05_transfer::{
    self as transfer, handle_connection, is_temp_name, Client, Compat, Request, ServerConfig,
    TransferError, DEFAULT_MAX_FILE,
};
use sticky_lab::report::svg::{Lane, Panel};
use sticky_lab::report::table::Table;
use sticky_lab::report::ColorChoice;

const LAB: &str = "lab05-json-header";

#[derive(Parser)]
#[command(
    name = "lab05-json-header",
    version,
    about = "Lab 05: the JSON header — 4-byte length + JSON header + body, for commands and files"
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
    /// Show the header on the wire, the lesson's one recv(header_len) failing under chaos, the fix, and file transfer.
    #[command(after_help = "Examples:
  lab05-json-header demo
  lab05-json-header demo --seed 3 --max-chunk 8 --svg lab05.svg
  lab05-json-header demo --json > report.json")]
    Demo {
        #[command(flatten)]
        opts: DemoOpts,
        /// Largest piece the chaos proxy writes in the header stages.
        #[arg(long, default_value_t = 16)]
        max_chunk: usize,
        /// Size of the file uploaded and downloaded, in bytes.
        #[arg(long, default_value_t = 4 << 20)]
        file_size: u64,
    },
    /// Run commands and store/serve files in one folder (JSON-header replies).
    #[command(after_help = "Examples:
  lab05-json-header server                           # 127.0.0.1:9090, files in ./sticky-files
  lab05-json-header server --dir /tmp/share --overwrite
  lab05-json-header server --compat lesson           # seed 002 §1.3 / seed 000 clients
  lab05-json-header server --compat lesson --push notes.txt   # seed 004's server
  lab05-json-header server --exec shell              # the real shell (loopback only)")]
    Server {
        #[command(flatten)]
        args: CommandServerArgs,
        /// The folder uploads are stored into and downloads served from.
        #[arg(long, default_value = "sticky-files")]
        dir: PathBuf,
        /// Replace a file that already exists (refused by default).
        #[arg(long)]
        overwrite: bool,
        /// Wire format: ours (framed requests) or the lessons' (raw command with one recv(1024)).
        #[arg(long, value_enum, default_value_t = Compat::Sticky)]
        compat: Compat,
        /// Seed 004's server: send this file to every client that connects, then close.
        #[arg(long, value_name = "FILE")]
        push: Option<PathBuf>,
        /// Largest JSON header accepted, in bytes.
        #[arg(long, default_value_t = DEFAULT_MAX_HEADER)]
        max_header: usize,
        /// Largest upload accepted, in bytes.
        #[arg(long, default_value_t = DEFAULT_MAX_FILE)]
        max_file: u64,
    },
    /// Send commands (and `put FILE` / `get NAME`) at a `>>> ` prompt.
    #[command(after_help = "Examples:
  lab05-json-header client                        # >>> help, seq 5000, put a.txt, get a.txt
  lab05-json-header client --cmd help --cmd 'seq 5000'
  lab05-json-header client --put big.iso          # upload, md5 verified by the server
  lab05-json-header client --get big.iso --dir downloads
  lab05-json-header client --compat lesson --addr 127.0.0.1:8083 --cmd 'echo hi'   # seed 002's server
  lab05-json-header client --compat lesson --get x --addr 127.0.0.1:9527          # seed 004's push")]
    Client {
        #[command(flatten)]
        args: ClientArgs,
        /// Upload FILE before any command (repeatable).
        #[arg(long, value_name = "FILE")]
        put: Vec<PathBuf>,
        /// Download NAME before any command (repeatable).
        #[arg(long, value_name = "NAME")]
        get: Vec<String>,
        /// Where downloads are stored.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Replace a local file that already exists (refused by default).
        #[arg(long)]
        overwrite: bool,
        /// Wire format: ours, or the lessons' (raw command; seed 000 upload; seed 004 push).
        #[arg(long, value_enum, default_value_t = Compat::Sticky)]
        compat: Compat,
        /// Print each reply's JSON header (as the lesson's client does).
        #[arg(long)]
        show_header: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo {
            opts,
            max_chunk,
            file_size,
        } => demo(&opts, cli.color, max_chunk, file_size),
        Command::Server {
            args,
            dir,
            overwrite,
            compat,
            push,
            max_header,
            max_file,
        } => {
            cli.color.apply();
            server(args, dir, overwrite, compat, push, max_header, max_file)
        }
        Command::Client {
            args,
            put,
            get,
            dir,
            overwrite,
            compat,
            show_header,
        } => {
            cli.color.apply();
            client(args, put, get, &dir, overwrite, compat, show_header)
        }
    }
}

fn server(
    args: CommandServerArgs,
    dir: PathBuf,
    overwrite: bool,
    compat: Compat,
    push: Option<PathBuf>,
    max_header: usize,
    max_file: u64,
) -> ExitCode {
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return fail(format!("cannot use folder {}: {e}", dir.display()));
    }
    if let Some(p) = &push {
        if !p.is_file() {
            return fail(format!("--push {}: not a file", p.display()));
        }
    }
    let listener = match args.bind(harness::ports::LAB05) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    let cfg = ServerConfig {
        runner: args.runner(),
        dir: dir.clone(),
        overwrite,
        compat,
        push,
        codec: JsonHeader::lesson().with_limits(
            max_header,
            sticky_lab::lessons::lab05_json_header::DEFAULT_MAX_BODY,
        ),
        max_file,
        log: true,
    };
    announce(LAB, addr);
    eprintln!(
        "files are stored in and served from {} ({}; wire format: {:?})",
        dir.display(),
        if overwrite {
            "overwriting allowed"
        } else {
            "no overwrite"
        },
        compat
    );
    match sticky_lab::kit::server::serve(listener, args.serve_options(), move |s, peer| {
        handle_connection(s, peer, &cfg)
    }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// A failure that leaves the connection unusable ends the client.
fn fatal(e: &TransferError) -> bool {
    matches!(
        e,
        TransferError::Header(_) | TransferError::Io(_) | TransferError::Truncated { .. }
    )
}

fn client(
    args: ClientArgs,
    put: Vec<PathBuf>,
    get: Vec<String>,
    dir: &Path,
    overwrite: bool,
    compat: Compat,
    show_header: bool,
) -> ExitCode {
    let addr = args.addr_or(harness::ports::LAB05);
    let stream = match sock::connect(addr) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot connect to {addr}: {e}")),
    };
    let mut c = Client::new(stream, compat);
    let mut failures = 0;
    let mut actions: Vec<String> = Vec::new();
    actions.extend(put.iter().map(|p| format!("put {}", p.display())));
    actions.extend(get.iter().map(|n| format!("get {n}")));
    let flags_only = !actions.is_empty() && args.cmds.is_empty();
    let run_one = |line: &str, c: &mut Client| -> Result<(), TransferError> {
        if let Some(path) = line.strip_prefix("put ") {
            let s = c.put(Path::new(path.trim()))?;
            match s.confirmed {
                Some(true) => eprintln!(
                    "uploaded {} ({} bytes, md5 {} verified by the server)",
                    s.name, s.bytes, s.md5
                ),
                Some(false) => eprintln!(
                    "uploaded {} ({} bytes) but the server's md5 differs from {}",
                    s.name, s.bytes, s.md5
                ),
                None => eprintln!(
                    "uploaded {} ({} bytes, md5 {}; the lesson's server does not answer)",
                    s.name, s.bytes, s.md5
                ),
            }
            return Ok(());
        }
        if let Some(name) = line.strip_prefix("get ") {
            let r = c.get(name.trim(), dir, overwrite)?;
            eprintln!(
                "downloaded {} ({} bytes, md5 {}{})",
                r.path.display(),
                r.bytes,
                r.md5,
                if r.verified {
                    " verified"
                } else {
                    ", not verified: the server sent no md5"
                }
            );
            return Ok(());
        }
        let r = c.command(line)?;
        if show_header {
            println!("{}", serde_json::Value::Object(r.header.clone()));
        }
        let (txt, _) = args.encoding.decode(&r.body);
        print!("{txt}");
        if !txt.is_empty() && !txt.ends_with('\n') {
            println!();
        }
        let _ = std::io::stdout().flush();
        eprintln!(
            "{}",
            format!(
                "[total_size={} stdout={} stderr={} exit={}{}{}{}]",
                r.reply.total_size,
                r.reply.stdout_size,
                r.reply.stderr_size,
                r.reply.exit_code,
                match r.md5_ok {
                    Some(true) => " md5 ok",
                    Some(false) => " md5 MISMATCH",
                    None => "",
                },
                if r.reply.timed_out { " timed out" } else { "" },
                if r.reply.truncated { " truncated" } else { "" },
            )
            .dimmed()
        );
        Ok(())
    };
    for a in &actions {
        if let Err(e) = run_one(a, &mut c) {
            if fatal(&e) {
                return fail(e);
            }
            eprintln!("{} {e}", "error:".red().bold());
            failures += 1;
        }
    }
    if !flags_only {
        let mut prompt = Prompt::new(args.cmds.clone(), ">>> ");
        while let Some(line) = prompt.next_command() {
            if let Err(e) = run_one(&line, &mut c) {
                if fatal(&e) {
                    return fail(e);
                }
                eprintln!("{} {e}", "error:".red().bold());
                failures += 1;
            }
        }
    }
    if failures > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// A scratch folder removed at the end of the demo.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> std::io::Result<Scratch> {
        let p = std::env::temp_dir().join(format!("sticky-lab05-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p)?;
        Ok(Scratch(p))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn hex_bytes(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn demo(opts: &DemoOpts, color: ColorChoice, max_chunk: usize, file_size: u64) -> ExitCode {
    let mut d = Demo::new(
        LAB,
        "4-byte header length + JSON header + body",
        opts,
        color,
    );
    match run_demo(&mut d, max_chunk.max(1), file_size) {
        Ok(()) => d.finish(),
        Err(e) => {
            d.check(
                false,
                "the demo to run",
                &format!("setup failed: {e}"),
                json!(null),
            );
            d.finish()
        }
    }
}

fn run_demo(d: &mut Demo, max_chunk: usize, file_size: u64) -> Result<(), String> {
    let seed = d.seed();
    let store = Scratch::new("server").map_err(|e| e.to_string())?;
    let local = Scratch::new("client").map_err(|e| e.to_string())?;
    let runner_cfg = RunnerConfig::default();
    let mut cfg = ServerConfig::new(store.0.clone());
    cfg.log = false;
    let server_errors: Arc<Mutex<Vec<String>>> = Arc::default();
    let errs = server_errors.clone();
    let server = Background::start(
        "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?,
        ServeOptions {
            log: false,
            idle_timeout: Some(Duration::from_secs(10)),
            ..ServeOptions::default()
        },
        move |s: TcpStream, peer: SocketAddr| -> Result<(), String> {
            if let Err(e) = handle_connection(s, peer, &cfg) {
                if let Ok(mut v) = errs.lock() {
                    v.push(e.to_string());
                }
            }
            Ok(())
        },
    )
    .map_err(|e| format!("cannot start the server: {e}"))?;
    let codec = JsonHeader::lesson();
    let connect =
        |addr: SocketAddr| sock::connect(addr).map_err(|e| format!("connect {addr}: {e}"));

    // ── Stage 1 ───────────────────────────────────────────────────────────
    d.stage("The message on the wire: header length, JSON header, body");
    d.say("The client asks for `help` (longer than 1024 bytes). The server answers with three parts:\n4 bytes = struct.pack('i', len(json)), the JSON header, then total_size bytes of output.");
    let stream = connect(server.addr())?;
    (&stream)
        .write_all(
            &codec
                .encode_header(&Request::Command(b"help".to_vec()).to_header())
                .map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
    let mut rr = RecordingReader::new(&stream);
    let msg = codec.read_message(&mut rr).map_err(|e| e.to_string())?;
    let wire: Vec<u8> = rr.chunks().iter().flat_map(|c| c.bytes.clone()).collect();
    drop(stream);
    let json_len = wire.len().saturating_sub(4 + msg.body.len());
    let len4 = &wire[..4.min(wire.len())];
    let json_text = String::from_utf8_lossy(&wire[4..4 + json_len]).into_owned();
    let expected_help = runner::run(b"help", &runner_cfg).combined();
    let reply = CommandReply::from_header(&msg.header).map_err(|e| e.to_string())?;
    let mut t = Table::new(["part", "bytes", "on the wire"]);
    t.row([
        "header length".to_string(),
        "4".into(),
        format!(
            "{}  → {} ('i', {})",
            hex_bytes(len4),
            json_len,
            match sticky_lab::framing::ByteOrder::native() {
                sticky_lab::framing::ByteOrder::Little => "little-endian",
                sticky_lab::framing::ByteOrder::Big => "big-endian",
            }
        ),
    ]);
    t.row([
        "JSON header".to_string(),
        json_len.to_string(),
        text::shorten(&json_text, 70),
    ]);
    t.row([
        "body".to_string(),
        msg.body.len().to_string(),
        preview(&msg.body, 50),
    ]);
    d.show(&t.render());
    d.show(&format!("  JSON header in full: {json_text}"));
    let ok1 = msg.body == expected_help
        && reply.total_size as usize == msg.body.len()
        && msg.body.len() > 1024
        && reply.md5_matches(&msg.body) == Some(true);
    d.check(
        ok1,
        "total_size equals the body's length, the md5 matches, the body is the help text (> 1024 bytes)",
        &format!(
            "header {json_len} B says total_size={} stdout_size={} exit_code={}; body {} B, md5 {}",
            reply.total_size,
            reply.stdout_size,
            reply.exit_code,
            msg.body.len(),
            if reply.md5_matches(&msg.body) == Some(true) { "matches" } else { "DOES NOT match" }
        ),
        json!({"header_len": json_len, "total_size": reply.total_size, "body_len": msg.body.len(), "header": msg.header}),
    );

    // ── Stage 2 ───────────────────────────────────────────────────────────
    d.stage("The lesson's client under chaos: ONE recv(header_len)");
    let proxy = ChaosProxy::start(
        "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?,
        ProxyConfig::new(server.addr(), seed, max_chunk),
    )
    .map_err(|e| format!("cannot start the chaos proxy: {e}"))?;
    d.say(&format!(
        "Same request, now through a ChaosProxy (a real TCP hop on {}) that re-cuts the stream into\npieces of 1..={max_chunk} bytes, 1 ms apart (seed {seed}). The lesson's client does x=recv(4), then\njson_bytes=recv(header_len), then json.loads — one recv each.",
        proxy.local_addr()
    ));
    let stream = connect(proxy.local_addr())?;
    (&stream)
        .write_all(
            &codec
                .encode_header(&Request::Command(b"help".to_vec()).to_header())
                .map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
    let naive = lesson_recv_header(&stream, &codec);
    drop(stream);
    let naive_failed = naive.header.is_err();
    let what = match (&naive.header, naive.header_len) {
        (Err(e), Some(n)) => format!(
            "recv(4) gave {} B ({}), recv({n}) gave only {} B: {:?} → {e}",
            naive.len_bytes.len(),
            hex_bytes(&naive.len_bytes),
            naive.json_bytes.len(),
            text::shorten(&String::from_utf8_lossy(&naive.json_bytes), 24)
        ),
        (Err(e), None) => format!(
            "recv(4) gave only {} B ({}) → {e}",
            naive.len_bytes.len(),
            hex_bytes(&naive.len_bytes)
        ),
        (Ok(_), n) => format!(
            "recv(4) and recv({}) happened to return whole parts",
            n.unwrap_or(0)
        ),
    };
    d.show(&format!("  the lesson's client: {what}"));
    d.panel(Panel {
        title: format!("lesson client through ChaosProxy (seed {seed}, max chunk {max_chunk}): one recv(4), one recv(header_len)"),
        lanes: vec![
            Lane::from_lengths("message parts", &[4, json_len, msg.body.len()]),
            Lane::from_lengths(
                "lesson recv() calls",
                &[naive.len_bytes.len(), naive.json_bytes.len()],
            ),
        ],
        boundaries: vec![4, (4 + json_len) as u64, wire.len() as u64],
        unit: None,
    });
    d.check(
        naive_failed,
        "the single recv(header_len) returns part of the JSON and json.loads fails",
        &match (naive_failed, naive.header_len) {
            (true, Some(n)) => format!(
                "one recv({n}) returned {} B and json.loads failed, as the lesson's client does",
                naive.json_bytes.len()
            ),
            (true, None) => format!(
                "one recv(4) returned {} B: struct.unpack('i') fails, as the lesson's client does",
                naive.len_bytes.len()
            ),
            (false, _) => what.clone(),
        },
        json!({"recv4": naive.len_bytes.len(), "header_len": naive.header_len, "recv_header": naive.json_bytes.len(), "error": naive.header.as_ref().err().map(|e| e.to_string())}),
    );

    // ── Stage 3 ───────────────────────────────────────────────────────────
    d.stage("The fix: read exactly — long outputs arrive intact through the same chaos");
    d.say("recv_exact loops until all 4, then all header_len, then all total_size bytes are in.");
    let stream = connect(proxy.local_addr())?;
    let mut t = Table::new(["command", "total_size", "reads", "md5", "intact"]);
    let mut ok3 = true;
    let mut rows = Vec::new();
    let mut fixed_reads: Vec<usize> = Vec::new();
    for cmd in ["help", "seq 5000"] {
        (&stream)
            .write_all(
                &codec
                    .encode_header(&Request::Command(cmd.as_bytes().to_vec()).to_header())
                    .map_err(|e| e.to_string())?,
            )
            .map_err(|e| e.to_string())?;
        let mut rr = RecordingReader::new(&stream);
        let m = codec.read_message(&mut rr);
        let reads: Vec<usize> = rr.chunks().iter().map(|c| c.len()).collect();
        if cmd == "help" {
            fixed_reads = reads.clone();
        }
        let expected = runner::run(cmd.as_bytes(), &runner_cfg).combined();
        match m {
            Ok(m) => {
                let r = CommandReply::from_header(&m.header).map_err(|e| e.to_string())?;
                let md5 = r.md5_matches(&m.body) == Some(true);
                let intact = m.body == expected;
                ok3 &= md5 && intact;
                t.row([
                    cmd.to_string(),
                    r.total_size.to_string(),
                    reads.len().to_string(),
                    if md5 { "ok" } else { "MISMATCH" }.into(),
                    if intact { "yes" } else { "NO" }.into(),
                ]);
                rows.push(json!({"cmd": cmd, "total_size": r.total_size, "reads": reads.len(), "md5_ok": md5, "intact": intact}));
            }
            Err(e) => {
                ok3 = false;
                t.row([
                    cmd.to_string(),
                    "-".into(),
                    reads.len().to_string(),
                    "-".into(),
                    format!("error: {e}"),
                ]);
            }
        }
    }
    drop(stream);
    d.show(&t.render());
    d.show(&format!(
        "  reads for `help`: {}{}",
        fixed_reads
            .iter()
            .take(12)
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join("+"),
        if fixed_reads.len() > 12 { "+…" } else { "" }
    ));
    d.panel(Panel {
        title: "read-exact client through the same ChaosProxy (`help`)".into(),
        lanes: vec![
            Lane::from_lengths("message parts", &[4, json_len, msg.body.len()]),
            Lane::from_lengths("client reads (recv_exact)", &fixed_reads),
        ],
        boundaries: vec![4, (4 + json_len) as u64, wire.len() as u64],
        unit: None,
    });
    d.check(
        ok3,
        "every reply complete, md5 verified, equal to the command's output",
        &format!(
            "{} replies intact through the chaos proxy, md5 verified",
            rows.len()
        ),
        json!({"replies": rows}),
    );
    drop(proxy);

    // ── Stage 4 ───────────────────────────────────────────────────────────
    d.stage("Upload and download through a ChaosProxy, md5 verified");
    let fast = ProxyConfig {
        delay: Duration::ZERO,
        ..ProxyConfig::new(server.addr(), seed, 64 * 1024)
    };
    let proxy = ChaosProxy::start("127.0.0.1:0".parse().map_err(|e| format!("{e}"))?, fast)
        .map_err(|e| format!("cannot start the chaos proxy: {e}"))?;
    let src = local.0.join("lesson-data.bin");
    {
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(seed);
        let mut f = std::fs::File::create(&src).map_err(|e| e.to_string())?;
        let mut left = file_size;
        let mut buf = vec![0u8; 64 * 1024];
        while left > 0 {
            let n = left.min(buf.len() as u64) as usize;
            rng.fill(&mut buf[..n]);
            f.write_all(&buf[..n]).map_err(|e| e.to_string())?;
            left -= n as u64;
        }
    }
    let local_md5 = transfer::file_md5(&src).map_err(|e| e.to_string())?;
    d.say(&format!(
        "A {file_size}-byte file goes up (seed 000's {{\"opt\":\"upload\",\"filename\",\"filesize\"}} + our md5) and\ncomes back down (seed 004's {{\"filename\",\"filesize\"}} + md5), through pieces of up to 64 KiB.\nBoth sides stream through one 64 KiB buffer, write a temporary file, check the md5, then rename."
    ));
    let mut c = Client::new(connect(proxy.local_addr())?, Compat::Sticky);
    c.progress = false;
    let t0 = Instant::now();
    let up = c.put(&src);
    let up_time = t0.elapsed();
    let down_dir = local.0.join("downloads");
    std::fs::create_dir_all(&down_dir).map_err(|e| e.to_string())?;
    let t0 = Instant::now();
    let down = c.get("lesson-data.bin", &down_dir, false);
    let down_time = t0.elapsed();
    drop(c);
    let mut t = Table::new(["direction", "file", "bytes", "md5", "verified", "time"]);
    let (up_ok, down_ok);
    match &up {
        Ok(s) => {
            up_ok = s.confirmed == Some(true) && s.md5 == local_md5;
            t.row([
                "upload".to_string(),
                s.name.clone(),
                s.bytes.to_string(),
                s.md5.clone(),
                if up_ok { "server agrees" } else { "NO" }.into(),
                format!("{:.0} ms", up_time.as_secs_f64() * 1e3),
            ]);
        }
        Err(e) => {
            up_ok = false;
            t.row([
                "upload".to_string(),
                "-".into(),
                "-".into(),
                "-".into(),
                format!("error: {e}"),
                "-".into(),
            ]);
        }
    }
    match &down {
        Ok(r) => {
            down_ok = r.verified && r.md5 == local_md5;
            t.row([
                "download".to_string(),
                r.path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                r.bytes.to_string(),
                r.md5.clone(),
                if down_ok { "md5 checked" } else { "NO" }.into(),
                format!("{:.0} ms", down_time.as_secs_f64() * 1e3),
            ]);
        }
        Err(e) => {
            down_ok = false;
            t.row([
                "download".to_string(),
                "-".into(),
                "-".into(),
                "-".into(),
                format!("error: {e}"),
                "-".into(),
            ]);
        }
    }
    d.show(&t.render());
    let leftovers: Vec<String> = names_in(&store.0)
        .into_iter()
        .filter(|n| is_temp_name(n))
        .collect();
    d.check(
        up_ok && down_ok && leftovers.is_empty(),
        "both md5s equal the original's and no temporary file is left",
        &format!(
            "upload and download of {file_size} B: md5 {local_md5} on both ends, {} temporary files left",
            leftovers.len()
        ),
        json!({"file_size": file_size, "md5": local_md5, "upload_ms": up_time.as_secs_f64()*1e3, "download_ms": down_time.as_secs_f64()*1e3, "up_ok": up_ok, "down_ok": down_ok}),
    );

    // ── Stage 5 ───────────────────────────────────────────────────────────
    d.stage("A tampered, a short and a path-traversal upload are refused");
    d.say("Nothing may appear under the final name unless every byte came and the md5 agrees.");
    let stream = connect(server.addr())?;
    let body = b"the real content of the file\n".repeat(100);
    let send = |h: Header, body: &[u8], s: &TcpStream| -> Result<(), String> {
        let mut w = s;
        w.write_all(&codec.encode_header(&h).map_err(|e| e.to_string())?)
            .and_then(|_| w.write_all(body))
            .map_err(|e| e.to_string())
    };
    let mut rows5 = Vec::new();
    let mut t = Table::new(["attack", "server said", "final name", "temp files"]);
    let mut ok5 = true;
    // (a) md5 of other content
    let tampered = Request::Upload {
        filename: "tampered.txt".into(),
        filesize: body.len() as u64,
        md5: Some(md5_hex(b"something else")),
    };
    send(tampered.to_header(), &body, &stream)?;
    let said_a = codec
        .read_header(&mut &stream)
        .map(|h| {
            h.get("error")
                .and_then(|v| v.as_str())
                .unwrap_or("ok")
                .to_string()
        })
        .unwrap_or_else(|e| format!("(no reply: {e})"));
    // (b) path traversal, same connection: refused in step
    let trav = Request::Upload {
        filename: "../escape.txt".into(),
        filesize: body.len() as u64,
        md5: Some(md5_hex(&body)),
    };
    send(trav.to_header(), &body, &stream)?;
    let said_b = codec
        .read_header(&mut &stream)
        .map(|h| {
            h.get("error")
                .and_then(|v| v.as_str())
                .unwrap_or("ok")
                .to_string()
        })
        .unwrap_or_else(|e| format!("(no reply: {e})"));
    // the same connection still works
    let mut c = Client::new(stream, Compat::Sticky);
    c.progress = false;
    let still = c
        .command("echo still serving")
        .map(|r| r.body)
        .unwrap_or_default();
    drop(c);
    // (c) a short body, then close
    let stream = connect(server.addr())?;
    let short = Request::Upload {
        filename: "short.txt".into(),
        filesize: body.len() as u64,
        md5: Some(md5_hex(&body)),
    };
    send(short.to_header(), &body[..1000], &stream)?;
    drop(stream);
    let deadline = Instant::now() + Duration::from_secs(5);
    let said_c = loop {
        let found = server_errors
            .lock()
            .ok()
            .and_then(|v| v.iter().find(|e| e.contains("cut short")).cloned());
        if let Some(e) = found {
            break e;
        }
        if Instant::now() > deadline {
            break "(no error seen)".to_string();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let files = names_in(&store.0);
    let temps = files.iter().filter(|n| is_temp_name(n)).count();
    let escaped = store
        .0
        .parent()
        .map(|p| p.join("escape.txt").exists())
        .unwrap_or(false);
    for (attack, said, name, want) in [
        (
            "md5 of other content",
            &said_a,
            "tampered.txt",
            "md5 mismatch",
        ),
        (
            "filename ../escape.txt",
            &said_b,
            "escape.txt",
            "path traversal",
        ),
        (
            "1000 of 2900 bytes, then close",
            &said_c,
            "short.txt",
            "cut short",
        ),
    ] {
        let present = files.iter().any(|f| f == name) || (name == "escape.txt" && escaped);
        let good = said.contains(want) && !present;
        ok5 &= good;
        t.row([
            attack.to_string(),
            text::shorten(said, 70),
            if present { "PRESENT" } else { "absent" }.into(),
            temps.to_string(),
        ]);
        rows5.push(json!({"attack": attack, "server_said": said, "final_name_present": present}));
    }
    d.show(&t.render());
    let still_ok = still == b"still serving\n";
    d.show(&format!(
        "  after the refusals, the same connection ran `echo still serving` → {:?}",
        String::from_utf8_lossy(&still)
    ));
    d.check(
        ok5 && temps == 0 && still_ok,
        "each refused with its reason, no file under the final name, no temporary file left, the server still serving",
        &format!(
            "3 refused ({}), final names absent, {temps} temporary files, server still serving: {still_ok}",
            ["md5 mismatch", "path traversal", "cut short"].join(", ")
        ),
        json!({"attacks": rows5, "temp_files": temps, "still_serving": still_ok}),
    );
    Ok(())
}
