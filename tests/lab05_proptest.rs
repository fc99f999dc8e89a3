//! Properties of the JSON-header decoder: any byte stream in any chunking
//! never panics (and never allocates past the limits); encode → chunk →
//! decode is the identity.

use std::io::Cursor;

use proptest::prelude::*;
use serde_json::Value;
use sticky_lab::framing::json_header::{Decoder, Header, JsonHeader};

fn chunked(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    let mut i = 0;
    while !rest.is_empty() {
        let n = cuts
            .get(i % cuts.len().max(1))
            .copied()
            .unwrap_or(1)
            .clamp(1, rest.len());
        out.push(rest[..n].to_vec());
        rest = &rest[n..];
        i += 1;
    }
    out
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
        let mut d = Decoder::new(codec);
        'feed: for piece in chunked(&bytes, &cuts) {
            d.push(&piece);
            loop {
                match d.next_message() {
                    Ok(Some(m)) => prop_assert!(m.body.len() as u64 <= codec.max_body),
                    Ok(None) => break,
                    Err(e) => {
                        prop_assert!(!e.to_string().is_empty());
                        break 'feed;
                    }
                }
            }
        }
        let _ = d.needed();
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
        let mut d = Decoder::new(codec);
        let mut got = Vec::new();
        for piece in chunked(&wire, &cuts) {
            d.push(&piece);
            while let Some(m) = d.next_message().unwrap() {
                got.push((m.header, m.body));
            }
        }
        prop_assert_eq!(d.pending(), 0);
        prop_assert_eq!(got, expected.clone());
        // and the read-exact path agrees
        let mut r = sticky_lab::kit::chaos::ChaosReader::new(
            Cursor::new(wire),
            sticky_lab::kit::chaos::ChaosPlan::new(cuts[0] as u64, 13),
        );
        for (h, body) in &expected {
            let m = codec.read_message(&mut r).unwrap();
            prop_assert_eq!(&m.header, h);
            prop_assert_eq!(&m.body, body);
        }
    }
}
