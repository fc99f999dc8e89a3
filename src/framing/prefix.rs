//! The 4-byte length header of seeds 001 and 002: `struct.pack('i', n)`.
//!
//! ```text
//!  ┌───────────────────────┬──────────────────────────────┐
//!  │ length: 4 bytes       │ body: exactly `length` bytes │
//!  └───────────────────────┴──────────────────────────────┘
//!   05 00 00 00             68 65 6c 6c 6f                 "hello", 'i' on x86 (little-endian)
//!   00 00 00 05             68 65 6c 6c 6f                 "hello", '!I' (big-endian, network order)
//! ```
//!
//! The same 4 bytes mean different numbers in the two byte orders: `05 00
//! 00 00` is 5 read little-endian and 83 886 080 read big-endian. A receiver
//! whose order differs from the sender's sees absurd lengths, so a refused
//! header comes with a hint ([`LengthPrefix::byte_order_hint`]): "read in the
//! other order these bytes say 5 — do both sides use the same byte order?"

use std::io::{Read, Write};

use serde::Serialize;

use crate::lang::Lang;

use super::{recv_exact, Check, FrameError, Framing, DEFAULT_MAX_FRAME};

/// Byte order of a binary length header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ByteOrder {
    /// Least significant byte first: Python's `struct.pack('i')` on x86 and ARM.
    Little,
    /// Most significant byte first, "network order": `struct.pack('!I')`.
    Big,
}

impl ByteOrder {
    /// The order of this machine, which is what `struct.pack('i')` uses.
    pub fn native() -> ByteOrder {
        if cfg!(target_endian = "big") {
            ByteOrder::Big
        } else {
            ByteOrder::Little
        }
    }

    /// The other order.
    fn other(self) -> ByteOrder {
        match self {
            ByteOrder::Little => ByteOrder::Big,
            ByteOrder::Big => ByteOrder::Little,
        }
    }
}

/// The 4-byte length header of seeds 001 and 002: `struct.pack('i', n)`.
///
/// Python's `'i'` is a *signed* 32-bit int in native order, so the largest
/// length it can announce is 2^31 − 1; `'I'` (unsigned) and `'!I'` (network
/// order) are the other common choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LengthPrefix {
    /// Little-endian (`'i'` on x86) or big-endian (`'!I'`).
    pub order: ByteOrder,
    /// `'i'` (true) or `'I'` (false).
    pub signed: bool,
    /// Largest body this side will accept or send.
    pub max_frame: usize,
}

impl Default for LengthPrefix {
    fn default() -> Self {
        LengthPrefix::lesson()
    }
}

/// A frame is the 4-byte length, then the body; what it carries is the body.
impl Framing for LengthPrefix {
    type Frame = Vec<u8>;
    type Error = FrameError;
    const HEADER_LEN: usize = LengthPrefix::LEN;

    /// Incomplete until 4 bytes are in; then the length is checked (negative
    /// or over the limit: refused here, before any body is read), and the
    /// frame is complete once `4 + length` bytes are buffered.
    fn check(&self, buf: &[u8]) -> Result<Check, FrameError> {
        let Some(head) = buf.first_chunk::<4>() else {
            return Ok(Check::Incomplete {
                needed: Self::LEN - buf.len(),
            });
        };
        let len = Self::LEN + self.unpack(*head)?;
        Ok(if buf.len() >= len {
            Check::Complete { len }
        } else {
            Check::Incomplete {
                needed: len - buf.len(),
            }
        })
    }

    fn decode(&self, frame: &[u8]) -> Result<Vec<u8>, FrameError> {
        Ok(frame[Self::LEN..].to_vec())
    }

    fn encode(&self, body: &Vec<u8>, out: &mut Vec<u8>) -> Result<(), FrameError> {
        out.extend_from_slice(&self.pack(body.len())?);
        out.extend_from_slice(body);
        Ok(())
    }
}

impl LengthPrefix {
    /// The header is 4 bytes.
    pub const LEN: usize = 4;

    /// The lessons' header: `struct.pack('i', n)`, native order, signed.
    pub fn lesson() -> LengthPrefix {
        LengthPrefix {
            order: ByteOrder::native(),
            signed: true,
            max_frame: DEFAULT_MAX_FRAME,
        }
    }

    /// Network order, unsigned: `struct.pack('!I', n)`.
    pub fn network() -> LengthPrefix {
        LengthPrefix {
            order: ByteOrder::Big,
            signed: false,
            max_frame: DEFAULT_MAX_FRAME,
        }
    }

    /// The same header with another byte order.
    pub fn with_order(self, order: ByteOrder) -> LengthPrefix {
        LengthPrefix { order, ..self }
    }

    /// The same header with another size limit.
    pub fn with_max_frame(self, max_frame: usize) -> LengthPrefix {
        LengthPrefix { max_frame, ..self }
    }

    /// Python's name for this header format.
    pub fn struct_format(&self) -> &'static str {
        match (self.order, self.signed) {
            (ByteOrder::Big, true) => "!i",
            (ByteOrder::Big, false) => "!I",
            (ByteOrder::Little, true) => "<i",
            (ByteOrder::Little, false) => "<I",
        }
    }

    /// The largest length the 4 bytes can carry at all.
    pub fn representable_max(&self) -> u64 {
        if self.signed {
            i32::MAX as u64
        } else {
            u32::MAX as u64
        }
    }

    /// `struct.pack('i', len)`: the header (only the 4 bytes) for a body of
    /// `len` bytes. Fails like Python's `struct.error` when the number does
    /// not fit, and refuses bodies over the frame limit (the peer would
    /// refuse them anyway). (The trait's [`Framing::encode`] makes a whole
    /// frame, header and body.)
    pub fn pack(&self, len: usize) -> Result<[u8; 4], FrameError> {
        let len64 = len as u64;
        if len64 > self.representable_max() {
            return Err(FrameError::Unrepresentable {
                len: len64,
                header: if self.signed {
                    "framing-header-signed"
                } else {
                    "framing-header-unsigned"
                },
                limit: self.representable_max(),
            });
        }
        if len > self.max_frame {
            return Err(FrameError::TooLarge {
                len: len64,
                max: self.max_frame,
            });
        }
        let v = len as u32;
        Ok(match self.order {
            ByteOrder::Little => v.to_le_bytes(),
            ByteOrder::Big => v.to_be_bytes(),
        })
    }

    /// `struct.unpack('i', header)[0]`: the length in a 4-byte header (only
    /// the header), validated. (The trait's [`Framing::decode`] takes a whole frame.)
    pub fn unpack(&self, header: [u8; 4]) -> Result<usize, FrameError> {
        let raw = match self.order {
            ByteOrder::Little => u32::from_le_bytes(header),
            ByteOrder::Big => u32::from_be_bytes(header),
        };
        if self.signed && (raw as i32) < 0 {
            return Err(FrameError::NegativeLength(i64::from(raw as i32)));
        }
        if raw as u64 > self.max_frame as u64 {
            return Err(FrameError::TooLarge {
                len: u64::from(raw),
                max: self.max_frame,
            });
        }
        Ok(raw as usize)
    }

    /// Writes one frame: header and body in a single write call, so Nagle
    /// never holds the body back waiting for the header's ACK (lab 02).
    pub fn write_frame<W: Write + ?Sized>(&self, w: &mut W, body: &[u8]) -> Result<(), FrameError> {
        let head = self.pack(body.len())?;
        let mut frame = Vec::with_capacity(Self::LEN + body.len());
        frame.extend_from_slice(&head);
        frame.extend_from_slice(body);
        w.write_all(&frame)?;
        Ok(())
    }

    /// Reads one frame the blocking way: exactly 4 bytes, validate, exactly
    /// `n` bytes. The lesson's receiver, with both loops it needed.
    pub fn read_frame<R: Read + ?Sized>(&self, r: &mut R) -> Result<Vec<u8>, FrameError> {
        let head = recv_exact(r, Self::LEN, "header")?;
        let mut h = [0u8; 4];
        h.copy_from_slice(&head);
        let n = self.unpack(h)?;
        match recv_exact(r, n, "body") {
            Err(FrameError::Closed) if n > 0 => Err(FrameError::Truncated {
                what: "body",
                expected: n,
                got: 0,
            }),
            other => other,
        }
    }

    /// The same header read in the other byte order: what a peer with the
    /// opposite convention would have meant, when that is a valid length.
    pub fn swapped_reading(&self, header: [u8; 4]) -> Option<usize> {
        self.with_order(self.order.other()).unpack(header).ok()
    }

    /// A hint for a refused header: "read in the other byte order it would
    /// be N bytes", when that reading is a valid length. Its `Display` is
    /// English (a server's log and reply); [`ByteOrderHint::localized`] is
    /// what a person reads.
    pub fn byte_order_hint(&self, e: &FrameError) -> Option<ByteOrderHint> {
        let raw = match *e {
            FrameError::TooLarge { len, .. } => u32::try_from(len).ok()?,
            FrameError::NegativeLength(v) => v as i32 as u32,
            _ => return None,
        };
        let header = match self.order {
            ByteOrder::Little => raw.to_le_bytes(),
            ByteOrder::Big => raw.to_be_bytes(),
        };
        let says = self.swapped_reading(header)?;
        Some(ByteOrderHint {
            other: self.order.other(),
            says,
        })
    }
}

/// What a refused header would have said read in the other byte order:
/// "read big-endian the same 4 bytes say 5: do both sides use the same byte
/// order?"
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteOrderHint {
    /// The order the header was not read in.
    pub other: ByteOrder,
    /// The valid length the same 4 bytes give in that order.
    pub says: usize,
}

impl ByteOrderHint {
    /// The hint in `lang`; English is its `Display`.
    pub fn message(&self, lang: Lang) -> String {
        let other = match self.other {
            ByteOrder::Big => "framing-order-big",
            ByteOrder::Little => "framing-order-little",
        };
        crate::lang::tr_in(
            lang,
            "framing-order-hint",
            &[
                ("other", crate::lang::tr_in(lang, other, &[])),
                ("n", self.says.to_string()),
            ],
        )
    }

    /// The hint in the language in force.
    pub fn localized(&self) -> String {
        self.message(crate::lang::current())
    }
}

impl std::fmt::Display for ByteOrderHint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framing::FrameReader;
    use crate::kit::chaos::{ChaosPlan, ChaosReader};
    use std::io::Cursor;

    #[test]
    fn check_says_incomplete_until_the_whole_frame_is_there() {
        let c = LengthPrefix::network();
        let mut frame = Vec::new();
        c.write_frame(&mut frame, b"hello").unwrap();
        for cut in 0..frame.len() {
            assert_eq!(
                c.check(&frame[..cut]).unwrap(),
                Check::Incomplete {
                    needed: if cut < 4 { 4 - cut } else { 9 - cut }
                }
            );
        }
        assert_eq!(c.check(&frame).unwrap(), Check::Complete { len: 9 });
        assert_eq!(Framing::decode(&c, &frame).unwrap(), b"hello");
    }

    #[test]
    fn bad_headers_are_refused_before_allocation() {
        let c = LengthPrefix::lesson().with_order(ByteOrder::Little);
        assert!(matches!(
            c.unpack([0xff; 4]),
            Err(FrameError::NegativeLength(-1))
        ));
        let big = LengthPrefix::network().with_max_frame(1000);
        assert!(matches!(
            big.unpack([0xff; 4]),
            Err(FrameError::TooLarge { .. })
        ));
        assert!(matches!(
            LengthPrefix::lesson()
                .with_max_frame(usize::MAX)
                .pack(1 << 31),
            Err(FrameError::Unrepresentable { .. })
        ));
    }

    #[test]
    fn a_header_in_the_wrong_byte_order_gets_a_hint() {
        let c = LengthPrefix::network().with_max_frame(1000);
        let e = c.unpack([5, 0, 0, 0]).unwrap_err();
        let hint = c.byte_order_hint(&e).unwrap();
        assert_eq!(
            hint.to_string(),
            "read little-endian the same 4 bytes say 5: do both sides use the same byte order?"
        );
        assert_eq!(hint.message(Lang::En), hint.to_string());
        let zh = hint.message(Lang::Zh);
        assert!(zh.contains("小端") && zh.contains(" 5"), "{zh}");
        let le = LengthPrefix::lesson().with_order(ByteOrder::Little);
        let big = le.unpack([0, 0, 0, 0x41]).unwrap_err();
        assert_eq!(
            le.byte_order_hint(&big).unwrap().to_string(),
            "read big-endian the same 4 bytes say 65: do both sides use the same byte order?"
        );
    }

    #[test]
    fn frames_survive_any_chaos_cut() {
        let c = LengthPrefix::lesson();
        let msgs: Vec<Vec<u8>> = (0..200).map(|i| vec![i as u8; i * 7 % 300]).collect();
        let mut wire = Vec::new();
        for m in &msgs {
            c.write_frame(&mut wire, m).unwrap();
        }
        for seed in 0..5 {
            let r = ChaosReader::new(Cursor::new(wire.clone()), ChaosPlan::new(seed, 9));
            let mut fr = FrameReader::new(r, c);
            let mut got = Vec::new();
            while let Some(m) = fr.next_frame().unwrap() {
                got.push(m);
            }
            assert_eq!(got, msgs);
            let mut r = ChaosReader::new(Cursor::new(wire.clone()), ChaosPlan::new(seed, 9));
            for m in &msgs {
                assert_eq!(&c.read_frame(&mut r).unwrap(), m);
            }
            assert!(matches!(c.read_frame(&mut r), Err(FrameError::Closed)));
        }
    }

    #[test]
    fn a_close_mid_body_is_truncated_not_closed() {
        let c = LengthPrefix::network();
        let mut wire = Vec::new();
        c.write_frame(&mut wire, b"hello").unwrap();
        wire.truncate(6);
        assert!(matches!(
            c.read_frame(&mut Cursor::new(wire)),
            Err(FrameError::Truncated { what: "body", .. })
        ));
    }
}
