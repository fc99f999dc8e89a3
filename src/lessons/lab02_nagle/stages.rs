//! What the demo measures, stage by stage: each function runs its
//! experiment against a [`LocalServer`] and returns what it saw, with the
//! rows and pictures to show it. The lab binary narrates and checks.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::show::{fmt_loop, fmt_ms, or_na, sizes_summary};
use super::{
    delayed_acks, run_stall, send_burst, stall_message, BurstConfig, BurstRun, DelayedAcks,
    LocalServer, MessageWrites, NagleError, Served, ServerConfig, StallConfig, StallRun, STALLED,
};
use crate::kit::capture::{ack_waits, data_from, Packet};
use crate::kit::counters::Counters;
use crate::kit::files::write_atomic;
use crate::kit::record::{Chunk, Clock, RecordingWriter};
use crate::lang::{tr_in, Lang};
use crate::report::svg::{self, Lane, Panel, TimeLane};
use crate::report::table::{Cell, Table, Tone};
use crate::t;

/// One send of the stall's message: [`super::lesson_send`] or [`super::send_whole`].
pub type RecordedSend = fn(&mut RecordingWriter<io::Sink>, &[u8], &[u8]) -> io::Result<()>;

/// The `write()` calls `send` makes for one stall message (a 4-byte
/// header and a 16-byte body); shown as `2 write() call(s): 4 B, 16 B`.
pub struct WriteCalls(pub Vec<usize>);

impl fmt::Display for WriteCalls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sizes: Vec<String> = self.0.iter().map(|n| format!("{n} B")).collect();
        let (n, sizes) = (sizes.len(), sizes.join(", "));
        write!(f, "{}", t!("lab02-write-calls", n = n, sizes = sizes))
    }
}

/// The sizes of the `write()` calls `send` makes for one stall message.
pub fn write_calls(send: RecordedSend) -> Result<WriteCalls, NagleError> {
    let (header, body) = stall_message(16)?;
    let mut w = RecordingWriter::new(io::sink());
    send(&mut w, &header, &body)?;
    Ok(WriteCalls(w.chunks().iter().map(Chunk::len).collect()))
}

// ───────────────────────── stage 1: coalescing ─────────────────────────

/// One sender of stage 1: the median of its three trials, and what the
/// server's `recv()` calls got in that trial.
pub struct Burst {
    /// The sender's name: a catalog key (`lab02-sender-nagle`); [`Burst::label`]
    /// is its words.
    pub name: &'static str,
    /// The median trial.
    pub run: BurstRun,
    /// The server's `recv()` calls in that trial.
    pub chunks: Vec<Chunk>,
}

/// Stage 1's four senders, each the median of three trials.
pub struct Coalescing {
    /// Nagle on, the receiver delaying its ACKs: the lesson's case.
    pub nagle: Burst,
    /// `TCP_NODELAY`: each write may leave at once.
    pub nodelay: Burst,
    /// `TCP_NODELAY` with writes 200 µs apart: autocorking has nothing to merge.
    pub spaced: Burst,
    /// Nagle on, a receiver that has not replied yet: its first ACKs (at most 16) go out at once.
    pub quick: Burst,
    /// Every trial's count (data segments, or recv() calls without `TCP_INFO`), by sender.
    pub trials: serde_json::Value,
}

/// Runs stage 1: `writes` small writes of `size` bytes from four senders,
/// each three times, keeping the median trial: one noisy run on a busy
/// machine should not decide the lesson.
pub fn coalescing(clock: Clock, writes: usize, size: usize) -> Result<Coalescing, NagleError> {
    let server = LocalServer::start(ServerConfig::default(), clock)?;
    let mut trials = serde_json::Map::new();
    let mut median = |name: &'static str, nodelay: bool, gap: Duration, silent_receiver| {
        let cfg = BurstConfig {
            writes,
            size,
            gap,
            nodelay,
            silent_receiver,
        };
        median_burst(&server, clock, name, &cfg, &mut trials)
    };
    let nagle = median("lab02-sender-nagle", false, Duration::ZERO, false)?;
    let nodelay = median("lab02-sender-nodelay", true, Duration::ZERO, false)?;
    let spaced = median(
        "lab02-sender-spaced",
        true,
        Duration::from_micros(200),
        false,
    )?;
    let quick = median("lab02-sender-quick", false, Duration::ZERO, true)?;
    Ok(Coalescing {
        nagle,
        nodelay,
        spaced,
        quick,
        trials: serde_json::Value::Object(trials),
    })
}

/// Three trials of one burst; records their counts in `trials` and keeps the median.
fn median_burst(
    server: &LocalServer,
    clock: Clock,
    name: &'static str,
    cfg: &BurstConfig,
    trials: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<Burst, NagleError> {
    let (run, chunks, counts) = median_of_three(server, clock, cfg)?;
    // The report's keys are the same in every language: the English name.
    trials.insert(tr_in(Lang::En, name, &[]), serde_json::json!(counts));
    Ok(Burst { name, run, chunks })
}

/// Three trials of one burst: the median trial (by data segments, or by
/// `recv()` calls without `TCP_INFO`), its `recv()` calls, and every
/// trial's count.
fn median_of_three(
    server: &LocalServer,
    clock: Clock,
    cfg: &BurstConfig,
) -> Result<(BurstRun, Vec<Chunk>, Vec<usize>), NagleError> {
    let mut runs = Vec::new();
    for _ in 0..3 {
        let run = send_burst(server.addr(), cfg, clock)?;
        runs.push((run, served_chunks(server)?));
    }
    let counts: Vec<usize> = runs.iter().map(|(r, _)| burst_count(r)).collect();
    runs.sort_by_key(|(r, _)| burst_count(r));
    let (run, chunks) = runs.swap_remove(1);
    Ok((run, chunks, counts))
}

/// A burst's count: the kernel's data segments, or the receiver's `recv()`
/// calls where the kernel does not say.
fn burst_count(r: &BurstRun) -> usize {
    r.data_segments
        .map(|s| s as usize)
        .unwrap_or(r.receiver.recv_calls)
}

/// The `recv()` calls of the server's next finished burst.
fn served_chunks(server: &LocalServer) -> Result<Vec<Chunk>, NagleError> {
    Ok(match server.next_served()? {
        Served::Burst { chunks, .. } => chunks,
        Served::Stall { .. } => Vec::new(),
    })
}

impl Burst {
    /// The sender's name in the language in force.
    pub fn label(&self) -> String {
        t!(self.name)
    }
}

impl Coalescing {
    /// The four senders in the table's order.
    pub fn senders(&self) -> [&Burst; 4] {
        [&self.nagle, &self.nodelay, &self.spaced, &self.quick]
    }

    /// One row per sender; the data segments come from the kernel.
    pub fn table(&self) -> Table {
        let mut table = Table::new(
            [
                "lab02-col-sender",
                "lab02-col-writes",
                "lab02-col-bytes",
                "lab02-col-write-loop",
                "lab02-col-data-segments",
                "lab02-col-recv-calls",
                "lab02-col-recv-sizes",
            ]
            .map(|k| t!(k)),
        );
        for (i, b) in self.senders().into_iter().enumerate() {
            let tone = match i {
                0 => Tone::Good,
                1 => Tone::Note,
                _ => Tone::Plain,
            };
            let run = &b.run;
            table.row([
                Cell::from(b.label()),
                Cell::from(run.config.writes.to_string()),
                Cell::from(run.bytes().to_string()),
                Cell::from(fmt_loop(run.write_loop())),
                Cell::new(or_na(run.data_segments), tone),
                Cell::from(run.receiver.recv_calls.to_string()),
                Cell::from(sizes_summary(&run.receiver.sizes, 8)),
            ]);
        }
        table
    }

    /// The picture's panels: every sender but the spaced one.
    pub fn panels(&self) -> Vec<Panel> {
        [&self.nagle, &self.nodelay, &self.quick]
            .into_iter()
            .map(|b| {
                let (run, c) = (&b.run, &b.run.config);
                burst_panel(
                    t!(
                        "lab02-panel-burst",
                        name = b.label(),
                        writes = c.writes,
                        size = c.size,
                        segments = or_na(run.data_segments),
                        calls = run.receiver.recv_calls
                    ),
                    run,
                    &b.chunks,
                )
            })
            .collect()
    }
}

/// A burst in the picture: the client's writes above the server's reads.
fn burst_panel(title: String, run: &BurstRun, chunks: &[Chunk]) -> Panel {
    Panel {
        title,
        lanes: vec![
            Lane::from_chunks(t!("lab02-lane-client-write"), &run.writes),
            Lane::from_chunks(t!("lab02-lane-server-recv"), chunks),
        ],
        boundaries: vec![],
        unit: None,
    }
}

// ───────────────────────── stage 2: the stall ─────────────────────────

/// Stage 2's three runs as tables and pictures name them (catalog keys), in
/// the order of [`SendComparison::runs`].
const RUN_NAMES: [&str; 3] = ["lab02-run-split", "lab02-run-nodelay", "lab02-run-one"];

/// Stage 2's three ways to send the same messages, and the receiver's
/// delayed-ACK timer (`tcpi_ato`) after each.
pub struct SendComparison {
    /// Nagle on, [`super::lesson_send`]: two writes per message.
    pub split: StallRun,
    /// `TCP_NODELAY`, two writes per message.
    pub nodelay: StallRun,
    /// Nagle on, [`super::send_whole`]: one write per message.
    pub one: StallRun,
    /// The receiver's delayed-ACK timer after each run, in microseconds.
    pub ato_us: [Option<u32>; 3],
    /// How much the kernel's delayed-ACK counters rose during each run.
    pub delayed_acks: [Option<DelayedAcks>; 3],
}

/// Runs stage 2: `rounds` write-write-read messages three ways.
pub fn compare_sends(rounds: usize) -> Result<SendComparison, NagleError> {
    let server = LocalServer::start(ServerConfig::default(), Clock::start())?;
    let run = |nodelay: bool, writes: MessageWrites| -> Result<_, NagleError> {
        let cfg = StallConfig {
            rounds,
            nodelay,
            writes,
            ..StallConfig::default()
        };
        let before = Counters::read();
        let r = run_stall(server.addr(), &cfg)?;
        let ato = match server.next_served()? {
            Served::Stall { counters, .. } => counters.and_then(|c| c.delayed_ack_us()),
            Served::Burst { .. } => None,
        };
        Ok((r, ato, delayed_acks(&before, &Counters::read())))
    };
    let (split, a0, d0) = run(false, MessageWrites::Split)?;
    let (nodelay, a1, d1) = run(true, MessageWrites::Split)?;
    let (one, a2, d2) = run(false, MessageWrites::One)?;
    Ok(SendComparison {
        split,
        nodelay,
        one,
        ato_us: [a0, a1, a2],
        delayed_acks: [d0, d1, d2],
    })
}

impl SendComparison {
    /// The three runs in the table's order.
    pub fn runs(&self) -> [&StallRun; 3] {
        [&self.split, &self.nodelay, &self.one]
    }

    /// How many times slower the lesson's send is than the faster fix.
    pub fn ratio(&self) -> f64 {
        let fast = self.nodelay.median().max(self.one.median());
        self.split.median().as_secs_f64() / fast.as_secs_f64().max(1e-6)
    }

    /// Round trips side by side, and the receiver's ACK timer.
    pub fn table(&self) -> Table {
        let mut t =
            Table::new(std::iter::once(String::new()).chain(RUN_NAMES.into_iter().map(|k| t!(k))));
        let runs = self.runs();
        let row = |name: String, f: &dyn Fn(usize, &StallRun) -> Cell| {
            std::iter::once(Cell::from(name))
                .chain(runs.iter().enumerate().map(|(i, r)| f(i, r)))
                .collect::<Vec<_>>()
        };
        t.row(row(t!("lab02-row-median"), &|i, r| {
            let tone = if i == 0 { Tone::Bad } else { Tone::Good };
            Cell::new(fmt_ms(r.median()), tone)
        }));
        t.row(row(t!("lab02-row-worst"), &|_, r| {
            Cell::from(fmt_ms(r.worst()))
        }));
        let rounds = self.split.config.rounds;
        t.row(row(t!("lab02-row-all-n", n = rounds), &|_, r| {
            Cell::from(fmt_ms(r.total()))
        }));
        t.row(row(t!("lab02-row-segments-sent"), &|_, r| {
            Cell::from(or_na(r.data_segments))
        }));
        t.row(row(t!("lab02-row-ato"), &|i, _| {
            Cell::from(
                self.ato_us[i]
                    .map(|us| format!("{:.1} ms", us as f64 / 1e3))
                    .unwrap_or_else(|| "n/a".into()),
            )
        }));
        t
    }

    /// The round trips on one time axis, as an SVG picture titled for `lab`.
    pub fn timeline(&self, lab: &str) -> String {
        let lanes: Vec<TimeLane> = RUN_NAMES
            .into_iter()
            .zip(self.runs())
            .map(|(name, r)| TimeLane {
                label: t!(
                    "lab02-timeline-lane",
                    name = t!(name),
                    median = fmt_ms(r.median())
                ),
                spans: r.spans_ms.clone(),
            })
            .collect();
        svg::render_timeline(
            &t!(
                "lab02-timeline-title",
                lab = lab,
                n = self.split.config.rounds
            ),
            &t!("lab02-timeline-subtitle"),
            &lanes,
        )
    }
}

impl SendComparison {
    /// The kernel's evidence for the stall, one line per run: how much
    /// `TcpExtDelayedACKs` rose, against the round trips that stalled.
    pub fn delayed_ack_lines(&self) -> Vec<String> {
        self.runs()
            .iter()
            .zip(RUN_NAMES.map(|k| t!(k)))
            .zip(self.delayed_acks)
            .map(|((run, name), d)| match d {
                None => t!("lab02-dack-unreadable", name = name),
                Some(d) => {
                    let extra = [("DelayedACKLocked", d.locked), ("DelayedACKLost", d.lost)]
                        .into_iter()
                        .filter_map(|(n, v)| v.map(|v| format!("{n} +{v}")))
                        .collect::<Vec<_>>()
                        .join(", ");
                    t!(
                        "lab02-dack-line",
                        name = name,
                        n = d.delayed_acks,
                        extra = extra,
                        stalls = run.stalls(),
                        rounds = run.rtts_us.len(),
                        ms = STALLED.as_millis()
                    )
                }
            })
            .collect()
    }

    /// Writes [`SendComparison::timeline`] beside the demo's picture
    /// (`x/nagle.svg` → `x/nagle-stall.svg`); returns the file written, or
    /// the file and why not.
    pub fn write_timeline(
        &self,
        lab: &str,
        beside: &Path,
    ) -> Result<PathBuf, (PathBuf, io::Error)> {
        let stem = beside
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "lab02".into());
        let file = beside.with_file_name(format!("{stem}-stall.svg"));
        match write_atomic(&file, self.timeline(lab).as_bytes()) {
            Ok(()) => Ok(file),
            Err(e) => Err((file, e)),
        }
    }
}

// ───────────────────────── stage 4: the quick-ACK budget ─────────────────────────

/// How many quick ACKs Linux grants a connection when its first data
/// arrives (`TCP_MAX_QUICKACKS` in include/net/tcp.h, spent by
/// `tcp_incr_quickack` in net/ipv4/tcp_input.c); after them ACKs are
/// delayed again.
pub const TCP_MAX_QUICKACKS: u32 = 16;

/// How long the stage's receiver waits before its first `recv()`: its
/// reads would otherwise send ACKs of their own (`tcp_cleanup_rbuf`), and
/// the count would depend on scheduling instead of the budget.
pub const BUDGET_READ_DELAY: Duration = Duration::from_millis(200);

/// Stage 4: the same silent, late-reading receiver, sent a burst of
/// `writes` and one four times as long.
pub struct QuickAckBudget {
    /// The shorter burst's median trial.
    pub short: BurstRun,
    /// The burst four times as long, its median trial.
    pub long: BurstRun,
    /// Every trial's count, by write count.
    pub trials: serde_json::Value,
}

/// Runs stage 4: bursts of `writes` and `4 × writes` small writes, Nagle
/// on, to a receiver that has sent nothing and reads only after
/// [`BUDGET_READ_DELAY`]. Only its kernel's quick ACKs release Nagle's
/// hold, so the segment count is set by the budget (1 + 16), not by the
/// number of writes. Each the median of three trials.
pub fn quick_ack_budget(
    clock: Clock,
    writes: usize,
    size: usize,
) -> Result<QuickAckBudget, NagleError> {
    let cfg = ServerConfig {
        read_delay: BUDGET_READ_DELAY,
        ..ServerConfig::default()
    };
    let server = LocalServer::start(cfg, clock)?;
    let burst = |writes| BurstConfig {
        writes,
        size,
        gap: Duration::ZERO,
        nodelay: false,
        silent_receiver: true,
    };
    let (short, _, a) = median_of_three(&server, clock, &burst(writes))?;
    let (long, _, b) = median_of_three(&server, clock, &burst(writes.saturating_mul(4)))?;
    let trials = serde_json::json!({ writes.to_string(): a, (writes * 4).to_string(): b });
    Ok(QuickAckBudget {
        short,
        long,
        trials,
    })
}

impl QuickAckBudget {
    /// The two bursts in the table's order.
    pub fn runs(&self) -> [&BurstRun; 2] {
        [&self.short, &self.long]
    }

    /// Whether the kernel's counts show the budget: the short burst merged
    /// (fewer segments than writes) and four times the writes did not give
    /// even twice the segments. `None` without `TCP_INFO` counts.
    pub fn bounded(&self) -> Option<bool> {
        let (a, b) = (self.short.data_segments?, self.long.data_segments?);
        Some((a as usize) < self.short.config.writes && b < 2 * a)
    }

    /// The two bursts side by side: writes grow four times, segments do not.
    pub fn table(&self) -> Table {
        let mut t = Table::new([
            t!("lab02-col-silent-late", ms = BUDGET_READ_DELAY.as_millis()),
            t!("lab02-col-writes"),
            t!("lab02-col-data-segments"),
            t!("lab02-col-segments-per-write"),
            t!("lab02-col-recv-calls"),
        ]);
        for run in self.runs() {
            let per = run
                .data_segments
                .map(|s| format!("{:.2}", s as f64 / run.config.writes as f64))
                .unwrap_or_else(|| "n/a".into());
            t.row([
                Cell::from(t!("lab02-nagle-on")),
                Cell::from(run.config.writes.to_string()),
                Cell::new(or_na(run.data_segments), Tone::Good),
                Cell::from(per),
                Cell::from(run.receiver.recv_calls.to_string()),
            ]);
        }
        t
    }
}

// ───────────────────────── stage 3: a slow reader ─────────────────────────

/// Stage 3: a `TCP_NODELAY` burst to a receiver that sleeps before reading.
pub struct SlowReader {
    /// Both sides' counts.
    pub run: BurstRun,
    /// The server's `recv()` calls.
    pub chunks: Vec<Chunk>,
}

/// Runs stage 3: the receiver sleeps 200 ms before its first `recv()`.
pub fn slow_reader(clock: Clock, writes: usize, size: usize) -> Result<SlowReader, NagleError> {
    let cfg = ServerConfig {
        read_delay: Duration::from_millis(200),
        ..ServerConfig::default()
    };
    let server = LocalServer::start(cfg, clock)?;
    let burst = BurstConfig {
        writes,
        size,
        gap: Duration::ZERO,
        nodelay: true,
        silent_receiver: false,
    };
    let run = send_burst(server.addr(), &burst, clock)?;
    let chunks = served_chunks(&server)?;
    Ok(SlowReader { run, chunks })
}

impl SlowReader {
    /// Segments sent and received against the recv() calls that took them.
    pub fn table(&self) -> Table {
        let run = &self.run;
        let mut t = Table::new(
            [
                "lab02-col-sender",
                "lab02-col-writes",
                "lab02-col-segments-sent",
                "lab02-col-segments-received",
                "lab02-col-recv-calls",
                "lab02-col-recv-sizes",
            ]
            .map(|k| t!(k)),
        );
        t.row([
            Cell::from(t!("lab02-sender-nodelay")),
            Cell::from(run.config.writes.to_string()),
            Cell::from(or_na(run.data_segments)),
            Cell::from(or_na(run.receiver.data_segs_in)),
            Cell::new(run.receiver.recv_calls.to_string(), Tone::Note),
            Cell::from(sizes_summary(&run.receiver.sizes, 8)),
        ]);
        t
    }

    /// The picture's panel: many writes, few reads.
    pub fn panel(&self) -> Panel {
        burst_panel(
            t!(
                "lab02-panel-slow",
                segments = or_na(self.run.data_segments),
                calls = self.run.receiver.recv_calls
            ),
            &self.run,
            &self.chunks,
        )
    }
}

// ───────────────────────── on the wire (--pcap) ─────────────────────────

/// One burst as the capture shows it, beside what `TCP_INFO` counted.
#[derive(Clone, Debug, serde::Serialize)]
pub struct WireBurst {
    /// The sender's port (its conversation in the capture).
    pub client_port: u16,
    /// Data-carrying packets the sender put on the wire after its hello.
    pub data_packets: usize,
    /// Their payload sizes, in order.
    pub sizes: Vec<usize>,
    /// What `tcpi_data_segs_out` counted for the same burst.
    pub tcp_info: Option<u32>,
    /// Whether the two counts are equal.
    pub agrees: bool,
}

/// Counts a burst's data segments in a capture: the packets with data the
/// sender sent after its 6-byte hello (which `TCP_INFO`'s count leaves out,
/// being read after the server's `go`). On loopback a packet larger than
/// the MSS would count as several segments in `TCP_INFO` (GSO); a burst of
/// small writes sends none.
pub fn wire_burst(packets: &[Packet], run: &BurstRun) -> WireBurst {
    let data = data_from(packets, run.client_port);
    let sizes: Vec<usize> = data.iter().skip(1).map(|s| s.seg.payload_len).collect();
    WireBurst {
        client_port: run.client_port,
        data_packets: sizes.len(),
        tcp_info: run.data_segments,
        agrees: run.data_segments == Some(sizes.len() as u32),
        sizes,
    }
}

/// One stall conversation as the capture shows it: how long its data
/// segments waited for their ACKs.
#[derive(Clone, Debug, serde::Serialize)]
pub struct WireStall {
    /// The sender's port.
    pub client_port: u16,
    /// Data-carrying packets the sender put on the wire after its hello.
    pub data_packets: usize,
    /// What `tcpi_data_segs_out` counted.
    pub tcp_info: Option<u32>,
    /// Whether the two counts are equal.
    pub agrees: bool,
    /// Segments whose ACK came [`STALLED`] or more after them: held ACKs.
    pub slow_acks: usize,
    /// The median wait of those, in milliseconds.
    pub median_slow_ack_ms: Option<f64>,
    /// The longest wait of any segment for its ACK, in milliseconds.
    pub longest_ack_ms: Option<f64>,
}

/// Measures, in a capture, how long each data segment of a stall
/// conversation waited for its ACK (the hello left out).
pub fn wire_stall(packets: &[Packet], run: &StallRun) -> WireStall {
    let waits: Vec<Duration> = ack_waits(packets, run.client_port)
        .into_iter()
        .skip(1)
        .filter_map(|(_, w)| w)
        .collect();
    let mut slow: Vec<Duration> = waits.iter().copied().filter(|w| *w >= STALLED).collect();
    slow.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let data_packets = data_from(packets, run.client_port).len().saturating_sub(1);
    WireStall {
        client_port: run.client_port,
        data_packets,
        tcp_info: run.data_segments,
        agrees: run.data_segments == Some(data_packets as u32),
        slow_acks: slow.len(),
        median_slow_ack_ms: slow.get(slow.len() / 2).map(|d| ms(*d)),
        longest_ack_ms: waits.iter().max().map(|d| ms(*d)),
    }
}
