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
//! The lesson's server and the fix, side by side, are the first two
//! functions below: [`lesson_serve`] (`while True: accept()`, then that one
//! client until it leaves) and [`fixed_serve`] (a thread per connection,
//! under a cap). Both serve the lesson's echo service, `msg.upper()`, in
//! the lesson's raw `recv(1024)` form (`--compat lesson`) or framed with the
//! 4-byte [`LengthPrefix`] (`--compat ours`). After them: a client-side
//! stopwatch that measures how long each client waited for its first reply
//! ([`time_clients`], [`time_against`] for the demo's stages), the waits as
//! a table ([`waits_table`]) and as an SVG ([`timeline_svg`]).

use std::fmt::Write as _;
use std::io::{self, BufReader, BufWriter, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;
use thiserror::Error;

use crate::framing::{recv_exact, FrameError, LengthPrefix, DEFAULT_MAX_FRAME};
use crate::harness::Compat;
use crate::kit::server::{self, Background, ServeOptions};
use crate::lessons::LESSON_RECV;
use crate::report::table::Table;

mod backlog;
pub mod cli;
pub use backlog::{
    abort_on_overflow, listen_with_backlog, overflow, overflow_table, Overflow, QueuedClient,
    ABORT_ON_OVERFLOW_SYSCTL,
};

/// The lesson's first server: `while True: conn, addr = server.accept()`,
/// then talk to that one client until it leaves. A second client's
/// `connect()` succeeds at once (the kernel parks it in the listen
/// backlog), but nobody reads its message until the first one is gone.
pub fn lesson_serve(
    listener: TcpListener,
    echo: Echo,
    opts: ServeOptions,
    stop: Arc<AtomicBool>,
) -> io::Result<()> {
    let idle = opts.idle_timeout;
    let deadlines = server::Deadlines::start(opts.request_deadline, opts.log);
    while let Some((stream, peer)) = server::accept_next(&listener, &opts, &stop) {
        let _watch = server::watch(&deadlines, &stream, peer);
        // Everyone else waits in the listen backlog while this runs.
        let one_client = |s: TcpStream, _: SocketAddr| handle_upper(s, echo, idle);
        server::handle_one(&one_client, stream, peer, opts.log);
    }
    Ok(())
}

/// The fix, `socketserver.ThreadingTCPServer`'s shape: accept, give the
/// client its own thread, accept again — but at most `opts.max_conns`
/// threads, because each costs memory. At the cap the server stops
/// accepting until a slot frees, so a client over the cap is back in the
/// backlog: connected, unanswered ([`server::serve_until`] is that loop).
pub fn fixed_serve(
    listener: TcpListener,
    echo: Echo,
    opts: ServeOptions,
    stop: Arc<AtomicBool>,
) -> io::Result<()> {
    let idle = opts.idle_timeout;
    let each_client = move |s: TcpStream, _: SocketAddr| handle_upper(s, echo, idle);
    server::serve_until(listener, opts, stop, each_client)
}

/// How the server takes its clients (`--mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The lessons' first server: [`lesson_serve`].
    Sequential,
    /// `ThreadingTCPServer`'s shape, up to `--max-conns`: [`fixed_serve`].
    Threaded,
}

impl std::fmt::Display for Mode {
    /// In words, for the server's banner.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::t!(match self {
            Mode::Sequential => "lab07-mode-sequential",
            Mode::Threaded => "lab07-mode-threaded",
        }))
    }
}

/// A server loop: [`lesson_serve`] or [`fixed_serve`].
pub type Serve = fn(TcpListener, Echo, ServeOptions, Arc<AtomicBool>) -> io::Result<()>;

/// What the echo service speaks: the wire form, and the largest message it
/// accepts (`--max-frame`; a header claiming more is refused, named).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Echo {
    /// The lesson's raw `recv(1024)` or the 4-byte header.
    pub compat: Compat,
    /// Largest framed message, in bytes.
    pub max_frame: usize,
}

impl From<Compat> for Echo {
    /// `compat` with the framing layer's default limit.
    fn from(compat: Compat) -> Echo {
        Echo {
            compat,
            max_frame: DEFAULT_MAX_FRAME,
        }
    }
}

/// The most a framed echo connection holds of a message at once. A long
/// message is read and answered in pieces this big, so the server's memory
/// does not grow with `--max-frame`: a client that sends one huge message
/// and never reads the echo pins one piece (plus the kernel's socket
/// buffers), not its whole message, until the write timeout drops it.
pub const ECHO_PIECE: usize = 64 * 1024;

/// What one framed echo connection holds at most, whatever `--max-frame`:
/// its read buffer and its write buffer ([`ECHO_PIECE`] each, the write
/// one with room for a header), and the piece being upper-cased. Every
/// connection costs the same, so a memory budget is a cap on connections:
/// `--memory-budget` / this (the binary applies it to `--max-conns`).
pub const CONN_MEMORY: usize = 3 * ECHO_PIECE + LengthPrefix::LEN;

impl Mode {
    /// The server loop this mode names.
    pub fn serve(self) -> Serve {
        match self {
            Mode::Sequential => lesson_serve,
            Mode::Threaded => fixed_serve,
        }
    }
}

/// Why an echo connection ended badly.
#[derive(Debug, Error)]
pub enum EchoError {
    /// The client sent nothing for the whole idle timeout.
    #[error("{}", crate::t!("lab07-error-idle", timeout = format!("{:?}", .0)))]
    Idle(Duration),
    /// A frame could not be read or written.
    #[error("{}", .0.localized())]
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

/// Serves one client until it leaves: what both server loops run per client.
/// `idle` is only used to name a read timeout as an idle client.
pub fn handle_upper(
    stream: TcpStream,
    echo: Echo,
    idle: Option<Duration>,
) -> Result<(), EchoError> {
    match echo.compat {
        Compat::Lesson => {
            // msg = self.request.recv(1024); if len(msg) == 0: break; send(msg.upper())
            let mut out = &stream;
            loop {
                let msg = crate::kit::sock::recv_once(&stream, LESSON_RECV)
                    .map_err(|e| EchoError::from_frame(e.into(), idle))?;
                if msg.is_empty() {
                    return Ok(());
                }
                out.write_all(&upper(&msg)).map_err(FrameError::from)?;
            }
        }
        Compat::Ours => {
            let codec = LengthPrefix::lesson().with_max_frame(echo.max_frame);
            echo_framed(&stream, codec).map_err(|e| EchoError::from_frame(e, idle))
        }
    }
}

/// The framed echo, written the way lab 02 teaches. Replies are gathered in
/// one buffer and leave in one `send()` when the client has nothing more
/// waiting to be read: one reply, or all the replies to a pipelined batch,
/// is one write — never a header and its body as two small writes, and
/// never one small write per reply while more requests are already here.
///
/// `TCP_NODELAY` is on as well, because a reply is the last thing the
/// server writes before waiting for the client: with Nagle on, a reply
/// written while the previous one is still unacknowledged waits for that
/// ACK, and a client that only reads delays its ACK by up to 40 ms (Linux's
/// minimum delayed-ACK time; RFC 1122 §4.2.3.2 allows up to 500 ms). With a
/// window of 2 that was one 40 ms stall per reply (docs/labs/lab07-concurrency.md).
fn echo_framed(stream: &TcpStream, codec: LengthPrefix) -> Result<(), FrameError> {
    stream.set_nodelay(true)?;
    let mut input = BufReader::with_capacity(ECHO_PIECE, stream);
    let mut out = BufWriter::with_capacity(LengthPrefix::LEN + ECHO_PIECE, stream);
    loop {
        if input.buffer().is_empty() {
            // Everything the client sent so far is answered: send it now,
            // before waiting for more.
            out.flush()?;
        }
        let mut head = [0u8; LengthPrefix::LEN];
        match recv_exact(&mut input, LengthPrefix::LEN, "header") {
            Ok(h) => head.copy_from_slice(&h),
            Err(FrameError::Closed) => return Ok(out.flush()?),
            Err(e) => return Err(e),
        }
        let n = codec.unpack(head)?;
        out.write_all(&head)?;
        let mut left = n;
        while left > 0 {
            let mut piece =
                recv_exact(&mut input, left.min(ECHO_PIECE), "body").map_err(|e| match e {
                    FrameError::Closed => FrameError::Truncated {
                        what: "body",
                        expected: n,
                        got: n - left,
                    },
                    e => e,
                })?;
            piece.make_ascii_uppercase();
            out.write_all(&piece)?;
            left -= piece.len();
        }
    }
}

/// Runs `serve` (a [`Mode`]'s loop) on `addr` (port 0: ephemeral) in the
/// background, quietly, for the demo, tests and `sticky load`; it stops
/// when the returned [`Background`] is dropped.
pub fn start_upper(
    addr: SocketAddr,
    serve: Serve,
    echo: impl Into<Echo>,
    max_conns: usize,
) -> io::Result<Background> {
    let echo = echo.into();
    let listener = crate::kit::sock::listen(addr)?;
    let opts = ServeOptions {
        max_conns,
        idle_timeout: Some(Duration::from_secs(30)),
        log: false,
        ..ServeOptions::default()
    };
    Background::run(listener, move |l, stop| serve(l, echo, opts, stop))
}

/// Sends one message and reads one reply, in the chosen wire form.
/// With [`Compat::Lesson`] the reply is whatever one `recv(1024)` returned.
pub fn ask(stream: &TcpStream, compat: Compat, msg: &[u8]) -> Result<Vec<u8>, FrameError> {
    let mut s = stream;
    match compat {
        Compat::Lesson => {
            s.write_all(msg)?;
            let reply = crate::kit::sock::recv_once(stream, LESSON_RECV)?;
            if reply.is_empty() {
                return Err(FrameError::Closed);
            }
            Ok(reply)
        }
        Compat::Ours => {
            let codec = LengthPrefix::lesson();
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
    compat: Compat,
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
                        t.error = Some(crate::t!("lab07-client-connect-failed", error = e));
                        return t;
                    }
                };
                t.connected_ms = ms(Instant::now());
                let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                let msg = format!("hello from client {i}"); // not prose: the message on the wire
                match ask(&stream, compat, msg.as_bytes()) {
                    Ok(reply) => {
                        t.replied_ms = ms(Instant::now());
                        t.reply_ok = reply == upper(msg.as_bytes());
                    }
                    Err(e) => t.error = Some(crate::t!("lab07-client-no-reply", error = e)),
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
                error: Some(crate::t!("lab07-client-panicked")),
            })
        })
        .collect()
}

/// Starts `serve` quietly on a free loopback port, then times `clients`
/// clients against it, `stagger` apart (each asks once, then stays `hold`):
/// what each demo stage measures.
pub fn time_against(
    serve: Serve,
    cap: usize,
    clients: usize,
    stagger: Duration,
    hold: Duration,
) -> io::Result<Vec<ClientTiming>> {
    let srv = start_upper(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        serve,
        Compat::Ours,
        cap,
    )?;
    Ok(time_clients(
        srv.addr(),
        Compat::Ours,
        clients,
        stagger,
        hold,
    ))
}

/// The slowest first reply, in ms: the wait the unluckiest client felt.
pub fn slowest_reply_ms(t: &[ClientTiming]) -> f64 {
    t.iter()
        .map(ClientTiming::reply_wait_ms)
        .fold(0.0, f64::max)
}

/// The clients' waits as a table, each also as a multiple of `hold` (one client's stay).
pub fn waits_table(t: &[ClientTiming], hold: Duration) -> Table {
    let h = hold.as_secs_f64() * 1e3;
    let mut table = Table::new(
        [
            "lab07-col-client",
            "lab07-col-connect-took",
            "lab07-col-first-reply",
            "lab07-col-x-hold",
            "lab07-col-reply",
        ]
        .map(crate::lang::tr),
    );
    for c in t {
        table.row([
            format!("{}", c.client),
            format!("{:.1} ms", c.connect_wait_ms()),
            format!("{:.0} ms", c.reply_wait_ms()),
            format!("{:.2}", c.reply_wait_ms() / h),
            match (&c.error, c.reply_ok) {
                (Some(e), _) => e.clone(),
                (None, true) => crate::t!("lab07-reply-upper"),
                (None, false) => crate::t!("lab07-reply-wrong"),
            },
        ]);
    }
    table
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
            let label = if t.replied_ms.is_finite() {
                crate::t!(
                    "lab07-svg-client-waited",
                    client = t.client,
                    ms = format!("{:.0}", t.reply_wait_ms())
                )
            } else {
                crate::t!("lab07-svg-client-no-reply", client = t.client)
            };
            let _ = writeln!(
                body,
                "<text x=\"10\" y=\"{}\">{}</text>",
                y + ROW / 2.0 + 4.0,
                crate::report::svg::escape(&label)
            );
            if t.replied_ms.is_finite() {
                let (x0, x1) = (x(t.started_ms), x(t.replied_ms));
                let _ = writeln!(
                    body,
                    "<rect x=\"{x0:.1}\" y=\"{y}\" width=\"{:.1}\" height=\"{}\" fill=\"#bbbbbb\"><title>{}</title></rect>", // not prose: SVG markup
                    (x1 - x0).max(1.0),
                    ROW - 4.0,
                    crate::report::svg::escape(&crate::t!(
                        "lab07-svg-tip-waiting",
                        client = t.client,
                        connected = format!("{:.1}", t.connected_ms),
                        waited = format!("{:.1}", t.reply_wait_ms())
                    ))
                );
                let x2 = x(if t.left_ms.is_finite() {
                    t.left_ms
                } else {
                    end
                });
                let _ = writeln!(
                    body,
                    "<rect x=\"{x1:.1}\" y=\"{y}\" width=\"{:.1}\" height=\"{}\" fill=\"#3c9a3c\"><title>{}</title></rect>", // not prose: SVG markup
                    (x2 - x1).max(1.0),
                    ROW - 4.0,
                    crate::report::svg::escape(&crate::t!(
                        "lab07-svg-tip-served",
                        client = t.client,
                        from = format!("{:.1}", t.replied_ms),
                        left = format!("{:.1}", t.left_ms)
                    ))
                );
            }
            y += ROW;
        }
        y += 22.0;
    }
    let _ = writeln!(
        body,
        "<text x=\"{LEFT}\" y=\"{y}\" fill=\"#666\">0 ms</text><text x=\"{}\" y=\"{y}\" fill=\"#666\" text-anchor=\"end\">{}</text>", // not prose: SVG markup
        W - 30.0,
        crate::report::svg::escape(&crate::t!("lab07-svg-legend", end = format!("{end:.0}")))
    );
    let height = y + 16.0;
    crate::report::svg::document(W, height, title, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_changes_ascii_letters_only() {
        assert_eq!(upper("abc 中文 xyz".as_bytes()), "ABC 中文 XYZ".as_bytes());
    }

    /// Two clients 20 ms apart against `serve`, each staying 300 ms.
    fn two_clients(serve: Serve) -> Vec<ClientTiming> {
        let srv = start_upper("127.0.0.1:0".parse().unwrap(), serve, Compat::Ours, 8).unwrap();
        let (stagger, hold) = (Duration::from_millis(20), Duration::from_millis(300));
        let t = time_clients(srv.addr(), Compat::Ours, 2, stagger, hold);
        assert!(t.iter().all(|c| c.reply_ok), "{t:?}");
        t
    }

    #[test]
    fn sequential_server_makes_the_second_client_wait() {
        let t = two_clients(lesson_serve);
        assert!(t[1].reply_wait_ms() > 150.0, "{t:?}");
        assert!(t[1].connect_wait_ms() < 150.0, "{t:?}");
    }

    #[test]
    fn a_thread_per_connection_answers_the_second_client_at_once() {
        let t = two_clients(fixed_serve);
        assert!(t[1].reply_wait_ms() < 150.0, "{t:?}");
    }
}
