//! The ledger: messages sent against what the receiver got.
//!
//! A receiver that treats each `recv()` as one message (the naive client)
//! sees the sender's messages in one of four fates:
//!
//! * **intact** — one `recv()` returned exactly that message;
//! * **split** — the message needed several `recv()` calls;
//! * **merged** — a `recv()` returned it together with bytes of another;
//! * **lost** — some of its bytes never arrived.
//!
//! A message can be split *and* merged. With a framing protocol, the
//! [`Delivery`] tally is the one that matters: every message intact and in
//! order, nothing corrupted, lost or extra.

use serde::Serialize;

/// What happened to one sent message, seen by a one-recv-per-message reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fate {
    /// Exactly one read, exactly this message.
    Intact,
    /// Spread over several reads, none shared with another message.
    Split,
    /// In one read together with (part of) another message.
    Merged,
    /// Spread over several reads, and sharing a read with another message.
    SplitMerged,
    /// Some or all of its bytes never arrived.
    Lost,
}

/// One sent message in the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Position among the sent messages, from 0.
    pub index: usize,
    /// Length in bytes.
    pub len: usize,
    /// How many reads it was spread over.
    pub reads: usize,
    /// Its fate.
    pub fate: Fate,
}

/// Sent messages against the reads that received them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Ledger {
    /// Every non-empty sent message, in order.
    pub entries: Vec<Entry>,
    /// Messages that arrived exactly as one read.
    pub intact: usize,
    /// Messages spread over several reads (including split-and-merged).
    pub split: usize,
    /// Messages that shared a read with another (including split-and-merged).
    pub merged: usize,
    /// Messages with bytes missing.
    pub lost: usize,
    /// Total bytes sent.
    pub bytes_sent: u64,
    /// Total bytes received.
    pub bytes_received: u64,
    /// Number of read calls.
    pub reads: usize,
    /// The received bytes differ from the sent ones (only known from [`Ledger::from_bytes`]).
    pub corrupted: bool,
}

impl Ledger {
    /// Classifies by lengths alone: message lengths as sent, read lengths as received.
    pub fn from_lengths(sent: &[usize], reads: &[usize]) -> Ledger {
        let mut cuts = Vec::with_capacity(reads.len());
        let mut at = 0u64;
        for &r in reads {
            cuts.push((at, at + r as u64));
            at += r as u64;
        }
        let received = at;
        let mut l = Ledger {
            bytes_received: received,
            reads: reads.len(),
            ..Ledger::default()
        };
        let mut start = 0u64;
        let mut first_read = 0usize;
        for (index, &len) in sent.iter().enumerate() {
            let end = start + len as u64;
            l.bytes_sent += len as u64;
            if len == 0 {
                start = end;
                continue;
            }
            while first_read < cuts.len() && cuts[first_read].1 <= start {
                first_read += 1;
            }
            let mut n = 0;
            let mut shares = false;
            for &(a, b) in &cuts[first_read..] {
                if a >= end {
                    break;
                }
                n += 1;
                shares |= a < start || b > end;
            }
            let fate = if end > received {
                Fate::Lost
            } else {
                match (n > 1, shares) {
                    (false, false) => Fate::Intact,
                    (true, false) => Fate::Split,
                    (false, true) => Fate::Merged,
                    (true, true) => Fate::SplitMerged,
                }
            };
            match fate {
                Fate::Intact => l.intact += 1,
                Fate::Split => l.split += 1,
                Fate::Merged => l.merged += 1,
                Fate::SplitMerged => {
                    l.split += 1;
                    l.merged += 1
                }
                Fate::Lost => l.lost += 1,
            }
            l.entries.push(Entry {
                index,
                len,
                reads: n,
                fate,
            });
            start = end;
        }
        l
    }

    /// Classifies from the bytes themselves, and also checks that the
    /// received stream is a prefix of the sent one (nothing corrupted).
    pub fn from_bytes<S: AsRef<[u8]>, R: AsRef<[u8]>>(sent: &[S], reads: &[R]) -> Ledger {
        let lens: Vec<usize> = sent.iter().map(|m| m.as_ref().len()).collect();
        let rl: Vec<usize> = reads.iter().map(|r| r.as_ref().len()).collect();
        let mut l = Ledger::from_lengths(&lens, &rl);
        let sent_all: Vec<u8> = sent
            .iter()
            .flat_map(|m| m.as_ref().iter().copied())
            .collect();
        let got_all: Vec<u8> = reads
            .iter()
            .flat_map(|r| r.as_ref().iter().copied())
            .collect();
        l.corrupted = got_all.len() > sent_all.len() || sent_all[..got_all.len()] != got_all[..];
        l
    }

    /// Messages that did not arrive as exactly one read.
    pub fn damaged(&self) -> usize {
        self.entries.len() - self.intact
    }

    /// `12 sent → 3 intact, 4 split, 5 merged, 0 lost (9 reads)`.
    pub fn summary(&self) -> String {
        crate::t!(
            "ledger-summary",
            sent = self.entries.len(),
            intact = self.intact,
            split = self.split,
            merged = self.merged,
            lost = self.lost,
            reads = self.reads,
            corrupted = if self.corrupted {
                crate::t!("ledger-corrupted")
            } else {
                String::new()
            }
        )
    }
}

/// Messages sent against messages a framed receiver delivered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// Sent messages.
    pub sent: usize,
    /// Delivered identical and in the same position.
    pub intact: usize,
    /// Delivered, but different from what was sent at that position.
    pub corrupted: usize,
    /// Never delivered.
    pub lost: usize,
    /// Delivered beyond what was sent.
    pub extra: usize,
}

impl Delivery {
    /// Compares position by position.
    pub fn compare<S: AsRef<[u8]>, R: AsRef<[u8]>>(sent: &[S], got: &[R]) -> Delivery {
        let mut d = Delivery {
            sent: sent.len(),
            ..Delivery::default()
        };
        for (i, s) in sent.iter().enumerate() {
            match got.get(i) {
                Some(g) if g.as_ref() == s.as_ref() => d.intact += 1,
                Some(_) => d.corrupted += 1,
                None => d.lost += 1,
            }
        }
        d.extra = got.len().saturating_sub(sent.len());
        d
    }

    /// Every message arrived intact, in order, and nothing else.
    pub fn perfect(&self) -> bool {
        self.intact == self.sent && self.corrupted == 0 && self.lost == 0 && self.extra == 0
    }

    /// `10000 sent → 10000 intact, 0 corrupted, 0 lost, 0 extra`.
    pub fn summary(&self) -> String {
        crate::t!(
            "delivery-summary",
            sent = self.sent,
            intact = self.intact,
            corrupted = self.corrupted,
            lost = self.lost,
            extra = self.extra
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_classify_each_fate() {
        // "ls" + "dir" read as "lsdir": both merged.
        let l = Ledger::from_lengths(&[2, 3], &[5]);
        assert_eq!((l.intact, l.merged, l.split), (0, 2, 0));
        // a 2000-byte reply read as 1024 + 976: split.
        let l = Ledger::from_lengths(&[2000], &[1024, 976]);
        assert_eq!(l.entries[0].fate, Fate::Split);
        // the second reply starts with the first one's tail: split+merged.
        let l = Ledger::from_lengths(&[2000, 100], &[1024, 1076]);
        assert_eq!(l.entries[0].fate, Fate::SplitMerged);
        assert_eq!(l.entries[1].fate, Fate::Merged);
        // bytes that never came: lost.
        let l = Ledger::from_lengths(&[10, 10], &[10, 5]);
        assert_eq!((l.intact, l.lost), (1, 1));
        let l = Ledger::from_lengths(&[3, 4], &[3, 4]);
        assert_eq!(l.intact, 2);
        assert_eq!(l.damaged(), 0);
    }

    #[test]
    fn corruption_is_detected_from_bytes() {
        let l = Ledger::from_bytes(&[b"abc".as_slice()], &[b"abd".as_slice()]);
        assert!(l.corrupted);
        let l = Ledger::from_bytes(&[b"abc".as_slice()], &[b"ab".as_slice(), b"c".as_slice()]);
        assert!(!l.corrupted);
        assert_eq!(l.split, 1);
    }

    #[test]
    fn delivery_counts_by_position() {
        let sent = [b"a".as_slice(), b"b", b"c"];
        let got = [b"a".as_slice(), b"x"];
        let d = Delivery::compare(&sent, &got);
        assert_eq!((d.intact, d.corrupted, d.lost, d.extra), (1, 1, 1, 0));
        assert!(!d.perfect());
        assert!(Delivery::compare(&sent, &sent).perfect());
    }
}
