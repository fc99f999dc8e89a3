//! The demo's exchanges, run and recorded: each returns what happened for
//! `labs/lab03_length_ack.rs` to narrate.

use std::io::{self, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::framing::DEFAULT_MAX_FRAME;
use crate::harness::command::{background, through};
use crate::harness::Compat;
use crate::kit::proxy::ProxyConfig;
use crate::kit::runner::{self, RunnerConfig};
use crate::kit::server::Background;
use crate::kit::server::KeptErrors;

use super::{
    fixed_recv, lesson_recv, read_reply, send_request, serve_without_ack, AckError, AckServer,
    LengthText, LessonExchange,
};

/// A quiet lab 03 server on an ephemeral loopback port, speaking `compat`
/// with built-in commands; its connections' errors are kept for the story.
pub fn demo_server(compat: Compat) -> io::Result<(Background, KeptErrors)> {
    let srv = AckServer {
        compat,
        max_len: DEFAULT_MAX_FRAME,
        runner: RunnerConfig::default(),
        idle: None,
    };
    background(move |s| srv.serve_tcp(s))
}

/// What the lesson's server sends for `cmd`: its stdout.
pub fn expected(cmd: &str) -> Vec<u8> {
    runner::run(cmd.as_bytes(), &RunnerConfig::default()).stdout
}

/// The lesson's `send(cmd)`: the bare command.
fn send(mut conn: &TcpStream, cmd: &str) -> io::Result<()> {
    conn.write_all(cmd.as_bytes())
}

/// Stage 1: one command's reply, read by [`lesson_recv`] on loopback.
#[derive(Clone, Debug)]
pub struct LoopbackReply {
    /// The command.
    pub cmd: &'static str,
    /// The exchange as the lesson's client saw it.
    pub ex: LessonExchange,
    /// The reply's true length: what the command prints.
    pub want: usize,
    /// Whether the whole reply came in one `recv(int(length))`.
    pub whole: bool,
}

/// Asks each of `cmds` on one connection to a lesson-mode server and reads
/// each reply with [`lesson_recv`].
pub fn lesson_replies(
    server: SocketAddr,
    cmds: &[&'static str],
) -> Result<Vec<LoopbackReply>, AckError> {
    let conn = crate::harness::command::demo_connect(server)?;
    let mut replies = Vec::new();
    for &cmd in cmds {
        send(&conn, cmd)?;
        let ex = lesson_recv(&conn)?;
        let want = expected(cmd);
        replies.push(LoopbackReply {
            cmd,
            whole: ex.body() == want && ex.body_reads.len() == 1,
            want: want.len(),
            ex,
        });
    }
    Ok(replies)
}

/// Asks `cmd` through a chaos proxy with `cfg`, reading the reply with `recv`.
fn through_chaos(
    cfg: &ProxyConfig,
    cmd: &str,
    recv: fn(&TcpStream) -> Result<LessonExchange, AckError>,
) -> Result<LessonExchange, AckError> {
    let (proxy, conn) = through(cfg)?;
    send(&conn, cmd)?;
    let ex = recv(&conn)?;
    drop((conn, proxy));
    Ok(ex)
}

/// Stage 2: the same reply through the same cuts (`cfg`, upstream a
/// lesson-mode server), read by [`lesson_recv`] and by [`fixed_recv`].
pub fn short_and_fixed(
    cfg: &ProxyConfig,
    cmd: &str,
) -> Result<(LessonExchange, LessonExchange), AckError> {
    Ok((
        through_chaos(cfg, cmd, lesson_recv)?,
        through_chaos(cfg, cmd, fixed_recv)?,
    ))
}

/// Stage 3: a reply whose digits the cuts split, read by [`lesson_recv`];
/// and the same command, through the same cuts, in our format (digits end
/// with `\n`) from our own server.
#[derive(Clone, Debug)]
pub struct SplitRun {
    /// The lesson's exchange: the digits cut short.
    pub split: LessonExchange,
    /// Ours: the whole reply.
    pub whole: Vec<u8>,
}

/// Runs stage 3 through a chaos proxy with `cfg` (upstream a lesson-mode server).
pub fn split_digits(cfg: &ProxyConfig, cmd: &str) -> Result<SplitRun, AckError> {
    let split = through_chaos(cfg, cmd, lesson_recv)?;
    let (ours, _errors) = demo_server(Compat::Ours)?;
    let mut cfg_ours = cfg.clone();
    cfg_ours.upstream = ours.addr();
    let (_proxy, s) = through(&cfg_ours)?;
    let mut w = s.try_clone()?;
    let mut r = BufReader::new(s);
    let codec = LengthText::ours();
    send_request(&mut w, &codec, cmd.as_bytes())?;
    let whole = read_reply(&mut r, &mut w, &codec)?;
    Ok(SplitRun { split, whole })
}

/// Stage 4: the digits' `recv(1024)` from a server without step 2, and
/// with it, through the same cuts.
#[derive(Clone, Debug)]
pub struct NoAckRun {
    /// [`lesson_recv`] against [`serve_without_ack`]: digits and data merged.
    pub merged: LessonExchange,
    /// [`fixed_recv`] against the lesson's server: the digits alone.
    pub acked: LessonExchange,
}

/// Runs stage 4 through a chaos proxy with `cfg` (upstream a lesson-mode
/// server): first against a server that skips the `ok`, then against `cfg`'s own.
pub fn without_ack(cfg: &ProxyConfig, cmd: &str) -> Result<NoAckRun, AckError> {
    let runner = RunnerConfig::default();
    let (noack, _errors) = background(move |s| serve_without_ack(s, &runner))?;
    let mut c = cfg.clone();
    c.upstream = noack.addr();
    Ok(NoAckRun {
        merged: through_chaos(&c, cmd, lesson_recv)?,
        acked: through_chaos(cfg, cmd, fixed_recv)?,
    })
}

/// Stage 5: each command's round trip, ours against lab 04's header.
#[derive(Clone, Debug)]
pub struct CostRun {
    /// Lab 03: length text, `ok`, data.
    pub with_ok: Vec<Duration>,
    /// Lab 04: 4-byte header + data.
    pub header: Vec<Duration>,
    /// Whether every reply was what the command prints.
    pub intact: bool,
}

/// Runs `ask` `rounds` times, timing each: the round trips, and whether
/// every reply was `want`.
fn time_rounds(
    rounds: usize,
    want: &[u8],
    mut ask: impl FnMut() -> Result<Vec<u8>, AckError>,
) -> Result<(Vec<Duration>, bool), AckError> {
    let (mut times, mut intact) = (Vec::new(), true);
    for _ in 0..rounds {
        let t0 = Instant::now();
        let got = ask()?;
        times.push(t0.elapsed());
        intact &= got == want;
    }
    Ok((times, intact))
}

impl CostRun {
    /// Each round trip in milliseconds.
    pub fn ms(v: &[Duration]) -> Vec<f64> {
        v.iter().map(|d| d.as_secs_f64() * 1e3).collect()
    }

    /// The mean round trip in milliseconds.
    pub fn mean_ms(v: &[Duration]) -> f64 {
        v.iter().sum::<Duration>().as_secs_f64() * 1e3 / v.len().max(1) as f64
    }

    /// The fastest round trip in milliseconds: the protocol's own cost. A
    /// busy machine only ever adds to a round trip, so the best of a few is
    /// what the check trusts; the mean is shown beside it.
    pub fn best_ms(v: &[Duration]) -> f64 {
        v.iter().min().map_or(0.0, |d| d.as_secs_f64() * 1e3)
    }
}

/// Times `rounds` commands `cmd` per protocol, each through a delay proxy
/// adding `rtt`, after the connection was set up: lab 03's three steps
/// against lab 04's one header.
pub fn cost_of_the_ok(rtt: Duration, rounds: usize, cmd: &str) -> Result<CostRun, AckError> {
    use crate::framing::{FrameReader, LengthPrefix};
    use crate::lessons::lab04_struct_header as lab04;
    let (ack_srv, _e1) = demo_server(Compat::Ours)?;
    let (hdr_srv, _e2) = lab04::demo_server(LengthPrefix::lesson(), Compat::Ours)?;
    let want = runner::run(cmd.as_bytes(), &RunnerConfig::default()).combined();
    let (_p3, s) = through(&ProxyConfig::latency_only(ack_srv.addr(), rtt))?;
    let mut w = s.try_clone()?;
    let mut r = BufReader::new(s);
    let codec = LengthText::ours();
    let (with_ok, ok03) = time_rounds(rounds, &want, || {
        send_request(&mut w, &codec, cmd.as_bytes())?;
        read_reply(&mut r, &mut w, &codec)
    })?;
    let (_p4, s) = through(&ProxyConfig::latency_only(hdr_srv.addr(), rtt))?;
    let mut w = s.try_clone()?;
    let mut frames = FrameReader::new(s, LengthPrefix::lesson());
    let (header, ok04) = time_rounds(rounds, &want, || {
        Ok(lab04::ask(
            &mut frames,
            &mut w,
            Compat::Ours,
            cmd.as_bytes(),
        )?)
    })?;
    let intact = ok03 && ok04;
    Ok(CostRun {
        with_ok,
        header,
        intact,
    })
}
