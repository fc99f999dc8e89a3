//! Checking a student's server: our reference client sends requests (cut
//! into a seed's pieces where the format frames them), reads each reply
//! exactly, and compares it byte for byte with what the command prints.
//! Cases run one after another, each on a new connection, so a server that
//! serves one client at a time is checked fairly (`several-clients` asks
//! four at once, and only needs them all served).

use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use super::cases::{server_cases_for, OwnRun, ServerCase, ServerKind};
use super::client::{expected, stderr_tail, CONNECT_TIMEOUT};
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
}

/// Runs the server cases against `--server CMD` or `--addr`. With
/// `--server`, each case starts the program afresh on a new port, so one
/// case's crash (or a server that serves one client and exits) shows up in
/// the case that causes it, not in every case after it.
pub(super) fn run_cases(
    opts: &CheckOptions,
    wire: &dyn Wire,
) -> Result<Vec<CaseReport>, SetupError> {
    let cases: Vec<&ServerCase> = server_cases_for(opts.lab.number)
        .into_iter()
        .filter(|c| opts.case.as_deref().is_none_or(|n| n == c.name))
        .collect();
    let mut reports = Vec::new();
    let mut proven = false;
    for case in cases {
        if applies(case, wire).is_some() {
            reports.push(run_one(opts, wire, case, None));
            continue;
        }
        let mut started = start(&opts.role)?;
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

fn start(role: &Role) -> Result<Started, SetupError> {
    match role {
        Role::Addr(a) => Ok(Started {
            child: None,
            addr: *a,
            line: a.to_string(),
        }),
        Role::Server(template) | Role::Client(template) => {
            if !template.contains("{port}") {
                return Err(SetupError(format!(
                    "--server needs {{port}} in the command line, e.g. --server 'python3 my_server.py {{port}}'; got `{template}`"
                )));
            }
            // A free port, chosen by the kernel and handed to the program.
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map_err(|e| SetupError(format!("cannot find a free port: {e}")))?
                .port();
            let line = template.replace("{port}", &port.to_string());
            let child = GroupChild::spawn(&line, None)
                .map_err(|e| SetupError(format!("cannot start `{line}`: {e}")))?;
            Ok(Started {
                child: Some(child),
                addr: SocketAddr::from(([127, 0, 0, 1], port)),
                line,
            })
        }
    }
}

/// Waits until the server listens (it may take a moment to start). The
/// probe is a real connection attempt that is not kept: `connect()` only
/// succeeds once the program listens, and the connection is closed at once
/// without a byte, which every server must survive anyway.
fn wait_until_served(started: &mut Started) -> Result<(), SetupError> {
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    loop {
        if let Some(c) = &mut started.child {
            if let Some(st) = c.try_status() {
                let err = c.stderr();
                let busy = String::from_utf8_lossy(&err).contains("in use");
                return Err(SetupError(format!(
                    "your server exited with {st} before accepting a connection{}{}; command: `{}`",
                    if busy { " (its port is busy)" } else { "" },
                    stderr_tail(&err),
                    started.line
                )));
            }
        }
        let up = match started.child {
            Some(_) => listening(started.addr),
            // Someone else's server: a connection, closed at once, asks.
            None => TcpStream::connect_timeout(&started.addr, Duration::from_millis(500)).is_ok(),
        };
        if up {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(SetupError(format!(
                "nothing listens at {} after {} s; command: `{}`",
                started.addr,
                CONNECT_TIMEOUT.as_secs(),
                started.line
            )));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Whether something listens at `addr`, asked without connecting on
/// Linux (a probe connection would use up a one-client server's only
/// accept): `/proc/net/tcp` lists listening sockets. Elsewhere, a connection.
fn listening(addr: SocketAddr) -> bool {
    #[cfg(target_os = "linux")]
    {
        let port = format!(":{:04X} ", addr.port());
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            if let Ok(text) = std::fs::read_to_string(table) {
                // Columns: sl local_address rem_address st …; st 0A is LISTEN.
                if text.lines().skip(1).any(|l| {
                    let cols: Vec<&str> = l.split_whitespace().collect();
                    cols.len() > 3 && format!("{} ", cols[1]).ends_with(&port) && cols[3] == "0A"
                }) {
                    return true;
                }
            }
        }
        false
    }
    #[cfg(not(target_os = "linux"))]
    {
        TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
    }
}

/// `None` when the case applies to this wire; otherwise why not.
fn applies(case: &ServerCase, wire: &dyn Wire) -> Option<String> {
    if case.needs_framed_requests && !wire.requests_framed() {
        return Some("the lesson's requests have no frame to cut (--compat ours has)".into());
    }
    if matches!(case.kind, ServerKind::Glued) && !wire.glue_sound() {
        return Some("the lesson's bare commands have no end: two in one segment cannot be told apart (--compat ours frames them)".into());
    }
    if matches!(case.kind, ServerKind::AckSplit) && !wire.has_ack() {
        return Some("this lab has no ok".into());
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
            Some((st, err)) => format!(
                "cannot connect to your server: it exited with {st}{} (a server must go back to accept() after each client)",
                stderr_tail(&err)
            ),
            None => format!("cannot connect to {}: {e}", started.addr),
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
    send_request(wire, s, cmd, cut).map_err(|e| format!("sending `{cmd}`: {e}"))?;
    wire.read_reply(s, ack)
        .map_err(|e| format!("reading the reply to `{cmd}`: {e}"))
}

pub(super) fn send_request(
    wire: &dyn Wire,
    s: &mut BufStream,
    cmd: &str,
    cut: &mut Cutter,
) -> std::io::Result<()> {
    let bytes = wire.request_bytes(cmd.as_bytes());
    if wire.requests_framed() {
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
        (None, None) => Outcome::Skip("no server was started".into()),
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
        }
        .with_exit_note(started),
    };
    case_report(case.name, case.what, n, outcome, t0)
}

/// Checks one reply; the failure carries the request's pieces.
fn verdict(
    seed: u64,
    case: &ServerCase,
    cmd: &str,
    got: Result<Vec<u8>, String>,
    cut: &Cutter,
    at: u64,
) -> Option<Outcome> {
    let want = expected(cmd);
    let (chunks, ends) = cut.record();
    match got {
        Ok(g) if g == want => None,
        Ok(g) => Some(
            FailureBuilder::new(
                seed,
                format!(
                    "your server's {}-byte reply to `{cmd}` differs from the {} bytes it prints, at byte {}",
                    g.len(),
                    want.len(),
                    super::first_difference(&want, &g)
                ),
                case.hint,
            )
            .command(cmd)
            .compare(&want, &g)
            .pieces(&chunks, &ends, Some(at), "sent")
            .build(),
        ),
        Err(e) => Some(
            FailureBuilder::new(seed, e, case.hint)
                .command(cmd)
                .pieces(&chunks, &ends, Some(at), "sent")
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
            || !["reset", "refused", "closed", "broken pipe"]
                .iter()
                .any(|w| m.contains(w))
        {
            return Outcome::Fail(f);
        }
        thread::sleep(Duration::from_millis(50));
        if let Some(c) = &mut started.child {
            if let Some(st) = c.try_status() {
                f.message = format!(
                    "{}; your server had exited ({st}){}",
                    f.message,
                    stderr_tail(&c.stderr())
                );
                f.hint = format!(
                    "a server must go on serving: after a client leaves, accept() the next one. {}",
                    f.hint
                );
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
        let mut cut = Cutter::new(seed, 0, case.cut);
        let mut ack = Cutter::new(seed, 1, case.cut);
        for cmd in f(seed) {
            let at = cut.offset();
            let got = ask(wire, &mut s, &cmd, &mut cut, &mut ack);
            if let Some(o) = verdict(seed, case, &cmd, got, &cut, at) {
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
                if let Some(o) = verdict(seed, case, cmd, got, &cut, 0) {
                    return o;
                }
            }
            continue;
        }
        if let Err(e) = cut.send_whole(&mut s.w, &both) {
            return fail_connect(seed, case, format!("sending two requests: {e}"));
        }
        cut.end_message();
        for cmd in &cmds {
            let got = wire.read_reply(&mut s, &mut ack).map_err(|e| {
                format!("reading the reply to `{cmd}` (sent glued to the other request): {e}")
            });
            if let Some(o) = verdict(seed, case, cmd, got, &cut, 0) {
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
        let cmd = format!("echo ok was split {seed}");
        let mut cut = Cutter::new(seed, 0, CutSpec::WHOLE);
        let mut ack = Cutter::new(seed, 1, case.cut);
        let got = ask(wire, &mut s, &cmd, &mut cut, &mut ack);
        if let Some(o) = verdict(seed, case, &cmd, got, &ack, 0) {
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
    if let Err(e) = send_request(wire, &mut s, "seq 150000", &mut cut) {
        return fail_connect(seed, case, format!("sending `seq 150000`: {e}"));
    }
    // One recv() of the reply (lab 03: the length text, before any ok),
    // then a reset: the server finds out in the middle of its reply.
    let _ = s.read_once(1000);
    let _ = crate::kit::sock::set_linger_zero(&s.w);
    drop(s);
    thread::sleep(Duration::from_millis(50));
    let mut s = match connect(started) {
        Ok(s) => s,
        Err(e) => return fail_connect(seed, case, format!("after a client left mid-reply: {e}")),
    };
    let cmd = format!("echo still serving {seed}");
    let mut cut = Cutter::new(seed, 2, CutSpec::WHOLE);
    let mut ack = Cutter::new(seed, 3, CutSpec::WHOLE);
    let got = ask(wire, &mut s, &cmd, &mut cut, &mut ack)
        .map_err(|e| format!("the next client, after one left mid-reply: {e}"));
    verdict(seed, case, &cmd, got, &cut, 0).unwrap_or(Outcome::Pass)
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
                                format!("client {k} of {CLIENTS}: cannot connect: {e}"),
                            ))
                        }
                    };
                    let mut cut = Cutter::new(seed, 2 * k, CutSpec::WHOLE);
                    let mut ack = Cutter::new(seed, 2 * k + 1, CutSpec::WHOLE);
                    for i in 0..3 {
                        let cmd = format!("echo client {k} request {i}");
                        let got = ask(wire, &mut s, &cmd, &mut cut, &mut ack).map_err(|e| {
                            format!("client {k} of {CLIENTS} (all connected at once): {e}")
                        });
                        if let Some(o) = verdict(seed, case, &cmd, got, &cut, 0) {
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
