//! Framing speed: a raw pump against each framing, on real loopback TCP (sticky bench).
//!
//! What does putting the boundaries back cost? Each cell of the benchmark
//! opens one loopback connection, has one thread write messages of one size
//! for a bounded time and another read them back, and counts what arrived:
//!
//! * **raw** — the bytes with no framing at all, written as whole messages
//!   built once, in the fastest of nine write/read sizes ([`RAW_SHAPES`]):
//!   the ceiling, since nothing less can be done with the same bytes (and
//!   [`ceiling_breaks`] says where a run found otherwise);
//! * **header** — the 4-byte [`LengthPrefix`] (lab 04: `struct.pack('i',
//!   n)`), read by a [`FrameReader`] through its fast large-body path
//!   ([`FrameReader::next_frame_into`], `src/framing/fast_body.rs`);
//! * **json** — a 4-byte length, a JSON header `{"total_size": n}`, the body:
//!   lab 05's [`JsonHeader`], the header serialized per message, read by the
//!   same [`FrameReader`];
//! * **length-ack** — seed 001's handshake: the length in ASCII, wait for
//!   `ok`, then the data. One round trip per message, which `--rtt-ms`
//!   (through a latency-only [`ChaosProxy`]) makes plain.
//!
//! Both framed cells are one generic sender and one generic receiver over
//! the [`Framing`] trait ([`send_frames`], [`receive_frames`]): a new framing
//! is measured by giving them its codec. Framed senders write through a 64 KiB
//! `BufWriter` (header, json), so small messages are batched into few
//! system calls the same way for each; large bodies go straight to the socket.
//!
//! Every cell runs `--repeat` times with the framings alternating, so a
//! noisy machine slows them alike; the median is the figure to compare and
//! the best run is shown beside it. iperf3, when installed, moves bytes over
//! loopback in the same run as an outside anchor.

use std::fmt::Write as _;
use std::io::{self, BufWriter, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::framing::json_header::{Header, HeaderError, JsonHeader, Message};
use crate::framing::{FrameError, FrameReader, Framing, LengthPrefix};
use crate::kit::proxy::{ChaosProxy, ProxyConfig};
use crate::kit::sock::{self, SockOpts};
use crate::report::table::Table;

/// The sizes the issue asks for: 16 B, 1 KiB, 64 KiB, 1 MiB.
pub const DEFAULT_SIZES: [usize; 4] = [16, 1 << 10, 64 << 10, 1 << 20];

/// Largest JSON header the reader accepts.
const MAX_JSON_HEADER: usize = 8 << 10;

/// One way of sending messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Proto {
    /// No framing: the ceiling.
    Raw,
    /// The 4-byte length header.
    Header,
    /// 4-byte length + JSON header + body.
    Json,
    /// ASCII length, wait for "ok", data.
    LengthAck,
}

impl Proto {
    /// Every protocol, in table order.
    pub const ALL: [Proto; 4] = [Proto::Raw, Proto::Header, Proto::Json, Proto::LengthAck];

    /// The name used in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Proto::Raw => "raw",
            Proto::Header => "header",
            Proto::Json => "json",
            Proto::LengthAck => "length-ack",
        }
    }
}

/// Why a benchmark cell failed.
#[derive(Debug, Error)]
pub enum BenchError {
    /// A socket failed.
    #[error("{}", crate::t!("bench-error-socket", error = .0))]
    Io(#[from] io::Error),
    /// A frame was malformed (a bug: both ends are ours).
    #[error("{}", crate::t!("bench-error-framing", error = .0))]
    Frame(#[from] FrameError),
    /// A JSON-header message was malformed (lab 05's codec; a bug: both ends are ours).
    #[error("{}", crate::t!("bench-error-header", error = .0))]
    Header(#[from] HeaderError),
    /// The receiver saw something other than what was sent.
    #[error("{}", crate::t!("bench-error-wrong", proto = .proto, size = .size, what = .what))]
    Wrong {
        /// Which protocol.
        proto: &'static str,
        /// Which size.
        size: usize,
        /// What was wrong.
        what: String,
    },
    /// A thread panicked.
    #[error("{}", crate::t!("bench-error-thread"))]
    Panicked,
}

/// The result of one protocol at one size.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Cell {
    /// The protocol.
    pub proto: Proto,
    /// Message body size in bytes.
    pub size: usize,
    /// Messages received whole.
    pub messages: u64,
    /// Seconds from the first write until the receiver saw the end.
    pub seconds: f64,
    /// Messages per second.
    pub msgs_per_sec: f64,
    /// Body megabytes (10^6 bytes) per second.
    pub mb_per_sec: f64,
    /// Messages per second relative to the raw pump at the same size (best
    /// run against best run).
    pub ratio_to_raw: Option<f64>,
    /// Messages per second of every run of this cell, in the order they ran.
    #[serde(default)]
    pub runs: Vec<f64>,
    /// The median of `runs`: the figure to compare, since the runs of every
    /// framing alternate and so share the machine's noise.
    #[serde(default)]
    pub median_msgs_per_sec: f64,
    /// `median_msgs_per_sec` relative to the raw pump's median.
    #[serde(default)]
    pub median_ratio_to_raw: Option<f64>,
    /// For the raw pump: the write and read sizes that were fastest in the
    /// sweep ([`RawShape`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_shape: Option<RawShape>,
}

/// How the raw pump moves its bytes: `write` bytes per `send` (whole
/// messages, built once) and a `read`-byte buffer per `recv`. No one shape
/// is fastest at every size on every machine (a receiver that drains the
/// socket quickly wakes more often), so [`run`] sweeps [`RAW_SHAPES`] and
/// keeps the fastest: only then is the raw pump a ceiling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawShape {
    /// Bytes per write (rounded down to whole messages, at least one).
    pub write: usize,
    /// Bytes per read buffer.
    pub read: usize,
}

/// The shapes the raw pump is tried with: 64 KiB, 256 KiB and 1 MiB writes
/// and reads, every pairing.
pub const RAW_SHAPES: [RawShape; 9] = {
    const K: usize = 1 << 10;
    let sizes = [64 * K, 256 * K, 1024 * K];
    let mut out = [RawShape { write: 0, read: 0 }; 9];
    let mut i = 0;
    while i < 9 {
        out[i] = RawShape {
            write: sizes[i / 3],
            read: sizes[i % 3],
        };
        i += 1;
    }
    out
};

/// What to run.
#[derive(Clone, Debug)]
pub struct BenchConfig {
    /// Message sizes.
    pub sizes: Vec<usize>,
    /// Protocols.
    pub protos: Vec<Proto>,
    /// How long each cell's sender writes.
    pub seconds: f64,
    /// Added round-trip time (through a latency-only proxy) — zero for none.
    pub rtt: Duration,
    /// Runs per cell, the framings alternating, so that every framing meets
    /// the same noise; the median and the best are both reported.
    pub repeat: usize,
}

impl Default for BenchConfig {
    fn default() -> Self {
        BenchConfig {
            sizes: DEFAULT_SIZES.to_vec(),
            protos: Proto::ALL.to_vec(),
            seconds: 0.5,
            rtt: Duration::ZERO,
            repeat: 5,
        }
    }
}

/// Runs one cell: one connection, one sender thread for `seconds`, one
/// receiver. The raw pump uses the default [`RawShape`] (256 KiB both ways);
/// [`run_raw`] picks another.
pub fn run_cell(
    proto: Proto,
    size: usize,
    seconds: f64,
    rtt: Duration,
) -> Result<Cell, BenchError> {
    run_shaped(proto, size, seconds, rtt, RAW_SHAPES[4])
}

/// The raw pump in one [`RawShape`].
pub fn run_raw(
    size: usize,
    seconds: f64,
    rtt: Duration,
    shape: RawShape,
) -> Result<Cell, BenchError> {
    let mut c = run_shaped(Proto::Raw, size, seconds, rtt, shape)?;
    c.raw_shape = Some(shape);
    Ok(c)
}

fn run_shaped(
    proto: Proto,
    size: usize,
    seconds: f64,
    rtt: Duration,
    shape: RawShape,
) -> Result<Cell, BenchError> {
    let listener = sock::listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let server_addr = listener.local_addr()?;
    let receiver = thread::spawn(move || -> Result<u64, BenchError> {
        let (stream, _) = listener.accept()?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        receive(proto, size, stream, shape.read)
    });
    let proxy = if rtt.is_zero() {
        None
    } else {
        Some(ChaosProxy::start(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            ProxyConfig::latency_only(server_addr, rtt),
        )?)
    };
    let target = proxy.as_ref().map_or(server_addr, ChaosProxy::local_addr);
    let stream = sock::connect_with(
        target,
        &SockOpts::nodelay(true),
        Some(Duration::from_secs(10)),
    )?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(seconds.clamp(0.01, 600.0));
    let sent = send(proto, size, &stream, deadline, shape.write);
    let _ = stream.shutdown(Shutdown::Write);
    let got = receiver.join().map_err(|_| BenchError::Panicked)?;
    let secs = start.elapsed().as_secs_f64();
    let sent = sent?;
    let messages = got?;
    if messages != sent {
        return Err(BenchError::Wrong {
            proto: proto.name(),
            size,
            what: crate::t!("bench-wrong-count", sent = sent, received = messages),
        });
    }
    Ok(Cell {
        proto,
        size,
        messages,
        seconds: secs,
        msgs_per_sec: messages as f64 / secs,
        mb_per_sec: (messages as f64 * size as f64) / secs / 1e6,
        ratio_to_raw: None,
        runs: vec![messages as f64 / secs],
        median_msgs_per_sec: messages as f64 / secs,
        median_ratio_to_raw: None,
        raw_shape: None,
    })
}

fn payload(size: usize) -> Vec<u8> {
    (0..size).map(|i| b"sticky-lab "[i % 11]).collect()
}

fn send(
    proto: Proto,
    size: usize,
    stream: &TcpStream,
    deadline: Instant,
    raw_write: usize,
) -> Result<u64, BenchError> {
    let body = payload(size);
    match proto {
        Proto::Raw => {
            // Whole messages, built once: each write is one system call
            // and no copy, the least a sender can do with these bytes.
            let per_write = (raw_write / size).max(1);
            let chunk = body.repeat(per_write);
            let mut s = stream;
            let mut n = 0u64;
            while Instant::now() < deadline {
                s.write_all(&chunk)?;
                n += per_write as u64;
            }
            Ok(n)
        }
        Proto::Header => send_frames(&LengthPrefix::lesson(), &body, stream, deadline),
        Proto::Json => {
            // As lab 05 sends a file: header (length + JSON), then the body.
            let mut header = Header::new();
            header.insert("total_size".into(), (size as u64).into());
            let message = Message { header, body };
            send_frames(&JsonHeader::lesson(), &message, stream, deadline)
        }
        Proto::LengthAck => {
            let mut s = stream;
            let mut ok = [0u8; 2];
            let mut n = 0u64;
            while Instant::now() < deadline {
                s.write_all(size.to_string().as_bytes())?;
                s.read_exact(&mut ok)?;
                if &ok != b"ok" {
                    return Err(BenchError::Wrong {
                        proto: proto.name(),
                        size,
                        what: crate::t!("bench-wrong-ack", got = format!("{ok:?}")),
                    });
                }
                s.write_all(&body)?;
                n += 1;
            }
            Ok(n)
        }
    }
}

/// Messages written between two looks at the clock: not one per 16 bytes.
fn batch(size: usize) -> usize {
    (64 << 10) / (size + 64) + 1
}

/// Writes `frame` with any framing until `deadline`, encoding it anew for
/// every message (the work a real sender does); returns how many were sent.
pub fn send_frames<F: Framing>(
    framing: &F,
    frame: &F::Frame,
    stream: &TcpStream,
    deadline: Instant,
) -> Result<u64, BenchError>
where
    BenchError: From<F::Error>,
{
    let mut w = BufWriter::with_capacity(64 << 10, stream);
    let mut bytes = Vec::new();
    framing.encode(frame, &mut bytes)?;
    let per_look = batch(bytes.len());
    let mut n = 0u64;
    while Instant::now() < deadline {
        for _ in 0..per_look {
            bytes.clear();
            framing.encode(frame, &mut bytes)?;
            w.write_all(&bytes)?;
            n += 1;
        }
    }
    w.flush()?;
    Ok(n)
}

/// Reads frames with any framing until the sender closes; each must carry
/// a `size`-byte body (`body_len` says how long a frame's is). `proto`
/// names the cell in errors.
pub fn receive_frames<F: Framing>(
    mut frames: FrameReader<TcpStream, F>,
    proto: &'static str,
    size: usize,
    body_len: impl Fn(&F::Frame) -> usize,
) -> Result<u64, BenchError>
where
    BenchError: From<F::Error>,
{
    let mut n = 0u64;
    while let Some(frame) = frames.next_frame()? {
        if body_len(&frame) != size {
            return Err(BenchError::Wrong {
                proto,
                size,
                what: crate::t!("bench-wrong-body", n = body_len(&frame)),
            });
        }
        n += 1;
    }
    Ok(n)
}

fn receive(
    proto: Proto,
    size: usize,
    stream: TcpStream,
    raw_read: usize,
) -> Result<u64, BenchError> {
    let wrong = |what: String| BenchError::Wrong {
        proto: proto.name(),
        size,
        what,
    };
    match proto {
        Proto::Raw => {
            let mut buf = vec![0u8; raw_read.max(1)];
            let mut bytes = 0u64;
            loop {
                match sock::recv_into(&stream, &mut buf)? {
                    0 => break,
                    k => bytes += k as u64,
                }
            }
            if !bytes.is_multiple_of(size as u64) {
                return Err(wrong(crate::t!("bench-wrong-partial", bytes = bytes)));
            }
            Ok(bytes / size as u64)
        }
        Proto::Header => {
            // The fast path (src/framing/fast_body.rs): one body buffer for
            // the whole run, as the raw pump has one receive buffer, filled by
            // reads as large as what is missing. The header path then does
            // only the framing's work.
            let mut frames = FrameReader::new(stream, LengthPrefix::lesson());
            let mut body = Vec::new();
            let mut n = 0u64;
            while frames.next_frame_into(&mut body)? {
                if body.len() != size {
                    return Err(wrong(crate::t!("bench-wrong-frame", n = body.len())));
                }
                n += 1;
            }
            Ok(n)
        }
        Proto::Json => {
            let codec = JsonHeader::lesson().with_limits(MAX_JSON_HEADER, size as u64);
            receive_frames(FrameReader::new(stream, codec), proto.name(), size, |m| {
                m.body.len()
            })
        }
        Proto::LengthAck => {
            let mut s = &stream;
            let mut body = vec![0u8; size];
            let mut n = 0u64;
            loop {
                // seed 001: server_res_len = client.recv(1024)
                let len = sock::recv_once(&stream, 1024)?;
                if len.is_empty() {
                    break;
                }
                let announced: usize = std::str::from_utf8(&len)
                    .ok()
                    .and_then(|t| t.parse().ok())
                    .ok_or_else(|| {
                        wrong(crate::t!(
                            "bench-wrong-length",
                            got = format!("{:?}", String::from_utf8_lossy(&len))
                        ))
                    })?;
                if announced != size {
                    return Err(wrong(crate::t!("bench-wrong-announced", n = announced)));
                }
                s.write_all(b"ok")?;
                s.read_exact(&mut body)?;
                n += 1;
            }
            Ok(n)
        }
    }
}

/// Runs every protocol at every size; fills in the ratios to the raw pump.
/// `progress` is told about each run as it finishes.
///
/// At each size the raw pump is first swept over [`RAW_SHAPES`] (a fifth of
/// a cell's time each) and the fastest shape is kept; then the framings run
/// `repeat` times, alternating, and each cell reports its best run and its
/// median.
pub fn run(cfg: &BenchConfig, mut progress: impl FnMut(&Cell)) -> Result<Vec<Cell>, BenchError> {
    let mut cells = Vec::new();
    for &size in &cfg.sizes {
        let size = size.max(1);
        let shape = if cfg.protos.contains(&Proto::Raw) {
            fastest_raw_shape(size, (cfg.seconds / 5.0).max(0.02), cfg.rtt)?
        } else {
            RAW_SHAPES[4]
        };
        let mut runs: Vec<Vec<Cell>> = vec![Vec::new(); cfg.protos.len()];
        for _ in 0..cfg.repeat.max(1) {
            for (i, &proto) in cfg.protos.iter().enumerate() {
                let c = match proto {
                    Proto::Raw => run_raw(size, cfg.seconds, cfg.rtt, shape)?,
                    _ => run_cell(proto, size, cfg.seconds, cfg.rtt)?,
                };
                progress(&c);
                runs[i].push(c);
            }
        }
        let summary: Vec<Cell> = runs.into_iter().filter_map(summarize).collect();
        let raw = summary.iter().find(|c| c.proto == Proto::Raw);
        let (raw_best, raw_median) = (
            raw.map(|c| c.msgs_per_sec),
            raw.map(|c| c.median_msgs_per_sec),
        );
        for mut c in summary {
            c.ratio_to_raw = raw_best.map(|r| c.msgs_per_sec / r);
            c.median_ratio_to_raw = raw_median.map(|r| c.median_msgs_per_sec / r);
            cells.push(c);
        }
    }
    Ok(cells)
}

/// The raw pump's fastest [`RawShape`] at `size`, each tried for `seconds`.
fn fastest_raw_shape(size: usize, seconds: f64, rtt: Duration) -> Result<RawShape, BenchError> {
    let mut best = (RAW_SHAPES[4], 0.0);
    for shape in RAW_SHAPES {
        let c = run_raw(size, seconds, rtt, shape)?;
        if c.msgs_per_sec > best.1 {
            best = (shape, c.msgs_per_sec);
        }
    }
    Ok(best.0)
}

/// One cell out of its runs: the best run's figures, every run's rate, and
/// their median.
fn summarize(runs: Vec<Cell>) -> Option<Cell> {
    let rates: Vec<f64> = runs.iter().map(|c| c.msgs_per_sec).collect();
    let mut best = runs
        .into_iter()
        .max_by(|a, b| a.msgs_per_sec.total_cmp(&b.msgs_per_sec))?;
    best.median_msgs_per_sec = median(&rates);
    best.runs = rates;
    Some(best)
}

/// The median of some rates (the mean of the middle two for an even count).
pub fn median(rates: &[f64]) -> f64 {
    let mut v = rates.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// A framed cell whose median beats the raw pump's median by more than
/// `noise` (a fraction, 0.10 = 10 %): the raw pump was not a ceiling there.
pub fn ceiling_breaks(cells: &[Cell], noise: f64) -> Vec<&Cell> {
    cells
        .iter()
        .filter(|c| c.proto != Proto::Raw)
        .filter(|c| c.median_ratio_to_raw.is_some_and(|r| r > 1.0 + noise))
        .collect()
}

/// `16 B`, `1 KiB`, `64 KiB`, `1 MiB`.
pub fn size_name(size: usize) -> String {
    if size >= 1 << 20 && size.is_multiple_of(1 << 20) {
        format!("{} MiB", size >> 20)
    } else if size >= 1 << 10 && size.is_multiple_of(1 << 10) {
        format!("{} KiB", size >> 10)
    } else {
        format!("{size} B")
    }
}

/// The results as a table: the median first (the figure to compare), the
/// best run beside it.
pub fn table(cells: &[Cell]) -> Table {
    let mut t = Table::new([
        crate::t!("bench-col-size"),
        crate::t!("bench-col-framing"),
        crate::t!("bench-col-median"),
        crate::t!("bench-col-median-ratio"),
        crate::t!("bench-col-best"),
        crate::t!("bench-col-best-ratio"),
        crate::t!("bench-col-mbps"),
    ]);
    let ratio = |r: Option<f64>| r.map_or("-".into(), |r| format!("{r:.3}"));
    for c in cells {
        t.row([
            size_name(c.size),
            match c.raw_shape {
                Some(s) => crate::t!(
                    "bench-shape",
                    proto = c.proto.name(),
                    write = size_name(s.write),
                    read = size_name(s.read)
                ),
                None => c.proto.name().to_string(),
            },
            format!("{:.0}", c.median_msgs_per_sec),
            ratio(c.median_ratio_to_raw),
            format!("{:.0}", c.msgs_per_sec),
            ratio(c.ratio_to_raw),
            format!("{:.1}", c.mb_per_sec),
        ]);
    }
    t
}

/// What iperf3, an outside tool, moved over loopback in the same run: the
/// anchor that says whether this machine was fast or slow today.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Iperf3Anchor {
    /// Seconds it ran.
    pub seconds: f64,
    /// Megabytes (10^6) per second the receiver counted.
    pub mb_per_sec: f64,
    /// `iperf3 --version`'s first line.
    pub version: String,
}

/// Runs `iperf3 -s` and `iperf3 -c` on loopback for `seconds`; `Err` says
/// why it could not (not installed, failed, unreadable).
pub fn iperf3_anchor(seconds: f64) -> Result<Iperf3Anchor, String> {
    use std::process::{Command, Stdio};
    let version = Command::new("iperf3")
        .arg("--version")
        .output()
        .map_err(|_| crate::t!("bench-iperf3-missing"))?;
    let version = String::from_utf8_lossy(&version.stdout)
        .lines()
        .next()
        .unwrap_or("iperf3")
        .to_string();
    // A free port: bind port 0, note it, let it go. Another program could
    // take it in between; iperf3 then fails and says so.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let mut server = Command::new("iperf3")
        .args(["-s", "-B", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("iperf3 -s: {e}"))?;
    let ready = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(("127.0.0.1", port)).is_err() && Instant::now() < ready {
        thread::sleep(Duration::from_millis(20));
    }
    // The probe above was a client that said nothing; the server logs it
    // and goes on listening (it runs until it is killed below).
    thread::sleep(Duration::from_millis(100));
    let secs = seconds.clamp(1.0, 60.0).round().to_string();
    let out = Command::new("iperf3")
        .args([
            "-c",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-t",
            &secs,
            "-J",
        ])
        .output();
    let _ = server.kill();
    let _ = server.wait();
    let out = out.map_err(|e| format!("iperf3 -c: {e}"))?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| crate::t!("bench-iperf3-no-json", error = e))?;
    if let Some(e) = v.get("error").and_then(|e| e.as_str()) {
        return Err(format!("iperf3: {e}"));
    }
    let end = &v["end"]["sum_received"];
    let bits = end["bits_per_second"]
        .as_f64()
        .ok_or_else(|| crate::t!("bench-iperf3-no-figure"))?;
    Ok(Iperf3Anchor {
        seconds: end["seconds"].as_f64().unwrap_or(0.0),
        mb_per_sec: bits / 8.0 / 1e6,
        version,
    })
}

/// A bar chart of each framing's median ratio to the raw pump's median,
/// grouped by size.
pub fn chart_svg(title: &str, cells: &[Cell]) -> String {
    const W: f64 = 960.0;
    const LEFT: f64 = 120.0;
    const BAR: f64 = 16.0;
    let colors = ["#888888", "#2aa1b3", "#d4a017", "#c8473b"];
    let span = W - LEFT - 330.0;
    let mut body = String::new();
    let mut y = 50.0;
    let mut sizes: Vec<usize> = cells.iter().map(|c| c.size).collect();
    sizes.dedup();
    for size in sizes {
        let _ = writeln!(
            body,
            "<text x=\"10\" y=\"{}\" font-weight=\"bold\">{}</text>",
            y + 12.0,
            size_name(size)
        );
        for c in cells.iter().filter(|c| c.size == size) {
            let r = c.median_ratio_to_raw.unwrap_or(0.0);
            let color = colors[Proto::ALL.iter().position(|p| *p == c.proto).unwrap_or(0)];
            let w = (r.min(1.5) / 1.5 * span).max(1.0);
            let label = format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", // not prose: SVG
                LEFT - 6.0,
                y + 12.0,
                c.proto.name()
            );
            let tip = crate::t!(
                "bench-chart-tip",
                proto = c.proto.name(),
                size = size_name(size),
                rate = format!("{:.0}", c.msgs_per_sec),
                mbps = format!("{:.1}", c.mb_per_sec)
            );
            let bar = format!(
                "<rect x=\"{LEFT}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{color}\">", // not prose: SVG
                BAR - 2.0
            );
            let value = crate::t!(
                "bench-chart-bar",
                ratio = format!("{r:.3}"),
                rate = format!("{:.0}", c.median_msgs_per_sec)
            );
            let _ = writeln!(
                body,
                // The white halo keeps the value readable where it crosses the 1.0 line.
                "{label}{bar}<title>{tip}</title></rect><text x=\"{:.1}\" y=\"{}\" paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"4\">{value}</text>", // not prose: SVG
                LEFT + w + 6.0,
                y + 12.0,
            );
            y += BAR;
        }
        y += 14.0;
    }
    let one = LEFT + span / 1.5;
    let line = format!(
        "<line x1=\"{one:.1}\" y1=\"36\" x2=\"{one:.1}\" y2=\"{y}\" stroke=\"#d00\" stroke-dasharray=\"4 3\"/>" // not prose: SVG
    );
    let one_label = format!(
        "<text x=\"{one:.1}\" y=\"{}\" fill=\"#d00\" text-anchor=\"middle\">{}</text>", // not prose: SVG
        y + 14.0,
        crate::t!("bench-chart-one")
    );
    // The line goes first, so the bars and values are drawn over it.
    let body = format!("{line}\n{body}{one_label}\n");
    let height = y + 30.0;
    crate::report::svg::document(W, height, title, &body)
}

/// The lesson's Python struct-header pump (`benches/lesson_struct_pump.py`).
pub const PYTHON_PUMP: &str = include_str!("../../benches/lesson_struct_pump.py");

/// What the Python pump reported.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PythonPeer {
    /// Message size.
    pub size: usize,
    /// Messages received.
    pub messages: u64,
    /// Seconds it ran.
    pub seconds: f64,
    /// Messages per second.
    pub msgs_per_sec: f64,
}

/// Runs the lesson's struct-header code in python3 for `seconds` at `size`;
/// `Err` says why it could not (python3 missing, …).
pub fn python_peer(size: usize, seconds: f64) -> Result<PythonPeer, String> {
    let mut child = std::process::Command::new("python3")
        .args(["-", &size.to_string(), &format!("{seconds}")])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| crate::t!("bench-python-cannot-start", error = e))?;
    if let Some(mut i) = child.stdin.take() {
        i.write_all(PYTHON_PUMP.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(crate::t!(
            "bench-python-failed",
            error = String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| crate::t!("bench-python-unreadable", error = e))
}

/// `sticky bench`'s flags.
#[derive(Clone, Debug, clap::Args)]
pub struct BenchArgs {
    /// Message sizes in bytes, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = DEFAULT_SIZES)]
    pub sizes: Vec<usize>,
    /// Framings to measure, comma-separated (raw is the ceiling the ratios use).
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = Proto::ALL)]
    pub protos: Vec<Proto>,
    /// Seconds each cell's sender writes for.
    #[arg(long, default_value_t = 0.5, value_parser = crate::harness::parse_seconds)]
    pub seconds: f64,
    /// Runs per cell, the framings alternating; the median is compared, the best shown beside it.
    #[arg(long, default_value_t = 5)]
    pub repeat: usize,
    /// Add this round-trip time through a latency-only proxy (shows the handshake's cost).
    #[arg(long, default_value_t = 0)]
    pub rtt_ms: u64,
    /// Write a bar chart of the ratios to FILE.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<std::path::PathBuf>,
    /// Print the figures as JSON on stdout (the table goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// Skip the lesson's Python struct-header peer even if python3 is present.
    #[arg(long)]
    pub no_python: bool,
    /// Skip the iperf3 loopback anchor even if iperf3 is installed.
    #[arg(long)]
    pub no_iperf3: bool,
}

/// Examples for `sticky bench --help`.
pub const BENCH_EXAMPLES: &str = "sticky-cmd-bench-examples";

/// Everything `sticky bench --json` prints.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    /// Seconds per cell.
    pub seconds_per_cell: f64,
    /// Added round-trip time in ms.
    pub rtt_ms: u64,
    /// Every cell.
    pub cells: Vec<Cell>,
    /// The lesson's Python struct-header pump at 16 B, when it ran.
    pub python_16b: Option<PythonPeer>,
    /// Why the Python peer did not run.
    pub python_skipped: Option<String>,
    /// iperf3 on loopback in the same run, when it ran.
    pub iperf3: Option<Iperf3Anchor>,
    /// Why iperf3 did not run.
    pub iperf3_skipped: Option<String>,
    /// Framed cells whose median beat the raw pump's median by more than
    /// 10 %, as "header at 1 KiB: 1.234×": where the raw pump was no ceiling.
    pub ceiling_breaks: Vec<String>,
}

/// "met" or "NOT met", for a target line.
fn met(yes: bool) -> String {
    crate::t!(if yes { "bench-met" } else { "bench-not-met" })
}

/// `sticky bench`.
pub fn bench_command(args: &BenchArgs) -> std::process::ExitCode {
    let cfg = BenchConfig {
        sizes: args.sizes.iter().map(|&s| s.clamp(1, 64 << 20)).collect(),
        protos: args.protos.clone(),
        seconds: args.seconds.clamp(0.01, 600.0),
        rtt: Duration::from_millis(args.rtt_ms),
        repeat: args.repeat.clamp(1, 100),
    };
    let say = |s: &str| {
        if args.json {
            eprintln!("{s}");
        } else {
            println!("{s}");
        }
    };
    say(&crate::t!(
        "bench-intro",
        seconds = format!("{:.2}", cfg.seconds),
        repeat = cfg.repeat,
        shapes = RAW_SHAPES.len(),
        rtt = if cfg.rtt.is_zero() {
            String::new()
        } else {
            crate::t!("bench-intro-rtt", rtt = args.rtt_ms)
        }
    ));
    let cells = match run(&cfg, |c| {
        eprintln!(
            "  {:>7} {:<10} {:>12.0} msg/s {:>9.1} MB/s",
            size_name(c.size),
            c.proto.name(),
            c.msgs_per_sec,
            c.mb_per_sec
        )
    }) {
        Ok(c) => c,
        Err(e) => return crate::harness::fail(crate::t!("bench-failed", error = e)),
    };
    say(table(&cells).render().trim_end());
    let find = |p: Proto, size: usize| cells.iter().find(|c| c.proto == p && c.size == size);
    if let Some(c) = find(Proto::Header, 1 << 20) {
        if let (Some(m), Some(b)) = (c.median_ratio_to_raw, c.ratio_to_raw) {
            say(&crate::t!(
                "bench-target",
                median = format!("{m:.3}"),
                best = format!("{b:.3}"),
                met = met(m >= 0.9)
            ));
        }
    }
    let ceiling_breaks: Vec<String> = ceiling_breaks(&cells, 0.10)
        .into_iter()
        .map(|c| {
            crate::t!(
                "bench-ceiling-break",
                proto = c.proto.name(),
                size = size_name(c.size),
                ratio = format!("{:.3}", c.median_ratio_to_raw.unwrap_or(0.0))
            )
        })
        .collect();
    if ceiling_breaks.is_empty() {
        say(&crate::t!("bench-ceiling-held"));
    } else {
        say(&crate::t!(
            "bench-ceiling-broken",
            breaks = ceiling_breaks.join(", ")
        ));
    }
    let (mut iperf3, mut iperf3_skipped) = (None, None);
    if args.no_iperf3 {
        iperf3_skipped = Some("--no-iperf3".to_string());
    } else {
        match iperf3_anchor(cfg.seconds.max(1.0)) {
            Ok(a) => {
                let raw_best = cells
                    .iter()
                    .filter(|c| c.proto == Proto::Raw)
                    .map(|c| c.mb_per_sec)
                    .fold(0.0, f64::max);
                say(&crate::t!(
                    "bench-anchor",
                    mbps = format!("{:.1}", a.mb_per_sec),
                    seconds = format!("{:.1}", a.seconds),
                    raw = format!("{raw_best:.1}"),
                    ratio = format!("{:.2}", raw_best / a.mb_per_sec),
                    version = &a.version
                ));
                iperf3 = Some(a);
            }
            Err(e) => {
                say(&crate::t!("bench-anchor-skipped", why = &e));
                iperf3_skipped = Some(e);
            }
        }
    }
    let (mut python_16b, mut python_skipped) = (None, None);
    if args.no_python {
        python_skipped = Some("--no-python".to_string());
    } else {
        match python_peer(16, cfg.seconds.max(0.5)) {
            Ok(p) => {
                let ours = find(Proto::Header, 16).map(|c| c.msgs_per_sec);
                say(&crate::t!(
                    "bench-peer-python",
                    rate = format!("{:.0}", p.msgs_per_sec),
                    versus = ours.map_or(String::new(), |o| {
                        let x = o / p.msgs_per_sec;
                        crate::t!(
                            "bench-peer-python-versus",
                            x = format!("{x:.1}"),
                            met = met(x >= 20.0)
                        )
                    })
                ));
                python_16b = Some(p);
            }
            Err(e) => {
                say(&crate::t!("bench-peer-python-skipped", why = &e));
                python_skipped = Some(e);
            }
        }
    }
    say(&crate::t!("bench-peer-tokio"));
    if let Some(path) = &args.svg {
        let title = crate::t!(
            "bench-chart-title",
            rtt = if cfg.rtt.is_zero() {
                String::new()
            } else {
                crate::t!("bench-chart-title-rtt", rtt = args.rtt_ms)
            }
        );
        if let Err(e) = crate::kit::files::write_atomic(path, chart_svg(&title, &cells).as_bytes())
        {
            return crate::harness::fail(crate::t!(
                "harness-cannot-write",
                path = path.display(),
                error = e
            ));
        }
        say(&crate::t!("bench-chart-written", path = path.display()));
    }
    if args.json {
        let report = BenchReport {
            seconds_per_cell: cfg.seconds,
            rtt_ms: args.rtt_ms,
            cells,
            python_16b,
            python_skipped,
            iperf3,
            iperf3_skipped,
            ceiling_breaks,
        };
        match serde_json::to_string_pretty(&report) {
            Ok(j) => println!("{j}"),
            Err(e) => return crate::harness::fail(crate::t!("bench-json-failed", error = e)),
        }
    }
    std::process::ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protocol_moves_whole_messages() {
        for proto in Proto::ALL {
            for size in [1, 16, 70_000] {
                let c = run_cell(proto, size, 0.05, Duration::ZERO).unwrap();
                assert!(c.messages > 0, "{proto:?} {size}");
            }
        }
    }

    #[test]
    fn added_latency_slows_the_handshake_not_the_header() {
        let rtt = Duration::from_millis(20);
        let ack = run_cell(Proto::LengthAck, 16, 0.3, rtt).unwrap();
        let head = run_cell(Proto::Header, 16, 0.3, rtt).unwrap();
        // At most one handshake per round trip (plus the connection's own).
        assert!(ack.messages <= 16, "{ack:?}");
        assert!(head.messages > 50 * ack.messages, "{head:?} vs {ack:?}");
    }

    #[test]
    fn the_median_is_the_middle_run_not_the_best() {
        assert_eq!(median(&[5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }

    fn cell(proto: Proto, median_ratio: f64) -> Cell {
        let mut c = run_cell(proto, 16, 0.01, Duration::ZERO).unwrap();
        c.median_ratio_to_raw = Some(median_ratio);
        c
    }

    #[test]
    fn a_framing_over_the_raw_pump_by_more_than_noise_is_reported() {
        let cells = [
            cell(Proto::Raw, 1.0),
            cell(Proto::Header, 1.05),
            cell(Proto::Json, 1.3),
        ];
        let broken: Vec<Proto> = ceiling_breaks(&cells, 0.10)
            .iter()
            .map(|c| c.proto)
            .collect();
        assert_eq!(broken, [Proto::Json]);
    }

    #[test]
    fn the_raw_pump_keeps_its_fastest_shape_and_sends_whole_messages() {
        let shape = fastest_raw_shape(1000, 0.02, Duration::ZERO).unwrap();
        assert!(RAW_SHAPES.contains(&shape));
        // 1000 does not divide 64 KiB: the pump still sends whole messages
        // (the receiver errs on a partial one).
        for shape in [RAW_SHAPES[0], RAW_SHAPES[8]] {
            assert!(run_raw(1000, 0.02, Duration::ZERO, shape).unwrap().messages > 0);
        }
    }
}
