//! The fix: put the boundaries back into the stream.
//!
//! TCP will not keep the sender's message boundaries, so the sender writes
//! them into the bytes: a fixed-size header that says how long the body is
//! (seed 002's `struct.pack('i', total_size)`). The receiver then does two
//! things the naive client never did:
//!
//! 1. **read exactly** as many bytes as it was told — [`recv_exact`] loops,
//!    because one `recv(n)` may return fewer than `n` bytes;
//! 2. **check before parsing** — [`LengthPrefix::check`] looks at what has
//!    arrived so far and answers "a whole frame of N bytes is here" or
//!    "incomplete, need N more". Incomplete is the normal state of a stream,
//!    not an error. Only a header that can never be valid (negative, over the
//!    limit) is an error, and it is caught *before* anything is allocated.
//!
//! [`FrameReader`] puts the two together the way tokio's mini-redis does:
//! read into a buffer, check, parse whole frames, keep the leftover.

pub mod json_header;

use std::io::{self, Read, Write};

use serde::Serialize;
use thiserror::Error;

/// The default largest body a header may announce: 64 MiB.
pub const DEFAULT_MAX_FRAME: usize = 64 << 20;

/// Why a frame could not be read.
#[derive(Debug, Error)]
pub enum FrameError {
    /// The peer closed cleanly between frames: the normal end of a conversation.
    #[error("connection closed")]
    Closed,
    /// The peer closed in the middle of something we had been promised.
    #[error("connection closed {got} bytes into a {expected}-byte {what}")]
    Truncated {
        /// What was being read ("header", "body", …).
        what: &'static str,
        /// How many bytes were promised.
        expected: usize,
        /// How many arrived before the close.
        got: usize,
    },
    /// The header announces a negative length (a signed `'i'` header with the top bit set).
    #[error("header claims a negative length ({0}): not a valid frame")]
    NegativeLength(i64),
    /// The header announces more than this side is willing to allocate.
    #[error("header claims {len} bytes, over the {max}-byte frame limit")]
    TooLarge {
        /// The length the header claimed.
        len: u64,
        /// The configured maximum.
        max: usize,
    },
    /// A message too long for the header to describe (Python's `struct.error`).
    #[error("a {len}-byte message does not fit a {header}: the most it can describe is {limit}")]
    Unrepresentable {
        /// The message length.
        len: u64,
        /// The header's name (`'i'` 4-byte signed int, …).
        header: &'static str,
        /// The largest length it can carry.
        limit: u64,
    },
    /// The socket failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Reads exactly `n` bytes, looping over short reads: the loop the lesson's
/// single `recv(n)` was missing. `what` names the thing for error messages.
///
/// A close before the first byte is [`FrameError::Closed`]; a close after it
/// is [`FrameError::Truncated`].
pub fn recv_exact<R: Read + ?Sized>(
    reader: &mut R,
    n: usize,
    what: &'static str,
) -> Result<Vec<u8>, FrameError> {
    let mut buf = vec![0u8; n];
    let mut got = 0;
    while got < n {
        match reader.read(&mut buf[got..]) {
            Ok(0) if got == 0 => return Err(FrameError::Closed),
            Ok(0) => {
                return Err(FrameError::Truncated {
                    what,
                    expected: n,
                    got,
                })
            }
            Ok(k) => got += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(buf)
}

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
}

/// Outcome of [`LengthPrefix::check`] on the bytes received so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// A whole frame is buffered: `header + body` bytes, body `body_len` long.
    Complete {
        /// Length of the body the header announced.
        body_len: usize,
    },
    /// Not enough bytes yet; at least `needed` more must arrive.
    Incomplete {
        /// How many more bytes are needed, at least.
        needed: usize,
    },
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

    /// Makes the header for a body of `len` bytes. Fails like Python's
    /// `struct.error` when the number does not fit, and refuses bodies over
    /// the frame limit (the peer would refuse them anyway).
    pub fn encode(&self, len: usize) -> Result<[u8; 4], FrameError> {
        let len64 = len as u64;
        if len64 > self.representable_max() {
            return Err(FrameError::Unrepresentable {
                len: len64,
                header: if self.signed {
                    "4-byte signed header ('i')"
                } else {
                    "4-byte unsigned header ('I')"
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

    /// Reads the length out of a 4-byte header and validates it.
    pub fn decode(&self, header: [u8; 4]) -> Result<usize, FrameError> {
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

    /// Looks at the bytes buffered so far: is a whole frame there?
    /// Never allocates; a bad header is an error before any body is read.
    pub fn check(&self, buf: &[u8]) -> Result<Check, FrameError> {
        let Some(head) = buf.first_chunk::<4>() else {
            return Ok(Check::Incomplete {
                needed: Self::LEN - buf.len(),
            });
        };
        let body_len = self.decode(*head)?;
        let have = buf.len() - Self::LEN;
        if have >= body_len {
            Ok(Check::Complete { body_len })
        } else {
            Ok(Check::Incomplete {
                needed: body_len - have,
            })
        }
    }

    /// Writes one frame: header and body in a single write call, so Nagle
    /// never holds the body back waiting for the header's ACK (lab 02).
    pub fn write_frame<W: Write + ?Sized>(&self, w: &mut W, body: &[u8]) -> Result<(), FrameError> {
        let head = self.encode(body.len())?;
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
        let n = self.decode(h)?;
        match recv_exact(r, n, "body") {
            Err(FrameError::Closed) if n > 0 => Err(FrameError::Truncated {
                what: "body",
                expected: n,
                got: 0,
            }),
            other => other,
        }
    }
}

/// Bodies still missing at least this many bytes are read straight into
/// their own buffer by [`FrameReader`] rather than through its buffer.
const DIRECT_READ_MIN: usize = 32 * 1024;

/// A buffered frame reader: read what the kernel has, check, parse every
/// whole frame, keep the leftover for next time (mini-redis's `Connection`).
#[derive(Debug)]
pub struct FrameReader<R> {
    inner: R,
    codec: LengthPrefix,
    /// Bytes `start..end` are received and not yet parsed; the rest of
    /// `buf` is space already zeroed once, reused for the next reads.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    reads: usize,
    /// The last frame was large: read its successor's header in a small
    /// read, so most of the next body goes straight to its own buffer.
    large: bool,
}

impl<R: Read> FrameReader<R> {
    /// Reads `codec` frames from `inner`.
    pub fn new(inner: R, codec: LengthPrefix) -> Self {
        FrameReader {
            inner,
            codec,
            buf: Vec::new(),
            start: 0,
            end: 0,
            reads: 0,
            large: false,
        }
    }

    /// The next whole frame's body, or `Ok(None)` when the peer closed
    /// cleanly between frames.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        let mut body = Vec::new();
        Ok(self.next_frame_into(&mut body)?.then_some(body))
    }

    /// Like [`FrameReader::next_frame`], but the body goes into `body`,
    /// which the caller keeps from frame to frame: no allocation per frame,
    /// and a large body is read straight into it with reads as large as
    /// what is missing (as a raw pump reads). Returns `Ok(false)` when the
    /// peer closed cleanly between frames. A header that lies about a large
    /// body still costs at most 1 MiB beyond the bytes that arrived.
    pub fn next_frame_into(&mut self, body: &mut Vec<u8>) -> Result<bool, FrameError> {
        loop {
            let buffered = &self.buf[self.start..self.end];
            match self.codec.check(buffered)? {
                Check::Complete { body_len } => {
                    let from = self.start + LengthPrefix::LEN;
                    body.clear();
                    body.extend_from_slice(&self.buf[from..from + body_len]);
                    self.start = from + body_len;
                    self.large = body_len >= DIRECT_READ_MIN;
                    return Ok(true);
                }
                Check::Incomplete { needed }
                    if needed >= DIRECT_READ_MIN && buffered.len() >= LengthPrefix::LEN =>
                {
                    self.read_body_direct_into(needed, body)?;
                    return Ok(true);
                }
                Check::Incomplete { needed } => {
                    if self.fill(needed)? == 0 {
                        let left = self.end - self.start;
                        return if left == 0 {
                            Ok(false)
                        } else {
                            Err(FrameError::Truncated {
                                what: if left < LengthPrefix::LEN {
                                    "header"
                                } else {
                                    "frame"
                                },
                                expected: left + needed,
                                got: left,
                            })
                        };
                    }
                }
            }
        }
    }

    /// A large body whose header is already checked: the rest of it is read
    /// straight into `body`, asking for everything still missing, instead of
    /// through `buf` and a copy (this is what keeps a 1 MiB frame close to a
    /// raw pump). `body`'s length only changes where it must, so frames of one
    /// size are never zero-filled again, and it grows in steps of at most
    /// 1 MiB as bytes arrive: a lying header cannot make it reserve more.
    fn read_body_direct_into(
        &mut self,
        needed: usize,
        body: &mut Vec<u8>,
    ) -> Result<(), FrameError> {
        let from = self.start + LengthPrefix::LEN;
        let have = self.end - from;
        let total = have + needed;
        if body.len() > total {
            body.truncate(total);
        }
        if body.len() < have {
            body.resize(have.min(total), 0);
        }
        body[..have].copy_from_slice(&self.buf[from..self.end]);
        self.start = 0;
        self.end = 0;
        self.large = true;
        let mut pos = have;
        while pos < total {
            if pos == body.len() {
                body.resize(total.min(pos + (1 << 20)), 0);
            }
            let n = match self.inner.read(&mut body[pos..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // Keep what arrived, so the frame can still be finished later.
                    let head = self.codec.encode(total)?;
                    self.buf.clear();
                    self.buf.extend_from_slice(&head);
                    self.buf.extend_from_slice(&body[..pos]);
                    self.end = self.buf.len();
                    return Err(e.into());
                }
                Ok(n) => n,
            };
            self.reads += 1;
            if n == 0 {
                return Err(FrameError::Truncated {
                    what: "frame",
                    expected: LengthPrefix::LEN + total,
                    got: LengthPrefix::LEN + pos,
                });
            }
            pos += n;
        }
        Ok(())
    }

    /// How many read calls were made on the inner reader.
    pub fn reads(&self) -> usize {
        self.reads
    }

    /// The wrapped reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The wrapped reader, mutably (to write replies on the same socket).
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// One read of whatever is available (64 to 256 KiB asked for); the
    /// buffer never grows by what an unchecked header claims.
    fn fill(&mut self, needed: usize) -> io::Result<usize> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        // Small frames: a good-sized read, many frames per system call.
        let least = if self.large { 4096 } else { 64 * 1024 };
        let want = needed.clamp(least, 256 * 1024);
        if self.end + want > self.buf.len() && self.start > 0 {
            // Move the unparsed tail to the front only when out of room.
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        // New space is zeroed once; later reads reuse it.
        if self.buf.len() < self.end + want {
            self.buf.resize(self.end + want, 0);
        }
        let n = loop {
            match self.inner.read(&mut self.buf[self.end..self.end + want]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        }?;
        self.end += n;
        self.reads += 1;
        Ok(n)
    }
}

impl LengthPrefix {
    /// The same header read in the other byte order: what a peer with the
    /// opposite convention would have meant, when that is a valid length.
    pub fn swapped_reading(&self, header: [u8; 4]) -> Option<usize> {
        let other = match self.order {
            ByteOrder::Little => ByteOrder::Big,
            ByteOrder::Big => ByteOrder::Little,
        };
        self.with_order(other).decode(header).ok()
    }
}

impl<R> FrameReader<R> {
    /// The header format this reader checks.
    pub fn codec(&self) -> LengthPrefix {
        self.codec
    }
}

impl LengthPrefix {
    /// A hint for a refused header: "read in the other byte order it would
    /// be N bytes", when that reading is a valid length.
    pub fn byte_order_hint(&self, e: &FrameError) -> Option<String> {
        let raw = match *e {
            FrameError::TooLarge { len, .. } => u32::try_from(len).ok()?,
            FrameError::NegativeLength(v) => v as i32 as u32,
            _ => return None,
        };
        let header = match self.order {
            ByteOrder::Little => raw.to_le_bytes(),
            ByteOrder::Big => raw.to_be_bytes(),
        };
        let n = self.swapped_reading(header)?;
        let other = match self.order {
            ByteOrder::Little => "big-endian",
            ByteOrder::Big => "little-endian",
        };
        Some(format!(
            "read {other} the same 4 bytes say {n}: do both sides use the same byte order?"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::chaos::{ChaosPlan, ChaosReader};
    use std::io::Cursor;

    #[test]
    fn check_says_incomplete_until_the_whole_frame_is_there() {
        let c = LengthPrefix::network();
        let mut frame = Vec::new();
        c.write_frame(&mut frame, b"hello").unwrap();
        for cut in 0..frame.len() {
            assert!(matches!(
                c.check(&frame[..cut]).unwrap(),
                Check::Incomplete { .. }
            ));
        }
        assert_eq!(c.check(&frame).unwrap(), Check::Complete { body_len: 5 });
    }

    #[test]
    fn bad_headers_are_refused_before_allocation() {
        let c = LengthPrefix::lesson().with_order(ByteOrder::Little);
        assert!(matches!(
            c.decode([0xff; 4]),
            Err(FrameError::NegativeLength(-1))
        ));
        let big = LengthPrefix::network().with_max_frame(1000);
        assert!(matches!(
            big.decode([0xff; 4]),
            Err(FrameError::TooLarge { .. })
        ));
        assert!(matches!(
            LengthPrefix::lesson()
                .with_max_frame(usize::MAX)
                .encode(1 << 31),
            Err(FrameError::Unrepresentable { .. })
        ));
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
            let r = ChaosReader::new(Cursor::new(wire.clone()), ChaosPlan::new(seed, 9));
            let mut r = r;
            for m in &msgs {
                assert_eq!(&c.read_frame(&mut r).unwrap(), m);
            }
            assert!(matches!(c.read_frame(&mut r), Err(FrameError::Closed)));
        }
    }

    #[test]
    fn a_close_mid_frame_is_truncated_not_closed() {
        let c = LengthPrefix::network();
        let mut wire = Vec::new();
        c.write_frame(&mut wire, b"hello").unwrap();
        wire.truncate(6);
        let mut fr = FrameReader::new(Cursor::new(wire.clone()), c);
        assert!(matches!(fr.next_frame(), Err(FrameError::Truncated { .. })));
        assert!(matches!(
            c.read_frame(&mut Cursor::new(wire)),
            Err(FrameError::Truncated { what: "body", .. })
        ));
    }

    #[test]
    fn next_frame_into_reuses_one_buffer_and_survives_any_cut() {
        let c = LengthPrefix::lesson();
        // Small and large bodies, large ones of equal and of shrinking and growing sizes.
        let sizes = [0usize, 5, 100_000, 100_000, 40_000, 3, 70_000, 200_000, 1];
        let msgs: Vec<Vec<u8>> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| (0..n).map(|k| (k * 31 + i) as u8).collect())
            .collect();
        let mut wire = Vec::new();
        for m in &msgs {
            c.write_frame(&mut wire, m).unwrap();
        }
        for (seed, max) in [(0, 9), (1, 5000), (2, 1 << 20)] {
            let r = ChaosReader::new(Cursor::new(wire.clone()), ChaosPlan::new(seed, max));
            let mut fr = FrameReader::new(r, c);
            let mut body = vec![0xee; 7];
            for m in &msgs {
                assert!(fr.next_frame_into(&mut body).unwrap());
                assert_eq!(&body, m);
            }
            assert!(!fr.next_frame_into(&mut body).unwrap());
        }
        // Cut short inside a large body: truncated, not a clean close.
        let mut fr = FrameReader::new(Cursor::new(wire[..wire.len() / 2].to_vec()), c);
        let mut body = Vec::new();
        let err = loop {
            match fr.next_frame_into(&mut body) {
                Ok(true) => continue,
                Ok(false) => panic!("a clean close mid-frame"),
                Err(e) => break e,
            }
        };
        assert!(matches!(err, FrameError::Truncated { .. }), "{err}");
    }

    #[test]
    fn next_frame_into_does_not_believe_a_lying_header() {
        // 60 MiB promised, 100 KiB sent: the buffer grows with what arrives.
        let c = LengthPrefix::lesson();
        let mut wire = c.encode(60 << 20).unwrap().to_vec();
        wire.extend_from_slice(&[7u8; 100_000]);
        let mut fr = FrameReader::new(Cursor::new(wire), c);
        let mut body = Vec::new();
        assert!(matches!(
            fr.next_frame_into(&mut body),
            Err(FrameError::Truncated { .. })
        ));
        assert!(
            body.capacity() <= 2 << 20,
            "{} bytes reserved",
            body.capacity()
        );
    }
}
