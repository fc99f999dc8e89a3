//! The peers, on one loopback connection each, at the bench's sizes:
//! tokio-util's `LengthDelimitedCodec` (4-byte big-endian length, the
//! ecosystem's standard answer to the same problem) against sticky-lab's
//! 4-byte `LengthPrefix` + `FrameReader` and the raw pump, in the same
//! process, one after the other.
//!
//! `cargo bench --bench framing_peers` (`-- --seconds 2` for longer cells).
//! A benchmark, not a test: it prints figures and asserts nothing.

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use sticky_lab::tools::bench::{run_cell, size_name, Proto, DEFAULT_SIZES};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{FramedRead, FramedWrite, LengthDelimitedCodec};

fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(64 << 20)
        .new_codec()
}

/// Messages per second through `LengthDelimitedCodec`: one task writes for
/// `seconds`, another reads and counts, on a 2-worker runtime.
fn tokio_cell(rt: &tokio::runtime::Runtime, size: usize, seconds: f64) -> std::io::Result<f64> {
    rt.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let receiver = tokio::spawn(async move {
            let (s, _) = listener.accept().await?;
            s.set_nodelay(true)?;
            let mut frames = FramedRead::new(s, codec());
            let mut n = 0u64;
            while let Some(f) = frames.next().await {
                let f = f?;
                if f.len() != size {
                    return Err(std::io::Error::other(format!("a {}-byte frame", f.len())));
                }
                n += 1;
            }
            Ok::<u64, std::io::Error>(n)
        });
        let s = TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        let mut sink = FramedWrite::new(s, codec());
        let body = Bytes::from(vec![b'x'; size]);
        let batch = (64 << 10) / (size + 64) + 1;
        let start = Instant::now();
        let deadline = start + Duration::from_secs_f64(seconds);
        let mut sent = 0u64;
        while Instant::now() < deadline {
            for _ in 0..batch {
                sink.feed(body.clone()).await?;
                sent += 1;
            }
        }
        SinkExt::<Bytes>::close(&mut sink).await?;
        let got = receiver.await.map_err(std::io::Error::other)??;
        let secs = start.elapsed().as_secs_f64();
        if got != sent {
            return Err(std::io::Error::other(format!(
                "{sent} sent, {got} received"
            )));
        }
        Ok(got as f64 / secs)
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds = args
        .iter()
        .position(|a| a == "--seconds")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.5f64);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    println!("framing peers: one loopback connection per cell, {seconds:.2} s each, best of 3");
    println!(
        "{:>7}  {:>14}  {:>14}  {:>14}  {:>16}",
        "size", "raw msg/s", "header msg/s", "tokio-util", "header/tokio"
    );
    // Best of three interleaved runs: a shared machine only slows a run down.
    for size in DEFAULT_SIZES {
        let (mut raw, mut ours, mut theirs) = (0f64, 0f64, 0f64);
        for _ in 0..3 {
            let r = run_cell(Proto::Raw, size, seconds, Duration::ZERO).map(|c| c.msgs_per_sec);
            let o = run_cell(Proto::Header, size, seconds, Duration::ZERO).map(|c| c.msgs_per_sec);
            let t = tokio_cell(&rt, size, seconds);
            match (r, o, t) {
                (Ok(r), Ok(o), Ok(t)) => {
                    raw = raw.max(r);
                    ours = ours.max(o);
                    theirs = theirs.max(t);
                }
                (r, o, t) => {
                    println!(
                        "{:>7}  failed: raw {:?}, header {:?}, tokio {:?}",
                        size_name(size),
                        r.err().map(|e| e.to_string()),
                        o.err().map(|e| e.to_string()),
                        t.err().map(|e| e.to_string())
                    );
                    return;
                }
            }
        }
        println!(
            "{:>7}  {raw:>14.0}  {ours:>14.0}  {theirs:>14.0}  {:>15.2}×",
            size_name(size),
            ours / theirs
        );
    }
}
