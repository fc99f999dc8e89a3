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
//! `src/lessons/lab05_transfer/` (`server.rs`, `client.rs`, and `cli.rs` for
//! the `server` and `client` commands); what each stage measures and the
//! [`Lab`] every stage shares, in `lab05_transfer/demo.rs`. This file
//! narrates and checks.

use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use serde_json::json;
use sticky_lab::harness::{self, Demo, DemoOpts, Stage, StageError};
use sticky_lab::kit::sock;
use sticky_lab::lessons::lab05_json_header::{
    fixed_recv_header, fixed_send, lesson_recv_header, lesson_send,
};
use sticky_lab::lessons::lab05_transfer::{
    self as transfer, cli, command, read_replies, reply_on_the_wire, send_request,
    send_to_slow_reader, upload_then_download, ExactReply, HostileUploads, Lab, Refusal,
    SendLedger,
};
use sticky_lab::lessons::LESSON_RECV;
use sticky_lab::report::svg::Lane;
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
    Server(cli::ServerOpts),
    /// Send commands (and `put FILE` / `get NAME`) at a `>>> ` prompt.
    Client(cli::ClientOpts),
}

fn main() -> ExitCode {
    let (command, color) = harness::args::parse::<Command>(LAB, ABOUT, EXAMPLES);
    match command {
        Command::Demo {
            opts,
            max_chunk,
            file_size,
        } => demo(&opts, color, max_chunk.max(1), file_size),
        Command::Server(o) => cli::server(o, color),
        Command::Client(o) => cli::client(o, color),
    }
}

// ───────────────────────────────── the demo ──────────────────────────────────

fn demo(opts: &DemoOpts, color: ColorChoice, max_chunk: usize, file_size: u64) -> ExitCode {
    let d = Demo::new(LAB, "lab05-title", opts, color);
    d.run(|d| Lab::start(d.seed(), max_chunk, file_size), &STAGES)
}

fn message_on_the_wire(d: &mut Demo, lab: &Lab, expected: &str) -> Result<(), StageError> {
    d.say(&t!("lab05-s1-say"));
    let w = reply_on_the_wire(lab.server.addr(), &lab.codec, "help")?;
    let (json_len, body, reply) = (w.json_len, &w.body, &w.reply);
    lab.parts.set((json_len, body.len()));
    d.show(&w.parts_table().render());
    d.show_line(&t!("lab05-s1-json-in-full", json = w.json_text));
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
    d.show_line(&t!("lab05-s2-lesson-client", what = what));
    let title = t!("lab05-s2-panel", seed = seed, max_chunk = max_chunk);
    let reads = Lane::from_lengths(t!("lab05-lane-lesson-recv"), &[got4, got_json]);
    d.panel(lab.parts_panel(title, reads));
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
    d.show_line(&t!("lab05-s3-reads", sizes = sizes));
    let title = t!("lab05-s3-panel");
    let reads = Lane::from_lengths(t!("lab05-lane-exact-reads"), &help_reads);
    d.panel(lab.parts_panel(title, reads));
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
    d.show_line(&t!("lab05-s5-still", got = got));
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
    d.show(&SendLedger::table(&lesson, &fixed).render());
    let errors = [&lesson.error, &fixed.error];
    for e in errors.iter().filter_map(|e| e.as_ref()) {
        d.show_line(&t!("lab05-s6-send-failed", error = e));
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
