//! [`FrameReader`]: read what the kernel has, check, decode every whole
//! frame, keep the leftover for the next read (tokio's mini-redis
//! `Connection`, in blocking code).

use std::io::{self, Read};
use std::sync::Arc;

use super::{Check, FrameError, Framing, LengthPrefix};
use crate::kit::budget::{MemoryBudget, Reservation};

/// The least a read asks for: many small frames per system call.
pub(super) const READ_MIN: usize = 64 * 1024;
/// The most a read asks for, however much a header promised: the buffer
/// grows by what *arrives*, never by what an unchecked header claims.
pub(super) const READ_MAX: usize = 256 * 1024;
/// An empty buffer larger than this is freed rather than kept.
const KEEP_MAX: usize = 4 << 20;

/// A buffered reader of `F` frames (by default lab 04's 4-byte
/// [`LengthPrefix`]) from any byte stream.
///
/// ```text
///  buf: [ already decoded | received, not yet decoded | free space ]
///        0           start                         end         buf.len()
/// ```
#[derive(Debug)]
pub struct FrameReader<R, F = LengthPrefix> {
    pub(super) inner: R,
    pub(super) framing: F,
    /// Bytes `start..end` are received and not yet decoded; the rest of
    /// `buf` is space already zeroed once, reused for the next reads.
    pub(super) buf: Vec<u8>,
    pub(super) start: usize,
    pub(super) end: usize,
    /// Do not check again before this many bytes are buffered: the last
    /// check said how many were missing, so checking sooner is wasted work
    /// (a JSON header would be parsed again on every read of a long body).
    pub(super) wait_for: usize,
    pub(super) reads: usize,
    /// Set by the fast path only (`fast_body.rs`): the last body was large.
    pub(super) after_large_body: bool,
    /// The server's memory budget, and what this reader holds of it
    /// ([`FrameReader::with_budget`]).
    budget: Option<Budgeted>,
}

/// A reader's share of a memory budget.
#[derive(Debug)]
struct Budgeted {
    budget: Arc<MemoryBudget>,
    /// The room of the frame being read, or of the one last returned.
    held: Option<Reservation>,
    /// `held` belongs to a frame already returned: the next call may give
    /// it back. (A call that returns an error, a read timeout say, leaves
    /// the frame half-read and its room held.)
    returned: bool,
}

/// A frame this long or shorter is read without a reservation: the reader
/// holds that much anyway (its smallest and largest read), and it is
/// counted in a server's fixed overhead per connection.
pub const UNRESERVED_FRAME: usize = READ_MIN + READ_MAX;

impl<R: Read, F: Framing> FrameReader<R, F> {
    /// Reads `framing` frames from `inner`.
    pub fn new(inner: R, framing: F) -> Self {
        FrameReader {
            inner,
            framing,
            buf: Vec::new(),
            start: 0,
            end: 0,
            wait_for: 0,
            reads: 0,
            after_large_body: false,
            budget: None,
        }
    }

    /// Reserves every frame longer than [`UNRESERVED_FRAME`] from `budget`
    /// once its header is in and before its body is read: twice its length,
    /// since the frame's bytes sit in this reader's buffer while the body is
    /// copied out for the caller. A frame that gets no room is refused with
    /// [`FrameError::OverBudget`], naming its size and the budget. The
    /// reservation is given back when the next frame is asked for (the
    /// caller is done with this one), and the buffer shrunk back first.
    pub fn with_budget(mut self, budget: Arc<MemoryBudget>) -> Self {
        self.budget = Some(Budgeted {
            budget,
            held: None,
            returned: false,
        });
        self
    }

    /// Before a new frame, once the last one was returned: a large frame's
    /// buffer is given back to the allocator, then its room to the budget.
    fn give_back(&mut self) {
        let Some(b) = self.budget.as_mut().filter(|b| b.returned) else {
            return;
        };
        b.returned = false;
        if b.held.take().is_some() && self.buf.len() > UNRESERVED_FRAME {
            // Keep only what is not decoded yet (the start of the next frame).
            self.buf = self.buf[self.start..self.end].to_vec();
            self.end -= self.start;
            self.start = 0;
        }
    }

    /// The frame now in the buffer will be `whole` bytes long: reserve it.
    fn reserve(&mut self, whole: usize) -> Result<(), FrameError> {
        if let Some(b) = self.budget.as_mut().filter(|b| b.held.is_none()) {
            if whole > UNRESERVED_FRAME {
                let what = || format!("a frame of {}", crate::kit::budget::size(whole as u64));
                b.held = Some(b.budget.reserve(2 * whole as u64, what)?);
            }
        }
        Ok(())
    }

    /// The next whole frame, or `Ok(None)` when the peer closed cleanly
    /// between frames. A close inside a frame is [`FrameError::Truncated`].
    pub fn next_frame(&mut self) -> Result<Option<F::Frame>, F::Error> {
        self.give_back();
        loop {
            let buffered = &self.buf[self.start..self.end];
            let needed = if buffered.len() < self.wait_for {
                self.wait_for - buffered.len()
            } else {
                match self.framing.check(buffered)? {
                    Check::Complete { len } => {
                        let frame = self.framing.decode(&buffered[..len]);
                        self.start += len;
                        self.wait_for = 0;
                        if let Some(b) = &mut self.budget {
                            b.returned = true;
                        }
                        return frame.map(Some);
                    }
                    Check::Incomplete { needed } => {
                        let whole = buffered.len() + needed;
                        if buffered.len() >= F::HEADER_LEN {
                            self.reserve(whole)?;
                        }
                        self.wait_for = whole;
                        needed
                    }
                }
            };
            if self.fill(READ_MIN, needed).map_err(FrameError::from)? == 0 {
                return match self.cut_short(needed) {
                    None => Ok(None),
                    Some(e) => Err(e.into()),
                };
            }
        }
    }

    /// The stream ended `needed` bytes short: `None` if that was cleanly
    /// between frames, else how far into a header or a frame it was cut.
    pub(super) fn cut_short(&self, needed: usize) -> Option<FrameError> {
        let got = self.end - self.start;
        (got > 0).then_some(FrameError::Truncated {
            what: if got < F::HEADER_LEN {
                "header"
            } else {
                "frame"
            },
            expected: got + needed,
            got,
        })
    }
}

impl<R: Read, F> FrameReader<R, F> {
    /// One read of whatever is available, asking for `needed` bytes but at
    /// least `least` and at most [`READ_MAX`]. Returns 0 at the end of the stream.
    pub(super) fn fill(&mut self, least: usize, needed: usize) -> io::Result<usize> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            if self.buf.len() > KEEP_MAX {
                // A very large frame has been decoded: give its room back
                // rather than hold it for the rest of the connection.
                self.buf = Vec::new();
            }
        }
        let want = needed.clamp(least, READ_MAX);
        if self.end + want > self.buf.len() && self.start > 0 {
            // Move the undecoded tail to the front only when out of room.
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

impl<R, F> FrameReader<R, F> {
    /// The bytes received and not yet decoded: the start of the next frame
    /// (what a stuck reader can show, or look at for a mistake).
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
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

    /// The framing this reader checks.
    pub fn codec(&self) -> &F {
        &self.framing
    }
}
