//! The demo's measurements, one per stage: each function opens the sockets,
//! sends, waits for what the lesson needs to have happened, and returns
//! what it saw. The binary (`labs/lab01_naive_recv.rs`) only narrates,
//! shows and checks these results, so a student reads the story there and
//! the socket work here.
//!
//! Every wait is bounded by [`LIMIT`]; a reply that never came is a
//! [`RunError::Missing`], which the demo reports as a failed stage.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use super::{
    lesson_recv, recv_until_close, Journal, NaiveClient, NaiveError, NaiveServer, BIG_RECV,
};
use crate::kit::proxy::{ChaosProxy, Direction, ProxyConfig};
use crate::kit::record::{Chunk, Clock};
use crate::kit::runner::RunnerConfig;
use crate::kit::server::{Background, ServeOptions};
use crate::kit::sock;
use crate::kit::text::{decode_each, Encoding, StreamDecoder};
use crate::lessons::LESSON_RECV;
use crate::report::ledger::Ledger;

/// The longest any single wait in the demo may take before it gives up.
pub const LIMIT: Duration = Duration::from_secs(10);

/// Why a stage's measurement could not finish.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Something the stage waited for did not come within [`LIMIT`].
    #[error("{}", crate::t!("lab01-error-missing", what = crate::t!(.0)))]
    Missing(&'static str),
    /// A socket call failed.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The hand-driven server's exchange failed.
    #[error(transparent)]
    Server(#[from] NaiveError),
}

/// What every stage talks to: a naive server on an ephemeral loopback
/// port, its journal, and the clock all recordings share.
pub struct LabServer {
    /// Where the server listens.
    pub addr: SocketAddr,
    /// Every exchange the server made.
    pub journal: Journal,
    /// The clock every recording of the demo shares.
    pub clock: Clock,
    _server: Background,
}

impl LabServer {
    /// Starts a quiet naive server on `127.0.0.1:0`, keeping a journal.
    pub fn start(runner: RunnerConfig, clock: Clock) -> io::Result<LabServer> {
        let mut server = NaiveServer::new(runner);
        let journal = server.journal();
        let quiet = ServeOptions {
            log: false,
            ..ServeOptions::default()
        };
        let bg = Background::start(SocketAddr::from(([127, 0, 0, 1], 0)), quiet, move |c, p| {
            server.handle(c, p)
        })?;
        Ok(LabServer {
            addr: bg.addr(),
            journal,
            clock,
            _server: bg,
        })
    }

    /// The server's reply to the `i`-th command of `client`, waiting for it.
    pub fn reply_to(&self, client: &NaiveClient, i: usize) -> Result<Vec<u8>, RunError> {
        let seen = self.journal.wait_for(client.local_addr()?, i + 1, LIMIT);
        seen.get(i)
            .map(|e| e.reply.clone())
            .ok_or(RunError::Missing("lab01-missing-reply"))
    }

    fn client(&self, recv_size: usize) -> io::Result<NaiveClient> {
        NaiveClient::connect(self.addr, recv_size, self.clock)
    }
}

/// The bytes of each recorded call.
pub fn bytes_of(chunks: &[Chunk]) -> Vec<Vec<u8>> {
    chunks.iter().map(|c| c.bytes.clone()).collect()
}

/// Stage 1: `ls` and one `recv(1024)`.
#[derive(Debug)]
pub struct ShortRun {
    /// What the server sent.
    pub reply: Vec<u8>,
    /// What the one recv returned.
    pub got: Vec<u8>,
    /// The client's recv calls.
    pub reads: Vec<Chunk>,
    /// The reply against the reads.
    pub ledger: Ledger,
}

/// Stage 1: `ls` is short, so one recv(1024) happens to hold all of it.
pub fn short_command(lab: &LabServer) -> Result<ShortRun, RunError> {
    let mut c = lab.client(LESSON_RECV)?;
    let got = c.ask("ls")?;
    let reply = lab.reply_to(&c, 0)?;
    let reads = c.reads().to_vec();
    let ledger = Ledger::from_bytes(&[&reply], &bytes_of(&reads));
    Ok(ShortRun {
        reply,
        got,
        reads,
        ledger,
    })
}

/// Stage 2: `help` then `ls` on one connection, read the lesson's way, and
/// `help` again on a connection of its own, read until the server closes.
#[derive(Debug)]
pub struct DesyncRun {
    /// What the server sent for `help`.
    pub help: Vec<u8>,
    /// What the server sent for `ls`.
    pub ls: Vec<u8>,
    /// The first `lesson_recv(1024)`: help's head.
    pub first: Vec<u8>,
    /// The second `lesson_recv(1024)`, printed as ls's reply.
    pub second: Vec<u8>,
    /// The lesson's client's recv calls.
    pub reads: Vec<Chunk>,
    /// Both replies against the reads.
    pub ledger: Ledger,
    /// What `recv_until_close` returned on the one-command connection.
    pub whole: Vec<u8>,
    /// Its recv calls.
    pub whole_reads: Vec<Chunk>,
    /// The lesson's client's local port: its conversation in a capture.
    pub client_port: u16,
}

impl DesyncRun {
    /// The part of help the first recv left in the receive buffer.
    pub fn tail(&self) -> &[u8] {
        &self.help[self.first.len().min(self.help.len())..]
    }
}

/// Stage 2: `help` is longer than 1024 bytes; its tail answers the next
/// command. Each wait lets the whole reply land before the recv, so the cut
/// is the recv size's doing: at 1024, every run.
pub fn long_reply_desync(lab: &LabServer) -> Result<DesyncRun, RunError> {
    let mut c = lab.client(LESSON_RECV)?;
    let client_port = c.local_addr()?.port();
    c.send(b"help")?;
    let help = lab.reply_to(&c, 0)?;
    c.wait_queued(help.len(), LIMIT)?;
    let first = lesson_recv(c.incoming(), LESSON_RECV)?;
    c.send(b"ls")?;
    let ls = lab.reply_to(&c, 1)?;
    let left = help.len() - first.len() + ls.len();
    c.wait_queued(left.min(LESSON_RECV), LIMIT)?;
    let second = lesson_recv(c.incoming(), LESSON_RECV)?;
    let reads = c.reads().to_vec();
    let ledger = Ledger::from_bytes(&[&help, &ls], &bytes_of(&reads));

    // The read that cannot desync: one command, then read until the server closes.
    let mut once = lab.client(LESSON_RECV)?;
    once.send(b"help")?;
    once.stop_sending()?;
    let whole = recv_until_close(once.incoming(), LESSON_RECV)?;
    Ok(DesyncRun {
        help,
        ls,
        first,
        second,
        reads,
        ledger,
        whole,
        whole_reads: once.reads().to_vec(),
        client_port,
    })
}

/// Stage 3: two quick sends, one late recv on the server.
#[derive(Debug)]
pub struct GluedRun {
    /// The client's send calls (`ls`, `dir`).
    pub sends: Vec<Chunk>,
    /// The server's one `recv(1024)`, as a recorded call.
    pub server_read: Chunk,
    /// The command the server ran (what that recv returned).
    pub request: Vec<u8>,
    /// Its exit code.
    pub exit_code: i32,
    /// The client's recv of the answer.
    pub answer: Vec<u8>,
}

/// Stage 3: the request direction sticks too. A server connection driven by
/// hand, so its recv happens only after both commands have landed, as on a
/// server busy with something else.
pub fn commands_glued(clock: Clock) -> Result<GluedRun, RunError> {
    let listener = sock::listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let mut c = NaiveClient::connect(listener.local_addr()?, LESSON_RECV, clock)?;
    let (conn, peer) = listener.accept()?;
    c.send(b"ls")?;
    c.send(b"dir")?;
    super::wait_queued(&conn, 5, LIMIT)?;
    let server = NaiveServer::new(RunnerConfig::default());
    let Some(ex) = server.answer_one(&conn, peer)? else {
        return Err(RunError::Missing("lab01-missing-commands"));
    };
    let answer = c.recv()?;
    Ok(GluedRun {
        sends: c.sends().to_vec(),
        server_read: Chunk {
            offset: 0,
            bytes: ex.request.clone(),
            at: clock.elapsed(),
        },
        request: ex.request,
        exit_code: ex.exit_code,
        answer,
    })
}

/// Stage 4: `recv(204800000)` on loopback, then through a chaos hop.
#[derive(Debug)]
pub struct BigBufferRun {
    /// The commands sent on loopback.
    pub cmds: [&'static str; 4],
    /// The server's replies to them, as many as arrived.
    pub local_replies: usize,
    /// Those replies against the big recvs.
    pub local: Ledger,
    /// The chaos proxy's address.
    pub proxy: SocketAddr,
    /// What the naive client took as help's reply, through the proxy.
    pub first: Vec<u8>,
    /// What it took as ls's reply.
    pub second: Vec<u8>,
    /// The commands the server behind the proxy received.
    pub requests: Vec<String>,
    /// The replies it sent.
    pub replies: Vec<Vec<u8>>,
    /// The pieces the proxy cut the replies into.
    pub pieces: Vec<usize>,
    /// The client's recv calls through the proxy.
    pub reads: Vec<Chunk>,
    /// The replies against those reads.
    pub hopped: Ledger,
}

/// Stage 4: seed 000's recv(204800000) — fine on loopback, broken through a
/// real TCP hop that re-cuts the stream (`ChaosProxy`, pieces of 1..=256 B,
/// 25 ms apart, by `seed`).
pub fn bigger_buffer(lab: &LabServer, seed: u64) -> Result<BigBufferRun, RunError> {
    let cmds = ["help", "ls", "seq 300", "zh"];
    let mut c = lab.client(BIG_RECV)?;
    for cmd in cmds {
        c.ask(cmd)?;
    }
    let replies: Vec<Vec<u8>> = lab
        .journal
        .wait_for(c.local_addr()?, cmds.len(), LIMIT)
        .into_iter()
        .map(|e| e.reply)
        .collect();
    let local = Ledger::from_bytes(&replies, &bytes_of(c.reads()));
    let local_replies = replies.len();

    let hop = LabServer::start(RunnerConfig::default(), lab.clock)?;
    let mut cfg = ProxyConfig::new(hop.addr, seed, 256);
    cfg.delay = Duration::from_millis(25);
    let proxy = ChaosProxy::start(SocketAddr::from(([127, 0, 0, 1], 0)), cfg)?;
    let mut c = NaiveClient::connect(proxy.local_addr(), BIG_RECV, lab.clock)?;
    let first = c.ask("help")?;
    let second = c.ask("ls")?;
    c.finish()?;
    let sent = hop.journal.wait_for_all(2, LIMIT);
    let replies: Vec<Vec<u8>> = sent.iter().map(|e| e.reply.clone()).collect();
    let requests = sent
        .iter()
        .map(|e| String::from_utf8_lossy(&e.request).into_owned())
        .collect();
    let pieces = proxy
        .wait_pieces(Direction::ToClient, LIMIT)
        .unwrap_or_default();
    let hopped = Ledger::from_bytes(&replies, &bytes_of(c.reads()));
    Ok(BigBufferRun {
        cmds,
        local_replies,
        local,
        proxy: proxy.local_addr(),
        first,
        second,
        requests,
        replies,
        pieces,
        reads: c.reads().to_vec(),
        hopped,
    })
}

/// Stage 5: `zh` read in small pieces, and a GBK server read as UTF-8.
#[derive(Debug)]
pub struct GarbledRun {
    /// The size of each recv for part (a).
    pub small: usize,
    /// zh's reply as the UTF-8 server sent it.
    pub zh: Vec<u8>,
    /// The client's `recv(small)` calls.
    pub reads: Vec<Chunk>,
    /// Each recv decoded on its own.
    pub each: String,
    /// How many of those decodes were garbled.
    pub garbled: usize,
    /// The same recvs through a `StreamDecoder`.
    pub streamed: String,
    /// zh's reply as the GBK server sent it.
    pub gbk: Vec<u8>,
}

impl GarbledRun {
    /// The text the server meant.
    pub fn original(&self) -> String {
        String::from_utf8_lossy(&self.zh).into_owned()
    }
}

/// Stage 5: a multi-byte character cut at a chunk edge — zh (UTF-8, three
/// bytes per character) read with recv(`small`) and decoded two ways — and
/// zh from a GBK server (a Chinese Windows console).
pub fn garbled_text(lab: &LabServer, small: usize) -> Result<GarbledRun, RunError> {
    let mut c = lab.client(small)?;
    c.send(b"zh")?;
    let zh = lab.reply_to(&c, 0)?;
    c.wait_queued(zh.len(), LIMIT)?;
    let mut got = 0;
    while got < zh.len() {
        let r = c.recv()?;
        if r.is_empty() {
            return Err(RunError::Missing("lab01-missing-zh-rest"));
        }
        got += r.len();
    }
    let pieces = bytes_of(c.reads());
    let refs: Vec<&[u8]> = pieces.iter().map(Vec::as_slice).collect();
    let (each, garbled) = decode_each(&refs, Encoding::Utf8);
    let mut dec = StreamDecoder::new(Encoding::Utf8);
    let mut streamed = String::new();
    for (i, p) in refs.iter().enumerate() {
        streamed.push_str(&dec.push(p, i + 1 == refs.len()));
    }

    let gbk_runner = RunnerConfig {
        encoding: Encoding::Gbk,
        ..RunnerConfig::default()
    };
    let gbk_lab = LabServer::start(gbk_runner, lab.clock)?;
    let mut g = gbk_lab.client(LESSON_RECV)?;
    g.send(b"zh")?;
    let sent = gbk_lab.reply_to(&g, 0)?;
    g.wait_queued(sent.len(), LIMIT)?;
    let gbk = g.recv()?;
    Ok(GarbledRun {
        small,
        zh,
        reads: c.reads().to_vec(),
        each,
        garbled,
        streamed,
        gbk,
    })
}
