//! What lab 05's demo measures, each stage's data gathered into a result the binary narrates and checks.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{
    file_md5, handle_connection, send_request, upload_answer, Client, Request, ServerConfig,
    TransferError, CHUNK, PARTIAL_DIR,
};
use crate::framing::json_header::{read_body, Header, HeaderError, JsonHeader};
use crate::framing::ByteOrder;
use crate::harness::{Compat, StageError};
use crate::kit::proxy::{ChaosProxy, ProxyConfig};
use crate::kit::record::RecordingReader;
use crate::kit::runner::{self, RunnerConfig};
use crate::kit::server::{Background, KeptErrors, ServeOptions};
use crate::kit::sock::SockOpts;
use crate::kit::text::spaced_hex;
use crate::kit::text::{preview, shorten};
use crate::lessons::lab05_json_header::CommandReply;
use crate::report::svg::{Lane, Panel};
use crate::report::table::{Cell, Table};
use crate::t;

/// Three uploads a server must refuse, tried against the server at `addr`
/// (whose connections' errors are `errors`), and what it said to each.
#[derive(Clone, Debug)]
pub struct HostileUploads {
    /// (the attack, what the server said, the name it must not create, the
    /// refusal it must give). The refusal is built from what was sent, so
    /// it is recognised by its kind and numbers, whatever language a person
    /// reads it in.
    pub said: [(String, String, &'static str, ExpectedRefusal); 3],
    /// What `echo still serving` returned on the attacked connection afterwards.
    pub still_serving: Vec<u8>,
}

/// The refusal an attack must get: its English words (what the server
/// says on the wire and keeps as its error) and the same in the language in
/// force (what the demo's table shows).
#[derive(Clone, Debug)]
pub struct ExpectedRefusal {
    /// The refusal's `Display`: the server's words.
    pub wire: String,
    /// The refusal in the language in force.
    pub shown: String,
}

impl From<TransferError> for ExpectedRefusal {
    fn from(e: TransferError) -> Self {
        ExpectedRefusal {
            wire: e.to_string(),
            shown: e.localized(),
        }
    }
}

impl HostileUploads {
    /// Sends `body` with the md5 of other content, then as `../escape.txt`
    /// (on one connection, which must still serve a command), then its first
    /// 1000 bytes only and closes (the server can only log that one).
    pub fn try_against(
        addr: SocketAddr,
        codec: &JsonHeader,
        errors: &crate::kit::server::KeptErrors,
        body: &[u8],
    ) -> Result<HostileUploads, TransferError> {
        let md5 = crate::lessons::lab05_json_header::md5_hex;
        let upload = |filename: &str, md5: String| Request::Upload {
            filename: filename.into(),
            filesize: body.len() as u64,
            md5: Some(md5),
        };
        let stream = crate::kit::sock::connect(addr)?;
        send_request(
            codec,
            &stream,
            &upload("wrong-md5.txt", md5(b"something else")),
            body,
        )?;
        let wrong_md5 = upload_answer(codec, &stream);
        send_request(codec, &stream, &upload("../escape.txt", md5(body)), body)?;
        let traversal = upload_answer(codec, &stream);
        let mut c = Client::new(stream, Compat::Ours);
        c.progress = false;
        let still_serving = c.command("echo still serving").map(|r| r.body); // not prose: a command line
        drop(c);
        let stream = crate::kit::sock::connect(addr)?;
        send_request(
            codec,
            &stream,
            &upload("short.txt", md5(body)),
            &body[..1000],
        )?;
        drop(stream);
        let n = body.len();
        let cut_short = ExpectedRefusal::from(TransferError::Truncated {
            expected: n as u64,
            got: 1000,
        });
        let wait = std::time::Duration::from_secs(5);
        let short = errors.wait_for(&cut_short.wire, wait);
        Ok(HostileUploads {
            said: [
                (
                    t!("lab05-attack-md5"),
                    wrong_md5,
                    "wrong-md5.txt",
                    ExpectedRefusal::from(TransferError::Md5Mismatch {
                        expected: md5(b"something else"),
                        got: md5(body),
                        bytes: n as u64,
                    }),
                ),
                (
                    t!("lab05-attack-traversal"),
                    traversal,
                    "escape.txt",
                    ExpectedRefusal::from(TransferError::BadName {
                        name: "../escape.txt".into(),
                        why: "lab05-name-traversal",
                    }),
                ),
                (
                    t!("lab05-attack-short", n = n),
                    short.unwrap_or_else(|| t!("lab05-no-error-seen")),
                    "short.txt",
                    cut_short,
                ),
            ],
            still_serving: still_serving.unwrap_or_default(),
        })
    }
}

/// Writes `size` bytes of seeded noise to `path` (the same seed, the same file).
pub fn write_seeded_file(path: &Path, size: u64, seed: u64) -> io::Result<()> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(seed);
    let mut f = File::create(path)?;
    let (mut left, mut buf) = (size, vec![0u8; CHUNK]);
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        rng.fill(&mut buf[..n]);
        f.write_all(&buf[..n])?;
        left -= n as u64;
    }
    Ok(())
}

/// A scratch folder under the system's temp folder, removed when dropped:
/// the demo's server folder and its client's.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// `sticky-lab05-{tag}-{pid}`, emptied first.
    pub fn new(tag: &str) -> io::Result<Scratch> {
        let p = std::env::temp_dir().join(format!("sticky-lab05-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p)?;
        Ok(Scratch(p))
    }

    /// The names in the folder, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(&self.0)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    /// How many half-received files are left in it: in its private
    /// folder ([`PARTIAL_DIR`]), or anything named like a temporary file.
    pub fn temp_files(&self) -> usize {
        let private = fs::read_dir(self.0.join(PARTIAL_DIR)).map_or(0, |rd| rd.count());
        let beside = self.names().iter().filter(|n| n.ends_with(".part")).count();
        private + beside
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Starts lab 05's server quietly on a free loopback port, storing into
/// `dir`, keeping each connection's error for the stages that expect one.
pub fn start_quiet_server(dir: &Path) -> io::Result<(Background, KeptErrors)> {
    let mut cfg = ServerConfig::new(dir.to_path_buf());
    cfg.log = false;
    let quiet = ServeOptions {
        log: false,
        idle_timeout: Some(Duration::from_secs(10)),
        ..ServeOptions::default()
    };
    Background::keeping_errors(loopback(), quiet, move |s, peer| {
        handle_connection(s, peer, &cfg)
    })
}

/// 127.0.0.1, any free port.
pub fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// What every stage of the demo shares: the server (its connections'
/// errors kept, for the stage that expects them), its folder and the
/// client's, the chaos proxy in front of it for stages 2 and 3, and the
/// message parts stage 1 measured, which the later pictures reuse.
pub struct Lab {
    /// Lab 05's server, quiet, on a free loopback port.
    pub server: Background,
    /// The error each of its connections ended with.
    pub errors: KeptErrors,
    /// The server's folder.
    pub store: Scratch,
    /// The client's folder.
    pub local: Scratch,
    /// A chaos proxy in front of [`Lab::server`].
    pub proxy: ChaosProxy,
    /// The lesson's JSON header format.
    pub codec: JsonHeader,
    /// The seed the proxy cuts with.
    pub seed: u64,
    /// Largest piece the proxy writes.
    pub max_chunk: usize,
    /// Size of the file uploaded and downloaded.
    pub file_size: u64,
    /// (JSON header length, body length) of `help`'s reply, for the pictures.
    pub parts: std::cell::Cell<(usize, usize)>,
}

impl Lab {
    /// Starts the server in a fresh folder and a chaos proxy cutting with
    /// `seed` into pieces of at most `max_chunk` bytes.
    pub fn start(seed: u64, max_chunk: usize, file_size: u64) -> Result<Lab, StageError> {
        let store = Scratch::new("server")?;
        let (server, errors) = start_quiet_server(&store.0)
            .map_err(|e| StageError::new(t!("lab05-setup-server-failed", error = e)))?;
        let proxy = ChaosProxy::start(loopback(), ProxyConfig::new(server.addr(), seed, max_chunk))
            .map_err(|e| StageError::new(t!("lab05-setup-proxy-failed", error = e)))?;
        Ok(Lab {
            server,
            errors,
            store,
            local: Scratch::new("client")?,
            proxy,
            codec: JsonHeader::lesson(),
            seed,
            max_chunk,
            file_size,
            parts: std::cell::Cell::new((0, 0)),
        })
    }

    /// A picture of `help`'s reply: its three parts above, the reads below.
    pub fn parts_panel(&self, title: String, reads: Lane) -> Panel {
        let (json_len, body_len) = self.parts.get();
        let parts = Lane::from_lengths(t!("lab05-lane-parts"), &[4, json_len, body_len]);
        let ends = vec![4, (4 + json_len) as u64, (4 + json_len + body_len) as u64];
        let (lanes, boundaries, unit) = (vec![parts, reads], ends, None);
        Panel {
            title,
            lanes,
            boundaries,
            unit,
        }
    }
}

/// A command request, `{"opt": "cmd", "cmd": …}`.
pub fn command(cmd: &str) -> Request {
    Request::Command(cmd.as_bytes().to_vec())
}

/// One reply as it came off the wire (stage 1): its three parts, and what
/// the command prints when run here, to compare the body with.
#[derive(Debug)]
pub struct WireReply {
    /// The first 4 bytes: `struct.pack('i', len(json))`.
    pub len_bytes: Vec<u8>,
    /// Length of the JSON header (the number in the first 4 bytes).
    pub json_len: usize,
    /// The JSON header as text.
    pub json_text: String,
    /// The JSON header, parsed.
    pub header: Header,
    /// What the header says about the output.
    pub reply: CommandReply,
    /// The body: the command's output.
    pub body: Vec<u8>,
    /// The command's output, run locally.
    pub expected: Vec<u8>,
}

impl WireReply {
    /// The three parts as a table: how many bytes each, and what they look like.
    pub fn parts_table(&self) -> Table {
        let order = match ByteOrder::native() {
            ByteOrder::Little => t!("lab05-little-endian"),
            ByteOrder::Big => t!("lab05-big-endian"),
        };
        let (json_len, len4) = (self.json_len, spaced_hex(&self.len_bytes));
        let mut t = Table::new([
            t!("lab05-col-part"),
            t!("lab05-col-bytes"),
            t!("lab05-col-on-the-wire"),
        ]);
        t.row([
            t!("lab05-part-header-length"),
            "4".into(),
            format!("{len4}  → {json_len} ('i', {order})"),
        ]);
        let json = shorten(&self.json_text, 70);
        t.row([t!("lab05-part-json-header"), json_len.to_string(), json]);
        let body = preview(&self.body, 50);
        t.row([t!("lab05-part-body"), self.body.len().to_string(), body]);
        t
    }
}

/// Asks the server at `addr` to run `cmd` and records every byte of the reply.
pub fn reply_on_the_wire(
    addr: SocketAddr,
    codec: &JsonHeader,
    cmd: &str,
) -> Result<WireReply, TransferError> {
    let stream = crate::kit::sock::connect(addr)?;
    send_request(codec, &stream, &command(cmd), &[])?;
    let mut rr = RecordingReader::new(&stream);
    let msg = codec.read_message(&mut rr)?;
    let wire: Vec<u8> = rr.chunks().iter().flat_map(|c| c.bytes.clone()).collect();
    let json_len = wire.len().saturating_sub(4 + msg.body.len());
    Ok(WireReply {
        len_bytes: wire[..4.min(wire.len())].to_vec(),
        json_len,
        json_text: String::from_utf8_lossy(&wire[4..4 + json_len]).into_owned(),
        reply: CommandReply::from_header(&msg.header)?,
        header: msg.header,
        body: msg.body,
        expected: runner::run(cmd.as_bytes(), &RunnerConfig::default()).combined(),
    })
}

/// One reply read with [`fixed_recv_header`](crate::lessons::lab05_json_header::fixed_recv_header) and [`read_body`] (stage 3).
#[derive(Debug)]
pub struct ExactReply {
    /// The command asked.
    pub cmd: String,
    /// The size of each read the client made.
    pub reads: Vec<usize>,
    /// `total_size`, and whether the md5 and the output matched; or why the reply failed.
    pub got: Result<(u64, bool, bool), TransferError>,
}

impl ExactReply {
    /// Came whole: md5 verified and equal to the command's output.
    pub fn intact(&self) -> bool {
        matches!(self.got, Ok((_, true, true)))
    }

    /// The reply for `--json`; none for a reply that failed.
    pub fn json(&self) -> Option<serde_json::Value> {
        let (total_size, md5_ok, intact) = self.got.as_ref().ok()?;
        Some(
            serde_json::json!({"cmd": self.cmd, "total_size": total_size,
            "reads": self.reads.len(), "md5_ok": md5_ok, "intact": intact}),
        )
    }

    /// Read sizes as `4+93+16+…`, the first `max` of them.
    pub fn sizes(reads: &[usize], max: usize) -> String {
        let shown: Vec<String> = reads.iter().take(max).map(|n| n.to_string()).collect();
        let more = if reads.len() > max { "+…" } else { "" };
        format!("{}{more}", shown.join("+"))
    }

    /// One row per reply: its size, how many reads it took, md5, intact.
    pub fn table(replies: &[ExactReply]) -> Table {
        let mut t = Table::new([
            t!("lab05-col-command"),
            "total_size".into(),
            t!("lab05-col-reads"),
            "md5".into(),
            t!("lab05-col-intact"),
        ]);
        for r in replies {
            let (cmd, reads) = (r.cmd.clone(), r.reads.len().to_string());
            t.row(match &r.got {
                Ok((size, md5, intact)) => [
                    cmd,
                    size.to_string(),
                    reads,
                    t!(if *md5 {
                        "lab05-md5-ok"
                    } else {
                        "lab05-md5-mismatch"
                    }),
                    t!(if *intact { "lab05-yes" } else { "lab05-no" }),
                ],
                Err(e) => [
                    cmd,
                    "-".into(),
                    reads,
                    "-".into(),
                    t!("lab05-cell-error", error = e.localized()),
                ],
            });
        }
        t
    }
}

/// Asks each of `cmds` on one connection to `addr` (the chaos proxy) and
/// reads each reply's header with `recv_header` (the demo passes
/// [`fixed_recv_header`](crate::lessons::lab05_json_header::fixed_recv_header)), then its body exactly,
/// recording the reads.
pub fn read_replies(
    addr: SocketAddr,
    codec: &JsonHeader,
    cmds: &[&str],
    recv_header: impl Fn(&mut dyn Read, &JsonHeader) -> Result<Header, HeaderError>,
) -> Result<Vec<ExactReply>, TransferError> {
    let stream = crate::kit::sock::connect(addr)?;
    let mut out = Vec::new();
    for &cmd in cmds {
        send_request(codec, &stream, &command(cmd), &[])?;
        let mut rr = RecordingReader::new(&stream);
        let got = recv_header(&mut rr, codec).and_then(|header| {
            let body = read_body(&mut rr, codec.body_len(&header)? as usize)?;
            Ok((header, body))
        });
        let reads = rr.chunks().iter().map(|c| c.len()).collect();
        let expected = runner::run(cmd.as_bytes(), &RunnerConfig::default()).combined();
        let got = match got {
            Ok((header, body)) => CommandReply::from_header(&header)
                .map(|r| {
                    (
                        r.total_size,
                        r.md5_matches(&body) == Some(true),
                        body == expected,
                    )
                })
                .map_err(TransferError::from),
            Err(e) => Err(e.into()),
        };
        out.push(ExactReply {
            cmd: cmd.into(),
            reads,
            got,
        });
    }
    Ok(out)
}

/// One file moved: name, bytes, md5, and whether the other side's check agreed.
#[derive(Debug)]
pub struct Moved {
    /// The file's name.
    pub name: String,
    /// How many bytes moved.
    pub bytes: u64,
    /// Its md5, as computed by the receiver.
    pub md5: String,
    /// The other side agreed on the md5.
    pub checked: bool,
}

/// A file uploaded, then downloaded again, through a chaos proxy (stage 4).
#[derive(Debug)]
pub struct RoundTrip {
    /// The original's md5.
    pub md5: String,
    /// The upload, and how long it took.
    pub up: (Result<Moved, TransferError>, Duration),
    /// The download, and how long it took.
    pub down: (Result<Moved, TransferError>, Duration),
}

impl RoundTrip {
    /// `got` (the upload or the download) arrived with the original's md5, the other side agreeing.
    pub fn ok(&self, got: &Result<Moved, TransferError>) -> bool {
        got.as_ref().is_ok_and(|m| m.checked && m.md5 == self.md5)
    }
}

impl RoundTrip {
    /// One row per direction: file, bytes, md5, whether the check agreed, time.
    pub fn table(&self) -> Table {
        let mut t = Table::new([
            t!("lab05-col-direction"),
            t!("lab05-col-file"),
            t!("lab05-col-bytes"),
            "md5".into(),
            t!("lab05-col-verified"),
            t!("lab05-col-time"),
        ]);
        let ways = [
            (t!("lab05-upload"), &self.up, t!("lab05-server-agrees")),
            (t!("lab05-download"), &self.down, t!("lab05-md5-checked")),
        ];
        for (way, (got, took), agreed) in ways {
            t.row(match got {
                Ok(m) => [
                    way,
                    m.name.clone(),
                    m.bytes.to_string(),
                    m.md5.clone(),
                    if self.ok(got) { agreed } else { t!("lab05-no") },
                    t!("lab05-ms", ms = format!("{:.0}", took.as_secs_f64() * 1e3)),
                ],
                Err(e) => {
                    let error = t!("lab05-cell-error", error = e.localized());
                    [way, "-".into(), "-".into(), "-".into(), error, "-".into()]
                }
            });
        }
        t
    }
}

/// Writes a seeded `file_size`-byte file into `local`, uploads it to the
/// server at `server` through a chaos proxy cutting pieces of up to 64 KiB,
/// and downloads it back into `local/downloads`.
pub fn upload_then_download(
    server: SocketAddr,
    seed: u64,
    local: &Path,
    file_size: u64,
) -> Result<RoundTrip, TransferError> {
    let fast = ProxyConfig {
        delay: Duration::ZERO,
        ..ProxyConfig::new(server, seed, 64 * 1024)
    };
    let proxy = ChaosProxy::start(loopback(), fast)?;
    let src = local.join("lesson-data.bin");
    write_seeded_file(&src, file_size, seed)?;
    let md5 = file_md5(&src)?;
    let mut c = Client::new(crate::kit::sock::connect(proxy.local_addr())?, Compat::Ours);
    c.progress = false;
    let t0 = Instant::now();
    let up = c.put(&src).map(|s| Moved {
        checked: s.confirmed == Some(true),
        name: s.name,
        bytes: s.bytes,
        md5: s.md5,
    });
    let up = (up, t0.elapsed());
    let down_dir = local.join("downloads");
    fs::create_dir_all(&down_dir)?;
    let t0 = Instant::now();
    let down = c.get("lesson-data.bin", &down_dir, false).map(|r| Moved {
        name: r
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        bytes: r.bytes,
        md5: r.md5,
        checked: r.verified,
    });
    Ok(RoundTrip {
        md5,
        up,
        down: (down, t0.elapsed()),
    })
}

/// One hostile upload, judged: what the server said, and whether its final
/// name appeared in the server's folder anyway.
#[derive(Debug)]
pub struct Refusal {
    /// The attack, in words.
    pub attack: String,
    /// What the server said (its English words, as they came).
    pub said: String,
    /// The same in the language in force, when it was the expected refusal.
    pub shown: String,
    /// The name the upload must not create is there.
    pub present: bool,
    /// Refused with the expected reason, and nothing under the final name.
    pub refused: bool,
}

impl Refusal {
    /// The attack for `--json`.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({"attack": self.attack, "server_said": self.said,
            "final_name_present": self.present})
    }

    /// One row per attack, with the count of temporary files left (`temps`).
    pub fn table(refusals: &[Refusal], temps: usize) -> Table {
        let mut t = Table::new([
            t!("lab05-col-attack"),
            t!("lab05-col-server-said"),
            t!("lab05-col-final-name"),
            t!("lab05-col-temp-files"),
        ]);
        for r in refusals {
            let shown = t!(if r.present {
                "lab05-present"
            } else {
                "lab05-absent"
            });
            let said = shorten(&r.shown, 70);
            t.row([r.attack.clone(), said, shown, temps.to_string()]);
        }
        t
    }
}

impl HostileUploads {
    /// Judges each attack against the server's folder `store`
    /// (`escape.txt` is looked for one folder up, where `..` would put it).
    pub fn refusals(&self, store: &Scratch) -> Vec<Refusal> {
        let files = store.names();
        let escaped = store
            .0
            .parent()
            .is_some_and(|p| p.join("escape.txt").exists());
        self.said
            .iter()
            .map(|(attack, said, name, want)| {
                let present = files.iter().any(|f| f == name) || (*name == "escape.txt" && escaped);
                let expected = *said == want.wire;
                Refusal {
                    attack: attack.clone(),
                    said: said.clone(),
                    shown: if expected {
                        want.shown.clone()
                    } else {
                        said.clone()
                    },
                    present,
                    refused: expected && !present,
                }
            })
            .collect()
    }
}

/// One way of sending a body to a slow reader, and what became of its bytes.
#[derive(Clone, Debug, Default)]
pub struct SendLedger {
    /// Bytes the server asked to send.
    pub asked: usize,
    /// Bytes the kernel took (what `send()` returned, summed).
    pub sent: usize,
    /// Bytes the reader received before the server closed.
    pub received: usize,
    /// `send()` calls made.
    pub calls: usize,
    /// Why sending stopped early, if an error said so.
    pub error: Option<String>,
}

impl SendLedger {
    /// Bytes asked for and never received.
    pub fn lost(&self) -> usize {
        self.asked.saturating_sub(self.received)
    }

    /// Stage 6, one row a way of sending: the lesson's one `send()` above
    /// the fix's `sendall`, each with what it asked, sent and lost.
    pub fn table(lesson: &SendLedger, fixed: &SendLedger) -> Table {
        let mut t = Table::new([
            t!("lab05-col-server"),
            t!("lab05-col-asked"),
            t!("lab05-col-send-calls"),
            t!("lab05-col-sent"),
            t!("lab05-col-received"),
            t!("lab05-col-lost"),
        ]);
        for (name, l) in [("conn.send(big)", lesson), ("conn.sendall(big)", fixed)] {
            t.row([
                Cell::from(name),
                Cell::from(l.asked.to_string().as_str()),
                Cell::from(l.calls.to_string().as_str()),
                Cell::from(l.sent.to_string().as_str()),
                Cell::from(l.received.to_string().as_str()),
                Cell::from(l.lost().to_string().as_str()),
            ]);
        }
        t
    }
}

/// The server's write timeout in [`send_to_slow_reader`]: how long one
/// `send()` may wait for room in the buffers (every server here has one).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// A reader slower than the body is long: it takes 8 KiB, then sleeps 1 ms
/// (at most 8 MB/s), through a 16 KiB receive buffer.
fn slow_reader(stream: TcpStream) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let (mut buf, mut got) = (vec![0u8; 8 << 10], 0);
        loop {
            match (&stream).read(&mut buf) {
                Ok(0) | Err(_) => return got,
                Ok(n) => got += n,
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    })
}

/// Sends `size` bytes to a [`slow_reader`] with `send` (the lesson's one
/// `send()` or the fix's `sendall`), the server socket's write timeout
/// [`SEND_TIMEOUT`], its send buffer 16 KiB; then closes and counts what
/// the reader got. `send` may first make the socket non-blocking, as
/// Python's `conn.settimeout()` does underneath.
pub fn send_to_slow_reader(
    size: usize,
    send: impl Fn(&TcpStream, &[u8]) -> io::Result<(usize, usize)>,
) -> io::Result<SendLedger> {
    let small = SockOpts {
        send_buffer: Some(16 << 10),
        recv_buffer: Some(16 << 10),
        ..SockOpts::default()
    };
    let listener = crate::kit::sock::listen_with(SocketAddr::from(([127, 0, 0, 1], 0)), &small)?;
    let reader = crate::kit::sock::connect_with(listener.local_addr()?, &small, None)?;
    reader.set_read_timeout(Some(Duration::from_secs(30)))?;
    let (server, _) = listener.accept()?;
    crate::kit::sock::apply(&server, &small)?;
    server.set_write_timeout(Some(SEND_TIMEOUT))?;
    let reading = slow_reader(reader);
    let data: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
    let mut ledger = SendLedger {
        asked: size,
        ..SendLedger::default()
    };
    match send(&server, &data) {
        Ok((sent, calls)) => (ledger.sent, ledger.calls) = (sent, calls),
        Err(e) => ledger.error = Some(e.to_string()),
    }
    drop(server);
    ledger.received = reading
        .join()
        .map_err(|_| io::Error::other(t!("lab05-reader-panicked")))?;
    Ok(ledger)
}
