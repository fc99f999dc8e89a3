//! The receiving side: the lab's server counts its `recv()` calls for a
//! burst and answers each stall message with `ok`.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::counters::tcp_counters;
use super::show::{or_na, sizes_summary};
use super::{
    NagleError, TcpCounters, GO, HELLO_BURST, HELLO_QUIET, HELLO_STALL, MAX_LISTED_SIZES,
    MAX_RECORDED_BYTES, MAX_STALL_BODY, REPLY,
};
use crate::framing::{recv_exact, FrameError, LengthPrefix};
use crate::kit::record::{Chunk, Clock, RecordingReader};
use crate::kit::server::{idle_error, serve, Background, ServeOptions};
use crate::kit::sock;

/// How the lab's server receives.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// `TCP_NODELAY` on the server's own writes (its replies).
    pub nodelay: bool,
    /// Buffer size of each `recv()` in a burst.
    pub bufsize: usize,
    /// Sleep this long before the first `recv()` of a burst (a slow reader).
    pub read_delay: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            nodelay: false,
            bufsize: 65536,
            read_delay: Duration::ZERO,
        }
    }
}

/// What the receiver of a burst saw: sent back to the client as one JSON line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiverSummary {
    /// Bytes received.
    pub bytes: u64,
    /// `recv()` calls that returned data.
    pub recv_calls: usize,
    /// The size each call returned (the first [`MAX_LISTED_SIZES`]).
    pub sizes: Vec<usize>,
    /// Data segments the receiver's kernel counted (`tcpi_data_segs_in`), when known.
    pub data_segs_in: Option<u32>,
    /// How long the receiver slept before reading, in milliseconds.
    pub read_delay_ms: u64,
}

/// One finished conversation, as the server saw it.
#[derive(Clone, Debug)]
pub enum Served {
    /// A burst: the summary sent back, and every `recv()` with its time.
    Burst {
        /// What was sent back.
        summary: ReceiverSummary,
        /// Each `recv()` call.
        chunks: Vec<Chunk>,
    },
    /// A stall conversation: frames answered, and the server's counters at the end.
    Stall {
        /// Frames answered with `ok`.
        rounds: usize,
        /// The server's `TCP_INFO` at the end (its `ato_us` is the delayed-ACK timer).
        counters: Option<TcpCounters>,
    },
}

/// Serves one connection: reads the hello, then receives a burst or answers
/// stall frames. `clock` puts the receiver's calls on the sender's time axis.
pub fn serve_connection(
    stream: TcpStream,
    cfg: &ServerConfig,
    clock: Clock,
) -> Result<Served, NagleError> {
    sock::set_nodelay(&stream, cfg.nodelay)?;
    let mut stream = stream;
    let hello = recv_exact(&mut stream, 6, "hello")?;
    if hello.as_slice() == HELLO_BURST {
        stream.write_all(GO)?;
        receive_burst(stream, cfg, clock)
    } else if hello.as_slice() == HELLO_QUIET {
        receive_burst(stream, cfg, clock)
    } else if hello.as_slice() == HELLO_STALL {
        stream.write_all(GO)?;
        answer_stall(stream)
    } else {
        Err(NagleError::BadHello(crate::kit::text::preview(&hello, 40)))
    }
}

fn receive_burst(
    stream: TcpStream,
    cfg: &ServerConfig,
    clock: Clock,
) -> Result<Served, NagleError> {
    if !cfg.read_delay.is_zero() {
        std::thread::sleep(cfg.read_delay);
    }
    let mut reader = RecordingReader::with_clock(stream, clock);
    let bufsize = cfg.bufsize.clamp(1, sock::RECV_ALLOC_LIMIT);
    let mut buf = vec![0u8; bufsize];
    let (mut bytes, mut calls, mut sizes) = (0u64, 0usize, Vec::new());
    loop {
        // One read() is one recv() system call on a TcpStream. Only the
        // first calls are recorded with their bytes: a client may stream
        // for as long as it likes without growing the server's memory.
        let n = if reader.chunks().len() < MAX_LISTED_SIZES && bytes < MAX_RECORDED_BYTES {
            reader.read(&mut buf)?
        } else {
            reader.get_mut().read(&mut buf)?
        };
        if n == 0 {
            break;
        }
        bytes += n as u64;
        calls += 1;
        if sizes.len() < MAX_LISTED_SIZES {
            sizes.push(n);
        }
    }
    let (mut stream, chunks) = reader.into_parts();
    let after = tcp_counters(&stream).ok().flatten();
    let summary = ReceiverSummary {
        bytes,
        recv_calls: calls,
        sizes,
        // The client sends nothing after its hello until the hello is
        // acknowledged, so the hello had a segment of its own: the rest is the burst.
        data_segs_in: after.map(|a| a.data_segs_in.saturating_sub(1)),
        read_delay_ms: cfg.read_delay.as_millis() as u64,
    };
    let mut line =
        serde_json::to_vec(&summary).map_err(|e| NagleError::BadSummary(e.to_string()))?;
    line.push(b'\n');
    stream.write_all(&line)?;
    let _ = stream.shutdown(Shutdown::Write);
    Ok(Served::Burst { summary, chunks })
}

fn answer_stall(mut stream: TcpStream) -> Result<Served, NagleError> {
    let codec = LengthPrefix::lesson().with_max_frame(MAX_STALL_BODY);
    let mut rounds = 0;
    loop {
        match codec.read_frame(&mut stream) {
            Ok(_) => {
                stream.write_all(REPLY)?;
                rounds += 1;
            }
            Err(FrameError::Closed) => break,
            Err(e) => return Err(e.into()),
        }
    }
    let counters = tcp_counters(&stream).ok().flatten();
    Ok(Served::Stall { rounds, counters })
}

/// The lab's server on a loopback port in the background, handing each
/// finished conversation back to the demo.
pub struct LocalServer {
    server: Background,
    results: mpsc::Receiver<Result<Served, String>>,
}

impl LocalServer {
    /// Starts on 127.0.0.1 and an ephemeral port.
    pub fn start(cfg: ServerConfig, clock: Clock) -> io::Result<LocalServer> {
        let (tx, results) = mpsc::channel();
        let opts = ServeOptions {
            max_conns: 8,
            idle_timeout: Some(Duration::from_secs(30)),
            log: false,
            ..ServeOptions::default()
        };
        let server = Background::start(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            opts,
            move |stream, _peer| -> Result<(), NagleError> {
                let r = serve_connection(stream, &cfg, clock).map_err(|e| e.to_string());
                let _ = tx.send(r);
                Ok(())
            },
        )?;
        Ok(LocalServer { server, results })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The next finished conversation (waits at most 30 s).
    pub fn next_served(&self) -> Result<Served, NagleError> {
        match self.results.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(s)) => Ok(s),
            Ok(Err(e)) => Err(io::Error::other(format!("server: {e}")).into()),
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                crate::t!("lab02-error-server-never-finished"),
            )
            .into()),
        }
    }
}

/// The `server` subcommand: serves on `listener` until stopped, under the
/// limits in `opts`, one log line per finished conversation on stderr.
pub fn serve_logged(
    listener: TcpListener,
    cfg: ServerConfig,
    opts: ServeOptions,
) -> io::Result<()> {
    let clock = Clock::start();
    let idle = opts.idle_timeout;
    serve(listener, opts, move |stream, peer| {
        // A read or write timeout is the idle limit: say so, not "os error 11".
        let named = |e: NagleError| match e {
            NagleError::Io(e) => NagleError::Io(idle_error(e, idle)),
            NagleError::Frame(FrameError::Io(e)) => NagleError::Io(idle_error(e, idle)),
            e => e,
        };
        match serve_connection(stream, &cfg, clock).map_err(named)? {
            Served::Burst { summary, .. } => eprintln!(
                "[{peer}] {}",
                crate::t!(
                    "lab02-log-burst",
                    bytes = summary.bytes,
                    calls = summary.recv_calls,
                    segments = or_na(summary.data_segs_in),
                    sizes = sizes_summary(&summary.sizes, 16)
                )
            ),
            Served::Stall { rounds, counters } => eprintln!(
                "[{peer}] {}",
                crate::t!(
                    "lab02-log-stall",
                    rounds = rounds,
                    ato = counters
                        .and_then(|c| c.delayed_ack_us())
                        .map(|us| format!("{:.1} ms", us as f64 / 1e3))
                        .unwrap_or_else(|| "n/a".into())
                )
            ),
        }
        Ok::<(), NagleError>(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_hello_is_refused_with_its_bytes_named() {
        let clock = Clock::start();
        let server = LocalServer::start(ServerConfig::default(), clock).unwrap();
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.write_all(b"hello!").unwrap();
        let err = match server.next_served() {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted a bad hello"),
        };
        assert!(err.contains("unknown hello"), "{err}");
    }
}
