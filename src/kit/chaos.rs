//! Seeded chaos: cutting and merging a byte stream at reproducible points.
//!
//! Loopback is kind: a 2000-byte message usually arrives in one `recv()`, so
//! code that assumes "one send = one recv" seems to work. A real network cuts
//! and merges the stream wherever it likes. A [`ChaosPlan`] draws the cut
//! points from a seeded random generator, so *the same seed gives the same
//! cuts*: a failing test or a classroom demo can be replayed exactly.
//!
//! * [`ChaosReader`] splits: each read returns at most the next planned piece.
//! * [`ChaosWriter`] splits *and* merges: it buffers what it is given and
//!   writes it out in planned pieces, so the tail of one message and the head
//!   of the next leave in the same write. Call `flush()` before waiting for
//!   a reply: what is still pending is not on the wire yet.
//!
//! These wrappers make the effect deterministic for tests. To force the same
//! effect across a real TCP hop, use [`crate::kit::proxy::ChaosProxy`].

use std::io::{self, Read, Write};

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// A reproducible sequence of piece lengths in `1..=max_chunk`.
#[derive(Debug)]
pub struct ChaosPlan {
    rng: ChaCha8Rng,
    max_chunk: usize,
}

impl ChaosPlan {
    /// A plan for `seed`, with pieces of 1 to `max_chunk` bytes (at least 1).
    pub fn new(seed: u64, max_chunk: usize) -> ChaosPlan {
        ChaosPlan {
            rng: ChaCha8Rng::seed_from_u64(seed),
            max_chunk: max_chunk.max(1),
        }
    }

    /// The plan for one numbered stream under a seed (a proxy derives one
    /// per connection and direction, so each is reproducible on its own).
    pub fn for_stream(seed: u64, stream: u64, max_chunk: usize) -> ChaosPlan {
        // SplitMix-style mixing keeps neighbouring stream numbers unrelated.
        let mut z = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ChaosPlan::new(z ^ (z >> 31), max_chunk)
    }

    /// The length of the next piece.
    pub fn next_cut(&mut self) -> usize {
        self.rng.random_range(1..=self.max_chunk)
    }

    /// The largest piece this plan draws.
    pub fn max_chunk(&self) -> usize {
        self.max_chunk
    }
}

/// A reader whose reads end at the plan's cut points, never later.
#[derive(Debug)]
pub struct ChaosReader<R> {
    inner: R,
    plan: ChaosPlan,
    left_in_piece: usize,
    pending: Vec<u8>,
    pos: usize,
}

impl<R: Read> ChaosReader<R> {
    /// Wraps `inner`; reads return at most the next planned piece.
    pub fn new(inner: R, plan: ChaosPlan) -> Self {
        ChaosReader {
            inner,
            plan,
            left_in_piece: 0,
            pending: Vec::new(),
            pos: 0,
        }
    }

    /// The wrapped reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }
}

impl<R: Read> Read for ChaosReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.pos == self.pending.len() {
            // One read of the inner stream: never wait for more than it has,
            // so a request/response protocol cannot deadlock on the wrapper.
            self.pending.resize(64 * 1024, 0);
            let n = self.inner.read(&mut self.pending)?;
            self.pending.truncate(n);
            self.pos = 0;
            if n == 0 {
                return Ok(0);
            }
        }
        if self.left_in_piece == 0 {
            self.left_in_piece = self.plan.next_cut();
        }
        let n = self
            .left_in_piece
            .min(buf.len())
            .min(self.pending.len() - self.pos);
        buf[..n].copy_from_slice(&self.pending[self.pos..self.pos + n]);
        self.pos += n;
        self.left_in_piece -= n;
        Ok(n)
    }
}

/// A writer that re-cuts everything written to it into planned pieces,
/// merging across the caller's write boundaries.
#[derive(Debug)]
pub struct ChaosWriter<W: Write> {
    inner: W,
    plan: ChaosPlan,
    next_piece: usize,
    pending: Vec<u8>,
    pieces: Vec<usize>,
}

impl<W: Write> ChaosWriter<W> {
    /// Wraps `inner`; bytes leave in planned pieces, the last one on `flush()`.
    pub fn new(inner: W, plan: ChaosPlan) -> Self {
        let mut plan = plan;
        let next_piece = plan.next_cut();
        ChaosWriter {
            inner,
            plan,
            next_piece,
            pending: Vec::new(),
            pieces: Vec::new(),
        }
    }

    /// The lengths of the pieces written to the inner writer so far.
    pub fn pieces(&self) -> &[usize] {
        &self.pieces
    }

    /// The wrapped writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Flushes and unwraps.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.flush()?;
        Ok(self.inner)
    }

    fn emit(&mut self, n: usize) -> io::Result<()> {
        self.inner.write_all(&self.pending[..n])?;
        self.pending.drain(..n);
        self.pieces.push(n);
        Ok(())
    }
}

impl<W: Write> Write for ChaosWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        while self.pending.len() >= self.next_piece {
            self.emit(self.next_piece)?;
            self.next_piece = self.plan.next_cut();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let n = self.pending.len();
            self.emit(n)?;
            self.next_piece = self.plan.next_cut();
        }
        self.inner.flush()
    }
}

/// Cuts `data` into pieces by the plan, in memory: what a [`ChaosReader`]
/// over `data` would return read by read.
pub fn cut(data: &[u8], plan: &mut ChaosPlan) -> Vec<Vec<u8>> {
    let mut pieces = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let n = plan.next_cut().min(rest.len());
        pieces.push(rest[..n].to_vec());
        rest = &rest[n..];
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn read_sizes(seed: u64, data: &[u8]) -> Vec<usize> {
        let mut r = ChaosReader::new(Cursor::new(data.to_vec()), ChaosPlan::new(seed, 100));
        let mut sizes = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            sizes.push(n);
        }
        sizes
    }

    #[test]
    fn same_seed_same_cuts_other_seed_other_cuts() {
        let data = vec![7u8; 10_000];
        let a = read_sizes(42, &data);
        assert_eq!(a, read_sizes(42, &data));
        assert_ne!(a, read_sizes(43, &data));
        assert_eq!(a.iter().sum::<usize>(), data.len());
        assert!(a.iter().all(|&n| (1..=100).contains(&n)));
    }

    #[test]
    fn writer_merges_across_write_calls_and_loses_nothing() {
        let mut w = ChaosWriter::new(Vec::new(), ChaosPlan::new(9, 50));
        let messages: Vec<Vec<u8>> = (0..40u8).map(|i| vec![i; 7]).collect();
        for m in &messages {
            w.write_all(m).unwrap();
        }
        w.flush().unwrap();
        let pieces = w.pieces().to_vec();
        let out = w.into_inner().unwrap();
        assert_eq!(out, messages.concat());
        // Pieces longer than a message prove that writes were merged.
        assert!(pieces.iter().any(|&n| n > 7), "{pieces:?}");
    }
}
