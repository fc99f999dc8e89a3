//! What sequence numbers reveal about a delivery: which datagrams were
//! lost, which came twice, which were overtaken. UDP says none of it; an
//! application that numbers its messages can.

use std::collections::BTreeSet;

/// What sequence numbers reveal about a delivery of `0..sent`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SeqReport {
    /// How many were sent (numbered 0..sent).
    pub sent: u32,
    /// Sequence numbers in the order they arrived (duplicates included).
    pub arrival: Vec<u32>,
    /// Distinct numbers that arrived.
    pub received: Vec<u32>,
    /// Numbers that never arrived.
    pub lost: Vec<u32>,
    /// Numbers that arrived more than once (once per extra copy).
    pub duplicated: Vec<u32>,
    /// Numbers that arrived after a higher number had already arrived.
    pub reordered: Vec<u32>,
}

impl SeqReport {
    /// Accounts for every number in `0..sent` from the arrival order.
    pub fn new(sent: u32, arrival: Vec<u32>) -> SeqReport {
        let mut seen = BTreeSet::new();
        let mut duplicated = Vec::new();
        let mut reordered = Vec::new();
        let mut highest: Option<u32> = None;
        for &s in &arrival {
            if !seen.insert(s) {
                duplicated.push(s);
                continue;
            }
            if highest.is_some_and(|h| s < h) {
                reordered.push(s);
            }
            highest = Some(highest.map_or(s, |h| h.max(s)));
        }
        let lost = (0..sent).filter(|s| !seen.contains(s)).collect();
        SeqReport {
            sent,
            received: seen.into_iter().collect(),
            arrival,
            lost,
            duplicated,
            reordered,
        }
    }

    /// `received ∪ lost = 0..sent` and the two are disjoint.
    pub fn accounts_for_all(&self) -> bool {
        let r: BTreeSet<u32> = self.received.iter().copied().collect();
        let l: BTreeSet<u32> = self.lost.iter().copied().collect();
        r.is_disjoint(&l)
            && r.union(&l).copied().eq(0..self.sent)
            && self.received.len() + self.lost.len() == self.sent as usize
    }
}

/// Writes runs of numbers compactly: `0-41, 97, 100-999`.
pub fn ranges(nums: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < nums.len() {
        let start = nums[i];
        let mut end = start;
        while i + 1 < nums.len() && nums[i + 1] == end + 1 {
            i += 1;
            end = nums[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    if out.is_empty() {
        crate::t!("lab06-none")
    } else {
        out.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::udp_proxy::{numbered, seq_of, Action, Forwarder, UdpChaos, UdpChaosPlan};

    #[test]
    fn seq_report_accounts_for_loss_duplicates_and_reordering() {
        let r = SeqReport::new(6, vec![0, 2, 1, 2, 5]);
        assert_eq!(r.lost, vec![3, 4]);
        assert_eq!(r.duplicated, vec![2]);
        assert_eq!(r.reordered, vec![1]);
        assert_eq!(r.received, vec![0, 1, 2, 5]);
        assert!(r.accounts_for_all());
    }

    #[test]
    fn same_seed_same_decisions_and_the_forwarder_follows_them() {
        let run = |seed| {
            let mut f = Forwarder::new(UdpChaosPlan::new(seed, UdpChaos::default()));
            let mut sent = Vec::new();
            let mut actions = Vec::new();
            for s in 0..200u32 {
                let (_, a, out) = f.push(numbered(s, 8));
                actions.push(a);
                sent.extend(out.iter().filter_map(|d| seq_of(d)));
            }
            sent.extend(f.flush().and_then(|d| seq_of(&d)));
            (actions, sent)
        };
        let (a1, s1) = run(7);
        let (a2, s2) = run(7);
        let (a3, _) = run(8);
        assert_eq!(a1, a2);
        assert_eq!(s1, s2);
        assert_ne!(a1, a3);
        let r = SeqReport::new(200, s1);
        let count = |x: Action| a1.iter().filter(|&&a| a == x).count();
        assert_eq!(r.lost.len(), count(Action::Drop));
        assert_eq!(r.duplicated.len(), count(Action::Duplicate));
        assert!(!r.reordered.is_empty());
    }

    #[test]
    fn ranges_are_compact() {
        assert_eq!(ranges(&[0, 1, 2, 5, 7, 8]), "0-2, 5, 7-8");
        assert_eq!(ranges(&[]), "none");
    }
}
