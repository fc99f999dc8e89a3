//! Lab 06 for the checker: the lessons' upper-case echo over UDP (seed 002
//! §3.2, `server.sendto(data.upper(), addr)`).
//!
//! There is no stream to cut: one `sendto()` is one datagram is one
//! `recvfrom()`, and loopback delivers each whole, once, in order. What a
//! UDP program gets wrong is the rest of lab 06: a buffer shorter than the
//! datagram (the kernel keeps what fits and throws the rest away, man 7
//! udp), an empty datagram (a real message, where TCP's `b''` means
//! closed), the size limit (this system's, measured as lab 06 measures it:
//! [`largest_payload`]), and loss (a client that waits forever for a lost
//! reply hangs). So each case sends datagrams a correct program handles and
//! a buggy one does not; `reply-lost` drops one reply on purpose, by seed,
//! as `sticky proxy --udp` would.
//!
//! Duplicates and reordering, which `sticky proxy --udp` also does, are not
//! cases: the lesson's echo carries no sequence number, so no client could
//! tell a duplicated reply from the next one (lab 06's stage 6 shows what
//! sequence numbers add). There is one format: `--compat` changes nothing.

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use super::cases::{ClientCase, Ending};
use super::client::{
    judge, run_pooled, serve_beside, stderr_tail, ReplyMark, SeedRecord, Served, CONNECT_TIMEOUT,
    EXIT_GRACE, LOST_GRACE,
};
use super::{
    case_report, first_difference, seeds_for, CaseReport, CheckOptions, CutSpec, FailureBuilder,
    Outcome, Role, SetupError, IO_TIMEOUT,
};
use crate::kit::child::GroupChild;
use crate::kit::record::{Clock, Tape};
use crate::kit::sock::{is_timeout, recv_datagram};
use crate::kit::text::preview;
use crate::lessons::lab06_udp_vs_tcp::runs::largest_payload;
use crate::lessons::lab06_udp_vs_tcp::{upper, MAX_IPV4_PAYLOAD, WHOLE_DATAGRAM};

/// The largest UDP payload this system sends over IPv4 on loopback,
/// measured once by bisection on real `sendto()` calls, as lab 06's size
/// stage does (Linux and Windows: 65507; macOS: 9216 by default).
pub fn datagram_limit() -> usize {
    static LIMIT: OnceLock<usize> = OnceLock::new();
    *LIMIT.get_or_init(|| {
        let measure = || -> std::io::Result<usize> {
            let rx = UdpSocket::bind("127.0.0.1:0")?;
            let tx = UdpSocket::bind("127.0.0.1:0")?;
            largest_payload(&tx, rx.local_addr()?, 1, MAX_IPV4_PAYLOAD + 1)
        };
        measure().unwrap_or(MAX_IPV4_PAYLOAD)
    })
}

/// `n` bytes of lower-case text, one line, ending in a letter.
fn text(n: usize, seed: u64) -> String {
    let words = format!("udp keeps boundaries seed {seed} one sendto one recvfrom "); // not prose: a message
    let mut s: String = words.chars().cycle().take(n.max(1)).collect();
    s.pop();
    s.push('z');
    s
}

fn boundaries(seed: u64) -> Vec<String> {
    vec![
        format!("hello {seed}"),
        format!("world {seed}"),
        "one sendto is one recvfrom".into(), // not prose: a message
        format!("udp keeps boundaries {seed}"), // not prose: a message
    ]
}
fn over_buffer(seed: u64) -> Vec<String> {
    vec![
        format!("a short one first {seed}"), // not prose: a message
        text(1500 + (seed as usize * 397) % 2500, seed),
    ]
}
fn empty(seed: u64) -> Vec<String> {
    vec![String::new(), format!("after the empty datagram {seed}")] // not prose: a message
}
fn near_limit(seed: u64) -> Vec<String> {
    let limit = datagram_limit();
    vec![text(limit - 1, seed), text(limit, seed)]
}
fn utf8(seed: u64) -> Vec<String> {
    vec![format!("粘包 {seed}: straße café")]
}
fn lost(seed: u64) -> Vec<String> {
    vec![format!("is anyone there {seed}")] // not prose: a message
}

const BUFFER: &str = "check-lab06-hint-buffer";

/// The client cases: our server answers each datagram with `upper()` of it;
/// a client prints each reply, then a newline.
pub const CLIENT_CASES: &[ClientCase] = &[
    ClientCase {
        name: "boundaries",
        what: "check-lab06-client-boundaries-what",
        hint: "check-lab06-client-boundaries-hint",
        commands: boundaries,
        cut: CutSpec::WHOLE,
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "reply-over-buffer",
        what: "check-lab06-client-reply-over-buffer-what",
        hint: BUFFER,
        commands: over_buffer,
        cut: CutSpec::WHOLE,
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "empty-datagram",
        what: "check-lab06-client-empty-datagram-what",
        hint: "check-lab06-client-empty-datagram-hint",
        commands: empty,
        cut: CutSpec::WHOLE,
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "near-limit",
        what: "check-lab06-client-near-limit-what",
        hint: "check-lab06-client-near-limit-hint",
        commands: near_limit,
        cut: CutSpec::WHOLE,
        max_seeds: 2,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "utf8",
        what: "check-lab06-client-utf8-what",
        hint: "check-lab06-client-utf8-hint",
        commands: utf8,
        cut: CutSpec::WHOLE,
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "reply-lost",
        what: "check-lab06-client-reply-lost-what",
        hint: "check-lab06-client-reply-lost-hint",
        commands: lost,
        cut: CutSpec::WHOLE,
        max_seeds: 3,
        ending: Ending::ReplyLost,
        header_split: false,
    },
];

/// What a server case sends.
#[derive(Clone, Copy, Debug)]
enum Send {
    /// One datagram at a time, each reply awaited.
    OneByOne(fn(u64) -> Vec<String>),
    /// All datagrams back to back, then every reply (in any order: UDP
    /// does not promise order, and a threaded server may answer out of it).
    BackToBack(fn(u64) -> Vec<String>),
    /// Four clients at once, three datagrams each.
    Several,
}

/// A case for a student's UDP server.
#[derive(Clone, Copy, Debug)]
struct UdpServerCase {
    name: &'static str,
    what: &'static str,
    hint: &'static str,
    send: Send,
    max_seeds: u64,
}

fn back_to_back(seed: u64) -> Vec<String> {
    vec![format!("hello {seed}"), format!("world {seed}")]
}
fn over_1024(seed: u64) -> Vec<String> {
    vec![text(1500 + (seed as usize * 397) % 2500, seed)]
}

const SERVER_CASES: &[UdpServerCase] = &[
    UdpServerCase {
        name: "boundaries",
        what: "check-lab06-server-boundaries-what",
        hint: "check-lab06-server-boundaries-hint",
        send: Send::BackToBack(back_to_back),
        max_seeds: u64::MAX,
    },
    UdpServerCase {
        name: "over-1024",
        what: "check-lab06-server-over-1024-what",
        hint: BUFFER,
        send: Send::OneByOne(over_1024),
        max_seeds: u64::MAX,
    },
    UdpServerCase {
        name: "empty-datagram",
        what: "check-lab06-server-empty-datagram-what",
        hint: "check-lab06-server-empty-datagram-hint",
        send: Send::OneByOne(empty),
        max_seeds: u64::MAX,
    },
    UdpServerCase {
        name: "near-limit",
        what: "check-lab06-server-near-limit-what",
        hint: "check-lab06-server-near-limit-hint",
        send: Send::OneByOne(near_limit),
        max_seeds: 2,
    },
    UdpServerCase {
        name: "utf8",
        what: "check-lab06-server-utf8-what",
        hint: "check-lab06-server-utf8-hint",
        send: Send::OneByOne(utf8),
        max_seeds: u64::MAX,
    },
    UdpServerCase {
        name: "several-clients",
        what: "check-lab06-server-several-clients-what",
        hint: "check-lab06-server-several-clients-hint",
        send: Send::Several,
        max_seeds: 1,
    },
];

/// The case names for a role.
pub fn case_names(role: &Role) -> Vec<&'static str> {
    match role {
        Role::Client(_) => CLIENT_CASES.iter().map(|c| c.name).collect(),
        _ => SERVER_CASES.iter().map(|c| c.name).collect(),
    }
}

/// Runs lab 06's cases for the role in `opts`.
pub fn run_cases(opts: &CheckOptions) -> Result<Vec<CaseReport>, SetupError> {
    match &opts.role {
        Role::Client(template) => run_client_cases(opts, template),
        _ => run_server_cases(opts),
    }
}

/// A short name for a message in sentences: long ones by their size.
fn name_of(msg: &[u8]) -> String {
    if msg.is_empty() {
        crate::t!("check-lab06-empty-datagram")
    } else if msg.len() <= 40 {
        preview(msg, 40)
    } else {
        format!("{}… ({} B)", preview(&msg[..24], 30), msg.len())
    }
}

// ─────────────────────────── their client ───────────────────────────

fn run_client_cases(opts: &CheckOptions, template: &str) -> Result<Vec<CaseReport>, SetupError> {
    if !template.contains("{port}") {
        return Err(SetupError(crate::t!(
            "check-cl-needs-port",
            template = template
        )));
    }
    let cases: Vec<&ClientCase> = CLIENT_CASES
        .iter()
        .filter(|c| opts.case.as_deref().is_none_or(|n| n == c.name))
        .collect();
    // The limit is measured before any case starts, not inside one.
    let _ = datagram_limit();
    run_pooled(&cases, |case| run_client_case(opts, case, template))
}

fn run_client_case(
    opts: &CheckOptions,
    case: &ClientCase,
    template: &str,
) -> Result<CaseReport, SetupError> {
    let started = Instant::now();
    let seeds = seeds_for(opts, case.max_seeds);
    let n_seeds = seeds.end - seeds.start;
    let plan: Vec<(u64, Vec<String>)> = seeds.map(|s| (s, (case.commands)(s))).collect();
    let mut stdin = String::new();
    for (_, msgs) in &plan {
        for m in msgs {
            stdin.push_str(m);
            stdin.push('\n');
        }
    }
    let sock = UdpSocket::bind("127.0.0.1:0")
        .map_err(|e| SetupError(crate::t!("check-lab06-no-socket-local", error = e)))?;
    let port = sock
        .local_addr()
        .map_err(|e| SetupError(e.to_string()))?
        .port();
    let line = template
        .replace("{host}", "127.0.0.1")
        .replace("{port}", &port.to_string());
    let mut child = GroupChild::spawn(&line, Some(stdin.into_bytes()))
        .map_err(|e| SetupError(crate::t!("check-cannot-start", command = &line, error = e)))?;
    let grace = if case.ending == Ending::ReplyLost {
        LOST_GRACE
    } else {
        EXIT_GRACE
    };
    let gone = AtomicBool::new(false);
    let ((served, heard), end) = serve_beside(
        &mut child,
        grace,
        || serve(case, &plan, &sock, &gone),
        Some(&gone),
    );
    if !heard {
        return Err(SetupError(crate::t!(
            "check-lab06-never-sent",
            port = port,
            why = match end.waited {
                Some(st) => crate::t!("check-exited-first", status = st),
                None => crate::t!("check-nothing-within", seconds = CONNECT_TIMEOUT.as_secs()),
            },
            command = &line,
            stderr = stderr_tail(&end.err)
        )));
    }
    let mut outcome = judge(case, &served, &end);
    // A client may notice the truncation instead of avoiding it: nothing
    // printed for the long reply, a non-zero exit and a line on stderr.
    if case.name == "reply-over-buffer" {
        if let (Outcome::Fail(_), Some(st)) = (&outcome, end.waited) {
            if let Err((i, got)) = super::client::first_wrong_reply(&end.out, &served.replies) {
                if got.is_empty()
                    && served.replies[i].bytes.len() > 1025
                    && !st.success()
                    && !end.err.iter().all(u8::is_ascii_whitespace)
                {
                    outcome = Outcome::Pass;
                }
            }
        }
    }
    Ok(case_report(case.name, case.what, n_seeds, outcome, started))
}

/// Our server's side: each datagram must be the next stdin line; each is
/// answered with its upper-case, except the one `reply-lost` drops. Also
/// says whether any datagram came at all.
fn serve(
    case: &ClientCase,
    plan: &[(u64, Vec<String>)],
    sock: &UdpSocket,
    gone: &AtomicBool,
) -> (Served, bool) {
    let mut served = Served::default();
    let mut heard = false;
    if let Err(e) = sock.set_read_timeout(Some(Duration::from_millis(50))) {
        served.error = Some((0, format!("socket: {e}"), None));
        return (served, heard);
    }
    let last = plan.len().saturating_sub(1);
    for (k, (seed, msgs)) in plan.iter().enumerate() {
        let mut tape = Tape::new(Clock::start());
        let mut ends = Vec::new();
        let mut failed = None;
        for (i, msg) in msgs.iter().enumerate() {
            let waiting = Instant::now();
            let d = loop {
                match recv_datagram(sock, WHOLE_DATAGRAM + 1) {
                    Ok(d) => break Some(d),
                    Err(e) if is_timeout(&e) => {
                        if gone.load(Ordering::SeqCst) {
                            break None;
                        }
                        // The first datagram waits as long as a TCP client may
                        // take to connect: the program may still be starting.
                        let limit = if heard { IO_TIMEOUT } else { CONNECT_TIMEOUT };
                        if waiting.elapsed() >= limit {
                            failed = Some(crate::t!(
                                "check-lab06-sent-nothing",
                                seconds = limit.as_secs(),
                                datagram = name_of(msg.as_bytes())
                            ));
                            break None;
                        }
                    }
                    // An ICMP error from an earlier reply: not this datagram's fault.
                    Err(_) => {}
                }
            };
            let Some(d) = d else { break };
            heard = true;
            if d.data != msg.as_bytes() {
                failed = Some(crate::t!(
                    "check-lab06-sent-other",
                    sent = name_of(&d.data),
                    bytes = d.data.len(),
                    datagram = name_of(msg.as_bytes()),
                    want = msg.len()
                ));
                break;
            }
            if case.ending == Ending::ReplyLost && k == last && i + 1 == msgs.len() {
                // Dropped, as a network may: no reply.
                break;
            }
            let reply = upper(&d.data);
            let mut printed = reply.clone();
            printed.push(b'\n');
            served.replies.push(ReplyMark {
                seed: *seed,
                cmd: name_of(msg.as_bytes()),
                body_at: Some(tape.total()),
                bytes: printed,
            });
            if let Err(e) = sock.send_to(&reply, d.from) {
                failed = Some(crate::t!(
                    "check-lab06-sending-reply",
                    datagram = name_of(msg.as_bytes()),
                    error = e
                ));
                break;
            }
            tape.push(&reply);
            ends.push(tape.total());
        }
        served.seeds.push(SeedRecord {
            seed: *seed,
            chunks: tape.take(),
            ends,
        });
        if let Some(why) = failed {
            served.error = Some((*seed, why, Some(crate::t!("check-lab06-hint-one-datagram"))));
            return (served, heard);
        }
        if gone.load(Ordering::SeqCst) {
            break;
        }
    }
    (served, heard)
}

// ─────────────────────────── their server ───────────────────────────

/// The server's program (when the checker started it) and its address.
struct Started {
    child: Option<GroupChild>,
    addr: SocketAddr,
    line: String,
}

fn start(role: &Role) -> Result<Started, SetupError> {
    let mut s = match role {
        Role::Addr(a) => Started {
            child: None,
            addr: *a,
            line: a.to_string(),
        },
        Role::Server(template) | Role::Client(template) => {
            if !template.contains("{port}") {
                return Err(SetupError(crate::t!(
                    "check-sv-needs-port",
                    template = template
                )));
            }
            // A free UDP port, chosen by the kernel and handed to the program.
            let port = UdpSocket::bind("127.0.0.1:0")
                .and_then(|s| s.local_addr())
                .map_err(|e| SetupError(crate::t!("check-lab06-no-free-port", error = e)))?
                .port();
            let line = template.replace("{port}", &port.to_string());
            let child = GroupChild::spawn(&line, None).map_err(|e| {
                SetupError(crate::t!("check-cannot-start", command = &line, error = e))
            })?;
            Started {
                child: Some(child),
                addr: SocketAddr::from(([127, 0, 0, 1], port)),
                line,
            }
        }
    };
    wait_until_echoing(&mut s)?;
    Ok(s)
}

/// Waits until the server answers: a UDP server cannot be seen listening
/// from outside without asking, so a probe datagram asks (every 200 ms; an
/// echo server answers `probe` with `PROBE`, and a lost probe is resent).
fn wait_until_echoing(s: &mut Started) -> Result<(), SetupError> {
    let probe = UdpSocket::bind("127.0.0.1:0")
        .map_err(|e| SetupError(crate::t!("check-lab06-no-socket", error = e)))?;
    let _ = probe.set_read_timeout(Some(Duration::from_millis(200)));
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    loop {
        if let Some(c) = &mut s.child {
            if let Some(st) = c.try_status() {
                let err = c.stderr();
                return Err(SetupError(crate::t!(
                    "check-lab06-exited-before-answer",
                    status = st,
                    stderr = stderr_tail(&err),
                    command = &s.line
                )));
            }
        }
        let _ = probe.send_to(b"probe", s.addr);
        if let Ok(d) = recv_datagram(&probe, WHOLE_DATAGRAM + 1) {
            if d.data == b"PROBE" {
                return Ok(());
            }
        }
        if Instant::now() >= deadline {
            return Err(SetupError(crate::t!(
                "check-lab06-nothing-answered",
                addr = s.addr,
                seconds = CONNECT_TIMEOUT.as_secs(),
                command = &s.line
            )));
        }
    }
}

fn run_server_cases(opts: &CheckOptions) -> Result<Vec<CaseReport>, SetupError> {
    let cases: Vec<&UdpServerCase> = SERVER_CASES
        .iter()
        .filter(|c| opts.case.as_deref().is_none_or(|n| n == c.name))
        .collect();
    let _ = datagram_limit();
    // One server for every case (a UDP server keeps no connection), started
    // again if a case made it exit.
    let mut server = start(&opts.role)?;
    let mut reports = Vec::new();
    for case in cases {
        let t0 = Instant::now();
        let seeds = seeds_for(opts, case.max_seeds);
        let n = seeds.end - seeds.start;
        let exited = server
            .child
            .as_mut()
            .and_then(|c| c.try_status().map(|st| (st, c.stderr())));
        if let Some((st, err)) = exited {
            let note = crate::t!(
                "check-lab06-restarted",
                status = st,
                stderr = stderr_tail(&err)
            );
            server = match start(&opts.role) {
                Ok(s) => s,
                Err(e) => {
                    let o =
                        FailureBuilder::new(seeds.start, format!("{note}: {e}"), case.hint).build();
                    reports.push(case_report(case.name, case.what, 0, o, t0));
                    continue;
                }
            };
        }
        let mut outcome = Outcome::Pass;
        for seed in seeds {
            if let Some(o) = run_server_seed(case, server.addr, seed) {
                outcome = o;
                break;
            }
        }
        if let (Outcome::Fail(f), Some(c)) = (&mut outcome, server.child.as_mut()) {
            thread::sleep(Duration::from_millis(50));
            if let Some(st) = c.try_status() {
                f.message = crate::t!(
                    "check-sv-had-exited",
                    message = &f.message,
                    status = st,
                    stderr = stderr_tail(&c.stderr())
                );
            }
        }
        reports.push(case_report(case.name, case.what, n, outcome, t0));
    }
    if let Some(c) = &mut server.child {
        c.kill_group();
    }
    Ok(reports)
}

/// One seed of one server case; `None` when every reply was right.
fn run_server_seed(case: &UdpServerCase, to: SocketAddr, seed: u64) -> Option<Outcome> {
    match case.send {
        Send::OneByOne(f) => ask_in_turn(case, to, seed, &f(seed), 0),
        Send::BackToBack(f) => ask_back_to_back(case, to, seed, &f(seed)),
        Send::Several => {
            let results: Vec<Option<Outcome>> = thread::scope(|s| {
                let hs: Vec<_> = (0..4u64)
                    .map(|k| {
                        s.spawn(move || {
                            let msgs: Vec<String> = (0..3)
                                .map(|i| format!("client {k} datagram {i} seed {seed}")) // not prose:
                                .collect();
                            ask_in_turn(case, to, seed, &msgs, k + 1)
                        })
                    })
                    .collect();
                hs.into_iter().map(|h| h.join().ok().flatten()).collect()
            });
            results.into_iter().flatten().next()
        }
    }
}

fn socket() -> Result<UdpSocket, String> {
    let s = UdpSocket::bind("127.0.0.1:0")
        .map_err(|e| crate::t!("check-lab06-no-socket", error = e))?;
    s.set_read_timeout(Some(IO_TIMEOUT))
        .map_err(|e| e.to_string())?;
    Ok(s)
}

/// The next datagram from `from`, or why none came.
fn reply_from(sock: &UdpSocket, from: SocketAddr, after: &str) -> Result<Vec<u8>, String> {
    loop {
        match recv_datagram(sock, WHOLE_DATAGRAM + 1) {
            Ok(d) if d.from == from => return Ok(d.data),
            Ok(_) => {} // someone else's datagram: not a reply
            Err(e) if is_timeout(&e) => {
                return Err(crate::t!(
                    "check-lab06-no-reply",
                    after = after,
                    seconds = IO_TIMEOUT.as_secs()
                ))
            }
            Err(e) => {
                return Err(crate::t!(
                    "check-lab06-waiting-reply",
                    after = after,
                    error = e
                ))
            }
        }
    }
}

/// The failure for a wrong (or missing) reply, with the datagrams sent.
fn wrong(
    case: &UdpServerCase,
    seed: u64,
    msg: &[u8],
    got: Result<Vec<u8>, String>,
    tape: &Tape,
    ends: &[u64],
) -> Option<Outcome> {
    let want = upper(msg);
    let b = match got {
        Ok(g) if g == want => return None,
        Ok(g) => FailureBuilder::new(
            seed,
            crate::t!(
                "check-lab06-reply-differs",
                got = g.len(),
                datagram = name_of(msg),
                want = want.len(),
                at = first_difference(&want, &g)
            ),
            case.hint,
        )
        .compare(&want, &g),
        Err(e) => FailureBuilder::new(seed, e, case.hint),
    };
    Some(
        b.command(&name_of(msg))
            .pieces(tape.chunks(), ends, None, "check-datagram")
            .build(),
    )
}

/// Sends each message and checks its reply before sending the next.
fn ask_in_turn(
    case: &UdpServerCase,
    to: SocketAddr,
    seed: u64,
    msgs: &[String],
    client: u64,
) -> Option<Outcome> {
    let fail = |e: String| Some(FailureBuilder::new(seed, e, case.hint).build());
    let sock = match socket() {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut tape = Tape::new(Clock::start());
    let mut ends = Vec::new();
    for msg in msgs {
        let m = msg.as_bytes();
        if let Err(e) = sock.send_to(m, to) {
            return fail(crate::t!(
                "check-lab06-sending",
                datagram = name_of(m),
                error = e
            ));
        }
        tape.push(m);
        ends.push(tape.total());
        let got = reply_from(&sock, to, &name_of(m)).map_err(|e| {
            if client > 0 {
                crate::t!("check-lab06-client-of-four", client = client, error = e)
            } else {
                e
            }
        });
        if let Some(o) = wrong(case, seed, m, got, &tape, &ends) {
            return Some(o);
        }
    }
    None
}

/// Sends every message back to back, then takes the replies in any order:
/// each must be one message's upper-case, whole, and each message answered once.
fn ask_back_to_back(
    case: &UdpServerCase,
    to: SocketAddr,
    seed: u64,
    msgs: &[String],
) -> Option<Outcome> {
    let fail = |e: String| Some(FailureBuilder::new(seed, e, case.hint).build());
    let sock = match socket() {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut tape = Tape::new(Clock::start());
    let mut ends = Vec::new();
    for msg in msgs {
        if let Err(e) = sock.send_to(msg.as_bytes(), to) {
            return fail(crate::t!(
                "check-lab06-sending",
                datagram = name_of(msg.as_bytes()),
                error = e
            ));
        }
        tape.push(msg.as_bytes());
        ends.push(tape.total());
    }
    let mut waiting: Vec<Vec<u8>> = msgs.iter().map(|m| upper(m.as_bytes())).collect();
    while !waiting.is_empty() {
        let got = match reply_from(
            &sock,
            to,
            &crate::t!("check-lab06-back-to-back", n = msgs.len()),
        ) {
            Ok(g) => g,
            Err(e) => {
                let b = FailureBuilder::new(
                    seed,
                    crate::t!(
                        "check-lab06-replies-came",
                        error = e,
                        came = msgs.len() - waiting.len(),
                        n = msgs.len()
                    ),
                    case.hint,
                );
                return Some(
                    b.pieces(tape.chunks(), &ends, None, "check-datagram")
                        .build(),
                );
            }
        };
        match waiting.iter().position(|w| *w == got) {
            Some(i) => {
                waiting.remove(i);
            }
            None => {
                let want = waiting[0].clone();
                return Some(
                    FailureBuilder::new(
                        seed,
                        crate::t!(
                            "check-lab06-not-one-of-them",
                            got = name_of(&got),
                            bytes = got.len()
                        ),
                        case.hint,
                    )
                    .compare(&want, &got)
                    .pieces(tape.chunks(), &ends, None, "check-datagram")
                    .build(),
                );
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_measured_limit_is_at_most_ipv4s_ceiling_and_the_messages_fit_it() {
        let limit = datagram_limit();
        assert!((1024..=MAX_IPV4_PAYLOAD).contains(&limit), "{limit}");
        #[cfg(target_os = "linux")]
        assert_eq!(limit, MAX_IPV4_PAYLOAD);
        let sizes: Vec<usize> = near_limit(0).iter().map(String::len).collect();
        assert_eq!(sizes, vec![limit - 1, limit]);
        assert!(over_buffer(3)[1].len() > 1024);
    }

    #[test]
    fn every_message_is_one_line_a_client_can_send_as_it_reads_it() {
        for f in [
            boundaries,
            over_buffer,
            empty,
            utf8,
            lost,
            back_to_back,
            over_1024,
        ] {
            for seed in 0..5 {
                for m in f(seed) {
                    assert!(!m.contains('\n') && m.trim() == m);
                }
            }
        }
    }
}
