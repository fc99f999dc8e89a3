//! The fast path for large bodies, kept apart from [`FrameReader`]'s plain
//! loop because only `sticky bench` needs it: skip this file to learn framing.
//!
//! The plain loop reads everything through the reader's buffer and then
//! copies each body out. For a 1 MiB body that copy, and reads capped at
//! 256 KiB, cost a fifth of the throughput of a raw pump. So for the 4-byte
//! prefix only, [`FrameReader::next_frame_into`]:
//!
//! * reads a large body (≥ 32 KiB still missing) **straight into the
//!   caller's buffer**, asking the kernel for everything still missing in
//!   one read, as a raw pump does;
//! * **reuses** that buffer from frame to frame, changing its length only
//!   where it must, so frames of one size are never zero-filled again;
//! * after a large body reads the next header with a **small read**, so
//!   most of the next body goes straight to its buffer too;
//! * still does not believe a header: the buffer grows in steps of at most
//!   1 MiB as bytes arrive, so a lying header cannot make it reserve more.

use std::io::{self, Read};

use super::reader::READ_MIN;
use super::{Check, FrameError, FrameReader, Framing, LengthPrefix};

/// Bodies still missing at least this many bytes are read straight into
/// the caller's buffer rather than through the reader's.
const DIRECT_READ_MIN: usize = 32 * 1024;

/// After a large body, the next header is read with a read this small.
const SMALL_READ: usize = 4096;

/// The most the caller's buffer grows ahead of the bytes that arrived.
const GROW_STEP: usize = 1 << 20;

impl<R: Read> FrameReader<R, LengthPrefix> {
    /// Like [`FrameReader::next_frame`], but the body goes into `body`,
    /// which the caller keeps from frame to frame (no allocation per frame),
    /// and a large body is read straight into it. Returns `Ok(false)` when
    /// the peer closed cleanly between frames.
    pub fn next_frame_into(&mut self, body: &mut Vec<u8>) -> Result<bool, FrameError> {
        loop {
            let buffered = &self.buf[self.start..self.end];
            match self.framing.check(buffered)? {
                Check::Complete { len } => {
                    body.clear();
                    body.extend_from_slice(&buffered[LengthPrefix::LEN..len]);
                    self.start += len;
                    self.wait_for = 0;
                    self.after_large_body = len - LengthPrefix::LEN >= DIRECT_READ_MIN;
                    return Ok(true);
                }
                Check::Incomplete { needed }
                    if needed >= DIRECT_READ_MIN && buffered.len() >= LengthPrefix::LEN =>
                {
                    self.read_body_direct_into(needed, body)?;
                    return Ok(true);
                }
                Check::Incomplete { needed } => {
                    let least = if self.after_large_body {
                        SMALL_READ
                    } else {
                        READ_MIN
                    };
                    if self.fill(least, needed)? == 0 {
                        return match self.cut_short(needed) {
                            None => Ok(false),
                            Some(e) => Err(e),
                        };
                    }
                }
            }
        }
    }

    /// A large body whose header is already checked: what is buffered is
    /// copied to `body`, the rest read straight into it, asking for
    /// everything still missing.
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
            body.resize(have, 0);
        }
        body[..have].copy_from_slice(&self.buf[from..self.end]);
        self.start = 0;
        self.end = 0;
        self.wait_for = 0;
        self.after_large_body = true;
        let mut pos = have;
        while pos < total {
            if pos == body.len() {
                body.resize(total.min(pos + GROW_STEP), 0);
            }
            let n = match self.inner.read(&mut body[pos..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // Keep what arrived, so the frame can still be finished later.
                    let head = self.framing.pack(total)?;
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::chaos::{ChaosPlan, ChaosReader};
    use std::io::Cursor;

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
        let mut wire = c.pack(60 << 20).unwrap().to_vec();
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

    #[test]
    fn the_fast_path_and_the_plain_loop_read_the_same_frames() {
        let c = LengthPrefix::lesson();
        let mut wire = Vec::new();
        for n in [3usize, 50_000, 0, 300_000, 10] {
            c.write_frame(&mut wire, &vec![n as u8; n]).unwrap();
        }
        let plan = || ChaosPlan::new(4, 70_000);
        let mut plain = FrameReader::new(ChaosReader::new(Cursor::new(wire.clone()), plan()), c);
        let mut fast = FrameReader::new(ChaosReader::new(Cursor::new(wire), plan()), c);
        let mut body = Vec::new();
        while let Some(frame) = plain.next_frame().unwrap() {
            assert!(fast.next_frame_into(&mut body).unwrap());
            assert_eq!(body, frame);
        }
        assert!(!fast.next_frame_into(&mut body).unwrap());
    }
}
