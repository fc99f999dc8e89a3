//! Lab 04 — a fixed 4-byte length header (seed 001 scheme 2, seed 002 §1.2).
//!
//! `struct.pack('i', len(data)) + data`: the receiver reads exactly 4
//! bytes, learns the length, reads exactly that many. The lesson's client
//! and the fix are two functions side by side at the top of
//! `src/lessons/lab04_struct_header.rs`: [`lesson_recv`] (one `recv(4)`, one
//! `recv(n)`) and [`fixed_recv`] (`recv_exact` twice). The stages below show
//! the header working, `lesson_recv` failing under chaos where `fixed_recv`
//! does not, what a byte-order mismatch looks like, the `'i'` format's
//! 2^31 − 1 limit, and the frame limit that stops a header from making
//! either side allocate gigabytes.

use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use serde_json::json;
use sticky_lab::framing::{ByteOrder, FrameError, LengthPrefix, DEFAULT_MAX_FRAME};
use sticky_lab::harness::{self, command, Demo, DemoOpts, Stage, StageError};
use sticky_lab::kit::text::{preview, spaced_hex};
use sticky_lab::lessons::lab04_struct_header::{
    self as lesson, accepted_or_error, cli, expected, Asked, Lab, Packed,
};
use sticky_lab::report::ColorChoice;
use sticky_lab::t;

const LAB: &str = "lab04-struct-header";

/// The demo, stage by stage: what each stage shows, what the lesson
/// expects, and the function below that shows it.
const STAGES: [Stage<Lab>; 8] = [
    Stage {
        title: "lab04-s1-title",
        expected: "lab04-s1-expected",
        run: header_works,
    },
    Stage {
        title: "lab04-s2-title",
        expected: "lab04-s2-expected",
        run: single_recv_under_chaos,
    },
    Stage {
        title: "lab04-s3-title",
        expected: "lab04-s3-expected",
        run: byte_order,
    },
    Stage {
        title: "lab04-s4-title",
        expected: "lab04-s4-expected",
        run: struct_limit,
    },
    Stage {
        title: "lab04-s5-title",
        expected: "lab04-s5-expected",
        run: frame_limit,
    },
    Stage {
        title: "lab04-s6-title",
        expected: "lab04-s6-expected",
        run: body_loop_reads_on,
    },
    Stage {
        title: "lab04-s7-title",
        expected: "lab04-s7-expected",
        run: closed_mid_body,
    },
    Stage {
        title: "lab04-s8-title",
        expected: "lab04-s8-expected",
        run: msg_waitall,
    },
];

const TITLE: &str = "lab04-title";

/// The subcommands. Their about lines and examples come from the catalog
/// (`lab04-struct-header-cmd-SUB-about` / `-examples`); the doc comments are
/// clap's fallback.
#[derive(Subcommand)]
enum Command {
    /// Show the header working, the single-recv bug under chaos, byte order, and the limits.
    Demo {
        #[command(flatten)]
        opts: DemoOpts,
    },
    /// Run the command server (built-in commands unless --exec shell).
    Server(cli::ServerArgs),
    /// Send commands and print the replies (>>> prompt, --cmd, or piped stdin).
    Client(cli::ClientFlags),
}

fn main() -> ExitCode {
    let (command, color) = harness::args::parse::<Command>(LAB, "lab04-about", "lab04-examples");
    match command {
        Command::Demo { opts } => demo(&opts, color),
        Command::Server(flags) => cli::server(&flags, color),
        Command::Client(flags) => cli::client(&flags, color),
    }
}

// ───────────────────────────────── the demo ──────────────────────────────────

/// The stages, in order, over the two servers every stage shares ([`Lab`]).
fn demo(opts: &DemoOpts, color: ColorChoice) -> ExitCode {
    let d = Demo::new(LAB, TITLE, opts, color);
    d.run(|_| Ok(Lab::start()?), &STAGES)
}

/// Stage 1: ours on loopback — every reply whole.
fn header_works(d: &mut Demo, lab: &Lab, expected_claim: &str) -> Result<(), StageError> {
    let codec = lab.codec;
    let server = if ByteOrder::native() == ByteOrder::Little {
        "lab04-s1-server-little"
    } else {
        "lab04-s1-server-big"
    };
    d.say(&t!(server, format = codec.struct_format()));
    let asked = lesson::ask_each(lab.ours.addr(), codec, &["help", "ls", "bytes 100000"])?;
    d.show(&Asked::table(&asked).render());
    let rows: Vec<_> = asked
        .iter()
        .map(|a| json!({"cmd": a.cmd, "len": a.len, "got": a.got}))
        .collect();
    d.check(
        asked.iter().all(|a| a.intact),
        expected_claim,
        &t!("lab04-s1-observed", n = rows.len()),
        json!({ "replies": rows }),
    );
    Ok(())
}

/// Stage 2: [`lesson_recv`] against [`fixed_recv`], through the same cuts.
fn single_recv_under_chaos(
    d: &mut Demo,
    lab: &Lab,
    expected_claim: &str,
) -> Result<(), StageError> {
    let codec = lab.codec;
    let (cmd, want) = ("bytes 200000", expected("bytes 200000"));
    let cfg = command::cue(lab.lesson.addr(), d.seed(), 1500, 1, cmd, |c| {
        c >= LengthPrefix::LEN
    })?;
    d.say(&t!("lab04-s2-through", seed = cfg.seed, from = d.seed()));
    let run = lesson::under_chaos(&cfg, &codec, cmd, "ls")?;
    let (first, second) = (&run.short, &run.next);
    let got = first.body().len();
    d.show_line(&t!(
        "lab04-s2-first",
        cmd = cmd,
        header = spaced_hex(&first.header),
        want = want.len(),
        got = got
    ));
    let absurd = second.claim_text();
    d.show_line(&t!(
        "lab04-s2-next",
        header = spaced_hex(&second.header),
        text = preview(&second.header, 8),
        claim = &absurd
    ));
    let fixed_ok = run.fixed.body() == want && run.fixed_next.body() == expected("ls");
    d.show_line(&t!(
        "lab04-s2-loops",
        cmd = cmd,
        bytes = run.fixed.body().len(),
        // The cue keeps the first piece ≥ 4 bytes: the header is one read.
        reads = run.fixed_reads.len().saturating_sub(1),
        next = run.fixed_next.body().len(),
        intact = fixed_ok
    ));
    let second_wrong = !matches!(second.claimed, Ok(n) if n == expected("ls").len());
    d.panel(run.panel(cfg.seed, want.len()));
    d.check(
        got < want.len() && second_wrong && fixed_ok,
        expected_claim,
        &t!(
            "lab04-s2-observed",
            want = want.len(),
            got = got,
            text = preview(&second.header, 8),
            claim = &absurd
        ),
        json!({"seed": cfg.seed, "one_recv": got, "want": want.len(), "next_header": spaced_hex(&second.header), "next_claim": absurd, "fixed_ok": fixed_ok}),
    );
    Ok(())
}

/// Stage 3: the same 4 bytes unpacked in the other byte order.
fn byte_order(d: &mut Demo, lab: &Lab, expected_claim: &str) -> Result<(), StageError> {
    let h = lesson::swapped_header(lab.ours.addr(), lab.codec)?;
    d.say(&t!("lab04-s3-packs", format = lab.codec.struct_format()));
    d.show_line(&t!(
        "lab04-s3-header",
        header = spaced_hex(&h.header),
        little = h.meant,
        big = h.read_big,
        gib = format!("{:.1}", h.read_big as f64 / (1u64 << 30) as f64)
    ));
    let msg = h
        .refused
        .as_ref()
        .map(|e| e.localized())
        .unwrap_or_else(|| t!("lab04-accepted"));
    d.show_line(&t!("lab04-s3-refuses", msg = &msg));
    if let Some(hint) = &h.hint {
        d.show_line(&t!("lab04-s3-hint", hint = hint.localized()));
    }
    d.check(
        matches!(h.refused, Some(FrameError::TooLarge { .. })) && h.hint.is_some(),
        expected_claim,
        &t!(
            "lab04-s3-observed",
            little = h.meant,
            big = h.read_big,
            msg = &msg
        ),
        json!({"header": spaced_hex(&h.header), "little": h.meant, "big": h.read_big, "error": h.refused.as_ref().map_or_else(|| msg.clone(), |e| e.to_string())}),
    );
    Ok(())
}

/// Stage 4: what `'i'` and `'!I'` can carry, encoding only.
fn struct_limit(d: &mut Demo, _: &Lab, expected_claim: &str) -> Result<(), StageError> {
    let [top, over, unsigned] = lesson::struct_limits();
    d.say(&t!("lab04-s4-encoding-only"));
    d.show(&Packed::table([&top, &over, &unsigned]).render());
    let refusal = over.header.as_ref().err().map(|e| e.localized());
    if let Some(e) = &refusal {
        d.show_line(&t!("lab04-s4-ours-says", error = e));
    }
    d.show_line(&t!("lab04-s4-python-says"));
    d.check(
        top.header.is_ok()
            && matches!(over.header, Err(FrameError::Unrepresentable { .. }))
            && unsigned.header.is_ok(),
        expected_claim,
        &t!(
            "lab04-s4-observed",
            error = refusal.clone().unwrap_or_default()
        ),
        json!({"top_ok": top.header.is_ok(), "over": over.header.as_ref().err().map(|e| e.to_string())}),
    );
    Ok(())
}

/// Stage 5: a 2 GiB header refused on both sides, nothing allocated.
fn frame_limit(d: &mut Demo, lab: &Lab, expected_claim: &str) -> Result<(), StageError> {
    let claim = [0xff, 0xff, 0xff, 0x7f];
    let run = lesson::frame_limit(lab.codec, claim, 64 * 1024)?;
    // The refusal the server must log, built from the numbers: its English
    // words are the server's kept error; a person reads them translated.
    let refusal = lab.codec.unpack(claim).err();
    let refused = refusal
        .as_ref()
        .filter(|e| matches!(e, FrameError::TooLarge { .. }))
        .is_some_and(|e| run.server_error.starts_with(&e.to_string()));
    let line = &match &refusal {
        Some(e) if refused => e.localized(),
        _ => run.server_error.clone(),
    };
    d.say(&t!(
        "lab04-s5-sends",
        header = spaced_hex(&claim),
        mib = DEFAULT_MAX_FRAME >> 20
    ));
    d.show(&format!(
        "  {}",
        t!(
            "lab04-s5-server",
            line = line,
            ms = format!("{:.1}", run.took.as_secs_f64() * 1e3)
        )
    ));
    d.show(&format!(
        "  {}",
        t!("lab04-s5-next", bytes = run.next_reply.len())
    ));
    let client_msg = match &run.client_side {
        Ok(b) => t!("lab04-accepted-bytes", n = b.len()),
        Err(e) => e.localized(),
    };
    d.show(&format!("  {}", t!("lab04-s5-client", msg = &client_msg)));
    d.check(
        run.closed
            && refused
            && run.next_reply == expected("ls")
            && matches!(run.client_side, Err(FrameError::TooLarge { .. })),
        expected_claim,
        &t!("lab04-s5-observed", line = line, msg = &client_msg),
        json!({"server_error": run.server_error, "closed_ms": run.took.as_secs_f64() * 1e3, "client_error": run.client_side.as_ref().map_or_else(|e| e.to_string(), |_| client_msg.clone())}),
    );
    Ok(())
}

/// Stage 6: [`lesson_body_loop`] against [`fixed_body_loop`], two replies queued.
fn body_loop_reads_on(d: &mut Demo, lab: &Lab, expected_claim: &str) -> Result<(), StageError> {
    let (first, second) = ("bytes 1500", "help");
    d.say(&t!("lab04-s6-loop", first = first, second = second));
    let run = lesson::pipelined(lab.codec, first, second)?;
    let (total, took) = (run.total_size, run.lesson.body.len());
    let over = took.saturating_sub(total);
    d.show_line(&t!(
        "lab04-s6-lesson",
        total = total,
        recvs = run.lesson.recvs,
        took = took,
        over = over
    ));
    d.show(&format!(
        "          {}",
        t!(
            "lab04-s6-next",
            header = spaced_hex(&run.lesson_next.header),
            text = preview(&run.lesson_next.header, 8),
            claim = run.lesson_next.claim_text()
        )
    ));
    let fixed_ok = run.fixed == run.sent[0] && run.fixed_next.body() == run.sent[1];
    d.show_line(&t!(
        "lab04-s6-fix",
        bytes = run.fixed.len(),
        second = second,
        claim = run.fixed_next.claim_text(),
        intact = fixed_ok
    ));
    let next_wrong = !matches!(run.lesson_next.claimed, Ok(n) if n == run.sent[1].len());
    d.check(
        over > 0 && next_wrong && fixed_ok,
        expected_claim,
        &t!(
            "lab04-s6-observed",
            took = took,
            total = total,
            over = over,
            text = preview(&run.lesson_next.header, 8)
        ),
        json!({"total_size": total, "lesson_read": took, "over_read": over, "lesson_recvs": run.lesson.recvs, "next_header": spaced_hex(&run.lesson_next.header), "next_claim": run.lesson_next.claim_text(), "fixed_ok": fixed_ok}),
    );
    Ok(())
}

/// Stage 7: a server that closes mid-body, read by both loops.
fn closed_mid_body(d: &mut Demo, lab: &Lab, expected_claim: &str) -> Result<(), StageError> {
    let (total, sent, window) = (100_000, 30_000, Duration::from_millis(100));
    d.say(&t!(
        "lab04-s7-dies",
        total = total,
        sent = sent,
        ms = window.as_millis()
    ));
    let run = lesson::closed_mid_body(lab.codec, total, sent, window)?;
    let l = &run.lesson;
    d.show_line(&t!(
        "lab04-s7-lesson",
        recvs = l.recvs,
        empty = l.empty_recvs,
        got = l.body.len(),
        total = total,
        still = if l.gave_up {
            t!("lab04-s7-still-looping")
        } else {
            String::new()
        }
    ));
    let fixed = accepted_or_error(&run.fixed);
    d.show_line(&t!("lab04-s7-fix", fixed = &fixed));
    d.check(
        l.gave_up
            && l.empty_recvs >= 100
            && l.body.len() == sent
            && matches!(run.fixed, Err(FrameError::Truncated { got, expected, .. }) if got == sent && expected == total),
        expected_claim,
        &t!(
            "lab04-s7-observed",
            empty = l.empty_recvs,
            ms = window.as_millis(),
            fixed = &fixed
        ),
        json!({"total_size": total, "sent": sent, "window_ms": window.as_millis() as u64, "lesson_recvs": l.recvs, "empty_recvs": l.empty_recvs, "lesson_spinning": l.gave_up, "fixed_error": run.fixed.as_ref().map_or_else(|e| e.to_string(), |_| fixed.clone())}),
    );
    Ok(())
}

/// Stage 8: [`waitall_recv`] through the chaos proxy and against a close.
fn msg_waitall(d: &mut Demo, lab: &Lab, expected_claim: &str) -> Result<(), StageError> {
    let (cmd, want) = ("bytes 200000", expected("bytes 200000"));
    let cfg = command::cue(lab.lesson.addr(), d.seed(), 1500, 1, cmd, |c| {
        c >= LengthPrefix::LEN
    })?;
    let (total, sent) = (100_000, 30_000);
    d.say(&t!("lab04-s8-waitall", seed = cfg.seed, cmd = cmd));
    let run = lesson::waitall(&cfg, &lab.codec, cmd, (total, sent))?;
    let one = run.one_recv.body().len();
    let all = run.waitall.body();
    d.show_line(&t!("lab04-s8-one", want = want.len(), got = one));
    d.show_line(&t!(
        "lab04-s8-waitall-got",
        want = want.len(),
        got = all.len(),
        intact = all == want
    ));
    // Linux and macOS wait; Wine 8 returned what had arrived (stage 8 under
    // scripts/wine-check.sh). Either way the count tells: a short body is a
    // prefix of the reply, and the check below catches it.
    let honoured = all == want;
    let caught = all.len() < want.len() && want.starts_with(&all);
    if !honoured {
        d.say(&t!(
            "lab04-s8-not-waited",
            got = all.len(),
            want = want.len()
        ));
    }
    let short = run.on_close.body().len();
    d.say(&t!("lab04-s8-short", total = total, sent = sent));
    d.show_line(&t!("lab04-s8-on-close", total = total, got = short));
    d.check(
        one < want.len() && (honoured || caught) && short == sent,
        expected_claim,
        &t!(
            "lab04-s8-observed",
            one = one,
            want = want.len(),
            all = all.len(),
            got = short,
            total = total
        ),
        json!({"seed": cfg.seed, "want": want.len(), "one_recv": one, "waitall": all.len(), "waitall_intact": honoured, "waitall_short_caught": caught, "on_close_total": total, "on_close_got": short}),
    );
    Ok(())
}
