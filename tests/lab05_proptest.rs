//! Properties of lab 05's JSON header as a [`Framing`]: any byte stream in
//! any chunking never panics (and never yields a body past the limit);
//! encode → chunk → [`FrameReader`] is the identity. The classic cuts,
//! written out as bytes, are in `tests/framing_split_cases.rs`.

use std::io::Cursor;

use proptest::prelude::*;
use serde_json::Value;
use sticky_lab::framing::json_header::{Header, JsonHeader, Message};
use sticky_lab::framing::{Check, FrameReader, Framing};
use sticky_lab::kit::chaos::{ChaosPlan, ChaosReader};

/// The bytes as a stream cut by a `ChaosReader`, seeded by the cuts and
/// returning pieces of up to their largest.
fn chaos(bytes: &[u8], cuts: &[usize]) -> ChaosReader<Cursor<Vec<u8>>> {
    let seed = cuts
        .iter()
        .fold(7u64, |h, &c| h.wrapping_mul(31).wrapping_add(c as u64));
    let max = cuts.iter().copied().max().unwrap_or(1);
    ChaosReader::new(Cursor::new(bytes.to_vec()), ChaosPlan::new(seed, max))
}

fn header_strategy() -> impl Strategy<Value = Header> {
    prop::collection::btree_map(
        "[a-z_]{1,8}",
        prop_oneof![
            any::<i64>().prop_map(Value::from),
            ".{0,20}".prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
        ],
        0..5,
    )
    .prop_map(|m| m.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_any_chunking_never_panics(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        cuts in prop::collection::vec(1usize..64, 1..16),
        small_limits in any::<bool>(),
    ) {
        let codec = if small_limits {
            JsonHeader::lesson().with_limits(64, 256)
        } else {
            JsonHeader::lesson()
        };
        // check only ever claims whole frames that are really there.
        match codec.check(&bytes) {
            Ok(Check::Complete { len }) => {
                prop_assert!(len <= bytes.len());
                let m = codec.decode(&bytes[..len]);
                prop_assert!(m.is_ok());
            }
            Ok(Check::Incomplete { needed }) => prop_assert!(needed > 0),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
        let mut frames = FrameReader::new(chaos(&bytes, &cuts), codec);
        loop {
            match frames.next_frame() {
                Ok(Some(m)) => prop_assert!(m.body.len() as u64 <= codec.max_body),
                Ok(None) => break,
                Err(e) => {
                    prop_assert!(!e.to_string().is_empty());
                    break;
                }
            }
        }
        // The blocking reader, on the same bytes, never panics either.
        let mut r = Cursor::new(bytes.clone());
        while codec.read_message(&mut r).is_ok() {}
    }

    #[test]
    fn encode_chunk_decode_is_identity(
        msgs in prop::collection::vec(
            (header_strategy(), prop::collection::vec(any::<u8>(), 0..600)),
            0..12,
        ),
        cuts in prop::collection::vec(1usize..40, 1..10),
    ) {
        let codec = JsonHeader::lesson();
        let mut wire = Vec::new();
        let mut expected = Vec::new();
        for (h, body) in &msgs {
            codec.write_message(&mut wire, h, body).unwrap();
            let mut h = h.clone();
            h.insert("total_size".into(), Value::from(body.len() as u64));
            expected.push((h, body.clone()));
        }
        let mut frames = FrameReader::new(chaos(&wire, &cuts), codec);
        let mut got = Vec::new();
        while let Some(m) = frames.next_frame().unwrap() {
            got.push((m.header, m.body));
        }
        prop_assert_eq!(got, expected.clone());
        // Framing::encode writes the same bytes as write_message.
        let mut again = Vec::new();
        for (header, body) in &expected {
            let m = Message { header: header.clone(), body: body.clone() };
            codec.encode(&m, &mut again).unwrap();
        }
        prop_assert_eq!(&again, &wire);
        // and the read-exact path agrees
        let mut r = ChaosReader::new(Cursor::new(wire), ChaosPlan::new(cuts[0] as u64, 13));
        for (h, body) in &expected {
            let m = codec.read_message(&mut r).unwrap();
            prop_assert_eq!(&m.header, h);
            prop_assert_eq!(&m.body, body);
        }
    }
}
