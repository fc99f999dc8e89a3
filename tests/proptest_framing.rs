//! Property tests for the decoders: any byte stream, any chunking.
//!
//! * `Framing::check` / `decode` of the 4-byte `LengthPrefix` never panic,
//!   and `Complete` is only claimed when the whole frame is really buffered;
//!   the classic cuts, written out as bytes, are in `tests/framing_split_cases.rs`;
//! * encode → cut anywhere (a `ChaosReader` with any seed and piece size) →
//!   decode is the identity, for `FrameReader` and for `read_frame` /
//!   `recv_exact`;
//! * a bad header (negative, over the limit) is always an error, and no
//!   allocation on the way is as large as what the header claimed: a
//!   counting allocator records the largest allocation each thread made.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Cursor;

use proptest::prelude::*;
use sticky_lab::framing::{
    recv_exact, ByteOrder, Check, FrameError, FrameReader, Framing, LengthPrefix,
};
use sticky_lab::kit::chaos::{ChaosPlan, ChaosReader};

struct Counting;

thread_local! {
    static BIGGEST: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only records sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn note(size: usize) {
    let _ = BIGGEST.try_with(|b| {
        if size > b.get() {
            b.set(size);
        }
    });
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The largest single allocation this thread made while running `f`.
fn biggest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    BIGGEST.with(|b| b.set(0));
    let out = f();
    (out, BIGGEST.with(Cell::get))
}

fn codec_strategy() -> impl Strategy<Value = LengthPrefix> {
    (
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(64usize), Just(4096), Just(1 << 20), Just(usize::MAX)],
    )
        .prop_map(|(big, signed, max)| {
            let mut c = LengthPrefix::lesson()
                .with_order(if big {
                    ByteOrder::Big
                } else {
                    ByteOrder::Little
                })
                .with_max_frame(max);
            c.signed = signed;
            c
        })
}

fn chaos(bytes: Vec<u8>, seed: u64, max_chunk: usize) -> ChaosReader<Cursor<Vec<u8>>> {
    ChaosReader::new(Cursor::new(bytes), ChaosPlan::new(seed, max_chunk))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn check_never_panics_and_complete_means_complete(codec in codec_strategy(), buf in proptest::collection::vec(any::<u8>(), 0..80)) {
        match codec.check(&buf) {
            Ok(Check::Complete { len }) => {
                prop_assert!(len - LengthPrefix::LEN <= codec.max_frame);
                prop_assert!(buf.len() >= len);
                let body = Framing::decode(&codec, &buf[..len]).unwrap();
                prop_assert_eq!(&body[..], &buf[LengthPrefix::LEN..len]);
            }
            Ok(Check::Incomplete { needed }) => prop_assert!(needed > 0),
            Err(_) => prop_assert!(buf.len() >= LengthPrefix::LEN),
        }
    }

    #[test]
    fn encode_then_decode_is_the_identity(codec in codec_strategy(), len in 0usize..=(u32::MAX as usize)) {
        match codec.pack(len) {
            Ok(head) => prop_assert_eq!(codec.unpack(head).unwrap(), len),
            Err(_) => prop_assert!(len > codec.max_frame || len as u64 > codec.representable_max()),
        }
    }

    #[test]
    fn encode_cut_decode_is_the_identity(
        codec in codec_strategy(),
        msgs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..30),
        seed in any::<u64>(),
        max_chunk in 1usize..64,
    ) {
        let codec = codec.with_max_frame(codec.max_frame.max(300));
        let mut wire = Vec::new();
        for m in &msgs {
            codec.write_frame(&mut wire, m).unwrap();
        }
        let mut frames = FrameReader::new(chaos(wire.clone(), seed, max_chunk), codec);
        for m in &msgs {
            prop_assert_eq!(&frames.next_frame().unwrap().unwrap(), m);
        }
        prop_assert!(frames.next_frame().unwrap().is_none());
        let mut r = chaos(wire, seed, max_chunk);
        for m in &msgs {
            prop_assert_eq!(&codec.read_frame(&mut r).unwrap(), m);
        }
        prop_assert!(matches!(codec.read_frame(&mut r), Err(FrameError::Closed)));
    }

    #[test]
    fn large_frames_survive_any_chunking(
        sizes in proptest::collection::vec(0usize..200_000, 1..5),
        seed in any::<u64>(),
        max_chunk in prop_oneof![1usize..64, 1000usize..70_000],
        cut_at in any::<prop::sample::Index>(),
    ) {
        let codec = LengthPrefix::lesson();
        let msgs: Vec<Vec<u8>> = sizes.iter().enumerate().map(|(i, &n)| (0..n).map(|k| (k * 7 + i) as u8).collect()).collect();
        let mut wire = Vec::new();
        for m in &msgs {
            codec.write_frame(&mut wire, m).unwrap();
        }
        let mut frames = FrameReader::new(chaos(wire.clone(), seed, max_chunk), codec);
        for m in &msgs {
            prop_assert_eq!(&frames.next_frame().unwrap().unwrap(), m);
        }
        prop_assert!(frames.next_frame().unwrap().is_none());
        // Cut the stream anywhere inside: a truncation error, never a wrong frame.
        let cut = cut_at.index(wire.len());
        let mut frames = FrameReader::new(chaos(wire[..cut].to_vec(), seed, max_chunk), codec);
        let mut whole = 0;
        loop {
            match frames.next_frame() {
                Ok(Some(f)) => { prop_assert_eq!(&f, &msgs[whole]); whole += 1; }
                Ok(None) => break,
                Err(e) => { prop_assert!(matches!(e, FrameError::Truncated { .. }), "{}", e); break; }
            }
        }
    }

    #[test]
    fn any_stream_any_chunking_never_panics(
        codec in codec_strategy(),
        stream in proptest::collection::vec(any::<u8>(), 0..2000),
        seed in any::<u64>(),
        max_chunk in 1usize..300,
    ) {
        let codec = codec.with_max_frame(codec.max_frame.min(1 << 20));
        let mut frames = FrameReader::new(chaos(stream.clone(), seed, max_chunk), codec);
        let mut used = 0;
        loop {
            match frames.next_frame() {
                Ok(Some(f)) => {
                    prop_assert!(f.len() <= codec.max_frame);
                    used += LengthPrefix::LEN + f.len();
                }
                Ok(None) => { prop_assert_eq!(used, stream.len()); break; }
                Err(FrameError::Io(e)) => prop_assert!(false, "I/O error from a Cursor: {}", e),
                Err(_) => break,
            }
        }
        let mut r = chaos(stream, seed, max_chunk);
        while let Ok(f) = codec.read_frame(&mut r) {
            prop_assert!(f.len() <= codec.max_frame);
        }
    }

    #[test]
    fn recv_exact_returns_exactly_n_or_says_why_not(
        stream in proptest::collection::vec(any::<u8>(), 0..500),
        n in 0usize..600,
        seed in any::<u64>(),
        max_chunk in 1usize..50,
    ) {
        let mut r = chaos(stream.clone(), seed, max_chunk);
        match recv_exact(&mut r, n, "body") {
            Ok(got) => prop_assert_eq!(&got[..], &stream[..n]),
            Err(FrameError::Closed) => prop_assert!(stream.is_empty() && n > 0),
            Err(FrameError::Truncated { expected, got, .. }) => {
                prop_assert_eq!(expected, n);
                prop_assert_eq!(got, stream.len());
                prop_assert!(got < n && got > 0);
            }
            Err(e) => prop_assert!(false, "unexpected error {}", e),
        }
    }

    #[test]
    fn bad_headers_are_errors_without_allocating_what_they_claim(
        claim in any::<u32>(),
        big in any::<bool>(),
        tail in proptest::collection::vec(any::<u8>(), 0..100),
        seed in any::<u64>(),
        max_chunk in 1usize..16,
    ) {
        let max_frame = 1 << 20;
        let codec = LengthPrefix::lesson()
            .with_order(if big { ByteOrder::Big } else { ByteOrder::Little })
            .with_max_frame(max_frame);
        let head = if big { claim.to_be_bytes() } else { claim.to_le_bytes() };
        let bad = (claim as i32) < 0 || claim as usize > max_frame;
        prop_assume!(bad);
        let mut stream = head.to_vec();
        stream.extend_from_slice(&tail);

        prop_assert!(codec.unpack(head).is_err());
        prop_assert!(codec.check(&stream).is_err());
        let (r, biggest) = biggest_allocation(|| {
            FrameReader::new(chaos(stream.clone(), seed, max_chunk), codec).next_frame()
        });
        let refused = matches!(r, Err(FrameError::NegativeLength(_)) | Err(FrameError::TooLarge { .. }));
        prop_assert!(refused, "not refused: {:?}", r);
        prop_assert!(biggest <= 512 * 1024, "FrameReader allocated {} bytes for a bad header", biggest);
        let (r, biggest) = biggest_allocation(|| codec.read_frame(&mut chaos(stream.clone(), seed, max_chunk)));
        let refused = matches!(r, Err(FrameError::NegativeLength(_)) | Err(FrameError::TooLarge { .. }));
        prop_assert!(refused, "not refused: {:?}", r);
        prop_assert!(biggest <= 512 * 1024, "read_frame allocated {} bytes for a bad header", biggest);
    }
}
