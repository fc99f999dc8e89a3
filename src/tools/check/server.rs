//! Checking a student's server: our reference client sends requests (cut
//! into a seed's pieces where the format frames them), reads each reply
//! exactly, and compares it byte for byte with what the command prints.
//! Cases run one after another, each on a new connection, so a server that
//! serves one client at a time is checked fairly (`several-clients` asks
//! four at once, and only needs them all served).

use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use super::cases::{OwnRun, ServerCase, ServerKind};
use super::client::{stderr_tail, CONNECT_TIMEOUT};
use super::{
    case_report, seeds_for, BufStream, CaseReport, CheckOptions, CutSpec, Cutter, FailureBuilder,
    Outcome, Role, SetupError, Wire, IO_TIMEOUT,
};
use crate::kit::child::GroupChild;

/// The server's program, when the checker started it.
struct Started {
    child: Option<GroupChild>,
    addr: SocketAddr,
    line: String,
    /// The `--server` command line with `{port}` still in it, to start the
    /// program again on another port if this one was taken meanwhile.
    template: Option<String>,
}

/// How often a program that found its port taken is started again on
/// another: the port is free when chosen and let go just before the
/// program starts, and another process (a parallel test, a browser) may
/// take it in between.
const PORT_RETRIES: usize = 3;

/// A port free at this moment on 127.0.0.1.
fn free_port() -> std::io::Result<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()
        .map(|a| a.port())
}

/// Runs the server cases against `--server CMD` or `--addr`. With
/// `--server`, each case gets the program afresh on a port of its own, so
/// one case's crash (or a server that serves one client and exits) shows up
/// in the case that causes it, not in every case after it. All of them are
/// started at once: a program's start (Python on a busy machine: a second
/// or more) is most of a server check's time, and they overlap.
pub(super) fn run_cases(
    opts: &CheckOptions,
    wire: &dyn Wire,
) -> Result<Vec<CaseReport>, SetupError> {
    let cases: Vec<&ServerCase> = wire
        .server_cases(opts.lab.number)
        .into_iter()
        .filter(|c| opts.case.as_deref().is_none_or(|n| n == c.name))
        .collect();
    let wanted = cases.iter().filter(|c| applies(c, wire).is_none()).count();
    let mut servers = start_all(&opts.role, wanted)?.into_iter();
    let mut reports = Vec::new();
    let mut proven = false;
    for case in cases {
        if applies(case, wire).is_some() {
            reports.push(run_one(opts, wire, case, None));
            continue;
        }
        let Some(mut started) = servers.next() else {
            break;
        };
        match wait_until_served(&mut started) {
            Ok(()) => proven = true,
            // Until the server has listened once, it is a setup error (exit 2).
            Err(e) if !proven => return Err(e),
            Err(e) => {
                let t0 = Instant::now();
                let o = FailureBuilder::new(opts.first_seed, e.0, case.hint).build();
                reports.push(case_report(case.name, case.what, 0, o, t0));
                continue;
            }
        }
        reports.push(run_one(opts, wire, case, Some(&mut started)));
        if let Some(c) = &mut started.child {
            c.kill_group();
        }
    }
    Ok(reports)
}

/// `n` servers: the program started `n` times, each on a free port of its
/// own (every port is chosen before any is let go, so no two are the same),
/// or the `--addr` server `n` times.
fn start_all(role: &Role, n: usize) -> Result<Vec<Started>, SetupError> {
    let template = match role {
        Role::Addr(a) => {
            return Ok((0..n)
                .map(|_| Started {
                    child: None,
                    addr: *a,
                    line: a.to_string(),
                    template: None,
                })
                .collect())
        }
        Role::Server(t) | Role::Client(t) => t,
    };
    if !template.contains("{port}") {
        return Err(SetupError(crate::t!(
            "check-sv-needs-port",
            template = template
        )));
    }
    let no_port = |e: std::io::Error| SetupError(crate::t!("check-sv-no-free-port", error = e));
    let holders = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()
        .map_err(no_port)?;
    let ports = holders
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(no_port)?;
    drop(holders);
    ports
        .into_iter()
        .map(|port| start_on(template, port))
        .collect()
}

/// The `--server` program started with `{port}` replaced by `port`.
fn start_on(template: &str, port: u16) -> Result<Started, SetupError> {
    let line = template.replace("{port}", &port.to_string());
    let child = GroupChild::spawn(&line, None)
        .map_err(|e| SetupError(crate::t!("check-cannot-start", command = &line, error = e)))?;
    Ok(Started {
        child: Some(child),
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
        line,
        template: Some(template.to_string()),
    })
}

/// Waits until the server listens (it may take a moment to start). The
/// probe is a real connection attempt that is not kept: `connect()` only
/// succeeds once the program listens, and the connection is closed at once
/// without a byte, which every server must survive anyway.
fn wait_until_served(started: &mut Started) -> Result<(), SetupError> {
    let mut deadline = Instant::now() + CONNECT_TIMEOUT;
    let mut retries = PORT_RETRIES;
    loop {
        if let Some(c) = &mut started.child {
            if let Some(st) = c.try_status() {
                let err = c.stderr();
                let busy = String::from_utf8_lossy(&err).contains("in use");
                if let (true, Some(template), 1..) = (busy, &started.template, retries) {
                    retries -= 1;
                    let port = free_port()
                        .map_err(|e| SetupError(crate::t!("check-sv-no-free-port", error = e)))?;
                    *started = start_on(&template.clone(), port)?;
                    deadline = Instant::now() + CONNECT_TIMEOUT;
                    continue;
                }
                return Err(SetupError(crate::t!(
                    "check-sv-exited-before-accept",
                    status = st,
                    busy = if busy {
                        crate::t!("check-sv-port-busy")
                    } else {
                        String::new()
                    },
                    stderr = stderr_tail(&err),
                    command = &started.line
                )));
            }
        }
        let up = match &started.child {
            Some(c) => c
                .listens_on(started.addr.port())
                .unwrap_or_else(|| answers(started.addr)),
            // Someone else's server: a connection, closed at once, asks.
            None => TcpStream::connect_timeout(&started.addr, Duration::from_millis(500)).is_ok(),
        };
        if up {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(SetupError(crate::t!(
                "check-sv-nothing-listens",
                addr = started.addr,
                seconds = CONNECT_TIMEOUT.as_secs(),
                command = &started.line
            )));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Off Linux, whether something answers at `addr`: a connection, closed at
/// once (there is no /proc to ask without connecting).
fn answers(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

/// `None` when the case applies to this wire; otherwise why not.
fn applies(case: &ServerCase, wire: &dyn Wire) -> Option<String> {
    if case.needs_framed_requests && !wire.requests_cuttable() {
        return Some(crate::t!("check-sv-skip-no-frame"));
    }
    if matches!(case.kind, ServerKind::Glued) && !wire.glue_sound() {
        return Some(crate::t!("check-sv-skip-bare-glued"));
    }
    if matches!(case.kind, ServerKind::AckSplit) && !wire.has_ack() {
        return Some(crate::t!("check-sv-skip-no-ok"));
    }
    None
}

fn connect(started: &mut Started) -> Result<BufStream, String> {
    let s = TcpStream::connect_timeout(&started.addr, CONNECT_TIMEOUT).map_err(|e| {
        let exited = started
            .child
            .as_mut()
            .and_then(|c| c.try_status().map(|st| (st, c.stderr())));
        match exited {
            Some((st, err)) => crate::t!(
                "check-sv-connect-exited",
                status = st,
                stderr = stderr_tail(&err)
            ),
            None => crate::t!("check-cannot-connect", addr = started.addr, error = e),
        }
    })?;
    BufStream::new(s, IO_TIMEOUT).map_err(|e| e.to_string())
}

/// One request and its reply on `s`; the reply or why there is none.
fn ask(
    wire: &dyn Wire,
    s: &mut BufStream,
    cmd: &str,
    cut: &mut Cutter,
    ack: &mut Cutter,
) -> Result<Vec<u8>, String> {
    send_request(wire, s, cmd, cut)
        .map_err(|e| crate::t!("check-sending", command = cmd, error = e))?;
    wire.read_reply_to(s, ack, cmd)
        .map_err(|e| crate::t!("check-reading-reply", command = cmd, error = e))
}

pub(super) fn send_request(
    wire: &dyn Wire,
    s: &mut BufStream,
    cmd: &str,
    cut: &mut Cutter,
) -> std::io::Result<()> {
    let bytes = wire.request_bytes(cmd.as_bytes());
    if wire.requests_cuttable() {
        cut.send(&mut s.w, &bytes)?;
    } else {
        cut.send_whole(&mut s.w, &bytes)?;
    }
    cut.end_message();
    Ok(())
}

fn run_one(
    opts: &CheckOptions,
    wire: &dyn Wire,
    case: &ServerCase,
    started: Option<&mut Started>,
) -> CaseReport {
    let t0 = Instant::now();
    let seeds = seeds_for(opts, case.max_seeds);
    let n = seeds.end - seeds.start;
    let outcome = match (applies(case, wire), started) {
        (Some(why), _) => Outcome::Skip(why),
        (None, None) => Outcome::Skip(crate::t!("check-sv-not-started")),
        (None, Some(started)) => match case.kind {
            ServerKind::Commands(f) => commands(wire, case, started, seeds, f),
            ServerKind::Glued => glued(wire, case, started, seeds),
            ServerKind::AckSplit => ack_split(wire, case, started, seeds),
            ServerKind::LeaveMidReply => leave_mid_reply(wire, case, started, seeds.start),
            ServerKind::SeveralClients => several(wire, case, started, seeds.start),
            ServerKind::Own(run) => match run(&OwnRun {
                case,
                compat: opts.compat,
                addr: started.addr,
                seeds,
                started_here: started.child.is_some(),
            }) {
                Ok(()) => Outcome::Pass,
                Err(f) => Outcome::Fail(f),
            },
            ServerKind::SecondWhileIdle => second_while_idle(wire, case, started, seeds),
        }
        .with_exit_note(started),
    };
    let cut_by_ours = request_cut(wire, case).max_piece != case.cut.max_piece;
    let what = if cut_by_ours && applies(case, wire).is_none() {
        crate::t!(
            "check-sv-requests-cut",
            what = crate::lang::tr(case.what),
            max = OURS_REQUEST_CUT.max_piece,
            long = LONG_REQUEST
        )
    } else {
        case.what.to_string()
    };
    case_report(case.name, &what, n, outcome, t0)
}

/// How requests are cut where a cut cannot break them (our framed format,
/// lab 07's byte-by-byte echo), in cases that would send them whole: the
/// frame says where a request ends, so a server must put any cut back
/// together, in every case, not only `request-split`.
const OURS_REQUEST_CUT: CutSpec = CutSpec::new(7);
/// Past this many bytes a request is cut into about ten pieces instead.
const LONG_REQUEST: usize = 64;

/// The cut for a case's requests: its own, or, where requests survive any
/// cut, every request in pieces (except where the case's point is a whole
/// write: `requests-glued`, `client-leaves`).
fn request_cut(wire: &dyn Wire, case: &ServerCase) -> CutSpec {
    let whole_on_purpose = matches!(
        case.kind,
        ServerKind::Glued | ServerKind::LeaveMidReply | ServerKind::AckSplit
    );
    if wire.requests_cuttable() && case.cut.max_piece == usize::MAX && !whole_on_purpose {
        OURS_REQUEST_CUT
    } else {
        case.cut
    }
}

/// Checks one reply; the failure carries the request's pieces.
fn verdict(
    wire: &dyn Wire,
    seed: u64,
    case: &ServerCase,
    cmd: &str,
    got: Result<Vec<u8>, String>,
    cut: &Cutter,
    at: u64,
) -> Option<Outcome> {
    let want = wire.reply_to(cmd);
    let (chunks, ends) = cut.record();
    match got {
        Ok(g) if g == want => None,
        Ok(g) => Some(
            FailureBuilder::new(
                seed,
                crate::t!(
                    "check-sv-reply-differs",
                    got = g.len(),
                    command = cmd,
                    want = want.len(),
                    at = super::first_difference(&want, &g)
                ),
                case.hint,
            )
            .command(cmd)
            .compare(&want, &g)
            .pieces(&chunks, &ends, Some(at), "check-sent")
            .build(),
        ),
        Err(e) => Some(
            FailureBuilder::new(seed, e, case.hint)
                .command(cmd)
                .pieces(&chunks, &ends, Some(at), "check-sent")
                .build(),
        ),
    }
}

impl Outcome {
    /// A failure after which the server had exited says so: the reset or
    /// refusal the client saw is explained by it.
    fn with_exit_note(self, started: &mut Started) -> Outcome {
        let Outcome::Fail(mut f) = self else {
            return self;
        };
        let m = f.message.to_lowercase();
        if m.contains("exited")
            || m.contains("退出")
            || !["reset", "refused", "closed", "broken pipe"]
                .iter()
                .any(|w| m.contains(w))
        {
            return Outcome::Fail(f);
        }
        thread::sleep(Duration::from_millis(50));
        if let Some(c) = &mut started.child {
            if let Some(st) = c.try_status() {
                f.message = crate::t!(
                    "check-sv-had-exited",
                    message = &f.message,
                    status = st,
                    stderr = stderr_tail(&c.stderr())
                );
                f.hint = crate::t!("check-sv-hint-go-on", hint = &f.hint);
            }
        }
        Outcome::Fail(f)
    }
}

fn fail_connect(seed: u64, case: &ServerCase, e: String) -> Outcome {
    FailureBuilder::new(seed, e, case.hint).build()
}

fn commands(
    wire: &dyn Wire,
    case: &ServerCase,
    started: &mut Started,
    seeds: std::ops::Range<u64>,
    f: fn(u64) -> Vec<String>,
) -> Outcome {
    let mut s = match connect(started) {
        Ok(s) => s,
        Err(e) => return fail_connect(seeds.start, case, e),
    };
    for seed in seeds {
        let cmds = f(seed);
        let mut spec = request_cut(wire, case);
        let longest = cmds.iter().map(String::len).max().unwrap_or(0);
        if spec.max_piece != case.cut.max_piece && longest > LONG_REQUEST {
            // 1-7 B pieces 1 ms apart would cost seconds per seed for a
            // 2 KiB request: a long one is cut into about ten pieces.
            spec = CutSpec::new(longest / 5);
        }
        let mut cut = Cutter::new(seed, 0, spec);
        let mut ack = Cutter::new(seed, 1, case.cut);
        for cmd in cmds {
            let at = cut.offset();
            let got = ask(wire, &mut s, &cmd, &mut cut, &mut ack);
            if let Some(o) = verdict(wire, seed, case, &cmd, got, &cut, at) {
                return o;
            }
        }
    }
    Outcome::Pass
}

fn glued(
    wire: &dyn Wire,
    case: &ServerCase,
    started: &mut Started,
    seeds: std::ops::Range<u64>,
) -> Outcome {
    let mut s = match connect(started) {
        Ok(s) => s,
        Err(e) => return fail_connect(seeds.start, case, e),
    };
    for seed in seeds {
        let cmds = [format!("echo first {seed}"), format!("echo second {seed}")];
        let mut both = wire.request_bytes(cmds[0].as_bytes());
        both.extend(wire.request_bytes(cmds[1].as_bytes()));
        let mut cut = Cutter::new(seed, 0, CutSpec::WHOLE);
        let mut ack = Cutter::new(seed, 1, CutSpec::WHOLE);
        if let Some(replies) = wire.ask_glued(&mut s, &cmds, &mut cut) {
            for (cmd, got) in cmds.iter().zip(replies) {
                if let Some(o) = verdict(wire, seed, case, cmd, got, &cut, 0) {
                    return o;
                }
            }
            continue;
        }
        if let Err(e) = cut.send_whole(&mut s.w, &both) {
            return fail_connect(seed, case, crate::t!("check-sv-sending-two", error = e));
        }
        cut.end_message();
        for cmd in &cmds {
            let got = wire
                .read_reply_to(&mut s, &mut ack, cmd)
                .map_err(|e| crate::t!("check-sv-reading-glued", command = cmd, error = e));
            if let Some(o) = verdict(wire, seed, case, cmd, got, &cut, 0) {
                return o;
            }
        }
    }
    Outcome::Pass
}

fn ack_split(
    wire: &dyn Wire,
    case: &ServerCase,
    started: &mut Started,
    seeds: std::ops::Range<u64>,
) -> Outcome {
    let mut s = match connect(started) {
        Ok(s) => s,
        Err(e) => return fail_connect(seeds.start, case, e),
    };
    for seed in seeds {
        let cmd = format!("echo ok was split {seed}"); // not prose: a command
        let mut cut = Cutter::new(seed, 0, CutSpec::WHOLE);
        let mut ack = Cutter::new(seed, 1, case.cut);
        let got = ask(wire, &mut s, &cmd, &mut cut, &mut ack);
        if let Some(o) = verdict(wire, seed, case, &cmd, got, &ack, 0) {
            return o;
        }
    }
    Outcome::Pass
}

fn leave_mid_reply(
    wire: &dyn Wire,
    case: &ServerCase,
    started: &mut Started,
    seed: u64,
) -> Outcome {
    let mut s = match connect(started) {
        Ok(s) => s,
        Err(e) => return fail_connect(seed, case, e),
    };
    let mut cut = Cutter::new(seed, 0, CutSpec::WHOLE);
    let big = wire.leave_command();
    // An echo (lab 07) answers while we still send and we do not read: a
    // write that stalls then is the server blocked mid-reply, which is
    // where this case wants it.
    let _ = s.w.set_write_timeout(Some(Duration::from_secs(1)));
    match send_request(wire, &mut s, &big, &mut cut) {
        Ok(()) => {}
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) => {}
        Err(e) => {
            return fail_connect(
                seed,
                case,
                crate::t!(
                    "check-sending",
                    command = crate::kit::text::preview(big.as_bytes(), 30),
                    error = e
                ),
            )
        }
    }
    // One recv() of the reply (lab 03: the length text, before any ok),
    // then a reset: the server finds out in the middle of its reply.
    let _ = s.read_once(1000);
    let _ = crate::kit::sock::set_linger_zero(&s.w);
    drop(s);
    thread::sleep(Duration::from_millis(50));
    let mut s = match connect(started) {
        Ok(s) => s,
        Err(e) => return fail_connect(seed, case, crate::t!("check-sv-after-left", error = e)),
    };
    let cmd = format!("echo still serving {seed}"); // not prose: a command
    let mut cut = Cutter::new(seed, 2, CutSpec::WHOLE);
    let mut ack = Cutter::new(seed, 3, CutSpec::WHOLE);
    let got = ask(wire, &mut s, &cmd, &mut cut, &mut ack)
        .map_err(|e| crate::t!("check-sv-next-after-left", error = e));
    verdict(wire, seed, case, &cmd, got, &cut, 0).unwrap_or(Outcome::Pass)
}

fn several(wire: &dyn Wire, case: &ServerCase, started: &mut Started, seed: u64) -> Outcome {
    const CLIENTS: u64 = 4;
    let addr = started.addr;
    let results: Vec<Option<Outcome>> = thread::scope(|sc| {
        let hs: Vec<_> = (0..CLIENTS)
            .map(|k| {
                sc.spawn(move || {
                    let s = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)
                        .and_then(|s| BufStream::new(s, IO_TIMEOUT));
                    let mut s = match s {
                        Ok(s) => s,
                        Err(e) => {
                            return Some(fail_connect(
                                seed,
                                case,
                                crate::t!(
                                    "check-sv-client-cannot-connect",
                                    k = k,
                                    n = CLIENTS,
                                    error = e
                                ),
                            ))
                        }
                    };
                    let mut cut = Cutter::new(seed, 2 * k, request_cut(wire, case));
                    let mut ack = Cutter::new(seed, 2 * k + 1, CutSpec::WHOLE);
                    for i in 0..3 {
                        let cmd = format!("echo client {k} request {i}"); // not prose: a command
                        let got = ask(wire, &mut s, &cmd, &mut cut, &mut ack).map_err(|e| {
                            crate::t!("check-sv-client-at-once", k = k, n = CLIENTS, error = e)
                        });
                        if let Some(o) = verdict(wire, seed, case, &cmd, got, &cut, 0) {
                            return Some(o);
                        }
                    }
                    None
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().ok().flatten()).collect()
    });
    results
        .into_iter()
        .flatten()
        .next()
        .unwrap_or(Outcome::Pass)
}

/// Lab 07's point: a first client is served and then sits idle, still
/// connected; a second client must get its reply meanwhile. A server that
/// handles one connection until it closes never reads the second one.
fn second_while_idle(
    wire: &dyn Wire,
    case: &ServerCase,
    started: &mut Started,
    seeds: std::ops::Range<u64>,
) -> Outcome {
    for seed in seeds {
        let mut first = match connect(started) {
            Ok(s) => s,
            Err(e) => return fail_connect(seed, case, e),
        };
        let cmd = format!("first client {seed}");
        let mut cut = Cutter::new(seed, 0, request_cut(wire, case));
        let mut ack = Cutter::new(seed, 1, CutSpec::WHOLE);
        let got = ask(wire, &mut first, &cmd, &mut cut, &mut ack);
        if let Some(o) = verdict(wire, seed, case, &cmd, got, &cut, 0) {
            return o;
        }
        // `first` stays open and says nothing while the second one asks.
        let mut second = match connect(started) {
            Ok(s) => s,
            Err(e) => return fail_connect(seed, case, crate::t!("check-sv-second", error = e)),
        };
        let cmd = format!("second client {seed}");
        let mut cut = Cutter::new(seed, 2, request_cut(wire, case));
        let mut ack = Cutter::new(seed, 3, CutSpec::WHOLE);
        let got = ask(wire, &mut second, &cmd, &mut cut, &mut ack)
            .map_err(|e| crate::t!("check-sv-second-while-idle", error = e));
        if let Some(o) = verdict(wire, seed, case, &cmd, got, &cut, 0) {
            return o;
        }
        drop(first);
    }
    Outcome::Pass
}
