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
use sticky_lab::t;

const LAB: &str = "lab05-json-header";

/// The demo, stage by stage: what each stage shows, what the lesson
/// expects (catalog keys: the words are in locales/en/lab05.ftl and
/// zh/lab05.ftl), and the function below that shows it.
const STAGES: [Stage<Lab>; 6] = [
    Stage {
        title: "lab05-s1-title",
        expected: "lab05-s1-expected",
        run: message_on_the_wire,
    },
    Stage {
        title: "lab05-s2-title",
        expected: "lab05-s2-expected",
        run: lesson_client_under_chaos,
    },
    Stage {
        title: "lab05-s3-title",
        expected: "lab05-s3-expected",
        run: read_exactly,
    },
    Stage {
        title: "lab05-s4-title",
        expected: "lab05-s4-expected",
        run: files_both_ways,
    },
    Stage {
        title: "lab05-s5-title",
        expected: "lab05-s5-expected",
        run: bad_uploads_refused,
    },
    Stage {
        title: "lab05-s6-title",
        expected: "lab05-s6-expected",
        run: partial_send,
    },
];

/// `--help`'s about line and examples (catalog keys), and each
/// subcommand's: `lab05-json-header-cmd-demo-about`, `…-examples`.
const ABOUT: &str = "lab05-about";
const EXAMPLES: &str = "lab05-examples";

/// The subcommands; their about lines and examples in `--help` come from
/// the catalog, the doc comments below are clap's fallback.
#[derive(Subcommand)]
enum Command {
    /// Show the header on the wire, the lesson's one recv(header_len) failing under chaos, the fix, and file transfer.
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
    Server(ServerOpts),
    /// Send commands (and `put FILE` / `get NAME`) at a `>>> ` prompt.
    Client(ClientOpts),
}

#[derive(clap::Args)]
struct ServerOpts {
    #[command(flatten)]
    args: CommandServerArgs,
    /// The folder uploads are stored into and downloads served from.
    #[arg(long, default_value = "sticky-files")] // not prose: a folder name
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
    let (command, color) = harness::args::parse::<Command>(LAB, ABOUT, EXAMPLES);
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
        Err(e) => return fail(t!("lab05-client-cannot-connect", addr = addr, error = e)),
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
        Err(e) => fail(e.localized()),
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
    let d = Demo::new(LAB, "lab05-title", opts, color);
    d.run(|d| start_lab(d.seed(), max_chunk, file_size), &STAGES)
}

fn start_lab(seed: u64, max_chunk: usize, file_size: u64) -> Result<Lab, StageError> {
    let store = Scratch::new("server")?;
    let (server, errors) = start_quiet_server(&store.0)
        .map_err(|e| StageError::new(t!("lab05-setup-server-failed", error = e)))?;
    let proxy = ChaosProxy::start(loopback(), ProxyConfig::new(server.addr(), seed, max_chunk))
        .map_err(|e| StageError::new(t!("lab05-setup-proxy-failed", error = e)))?;
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
    let parts = Lane::from_lengths(t!("lab05-lane-parts"), &[4, json_len, body_len]);
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
    d.say(&t!("lab05-s1-say"));
    let w = reply_on_the_wire(lab.server.addr(), &lab.codec, "help")?;
    let (json_len, body, reply) = (w.json_len, &w.body, &w.reply);
    lab.parts.set((json_len, body.len()));
    d.show(&w.parts_table().render());
    d.show(&format!(
        "  {}",
        t!("lab05-s1-json-in-full", json = w.json_text)
    ));
    let md5_ok = reply.md5_matches(body) == Some(true);
    d.check(
        *body == w.expected && reply.total_size as usize == body.len() && body.len() > LESSON_RECV && md5_ok,
        expected,
        &t!(
            "lab05-s1-observed",
            json_len = json_len,
            total = reply.total_size,
            stdout = reply.stdout_size,
            exit = reply.exit_code,
            body = body.len(),
            md5 = t!(if md5_ok {
                "lab05-s1-md5-matches"
            } else {
                "lab05-s1-md5-differs"
            })
        ),
        json!({"header_len": json_len, "total_size": reply.total_size, "body_len": body.len(), "header": w.header}),
    );
    Ok(())
}

fn lesson_client_under_chaos(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let (seed, max_chunk) = (lab.seed, lab.max_chunk);
    d.say(&t!(
        "lab05-s2-say",
        addr = lab.proxy.local_addr(),
        max_chunk = max_chunk,
        seed = seed
    ));
    let stream = sock::connect(lab.proxy.local_addr())?;
    send_request(&lab.codec, &stream, &command("help"), &[])?;
    let naive = lesson_recv_header(&stream, &lab.codec);
    drop(stream);
    let (got4, got_json) = (naive.len_bytes.len(), naive.json_bytes.len());
    let what = naive.what_happened();
    d.show(&format!("  {}", t!("lab05-s2-lesson-client", what = what)));
    let title = t!("lab05-s2-panel", seed = seed, max_chunk = max_chunk);
    let reads = Lane::from_lengths(t!("lab05-lane-lesson-recv"), &[got4, got_json]);
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
    d.say(&t!("lab05-s3-say"));
    let (to, cmds) = (lab.proxy.local_addr(), ["help", "seq 5000"]);
    let replies = read_replies(to, &lab.codec, &cmds, |r, c| fixed_recv_header(r, c))?;
    let all_ok = replies.iter().all(ExactReply::intact);
    let rows: Vec<_> = replies.iter().filter_map(ExactReply::json).collect();
    d.show(&ExactReply::table(&replies).render());
    let help_reads = replies.first().map(|r| r.reads.clone()).unwrap_or_default();
    let sizes = ExactReply::sizes(&help_reads, 12);
    d.show(&format!("  {}", t!("lab05-s3-reads", sizes = sizes)));
    let title = t!("lab05-s3-panel");
    let reads = Lane::from_lengths(t!("lab05-lane-exact-reads"), &help_reads);
    d.panel(parts_panel(lab, title, reads));
    d.check(
        all_ok,
        expected,
        &t!("lab05-s3-observed", n = rows.len()),
        json!({"replies": rows}),
    );
    Ok(())
}

fn files_both_ways(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    let file_size = lab.file_size;
    d.say(&t!(
        "lab05-s4-say",
        size = file_size,
        up = r#"{"opt":"upload","filename","filesize"}"#,
        down = r#"{"filename","filesize"}"#
    ));
    let trip = upload_then_download(lab.server.addr(), lab.seed, &lab.local.0, file_size)?;
    d.show(&trip.table().render());
    let (up_ok, down_ok) = (trip.ok(&trip.up.0), trip.ok(&trip.down.0));
    let (local_md5, leftovers) = (&trip.md5, lab.store.temp_files());
    let ms = |w: &(_, Duration)| w.1.as_secs_f64() * 1e3;
    d.check(
        up_ok && down_ok && leftovers == 0,
        expected,
        &t!(
            "lab05-s4-observed",
            size = file_size,
            md5 = local_md5,
            left = leftovers
        ),
        json!({"file_size": file_size, "md5": local_md5, "upload_ms": ms(&trip.up), "download_ms": ms(&trip.down), "up_ok": up_ok, "down_ok": down_ok}),
    );
    Ok(())
}

fn bad_uploads_refused(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    d.say(&t!("lab05-s5-say"));
    let body = b"the real content of the file\n".repeat(100); // not prose: the file's bytes
    let tried = HostileUploads::try_against(lab.server.addr(), &lab.codec, &lab.errors, &body)?;
    let refusals = tried.refusals(&lab.store);
    let temps = lab.store.temp_files();
    d.show(&Refusal::table(&refusals, temps).render());
    let all_refused = refusals.iter().all(|r| r.refused);
    let rows: Vec<_> = refusals.iter().map(Refusal::json).collect();
    let still = &tried.still_serving;
    let still_ok = still == b"still serving\n";
    let got = format!("{:?}", String::from_utf8_lossy(still));
    d.show(&format!("  {}", t!("lab05-s5-still", got = got)));
    d.check(
        all_refused && temps == 0 && still_ok,
        expected,
        &t!(
            "lab05-s5-observed",
            temps = temps,
            still = t!(if still_ok {
                "lab05-true"
            } else {
                "lab05-false"
            })
        ),
        json!({"attacks": rows, "temp_files": temps, "still_serving": still_ok}),
    );
    Ok(())
}

fn partial_send(d: &mut Demo, _: &Lab, expected: &str) -> Result<(), StageError> {
    let size = 4 << 20;
    d.say(&t!(
        "lab05-s6-say",
        mib = size >> 20,
        timeout = transfer::SEND_TIMEOUT.as_secs()
    ));
    let lesson = send_to_slow_reader(size, |s, data| {
        s.set_nonblocking(true)?;
        Ok((lesson_send(s, data)?, 1))
    })?;
    let fixed = send_to_slow_reader(size, |s, data| Ok((data.len(), fixed_send(s, data)?)))?;
    let mut t = Table::new([
        t!("lab05-col-server"),
        t!("lab05-col-asked"),
        t!("lab05-col-send-calls"),
        t!("lab05-col-sent"),
        t!("lab05-col-received"),
        t!("lab05-col-lost"),
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
        d.show(&format!("  {}", t!("lab05-s6-send-failed", error = e)));
    }
    let promised = t!("lab05-s6-promised", size = size, lost = lesson.lost());
    d.show(&format!("  {promised}"));
    let ok = lesson.sent < size
        && lesson.received == lesson.sent
        && fixed.received == size
        && errors.iter().all(|e| e.is_none());
    d.check(
        ok,
        expected,
        &t!(
            "lab05-s6-observed",
            size = size,
            sent = lesson.sent,
            lost = lesson.lost(),
            calls = fixed.calls
        ),
        json!({"asked": size, "send_returned": lesson.sent, "send_received": lesson.received, "send_lost": lesson.lost(), "sendall_calls": fixed.calls, "sendall_received": fixed.received, "sendall_lost": fixed.lost()}),
    );
    Ok(())
}
