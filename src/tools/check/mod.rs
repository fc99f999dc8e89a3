//! `sticky check LAB`: hold a student's own client or server to a lab's
//! protocol, with the stream cut on a seed they can replay.
//!
//! On loopback a student's program nearly always gets a whole reply from one
//! `recv()`, so a program with the lesson's bug passes every test the
//! student thinks of. The checker puts our reference program opposite
//! theirs and cuts what *their* program reads into pieces drawn from a
//! seeded [`ChaosPlan`] — the plans `sticky proxy` uses — pausing between
//! pieces so each one arrives as its own `recv()`:
//!
//! * `--client CMD`: our reference server, their client. The server writes
//!   its replies in planned pieces; their client must print every reply's
//!   bytes, whole, in order.
//! * `--server CMD` or `--addr HOST:PORT`: their server, our reference
//!   client. The client writes its requests in planned pieces (only where
//!   the format frames requests: the lesson's server reads a bare command
//!   with one `recv(1024)`, so a cut command is a broken protocol, not a
//!   broken server) and checks every reply byte for byte.
//!
//! Only what the student's program reads is cut: cutting what our side
//! reads would test our code, not theirs.
//!
//! Each case is named, runs over several seeds, and a failure says which
//! seed (`--seed N --case NAME` replays the same cuts), what was expected
//! against what came, the pieces delivered around the first wrong byte,
//! and the usual bug behind it. The cases of each lab are in this folder,
//! one file per lab; `client.rs` and `server.rs` run them.

mod cases;
mod client;
mod lab01;
mod lab03;
mod lab04;
mod lab05;
mod lab06;
mod lab07;
mod server;

use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use crate::report::{style, ALARM, BOLD, PASS, WARN};
use serde::Serialize;

use crate::framing::{ByteOrder, LengthPrefix};
use crate::harness::registry::{self, Lab, LABS};
use crate::harness::Compat;
use crate::kit::chaos::ChaosPlan;
use crate::kit::record::{Chunk, Clock, Tape};
use crate::kit::text::preview;
use crate::report::chunks;
use crate::report::table::{Cell, Table, Tone};

pub use cases::{ClientCase, Ending, ServerCase};

/// Whose program is checked, and how it is reached.
#[derive(Clone, Debug)]
pub enum Role {
    /// Their client, started as this command line with `{host}` and
    /// `{port}` replaced; it talks to our reference server.
    Client(String),
    /// Their server, started as this command line with `{port}` replaced;
    /// our reference client talks to it.
    Server(String),
    /// Their server, already running at this address.
    Addr(SocketAddr),
}

impl Role {
    /// `client` or `server`, for the report.
    pub fn side(&self) -> &'static str {
        match self {
            Role::Client(_) => "client",
            Role::Server(_) | Role::Addr(_) => "server",
        }
    }

    /// The command line or address, as given.
    pub fn program(&self) -> String {
        match self {
            Role::Client(c) | Role::Server(c) => c.clone(),
            Role::Addr(a) => a.to_string(),
        }
    }
}

/// Everything one `sticky check` run needs.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// The lab whose protocol the program speaks.
    pub lab: &'static Lab,
    /// Client or server, and how to start or reach it.
    pub role: Role,
    /// Which wire format: the lesson's own (what students write) or ours.
    pub compat: Compat,
    /// Lab 04's header byte order (`None`: this machine's, as `struct.pack('i')`).
    pub byte_order: Option<ByteOrder>,
    /// How many seeds each case runs (some cases run fewer: see `max_seeds`).
    pub seeds: u64,
    /// The first seed: a replay gives the failing seed here with `seeds` 1.
    pub first_seed: u64,
    /// Run only this case.
    pub case: Option<String>,
}

/// Why a check could not run at all (exit 2): not the program's protocol,
/// its setup — a command that does not start, a port in use, no connection.
#[derive(Debug)]
pub struct SetupError(pub String);

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The checker's result for one run: one row per case.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// `"check"`, so graders can tell this report from a demo's.
    pub kind: &'static str,
    /// The language of the report's sentences: always `en` with `--json`
    /// (a grader's report reads the same whatever `--lang` says).
    pub lang: &'static str,
    /// The lab's binary name.
    pub lab: String,
    /// `client` or `server`.
    pub role: &'static str,
    /// The command line (or address) checked.
    pub program: String,
    /// `lesson` or `ours`.
    pub compat: Compat,
    /// Lab 04's header byte order, when the lab has one.
    pub byte_order: Option<ByteOrder>,
    /// The first seed.
    pub first_seed: u64,
    /// Seeds per case (the most; some cases run fewer).
    pub seeds: u64,
    /// Every case, in the order they ran.
    pub cases: Vec<CaseReport>,
    /// Cases that passed every seed.
    pub passed: usize,
    /// Cases that failed a seed.
    pub failed: usize,
    /// True only when every case that ran passed.
    pub ok: bool,
    /// Wall time of the whole check, in milliseconds.
    pub elapsed_ms: u64,
}

/// One case's result.
#[derive(Clone, Debug, Serialize)]
pub struct CaseReport {
    /// The case's name (`--case NAME`).
    pub name: &'static str,
    /// What it does to the stream, in a few words.
    pub what: String,
    /// `pass`, `fail` or `skip` (the case does not apply to this format).
    pub result: &'static str,
    /// How many seeds ran.
    pub seeds_run: u64,
    /// Why the case was skipped, when it was.
    pub skipped_because: Option<String>,
    /// The first failure, when it failed.
    pub failure: Option<Failure>,
    /// Wall time of the case, in milliseconds.
    pub elapsed_ms: u64,
}

/// What went wrong in one case, on one seed.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    /// The seed whose cuts showed it.
    pub seed: u64,
    /// The command that replays exactly this case and seed.
    pub replay: String,
    /// What went wrong, in one sentence.
    pub message: String,
    /// The command being answered when it went wrong, if one was.
    pub command: Option<String>,
    /// Where the first wrong byte is, in the reply (bytes from its start).
    pub at_byte: Option<usize>,
    /// The expected bytes from a little before the first wrong one, escaped.
    pub expected: Option<String>,
    /// What the program printed or sent there, escaped.
    pub got: Option<String>,
    /// The sizes of the pieces the program was given, in order.
    pub pieces: Vec<usize>,
    /// The chunk view of the pieces around the first wrong byte (plain text in `--json`).
    pub chunk_view: String,
    /// The usual bug behind this failure.
    pub hint: String,
}

/// A case's outcome before it becomes a report row.
pub(crate) enum Outcome {
    Pass,
    Fail(Box<Failure>),
    Skip(String),
}

// ─────────────────────────── the cutter ───────────────────────────

/// How a case cuts what the student's program reads.
#[derive(Clone, Copy, Debug)]
pub struct CutSpec {
    /// Pieces are 1..=`max_piece` bytes.
    pub max_piece: usize,
    /// The pause after each piece, so each arrives as its own `recv()`.
    pub pause: Duration,
    /// Pieces of these sizes first, then the plan's (the 1|3 header split).
    pub script: &'static [usize],
}

impl CutSpec {
    /// Pieces of 1..=`max_piece` bytes, 1 ms apart.
    pub const fn new(max_piece: usize) -> CutSpec {
        CutSpec {
            max_piece,
            pause: Duration::from_millis(1),
            script: &[],
        }
    }

    /// Never cut: every write leaves as one piece.
    pub const WHOLE: CutSpec = CutSpec {
        max_piece: usize::MAX,
        pause: Duration::ZERO,
        script: &[],
    };

    /// The same cuts with another pause.
    pub const fn pause_ms(self, ms: u64) -> CutSpec {
        CutSpec {
            pause: Duration::from_millis(ms),
            ..self
        }
    }

    /// The same cuts after a scripted start.
    pub const fn scripted(self, script: &'static [usize]) -> CutSpec {
        CutSpec { script, ..self }
    }
}

/// Writes bytes to a socket in the pieces a seed's plan draws, pausing
/// between them, and keeps every piece on a tape for the chunk view. One
/// cutter per seed: the same seed gives the same pieces.
pub struct Cutter {
    plan: ChaosPlan,
    spec: CutSpec,
    script: std::collections::VecDeque<usize>,
    tape: Tape,
    /// Stream offsets where a message (request or reply) ends.
    ends: Vec<u64>,
}

impl Cutter {
    /// The cutter for `seed` (stream `stream` of that seed, so a case's
    /// several connections get different cuts).
    pub fn new(seed: u64, stream: u64, spec: CutSpec) -> Cutter {
        Cutter {
            plan: ChaosPlan::for_stream(seed, stream, spec.max_piece.min(1 << 20)),
            spec,
            script: spec.script.iter().copied().collect(),
            tape: Tape::new(Clock::start()),
            ends: Vec::new(),
        }
    }

    /// Writes `bytes` in planned pieces (`spec` decides; `WHOLE` sends one).
    pub fn send(&mut self, w: &mut TcpStream, bytes: &[u8]) -> io::Result<()> {
        let mut rest = bytes;
        while !rest.is_empty() {
            let want = match self.script.pop_front() {
                Some(n) => n,
                None if self.spec.max_piece == usize::MAX => rest.len(),
                None => self.plan.next_cut(),
            };
            let (piece, tail) = rest.split_at(want.clamp(1, rest.len()));
            w.write_all(piece)?;
            w.flush()?;
            self.tape.push(piece);
            rest = tail;
            if !self.spec.pause.is_zero() {
                thread::sleep(self.spec.pause);
            }
        }
        Ok(())
    }

    /// Writes `bytes` as one piece whatever the plan says (what the format
    /// cannot survive being cut, such as the lesson's bare length digits).
    pub fn send_whole(&mut self, w: &mut TcpStream, bytes: &[u8]) -> io::Result<()> {
        w.write_all(bytes)?;
        w.flush()?;
        if !bytes.is_empty() {
            self.tape.push(bytes);
        }
        Ok(())
    }

    /// Marks the end of a message at the current stream offset.
    pub fn end_message(&mut self) {
        self.ends.push(self.tape.total());
    }

    /// Bytes written so far.
    pub fn offset(&self) -> u64 {
        self.tape.total()
    }

    /// A copy of the pieces written so far and where messages ended.
    pub fn record(&self) -> (Vec<Chunk>, Vec<u64>) {
        (self.tape.chunks().to_vec(), self.ends.clone())
    }

    /// The pieces written so far and where messages ended.
    pub fn into_record(mut self) -> (Vec<Chunk>, Vec<u64>) {
        (self.tape.take(), self.ends)
    }
}

// ─────────────────────────── what a lab supplies ───────────────────────────

/// One lab's protocol, both sides, as the checker's reference programs
/// speak it. `BufStream` reads are buffered so a reference side never reads
/// past what it needs; writes that the student's program reads go through
/// a [`Cutter`].
pub trait Wire: Send + Sync {
    /// Reference server: the next command from the student's client, or
    /// `None` when it closed the connection.
    fn read_request(&self, s: &mut BufStream) -> Result<Option<Vec<u8>>, String>;
    /// Reference server: sends one reply, cut as `cut` says; `body_at`
    /// learns the stream offset where the reply's body starts.
    fn send_reply(&self, s: &mut BufStream, reply: &[u8], cut: &mut Cutter) -> Result<u64, String>;
    /// Reference server: announces `full` bytes, sends only `sent` of them
    /// and closes (the peer closing mid-reply). What comes before the body
    /// is the lab's [`Wire::reply_head`]; the body is cut short.
    fn send_part_and_close(
        &self,
        s: &mut BufStream,
        full: &[u8],
        sent: usize,
        cut: &mut Cutter,
    ) -> Result<(), String> {
        let mut bytes = self.reply_head(s, full, cut)?;
        bytes.extend_from_slice(&full[..sent.min(full.len())]);
        s.send_then_close(&bytes, cut)
    }
    /// Reference server: what announces a reply of `full` bytes. Either it
    /// is sent here, whole or with its own exchange (lab 03's length and
    /// `ok`, lab 05's JSON header), and nothing is returned; or it is
    /// returned, to go out cut together with the body (a 4-byte header).
    fn reply_head(
        &self,
        s: &mut BufStream,
        full: &[u8],
        cut: &mut Cutter,
    ) -> Result<Vec<u8>, String>;
    /// Reference client: the bytes of one request (a frame around `cmd` in
    /// our format, the bare command in the lesson's).
    fn request_bytes(&self, cmd: &[u8]) -> Vec<u8>;
    /// Reference client: reads one whole reply (sending `ack` pieces through
    /// `cut` where the protocol has an acknowledgement).
    fn read_reply(&self, s: &mut BufStream, cut: &mut Cutter) -> Result<Vec<u8>, String>;
    /// Whether requests carry a frame (ours) or are a bare command (the lesson's).
    fn requests_framed(&self) -> bool;
    /// The scripted cut that splits the reply's header 1|3 (or the length
    /// text after its first byte); `None` when the header cannot be cut.
    fn header_split(&self) -> Option<&'static [usize]>;
    /// Whether the client sends an acknowledgement the server must read (lab 03's `ok`).
    fn has_ack(&self) -> bool {
        false
    }
    /// The hint for every failure, when the protocol itself is the bug (lab 01).
    fn protocol_hint(&self) -> Option<&'static str> {
        None
    }
    /// Reference server: answers a stdin line that is not a plain command
    /// (lab 05's `put NAME`, `get NAME`) — reads the request, checks it,
    /// replies through `cut` — and says what the client must print for it.
    /// `None`: a plain command, answered the common way.
    fn exchange(
        &self,
        _s: &mut BufStream,
        _line: &str,
        _cut: &mut Cutter,
    ) -> Option<Result<Exchanged, String>> {
        None
    }
    /// The files a client needs beside it for these stdin lines (lab 05's
    /// `put`): `Some` runs the client in a scratch folder holding them.
    fn client_files(&self, _lines: &[String]) -> Option<Vec<(String, Vec<u8>)>> {
        None
    }
    /// After the client ended: what its scratch folder must now hold (lab
    /// 05's `get`), or what is wrong with it.
    fn check_client_files(&self, _dir: &std::path::Path, _lines: &[String]) -> Result<(), String> {
        Ok(())
    }
    /// Reference client: two requests in ONE write and both replies read,
    /// where the protocol needs its own order (lab 03's `ok`); `None`: the
    /// common way (both requests, then both replies).
    fn ask_glued(
        &self,
        _s: &mut BufStream,
        _cmds: &[String; 2],
        _cut: &mut Cutter,
    ) -> Option<Vec<Result<Vec<u8>, String>>> {
        None
    }
    /// Whether two requests in one segment can still be told apart: framed
    /// requests can; the lessons' bare commands cannot, except that lab 03's
    /// `ok` has a known length, so the command after it is whole.
    fn glue_sound(&self) -> bool {
        self.requests_framed()
    }
    /// The bytes the reference server answers `cmd` with (labs 03/04: the
    /// built-in command's output; lab 07: the echo).
    fn reply_to(&self, cmd: &str) -> Vec<u8> {
        client::expected(cmd)
    }
    /// What a client prints for `reply` (the echo labs add a newline, since
    /// the echo itself has none).
    fn printed_reply(&self, reply: &[u8]) -> Vec<u8> {
        reply.to_vec()
    }
    /// Reference server: the next request when the checker knows which
    /// command comes next (`expected`). A format whose requests have no
    /// frame but a known length (lab 07's echo) reads exactly that many bytes.
    fn read_request_for(
        &self,
        s: &mut BufStream,
        _expected: &[u8],
    ) -> Result<Option<Vec<u8>>, String> {
        self.read_request(s)
    }
    /// Reference client: reads the reply to `cmd` (lab 07's unframed echo
    /// needs the command to know the reply's length).
    fn read_reply_to(
        &self,
        s: &mut BufStream,
        cut: &mut Cutter,
        _cmd: &str,
    ) -> Result<Vec<u8>, String> {
        self.read_reply(s, cut)
    }
    /// Whether a request cut anywhere is still answered right: where
    /// requests are framed, and where the service works on the byte stream
    /// itself (lab 07's echo upper-cases byte by byte).
    fn requests_cuttable(&self) -> bool {
        self.requests_framed()
    }
    /// The request a client sends before leaving mid-reply (`client-leaves`):
    /// one whose reply is far bigger than what the client reads of it.
    fn leave_command(&self) -> String {
        "seq 150000".into()
    }
    /// The server cases this lab runs (labs 03/04: [`cases::SERVER_CASES`]).
    fn server_cases(&self, lab: u8) -> Vec<&'static ServerCase> {
        cases::server_cases_for(lab)
    }
    /// The client cases this lab runs.
    fn client_cases(&self, lab: u8) -> Vec<&'static ClientCase> {
        cases::client_cases(lab)
    }
}

/// What a client must print for a line the lab answered itself
/// ([`Wire::exchange`]), and where the reply's body started in the stream.
pub struct Exchanged {
    /// The exact bytes the client must print.
    pub printed: Vec<u8>,
    /// The stream offset of the reply's body, when there was one.
    pub body_at: Option<u64>,
}

/// `line` with every word that names a file or folder below the current
/// one (`my_client.py`, `sub/client.py`) made absolute, so the command
/// still finds it when it runs in a scratch folder (lab 05's client).
pub fn absolute_words(line: &str) -> String {
    let Ok(here) = std::env::current_dir() else {
        return line.to_string();
    };
    line.split(' ')
        .map(|w| {
            let plain = !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-/+".contains(&b));
            if plain && !w.starts_with('/') && here.join(w).exists() {
                here.join(w).display().to_string()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A socket with a read buffer: the reference sides read exactly what the
/// protocol says and leave the rest for the next read.
pub struct BufStream {
    /// Buffered reads.
    pub r: io::BufReader<TcpStream>,
    /// Writes.
    pub w: TcpStream,
}

impl BufStream {
    /// Wraps a connected socket (Nagle off, `timeout` on reads and writes).
    pub fn new(s: TcpStream, timeout: Duration) -> io::Result<BufStream> {
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(timeout))?;
        s.set_write_timeout(Some(timeout))?;
        Ok(BufStream {
            w: s.try_clone()?,
            r: io::BufReader::new(s),
        })
    }

    /// Exactly `n` bytes, or what went wrong in words.
    pub fn read_exact_named(&mut self, n: usize, what: &'static str) -> Result<Vec<u8>, String> {
        crate::framing::recv_exact(&mut self.r, n, what).map_err(|e| timeout_words(&e.to_string()))
    }

    /// `true` when the peer closed before sending another byte: a close
    /// between messages, the normal end of a conversation.
    pub fn at_end(&mut self) -> bool {
        io::BufRead::fill_buf(&mut self.r).is_ok_and(|b| b.is_empty())
    }

    /// The lesson's bare command: one `recv(1024)`; `None` when the peer closed.
    pub fn read_bare_command(&mut self) -> Result<Option<Vec<u8>>, String> {
        self.read_once(crate::lessons::LESSON_RECV)
            .map(|c| Some(c).filter(|c| !c.is_empty()))
    }

    /// Sends `bytes` through `cut`, then closes both ways: a reply cut short.
    pub fn send_then_close(&mut self, bytes: &[u8], cut: &mut Cutter) -> Result<(), String> {
        cut.send(&mut self.w, bytes).map_err(|e| e.to_string())?;
        let _ = self.w.shutdown(std::net::Shutdown::Both);
        Ok(())
    }

    /// One read of up to `n` bytes (the lesson's `recv(n)`); empty at close.
    pub fn read_once(&mut self, n: usize) -> Result<Vec<u8>, String> {
        use io::BufRead;
        let avail = self
            .r
            .fill_buf()
            .map_err(|e| timeout_words(&e.to_string()))?;
        let take = avail.len().min(n);
        let got = avail[..take].to_vec();
        self.r.consume(take);
        Ok(got)
    }
}

/// `body` behind its 4-byte `codec` header (labs 04 and 07 in our format).
pub(crate) fn framed(codec: &LengthPrefix, body: &[u8]) -> Result<Vec<u8>, String> {
    let mut v = codec.pack(body.len()).map_err(|e| e.to_string())?.to_vec();
    v.extend_from_slice(body);
    Ok(v)
}

impl BufStream {
    /// One frame behind a 4-byte `codec` header: the header, read exactly,
    /// then exactly the length it announces (`what` names the body).
    pub fn read_frame(
        &mut self,
        codec: &LengthPrefix,
        what: &'static str,
    ) -> Result<Vec<u8>, String> {
        let h = self.read_exact_named(LengthPrefix::LEN, "header")?;
        let mut hdr = [0u8; LengthPrefix::LEN];
        hdr.copy_from_slice(&h);
        let n = codec.unpack(hdr).map_err(|e| e.localized())?;
        self.read_exact_named(n, what)
    }
}

fn timeout_words(e: &str) -> String {
    if e.contains("timed out") || e.contains("would block") || e.contains("temporarily unavailable")
    {
        crate::t!(
            "check-nothing-arrived",
            seconds = IO_TIMEOUT.as_secs(),
            error = e
        )
    } else {
        e.to_string()
    }
}

/// How long any one read or write of the reference side may wait.
pub const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// The lab's protocol for these options, or why the lab has no check.
fn wire_for(opts: &CheckOptions) -> Result<Box<dyn Wire>, SetupError> {
    match opts.lab.number {
        1 => Ok(Box::new(lab01::Raw)),
        3 => Ok(Box::new(lab03::LengthAck::new(opts.compat))),
        4 => Ok(Box::new(lab04::StructHeader::new(
            opts.compat,
            opts.byte_order,
        ))),
        5 => Ok(Box::new(lab05::JsonWire::new(opts.compat))),
        7 => Ok(Box::new(lab07::Echo::new(opts.compat))),
        _ => Err(SetupError(crate::t!(
            "check-no-cases",
            lab = opts.lab.binary
        ))),
    }
}

/// The lab named on the command line: `lab03`, `3`, `03`, `lab03-length-ack`
/// or `lab03_length_ack`.
pub fn parse_lab(s: &str) -> Result<&'static Lab, String> {
    let t = s.trim().to_ascii_lowercase();
    if let Some(l) = registry::by_binary(&t).or_else(|| LABS.iter().find(|l| l.module == t)) {
        return Ok(l);
    }
    let digits = t.strip_prefix("lab").unwrap_or(&t);
    if let Ok(n) = digits.parse::<u8>() {
        if let Some(l) = LABS.iter().find(|l| l.number == n) {
            return Ok(l);
        }
    }
    Err(crate::t!(
        "check-not-a-lab",
        given = s,
        labs = LABS.iter().map(|l| l.binary).collect::<Vec<_>>().join(", ")
    ))
}

// ─────────────────────────── running ───────────────────────────

/// Runs every case that applies and returns the report; `Err` only for a
/// setup that never let the program be checked.
pub fn run(opts: &CheckOptions) -> Result<CheckReport, SetupError> {
    let started = Instant::now();
    if opts.lab.number == 1 && opts.compat == Compat::Ours {
        return Err(SetupError(crate::t!("check-lab01-no-ours")));
    }
    let mut cases = match &opts.role {
        // Lab 06 is UDP: no stream to cut, so no Wire; its own runner.
        _ if opts.lab.number == 6 => lab06::run_cases(opts)?,
        Role::Client(cmd) => client::run_cases(opts, wire_for(opts)?.as_ref(), cmd)?,
        Role::Server(_) | Role::Addr(_) => {
            if opts.lab.number == 1 {
                return Err(SetupError(crate::t!("check-lab01-clients-only")));
            }
            server::run_cases(opts, wire_for(opts)?.as_ref())?
        }
    };
    if let Some(name) = &opts.case {
        if cases.is_empty() {
            return Err(SetupError(crate::t!(
                "check-no-such-case",
                name = name,
                cases = case_names(opts).join(", ")
            )));
        }
    }
    let passed = cases.iter().filter(|c| c.result == "pass").count();
    let failed = cases.iter().filter(|c| c.result == "fail").count();
    for c in &mut cases {
        if let Some(f) = &mut c.failure {
            f.replay = replay_command(opts, c.name, f.seed);
        }
    }
    Ok(CheckReport {
        kind: "check",
        lang: crate::lang::current().code(),
        lab: opts.lab.binary.to_string(),
        role: opts.role.side(),
        program: opts.role.program(),
        compat: opts.compat,
        byte_order: (opts.lab.number == 4)
            .then(|| opts.byte_order.unwrap_or_else(ByteOrder::native)),
        first_seed: opts.first_seed,
        seeds: opts.seeds,
        ok: failed == 0 && passed > 0,
        passed,
        failed,
        cases,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

/// The names of the cases this lab and role have.
pub fn case_names(opts: &CheckOptions) -> Vec<&'static str> {
    if opts.lab.number == 6 {
        return lab06::case_names(&opts.role);
    }
    let Ok(wire) = wire_for(opts) else {
        return Vec::new();
    };
    match opts.role {
        Role::Client(_) => wire
            .client_cases(opts.lab.number)
            .iter()
            .map(|c| c.name)
            .collect(),
        _ => wire
            .server_cases(opts.lab.number)
            .iter()
            .map(|c| c.name)
            .collect(),
    }
}

/// The seeds a case runs: all of them, or its own cap.
pub(crate) fn seeds_for(opts: &CheckOptions, max_seeds: u64) -> std::ops::Range<u64> {
    let n = opts.seeds.min(max_seeds).max(1);
    opts.first_seed..opts.first_seed + n
}

/// The command line that replays one case on one seed.
fn replay_command(opts: &CheckOptions, case: &str, seed: u64) -> String {
    let role = match &opts.role {
        Role::Client(c) => format!("--client {}", shell_quote(c)),
        Role::Server(c) => format!("--server {}", shell_quote(c)),
        Role::Addr(a) => format!("--addr {a}"),
    };
    let mut s = format!(
        // not prose: a command line
        "sticky check {} {role} --compat {} --seed {seed} --case {case}", // not prose:
        short_name(opts.lab),
        match opts.compat {
            Compat::Ours => "ours",
            Compat::Lesson => "lesson",
        }
    );
    if let (4, Some(o)) = (opts.lab.number, opts.byte_order) {
        let _ = write!(
            s,
            " --byte-order {}",
            match o {
                ByteOrder::Little => "little",
                ByteOrder::Big => "big",
            }
        );
    }
    s
}

fn short_name(lab: &Lab) -> String {
    format!("lab{:02}", lab.number)
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Builds a failure (the replay command is filled in by [`run`]).
pub(crate) struct FailureBuilder {
    f: Failure,
}

impl FailureBuilder {
    /// `hint` is a catalog key (a case's hint) or a sentence already in
    /// the language in force.
    pub(crate) fn new(seed: u64, message: impl Into<String>, hint: impl Into<String>) -> Self {
        let hint = crate::lang::tr(&hint.into());
        FailureBuilder {
            f: Failure {
                seed,
                replay: String::new(),
                message: message.into(),
                command: None,
                at_byte: None,
                expected: None,
                got: None,
                pieces: Vec::new(),
                chunk_view: String::new(),
                hint,
            },
        }
    }

    pub(crate) fn command(mut self, cmd: &str) -> Self {
        self.f.command = Some(cmd.to_string());
        self
    }

    /// Expected against got, both from a little before the first wrong byte.
    pub(crate) fn compare(mut self, expected: &[u8], got: &[u8]) -> Self {
        let at = first_difference(expected, got);
        let from = at.saturating_sub(24);
        let end = |b: &[u8]| b.len().min(at + 40).max(from);
        self.f.at_byte = Some(at);
        self.f.expected = Some(format!(
            "{}\"{}\"{}",
            if from > 0 { "…" } else { "" },
            preview(&expected[from.min(expected.len())..end(expected)], 70),
            if expected.len() > at + 40 { "…" } else { "" }
        ));
        self.f.got = Some(if got.len() <= from && got.len() < expected.len() {
            crate::t!("check-got-nothing", bytes = got.len())
        } else {
            format!(
                "{}\"{}\"{}",
                if from > 0 { "…" } else { "" },
                preview(&got[from.min(got.len())..end(got)], 70),
                if got.len() > at + 40 { "…" } else { "" }
            )
        });
        self
    }

    /// The pieces written, and the chunk view of those around `at` (a stream offset).
    pub(crate) fn pieces(
        mut self,
        chunks: &[Chunk],
        ends: &[u64],
        at: Option<u64>,
        label: &str,
    ) -> Self {
        self.f.pieces = chunks.iter().map(Chunk::len).collect();
        if chunks.is_empty() {
            return self;
        }
        let i = at
            .and_then(|o| chunks.iter().position(|c| c.end() > o))
            .unwrap_or(chunks.len().saturating_sub(1));
        let from = i.saturating_sub(3);
        let to = (i + 4).min(chunks.len());
        let mut view = String::new();
        if from > 0 {
            let _ = writeln!(view, "  {}", crate::t!("check-pieces-before", n = from));
        }
        // The chunk view numbers its lines from 1: renumber to the real index.
        let shown = chunks::render(&crate::lang::tr(label), &chunks[from..to], ends, 60);
        for (k, line) in shown.lines().enumerate() {
            let line = line.replacen(
                &format!("#{:<3}", k + 1),
                &format!("#{:<3}", from + k + 1),
                1,
            );
            let _ = writeln!(view, "{line}");
        }
        if to < chunks.len() {
            let _ = writeln!(
                view,
                "  {}",
                crate::t!("check-pieces-after", n = chunks.len() - to)
            );
        }
        self.f.chunk_view = view;
        self
    }

    pub(crate) fn build(self) -> Outcome {
        Outcome::Fail(Box::new(self.f))
    }

    /// The failure itself (a lab's own server case returns it).
    pub(crate) fn boxed(self) -> Box<Failure> {
        Box::new(self.f)
    }
}

/// The index of the first byte where `a` and `b` differ (the shorter
/// one's length when one is a prefix of the other).
pub(crate) fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

pub(crate) fn case_report(
    name: &'static str,
    what: &str,
    seeds_run: u64,
    o: Outcome,
    started: Instant,
) -> CaseReport {
    let (result, skipped_because, failure) = match o {
        Outcome::Pass => ("pass", None, None),
        Outcome::Fail(f) => ("fail", None, Some(*f)),
        Outcome::Skip(why) => ("skip", Some(why), None),
    };
    CaseReport {
        name,
        // A case's `what` is a catalog key; a lab's own wording is already text.
        what: crate::lang::tr(what),
        result,
        seeds_run: if result == "skip" { 0 } else { seeds_run },
        skipped_because,
        failure,
        elapsed_ms: started.elapsed().as_millis() as u64,
    }
}

// ─────────────────────────── showing ───────────────────────────

/// The line printed before the cases run: what is checked, in which format.
pub fn banner(opts: &CheckOptions) -> String {
    let against = match &opts.role {
        Role::Client(c) => crate::t!("check-banner-client", program = c),
        Role::Server(c) => crate::t!("check-banner-server", program = c),
        Role::Addr(a) => crate::t!("check-banner-addr", addr = a),
    };
    let format = if opts.lab.number == 6 {
        crate::t!("check-banner-datagrams")
    } else if opts.compat == Compat::Lesson {
        crate::t!("check-banner-default", format = opts.compat)
    } else {
        opts.compat.to_string()
    };
    let seeds = if opts.seeds == 1 {
        crate::t!("check-banner-one-seed", first = opts.first_seed)
    } else {
        crate::t!(
            "check-banner-seeds",
            seeds = opts.seeds,
            first = opts.first_seed
        )
    };
    let mut s = format!(
        "{}\n  {}",
        crate::t!("check-banner", lab = opts.lab.binary, against = against),
        crate::t!("check-banner-format", format = format, seeds = seeds)
    );
    if opts.lab.number == 4 {
        let o = opts.byte_order.unwrap_or_else(ByteOrder::native);
        s.push_str(&crate::t!(match o {
            ByteOrder::Little => "check-banner-little",
            ByteOrder::Big => "check-banner-big",
        }));
    }
    s
}

/// The PASS/FAIL table, then each failure in full.
pub fn render(report: &CheckReport) -> String {
    let mut t = Table::new([
        crate::t!("check-col-case"),
        crate::t!("check-col-result"),
        crate::t!("check-col-seeds"),
        crate::t!("check-col-what"),
    ]);
    for c in &report.cases {
        let (word, tone) = match c.result {
            "pass" => ("PASS".to_string(), Tone::Good),
            "fail" => ("FAIL".to_string(), Tone::Bad),
            _ => (crate::t!("check-skip"), Tone::Dim),
        };
        let what = match &c.skipped_because {
            Some(why) => crate::t!("check-skipped", what = c.what, why = why),
            None => c.what.clone(),
        };
        t.row([
            Cell::from(c.name),
            Cell::new(word, tone),
            Cell::from(c.seeds_run.to_string()),
            Cell::from(what),
        ]);
    }
    let mut out = t.render();
    for c in &report.cases {
        let Some(f) = &c.failure else { continue };
        let _ = writeln!(
            out,
            "\n{} {} {}",
            style("FAIL", ALARM),
            style(c.name, BOLD),
            crate::t!("check-fail-seed", seed = f.seed)
        );
        let _ = writeln!(out, "  {}", f.message);
        if let Some(cmd) = &f.command {
            let _ = writeln!(out, "  {}", crate::t!("check-command", command = cmd));
        }
        if let (Some(e), Some(g)) = (&f.expected, &f.got) {
            let at = f
                .at_byte
                .map(|a| crate::t!("check-first-wrong-byte", at = a))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}",
                crate::t!("check-expected", expected = e, at = at)
            );
            let _ = writeln!(out, "  {}", crate::t!("check-got", got = g));
        }
        if !f.chunk_view.is_empty() {
            let _ = writeln!(
                out,
                "  {}",
                crate::t!("check-pieces-given", n = f.pieces.len())
            );
            out.push_str(&f.chunk_view);
        }
        let _ = writeln!(
            out,
            "  {} {}",
            style(&crate::t!("check-hint-label"), WARN),
            f.hint
        );
        let _ = writeln!(out, "  {}", crate::t!("check-replay", command = &f.replay));
    }
    let verdict = if report.ok {
        format!(
            "{} {}",
            style("PASS", PASS),
            crate::t!(
                "check-verdict-pass",
                passed = report.passed,
                n = report.passed + report.failed,
                seconds = format!("{:.1}", report.elapsed_ms as f64 / 1000.0)
            )
        )
    } else {
        format!(
            "{} {}",
            style("FAIL", ALARM),
            crate::t!(
                "check-verdict-fail",
                failed = report.failed,
                n = report.passed + report.failed,
                seconds = format!("{:.1}", report.elapsed_ms as f64 / 1000.0)
            )
        )
    };
    let _ = writeln!(out, "\n{verdict}");
    out
}

/// `sticky check`: runs, prints the table (or `--json`), and exits 0 when
/// every case passed, 1 when one failed, 2 when the check could not run.
pub fn check_command(opts: &CheckOptions, json: bool) -> ExitCode {
    crate::kit::child::kill_groups_on_interrupt();
    if json {
        // A grader's report reads the same in every language: keys, enum
        // values and sentences (docs/json-report.md). Only the table speaks zh.
        crate::lang::set(crate::lang::Lang::En);
        crate::report::set_painting(false);
    } else {
        eprintln!("{}", banner(opts));
    }
    match run(opts) {
        Ok(report) => {
            if json {
                match serde_json::to_string_pretty(&report) {
                    Ok(s) => println!("{s}"),
                    Err(e) => {
                        return crate::harness::fail(crate::t!("check-json-failed", error = e))
                    }
                }
            } else {
                print!("{}", render(&report));
            }
            if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => crate::harness::fail(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lab_is_found_by_number_short_name_binary_or_module() {
        for s in [
            "4",
            "04",
            "lab04",
            "LAB04",
            "lab04-struct-header",
            "lab04_struct_header",
        ] {
            assert_eq!(parse_lab(s).map(|l| l.number), Ok(4), "{s}");
        }
        assert!(parse_lab("lab9").unwrap_err().contains("lab03-length-ack"));
    }

    #[test]
    fn the_first_difference_is_the_shorter_length_when_one_is_a_prefix() {
        assert_eq!(first_difference(b"abcdef", b"abcx"), 3);
        assert_eq!(first_difference(b"abcdef", b"abc"), 3);
        assert_eq!(first_difference(b"abc", b"abc"), 3);
    }

    #[test]
    fn a_cutter_draws_the_same_pieces_for_the_same_seed_and_loses_nothing() {
        let l = crate::kit::sock::listen("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = l.local_addr().unwrap();
        let pieces = |seed| {
            let mut w = TcpStream::connect(addr).unwrap();
            let (mut r, _) = l.accept().unwrap();
            let mut c = Cutter::new(seed, 0, CutSpec::new(7).pause_ms(0).scripted(&[1, 3]));
            c.send(&mut w, &[b'x'; 100]).unwrap();
            drop(w);
            let mut got = Vec::new();
            io::Read::read_to_end(&mut r, &mut got).unwrap();
            assert_eq!(got.len(), 100);
            c.into_record().0.iter().map(Chunk::len).collect::<Vec<_>>()
        };
        let a = pieces(5);
        assert_eq!(&a[..2], &[1, 3]);
        assert!(a.iter().all(|&n| (1..=7).contains(&n)));
        assert_eq!(a, pieces(5));
        assert_ne!(a, pieces(6));
    }
}
