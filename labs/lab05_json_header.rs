//! Lab 05 — the JSON header (seed 002 §1.3, seeds 000, 003, 004).
//!
//! A message is a 4-byte header length (`struct.pack('i', len(json))`), a
//! JSON header describing the body, then the body. Remote commands answer
//! with `total_size` (and sizes, exit code, md5); files go both ways,
//! streamed, md5-verified, put in place only when whole.
//!
//! The lesson's receiver and the fix are side by side at the top of
//! `src/lessons/lab05_json_header.rs`: `lesson_recv_header` (one `recv(4)`,
//! one `recv(header_len)`, `json.loads`) and `fixed_recv_header` (each part
//! read exactly). Stage 2 runs the first through a chaos proxy, stage 3 the
//! second. The server, client and file transfer are in
//! `src/lessons/lab05_transfer/` (`server.rs`, `client.rs`); what each stage
//! measures, in `lab05_transfer/demo.rs`. This file narrates and checks.

use std::cell::Cell;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use serde_json::json;
use sticky_lab::framing::json_header::{JsonHeader, DEFAULT_MAX_BODY, DEFAULT_MAX_HEADER};
use sticky_lab::harness::{
    self, announce, fail, ClientArgs, CommandServerArgs, Compat, Demo, DemoOpts, MemoryArgs,
    Prompt, Stage, StageError,
};
use sticky_lab::kit::proxy::{ChaosProxy, ProxyConfig};
use sticky_lab::kit::server::{Background, KeptErrors};
use sticky_lab::kit::sock;
use sticky_lab::lessons::lab05_json_header::{
    fixed_recv_header, fixed_send, lesson_recv_header, lesson_send,
};
use sticky_lab::lessons::lab05_transfer::{
    self as transfer, command, loopback, read_replies, reply_on_the_wire, send_request,
    send_to_slow_reader, start_quiet_server, upload_then_download, Client, ExactReply,
    HostileUploads, Refusal, Scratch, ServerConfig, Session, DEFAULT_MAX_FILE,
};
use sticky_lab::lessons::LESSON_RECV;
use sticky_lab::report::svg::{Lane, Panel};
use sticky_lab::report::table::{self, Table};
use sticky_lab::report::ColorChoice;

const LAB: &str = "lab05-json-header";

/// The demo, stage by stage: what each stage shows, what the lesson
/// expects, and the function below that shows it.
const STAGES: [Stage<Lab>; 6] = [
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
        title: "An upload whose md5 disagrees, a short one and a path-traversal one are refused",
        expected: "each refused with its reason, no file under the final name, no temporary file left, the server still serving",
        run: bad_uploads_refused,
    },
    Stage {
        title: "send() may send only part: the lesson's conn.send(big) against sendall",
        expected: "one send() to a slow reader returns fewer bytes than asked and the rest is never sent; sendall sends every byte",
        run: partial_send,
    },
];

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
  lab05-json-header server --exec shell              # the real shell (loopback only)

Memory: each connection reserves one --max-header from --memory-budget while connected, each
command twice --max-output while it runs; uploads and downloads stream through 64 KiB pieces and
reserve nothing. What finds no room within 90% of --request-deadline gets an error reply.")]
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
    #[command(flatten)]
    memory: MemoryArgs,
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
        budget: o.memory.budget(o.args.serve_options().request_deadline),
    };
    if let Err(e) = cfg.prepare() {
        return fail(e);
    }
    transfer::unfinished::remove_on_interrupt("upload");
    let listener = match o.args.bind(harness::ports::LAB05) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let addr = (listener.local_addr()).unwrap_or_else(|_| o.args.addr_or(harness::ports::LAB05));
    announce(LAB, addr);
    match transfer::serve_folder(listener, o.args.serve_options(), cfg) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// `--put`/`--get` first; then the prompt, unless only those flags were given.
fn client(o: ClientOpts) -> ExitCode {
    let addr = o.args.addr_or(harness::ports::LAB05);
    transfer::unfinished::remove_on_interrupt("download");
    let mut c = match sock::connect(addr) {
        Ok(s) => Client::new(s, o.compat),
        Err(e) => return fail(format!("cannot connect to {addr}: {e}")),
    };
    let puts = o.put.iter().map(|p| format!("put {}", p.display()));
    let actions: Vec<String> = puts
        .chain(o.get.iter().map(|n| format!("get {n}")))
        .collect();
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
    let (server, errors) = start_quiet_server(&store.0)
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

/// A picture of `help`'s reply: its three parts above, the reads below.
fn parts_panel(lab: &Lab, title: String, reads: Lane) -> Panel {
    let (json_len, body_len) = lab.parts.get();
    let parts = Lane::from_lengths("message parts", &[4, json_len, body_len]);
    let ends = vec![4, (4 + json_len) as u64, (4 + json_len + body_len) as u64];
    let (lanes, boundaries, unit) = (vec![parts, reads], ends, None);
    Panel {
        title,
        lanes,
        boundaries,
        unit,
    }
}

fn message_on_the_wire(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    d.say("The client asks for `help` (longer than 1024 bytes). The server answers with three parts:\n4 bytes = struct.pack('i', len(json)), the JSON header, then total_size bytes of output.");
    let w = reply_on_the_wire(lab.server.addr(), &lab.codec, "help")?;
    let (json_len, body, reply) = (w.json_len, &w.body, &w.reply);
    lab.parts.set((json_len, body.len()));
    d.show(&w.parts_table().render());
    d.show(&format!("  JSON header in full: {}", w.json_text));
    let md5_ok = reply.md5_matches(body) == Some(true);
    d.check(
        *body == w.expected && reply.total_size as usize == body.len() && body.len() > LESSON_RECV && md5_ok,
        expected,
        &format!(
            "header {json_len} B says total_size={} stdout_size={} exit_code={}; body {} B, md5 {}",
            reply.total_size,
            reply.stdout_size,
            reply.exit_code,
            body.len(),
            if md5_ok { "matches" } else { "DOES NOT match" }
        ),
        json!({"header_len": json_len, "total_size": reply.total_size, "body_len": body.len(), "header": w.header}),
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
    d.show(&format!("  the lesson's client: {}", naive.what_happened()));
    let title = format!("lesson client through ChaosProxy (seed {seed}, max chunk {max_chunk}): one recv(4), one recv(header_len)");
    let reads = Lane::from_lengths("lesson recv() calls", &[got4, got_json]);
    d.panel(parts_panel(lab, title, reads));
    d.check(
        naive.header.is_err(),
        expected,
        &naive.verdict(),
        json!({"recv4": got4, "header_len": naive.header_len, "recv_header": got_json, "error": naive.header.as_ref().err().map(|e| e.to_string())}),
    );
    Ok(())
}

fn read_exactly(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    d.say("recv_exact loops until all 4, then all header_len, then all total_size bytes are in.");
    let (to, cmds) = (lab.proxy.local_addr(), ["help", "seq 5000"]);
    let replies = read_replies(to, &lab.codec, &cmds, |r, c| fixed_recv_header(r, c))?;
    let all_ok = replies.iter().all(ExactReply::intact);
    let rows: Vec<_> = replies.iter().filter_map(ExactReply::json).collect();
    d.show(&ExactReply::table(&replies).render());
    let help_reads = replies.first().map(|r| r.reads.clone()).unwrap_or_default();
    d.show(&format!(
        "  reads for `help`: {}",
        ExactReply::sizes(&help_reads, 12)
    ));
    let title = "read-exact client through the same ChaosProxy (`help`)".into();
    let reads = Lane::from_lengths("client reads (recv_exact)", &help_reads);
    d.panel(parts_panel(lab, title, reads));
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

fn files_both_ways(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let file_size = lab.file_size;
    d.say(&format!(
        "A {file_size}-byte file goes up (seed 000's {{\"opt\":\"upload\",\"filename\",\"filesize\"}} + our md5) and\ncomes back down (seed 004's {{\"filename\",\"filesize\"}} + md5), through pieces of up to 64 KiB.\nBoth sides stream through one 64 KiB buffer into a temporary file in a private folder, check the\nmd5, then hard-link it under its name (a link fails if the name is taken; --overwrite renames)."
    ));
    let trip = upload_then_download(lab.server.addr(), lab.seed, &lab.local.0, file_size)?;
    d.show(&trip.table().render());
    let (up_ok, down_ok) = (trip.ok(&trip.up.0), trip.ok(&trip.down.0));
    let (local_md5, leftovers) = (&trip.md5, lab.store.temp_files());
    let ms = |w: &(_, Duration)| w.1.as_secs_f64() * 1e3;
    d.check(
        up_ok && down_ok && leftovers == 0,
        expected,
        &format!("upload and download of {file_size} B: md5 {local_md5} on both ends, {leftovers} temporary files left"),
        json!({"file_size": file_size, "md5": local_md5, "upload_ms": ms(&trip.up), "download_ms": ms(&trip.down), "up_ok": up_ok, "down_ok": down_ok}),
    );
    Ok(())
}

fn bad_uploads_refused(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    d.say("Nothing may appear under the final name unless every byte came and the md5 agrees.\nThe md5 rides in the same header as the body, so it catches accidents (a cut, a bad disk, a\nbug), not tampering: whoever can change the body can recompute the md5 (and MD5 is broken).\nAgainst tampering you need a key the attacker lacks: a MAC, or TLS.");
    let body = b"the real content of the file\n".repeat(100);
    let tried = HostileUploads::try_against(lab.server.addr(), &lab.codec, &lab.errors, &body)?;
    let refusals = tried.refusals(&lab.store);
    let temps = lab.store.temp_files();
    d.show(&Refusal::table(&refusals, temps).render());
    let all_refused = refusals.iter().all(|r| r.refused);
    let rows: Vec<_> = refusals.iter().map(Refusal::json).collect();
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

fn partial_send(d: &mut Demo, _: &Lab, expected: &str) -> Result<(), StageError> {
    let size = 4 << 20;
    d.say(&format!(
        "Seed 002's server sends each reply with conn.send(stdout_res) and never looks at what send() returns.\n\
         send(2) may take fewer bytes than asked; Python's docs: \"Returns the number of bytes sent. Applications\n\
         are responsible for checking that all data has been sent\". A server with conn.settimeout(t) has a\n\
         non-blocking socket underneath: CPython waits until it is writable, then makes ONE send(), which takes\n\
         what fits in the buffers now. Here a {} MiB body goes to a reader that takes 8 KiB per ms through\n\
         16 KiB buffers. The fix's socket is blocking with a {} s write timeout: each send() may wait for room,\n\
         and sendall calls send() again for whatever is left.",
        size >> 20,
        transfer::SEND_TIMEOUT.as_secs()
    ));
    let lesson = send_to_slow_reader(size, |s, data| {
        s.set_nonblocking(true)?;
        Ok((lesson_send(s, data)?, 1))
    })?;
    let fixed = send_to_slow_reader(size, |s, data| Ok((data.len(), fixed_send(s, data)?)))?;
    let mut t = Table::new([
        "server",
        "asked",
        "send() calls",
        "sent",
        "received",
        "lost",
    ]);
    for (name, l) in [("conn.send(big)", &lesson), ("conn.sendall(big)", &fixed)] {
        t.row([
            table::Cell::from(name),
            table::Cell::from(l.asked.to_string().as_str()),
            table::Cell::from(l.calls.to_string().as_str()),
            table::Cell::from(l.sent.to_string().as_str()),
            table::Cell::from(l.received.to_string().as_str()),
            table::Cell::from(l.lost().to_string().as_str()),
        ]);
    }
    d.show(&t.render());
    let errors = [&lesson.error, &fixed.error];
    for e in errors.iter().filter_map(|e| e.as_ref()) {
        d.show(&format!("  a send failed: {e}"));
    }
    d.show(&format!(
        "  the client was promised {size} B by total_size; after the lesson's send it waits for {} B that will never come",
        lesson.lost()
    ));
    let ok = lesson.sent < size
        && lesson.received == lesson.sent
        && fixed.received == size
        && errors.iter().all(|e| e.is_none());
    d.check(
        ok,
        expected,
        &format!(
            "send({size}) returned {} ({} B never sent); sendall: all {size} B arrived ({} send() call(s))",
            lesson.sent,
            lesson.lost(),
            fixed.calls
        ),
        json!({"asked": size, "send_returned": lesson.sent, "send_received": lesson.received, "send_lost": lesson.lost(), "sendall_calls": fixed.calls, "sendall_received": fixed.received, "sendall_lost": fixed.lost()}),
    );
    Ok(())
}
