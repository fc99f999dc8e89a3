//! Lab 05 — the JSON header (seed 002 §1.3, seeds 000, 003, 004).
//!
//! A message is a 4-byte header length (`struct.pack('i', len(json))`), a
//! JSON header describing the body, then the body. Remote commands answer
//! with `total_size` (and sizes, exit code, md5); files go both ways,
//! streamed, md5-verified, renamed into place only when whole.
//!
//! The lesson's receiver and the fix are side by side at the top of
//! `src/lessons/lab05_json_header.rs`: `lesson_recv_header` (one `recv(4)`,
//! one `recv(header_len)`, `json.loads`) and `fixed_recv_header` (each part
//! read exactly). Stage 2 runs the first through a chaos proxy, stage 3 the
//! second; the server, client and file transfer are in `lab05_transfer.rs`.

use std::cell::Cell;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Subcommand;
use serde_json::json;
use sticky_lab::framing::json_header::{
    read_body, JsonHeader, DEFAULT_MAX_BODY, DEFAULT_MAX_HEADER,
};
use sticky_lab::framing::ByteOrder;
use sticky_lab::harness::{
    self, announce, fail, ClientArgs, CommandServerArgs, Compat, Demo, DemoOpts, Prompt, Stage,
    StageError,
};
use sticky_lab::kit::proxy::{ChaosProxy, ProxyConfig};
use sticky_lab::kit::record::RecordingReader;
use sticky_lab::kit::runner::{self, RunnerConfig};
use sticky_lab::kit::server::{Background, KeptErrors, ServeOptions};
use sticky_lab::kit::sock;
use sticky_lab::kit::text::{preview, shorten};
use sticky_lab::lessons::lab05_json_header::{fixed_recv_header, lesson_recv_header, CommandReply};
use sticky_lab::lessons::lab05_transfer::{
    self as transfer, handle_connection, is_temp_name, send_request, Client, HostileUploads,
    Request, ServerConfig, Session, TransferError, DEFAULT_MAX_FILE,
};
use sticky_lab::lessons::LESSON_RECV;
use sticky_lab::report::svg::{Lane, Panel};
use sticky_lab::report::table::Table;
use sticky_lab::report::ColorChoice;

const LAB: &str = "lab05-json-header";

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
    Server(ServerOpts),
    /// Send commands (and `put FILE` / `get NAME`) at a `>>> ` prompt.
    #[command(after_help = "Examples:
  lab05-json-header client                        # >>> help, seq 5000, put a.txt, get a.txt
  lab05-json-header client --cmd help --cmd 'seq 5000'
  lab05-json-header client --put big.iso          # upload, md5 verified by the server
  lab05-json-header client --get big.iso --dir downloads
  lab05-json-header client --compat lesson --addr 127.0.0.1:8083 --cmd 'echo hi'   # seed 002's server
  lab05-json-header client --compat lesson --get x --addr 127.0.0.1:9527          # seed 004's push")]
    Client(ClientOpts),
}

#[derive(clap::Args)]
struct ServerOpts {
    #[command(flatten)]
    args: CommandServerArgs,
    /// The folder uploads are stored into and downloads served from.
    #[arg(long, default_value = "sticky-files")]
    dir: PathBuf,
    /// Replace a file that already exists (refused by default).
    #[arg(long)]
    overwrite: bool,
    /// Wire format: ours (framed requests) or the lessons' (raw command with one recv(1024)).
    #[arg(long, value_enum, default_value_t = Compat::Ours)]
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
}

#[derive(clap::Args)]
struct ClientOpts {
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
    #[arg(long, value_enum, default_value_t = Compat::Ours)]
    compat: Compat,
    /// Print each reply's JSON header (as the lesson's client does).
    #[arg(long)]
    show_header: bool,
}

fn main() -> ExitCode {
    let (command, color) = harness::args::parse::<Command>(
        LAB,
        "Lab 05: the JSON header — 4-byte length + JSON header + body, for commands and files",
        "Examples:
  lab05-json-header demo                      # the whole story, checked
  lab05-json-header server                    # terminal 1 (127.0.0.1:9090)
  lab05-json-header client                    # terminal 2: help, put a.txt, get a.txt",
    );
    match command {
        Command::Demo {
            opts,
            max_chunk,
            file_size,
        } => demo(&opts, color, max_chunk.max(1), file_size),
        Command::Server(o) => {
            color.apply();
            server(o)
        }
        Command::Client(o) => {
            color.apply();
            client(o)
        }
    }
}

// ───────────────────────────── server and client ─────────────────────────────

fn server(o: ServerOpts) -> ExitCode {
    let cfg = ServerConfig {
        runner: o.args.runner(),
        dir: o.dir,
        overwrite: o.overwrite,
        compat: o.compat,
        push: o.push,
        codec: JsonHeader::lesson().with_limits(o.max_header, DEFAULT_MAX_BODY),
        max_file: o.max_file,
        log: true,
    };
    if let Err(e) = cfg.prepare() {
        return fail(e);
    }
    let listener = match o.args.bind(harness::ports::LAB05) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    announce(LAB, addr);
    match transfer::serve_folder(listener, o.args.serve_options(), cfg) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// `--put`/`--get` first; then the prompt, unless only those flags were given.
fn client(o: ClientOpts) -> ExitCode {
    let addr = o.args.addr_or(harness::ports::LAB05);
    let mut c = match sock::connect(addr) {
        Ok(s) => Client::new(s, o.compat),
        Err(e) => return fail(format!("cannot connect to {addr}: {e}")),
    };
    let mut actions: Vec<String> = o
        .put
        .iter()
        .map(|p| format!("put {}", p.display()))
        .collect();
    actions.extend(o.get.iter().map(|n| format!("get {n}")));
    let flags_only = !actions.is_empty() && o.args.cmds.is_empty();
    let mut prompt = (!flags_only).then(|| Prompt::new(o.args.cmds.clone(), ">>> "));
    let typed = std::iter::from_fn(move || prompt.as_mut()?.next_command());
    let session = Session {
        dir: o.dir,
        overwrite: o.overwrite,
        show_header: o.show_header,
        encoding: o.args.encoding,
    };
    match c.run_lines(actions.into_iter().chain(typed), &session) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => fail(e),
    }
}

// ───────────────────────────────── the demo ──────────────────────────────────

const STAGES: [Stage<Lab>; 5] = [
    Stage {
        title: "The message on the wire: header length, JSON header, body",
        expected: "total_size equals the body's length, the md5 matches, the body is the help text (> 1024 bytes)",
        run: message_on_the_wire,
    },
    Stage {
        title: "The lesson's client under chaos: ONE recv(header_len)",
        expected: "the single recv(header_len) returns part of the JSON and json.loads fails",
        run: lesson_client_under_chaos,
    },
    Stage {
        title: "The fix: read exactly — long outputs arrive intact through the same chaos",
        expected: "every reply complete, md5 verified, equal to the command's output",
        run: read_exactly,
    },
    Stage {
        title: "Upload and download through a ChaosProxy, md5 verified",
        expected: "both md5s equal the original's and no temporary file is left",
        run: files_both_ways,
    },
    Stage {
        title: "A tampered, a short and a path-traversal upload are refused",
        expected: "each refused with its reason, no file under the final name, no temporary file left, the server still serving",
        run: bad_uploads_refused,
    },
];

/// What the stages share: the server (its errors kept), its folder, the
/// chaos proxy of stages 2 and 3, and the message parts stage 1 measured.
struct Lab {
    server: Background,
    errors: KeptErrors,
    store: Scratch,
    local: Scratch,
    proxy: ChaosProxy,
    codec: JsonHeader,
    seed: u64,
    max_chunk: usize,
    file_size: u64,
    /// (JSON header length, body length) of `help`'s reply, for the pictures.
    parts: Cell<(usize, usize)>,
}

fn demo(opts: &DemoOpts, color: ColorChoice, max_chunk: usize, file_size: u64) -> ExitCode {
    let d = Demo::new(
        LAB,
        "4-byte header length + JSON header + body",
        opts,
        color,
    );
    d.run(|d| start_lab(d.seed(), max_chunk, file_size), &STAGES)
}

fn start_lab(seed: u64, max_chunk: usize, file_size: u64) -> Result<Lab, StageError> {
    let store = Scratch::new("server")?;
    let mut cfg = ServerConfig::new(store.0.clone());
    cfg.log = false;
    let quiet = ServeOptions {
        log: false,
        idle_timeout: Some(Duration::from_secs(10)),
        ..ServeOptions::default()
    };
    let (server, errors) = Background::keeping_errors(loopback(), quiet, move |s, peer| {
        handle_connection(s, peer, &cfg)
    })
    .map_err(|e| StageError::new(format!("cannot start the server: {e}")))?;
    let proxy = ChaosProxy::start(loopback(), ProxyConfig::new(server.addr(), seed, max_chunk))
        .map_err(|e| StageError::new(format!("cannot start the chaos proxy: {e}")))?;
    Ok(Lab {
        server,
        errors,
        store,
        local: Scratch::new("client")?,
        proxy,
        codec: JsonHeader::lesson(),
        seed,
        max_chunk,
        file_size,
        parts: Cell::new((0, 0)),
    })
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// The three parts of `help`'s reply, as lanes' boundaries.
fn part_boundaries(lab: &Lab) -> (Lane, Vec<u64>) {
    let (json_len, body_len) = lab.parts.get();
    let lane = Lane::from_lengths("message parts", &[4, json_len, body_len]);
    let ends = vec![4, (4 + json_len) as u64, (4 + json_len + body_len) as u64];
    (lane, ends)
}

fn message_on_the_wire(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    d.say("The client asks for `help` (longer than 1024 bytes). The server answers with three parts:\n4 bytes = struct.pack('i', len(json)), the JSON header, then total_size bytes of output.");
    let stream = sock::connect(lab.server.addr())?;
    send_request(&lab.codec, &stream, &command("help"), &[])?;
    let mut rr = RecordingReader::new(&stream);
    let msg = lab.codec.read_message(&mut rr)?;
    let wire: Vec<u8> = rr.chunks().iter().flat_map(|c| c.bytes.clone()).collect();
    let json_len = wire.len().saturating_sub(4 + msg.body.len());
    lab.parts.set((json_len, msg.body.len()));
    let json_text = String::from_utf8_lossy(&wire[4..4 + json_len]).into_owned();
    let expected_help = runner::run(b"help", &RunnerConfig::default()).combined();
    let reply = CommandReply::from_header(&msg.header)?;
    let order = match ByteOrder::native() {
        ByteOrder::Little => "little-endian",
        ByteOrder::Big => "big-endian",
    };
    let mut t = Table::new(["part", "bytes", "on the wire"]);
    let len4 = hex_bytes(&wire[..4.min(wire.len())]);
    t.row([
        "header length".into(),
        "4".into(),
        format!("{len4}  → {json_len} ('i', {order})"),
    ]);
    t.row([
        "JSON header".into(),
        json_len.to_string(),
        shorten(&json_text, 70),
    ]);
    t.row([
        "body".into(),
        msg.body.len().to_string(),
        preview(&msg.body, 50),
    ]);
    d.show(&t.render());
    d.show(&format!("  JSON header in full: {json_text}"));
    let md5_ok = reply.md5_matches(&msg.body) == Some(true);
    d.check(
        msg.body == expected_help && reply.total_size as usize == msg.body.len() && msg.body.len() > LESSON_RECV && md5_ok,
        expected,
        &format!(
            "header {json_len} B says total_size={} stdout_size={} exit_code={}; body {} B, md5 {}",
            reply.total_size,
            reply.stdout_size,
            reply.exit_code,
            msg.body.len(),
            if md5_ok { "matches" } else { "DOES NOT match" }
        ),
        json!({"header_len": json_len, "total_size": reply.total_size, "body_len": msg.body.len(), "header": msg.header}),
    );
    Ok(())
}

fn lesson_client_under_chaos(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let (seed, max_chunk) = (lab.seed, lab.max_chunk);
    d.say(&format!(
        "Same request, now through a ChaosProxy (a real TCP hop on {}) that re-cuts the stream into\npieces of 1..={max_chunk} bytes, 1 ms apart (seed {seed}). The lesson's client does x=recv(4), then\njson_bytes=recv(header_len), then json.loads — one recv each.",
        lab.proxy.local_addr()
    ));
    let stream = sock::connect(lab.proxy.local_addr())?;
    send_request(&lab.codec, &stream, &command("help"), &[])?;
    let naive = lesson_recv_header(&stream, &lab.codec);
    drop(stream);
    let (got4, got_json) = (naive.len_bytes.len(), naive.json_bytes.len());
    let what = match (&naive.header, naive.header_len) {
        (Err(e), Some(n)) => format!(
            "recv(4) gave {got4} B ({}), recv({n}) gave only {got_json} B: {:?} → {e}",
            hex_bytes(&naive.len_bytes),
            shorten(&String::from_utf8_lossy(&naive.json_bytes), 24)
        ),
        (Err(e), None) => format!(
            "recv(4) gave only {got4} B ({}) → {e}",
            hex_bytes(&naive.len_bytes)
        ),
        (Ok(_), n) => format!(
            "recv(4) and recv({}) happened to return whole parts",
            n.unwrap_or(0)
        ),
    };
    d.show(&format!("  the lesson's client: {what}"));
    let (parts, boundaries) = part_boundaries(lab);
    d.panel(Panel {
        title: format!("lesson client through ChaosProxy (seed {seed}, max chunk {max_chunk}): one recv(4), one recv(header_len)"),
        lanes: vec![parts, Lane::from_lengths("lesson recv() calls", &[got4, got_json])],
        boundaries,
        unit: None,
    });
    let observed = match (naive.header.is_err(), naive.header_len) {
        (true, Some(n)) => format!("one recv({n}) returned {got_json} B and json.loads failed, as the lesson's client does"),
        (true, None) => format!("one recv(4) returned {got4} B: struct.unpack('i') fails, as the lesson's client does"),
        (false, _) => what,
    };
    d.check(
        naive.header.is_err(),
        expected,
        &observed,
        json!({"recv4": got4, "header_len": naive.header_len, "recv_header": got_json, "error": naive.header.as_ref().err().map(|e| e.to_string())}),
    );
    Ok(())
}

fn read_exactly(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    d.say("recv_exact loops until all 4, then all header_len, then all total_size bytes are in.");
    let stream = sock::connect(lab.proxy.local_addr())?;
    let mut t = Table::new(["command", "total_size", "reads", "md5", "intact"]);
    let (mut all_ok, mut rows, mut help_reads) = (true, Vec::new(), Vec::new());
    for cmd in ["help", "seq 5000"] {
        send_request(&lab.codec, &stream, &command(cmd), &[])?;
        let mut rr = RecordingReader::new(&stream);
        let got = fixed_recv_header(&mut rr, &lab.codec).and_then(|header| {
            let body = read_body(&mut rr, lab.codec.body_len(&header)? as usize)?;
            Ok((header, body))
        });
        let reads: Vec<usize> = rr.chunks().iter().map(|c| c.len()).collect();
        if cmd == "help" {
            help_reads = reads.clone();
        }
        let expected_out = runner::run(cmd.as_bytes(), &RunnerConfig::default()).combined();
        match got {
            Ok((header, body)) => {
                let r = CommandReply::from_header(&header)?;
                let md5 = r.md5_matches(&body) == Some(true);
                let intact = body == expected_out;
                all_ok &= md5 && intact;
                let yes_no = |b: bool, no: &str| if b { "ok" } else { no }.to_string();
                t.row([
                    cmd.into(),
                    r.total_size.to_string(),
                    reads.len().to_string(),
                    yes_no(md5, "MISMATCH"),
                    if intact { "yes" } else { "NO" }.into(),
                ]);
                rows.push(json!({"cmd": cmd, "total_size": r.total_size, "reads": reads.len(), "md5_ok": md5, "intact": intact}));
            }
            Err(e) => {
                all_ok = false;
                t.row([
                    cmd.into(),
                    "-".into(),
                    reads.len().to_string(),
                    "-".into(),
                    format!("error: {e}"),
                ]);
            }
        }
    }
    d.show(&t.render());
    let shown: Vec<String> = help_reads.iter().take(12).map(|n| n.to_string()).collect();
    let more = if help_reads.len() > 12 { "+…" } else { "" };
    d.show(&format!("  reads for `help`: {}{more}", shown.join("+")));
    let (parts, boundaries) = part_boundaries(lab);
    d.panel(Panel {
        title: "read-exact client through the same ChaosProxy (`help`)".into(),
        lanes: vec![
            parts,
            Lane::from_lengths("client reads (recv_exact)", &help_reads),
        ],
        boundaries,
        unit: None,
    });
    d.check(
        all_ok,
        expected,
        &format!(
            "{} replies intact through the chaos proxy, md5 verified",
            rows.len()
        ),
        json!({"replies": rows}),
    );
    Ok(())
}

/// One file moved, as a table row: name, bytes, md5, and whether the other
/// side's check agreed.
struct Moved {
    name: String,
    bytes: u64,
    md5: String,
    checked: bool,
}

/// Adds a transfer's row; true when it arrived with the original's md5.
fn transfer_row(
    t: &mut Table,
    way: &str,
    got: Result<Moved, TransferError>,
    agreed: &str,
    took: Duration,
    md5: &str,
) -> bool {
    match got {
        Ok(m) => {
            let ok = m.checked && m.md5 == md5;
            let ms = format!("{:.0} ms", took.as_secs_f64() * 1e3);
            t.row([
                way.into(),
                m.name,
                m.bytes.to_string(),
                m.md5,
                if ok { agreed } else { "NO" }.into(),
                ms,
            ]);
            ok
        }
        Err(e) => {
            t.row([
                way.into(),
                "-".into(),
                "-".into(),
                "-".into(),
                format!("error: {e}"),
                "-".into(),
            ]);
            false
        }
    }
}

fn files_both_ways(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let file_size = lab.file_size;
    let fast = ProxyConfig {
        delay: Duration::ZERO,
        ..ProxyConfig::new(lab.server.addr(), lab.seed, 64 * 1024)
    };
    let proxy = ChaosProxy::start(loopback(), fast)
        .map_err(|e| StageError::new(format!("cannot start the chaos proxy: {e}")))?;
    let src = lab.local.0.join("lesson-data.bin");
    transfer::write_seeded_file(&src, file_size, lab.seed)?;
    let local_md5 = transfer::file_md5(&src)?;
    d.say(&format!(
        "A {file_size}-byte file goes up (seed 000's {{\"opt\":\"upload\",\"filename\",\"filesize\"}} + our md5) and\ncomes back down (seed 004's {{\"filename\",\"filesize\"}} + md5), through pieces of up to 64 KiB.\nBoth sides stream through one 64 KiB buffer, write a temporary file, check the md5, then rename."
    ));
    let mut c = Client::new(sock::connect(proxy.local_addr())?, Compat::Ours);
    c.progress = false;
    let t0 = Instant::now();
    let up = c.put(&src).map(|s| Moved {
        checked: s.confirmed == Some(true),
        name: s.name,
        bytes: s.bytes,
        md5: s.md5,
    });
    let up_time = t0.elapsed();
    let down_dir = lab.local.0.join("downloads");
    std::fs::create_dir_all(&down_dir)?;
    let t0 = Instant::now();
    let down = c.get("lesson-data.bin", &down_dir, false).map(|r| Moved {
        name: r
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        bytes: r.bytes,
        md5: r.md5,
        checked: r.verified,
    });
    let down_time = t0.elapsed();
    drop(c);
    let mut t = Table::new(["direction", "file", "bytes", "md5", "verified", "time"]);
    let up_ok = transfer_row(&mut t, "upload", up, "server agrees", up_time, &local_md5);
    let down_ok = transfer_row(
        &mut t,
        "download",
        down,
        "md5 checked",
        down_time,
        &local_md5,
    );
    d.show(&t.render());
    let leftovers = names_in(&lab.store.0)
        .iter()
        .filter(|n| is_temp_name(n))
        .count();
    d.check(
        up_ok && down_ok && leftovers == 0,
        expected,
        &format!("upload and download of {file_size} B: md5 {local_md5} on both ends, {leftovers} temporary files left"),
        json!({"file_size": file_size, "md5": local_md5, "upload_ms": up_time.as_secs_f64()*1e3, "download_ms": down_time.as_secs_f64()*1e3, "up_ok": up_ok, "down_ok": down_ok}),
    );
    Ok(())
}

/// A command request, `{"opt": "cmd", "cmd": …}`.
fn command(cmd: &str) -> Request {
    Request::Command(cmd.as_bytes().to_vec())
}

fn bad_uploads_refused(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    d.say("Nothing may appear under the final name unless every byte came and the md5 agrees.");
    let body = b"the real content of the file\n".repeat(100);
    let tried = HostileUploads::try_against(lab.server.addr(), &lab.codec, &lab.errors, &body)?;
    let files = names_in(&lab.store.0);
    let temps = files.iter().filter(|n| is_temp_name(n)).count();
    let escaped = lab
        .store
        .0
        .parent()
        .is_some_and(|p| p.join("escape.txt").exists());
    let mut t = Table::new(["attack", "server said", "final name", "temp files"]);
    let (mut all_refused, mut rows) = (true, Vec::new());
    for (attack, said, name, want) in &tried.said {
        let present = files.iter().any(|f| f == name) || (*name == "escape.txt" && escaped);
        all_refused &= said.contains(want) && !present;
        let shown = if present { "PRESENT" } else { "absent" };
        t.row([
            attack.into(),
            shorten(said, 70),
            shown.into(),
            temps.to_string(),
        ]);
        rows.push(json!({"attack": attack, "server_said": said, "final_name_present": present}));
    }
    d.show(&t.render());
    let still = &tried.still_serving;
    let still_ok = still == b"still serving\n";
    d.show(&format!(
        "  after the refusals, the same connection ran `echo still serving` → {:?}",
        String::from_utf8_lossy(still)
    ));
    d.check(
        all_refused && temps == 0 && still_ok,
        expected,
        &format!("3 refused (md5 mismatch, path traversal, cut short), final names absent, {temps} temporary files, server still serving: {still_ok}"),
        json!({"attacks": rows, "temp_files": temps, "still_serving": still_ok}),
    );
    Ok(())
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

/// Bytes as spaced hex, `5d 00 00 00`: how a header length is read by eye.
fn hex_bytes(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
