//! Lab 03's length text (`LengthText::check`, `read`, `read_request`,
//! `read_reply`, `send_request`, `send_reply`) on arbitrary bytes cut at
//! arbitrary points.
//!
//! Input layout: byte 0 picks the format (ours `"123\n"` or the lesson's
//! bare digits) and the limit; bytes 1..9 are the chaos seed; byte 9 the
//! largest piece a read may return; the rest is the stream.
//!
//! Checked: nothing panics; `Complete` is only claimed when the digits (and
//! the `\n`) really are there and spell exactly the number returned; the
//! blocking reader agrees with `check` and never reads past the `\n`;
//! requests and replies re-encoded and decoded again come back identical;
//! no single allocation while decoding is larger than the limits allow.
#![no_main]

use std::io::{BufReader, Cursor, Read};

use libfuzzer_sys::fuzz_target;
use sticky_lab::kit::chaos::{ChaosPlan, ChaosReader};
use sticky_lab::framing::FrameError;
use sticky_lab::lessons::lab03_length_ack::{
    read_reply, read_request, send_reply, send_request, AckError, LengthText, TextCheck, ACK,
    LESSON_RECV,
};

#[path = "alloc_watch.rs"]
mod alloc_watch;
use alloc_watch::{largest_alloc, IO_BUF};

/// A chaos-cut stream behind a small `BufReader` (the servers use a
/// `BufReader` over the socket; a small one makes its refills visible).
fn stream(bytes: &[u8], seed: u64, max_chunk: usize) -> BufReader<ChaosReader<Cursor<Vec<u8>>>> {
    let cap = 1 + (seed as usize >> 3) % 64;
    BufReader::with_capacity(
        cap,
        ChaosReader::new(Cursor::new(bytes.to_vec()), ChaosPlan::new(seed, max_chunk)),
    )
}

/// The number the digits spell, without overflow (None if not all digits).
fn spelled(digits: &[u8]) -> Option<u128> {
    digits.iter().try_fold(0u128, |v, &b| {
        b.is_ascii_digit()
            .then(|| v.saturating_mul(10).saturating_add(u128::from(b - b'0')))
    })
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 10 {
        return;
    }
    let mode = data[0];
    let seed = u64::from_le_bytes(data[1..9].try_into().unwrap());
    let max_chunk = usize::from(data[9]) + 1;
    let rest = &data[10..];
    let max_len = [0, 1, 9, 10, 99, 1000, 4096, usize::MAX][usize::from(mode >> 1) % 8];
    let codec = if mode & 1 == 0 {
        LengthText::ours()
    } else {
        LengthText::lesson()
    }
    .with_max_len(max_len);
    // What a reader may allocate at once: the body (read_body caps its first
    // allocation at 64 KiB whatever the text claims), one lesson recv(1024),
    // and buffers that grow with the bytes really received.
    let allowed = max_len.min(IO_BUF) + LESSON_RECV + 2 * data.len() + 256;

    // 1. check on the whole input: Complete means the text is really there.
    let checked = codec.check(rest);
    match &checked {
        Ok(TextCheck::Complete { len, used }) => {
            assert!(*len <= max_len);
            assert!(*used <= rest.len());
            let digits = if codec.terminated {
                assert_eq!(rest[used - 1], b'\n');
                &rest[..used - 1]
            } else {
                assert_eq!(*used, rest.len(), "one recv is the whole text");
                rest
            };
            assert!(!digits.is_empty());
            assert_eq!(spelled(digits), Some(*len as u128), "{digits:?}");
            // A prefix without the end mark is not complete yet.
            if codec.terminated {
                assert_eq!(codec.check(digits).unwrap(), TextCheck::Incomplete);
            }
            // encode → check gives the same number back.
            let text = codec.encode(*len).unwrap();
            assert_eq!(
                codec.check(&text).unwrap(),
                TextCheck::Complete {
                    len: *len,
                    used: text.len()
                }
            );
        }
        Ok(TextCheck::Incomplete) => {
            if codec.terminated {
                assert!(rest.iter().all(u8::is_ascii_digit));
                assert!(rest.len() <= codec.max_digits());
            } else {
                assert!(rest.is_empty());
            }
        }
        Err(AckError::NotDigit { byte, at, .. }) => assert_eq!(rest[*at], *byte),
        Err(AckError::TooLarge { len, .. }) => assert!(*len > max_len as u64),
        Err(_) => {}
    }
    if max_len == usize::MAX {
        // Reading with no limit is only done on one recv (lesson_ask); the
        // readers below allocate, so they run with the bounded limits.
        return;
    }

    // 2. The blocking reader agrees with check (ours) and stops at the `\n`.
    let mut r = stream(rest, seed, max_chunk);
    let (got, largest) = largest_alloc(|| codec.read(&mut r));
    assert!(largest <= allowed, "{largest} > {allowed}");
    if codec.terminated {
        match (&checked, &got) {
            (Ok(TextCheck::Complete { len, used }), Ok(n)) => {
                assert_eq!(len, n);
                let mut after = Vec::new();
                r.read_to_end(&mut after).unwrap();
                assert_eq!(after, &rest[*used..], "read past the end of the text");
            }
            (Ok(TextCheck::Incomplete), Err(AckError::Frame(FrameError::Closed)))
            | (Ok(TextCheck::Incomplete), Err(AckError::Frame(FrameError::Truncated { .. }))) => {}
            (Err(a), Err(b)) => {
                assert_eq!(std::mem::discriminant(a), std::mem::discriminant(b))
            }
            (a, b) => panic!("check said {a:?}, read said {b:?}"),
        }
    } else if let Ok(n) = got {
        assert!(n <= max_len);
    }

    // 3. Requests: decode everything, re-encode what was decoded, decode
    //    again (another cut): the same commands.
    let mut r = stream(rest, seed, max_chunk);
    let mut cmds = Vec::new();
    loop {
        let (got, largest) = largest_alloc(|| read_request(&mut r, &codec));
        assert!(largest <= allowed, "{largest} > {allowed}");
        match got {
            Ok(Some(c)) => cmds.push(c),
            _ => break,
        }
    }
    let total: usize = cmds.iter().map(Vec::len).sum();
    assert!(total <= rest.len());
    if !codec.terminated {
        // The lesson's request is "whatever one recv returned": the pieces
        // are the stream itself, in order.
        assert!(cmds.iter().all(|c| !c.is_empty() && c.len() <= LESSON_RECV));
        assert_eq!(cmds.concat(), rest);
    }
    if codec.terminated {
        assert!(cmds.iter().all(|c| c.len() <= max_len));
        let mut wire = Vec::new();
        for c in &cmds {
            send_request(&mut wire, &codec, c).unwrap();
        }
        let mut r = stream(&wire, seed.rotate_left(17), max_chunk);
        for c in &cmds {
            assert_eq!(&read_request(&mut r, &codec).unwrap().unwrap(), c);
        }
        assert!(read_request(&mut r, &codec).unwrap().is_none());
    }

    // 4. Replies: read them off the stream (acking each), then the same
    //    bodies through send_reply (which waits for each ok) and back.
    let mut r = stream(rest, seed, max_chunk);
    // The acks go to a Vec standing in for the socket: sized up front, so
    // its growth is not counted as the decoder's.
    let mut acks = Vec::with_capacity(ACK.len() * (rest.len() + 1));
    let mut replies = Vec::new();
    loop {
        let (got, largest) = largest_alloc(|| read_reply(&mut r, &mut acks, &codec));
        assert!(largest <= allowed, "{largest} > {allowed}");
        match got {
            Ok(b) => {
                assert!(b.len() <= max_len);
                replies.push(b);
            }
            _ => break,
        }
    }
    // One ok per length read: each reply, plus one whose body never came.
    let n = acks.len() / ACK.len();
    assert!(n == replies.len() || n == replies.len() + 1);
    assert_eq!(acks, ACK.repeat(n));
    if codec.terminated {
        let mut oks = BufReader::new(Cursor::new(ACK.repeat(replies.len())));
        let mut wire = Vec::new();
        for b in &replies {
            send_reply(&mut oks, &mut wire, &codec, b).unwrap();
        }
        let mut r = stream(&wire, seed.rotate_left(31), max_chunk);
        let mut acks = Vec::new();
        for b in &replies {
            assert_eq!(&read_reply(&mut r, &mut acks, &codec).unwrap(), b);
        }
        assert_eq!(acks, ACK.repeat(replies.len()));
        assert!(matches!(
            read_reply(&mut r, &mut acks, &codec),
            Err(AckError::Frame(FrameError::Closed))
        ));
    }
});
