//! `sticky load`: many clients at once, each cut to pieces by a seeded
//! `ChaosWriter`, every reply checked against what was sent; and the
//! resident-memory probes the load tests use.

use crate::framing::json_header::{HeaderError, JsonHeader, Message};
use crate::framing::{FrameError, FrameReader, Framing, LengthPrefix};
use crate::kit::chaos::{ChaosPlan, ChaosWriter};
use crate::lessons::lab05_json_header::CommandReply;
use crate::report::ledger::Delivery;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};
use thiserror::Error;

use crate::lessons::lab07_concurrency::{fixed_serve, start_upper, upper};

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
    Header(#[from] HeaderError),
    #[error("{}", crate::t!("load-error-closed"))]
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
            w.write_all(&JsonHeader::lesson().encode_header(&h)?)?;
        }
    }
    Ok(())
}

/// One load client. Its replies come in the framing of the server it
/// talks to: the 4-byte prefix (labs 04 and 07) or lab 05's JSON header.
fn load_client(cfg: &LoadConfig, c: usize) -> ClientOutcome {
    match cfg.proto {
        LoadProto::Header | LoadProto::Lab04 => {
            load_client_with(cfg, c, cfg.codec, |body| (body, true))
        }
        LoadProto::Lab05 => load_client_with(cfg, c, JsonHeader::lesson(), |m: Message| {
            // Lab 05's header must agree with its body: exit code 0, the body's md5.
            let agrees = CommandReply::from_header(&m.header)
                .is_ok_and(|r| r.exit_code == 0 && r.md5_matches(&m.body) == Some(true));
            (m.body, agrees)
        }),
    }
}

/// A load client whose replies are `F` frames; `reply` turns one into its
/// body and whether its header agrees with it.
fn load_client_with<F: Framing>(
    cfg: &LoadConfig,
    c: usize,
    framing: F,
    reply: impl Fn(F::Frame) -> (Vec<u8>, bool),
) -> ClientOutcome
where
    LoadError: From<F::Error>,
{
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
        let mut replies = FrameReader::new(&stream, framing);
        let mut next_reply = || -> Result<Option<(Vec<u8>, bool)>, LoadError> {
            Ok(replies.next_frame()?.map(&reply))
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
                match next_reply()? {
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
        if let Some((extra, _)) = next_reply()? {
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
                error: Some(crate::t!("load-error-panicked")),
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
pub const LOAD_EXAMPLES: &str = "sticky-cmd-load-examples";

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
    #[arg(long, default_value_t = 64, value_parser = crate::harness::parse_count)]
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
    #[arg(long, default_value_t = 32, value_parser = crate::harness::parse_count)]
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
        return crate::harness::fail(crate::t!(
            "load-needs-addr",
            proto = match args.proto {
                LoadProto::Lab04 => "lab04",
                _ => "lab05",
            }
        ));
    }
    let local = match args.addr {
        Some(_) => None,
        None => match start_upper(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            fixed_serve,
            crate::harness::Compat::Ours,
            args.clients.max(1),
        ) {
            Ok(s) => Some(s),
            Err(e) => return crate::harness::fail(crate::t!("load-cannot-start-echo", error = e)),
        },
    };
    let addr = args
        .addr
        .or(local.as_ref().map(crate::kit::server::Background::addr))
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
                    return crate::harness::fail(crate::t!("load-cannot-start-proxy", error = e))
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
        "{}",
        crate::t!(
            "load-intro",
            clients = cfg.clients,
            messages = cfg.messages,
            max = cfg.max_size,
            proto = serde_json::to_value(cfg.proto)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            addr = server_addr,
            via = if proxy.is_some() {
                crate::t!("load-intro-via", addr = addr)
            } else {
                String::new()
            },
            chaos = cfg
                .chaos_max_chunk
                .map_or(crate::t!("load-chaos-off"), |c| format!("1..={c} B"))
        )
    );
    let r = run_load(&cfg);
    let after = pid.and_then(rss_kib);
    let peak = pid.and_then(peak_rss_kib);
    for c in r.clients.iter().filter(|c| !c.perfect()) {
        eprintln!(
            "  {}",
            crate::t!(
                "load-client",
                n = c.client,
                summary = c.delivery.summary(),
                error = c
                    .error
                    .as_ref()
                    .map_or(String::new(), |e| format!(" ({e})"))
            )
        );
    }
    let mem = match (before, after) {
        (Some(b), Some(a)) => crate::t!(
            "load-memory",
            before = format!("{:.1}", b as f64 / 1024.0),
            after = format!("{:.1}", a as f64 / 1024.0),
            peak = format!("{:.1}", peak.unwrap_or(0) as f64 / 1024.0)
        ),
        _ => String::new(),
    };
    let line = crate::t!(
        "load-total",
        summary = r.total.summary(),
        merged = r.merged,
        seconds = format!("{:.2}", r.seconds),
        rate = format!("{:.0}", r.messages_per_sec),
        memory = mem
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
    fn load_with_chaos_delivers_every_reply() {
        let srv = start_upper(
            "127.0.0.1:0".parse().unwrap(),
            fixed_serve,
            crate::harness::Compat::Ours,
            16,
        )
        .unwrap();
        let r = run_load(&LoadConfig::new(srv.addr(), 4, 300));
        assert!(r.perfect(), "{:?}", r.clients);
        assert_eq!(r.total.intact, 1200);
        assert!(rss_kib(std::process::id()).is_some() || !cfg!(target_os = "linux"));
    }
}
