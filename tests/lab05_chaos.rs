//! Proof under chaos for lab 05: 10,000 JSON-header messages of random sizes
//! (0 to 256 KiB, seeded) through the chaos wrappers and through a real
//! `ChaosProxy` hop with several seeds. Every one must arrive intact and in
//! order (`Delivery::perfect`).
//!
//! Sizes are drawn log-uniformly (a random power-of-two scale, then a
//! uniform size under it) so that tiny, empty and 256 KiB messages are all
//! common while 10,000 of them stay about 130 MB: bounded on a 2-core box.

use std::io::{Cursor, Write};
use std::net::{Shutdown, TcpListener};
use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

use rand::{RngExt, SeedableRng};
use serde_json::json;
use sticky_lab::framing::json_header::{Header, JsonHeader};
use sticky_lab::framing::FrameReader;
use sticky_lab::kit::chaos::{ChaosPlan, ChaosReader, ChaosWriter};
use sticky_lab::kit::proxy::{ChaosProxy, Direction, ProxyConfig};
use sticky_lab::lessons::lab05_json_header::md5_hex;
use sticky_lab::report::ledger::Delivery;

const N: usize = 10_000;
const MAX: usize = 256 * 1024;

struct Corpus {
    headers: Vec<Header>,
    bodies: Vec<Vec<u8>>,
    wire: Vec<u8>,
}

fn corpus() -> &'static Corpus {
    static C: OnceLock<Corpus> = OnceLock::new();
    C.get_or_init(|| {
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(2026);
        let codec = JsonHeader::lesson();
        let mut headers = Vec::with_capacity(N);
        let mut bodies = Vec::with_capacity(N);
        let mut wire = Vec::new();
        for i in 0..N {
            let len = match i {
                0 => 0,
                1 => MAX,
                _ => {
                    let scale = rng.random_range(0..=18u32);
                    rng.random_range(0..=(1usize << scale)).min(MAX)
                }
            };
            let mut body = vec![0u8; len];
            rng.fill(&mut body[..]);
            let pad = "填".repeat(rng.random_range(0..40usize));
            let h = json!({"seq": i, "filename": format!("文件-{i}.bin"), "pad": pad});
            let serde_json::Value::Object(mut h) = h else {
                unreachable!()
            };
            codec.write_message(&mut wire, &h, &body).unwrap();
            h.insert("total_size".into(), json!(body.len()));
            headers.push(h);
            bodies.push(body);
        }
        Corpus {
            headers,
            bodies,
            wire,
        }
    })
}

fn digests(bodies: &[Vec<u8>]) -> Vec<String> {
    bodies
        .iter()
        .map(|b| format!("{}:{}", b.len(), md5_hex(b)))
        .collect()
}

#[test]
fn ten_thousand_messages_through_the_chaos_wrappers() {
    let c = corpus();
    let codec = JsonHeader::lesson();
    let total: usize = c.bodies.iter().map(Vec::len).sum();
    assert!(total > 100 << 20, "the corpus is big enough to matter");
    // The writer re-cuts and merges across message boundaries (fed in
    // 64 KiB writes, as a socket would be) …
    let mut w = ChaosWriter::new(Vec::new(), ChaosPlan::new(41, 9000));
    for part in c.wire.chunks(64 * 1024) {
        w.write_all(part).unwrap();
    }
    assert!(w.pieces().len() > c.wire.len() / 9000);
    let rewired = w.into_inner().unwrap();
    let mut mr = FrameReader::new(Cursor::new(&rewired[..]), codec);
    let mut got = Vec::with_capacity(N);
    while let Some(m) = mr.next_frame().unwrap() {
        got.push(m.body);
    }
    assert!(Delivery::compare(&c.bodies, &got).perfect());
    // … and the reader splits, with several seeds and piece sizes.
    for (seed, max_chunk) in [(1u64, 1000usize), (2, 65_536), (3, 250_000)] {
        let r = ChaosReader::new(Cursor::new(&c.wire[..]), ChaosPlan::new(seed, max_chunk));
        let mut mr = FrameReader::new(r, codec);
        let mut got = Vec::with_capacity(N);
        let mut seqs_ok = true;
        while let Some(m) = mr.next_frame().unwrap() {
            seqs_ok &= m.header["seq"] == got.len();
            got.push(m.body);
        }
        let d = Delivery::compare(&c.bodies, &got);
        assert!(d.perfect() && seqs_ok, "seed {seed}: {}", d.summary());
        let min_reads = total / max_chunk.min(64 * 1024);
        assert!(
            mr.reads() > min_reads,
            "seed {seed}: only {} reads",
            mr.reads()
        );
        eprintln!(
            "wrapper seed {seed}: {} in {} reads",
            d.summary(),
            mr.reads()
        );
    }
    // The blocking read-exact path the server uses, with tiny pieces, on a
    // prefix (every message boundary cut many times over).
    let prefix_end = {
        let mut r = Cursor::new(&c.wire[..]);
        for _ in 0..1500 {
            codec.read_message(&mut r).unwrap();
        }
        r.position() as usize
    };
    let mut r = ChaosReader::new(Cursor::new(&c.wire[..prefix_end]), ChaosPlan::new(4, 7));
    let mut got = Vec::new();
    for i in 0..1500 {
        let m = codec.read_message(&mut r).unwrap();
        assert_eq!(m.header, c.headers[i]);
        got.push(m.body);
    }
    assert!(Delivery::compare(&c.bodies[..1500], &got).perfect());
    assert!(codec.read_message(&mut r).unwrap_err().is_closed());
}

#[test]
fn ten_thousand_messages_through_a_chaos_proxy_with_several_seeds() {
    let c = corpus();
    let sent = digests(&c.bodies);
    for (seed, max_chunk) in [(5u64, 48 * 1024), (6, 48 * 1024), (7, 4096), (8, 1500)] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let upstream = listener.local_addr().unwrap();
        let receiver = thread::spawn(move || {
            let (s, _) = listener.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            let mut mr = FrameReader::new(s, JsonHeader::lesson());
            let mut got = Vec::new();
            while let Some(m) = mr.next_frame().unwrap() {
                got.push(format!("{}:{}", m.body.len(), md5_hex(&m.body)));
            }
            (got, mr.reads())
        });
        let cfg = ProxyConfig {
            delay: Duration::ZERO,
            ..ProxyConfig::new(upstream, seed, max_chunk)
        };
        let proxy = ChaosProxy::start("127.0.0.1:0".parse().unwrap(), cfg).unwrap();
        let mut s = std::net::TcpStream::connect(proxy.local_addr()).unwrap();
        s.write_all(&c.wire).unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let (got, reads) = receiver.join().unwrap();
        let d = Delivery::compare(&sent, &got);
        assert!(d.perfect(), "seed {seed}: {}", d.summary());
        // The hop really re-cut the stream into pieces of 1..=max_chunk bytes.
        let mut pieces = 0;
        for _ in 0..200 {
            pieces = proxy
                .piece_logs()
                .iter()
                .filter(|l| l.direction == Direction::ToServer)
                .map(|l| l.pieces.len())
                .sum::<usize>();
            if pieces > 0 {
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
        assert!(
            pieces > c.wire.len() / max_chunk,
            "seed {seed}: {pieces} pieces"
        );
        eprintln!(
            "proxy seed {seed}: {} — {} bytes cut into {pieces} pieces, {reads} reads",
            d.summary(),
            c.wire.len()
        );
    }
}
