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
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;
use thiserror::Error;

use crate::framing::{FrameError, FrameReader, LengthPrefix};
use crate::kit::server::{self, ServeOptions};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
