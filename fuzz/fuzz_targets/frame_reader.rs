//! `FrameReader`, `read_frame` and `recv_exact` over arbitrary bytes cut at
//! arbitrary points (a seeded `ChaosReader`).
//!
//! Two checks at once: decoding random bytes never panics and never hands
//! out a frame over the limit; and the same bytes, taken as messages,
//! encoded, cut and decoded again, come back identical.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use sticky_lab::kit::chaos::{ChaosPlan, ChaosReader};
use sticky_lab::framing::{FrameError, FrameReader, LengthPrefix};

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        return;
    }
    let seed = u64::from_le_bytes(data[..8].try_into().unwrap());
    let max_chunk = usize::from(data[8]) + 1;
    let rest = &data[9..];
    let codec = LengthPrefix::lesson().with_max_frame(4096);

    // 1. Arbitrary bytes as a stream: whatever happens, no panic, no frame over the limit.
    let r = ChaosReader::new(Cursor::new(rest.to_vec()), ChaosPlan::new(seed, max_chunk));
    let mut frames = FrameReader::new(r, codec);
    let mut seen = 0usize;
    loop {
        match frames.next_frame() {
            Ok(Some(f)) => {
                assert!(f.len() <= codec.max_frame);
                seen += LengthPrefix::LEN + f.len();
                assert!(seen <= rest.len());
            }
            Ok(None) => {
                assert_eq!(seen, rest.len());
                break;
            }
            Err(FrameError::Io(e)) => panic!("no I/O error can come from a Cursor: {e}"),
            Err(_) => break,
        }
    }
    let mut r = ChaosReader::new(Cursor::new(rest.to_vec()), ChaosPlan::new(seed, max_chunk));
    while let Ok(f) = codec.read_frame(&mut r) {
        assert!(f.len() <= codec.max_frame);
    }

    // 2. The same bytes as messages (each one's length from its first byte):
    //    encode, cut, decode — the identity.
    let mut msgs = Vec::new();
    let mut left = rest;
    while let Some((&n, tail)) = left.split_first() {
        let n = usize::from(n).min(tail.len());
        msgs.push(tail[..n].to_vec());
        left = &tail[n..];
    }
    let mut wire = Vec::new();
    for m in &msgs {
        codec.write_frame(&mut wire, m).unwrap();
    }
    let r = ChaosReader::new(Cursor::new(wire.clone()), ChaosPlan::new(seed, max_chunk));
    let mut frames = FrameReader::new(r, codec);
    for m in &msgs {
        assert_eq!(&frames.next_frame().unwrap().unwrap(), m);
    }
    assert!(frames.next_frame().unwrap().is_none());
    let mut r = ChaosReader::new(Cursor::new(wire), ChaosPlan::new(seed, max_chunk));
    for m in &msgs {
        assert_eq!(&codec.read_frame(&mut r).unwrap(), m);
    }
    assert!(matches!(codec.read_frame(&mut r), Err(FrameError::Closed)));
});
