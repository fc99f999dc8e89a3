//! The kernel's own protocol counters, read before and after an experiment.
//!
//! `TCP_INFO` counts for one socket. Some events are only counted for the
//! whole machine: how many ACKs the kernel delayed (`TcpExt DelayedACKs`),
//! how many UDP datagrams it threw away because a receive buffer was full
//! (`Udp RcvbufErrors`). Linux keeps them in `/proc/net/netstat` and
//! `/proc/net/snmp` — what `nstat` and `netstat -s` print. A counter read
//! before and after a stage gives a delta: evidence from the kernel itself,
//! not an inference from timings.
//!
//! The counters are machine-wide, so another program's traffic in the same
//! moment adds to a delta: a delta is "at least this many", and on a quiet
//! loopback it is usually exact.

use std::collections::BTreeMap;

/// A snapshot of the kernel's counters, keyed `"TcpExt:DelayedACKs"`,
/// `"Udp:RcvbufErrors"` and so on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters(BTreeMap<String, u64>);

impl Counters {
    /// Reads `/proc/net/netstat` and `/proc/net/snmp` (Linux). Elsewhere,
    /// or when they cannot be read, the snapshot is empty and every
    /// [`Counters::get`] is `None`.
    pub fn read() -> Counters {
        let mut all = BTreeMap::new();
        for path in ["/proc/net/netstat", "/proc/net/snmp"] {
            if let Ok(text) = std::fs::read_to_string(path) {
                all.extend(parse(&text).0);
            }
        }
        Counters(all)
    }

    /// One counter, e.g. `get("TcpExt", "DelayedACKs")`.
    pub fn get(&self, group: &str, name: &str) -> Option<u64> {
        self.0.get(&format!("{group}:{name}")).copied()
    }

    /// How much a counter grew between `self` (before) and `after`.
    pub fn delta(&self, after: &Counters, group: &str, name: &str) -> Option<u64> {
        Some(
            after
                .get(group, name)?
                .saturating_sub(self.get(group, name)?),
        )
    }
}

/// Parses the `/proc/net/netstat` layout: pairs of lines, a header line of
/// names and a line of values, both starting with the group (`TcpExt:`).
pub fn parse(text: &str) -> Counters {
    let mut out = BTreeMap::new();
    let lines: Vec<&str> = text.lines().collect();
    for pair in lines.chunks(2) {
        let [names, values] = pair else { continue };
        let (Some((group, names)), Some((group2, values))) =
            (names.split_once(':'), values.split_once(':'))
        else {
            continue;
        };
        if group != group2 {
            continue;
        }
        for (n, v) in names.split_whitespace().zip(values.split_whitespace()) {
            if let Ok(v) = v.parse::<u64>() {
                out.insert(format!("{group}:{n}"), v);
            }
        }
    }
    Counters(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proc_layout_is_read_as_name_value_pairs() {
        let text = "TcpExt: SyncookiesSent DelayedACKs DelayedACKLocked\n\
                    TcpExt: 0 417 3\n\
                    Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors\n\
                    Udp: 1200 4 961 1300 961\n";
        let c = parse(text);
        assert_eq!(c.get("TcpExt", "DelayedACKs"), Some(417));
        assert_eq!(c.get("Udp", "RcvbufErrors"), Some(961));
        assert_eq!(c.get("Udp", "Nope"), None);
        let later = parse(&text.replace("0 417 3", "0 420 3"));
        assert_eq!(c.delta(&later, "TcpExt", "DelayedACKs"), Some(3));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_kernel_counts_delayed_acks_and_udp_buffer_drops() {
        let c = Counters::read();
        assert!(c.get("TcpExt", "DelayedACKs").is_some(), "{c:?}");
        assert!(c.get("Udp", "RcvbufErrors").is_some(), "{c:?}");
    }
}
