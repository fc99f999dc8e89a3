//! Serving many clients: a sequential server against a thread per connection, and the cap (lab 07).
//!
//! Seed 002 §3 ends with `socketserver.ThreadingTCPServer`: the plain server
//! the lessons wrote first (`while True: conn, addr = accept(); while True:
//! recv…`) talks to one client at a time, so a second client *connects* at
//! once — the kernel completes the handshake and parks it in the listen
//! backlog — but gets no reply until the first one leaves. A thread per
//! connection fixes that, up to a point: threads cost memory, so a real
//! server caps them ([`crate::kit::server::Slots`]), and a client over the cap is
//! back in the backlog, connected but unanswered, until a slot frees.
//!
//! This module has the lesson's echo service (`msg.upper()`, in the
//! lesson's raw `recv(1024)` form or framed with the 4-byte
//! [`LengthPrefix`]), both server shapes ([`serve_sequential`] and
//! [`crate::kit::server::serve`]), a client-side stopwatch that measures how long
//! each client waited for its first reply ([`time_clients`]), an SVG of
//! those waits, and a load harness ([`run_load`]): many framed clients, each
//! cut to pieces by a [`ChaosWriter`], each delivery checked.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use thiserror::Error;

use crate::framing::{FrameError, FrameReader, LengthPrefix};
use crate::kit::chaos::{ChaosPlan, ChaosWriter};
use crate::kit::server::{self, ServeOptions};
use crate::report::ledger::Delivery;

/// How the server takes its clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The lessons' first server: accept, talk until the client leaves, accept the next.
    Sequential,
    /// `ThreadingTCPServer`'s shape: a thread per connection, up to `--max-conns`.
    Threaded,
}

/// What goes over the wire between the echo client and server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Wire {
    /// Each message framed with the 4-byte [`LengthPrefix`] (the fix from labs 04/05).
    Header,
    /// The lesson's code as written: `send(msg)`, one `recv(1024)` per reply.
    Lesson,
}

/// `--compat lesson`: speak the lesson's own unframed protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Compat {
    /// Seed 002 §3.1 exactly: `recv(1024)` and `send(msg.upper())`, no header.
    Lesson,
}

impl Wire {
    /// The wire a `--compat` flag asks for (none: the 4-byte header).
    pub fn from_compat(c: Option<Compat>) -> Wire {
        match c {
            Some(Compat::Lesson) => Wire::Lesson,
            None => Wire::Header,
        }
    }
}

/// Why an echo connection ended badly.
#[derive(Debug, Error)]
pub enum EchoError {
    /// The client sent nothing for the whole idle timeout.
    #[error("idle for longer than the {0:?} timeout: connection closed")]
    Idle(Duration),
    /// A frame could not be read or written.
    #[error(transparent)]
    Frame(#[from] FrameError),
}

impl EchoError {
    fn from_frame(e: FrameError, idle: Option<Duration>) -> EchoError {
        match (e, idle) {
            (FrameError::Io(io), Some(t))
                if matches!(
                    io.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                EchoError::Idle(t)
            }
            (e, _) => EchoError::Frame(e),
        }
    }
}

/// The lesson's service: `msg.upper()` (Python's `bytes.upper()` only
/// changes ASCII letters, so neither does this).
pub fn upper(msg: &[u8]) -> Vec<u8> {
    msg.to_ascii_uppercase()
}

/// Serves one client until it leaves: the handler both server shapes run.
/// `idle` is only used to name a read timeout as an idle client.
pub fn handle_upper(
    stream: TcpStream,
    wire: Wire,
    codec: LengthPrefix,
    idle: Option<Duration>,
) -> Result<(), EchoError> {
    match wire {
        Wire::Lesson => {
            // msg = self.request.recv(1024); if len(msg) == 0: break; send(msg.upper())
            let mut out = &stream;
            loop {
                let msg = crate::kit::sock::recv_once(&stream, 1024)
                    .map_err(|e| EchoError::from_frame(e.into(), idle))?;
                if msg.is_empty() {
                    return Ok(());
                }
                out.write_all(&upper(&msg)).map_err(FrameError::from)?;
            }
        }
        Wire::Header => {
            let mut out = stream.try_clone().map_err(FrameError::from)?;
            let mut frames = FrameReader::new(&stream, codec);
            loop {
                match frames.next_frame() {
                    Ok(Some(msg)) => codec.write_frame(&mut out, &upper(&msg))?,
                    Ok(None) => return Ok(()),
                    Err(e) => return Err(EchoError::from_frame(e, idle)),
                }
            }
        }
    }
}

/// The lessons' first server: one client at a time. Returns when `stop` is
/// set (checked after each accept).
pub fn serve_sequential<H, E>(
    listener: TcpListener,
    opts: ServeOptions,
    stop: Arc<AtomicBool>,
    handler: H,
) -> io::Result<()>
where
    H: Fn(TcpStream, SocketAddr) -> Result<(), E>,
    E: std::fmt::Display,
{
    while let Some((stream, peer)) = server::accept_next(&listener, &opts, &stop) {
        // Everyone else waits in the listen backlog while this runs.
        server::handle_one(&handler, stream, peer, opts.log);
    }
    Ok(())
}

/// Serves the upper-case echo on `listener` in `mode`, forever.
pub fn serve_upper(
    listener: TcpListener,
    mode: Mode,
    wire: Wire,
    codec: LengthPrefix,
    opts: ServeOptions,
) -> io::Result<()> {
    serve_upper_until(
        listener,
        mode,
        wire,
        codec,
        opts,
        Arc::new(AtomicBool::new(false)),
    )
}

fn serve_upper_until(
    listener: TcpListener,
    mode: Mode,
    wire: Wire,
    codec: LengthPrefix,
    opts: ServeOptions,
    stop: Arc<AtomicBool>,
) -> io::Result<()> {
    let idle = opts.idle_timeout;
    let handler = move |s: TcpStream, _peer: SocketAddr| handle_upper(s, wire, codec, idle);
    match mode {
        Mode::Sequential => serve_sequential(listener, opts, stop, handler),
        Mode::Threaded => server::serve_until(listener, opts, stop, handler),
    }
}

/// An echo server on a background thread (for the demo and tests); it
/// stops when dropped.
pub struct EchoServer(server::Background);

impl EchoServer {
    /// Binds `addr` (port 0: ephemeral) and serves in the background.
    pub fn start(
        addr: SocketAddr,
        mode: Mode,
        wire: Wire,
        max_conns: usize,
    ) -> io::Result<EchoServer> {
        let listener = crate::kit::sock::listen(addr)?;
        let opts = ServeOptions {
            max_conns,
            idle_timeout: Some(Duration::from_secs(30)),
            log: false,
        };
        let bg = server::Background::run(listener, move |l, stop| {
            serve_upper_until(l, mode, wire, LengthPrefix::lesson(), opts, stop)
        })?;
        Ok(EchoServer(bg))
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.0.addr()
    }
}

/// Sends one message and reads one reply, in the chosen wire form.
/// With [`Wire::Lesson`] the reply is whatever one `recv(1024)` returned.
pub fn ask(
    stream: &TcpStream,
    wire: Wire,
    codec: LengthPrefix,
    msg: &[u8],
) -> Result<Vec<u8>, FrameError> {
    let mut s = stream;
    match wire {
        Wire::Lesson => {
            s.write_all(msg)?;
            let reply = crate::kit::sock::recv_once(stream, 1024)?;
            if reply.is_empty() {
                return Err(FrameError::Closed);
            }
            Ok(reply)
        }
        Wire::Header => {
            codec.write_frame(&mut s, msg)?;
            codec.read_frame(&mut s)
        }
    }
}

/// One client's stopwatch, in milliseconds since all clients started.
#[derive(Clone, Debug, Serialize)]
pub struct ClientTiming {
    /// Client number, in start order.
    pub client: usize,
    /// When it called `connect()`.
    pub started_ms: f64,
    /// When `connect()` returned (the handshake is the kernel's: at once, even at the cap).
    pub connected_ms: f64,
    /// When its first reply arrived.
    pub replied_ms: f64,
    /// When it left.
    pub left_ms: f64,
    /// The reply was the upper-cased message.
    pub reply_ok: bool,
    /// What went wrong, if anything.
    pub error: Option<String>,
}

impl ClientTiming {
    /// How long `connect()` took.
    pub fn connect_wait_ms(&self) -> f64 {
        self.connected_ms - self.started_ms
    }

    /// How long from `connect()` until the first reply: the wait a user feels.
    pub fn reply_wait_ms(&self) -> f64 {
        self.replied_ms - self.started_ms
    }
}

/// Starts `clients` clients `stagger` apart; each connects, asks once,
/// stays connected for `hold` (a user reading the reply and typing the next
/// line), then leaves. Returns each client's stopwatch, in start order.
pub fn time_clients(
    addr: SocketAddr,
    wire: Wire,
    clients: usize,
    stagger: Duration,
    hold: Duration,
) -> Vec<ClientTiming> {
    let epoch = Instant::now();
    let ms = move |t: Instant| t.duration_since(epoch).as_secs_f64() * 1e3;
    let handles: Vec<_> = (0..clients)
        .map(|i| {
            thread::spawn(move || {
                let start_at = epoch + stagger * i as u32;
                if let Some(d) = start_at.checked_duration_since(Instant::now()) {
                    thread::sleep(d);
                }
                let started = Instant::now();
                let mut t = ClientTiming {
                    client: i,
                    started_ms: ms(started),
                    connected_ms: f64::NAN,
                    replied_ms: f64::NAN,
                    left_ms: f64::NAN,
                    reply_ok: false,
                    error: None,
                };
                let stream = match crate::kit::sock::connect_with(
                    addr,
                    &crate::kit::sock::SockOpts::nodelay(true),
                    Some(Duration::from_secs(10)),
                ) {
                    Ok(s) => s,
                    Err(e) => {
                        t.error = Some(format!("connect: {e}"));
                        return t;
                    }
                };
                t.connected_ms = ms(Instant::now());
                let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                let msg = format!("hello from client {i}");
                match ask(&stream, wire, LengthPrefix::lesson(), msg.as_bytes()) {
                    Ok(reply) => {
                        t.replied_ms = ms(Instant::now());
                        t.reply_ok = reply == upper(msg.as_bytes());
                    }
                    Err(e) => t.error = Some(format!("no reply: {e}")),
                }
                thread::sleep(hold);
                let _ = stream.shutdown(Shutdown::Both);
                t.left_ms = ms(Instant::now());
                t
            })
        })
        .collect();
    handles
        .into_iter()
        .enumerate()
        .map(|(i, h)| {
            h.join().unwrap_or_else(|_| ClientTiming {
                client: i,
                started_ms: f64::NAN,
                connected_ms: f64::NAN,
                replied_ms: f64::NAN,
                left_ms: f64::NAN,
                reply_ok: false,
                error: Some("client thread panicked".into()),
            })
        })
        .collect()
}

/// One scenario's clients, for the timeline picture.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// "sequential server", "threaded, cap 2", …
    pub title: String,
    /// Its clients.
    pub timings: Vec<ClientTiming>,
}

/// Draws each scenario's clients on a time axis: grey while connected but
/// unanswered (in the backlog), green from the first reply until it leaves.
pub fn timeline_svg(title: &str, scenarios: &[Scenario]) -> String {
    const W: f64 = 960.0;
    const LEFT: f64 = 240.0;
    const ROW: f64 = 22.0;
    let end = scenarios
        .iter()
        .flat_map(|s| s.timings.iter().map(|t| t.left_ms))
        .filter(|v| v.is_finite())
        .fold(1.0f64, f64::max);
    let span = W - LEFT - 30.0;
    let x = |ms: f64| LEFT + ms.max(0.0) / end * span;
    let mut body = String::new();
    let mut y = 50.0;
    for s in scenarios {
        let _ = writeln!(
            body,
            "<text x=\"10\" y=\"{y}\" font-weight=\"bold\">{}</text>",
            crate::report::svg::escape(&s.title)
        );
        y += 8.0;
        for t in &s.timings {
            let wait = if t.replied_ms.is_finite() {
                format!(" · waited {:.0} ms", t.reply_wait_ms())
            } else {
                " · no reply".to_string()
            };
            let _ = writeln!(
                body,
                "<text x=\"10\" y=\"{}\">client {}{wait}</text>",
                y + ROW / 2.0 + 4.0,
                t.client
            );
            if t.replied_ms.is_finite() {
                let (x0, x1) = (x(t.started_ms), x(t.replied_ms));
                let _ = writeln!(
                    body,
                    "<rect x=\"{x0:.1}\" y=\"{y}\" width=\"{:.1}\" height=\"{}\" fill=\"#bbbbbb\">\
                     <title>client {}: connected at {:.1} ms, waited {:.1} ms for its first reply</title></rect>",
                    (x1 - x0).max(1.0),
                    ROW - 4.0,
                    t.client,
                    t.connected_ms,
                    t.reply_wait_ms()
                );
                let x2 = x(if t.left_ms.is_finite() {
                    t.left_ms
                } else {
                    end
                });
                let _ = writeln!(
                    body,
                    "<rect x=\"{x1:.1}\" y=\"{y}\" width=\"{:.1}\" height=\"{}\" fill=\"#3c9a3c\">\
                     <title>client {}: served from {:.1} ms until it left at {:.1} ms</title></rect>",
                    (x2 - x1).max(1.0),
                    ROW - 4.0,
                    t.client,
                    t.replied_ms,
                    t.left_ms
                );
            }
            y += ROW;
        }
        y += 22.0;
    }
    let _ = writeln!(
        body,
        "<text x=\"{LEFT}\" y=\"{y}\" fill=\"#666\">0 ms</text>\
         <text x=\"{}\" y=\"{y}\" fill=\"#666\" text-anchor=\"end\">{end:.0} ms — grey: connected, waiting in the backlog for a reply; green: being served</text>",
        W - 30.0
    );
    let height = y + 16.0;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{height}\" \
         viewBox=\"0 0 {W} {height}\" font-family=\"monospace\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n\
         <text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">{}</text>\n{body}</svg>\n",
        crate::report::svg::escape(title)
    )
}

/// What [`run_load`] does.
#[derive(Clone, Debug)]
pub struct LoadConfig {
    /// The framed upper-case echo server.
    pub addr: SocketAddr,
    /// Clients at once.
    pub clients: usize,
    /// Messages each client sends.
    pub messages: usize,
    /// Largest message body (bodies are 1..=max_size bytes).
    pub max_size: usize,
    /// Messages written before waiting for their replies.
    pub window: usize,
    /// Cut every client's writes with a [`ChaosWriter`] of pieces up to this
    /// many bytes (`None`: plain writes).
    pub chaos_max_chunk: Option<usize>,
    /// Seed for the messages and the cuts.
    pub seed: u64,
    /// The header.
    pub codec: LengthPrefix,
    /// Which server and which requests: lab 07's echo, lab 04's or lab 05's command server.
    pub proto: LoadProto,
}

impl LoadConfig {
    /// `clients` × `messages` of up to 200 bytes, chaos pieces up to 7 bytes.
    pub fn new(addr: SocketAddr, clients: usize, messages: usize) -> LoadConfig {
        LoadConfig {
            addr,
            clients,
            messages,
            max_size: 200,
            window: 32,
            chaos_max_chunk: Some(7),
            seed: 7,
            codec: LengthPrefix::lesson(),
            proto: LoadProto::Header,
        }
    }

    /// The same load against lab 04's or lab 05's command server.
    pub fn with_proto(self, proto: LoadProto) -> LoadConfig {
        LoadConfig { proto, ..self }
    }
}

/// One load client's result.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ClientOutcome {
    /// Client number.
    pub client: usize,
    /// Replies against the expected ones (`upper(msg)`, or the output of
    /// `echo msg`), position by position.
    pub delivery: Delivery,
    /// Replies that carried another request's marker (`c<client>m<seq>:`):
    /// two messages glued together, or one answered in another's place.
    pub merged: usize,
    /// Why the client stopped early, if it did.
    pub error: Option<String>,
}

impl ClientOutcome {
    /// All replies intact, none merged, no error.
    pub fn perfect(&self) -> bool {
        self.error.is_none() && self.merged == 0 && self.delivery.perfect()
    }
}

/// The whole load run.
#[derive(Clone, Debug, Serialize)]
pub struct LoadReport {
    /// Each client's result.
    pub clients: Vec<ClientOutcome>,
    /// All clients added up.
    pub total: Delivery,
    /// Merged replies, all clients.
    pub merged: usize,
    /// Wall-clock time of the run.
    pub seconds: f64,
    /// Replies per second, all clients.
    pub messages_per_sec: f64,
}

impl LoadReport {
    /// Every client perfect.
    pub fn perfect(&self) -> bool {
        !self.clients.is_empty() && self.clients.iter().all(ClientOutcome::perfect)
    }
}

/// A message for client `c`: its marker `c<client>m<seq>:` first, then
/// random bytes from `alphabet`, 1..=max bytes in all (a short message
/// carries only part of its marker). The alphabet has no `:`, so a whole
/// marker never appears by chance.
fn message(rng: &mut ChaCha8Rng, c: usize, i: usize, max: usize, alphabet: &[u8]) -> Vec<u8> {
    let len = rng.random_range(1..=max.max(1));
    let mut m = format!("c{c}m{i}:").into_bytes();
    while m.len() < len {
        m.push(alphabet[rng.random_range(0..alphabet.len())]);
    }
    m.truncate(len);
    m
}

/// Lower-case letters, digits and a space: `upper` changes them.
const ECHO_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789 ";
/// No spaces for commands: the server trims the command line.
const COMMAND_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Does `reply` carry a whole marker other than `c<c>m<i>:`? (Case is
/// ignored: lab 07's echo upper-cases markers.)
fn has_foreign_marker(reply: &[u8], c: usize, i: usize) -> bool {
    let own = format!("c{c}m{i}:");
    let low = reply.to_ascii_lowercase();
    let digits = |b: &[u8], mut k: usize| {
        let start = k;
        while k < b.len() && b[k].is_ascii_digit() {
            k += 1;
        }
        (k > start).then_some(k)
    };
    (0..low.len()).any(|k| {
        if low[k] != b'c' {
            return false;
        }
        let Some(m) = digits(&low, k + 1) else {
            return false;
        };
        if low.get(m) != Some(&b'm') {
            return false;
        }
        match digits(&low, m + 1) {
            Some(end) if low.get(end) == Some(&b':') => &low[k..=end] != own.as_bytes(),
            _ => false,
        }
    })
}

/// Why a load client stopped early.
#[derive(Debug, Error)]
enum LoadError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error(transparent)]
    Header(#[from] crate::lessons::lab05_json_header::HeaderError),
    #[error("connection closed before every reply arrived")]
    Closed,
}

impl From<io::Error> for LoadError {
    fn from(e: io::Error) -> LoadError {
        LoadError::Frame(e.into())
    }
}

/// The request for message `m`, and the reply the server must send back.
fn request_and_reply(proto: LoadProto, m: &[u8]) -> (Vec<u8>, Vec<u8>) {
    match proto {
        LoadProto::Header => (m.to_vec(), upper(m)),
        LoadProto::Lab04 | LoadProto::Lab05 => {
            let mut cmd = b"echo ".to_vec();
            cmd.extend_from_slice(m);
            let mut out = m.to_vec();
            out.push(b'\n');
            (cmd, out)
        }
    }
}

/// Where a client reads its replies from: frames (labs 04 and 07) or JSON-header messages (lab 05).
enum Replies<'a> {
    Framed(FrameReader<&'a TcpStream>),
    Json(crate::lessons::lab05_json_header::MessageReader<&'a TcpStream>),
}

impl Replies<'_> {
    /// The next reply's body, and whether its header agrees with it (lab
    /// 05: exit code 0 and the md5 of the body). `None`: the server closed.
    fn next_reply(&mut self) -> Result<Option<(Vec<u8>, bool)>, LoadError> {
        match self {
            Replies::Framed(f) => Ok(f.next_frame()?.map(|b| (b, true))),
            Replies::Json(r) => {
                let Some(msg) = r.next_message()? else {
                    return Ok(None);
                };
                let agrees =
                    match crate::lessons::lab05_json_header::CommandReply::from_header(&msg.header)
                    {
                        Ok(reply) => {
                            reply.exit_code == 0 && reply.md5_matches(&msg.body) == Some(true)
                        }
                        Err(_) => false,
                    };
                Ok(Some((msg.body, agrees)))
            }
        }
    }
}

fn write_request<W: Write + ?Sized>(
    cfg: &LoadConfig,
    w: &mut W,
    req: &[u8],
) -> Result<(), LoadError> {
    match cfg.proto {
        LoadProto::Header | LoadProto::Lab04 => cfg.codec.write_frame(w, req)?,
        LoadProto::Lab05 => {
            // What lab 05's client sends: {"opt": "cmd", "cmd": …}, no body.
            let h = crate::lessons::lab05_transfer::Request::Command(req.to_vec()).to_header();
            let codec = crate::lessons::lab05_json_header::JsonHeader::lesson();
            w.write_all(&codec.encode_header(&h)?)?;
        }
    }
    Ok(())
}

fn load_client(cfg: &LoadConfig, c: usize) -> ClientOutcome {
    let mut out = ClientOutcome {
        client: c,
        ..ClientOutcome::default()
    };
    out.delivery.sent = cfg.messages;
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ (c as u64).wrapping_mul(0x9E37_79B9));
    let alphabet = match cfg.proto {
        LoadProto::Header => ECHO_ALPHABET,
        LoadProto::Lab04 | LoadProto::Lab05 => COMMAND_ALPHABET,
    };
    let res = (|| -> Result<(), LoadError> {
        let stream = crate::kit::sock::connect_with(
            cfg.addr,
            &crate::kit::sock::SockOpts::nodelay(true),
            Some(Duration::from_secs(10)),
        )?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        let plan =
            ChaosPlan::for_stream(cfg.seed, c as u64, cfg.chaos_max_chunk.unwrap_or(1 << 16));
        let mut w: Box<dyn Write> = match cfg.chaos_max_chunk {
            Some(_) => Box::new(ChaosWriter::new(stream.try_clone()?, plan)),
            None => Box::new(io::BufWriter::new(stream.try_clone()?)),
        };
        let mut replies = match cfg.proto {
            LoadProto::Header | LoadProto::Lab04 => {
                Replies::Framed(FrameReader::new(&stream, cfg.codec))
            }
            LoadProto::Lab05 => {
                Replies::Json(crate::lessons::lab05_json_header::MessageReader::new(
                    &stream,
                    crate::lessons::lab05_json_header::JsonHeader::lesson(),
                ))
            }
        };
        let mut sent = 0;
        while sent < cfg.messages {
            let n = cfg.window.max(1).min(cfg.messages - sent);
            let batch: Vec<Vec<u8>> = (0..n)
                .map(|k| message(&mut rng, c, sent + k, cfg.max_size, alphabet))
                .collect();
            let mut wants = Vec::with_capacity(n);
            for m in &batch {
                let (req, want) = request_and_reply(cfg.proto, m);
                write_request(cfg, &mut w, &req)?;
                wants.push(want);
            }
            w.flush()?;
            for (k, want) in wants.iter().enumerate() {
                match replies.next_reply()? {
                    Some((got, true)) if &got == want => out.delivery.intact += 1,
                    Some((got, _)) => {
                        if (got.len() > want.len() && got.starts_with(want))
                            || has_foreign_marker(&got, c, sent + k)
                        {
                            out.merged += 1;
                        }
                        out.delivery.corrupted += 1;
                    }
                    None => return Err(LoadError::Closed),
                }
            }
            sent += n;
        }
        stream.shutdown(Shutdown::Write)?;
        if let Some((extra, _)) = replies.next_reply()? {
            out.delivery.extra += 1 + usize::from(extra.is_empty());
        }
        Ok(())
    })();
    if let Err(e) = res {
        out.error = Some(e.to_string());
    }
    out.delivery.lost = out.delivery.sent - out.delivery.intact - out.delivery.corrupted;
    out
}

/// Runs `cfg.clients` clients at once against the server `cfg.proto`
/// names (lab 07's upper-case echo, lab 04's or lab 05's command server)
/// and checks every reply.
pub fn run_load(cfg: &LoadConfig) -> LoadReport {
    let start = Instant::now();
    let barrier = Arc::new(Barrier::new(cfg.clients.max(1)));
    let handles: Vec<_> = (0..cfg.clients)
        .map(|c| {
            let (cfg, barrier) = (cfg.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                load_client(&cfg, c)
            })
        })
        .collect();
    let clients: Vec<ClientOutcome> = handles
        .into_iter()
        .enumerate()
        .map(|(c, h)| {
            h.join().unwrap_or_else(|_| ClientOutcome {
                client: c,
                error: Some("client thread panicked".into()),
                ..ClientOutcome::default()
            })
        })
        .collect();
    let seconds = start.elapsed().as_secs_f64();
    let mut total = Delivery::default();
    let mut merged = 0;
    for o in &clients {
        total.sent += o.delivery.sent;
        total.intact += o.delivery.intact;
        total.corrupted += o.delivery.corrupted;
        total.lost += o.delivery.lost;
        total.extra += o.delivery.extra;
        merged += o.merged;
    }
    LoadReport {
        messages_per_sec: total.intact as f64 / seconds.max(1e-9),
        clients,
        total,
        merged,
        seconds,
    }
}

/// Resident memory of a process in KiB (`VmRSS` in `/proc/<pid>/status`;
/// Linux only, `None` elsewhere).
pub fn rss_kib(pid: u32) -> Option<u64> {
    proc_status_kib(pid, "VmRSS:")
}

/// Peak resident memory of a process in KiB since it started (`VmHWM`).
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    proc_status_kib(pid, "VmHWM:")
}

fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Examples for `sticky load --help`.
pub const LOAD_EXAMPLES: &str = "Examples:
  # against a framed echo server started here, in this process:
  sticky load --clients 64 --messages 10000
  # against a running server (lab07-concurrency server speaks the 4-byte header):
  lab07-concurrency server --addr 127.0.0.1:8889 &
  sticky load --addr 127.0.0.1:8889 --clients 64 --messages 10000 --proto header --server-pid $!
  # lab 04's and lab 05's command servers (`echo` requests, every reply checked):
  lab04-struct-header server --addr 127.0.0.1:8083 --max-conns 128 &
  sticky load --addr 127.0.0.1:8083 --proto lab04 --server-pid $!
  lab05-json-header server --addr 127.0.0.1:8085 --dir /tmp/share --max-conns 128 &
  sticky load --addr 127.0.0.1:8085 --proto lab05 --server-pid $!
  # and cut the replies too, through a ChaosProxy:
  sticky load --addr 127.0.0.1:8085 --proto lab05 --proxy-seed 3 --clients 8 --messages 500";

/// What the load clients speak, and to which server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LoadProto {
    /// The 4-byte length header both ways, to an upper-case echo (lab 07's server).
    Header,
    /// `echo <message>` in a 4-byte-header frame to lab 04's command server;
    /// the reply frame must be exactly `<message>\n`.
    Lab04,
    /// `{"opt": "cmd", "cmd": "echo <message>"}` to lab 05's server; the
    /// reply must be `<message>\n` with a matching md5 and exit code 0.
    Lab05,
}

/// `sticky load` flags.
#[derive(Clone, Debug, clap::Args)]
pub struct LoadArgs {
    /// Server to load (default, with `--proto header` only: start lab 07's
    /// threaded echo server in this process).
    #[arg(long, value_parser = crate::harness::parse_addr)]
    pub addr: Option<SocketAddr>,
    /// Clients at once.
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Messages per client.
    #[arg(long, default_value_t = 10_000)]
    pub messages: usize,
    /// Wire protocol.
    #[arg(long, value_enum, default_value_t = LoadProto::Header)]
    pub proto: LoadProto,
    /// Largest message body (bodies are 1..=max-size bytes).
    #[arg(long, default_value_t = 200)]
    pub max_size: usize,
    /// Cut each client's writes into pieces of 1..=N bytes (0: no chaos).
    #[arg(long, default_value_t = 7)]
    pub chaos_max_chunk: usize,
    /// Messages in flight per client before waiting for replies.
    #[arg(long, default_value_t = 32)]
    pub window: usize,
    /// Seed for messages and cuts.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Go through a ChaosProxy with this seed (cuts both directions into 1..=64-byte pieces).
    #[arg(long)]
    pub proxy_seed: Option<u64>,
    /// Report this process's memory (VmRSS) before and after (the server's pid).
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `sticky load`.
pub fn load_command(args: &LoadArgs) -> std::process::ExitCode {
    if args.addr.is_none() && args.proto != LoadProto::Header {
        return crate::harness::fail(format!(
            "--proto {} needs --addr: start the lab's server first (see --help)",
            match args.proto {
                LoadProto::Lab04 => "lab04",
                _ => "lab05",
            }
        ));
    }
    let local = match args.addr {
        Some(_) => None,
        None => match EchoServer::start(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            Mode::Threaded,
            Wire::Header,
            args.clients.max(1),
        ) {
            Ok(s) => Some(s),
            Err(e) => return crate::harness::fail(format!("cannot start the echo server: {e}")),
        },
    };
    let addr = args
        .addr
        .or(local.as_ref().map(EchoServer::addr))
        .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0)));
    let pid = args
        .server_pid
        .or(local.as_ref().map(|_| std::process::id()));
    let server_addr = addr;
    let proxy = match args.proxy_seed {
        None => None,
        Some(seed) => {
            let mut pc = crate::kit::proxy::ProxyConfig::new(addr, seed, 64);
            // No pause between pieces: the hold still makes them separate writes.
            pc.delay = Duration::ZERO;
            pc.hold = Duration::from_millis(1);
            match crate::kit::proxy::ChaosProxy::start(SocketAddr::from(([127, 0, 0, 1], 0)), pc) {
                Ok(p) => Some(p),
                Err(e) => {
                    return crate::harness::fail(format!("cannot start the chaos proxy: {e}"))
                }
            }
        }
    };
    let addr = proxy.as_ref().map_or(addr, |p| p.local_addr());
    let cfg = LoadConfig {
        addr,
        clients: args.clients.clamp(1, 4096),
        messages: args.messages,
        max_size: args.max_size.clamp(1, 1 << 20),
        window: args.window.max(1),
        chaos_max_chunk: (args.chaos_max_chunk > 0).then_some(args.chaos_max_chunk),
        seed: args.seed,
        codec: LengthPrefix::lesson(),
        proto: args.proto,
    };
    let before = pid.and_then(rss_kib);
    eprintln!(
        "sticky load: {} clients × {} messages (1..={} B, --proto {}) to {server_addr}{}, chaos pieces {}",
        cfg.clients,
        cfg.messages,
        cfg.max_size,
        serde_json::to_value(cfg.proto)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        if proxy.is_some() {
            format!(" via a ChaosProxy on {addr} (pieces 1..=64 B both ways)")
        } else {
            String::new()
        },
        cfg.chaos_max_chunk
            .map_or("off".into(), |c| format!("1..={c} B"))
    );
    let r = run_load(&cfg);
    let after = pid.and_then(rss_kib);
    let peak = pid.and_then(peak_rss_kib);
    for c in r.clients.iter().filter(|c| !c.perfect()) {
        eprintln!(
            "  client {}: {}{}",
            c.client,
            c.delivery.summary(),
            c.error
                .as_ref()
                .map_or(String::new(), |e| format!(" ({e})"))
        );
    }
    let mem = match (before, after) {
        (Some(b), Some(a)) => format!(
            "; server RSS {:.1} MiB before, {:.1} MiB after, peak {:.1} MiB",
            b as f64 / 1024.0,
            a as f64 / 1024.0,
            peak.unwrap_or(0) as f64 / 1024.0
        ),
        _ => String::new(),
    };
    let line = format!(
        "{}, {} merged in {:.2} s ({:.0} replies/s){mem}",
        r.total.summary(),
        r.merged,
        r.seconds,
        r.messages_per_sec
    );
    if args.json {
        eprintln!("{line}");
        let j = serde_json::json!({ "report": r, "server_rss_kib_before": before, "server_rss_kib_after": after, "server_peak_rss_kib": peak });
        println!("{j}");
    } else {
        println!("{line}");
    }
    if r.perfect() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_with_another_requests_marker_counts_as_merged() {
        assert!(!has_foreign_marker(b"c3m10:abc\n", 3, 10));
        assert!(has_foreign_marker(b"c3m10:abcc3m11:xy\n", 3, 10));
        assert!(has_foreign_marker(b"C3M11:ABC", 3, 10));
        // Not whole markers: a cut-off one, or one from random letters.
        assert!(!has_foreign_marker(b"c3m10:c3m11", 3, 10));
        assert!(!has_foreign_marker(b"c13m10:", 13, 10));
        assert!(has_foreign_marker(b"c13m10:", 3, 10));
    }

    #[test]
    fn upper_changes_ascii_letters_only() {
        assert_eq!(upper("abc 中文 xyz".as_bytes()), "ABC 中文 XYZ".as_bytes());
    }

    #[test]
    fn sequential_server_makes_the_second_client_wait() {
        let srv = EchoServer::start(
            "127.0.0.1:0".parse().unwrap(),
            Mode::Sequential,
            Wire::Header,
            8,
        )
        .unwrap();
        let t = time_clients(
            srv.addr(),
            Wire::Header,
            2,
            Duration::from_millis(20),
            Duration::from_millis(300),
        );
        assert!(t.iter().all(|c| c.reply_ok), "{t:?}");
        assert!(t[1].reply_wait_ms() > 150.0, "{t:?}");
        assert!(t[1].connect_wait_ms() < 150.0, "{t:?}");
    }

    #[test]
    fn load_with_chaos_delivers_every_reply() {
        let srv = EchoServer::start(
            "127.0.0.1:0".parse().unwrap(),
            Mode::Threaded,
            Wire::Header,
            16,
        )
        .unwrap();
        let r = run_load(&LoadConfig::new(srv.addr(), 4, 300));
        assert!(r.perfect(), "{:?}", r.clients);
        assert_eq!(r.total.intact, 1200);
        assert!(rss_kib(std::process::id()).is_some() || !cfg!(target_os = "linux"));
    }
}
