//! The classic ways a stream cuts frames, written out as bytes and named by
//! shape (as tokio-util's `length_delimited` tests do), for both framings:
//! the 4-byte prefix (lab 04) and the JSON header (lab 05). Each stream is a
//! list of reads: exactly what each `recv()` returned. The seeded property
//! tests (`proptest_framing.rs`, `lab05_proptest.rs`) try every other cut.

use std::collections::VecDeque;
use std::io::{self, Read};

use sticky_lab::framing::json_header::{Header, HeaderError, JsonHeader, Message};
use sticky_lab::framing::{ByteOrder, FrameError, FrameReader, Framing, LengthPrefix};

/// A stream whose reads return exactly these pieces, one per read, then EOF.
struct Reads(VecDeque<&'static [u8]>);

fn reads(pieces: &[&'static [u8]]) -> Reads {
    Reads(pieces.iter().copied().collect())
}

impl Read for Reads {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(piece) = self.0.pop_front() else {
            return Ok(0);
        };
        let n = piece.len().min(buf.len());
        buf[..n].copy_from_slice(&piece[..n]);
        if n < piece.len() {
            self.0.push_front(&piece[n..]);
        }
        Ok(n)
    }
}

/// `struct.pack('!I', n)` frames: big-endian, so the length reads left to right.
fn prefix_reader(pieces: &[&'static [u8]]) -> FrameReader<Reads, LengthPrefix> {
    FrameReader::new(reads(pieces), LengthPrefix::network())
}

/// Every frame of a stream, then how it ended.
fn frames<F: Framing>(mut r: FrameReader<Reads, F>) -> (Vec<F::Frame>, Result<(), F::Error>) {
    let mut out = Vec::new();
    loop {
        match r.next_frame() {
            Ok(Some(f)) => out.push(f),
            Ok(None) => return (out, Ok(())),
            Err(e) => return (out, Err(e)),
        }
    }
}

// ── the 4-byte prefix ──────────────────────────────────────────────────

#[test]
fn prefix_header_split_across_reads() {
    let (got, end) = frames(prefix_reader(&[b"\x00\x00", b"\x00\x05hello"]));
    assert_eq!(got, [b"hello".to_vec()]);
    assert!(end.is_ok());
}

#[test]
fn prefix_one_frame_over_many_reads() {
    let (got, end) = frames(prefix_reader(&[
        b"\x00\x00\x00\x0b",
        b"hel",
        b"lo ",
        b"wor",
        b"ld",
    ]));
    assert_eq!(got, [b"hello world".to_vec()]);
    assert!(end.is_ok());
}

#[test]
fn prefix_many_frames_in_one_read() {
    let mut r = prefix_reader(&[b"\x00\x00\x00\x02hi\x00\x00\x00\x03abc\x00\x00\x00\x00"]);
    assert_eq!(r.next_frame().unwrap().unwrap(), b"hi");
    assert_eq!(r.next_frame().unwrap().unwrap(), b"abc");
    assert_eq!(r.next_frame().unwrap().unwrap(), b"");
    assert_eq!(r.reads(), 1, "three frames, one read");
    assert!(r.next_frame().unwrap().is_none());
}

#[test]
fn prefix_eof_mid_header() {
    let (got, end) = frames(prefix_reader(&[b"\x00\x00\x00\x02hi", b"\x00\x00"]));
    assert_eq!(got, [b"hi".to_vec()]);
    let e = end.unwrap_err();
    assert!(matches!(
        e,
        FrameError::Truncated {
            what: "header",
            expected: 4,
            got: 2
        }
    ));
    assert_eq!(
        e.to_string(),
        "connection closed 2 bytes into a 4-byte header"
    );
}

#[test]
fn prefix_eof_mid_body() {
    let (got, end) = frames(prefix_reader(&[b"\x00\x00\x00\x05hel"]));
    assert!(got.is_empty());
    assert_eq!(
        end.unwrap_err().to_string(),
        "connection closed 7 bytes into a 9-byte frame"
    );
}

#[test]
fn prefix_lying_header_is_refused_before_the_body_is_waited_for() {
    // 0x7fffffff = 2 GiB − 1 announced, 1 MiB allowed: refused as soon as
    // the 4 bytes are in, before a single body byte is read or reserved.
    let small = LengthPrefix::network().with_max_frame(1 << 20);
    let mut r = FrameReader::new(reads(&[b"\x7f\xff\xff\xff", b"never read"]), small);
    let e = r.next_frame().unwrap_err();
    assert!(matches!(
        e,
        FrameError::TooLarge {
            len: 0x7fff_ffff,
            max: 1_048_576
        }
    ));
    assert_eq!(r.reads(), 1);
    // And in the other byte order it would have been…
    let hint = small.byte_order_hint(&FrameError::TooLarge {
        len: 0x0500_0000,
        max: 1 << 20,
    });
    assert!(hint.unwrap().to_string().contains("say 5"));
}

#[test]
fn prefix_encode_writes_the_bytes_the_cases_read() {
    let mut out = Vec::new();
    let big = LengthPrefix::network();
    Framing::encode(&big, &b"hi".to_vec(), &mut out).unwrap();
    assert_eq!(out, b"\x00\x00\x00\x02hi");
    out.clear();
    let little = big.with_order(ByteOrder::Little);
    Framing::encode(&little, &b"hi".to_vec(), &mut out).unwrap();
    assert_eq!(out, b"\x02\x00\x00\x00hi", "struct.pack('<I', 2) + b'hi'");
}

// ── lab 05's JSON header: 4-byte length, {"total_size": n}, body ────────

/// Lab 05's codec with the length little-endian (`'i'` on x86), written out.
fn json() -> JsonHeader {
    JsonHeader {
        prefix: JsonHeader::lesson().prefix.with_order(ByteOrder::Little),
        ..JsonHeader::lesson()
    }
}

fn json_reader(pieces: &[&'static [u8]]) -> FrameReader<Reads, JsonHeader> {
    FrameReader::new(reads(pieces), json())
}

/// `{"total_size":2}` is 16 bytes: `\x10\x00\x00\x00` in front.
fn hi() -> Message {
    let mut header = Header::new();
    header.insert("total_size".into(), 2.into());
    Message {
        header,
        body: b"hi".to_vec(),
    }
}

#[test]
fn json_header_length_split_across_reads() {
    let (got, end) = frames(json_reader(&[b"\x10\x00", b"\x00\x00{\"total_size\":2}hi"]));
    assert_eq!(got, [hi()]);
    assert!(end.is_ok());
}

#[test]
fn json_header_split_across_reads() {
    let (got, end) = frames(json_reader(&[
        b"\x10\x00\x00\x00{\"total",
        b"_size\":2}",
        b"h",
        b"i",
    ]));
    assert_eq!(got, [hi()]);
    assert!(end.is_ok());
}

#[test]
fn json_many_messages_in_one_read() {
    let mut r =
        json_reader(&[b"\x10\x00\x00\x00{\"total_size\":2}hi\x10\x00\x00\x00{\"total_size\":2}hi"]);
    assert_eq!(r.next_frame().unwrap(), Some(hi()));
    assert_eq!(r.next_frame().unwrap(), Some(hi()));
    assert_eq!(r.reads(), 1);
    assert!(r.next_frame().unwrap().is_none());
}

#[test]
fn json_eof_mid_header_length() {
    let e = frames(json_reader(&[b"\x10\x00"])).1.unwrap_err();
    assert!(matches!(
        e,
        HeaderError::Truncated {
            what: "header",
            expected: 4,
            got: 2
        }
    ));
}

#[test]
fn json_eof_mid_json() {
    let e = frames(json_reader(&[b"\x10\x00\x00\x00{\"tot"]))
        .1
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "connection closed 9 bytes into a 20-byte frame"
    );
}

#[test]
fn json_eof_mid_body() {
    let e = frames(json_reader(&[b"\x10\x00\x00\x00{\"total_size\":5}hi"]))
        .1
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "connection closed 22 bytes into a 25-byte frame"
    );
}

#[test]
fn json_lying_header_is_refused_before_the_body_is_waited_for() {
    // The JSON announces 100 GB: refused once the JSON is in, body unread.
    let mut r = json_reader(&[
        b"\x1a\x00\x00\x00{\"total_size\":99999999999}",
        b"never read",
    ]);
    let e = r.next_frame().unwrap_err();
    assert!(
        matches!(
            e,
            HeaderError::BodyTooLarge {
                len: 99_999_999_999,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(r.reads(), 1);
    // A header length of 2 GiB − 1: refused with only its 4 bytes in.
    let mut r = json_reader(&[b"\xff\xff\xff\x7f"]);
    let e = r.next_frame().unwrap_err();
    assert!(
        e.to_string().contains("over the 65536-byte frame limit"),
        "{e}"
    );
}

#[test]
fn json_encode_writes_the_bytes_the_cases_read() {
    let mut out = Vec::new();
    json().encode(&hi(), &mut out).unwrap();
    assert_eq!(out, b"\x10\x00\x00\x00{\"total_size\":2}hi");
}
