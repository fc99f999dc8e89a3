//! Framing speed: a raw pump against each framing, on real loopback TCP (sticky bench).
//!
//! What does putting the boundaries back cost? Each cell of the benchmark
//! opens one loopback connection, has one thread write messages of one size
//! for a bounded time and another read them back, and counts what arrived:
//!
//! * **raw** — the bytes with no framing at all: the ceiling, since nothing
//!   less can be done with the same bytes;
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
//! is measured by giving them its codec. Senders write through a 64 KiB
//! `BufWriter` (raw, header, json), so small messages are batched into few
//! system calls the same way for each; large bodies go straight to the socket.

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
    #[error("socket: {0}")]
    Io(#[from] io::Error),
    /// A frame was malformed (a bug: both ends are ours).
    #[error("framing: {0}")]
    Frame(#[from] FrameError),
    /// A JSON-header message was malformed (lab 05's codec; a bug: both ends are ours).
    #[error("JSON header: {0}")]
    Header(#[from] HeaderError),
    /// The receiver saw something other than what was sent.
    #[error("{proto} at {size} B: {what}")]
    Wrong {
        /// Which protocol.
        proto: &'static str,
        /// Which size.
        size: usize,
        /// What was wrong.
        what: String,
    },
    /// A thread panicked.
    #[error("a benchmark thread panicked")]
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
    /// Messages per second relative to the raw pump at the same size.
    pub ratio_to_raw: Option<f64>,
}

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
    /// Runs per cell, interleaved; the best one counts (a shared, noisy
    /// machine only ever makes a run slower, never faster).
    pub repeat: usize,
}

impl Default for BenchConfig {
    fn default() -> Self {
        BenchConfig {
            sizes: DEFAULT_SIZES.to_vec(),
            protos: Proto::ALL.to_vec(),
            seconds: 0.5,
            rtt: Duration::ZERO,
            repeat: 3,
        }
    }
}

/// Runs one cell: one connection, one sender thread for `seconds`, one receiver.
pub fn run_cell(
    proto: Proto,
    size: usize,
    seconds: f64,
    rtt: Duration,
) -> Result<Cell, BenchError> {
    let listener = sock::listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let server_addr = listener.local_addr()?;
    let receiver = thread::spawn(move || -> Result<u64, BenchError> {
        let (stream, _) = listener.accept()?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        receive(proto, size, stream)
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
    let sent = send(proto, size, &stream, deadline);
    let _ = stream.shutdown(Shutdown::Write);
    let got = receiver.join().map_err(|_| BenchError::Panicked)?;
    let secs = start.elapsed().as_secs_f64();
    let sent = sent?;
    let messages = got?;
    if messages != sent {
        return Err(BenchError::Wrong {
            proto: proto.name(),
            size,
            what: format!("{sent} messages sent, {messages} received"),
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
) -> Result<u64, BenchError> {
    let body = payload(size);
    match proto {
        Proto::Raw => {
            let mut w = BufWriter::with_capacity(64 << 10, stream);
            let mut n = 0u64;
            while Instant::now() < deadline {
                for _ in 0..batch(size) {
                    w.write_all(&body)?;
                    n += 1;
                }
            }
            w.flush()?;
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
                        what: format!("expected \"ok\", got {ok:?}"),
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
                what: format!("a {}-byte body", body_len(&frame)),
            });
        }
        n += 1;
    }
    Ok(n)
}

fn receive(proto: Proto, size: usize, stream: TcpStream) -> Result<u64, BenchError> {
    let wrong = |what: String| BenchError::Wrong {
        proto: proto.name(),
        size,
        what,
    };
    match proto {
        Proto::Raw => {
            // As large as a message (up to 4 MiB): the fewest, largest reads.
            let mut buf = vec![0u8; size.clamp(256 << 10, 4 << 20)];
            let mut bytes = 0u64;
            loop {
                match sock::recv_into(&stream, &mut buf)? {
                    0 => break,
                    k => bytes += k as u64,
                }
            }
            if !bytes.is_multiple_of(size as u64) {
                return Err(wrong(format!(
                    "{bytes} bytes is not a whole number of messages"
                )));
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
                    return Err(wrong(format!("a {}-byte frame", body.len())));
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
                        wrong(format!("not a length: {:?}", String::from_utf8_lossy(&len)))
                    })?;
                if announced != size {
                    return Err(wrong(format!("announced {announced} bytes")));
                }
                s.write_all(b"ok")?;
                s.read_exact(&mut body)?;
                n += 1;
            }
            Ok(n)
        }
    }
}

/// Runs every protocol at every size; fills in the ratio to the raw pump.
/// `progress` is told about each cell as it finishes.
pub fn run(cfg: &BenchConfig, mut progress: impl FnMut(&Cell)) -> Result<Vec<Cell>, BenchError> {
    let mut cells = Vec::new();
    for &size in &cfg.sizes {
        let mut best: Vec<Option<Cell>> = vec![None; cfg.protos.len()];
        for _ in 0..cfg.repeat.max(1) {
            for (i, &proto) in cfg.protos.iter().enumerate() {
                let c = run_cell(proto, size.max(1), cfg.seconds, cfg.rtt)?;
                progress(&c);
                if best[i]
                    .as_ref()
                    .is_none_or(|b| c.msgs_per_sec > b.msgs_per_sec)
                {
                    best[i] = Some(c);
                }
            }
        }
        let raw = best
            .iter()
            .flatten()
            .find(|c| c.proto == Proto::Raw)
            .map(|c| c.msgs_per_sec);
        for mut c in best.into_iter().flatten() {
            c.ratio_to_raw = raw.map(|r| c.msgs_per_sec / r);
            cells.push(c);
        }
    }
    Ok(cells)
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

/// The results as a table.
pub fn table(cells: &[Cell]) -> Table {
    let mut t = Table::new(["size", "framing", "messages/s", "MB/s", "× raw"]);
    for c in cells {
        t.row([
            size_name(c.size),
            c.proto.name().to_string(),
            format!("{:.0}", c.msgs_per_sec),
            format!("{:.1}", c.mb_per_sec),
            c.ratio_to_raw.map_or("-".into(), |r| format!("{r:.3}")),
        ]);
    }
    t
}

/// A bar chart of each framing's ratio to the raw pump, grouped by size.
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
            let r = c.ratio_to_raw.unwrap_or(0.0);
            let color = colors[Proto::ALL.iter().position(|p| *p == c.proto).unwrap_or(0)];
            let w = (r.min(1.5) / 1.5 * span).max(1.0);
            let _ = writeln!(
                body,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
                 <rect x=\"{LEFT}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{color}\">\
                 <title>{} at {}: {:.0} msg/s, {:.1} MB/s</title></rect>\
                 <text x=\"{:.1}\" y=\"{}\">{r:.3}× raw · {:.0} msg/s · {:.1} MB/s</text>",
                LEFT - 6.0,
                y + 12.0,
                c.proto.name(),
                BAR - 2.0,
                c.proto.name(),
                size_name(size),
                c.msgs_per_sec,
                c.mb_per_sec,
                LEFT + w + 6.0,
                y + 12.0,
                c.msgs_per_sec,
                c.mb_per_sec
            );
            y += BAR;
        }
        y += 14.0;
    }
    let one = LEFT + span / 1.5;
    let _ = writeln!(
        body,
        "<line x1=\"{one:.1}\" y1=\"36\" x2=\"{one:.1}\" y2=\"{y}\" stroke=\"#d00\" stroke-dasharray=\"4 3\"/>\
         <text x=\"{one:.1}\" y=\"{}\" fill=\"#d00\" text-anchor=\"middle\">1.0 × raw pump</text>",
        y + 14.0
    );
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
        .map_err(|e| format!("python3 could not be started: {e}"))?;
    if let Some(mut i) = child.stdin.take() {
        i.write_all(PYTHON_PUMP.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "python3 failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("unreadable python output: {e}"))
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
    /// Runs per cell, interleaved; the best counts (noise only slows a run down).
    #[arg(long, default_value_t = 3)]
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
}

/// Examples for `sticky bench --help`.
pub const BENCH_EXAMPLES: &str = "Examples:
  sticky bench
  sticky bench --seconds 2 --svg bench.svg --json > bench.json
  # the handshake pays one round trip per message:
  sticky bench --rtt-ms 10 --sizes 16,1024 --protos raw,header,length-ack
The peers: `cargo bench --bench framing_peers` (tokio-util's LengthDelimitedCodec).";

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
    say(&format!(
        "sticky bench: one loopback connection per cell, {:.2} s each, best of {}{}",
        cfg.seconds,
        cfg.repeat,
        if cfg.rtt.is_zero() {
            String::new()
        } else {
            format!(", +{} ms RTT through a latency-only proxy", args.rtt_ms)
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
        Err(e) => return crate::harness::fail(format!("bench: {e}")),
    };
    say(table(&cells).render().trim_end());
    let find = |p: Proto, size: usize| cells.iter().find(|c| c.proto == p && c.size == size);
    if let Some(r) = find(Proto::Header, 1 << 20).and_then(|c| c.ratio_to_raw) {
        say(&format!(
            "target: 4-byte header at 1 MiB ≥ 0.9× raw pump — measured {r:.3}× ({})",
            if r >= 0.9 { "met" } else { "NOT met" }
        ));
    }
    let (mut python_16b, mut python_skipped) = (None, None);
    if args.no_python {
        python_skipped = Some("--no-python".to_string());
    } else {
        match python_peer(16, cfg.seconds.max(0.5)) {
            Ok(p) => {
                let ours = find(Proto::Header, 16).map(|c| c.msgs_per_sec);
                say(&format!(
                    "peer: the lesson's Python struct header at 16 B: {:.0} msg/s{}",
                    p.msgs_per_sec,
                    ours.map_or(String::new(), |o| {
                        let x = o / p.msgs_per_sec;
                        format!(
                            "; the 4-byte header here is {x:.1}× that (target ≥ 20×: {})",
                            if x >= 20.0 { "met" } else { "NOT met" }
                        )
                    })
                ));
                python_16b = Some(p);
            }
            Err(e) => {
                say(&format!("peer: the lesson's Python code skipped — {e}"));
                python_skipped = Some(e);
            }
        }
    }
    say("peer: tokio-util's LengthDelimitedCodec — run `cargo bench --bench framing_peers`");
    if let Some(path) = &args.svg {
        let title = format!(
            "sticky bench — messages/s relative to the raw pump{}",
            if cfg.rtt.is_zero() {
                String::new()
            } else {
                format!(" (+{} ms RTT)", args.rtt_ms)
            }
        );
        if let Err(e) = crate::kit::files::write_atomic(path, chart_svg(&title, &cells).as_bytes())
        {
            return crate::harness::fail(format!("could not write {}: {e}", path.display()));
        }
        say(&format!("chart written to {}", path.display()));
    }
    if args.json {
        let report = BenchReport {
            seconds_per_cell: cfg.seconds,
            rtt_ms: args.rtt_ms,
            cells,
            python_16b,
            python_skipped,
        };
        match serde_json::to_string_pretty(&report) {
            Ok(j) => println!("{j}"),
            Err(e) => return crate::harness::fail(format!("JSON: {e}")),
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
}
