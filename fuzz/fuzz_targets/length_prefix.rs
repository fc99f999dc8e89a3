//! The 4-byte `LengthPrefix` through the `Framing` trait (`check` /
//! `decode` / `encode`) and its header `decode` / `encode`, on arbitrary bytes.
//!
//! The first byte picks the header (byte order, signed or not) and a small or
//! large frame limit; the rest is "what has arrived so far". Nothing may
//! panic, `Complete` must only be claimed when the whole frame is really
//! there, no accepted length may exceed the limit, and encode/decode must
//! agree on every length decode accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sticky_lab::framing::{ByteOrder, Check, Framing, LengthPrefix};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, buf)) = data.split_first() else {
        return;
    };
    let mut codec = if mode & 1 == 0 {
        LengthPrefix::lesson()
    } else {
        LengthPrefix::network()
    };
    codec = codec.with_order(if mode & 2 == 0 { ByteOrder::Little } else { ByteOrder::Big });
    codec.signed = mode & 4 == 0;
    codec = codec.with_max_frame(if mode & 8 == 0 { 1 << 10 } else { usize::MAX });

    match codec.check(buf) {
        Ok(Check::Complete { len }) => {
            assert!(len - LengthPrefix::LEN <= codec.max_frame);
            assert!(buf.len() >= len);
            let body = Framing::decode(&codec, &buf[..len]).unwrap();
            assert_eq!(&body[..], &buf[LengthPrefix::LEN..len]);
            let mut again = Vec::new();
            Framing::encode(&codec, &body, &mut again).unwrap();
            assert_eq!(&again[..], &buf[..len]);
        }
        Ok(Check::Incomplete { needed }) => {
            assert!(needed > 0);
            if buf.len() >= LengthPrefix::LEN {
                let want = codec.unpack(*buf.first_chunk::<4>().unwrap()).unwrap();
                assert_eq!(buf.len() - LengthPrefix::LEN + needed, want);
            }
        }
        Err(_) => assert!(buf.len() >= LengthPrefix::LEN),
    }
    if let Some(head) = buf.first_chunk::<4>() {
        if let Ok(n) = codec.unpack(*head) {
            assert!(n <= codec.max_frame);
            assert!(n as u64 <= codec.representable_max());
            assert_eq!(&codec.pack(n).unwrap(), head);
        }
    }
});
