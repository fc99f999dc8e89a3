//! How each of [`super::runs`]' results is shown: its TCP-beside-UDP table
//! and the lanes of its picture. The words of the story stay in the binary
//! (`labs/lab06_udp_vs_tcp.rs`); these are only the rows.

use std::borrow::Cow;

use serde_json::{json, Value};

use super::runs::{BoundaryRun, ChaosRun, EmptyRun, LossRuns, SizeRun, TruncationRun};
use super::seq::ranges;
use super::UdpError;
use crate::kit::capture::{involving, Packet};
use crate::kit::text::preview;
use crate::report::svg::Lane;
use crate::report::table::{Cell, Table, Tone};
use crate::t;

/// A message as the tables quote it: `'hello'`.
pub fn q(b: &[u8]) -> String {
    format!("'{}'", preview(b, 40))
}

/// Every message quoted, comma-separated.
pub fn quoted<B: AsRef<[u8]>>(msgs: &[B]) -> String {
    msgs.iter()
        .map(|m| q(m.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every message as (lossy) text, for the JSON report.
pub fn texts<B: AsRef<[u8]>>(msgs: &[B]) -> Vec<Cow<'_, str>> {
    msgs.iter()
        .map(|m| String::from_utf8_lossy(m.as_ref()))
        .collect()
}

fn lengths(reads: &[Vec<u8>]) -> Vec<usize> {
    reads.iter().map(Vec::len).collect()
}

/// One lane piece per sequence number.
fn each(nums: &[u32]) -> Vec<(u64, u64, f64)> {
    nums.iter().map(|&s| (s as u64, 1, f64::NAN)).collect()
}

/// Consecutive sequence numbers joined into one lane piece.
fn spans(nums: &[u32]) -> Vec<(u64, u64, f64)> {
    let mut out: Vec<(u64, u64, f64)> = Vec::new();
    for &s in nums {
        match out.last_mut() {
            Some(last) if last.0 + last.1 == s as u64 => last.1 += 1,
            _ => out.push((s as u64, 1, f64::NAN)),
        }
    }
    out
}

impl BoundaryRun {
    /// Read by read: TCP's `recv(1024)` beside UDP's `recvfrom(1024)`.
    pub fn table(&self) -> Table {
        let mut t = Table::new([
            t!("lab06-s1-col-read"),
            "TCP recv(1024)".into(),
            "UDP recvfrom(1024)".into(),
        ]);
        for i in 0..self.tcp_reads.len().max(self.udp_reads.len()) {
            let tcp = self.tcp_reads.get(i).map(|r| q(r)).unwrap_or_default();
            let udp = self.udp_reads.get(i).map(|r| q(r)).unwrap_or_default();
            let tone = if self.tcp_reads.get(i).is_some_and(|r| r.len() > 5) {
                Tone::Bad
            } else {
                Tone::Plain
            };
            t.row([
                Cell::from(format!("#{}", i + 1)),
                Cell::new(tcp, tone),
                Cell::new(udp, Tone::Good),
            ]);
        }
        t
    }

    /// One line: each side's reads, quoted.
    pub fn summary(&self) -> String {
        t!(
            "lab06-s1-observed",
            tcp_n = self.tcp_reads.len(),
            tcp = quoted(&self.tcp_reads),
            udp_n = self.udp_reads.len(),
            udp = quoted(&self.udp_reads)
        )
    }

    /// The JSON report's fields.
    pub fn report(&self) -> Value {
        json!({ "tcp_reads": texts(&self.tcp_reads), "udp_reads": texts(&self.udp_reads) })
    }

    /// The two sends, TCP's reads, UDP's reads.
    pub fn lanes(&self) -> Vec<Lane> {
        vec![
            Lane::from_lengths(t!("lab06-s1-lane-sends"), &[5, 5]),
            Lane::from_lengths("TCP recv(1024)", &lengths(&self.tcp_reads)),
            Lane::from_lengths("UDP recvfrom(1024)", &lengths(&self.udp_reads)),
        ]
    }
}

/// One datagram read through a too-small buffer, for the JSON report.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CutDatagram {
    /// What the `recvfrom` returned.
    pub kept: String,
    /// The datagram's length on the wire.
    pub wire_len: usize,
    /// The kernel said it cut the datagram (`MSG_TRUNC`).
    pub truncated: bool,
    /// The rest, thrown away.
    pub discarded: String,
}

impl TruncationRun {
    /// The payload lengths of the datagrams a capture saw arrive at the UDP
    /// receiver: what was on the wire, to set beside what `recvfrom` kept.
    pub fn wire_datagrams(&self, packets: &[Packet]) -> Vec<usize> {
        involving(packets, self.udp_port)
            .into_iter()
            .filter(|s| !s.seg.tcp && s.seg.dst_port == self.udp_port)
            .map(|s| s.seg.payload_len)
            .collect()
    }

    /// The JSON report's `wire` field: each datagram's length on the wire
    /// against the bytes its `recvfrom` returned, and whether every cut
    /// datagram was longer on the wire than what was returned.
    pub fn wire_report(&self, on_wire: &[usize]) -> Value {
        let returned: Vec<usize> = self.udp.iter().map(|g| g.data.len()).collect();
        json!({
            "captured": true,
            "udp_port": self.udp_port,
            "datagram_lengths": on_wire,
            "recvfrom_returned": returned,
            "truncated_bytes_on_wire": on_wire.len() == returned.len()
                && on_wire.iter().zip(&returned).all(|(w, r)| w > r),
        })
    }

    /// The part of the `i`-th message that its `recvfrom` did not keep.
    pub fn discarded(&self, i: usize) -> &[u8] {
        let kept = self.udp.get(i).map_or(0, |g| g.data.len());
        self.sent.get(i).and_then(|m| m.get(kept..)).unwrap_or(&[])
    }

    /// Each datagram: kept, wire length, cut or not, thrown away.
    pub fn cut_datagrams(&self) -> Vec<CutDatagram> {
        self.udp
            .iter()
            .enumerate()
            .map(|(i, g)| CutDatagram {
                kept: String::from_utf8_lossy(&g.data).into_owned(),
                wire_len: g.wire_len,
                truncated: g.truncated,
                discarded: String::from_utf8_lossy(self.discarded(i)).into_owned(),
            })
            .collect()
    }

    /// What each `recvfrom` kept.
    pub fn kept(&self) -> Vec<&[u8]> {
        self.udp.iter().map(|g| g.data.as_slice()).collect()
    }

    /// One line: what this run's `recvfrom` kept and left queued, what
    /// TCP read, and what `whole` (the same sends read by the fix) kept.
    pub fn summary(&self, whole: &TruncationRun) -> String {
        t!(
            "lab06-s2-observed",
            kept = quoted(&self.kept()),
            wire = format!(
                "{:?}",
                self.udp.iter().map(|g| g.wire_len).collect::<Vec<_>>()
            ),
            left = self.udp_left_over,
            tcp_bytes = self.tcp_reads.iter().map(Vec::len).sum::<usize>(),
            tcp_reads = self.tcp_reads.len(),
            n = super::WHOLE_DATAGRAM,
            whole = quoted(&whole.kept()),
        )
    }

    /// The JSON report's fields, `whole` being the fix's run.
    pub fn report(&self, whole: &TruncationRun) -> Value {
        json!({
            "whole": texts(&whole.kept()),
            "udp": self.cut_datagrams(),
            "udp_left_over": self.udp_left_over,
            "tcp_reads": texts(&self.tcp_reads),
        })
    }

    /// Read by read: TCP's `recv(2)` beside UDP's `recvfrom(2)` and what it lost.
    pub fn table(&self) -> Table {
        let mut t = Table::new([
            t!("lab06-s1-col-read"),
            "TCP recv(2)".into(),
            "UDP recvfrom(2)".into(),
        ]);
        for i in 0..self.tcp_reads.len().max(self.udp.len()) {
            let tcp = self.tcp_reads.get(i).map(|r| q(r)).unwrap_or_default();
            let udp = match self.udp.get(i) {
                Some(dg) => Cell::new(
                    t!(
                        "lab06-s2-cut",
                        kept = q(&dg.data),
                        wire = dg.wire_len,
                        lost = q(self.discarded(i))
                    ),
                    Tone::Bad,
                ),
                None => Cell::new(t!("lab06-s2-gone"), Tone::Dim),
            };
            t.row([
                Cell::from(format!("#{}", i + 1)),
                Cell::new(tcp, Tone::Good),
                udp,
            ]);
        }
        t
    }

    /// The sends, TCP's 2-byte reads, and what each `recvfrom(2)` kept.
    pub fn lanes(&self) -> Vec<Lane> {
        vec![
            Lane::from_lengths(t!("lab06-s2-lane-sent"), &[5, 5]),
            Lane::from_lengths("TCP recv(2)", &lengths(&self.tcp_reads)),
            Lane {
                label: t!("lab06-s2-lane-kept"),
                pieces: self
                    .udp
                    .iter()
                    .enumerate()
                    .map(|(i, g)| ((i * 5) as u64, g.data.len() as u64, f64::NAN))
                    .collect(),
            },
        ]
    }
}

impl EmptyRun {
    /// What sending and receiving nothing means on each protocol.
    pub fn table(&self) -> Table {
        let window = self.spin_window.as_millis();
        let mut t = Table::new(["", "TCP", "UDP"]);
        t.row([
            Cell::from(t!("lab06-s3-row-send")),
            Cell::from(t!("lab06-s3-tcp-send", n = self.tcp_send_returned)),
            Cell::from(t!("lab06-s3-udp-send")),
        ]);
        let arrived = if self.tcp_anything_arrived {
            t!("lab06-s3-tcp-arrived")
        } else {
            t!("lab06-s3-tcp-nothing")
        };
        t.row([
            Cell::from(t!("lab06-s3-row-gets")),
            Cell::new(arrived, Tone::Note),
            Cell::new(
                t!(
                    "lab06-s3-udp-gets",
                    n = self.udp.data.len(),
                    from = self.udp.from
                ),
                Tone::Good,
            ),
        ]);
        t.row([
            Cell::from(t!("lab06-s3-row-zero")),
            Cell::from(t!("lab06-s3-tcp-zero", n = self.tcp_recv_after_close)),
            Cell::from(t!("lab06-s3-udp-zero")),
        ]);
        t.row([
            Cell::from(t!("lab06-s3-row-continue")),
            Cell::new(
                t!("lab06-s3-spins", n = self.spin_empty_recvs, ms = window),
                Tone::Bad,
            ),
            Cell::new("—", Tone::Dim),
        ]);
        t.row([
            Cell::from(t!("lab06-s3-row-break")),
            Cell::new(t!("lab06-s3-ends", n = self.break_recvs), Tone::Good),
            Cell::new("—", Tone::Dim),
        ]);
        t
    }
}

impl SizeRun {
    /// One byte over the measured limit failed with `EMSGSIZE`, naming
    /// IPv4's ceiling.
    pub fn over_is_emsgsize(&self) -> bool {
        matches!(
            &self.v4_over,
            Err(UdpError::TooBig { len, limit: super::MAX_IPV4_PAYLOAD, .. })
                if *len == self.v4_measured + 1
        )
    }

    /// The measured IPv4 limit in words: the protocol's ceiling, or how far
    /// below it this system stops, and what its documented default is.
    pub fn limit_words(&self) -> String {
        let ceiling = super::MAX_IPV4_PAYLOAD;
        let documented = match super::this_os() {
            Some(os) if os.ipv4_default == self.v4_measured => {
                t!("lab06-s4-documented", os = os.os)
            }
            Some(os) => t!("lab06-s4-changed", os = os.os, default = os.ipv4_default),
            None => t!("lab06-s4-undocumented"),
        };
        if self.v4_measured == ceiling {
            t!(
                "lab06-s4-at-ceiling",
                n = self.v4_measured,
                documented = documented
            )
        } else {
            t!(
                "lab06-s4-below-ceiling",
                n = self.v4_measured,
                below = ceiling.saturating_sub(self.v4_measured),
                ceiling = ceiling,
                documented = documented
            )
        }
    }

    /// Whether the measured limit is what this system documents (any
    /// limit up to IPv4's ceiling where a setting changes it).
    pub fn limit_is_this_systems(&self) -> bool {
        self.v4_measured <= super::MAX_IPV4_PAYLOAD
            && super::this_os().is_none_or(|os| os.tunable || os.ipv4_default == self.v4_measured)
    }

    /// Each system's default limit and where it comes from, this system's
    /// row with what was measured here.
    pub fn os_table(&self) -> Table {
        let mut t = Table::new([
            t!("lab06-s4-col-system"),
            t!("lab06-s4-col-default"),
            t!("lab06-s4-col-measured"),
            t!("lab06-s4-col-why"),
        ]);
        let here = super::this_os().map(|os| os.os);
        for os in &super::OS_DATAGRAM_LIMITS {
            let measured = if Some(os.os) == here {
                Cell::new(format!("{} B", self.v4_measured), Tone::Good)
            } else {
                Cell::new("—", Tone::Dim)
            };
            t.row([
                Cell::from(os.os),
                Cell::from(format!("{} B", os.ipv4_default)),
                measured,
                Cell::from(t!(os.why)),
            ]);
        }
        t
    }

    /// Each size, sent over TCP and over UDP.
    pub fn table(&self) -> Table {
        let over = match &self.v4_over {
            Ok(n) => Cell::new(t!("lab06-s4-over-sent", n = n), Tone::Bad),
            Err(UdpError::TooBig { source, .. }) => {
                Cell::new(format!("EMSGSIZE: \"{source}\""), Tone::Bad)
            }
            Err(e) => Cell::new(e.to_string(), Tone::Bad),
        };
        let v6 = match &self.v6_measured {
            Ok(n) => Cell::from(t!("lab06-s4-v6", n = n)),
            Err(why) => Cell::new(t!("lab06-s4-v6-skipped", why = why), Tone::Dim),
        };
        let stream = t!("lab06-s4-stream");
        let mut t = Table::new([t!("lab06-s4-col-send"), "TCP".into(), "UDP".into()]);
        t.row([
            Cell::from(t!("lab06-s4-in-one-call", n = self.v4_measured)),
            Cell::from(stream.clone()),
            Cell::new(
                t!("lab06-s4-udp-received", n = self.v4_limit_received),
                Tone::Good,
            ),
        ]);
        t.row([
            Cell::from(t!("lab06-s4-in-one-call", n = self.v4_measured + 1)),
            Cell::from(stream),
            over,
        ]);
        t.row([
            Cell::from(t!("lab06-s4-row-v4")),
            Cell::from(t!("lab06-s4-no-limit")),
            Cell::from(self.limit_words()),
        ]);
        t.row([
            Cell::from(t!("lab06-s4-row-v6")),
            Cell::from(t!("lab06-s4-no-limit")),
            v6,
        ]);
        t.row([
            Cell::from(t!("lab06-s4-sendall", n = self.tcp_sent)),
            Cell::new(
                t!("lab06-s4-tcp-received", n = self.tcp_received),
                Tone::Good,
            ),
            Cell::from(t!("lab06-s4-impossible")),
        ]);
        t
    }
}

impl LossRuns {
    /// One row per run: UDP's received and lost numbers, TCP's, and how
    /// long TCP's sender waited.
    pub fn table(&self) -> Table {
        let mut t = Table::new([
            t!("lab06-s5-col-run"),
            t!("lab06-s5-col-udp-sent"),
            t!("lab06-s5-col-udp-received"),
            t!("lab06-s5-col-udp-lost"),
            t!("lab06-s5-col-tcp-received"),
            t!("lab06-s5-col-tcp-lost"),
            t!("lab06-s5-col-tcp-waited"),
        ]);
        for (i, (u, c)) in self.udp.iter().zip(&self.tcp).enumerate() {
            t.row([
                Cell::from(format!("{}", i + 1)),
                Cell::from(u.seq.sent.to_string()),
                Cell::new(
                    format!("{} ({})", u.seq.received.len(), ranges(&u.seq.received)),
                    Tone::Good,
                ),
                Cell::new(
                    format!("{} ({})", u.seq.lost.len(), ranges(&u.seq.lost)),
                    Tone::Bad,
                ),
                Cell::new(
                    t!("lab06-s5-in-order", n = c.seq.received.len()),
                    Tone::Good,
                ),
                Cell::from(c.seq.lost.len().to_string()),
                Cell::from(format!("{:.0} ms", c.sender_ms)),
            ]);
        }
        t
    }

    /// One line: what each run lost on each protocol, and how long TCP's sender waited.
    pub fn summary(&self) -> String {
        let tcp_lost: Vec<usize> = self.tcp.iter().map(|c| c.seq.lost.len()).collect();
        let waited: Vec<u64> = self
            .tcp
            .iter()
            .map(|c| c.sender_ms.round() as u64)
            .collect();
        t!(
            "lab06-s5-observed",
            lost = format!("{:?}", self.lost_counts()),
            count = self.count,
            repeat = if self.reproducible() {
                t!("lab06-s5-identical")
            } else {
                t!("lab06-s5-runs-differ")
            },
            tcp_lost = format!("{tcp_lost:?}"),
            waited = format!("{waited:?}"),
            pause = self.pause.as_millis()
        )
    }

    /// The JSON report's fields.
    pub fn report(&self) -> Value {
        json!({ "udp_runs": self.udp, "tcp_runs": self.tcp, "reproducible": self.reproducible() })
    }

    /// The first run by sequence number: sent, UDP received, UDP lost, TCP received.
    pub fn lanes(&self) -> Vec<Lane> {
        let (Some(u), Some(c)) = (self.udp.first(), self.tcp.first()) else {
            return Vec::new();
        };
        vec![
            Lane::from_lengths(t!("lab06-lane-sent-seq"), &[self.count as usize]),
            Lane {
                label: t!("lab06-lane-udp-received"),
                pieces: spans(&u.seq.received),
            },
            Lane {
                label: t!("lab06-lane-udp-lost"),
                pieces: spans(&u.seq.lost),
            },
            Lane {
                label: t!("lab06-lane-tcp-received"),
                pieces: spans(&c.seq.received),
            },
        ]
    }
}

impl ChaosRun {
    /// What the proxy decided beside what the receiver's numbers show.
    pub fn table(&self) -> Table {
        use crate::kit::udp_proxy::Action;
        let mut t = Table::new([
            t!("lab06-s6-col-effect"),
            t!("lab06-s6-col-decided"),
            t!("lab06-s6-col-shown"),
        ]);
        let seq = |action| t!("lab06-s6-seq", seqs = ranges(&self.decided(action)));
        t.row([
            Cell::from(t!("lab06-s6-dropped")),
            Cell::from(seq(Action::Drop)),
            Cell::new(
                t!("lab06-s6-missing", seqs = ranges(&self.seq.lost)),
                Tone::Bad,
            ),
        ]);
        t.row([
            Cell::from(t!("lab06-s6-duplicated")),
            Cell::from(seq(Action::Duplicate)),
            Cell::new(
                t!("lab06-s6-twice", seqs = ranges(&self.seen_twice())),
                Tone::Note,
            ),
        ]);
        t.row([
            Cell::from(t!("lab06-s6-reordered")),
            Cell::from(seq(Action::Reorder)),
            Cell::new(
                t!("lab06-s6-late", seqs = ranges(&self.seen_late())),
                Tone::Note,
            ),
        ]);
        t
    }

    /// By sequence number: sent, dropped, duplicated, reordered.
    pub fn lanes(&self) -> Vec<Lane> {
        vec![
            Lane::from_lengths(t!("lab06-lane-sent-seq"), &[self.seq.sent as usize]),
            Lane {
                label: t!("lab06-s6-dropped"),
                pieces: each(&self.seq.lost),
            },
            Lane {
                label: t!("lab06-s6-duplicated"),
                pieces: each(&self.seen_twice()),
            },
            Lane {
                label: t!("lab06-s6-reordered"),
                pieces: each(&self.seen_late()),
            },
        ]
    }
}

impl EmptyRun {
    /// One line: what each protocol did with nothing.
    pub fn summary(&self) -> String {
        t!(
            "lab06-s3-observed",
            len = self.udp.data.len(),
            wire = self.udp.wire_len,
            sent = self.tcp_send_returned,
            arrived = self.tcp_anything_arrived,
            after = self.tcp_recv_after_close,
            spins = self.spin_empty_recvs,
            ms = self.spin_window.as_millis(),
            breaks = self.break_recvs
        )
    }

    /// The JSON report's fields.
    pub fn report(&self) -> Value {
        json!({
            "udp_len": self.udp.data.len(),
            "udp_wire_len": self.udp.wire_len,
            "tcp_send_returned": self.tcp_send_returned,
            "tcp_anything_arrived": self.tcp_anything_arrived,
            "tcp_recv_after_close": self.tcp_recv_after_close,
            "spin_empty_recvs": self.spin_empty_recvs,
            "spin_window_ms": self.spin_window.as_millis() as u64,
            "break_recvs": self.break_recvs,
        })
    }
}

impl SizeRun {
    fn over_error(&self) -> Option<String> {
        self.v4_over.as_ref().err().map(|e| e.to_string())
    }

    /// One line: the limits measured, and what TCP did with a big send.
    pub fn summary(&self) -> String {
        let v6 = match &self.v6_measured {
            Ok(n) => format!("{n} B"),
            Err(w) => t!("lab06-s4-v6-skipped-short", why = w),
        };
        t!(
            "lab06-s4-observed",
            limit = self.v4_measured,
            received = self.v4_limit_received,
            over = self.v4_measured + 1,
            error = self.over_error().unwrap_or_else(|| t!("lab06-s4-accepted")),
            v6 = v6,
            tcp_received = self.tcp_received,
            tcp_sent = self.tcp_sent
        )
    }

    /// The JSON report's fields.
    pub fn report(&self) -> Value {
        json!({
            "v4_limit": self.v4_measured,
            "v4_limit_received": self.v4_limit_received,
            "v4_over_error": self.over_error(),
            "v4_over_emsgsize": self.over_is_emsgsize(),
            "v6_limit": self.v6_measured.as_ref().ok(),
            "v6_skipped": self.v6_measured.as_ref().err(),
            "lo_mtu": self.lo_mtu,
            "tcp_sent": self.tcp_sent,
            "tcp_received": self.tcp_received,
        })
    }
}

impl ChaosRun {
    /// One line: what the receiver saw beside what the proxy did.
    pub fn summary(&self) -> String {
        use crate::kit::udp_proxy::Action;
        t!(
            "lab06-s6-observed",
            lost = ranges(&self.seq.lost),
            dropped = ranges(&self.decided(Action::Drop)),
            twice = ranges(&self.seen_twice()),
            duplicated = ranges(&self.decided(Action::Duplicate)),
            late = ranges(&self.seen_late()),
            held = ranges(&self.decided(Action::Reorder))
        )
    }

    /// The JSON report's fields, for a run through a proxy seeded with `seed`.
    pub fn report(&self, seed: u64) -> Value {
        use crate::kit::udp_proxy::Action;
        json!({
            "seed": seed,
            "sent": self.seq.sent,
            "arrival": self.seq.arrival,
            "lost": self.seq.lost,
            "duplicated": self.seen_twice(),
            "reordered": self.seen_late(),
            "proxy_dropped": self.decided(Action::Drop),
            "proxy_duplicated": self.decided(Action::Duplicate),
            "proxy_reordered": self.decided(Action::Reorder),
        })
    }
}
