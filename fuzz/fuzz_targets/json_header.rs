//! Lab 05's JSON header through the `Framing` trait (`check` / `decode` /
//! `encode`), the buffered `FrameReader<_, JsonHeader>` (over two
//! differently seeded `ChaosReader`s), and the blocking
//! `read_header` / `read_message`, on arbitrary bytes cut at arbitrary points.
//!
//! Input layout: byte 0 picks the limits, the size key and the length
//! prefix's byte order; bytes 1..9 are the chaos seed; byte 9 the largest
//! piece a read may return; the rest is the stream.
//!
//! Checked: nothing panics; `Complete` is only claimed when the header and
//! the whole body are really buffered, and the header parses and announces
//! that body; the three readers agree message for message and on how the
//! stream ended; a decoded message re-encoded and decoded again is the
//! same message; the same bytes taken as messages survive encode → cut →
//! decode; no single allocation while decoding is larger than the limits
//! (and the bytes really received) allow.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use sticky_lab::kit::chaos::{ChaosPlan, ChaosReader};
use sticky_lab::framing::{ByteOrder, Check, FrameReader, Framing};
use sticky_lab::framing::json_header::{Header, HeaderError, JsonHeader, Message};

#[path = "alloc_watch.rs"]
mod alloc_watch;
use alloc_watch::{largest_alloc, IO_BUF};

/// How a reader's run of messages ended.
#[derive(Debug, PartialEq)]
enum End {
    /// A clean close between messages.
    Clean,
    /// Bytes left over that do not make a whole message (or a bad one).
    Error,
}

fn chaos(bytes: &[u8], seed: u64, max_chunk: usize) -> ChaosReader<Cursor<Vec<u8>>> {
    ChaosReader::new(Cursor::new(bytes.to_vec()), ChaosPlan::new(seed, max_chunk))
}

/// All messages through a `FrameReader` over a chaos-cut stream.
fn by_frame_reader(
    codec: JsonHeader,
    bytes: &[u8],
    seed: u64,
    max_chunk: usize,
    allowed: usize,
) -> (Vec<Message>, End) {
    let mut frames = FrameReader::new(chaos(bytes, seed, max_chunk), codec);
    let mut msgs = Vec::new();
    loop {
        let (got, largest) = largest_alloc(|| frames.next_frame());
        assert!(largest <= allowed, "FrameReader: {largest} > {allowed}");
        match got {
            Ok(Some(m)) => msgs.push(m),
            Ok(None) => return (msgs, End::Clean),
            Err(HeaderError::Io(e)) => panic!("no I/O error can come from a Cursor: {e}"),
            Err(_) => return (msgs, End::Error),
        }
    }
}

/// One message's bytes through the trait.
fn encode(codec: JsonHeader, header: &Header, body: &[u8]) -> Result<Vec<u8>, HeaderError> {
    let mut out = Vec::new();
    let m = Message {
        header: header.clone(),
        body: body.to_vec(),
    };
    codec.encode(&m, &mut out)?;
    Ok(out)
}

/// All messages through the blocking `read_message` over a chaos-cut stream.
fn by_read_message(
    codec: JsonHeader,
    bytes: &[u8],
    seed: u64,
    max_chunk: usize,
    allowed: usize,
) -> (Vec<Message>, End) {
    let mut r = chaos(bytes, seed, max_chunk);
    let mut msgs = Vec::new();
    loop {
        let (got, largest) = largest_alloc(|| codec.read_message(&mut r));
        assert!(largest <= allowed, "read_message: {largest} > {allowed}");
        match got {
            Ok(m) => msgs.push(m),
            Err(HeaderError::Closed) => return (msgs, End::Clean),
            Err(HeaderError::Io(e)) => panic!("no I/O error can come from a Cursor: {e}"),
            Err(_) => return (msgs, End::Error),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 10 {
        return;
    }
    let mode = data[0];
    let seed = u64::from_le_bytes(data[1..9].try_into().unwrap());
    let max_chunk = usize::from(data[9]) + 1;
    let rest = &data[10..];

    let max_header = [0, 2, 16, 64, 256, 1024][usize::from(mode & 7) % 6];
    let max_body = [0u64, 1, 100, 4096][usize::from(mode >> 3) & 3];
    let mut codec = JsonHeader::lesson().with_limits(max_header, max_body);
    if mode & 0x20 != 0 {
        codec = codec.with_size_key("filesize");
    }
    if mode & 0x40 != 0 {
        codec.prefix = codec.prefix.with_order(ByteOrder::Big);
    }
    // Buffers that grow with the bytes really received, the body (at most
    // max_body), and what parsing makes of a header of at most max_header
    // bytes: `[0,0,…]` is a 32-byte `Value` per 2 bytes of JSON, in a Vec
    // that may have doubled, so up to 32× the header limit.
    let allowed = 2 * data.len() + max_body as usize + 32 * max_header + 1024;
    // The FrameReader's buffer asks each read for 64 KiB beyond what it holds.
    let reader_allowed = allowed + IO_BUF;

    // 1. check: Complete means the whole message is really buffered.
    match codec.check(rest) {
        Ok(Check::Complete { len }) => {
            assert!(rest.len() >= len);
            let m = codec.decode(&rest[..len]).unwrap();
            assert!(len - 4 - m.body.len() <= max_header);
            assert!(m.body.len() as u64 <= max_body);
            assert_eq!(codec.body_len(&m.header).unwrap(), m.body.len() as u64);
        }
        Ok(Check::Incomplete { needed }) => assert!(needed > 0),
        Err(_) => {}
    }

    // 2. The three readers agree, message for message, and on the end.
    let (msgs, end) = by_frame_reader(codec, rest, seed, max_chunk, reader_allowed);
    let (msgs2, end2) =
        by_frame_reader(codec, rest, seed.rotate_left(13), max_chunk, reader_allowed);
    let (msgs3, end3) = by_read_message(codec, rest, seed.rotate_left(7), max_chunk, allowed);
    assert_eq!(msgs, msgs2);
    assert_eq!(msgs, msgs3);
    assert_eq!(end, end2);
    assert_eq!(end, end3);

    // 3. Each message is consistent, and re-encoding it gives it back.
    let mut wire = Vec::new();
    for m in &msgs {
        assert!(m.body.len() as u64 <= max_body);
        assert_eq!(codec.body_len(&m.header).unwrap(), m.body.len() as u64);
        let again = encode(codec, &m.header, &m.body).unwrap_or_else(|e| {
            // A header can shrink when re-serialized (whitespace, escapes,
            // duplicate keys) but also grow (`1e5` → `100000.0`).
            assert!(matches!(e, HeaderError::HeaderTooLarge { .. }), "{e}");
            Vec::new()
        });
        if again.is_empty() {
            continue;
        }
        assert!(matches!(codec.check(&again), Ok(Check::Complete { .. })));
        wire.extend_from_slice(&again);
    }
    let (back, end) = by_frame_reader(codec, &wire, seed, max_chunk, usize::MAX);
    assert_eq!(end, End::Clean);
    let kept: Vec<&Message> = msgs
        .iter()
        .filter(|m| encode(codec, &m.header, &m.body).is_ok())
        .collect();
    assert_eq!(back.iter().collect::<Vec<_>>(), kept);

    // 4. The same bytes as messages (a name and a body, lengths from the
    //    bytes themselves): encode → cut → decode is the identity.
    let mut sent = Vec::new();
    let mut left = rest;
    while let Some((&n, tail)) = left.split_first() {
        let n = usize::from(n).min(tail.len());
        let (name, tail) = tail.split_at(n / 2);
        let (body, tail) = tail.split_at((n - n / 2).min(max_body as usize));
        let mut h = Header::new();
        h.insert(
            "filename".into(),
            Value::from(String::from_utf8_lossy(name)),
        );
        h.insert(
            "md5".into(),
            Value::from(sticky_lab::lessons::lab05_json_header::md5_hex(body)),
        );
        left = tail;
        let Ok(bytes) = encode(codec, &h, body) else {
            continue;
        };
        h.insert(codec.size_key.into(), Value::from(body.len() as u64));
        sent.push((
            Message {
                header: h,
                body: body.to_vec(),
            },
            bytes,
        ));
    }
    let wire: Vec<u8> = sent.iter().flat_map(|(_, b)| b.iter().copied()).collect();
    let want: Vec<Message> = sent.into_iter().map(|(m, _)| m).collect();
    for (got, end) in [
        by_frame_reader(codec, &wire, seed.rotate_left(13), max_chunk, usize::MAX),
        by_frame_reader(codec, &wire, seed, max_chunk, usize::MAX),
        by_read_message(codec, &wire, seed, max_chunk, usize::MAX),
    ] {
        assert_eq!(end, End::Clean);
        assert_eq!(got, want);
    }
});
