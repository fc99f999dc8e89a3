//! The fix: put the boundaries back into the stream.
//!
//! TCP keeps the bytes and their order, never the sender's `send()` calls:
//! two messages may arrive glued in one `recv()`, one message may arrive in
//! three. So the sender writes the boundary *into* the bytes, as a header in
//! front of each message that says how long the body is:
//!
//! ```text
//!  what the sender wrote:   send(frame 1)            send(frame 2)
//!                          ┌────────┬─────────────┐ ┌────────┬───────┐
//!  on the wire:            │ 5      │ h e l l o   │ │ 2      │ o k   │
//!                          └────────┴─────────────┘ └────────┴───────┘
//!                           4 bytes   5 bytes         4 bytes  2 bytes
//!  what recv() returned:   ├──── recv #1 ───┤├──── recv #2 ──────────┤
//!                                           ↑ the cut falls anywhere
//! ```
//!
//! The receiver no longer trusts where a `recv()` ends. It keeps what has
//! arrived in a buffer and asks one question of it, [`Framing::check`]:
//! "is a whole frame here?" The answer is either *complete, N bytes* or
//! *incomplete, need N more* — and incomplete is the normal state of a
//! stream, not an error (so recv #1 above is simply kept, and recv #2 then
//! completes frame 1 *and* all of frame 2). Only a header that can never be
//! valid (a negative length, one over the limit) is an error, and it is
//! caught before anything is allocated for the body it claims.
//!
//! Why this works where `recv(1024)` did not: the header has a fixed size,
//! so the receiver always knows how many bytes to wait for before it can
//! read the length, and the length tells it exactly where the body ends —
//! whatever the network did to the cuts. Bytes past that end belong to the
//! next frame and stay in the buffer.
//!
//! The parts, each small enough to read on its own:
//!
//! * [`Framing`] — the trait: `check` (whole frame or how many more bytes),
//!   `decode` (a whole frame into what it carries), `encode`. As tokio's
//!   mini-redis `Frame::check` and tokio-util's `Decoder` do it.
//! * [`LengthPrefix`] (`prefix.rs`) — the 4-byte `struct.pack('i', n)`
//!   header of labs 02, 04 and 07; [`json_header::JsonHeader`] — lab 05's
//!   4-byte length + JSON header + body.
//! * [`FrameReader`] (`reader.rs`) — read, check, decode, keep the leftover:
//!   works for any `Framing`. Its fast path for large bodies, which `sticky
//!   bench` needs, is kept apart in `fast_body.rs`.
//! * [`recv_exact`] — the blocking way: loop until exactly `n` bytes came,
//!   the loop the lesson's single `recv(n)` was missing.
//!
//! Lab 03's length-as-text (`lessons::lab03_length_ack`) is not a `Framing`,
//! and the reason is the lesson itself: its boundary is marked in *time*,
//! not in bytes. The lesson's bare digits `"1443"` end where the sender
//! stops and waits for `ok`, so no look at the bytes can tell `"1443"` from
//! the start of `"14431"`; and even our `"1443\n"`, which does end in the
//! bytes, is followed by the body only after the receiver has *written* `ok`
//! — a step `check` and `decode`, which only look at received bytes, cannot
//! take. Its `LengthText::check` has the same "incomplete is normal" shape
//! for the digits alone.

mod fast_body;
pub mod json_header;
mod prefix;
mod reader;

pub use prefix::{ByteOrder, LengthPrefix};
pub use reader::FrameReader;

use std::io::{self, Read};

use thiserror::Error;

/// The default largest body a header may announce: 64 MiB.
pub const DEFAULT_MAX_FRAME: usize = 64 << 20;

/// What [`Framing::check`] says about the bytes buffered so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// A whole frame is buffered: its first `len` bytes (header included).
    Complete {
        /// The frame's length on the wire, header and body.
        len: usize,
    },
    /// Not yet — the normal state of a stream: at least `needed` more bytes must arrive.
    Incomplete {
        /// How many more bytes are needed, at least (always more than 0).
        needed: usize,
    },
}

/// A way of marking message boundaries inside a byte stream.
///
/// `check` looks without allocating or consuming; `decode` is only ever
/// given exactly the `len` bytes a `Complete` check measured. So a reader
/// (see [`FrameReader`]) is the same loop for every framing: read, check,
/// decode when complete, read more when incomplete.
pub trait Framing {
    /// What one frame carries once decoded (the body; lab 05: header and body).
    type Frame;
    /// Why a frame was refused. A cut stream is a [`FrameError`] (`Closed`
    /// between frames, `Truncated` inside one), which the error must carry.
    type Error: From<FrameError>;

    /// The fixed-size start of every frame (the 4-byte length): a stream
    /// that ends inside it is cut "into a header", after it "into a frame".
    const HEADER_LEN: usize;

    /// Is a whole frame at the start of `buf`? Never allocates for the
    /// body; a header that can never be valid is an error as soon as it is in.
    fn check(&self, buf: &[u8]) -> Result<Check, Self::Error>;

    /// The contents of one whole frame: exactly the `len` bytes a
    /// [`Check::Complete`] measured.
    fn decode(&self, frame: &[u8]) -> Result<Self::Frame, Self::Error>;

    /// Appends the bytes of the frame that carries `frame` to `out`.
    fn encode(&self, frame: &Self::Frame, out: &mut Vec<u8>) -> Result<(), Self::Error>;
}

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
    /// The frame would not fit the server's memory budget
    /// ([`FrameReader::with_budget`]): refused before its body was read.
    #[error(transparent)]
    OverBudget(#[from] crate::kit::budget::OverBudget),
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
