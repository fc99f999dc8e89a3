//! Recording every `recv()` and every `send()`, so a lab can show exactly
//! where the kernel cut the stream.
//!
//! TCP hands the receiver a stream of bytes; the *calls* that move those
//! bytes are the only place a boundary can be seen. A [`RecordingReader`]
//! keeps one [`Chunk`] per successful read call: its position in the stream,
//! its bytes and when it happened. A [`RecordingWriter`] does the same for
//! write calls. Put the two side by side and the lesson is visible: the
//! sender's boundaries are not the receiver's.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use serde::Serialize;

/// One read or write call: where it sits in the byte stream and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Chunk {
    /// Offset of the first byte within the whole stream.
    pub offset: u64,
    /// The bytes this call moved.
    #[serde(skip)]
    pub bytes: Vec<u8>,
    /// Time since the recorder's clock started.
    #[serde(serialize_with = "micros")]
    pub at: Duration,
}

fn micros<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_micros() as u64)
}

impl Chunk {
    /// The number of bytes in this call.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// `true` for a call that moved nothing.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// One past the last byte's offset.
    pub fn end(&self) -> u64 {
        self.offset + self.bytes.len() as u64
    }
}

/// A shared starting instant, so reads and writes recorded on different
/// threads land on one time axis.
#[derive(Clone, Copy, Debug)]
pub struct Clock(Instant);

impl Clock {
    /// Starts a clock now.
    pub fn start() -> Clock {
        Clock(Instant::now())
    }

    /// Time since the clock started.
    pub fn elapsed(&self) -> Duration {
        self.0.elapsed()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::start()
    }
}

/// Records a list of chunks as the calls happen.
#[derive(Clone, Debug, Default)]
pub struct Tape {
    clock: Option<Clock>,
    chunks: Vec<Chunk>,
    offset: u64,
}

impl Tape {
    /// A tape on the given clock.
    pub fn new(clock: Clock) -> Tape {
        Tape {
            clock: Some(clock),
            chunks: Vec::new(),
            offset: 0,
        }
    }

    /// Appends one call's bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        let at = self.clock.get_or_insert_with(Clock::start).elapsed();
        self.chunks.push(Chunk {
            offset: self.offset,
            bytes: bytes.to_vec(),
            at,
        });
        self.offset += bytes.len() as u64;
    }

    /// The calls recorded so far.
    pub fn chunks(&self) -> &[Chunk] {
        &self.chunks
    }

    /// Takes the recorded calls, leaving the tape empty (the offset keeps counting).
    pub fn take(&mut self) -> Vec<Chunk> {
        std::mem::take(&mut self.chunks)
    }

    /// Total bytes recorded.
    pub fn total(&self) -> u64 {
        self.offset
    }
}

/// A reader that records every successful read call it passes through.
#[derive(Debug)]
pub struct RecordingReader<R> {
    inner: R,
    tape: Tape,
}

impl<R: Read> RecordingReader<R> {
    /// Wraps `inner`, starting a fresh clock.
    pub fn new(inner: R) -> Self {
        Self::with_clock(inner, Clock::start())
    }

    /// Wraps `inner`, timing calls on a shared clock.
    pub fn with_clock(inner: R, clock: Clock) -> Self {
        RecordingReader {
            inner,
            tape: Tape::new(clock),
        }
    }

    /// Python's `recv(n)`: one read call of up to `n` bytes. An empty vector
    /// means end of stream (the peer closed).
    pub fn recv(&mut self, n: usize) -> io::Result<Vec<u8>> {
        let mut buf = vec![0u8; n.min(crate::kit::sock::RECV_ALLOC_LIMIT)];
        let got = self.read(&mut buf)?;
        buf.truncate(got);
        Ok(buf)
    }

    /// The read calls so far.
    pub fn chunks(&self) -> &[Chunk] {
        self.tape.chunks()
    }

    /// Takes the recorded calls, leaving the tape empty.
    pub fn take_chunks(&mut self) -> Vec<Chunk> {
        self.tape.take()
    }

    /// The wrapped reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The wrapped reader, mutably.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Unwraps, returning the reader and what it recorded.
    pub fn into_parts(self) -> (R, Vec<Chunk>) {
        (self.inner, self.tape.chunks)
    }
}

impl<R: Read> Read for RecordingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.tape.push(&buf[..n]);
        }
        Ok(n)
    }
}

/// A writer that records every write call it passes through.
#[derive(Debug)]
pub struct RecordingWriter<W> {
    inner: W,
    tape: Tape,
}

impl<W: Write> RecordingWriter<W> {
    /// Wraps `inner`, starting a fresh clock.
    pub fn new(inner: W) -> Self {
        Self::with_clock(inner, Clock::start())
    }

    /// Wraps `inner`, timing calls on a shared clock.
    pub fn with_clock(inner: W, clock: Clock) -> Self {
        RecordingWriter {
            inner,
            tape: Tape::new(clock),
        }
    }

    /// Python's `sendall(data)`: the whole message in one call, recorded as one chunk.
    pub fn send(&mut self, data: &[u8]) -> io::Result<()> {
        self.inner.write_all(data)?;
        self.tape.push(data);
        Ok(())
    }

    /// The write calls so far.
    pub fn chunks(&self) -> &[Chunk] {
        self.tape.chunks()
    }

    /// Takes the recorded calls, leaving the tape empty.
    pub fn take_chunks(&mut self) -> Vec<Chunk> {
        self.tape.take()
    }

    /// The wrapped writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The wrapped writer, mutably.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Unwraps, returning the writer and what it recorded.
    pub fn into_parts(self) -> (W, Vec<Chunk>) {
        (self.inner, self.tape.chunks)
    }
}

impl<W: Write> Write for RecordingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if n > 0 {
            self.tape.push(&buf[..n]);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Offsets where messages end, given their lengths: `[3, 5]` → `[3, 8]`.
/// These are the sender's boundaries the receiver cannot see.
pub fn boundaries<I: IntoIterator<Item = usize>>(lengths: I) -> Vec<u64> {
    let mut at = 0u64;
    lengths
        .into_iter()
        .map(|n| {
            at += n as u64;
            at
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn reader_records_each_call_with_its_offset() {
        let mut r = RecordingReader::new(Cursor::new(b"hello world".to_vec()));
        assert_eq!(r.recv(5).unwrap(), b"hello");
        assert_eq!(r.recv(100).unwrap(), b" world");
        assert!(r.recv(100).unwrap().is_empty());
        let offsets: Vec<u64> = r.chunks().iter().map(|c| c.offset).collect();
        assert_eq!(offsets, vec![0, 5]);
        assert_eq!(r.chunks()[1].end(), 11);
    }

    #[test]
    fn boundaries_are_running_sums() {
        assert_eq!(boundaries([3, 5, 0, 2]), vec![3, 8, 8, 10]);
    }
}
