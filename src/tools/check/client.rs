//! Checking a student's client: our reference server writes each reply in
//! a seed's pieces; their client, started once per case with every seed's
//! commands on its stdin, must print each reply's bytes, whole and in
//! order, then exit 0 when its stdin ends.

use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use super::cases::{ClientCase, Ending};
use super::{
    case_report, seeds_for, BufStream, CaseReport, CheckOptions, Cutter, FailureBuilder, Outcome,
    SetupError, Wire,
};
use crate::kit::child::GroupChild;
use crate::kit::record::Chunk;
use crate::kit::runner::{self, RunnerConfig};
use crate::kit::sock;
use crate::kit::text::preview;

/// How long a program may take to connect (client) or listen (server)
/// after it starts: generous, as Python starts slowly on a busy machine.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long our server waits for the client's next command or `ok` (and,
/// after the last reply, for it to close the connection).
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a client may keep running once our server is done with it
/// (generous: a loaded machine starts and stops Python slowly).
pub(super) const EXIT_GRACE: Duration = Duration::from_secs(5);
/// How long a client may take to give up on a lost reply (lab 06): its own
/// timeout, up to 10 s, plus time to exit on a loaded machine.
pub(super) const LOST_GRACE: Duration = Duration::from_secs(12);
/// No case may take longer than this, whatever the client does.
const CASE_LIMIT: Duration = Duration::from_secs(60);
/// Cases run this many at a time (each has its own client and server):
/// most of a case is a program starting and pauses between pieces, so
/// cases overlap well even on two cores (docs/performance.md#sticky-check).
const AT_ONCE: usize = 6;
/// How long to wait for the last output of a program that has exited.
pub(super) const DRAIN: Duration = Duration::from_millis(500);
/// The prompt a client may print before each command; it is removed.
const PROMPT: &[u8] = b">>> ";

/// What our reference server answers `cmd`: its output, as the lessons'
/// servers send it (every command used has no stderr).
pub fn expected(cmd: &str) -> Vec<u8> {
    runner::run(cmd.as_bytes(), &RunnerConfig::default()).combined()
}

/// Runs the lab's client cases against the command line `template`.
pub(super) fn run_cases(
    opts: &CheckOptions,
    wire: &dyn Wire,
    template: &str,
) -> Result<Vec<CaseReport>, SetupError> {
    if !template.contains("{port}") {
        return Err(SetupError(crate::t!(
            "check-cl-needs-port",
            template = template
        )));
    }
    let cases: Vec<&ClientCase> = wire
        .client_cases(opts.lab.number)
        .into_iter()
        .filter(|c| opts.case.as_deref().is_none_or(|n| n == c.name))
        .collect();
    run_pooled(&cases, |case| run_one(opts, wire, case, template))
}

/// Runs `one` for every case, [`AT_ONCE`] at a time: a case starts as soon
/// as one ends (no waiting for a whole batch), the slowest first (those
/// with the most paused pieces), and the reports come back in case order.
pub(super) fn run_pooled<F>(cases: &[&ClientCase], one: F) -> Result<Vec<CaseReport>, SetupError>
where
    F: Fn(&ClientCase) -> Result<CaseReport, SetupError> + Sync,
{
    let mut order: Vec<usize> = (0..cases.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(pause_weight(cases[i])));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Result<CaseReport, SetupError>>>> =
        cases.iter().map(|_| std::sync::Mutex::new(None)).collect();
    thread::scope(|s| {
        for _ in 0..AT_ONCE.min(cases.len()) {
            s.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::SeqCst);
                let Some(&i) = order.get(k) else { break };
                let r = one(cases[i]);
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(r);
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|m| {
            m.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| Err(SetupError(crate::t!("check-thread-panicked"))))
        })
        .collect()
}

/// Roughly how long a case's pauses take: seeds × pieces per byte × pause.
fn pause_weight(case: &ClientCase) -> u128 {
    let seeds = case.max_seeds.min(20) as u128;
    let per_byte = 1000 / case.cut.max_piece.clamp(1, 1000) as u128;
    seeds * per_byte * case.cut.pause.as_micros()
}

/// One reply our server sent: which command, where its body starts in the
/// seed's stream, and its bytes.
pub(super) struct ReplyMark {
    pub(super) seed: u64,
    pub(super) cmd: String,
    /// `None` when the client was gone before the reply was all sent.
    pub(super) body_at: Option<u64>,
    pub(super) bytes: Vec<u8>,
}

/// One seed's stream as our server wrote it.
#[derive(Default)]
pub(super) struct SeedRecord {
    pub(super) seed: u64,
    pub(super) chunks: Vec<Chunk>,
    pub(super) ends: Vec<u64>,
}

/// What our server saw: the replies it sent, each seed's pieces, and the
/// first thing that went wrong on its side (with the seed it happened in).
#[derive(Default)]
pub(super) struct Served {
    pub(super) replies: Vec<ReplyMark>,
    pub(super) seeds: Vec<SeedRecord>,
    pub(super) error: Option<(u64, String, Option<String>)>,
}

fn run_one(
    opts: &CheckOptions,
    wire: &dyn Wire,
    case: &ClientCase,
    template: &str,
) -> Result<CaseReport, SetupError> {
    let started = Instant::now();
    let seeds = seeds_for(opts, case.max_seeds);
    let n_seeds = seeds.end - seeds.start;
    let report = |o| case_report(case.name, case.what, n_seeds, o, started);
    let mut spec = case.cut;
    if case.header_split {
        match wire.header_split() {
            Some(script) => spec = spec.scripted(script),
            None => {
                return Ok(report(Outcome::Skip(crate::t!(if opts.lab.number == 7 {
                    "check-cl-skip-echo-no-header"
                } else {
                    "check-cl-skip-digits-no-end"
                }))))
            }
        }
    }
    let plan: Vec<(u64, Vec<String>)> = seeds.map(|s| (s, (case.commands)(s))).collect();
    let mut stdin = String::new();
    for (_, cmds) in &plan {
        for c in cmds {
            stdin.push_str(c);
            stdin.push('\n');
        }
    }

    let listener = sock::listen(SocketAddr::from(([127, 0, 0, 1], 0)))
        .map_err(|e| SetupError(crate::t!("check-cannot-listen", error = e)))?;
    let port = listener
        .local_addr()
        .map_err(|e| SetupError(e.to_string()))?
        .port();
    let line = template
        .replace("{host}", "127.0.0.1")
        .replace("{port}", &port.to_string());
    // Lab 05: the client runs in a scratch folder holding the files it puts.
    let lines: Vec<String> = plan.iter().flat_map(|(_, c)| c.clone()).collect();
    let scratch = match wire.client_files(&lines) {
        Some(files) => Some(scratch_folder(case.name, &files)?),
        None => None,
    };
    let (line, dir) = match &scratch {
        Some(s) => (super::absolute_words(&line), Some(s.0.as_path())),
        None => (line, None),
    };
    let mut child = GroupChild::spawn_in(&line, Some(stdin.into_bytes()), dir)
        .map_err(|e| SetupError(crate::t!("check-cannot-start", command = &line, error = e)))?;
    let conn = accept_from(&listener, &mut child).map_err(|why| {
        SetupError(crate::t!(
            "check-cl-never-connected",
            port = port,
            why = why,
            command = &line,
            stderr = stderr_tail(&child.stderr())
        ))
    })?;

    let (served, end) = serve_beside(
        &mut child,
        EXIT_GRACE,
        || serve(wire, case, spec, &plan, conn),
        None,
    );
    let mut case = *case;
    if let Some(h) = wire.protocol_hint() {
        case.hint = h;
    }
    let mut outcome = judge(&case, &served, &end);
    if let (Outcome::Pass, Some(s)) = (&outcome, &scratch) {
        if let Err(why) = wire.check_client_files(&s.0, &lines) {
            let seed = served.seeds.last().map_or(0, |r| r.seed);
            outcome = FailureBuilder::new(seed, why, case.hint).build();
        }
    }
    Ok(report(outcome))
}

/// A fresh folder for one case's client, holding `files`.
fn scratch_folder(
    case: &str,
    files: &[(String, Vec<u8>)],
) -> Result<crate::lessons::lab05_transfer::Scratch, SetupError> {
    let s = crate::lessons::lab05_transfer::Scratch::new(&format!("check-{case}"))
        .map_err(|e| SetupError(crate::t!("check-cl-no-scratch", error = e)))?;
    for (name, bytes) in files {
        std::fs::write(s.0.join(name), bytes)
            .map_err(|e| SetupError(crate::t!("check-cl-scratch-write", name = name, error = e)))?;
    }
    Ok(s)
}

/// Accepts the client's connection, or says why none came.
pub(super) fn accept_from(
    listener: &std::net::TcpListener,
    child: &mut GroupChild,
) -> Result<TcpStream, String> {
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    loop {
        match listener.accept() {
            Ok((c, _)) => {
                c.set_nonblocking(false).map_err(|e| e.to_string())?;
                return Ok(c);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e.to_string()),
        }
        if let Some(st) = child.try_status() {
            // It may have connected just before exiting.
            thread::sleep(Duration::from_millis(20));
            if let Ok((c, _)) = listener.accept() {
                let _ = c.set_nonblocking(false);
                return Ok(c);
            }
            return Err(crate::t!("check-exited-first", status = st));
        }
        if Instant::now() >= deadline {
            return Err(crate::t!(
                "check-nothing-within",
                seconds = CONNECT_TIMEOUT.as_secs()
            ));
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// How a client ended once our reference side was done with it.
pub(super) struct ClientEnd {
    /// Its exit status; `None` when it was still running at the grace's end.
    pub waited: Option<std::process::ExitStatus>,
    /// It exited but left processes of its group running.
    pub forked: bool,
    /// Everything it printed on stdout.
    pub out: Vec<u8>,
    /// Everything it printed on stderr.
    pub err: Vec<u8>,
}

/// Runs our reference side (`serve`) while the client runs; waits for the
/// client to exit at most `grace` after `serve` is done, kills its group
/// if it does not, and collects what it printed. `gone`, when given, is
/// set once the waiting is over (lab 06's server stops listening then).
pub(super) fn serve_beside<T: Default + Send>(
    child: &mut GroupChild,
    grace: Duration,
    serve: impl FnOnce() -> T + Send,
    gone: Option<&AtomicBool>,
) -> (T, ClientEnd) {
    let done = AtomicBool::new(false);
    let (served, waited) = thread::scope(|s| {
        let server = s.spawn(|| {
            let served = serve();
            done.store(true, Ordering::SeqCst);
            served
        });
        let waited = wait_for_exit(child, &done, grace);
        if let Some(g) = gone {
            g.store(true, Ordering::SeqCst);
        }
        if waited.is_none() {
            child.kill_group();
        }
        (server.join().unwrap_or_default(), waited)
    });
    let forked = waited.is_some() && child.left_processes_behind();
    if waited.is_some() {
        // Its last output may still be in the pipe.
        child.drain_output(DRAIN);
    }
    let end = ClientEnd {
        waited,
        forked,
        out: child.stdout(),
        err: child.stderr(),
    };
    child.kill_group();
    (served, end)
}

/// Waits for the client to exit: at most `grace` after our server is
/// done with it, and never past [`CASE_LIMIT`]. `None`: it is still running.
pub(super) fn wait_for_exit(
    child: &mut GroupChild,
    done: &AtomicBool,
    grace: Duration,
) -> Option<std::process::ExitStatus> {
    let mut done_at = None;
    loop {
        if let Some(s) = child.try_status() {
            return Some(s);
        }
        if done_at.is_none() && done.load(Ordering::SeqCst) {
            done_at = Some(Instant::now());
        }
        if done_at.is_some_and(|t| t.elapsed() >= grace) || child.age() >= CASE_LIMIT {
            return None;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Our reference server's side of one case.
fn serve(
    wire: &dyn Wire,
    case: &ClientCase,
    spec: super::CutSpec,
    plan: &[(u64, Vec<String>)],
    conn: TcpStream,
) -> Served {
    let mut served = Served::default();
    let mut s = match BufStream::new(conn, READ_TIMEOUT) {
        Ok(s) => s,
        Err(e) => {
            served.error = Some((0, format!("socket: {e}"), None));
            return served;
        }
    };
    for (seed, cmds) in plan {
        let mut cut = Cutter::new(*seed, 0, spec);
        let mut failed: Option<(String, Option<String>)> = None;
        for cmd in cmds {
            // Lab 05's put and get: the lab reads, checks and answers them.
            if let Some(ex) = wire.exchange(&mut s, cmd, &mut cut) {
                match ex {
                    Ok(ex) => served.replies.push(ReplyMark {
                        seed: *seed,
                        cmd: cmd.clone(),
                        body_at: ex.body_at,
                        bytes: ex.printed,
                    }),
                    Err(e) => {
                        failed = Some((e, None));
                        break;
                    }
                }
                continue;
            }
            let req = match wire.read_request_for(&mut s, cmd.as_bytes()) {
                Ok(Some(r)) => r,
                Ok(None) => {
                    failed = Some((crate::t!("check-cl-closed-instead", command = cmd), None));
                    break;
                }
                Err(e) => {
                    failed = Some((
                        crate::t!("check-cl-waiting-command", command = cmd, error = e),
                        None,
                    ));
                    break;
                }
            };
            if String::from_utf8_lossy(&req).trim() != cmd {
                failed = Some((
                    crate::t!(
                        "check-cl-sent-instead",
                        sent = preview(&req, 60),
                        command = cmd
                    ),
                    Some(crate::t!(if wire.requests_framed() {
                        "check-cl-hint-framed-request"
                    } else {
                        "check-cl-hint-bare-request"
                    })),
                ));
                break;
            }
            let reply = wire.reply_to(cmd);
            if case.ending == Ending::CloseMidReply {
                let _ = wire.send_part_and_close(&mut s, &reply, 300, &mut cut);
                break;
            }
            // Marked before it is sent: a client that dies mid-reply is
            // judged on what it printed of this reply too.
            served.replies.push(ReplyMark {
                seed: *seed,
                cmd: cmd.clone(),
                body_at: None,
                bytes: wire.printed_reply(&reply),
            });
            match wire.send_reply(&mut s, &reply, &mut cut) {
                Ok(body_at) => {
                    if let Some(m) = served.replies.last_mut() {
                        m.body_at = Some(body_at);
                    }
                }
                Err(e) => {
                    failed = Some((
                        crate::t!("check-cl-sending-reply", command = cmd, error = e),
                        None,
                    ));
                    break;
                }
            }
        }
        let (chunks, ends) = cut.into_record();
        served.seeds.push(SeedRecord {
            seed: *seed,
            chunks,
            ends,
        });
        if let Some((why, hint)) = failed {
            served.error = Some((*seed, why, hint));
            return served;
        }
    }
    // Every reply is out: wait for the client to close (it exits at the end
    // of its stdin), so the grace for exiting starts from there.
    if case.ending == Ending::Normal {
        let _ = wire.read_request(&mut s);
    }
    served
}

/// Where the client's output first differs from the replies: the reply's
/// index and the bytes printed for it (a little more, to show what follows).
pub(super) fn first_wrong_reply<'a>(
    out: &'a [u8],
    replies: &[ReplyMark],
) -> Result<usize, (usize, &'a [u8])> {
    let mut pos = 0;
    for (i, r) in replies.iter().enumerate() {
        if out[pos..].starts_with(PROMPT) && !r.bytes.starts_with(PROMPT) {
            pos += PROMPT.len();
        }
        let end = (pos + r.bytes.len()).min(out.len());
        if out[pos..end] != r.bytes[..] {
            return Err((i, &out[pos..(end + 64).min(out.len())]));
        }
        pos = end;
    }
    Ok(pos)
}

pub(super) fn judge(case: &ClientCase, served: &Served, end: &ClientEnd) -> Outcome {
    let (status, forked, out, err) = (end.waited, end.forked, &end.out[..], &end.err[..]);
    let last_seed = served.seeds.last().map_or(0, |r| r.seed);
    let record = |seed: u64| served.seeds.iter().find(|r| r.seed == seed);
    if let (Ending::CloseMidReply, Some((seed, why, hint))) = (case.ending, &served.error) {
        let hint = hint.as_deref().unwrap_or(case.hint);
        return FailureBuilder::new(*seed, why.clone(), hint).build();
    }
    if case.ending == Ending::CloseMidReply {
        let fail = |msg: String| {
            let mut b = FailureBuilder::new(last_seed, msg, case.hint);
            if let Some(r) = record(last_seed) {
                b = b.pieces(&r.chunks, &r.ends, None, "check-piece");
            }
            b.build()
        };
        return match status {
            None => fail(crate::t!(
                "check-cl-mid-reply-hangs",
                seconds = EXIT_GRACE.as_secs()
            )),
            Some(s) if s.success() => fail(crate::t!("check-cl-mid-reply-exit0")),
            Some(_) if err.iter().all(u8::is_ascii_whitespace) => fail(crate::t!(
                "check-cl-silent-exit",
                status = status.map(|s| s.to_string()).unwrap_or_default()
            )),
            Some(_) => Outcome::Pass,
        };
    }
    // The output first: the earliest wrong byte tells the most.
    let end = match first_wrong_reply(out, &served.replies) {
        Ok(end) => end,
        Err((i, got)) => {
            let r = &served.replies[i];
            let at = super::first_difference(&r.bytes, got);
            let msg = if got.is_empty()
                || (at == 0 && got.len() < r.bytes.len() && out.len() <= got.len())
            {
                crate::t!(
                    "check-cl-printed-nothing",
                    command = &r.cmd,
                    bytes = r.bytes.len()
                )
            } else if at == got.len() && got.len() < r.bytes.len() {
                crate::t!(
                    "check-cl-printed-part",
                    at = at,
                    bytes = r.bytes.len(),
                    command = &r.cmd
                )
            } else {
                crate::t!(
                    "check-cl-output-differs",
                    bytes = r.bytes.len(),
                    command = &r.cmd,
                    at = at
                )
            };
            let msg = match status {
                Some(st) if !st.success() => {
                    crate::t!(
                        "check-cl-and-exited",
                        message = msg,
                        status = st,
                        stderr = stderr_tail(err)
                    )
                }
                None => crate::t!(
                    "check-cl-and-still-running",
                    message = msg,
                    seconds = EXIT_GRACE.as_secs()
                ),
                _ => msg,
            };
            let mut b = FailureBuilder::new(r.seed, msg, case.hint)
                .command(&r.cmd)
                .compare(&r.bytes, got);
            if let Some(rec) = record(r.seed) {
                b = b.pieces(
                    &rec.chunks,
                    &rec.ends,
                    r.body_at.map(|o| o + at as u64),
                    "check-piece",
                );
            }
            return b.build();
        }
    };
    if let Some((seed, why, hint)) = &served.error {
        let hint = hint.as_deref().unwrap_or(case.hint);
        let mut b = FailureBuilder::new(*seed, why.clone(), hint);
        if let Some(rec) = record(*seed) {
            b = b.pieces(&rec.chunks, &rec.ends, None, "check-piece");
        }
        if status.is_none() {
            b = FailureBuilder::new(
                *seed,
                crate::t!(
                    "check-cl-and-stuck",
                    message = why,
                    seconds = EXIT_GRACE.as_secs()
                ),
                hint,
            );
            if let Some(rec) = record(*seed) {
                b = b.pieces(&rec.chunks, &rec.ends, None, "check-piece");
            }
        }
        return b.build();
    }
    let mut rest = &out[end..];
    while rest.starts_with(PROMPT) {
        rest = &rest[PROMPT.len()..];
    }
    if !rest.iter().all(u8::is_ascii_whitespace) {
        return FailureBuilder::new(
            last_seed,
            crate::t!(
                "check-cl-printed-more",
                bytes = rest.len(),
                preview = preview(rest, 60)
            ),
            "check-cl-hint-print-only",
        )
        .build();
    }
    if case.ending == Ending::ReplyLost {
        let lost = |msg: String| FailureBuilder::new(last_seed, msg, case.hint).build();
        return match status {
            None => lost(crate::t!(
                "check-cl-lost-still-waiting",
                seconds = LOST_GRACE.as_secs()
            )),
            Some(s) if s.success() => lost(crate::t!("check-cl-lost-exit0")),
            Some(s) if err.iter().all(u8::is_ascii_whitespace) => {
                lost(crate::t!("check-cl-lost-silent", status = s))
            }
            Some(_) => Outcome::Pass,
        };
    }
    match status {
        None => FailureBuilder::new(
            last_seed,
            crate::t!("check-cl-never-exits", seconds = EXIT_GRACE.as_secs()),
            "check-cl-hint-exit-at-eof",
        )
        .build(),
        Some(s) if !s.success() => FailureBuilder::new(
            last_seed,
            crate::t!(
                "check-cl-exit-nonzero",
                status = s,
                stderr = stderr_tail(err)
            ),
            "check-cl-hint-exit0",
        )
        .build(),
        Some(_) if forked => FailureBuilder::new(
            last_seed,
            crate::t!("check-cl-forked"),
            "check-cl-hint-no-fork",
        )
        .build(),
        Some(_) => Outcome::Pass,
    }
}

/// The last lines of a program's stderr, for an error message.
pub(super) fn stderr_tail(err: &[u8]) -> String {
    let text = String::from_utf8_lossy(err);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return String::new();
    }
    let tail = &lines[lines.len().saturating_sub(3)..];
    crate::t!(
        "check-stderr-ends",
        stderr = preview(tail.join(" | ").as_bytes(), 200)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(bytes: &[u8]) -> ReplyMark {
        ReplyMark {
            seed: 0,
            cmd: "x".into(),
            body_at: Some(0),
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn prompts_before_replies_are_removed_and_the_first_wrong_reply_is_found() {
        let replies = [mark(b"one\n"), mark(b"two\n")];
        assert_eq!(
            first_wrong_reply(b">>> one\n>>> two\n>>> ", &replies),
            Ok(16)
        );
        assert_eq!(first_wrong_reply(b"one\ntwo\n", &replies), Ok(8));
        let (i, got) = first_wrong_reply(b"one\ntw", &replies).unwrap_err();
        assert_eq!((i, got), (1, &b"tw"[..]));
    }
}
