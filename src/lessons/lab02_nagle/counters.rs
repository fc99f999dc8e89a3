//! The kernel's own counters: the few `TCP_INFO` fields lab 02 reads, and
//! Linux's autocorking switch.

use std::net::TcpStream;

use serde::{Deserialize, Serialize};

use super::{NagleError, AUTOCORKING_SYSCTL};

/// The few `TCP_INFO` fields this lab reads, straight from the kernel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcpCounters {
    /// Segments sent that carried data (`tcpi_data_segs_out`).
    pub data_segs_out: u32,
    /// Segments received that carried data (`tcpi_data_segs_in`).
    pub data_segs_in: u32,
    /// All segments sent, pure ACKs included (`tcpi_segs_out`).
    pub segs_out: u32,
    /// Largest segment payload this side sends (`tcpi_snd_mss`).
    pub snd_mss: u32,
    /// Segments sent and not yet acknowledged (`tcpi_unacked`).
    pub unacked: u32,
    /// Delayed-ACK timeout in microseconds (`tcpi_ato`).
    pub ato_us: u32,
    /// Smoothed round-trip time in microseconds (`tcpi_rtt`).
    pub rtt_us: u32,
}

impl TcpCounters {
    /// Data segments sent between `before` and `self`.
    pub fn data_out_since(&self, before: &TcpCounters) -> u32 {
        self.data_segs_out.wrapping_sub(before.data_segs_out)
    }

    /// Data segments received between `before` and `self`.
    pub fn data_in_since(&self, before: &TcpCounters) -> u32 {
        self.data_segs_in.wrapping_sub(before.data_segs_in)
    }
}

/// What the kernel's delayed-ACK counters (`/proc/net/netstat`, as `nstat`
/// prints them) rose by during one run. They count for the whole machine,
/// so another program's delayed ACKs in the same moment add in: "at least".
/// Linux keeps no counter of quick ACKs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DelayedAcks {
    /// `TcpExtDelayedACKs`: ACKs sent because the delayed-ACK timer fired.
    pub delayed_acks: u64,
    /// `TcpExtDelayedACKLocked`: the timer fired while the application held
    /// the socket, so the ACK waited longer still (when the kernel has it).
    pub locked: Option<u64>,
    /// `TcpExtDelayedACKLost`: data arrived again because a delayed ACK came
    /// too late for the sender's retransmission timer (when the kernel has it).
    pub lost: Option<u64>,
}

/// The delayed-ACK counters' rise from `before` to `after`; `None` where
/// the kernel's counters cannot be read (not Linux).
pub fn delayed_acks(
    before: &crate::kit::counters::Counters,
    after: &crate::kit::counters::Counters,
) -> Option<DelayedAcks> {
    Some(DelayedAcks {
        delayed_acks: before.delta(after, "TcpExt", "DelayedACKs")?,
        locked: before.delta(after, "TcpExt", "DelayedACKLocked"),
        lost: before.delta(after, "TcpExt", "DelayedACKLost"),
    })
}

/// Reads the connection's `TCP_INFO` counters (on macOS, the same counts
/// from `TCP_CONNECTION_INFO`). `Ok(None)` on a platform without them: the
/// labs then fall back to what the receiver saw.
pub fn tcp_counters(stream: &TcpStream) -> Result<Option<TcpCounters>, NagleError> {
    #[cfg(target_os = "linux")]
    {
        linux::tcp_counters(stream).map(Some)
    }
    #[cfg(target_os = "macos")]
    {
        macos::tcp_counters(stream).map(Some)
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos")))]
    {
        let _ = stream;
        Ok(None)
    }
}

impl TcpCounters {
    /// The receiver's delayed-ACK timer in microseconds, where the kernel
    /// says it: Linux's `tcpi_ato`; macOS's `tcp_connection_info` has no
    /// such field, so `None` there rather than a made-up 0.
    pub fn delayed_ack_us(&self) -> Option<u32> {
        if cfg!(target_os = "macos") {
            None
        } else {
            Some(self.ato_us)
        }
    }
}

/// macOS: `getsockopt(IPPROTO_TCP, TCP_CONNECTION_INFO)` fills `struct
/// tcp_connection_info` (xnu's `bsd/netinet/tcp.h`). Its `tcpi_txpackets`
/// counts every packet the connection sent (xnu copies `inp_stat->txpackets`
/// in `tcp_fill_info`), pure ACKs included, where Linux's
/// `tcpi_data_segs_out` counts only those carrying data. In a one-way burst
/// the sender has nothing to acknowledge, so the two agree; where replies
/// come back, macOS's count is an upper bound. Compiled by
/// `scripts/macos-check.sh`; never run on a real Mac by this project
/// (docs/platforms.md).
#[cfg(target_os = "macos")]
mod macos {
    use std::mem::size_of;
    use std::os::fd::AsRawFd;

    use super::{NagleError, TcpCounters};

    /// `TCP_CONNECTION_INFO` from xnu's `netinet/tcp.h`.
    const TCP_CONNECTION_INFO: libc::c_int = 0x106;

    /// `struct tcp_connection_info`, field for field. Written out here
    /// because libc's version spells the 15 one-bit TFO flags as 15 `u32`s,
    /// which moves every counter after them.
    #[repr(C)]
    #[derive(Default)]
    pub(super) struct TcpConnectionInfo {
        pub tcpi_state: u8,
        pub tcpi_snd_wscale: u8,
        pub tcpi_rcv_wscale: u8,
        pub pad1: u8,
        pub tcpi_options: u32,
        pub tcpi_flags: u32,
        pub tcpi_rto: u32,
        pub tcpi_maxseg: u32,
        pub tcpi_snd_ssthresh: u32,
        pub tcpi_snd_cwnd: u32,
        pub tcpi_snd_wnd: u32,
        /// Bytes in the send buffer, in flight included: 0 once all is acknowledged.
        pub tcpi_snd_sbbytes: u32,
        pub tcpi_rcv_wnd: u32,
        pub tcpi_rttcur: u32,
        /// Smoothed round-trip time, in milliseconds.
        pub tcpi_srtt: u32,
        pub tcpi_rttvar: u32,
        /// The TCP Fast Open bitfield (15 one-bit flags, 17 bits of padding).
        pub tcpi_tfo_flags: u32,
        pub tcpi_txpackets: u64,
        pub tcpi_txbytes: u64,
        pub tcpi_txretransmitbytes: u64,
        pub tcpi_rxpackets: u64,
        pub tcpi_rxbytes: u64,
        pub tcpi_rxoutoforderbytes: u64,
        pub tcpi_txretransmitpackets: u64,
    }

    // The C struct's size: the counters start 8-aligned at byte 56.
    const _: () = assert!(size_of::<TcpConnectionInfo>() == 112);
    const _: () = assert!(std::mem::offset_of!(TcpConnectionInfo, tcpi_txpackets) == 56);

    pub(super) fn tcp_counters(stream: &std::net::TcpStream) -> Result<TcpCounters, NagleError> {
        let mut info = TcpConnectionInfo::default();
        let mut len = size_of::<TcpConnectionInfo>() as libc::socklen_t;
        // SAFETY: `info` is a plain-old-data struct of `len` bytes that the
        // kernel fills; `len` tells us how much it wrote.
        let rc = unsafe {
            libc::getsockopt(
                stream.as_raw_fd(),
                libc::IPPROTO_TCP,
                TCP_CONNECTION_INFO,
                (&mut info as *mut TcpConnectionInfo).cast(),
                &mut len,
            )
        };
        if rc != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        let need = size_of::<TcpConnectionInfo>();
        if (len as usize) < need {
            return Err(NagleError::ShortTcpInfo {
                got: len as usize,
                need,
            });
        }
        let mss = info.tcpi_maxseg.max(1);
        Ok(TcpCounters {
            data_segs_out: info.tcpi_txpackets as u32,
            data_segs_in: info.tcpi_rxpackets as u32,
            segs_out: info.tcpi_txpackets as u32,
            snd_mss: info.tcpi_maxseg,
            // Segments still unacknowledged, from the bytes still unacknowledged.
            unacked: info.tcpi_snd_sbbytes.div_ceil(mss),
            ato_us: 0,
            rtt_us: info.tcpi_srtt.saturating_mul(1000),
        })
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::mem::{offset_of, size_of};
    use std::os::fd::AsRawFd;

    use super::{NagleError, TcpCounters};

    /// The start of `struct tcp_info` from `linux/tcp.h`, up to
    /// `tcpi_data_segs_out` (added in Linux 4.6). Defined here rather than
    /// taken from libc because not every libc target declares the newer
    /// fields; the kernel copies `min(optlen, its size)` bytes, and the
    /// returned length says whether our last field was filled in.
    #[repr(C)]
    #[derive(Default)]
    pub(super) struct TcpInfoPrefix {
        pub tcpi_state: u8,
        pub tcpi_ca_state: u8,
        pub tcpi_retransmits: u8,
        pub tcpi_probes: u8,
        pub tcpi_backoff: u8,
        pub tcpi_options: u8,
        pub tcpi_wscale: u8,
        pub tcpi_flags: u8,
        pub tcpi_rto: u32,
        pub tcpi_ato: u32,
        pub tcpi_snd_mss: u32,
        pub tcpi_rcv_mss: u32,
        pub tcpi_unacked: u32,
        pub tcpi_sacked: u32,
        pub tcpi_lost: u32,
        pub tcpi_retrans: u32,
        pub tcpi_fackets: u32,
        pub tcpi_last_data_sent: u32,
        pub tcpi_last_ack_sent: u32,
        pub tcpi_last_data_recv: u32,
        pub tcpi_last_ack_recv: u32,
        pub tcpi_pmtu: u32,
        pub tcpi_rcv_ssthresh: u32,
        pub tcpi_rtt: u32,
        pub tcpi_rttvar: u32,
        pub tcpi_snd_ssthresh: u32,
        pub tcpi_snd_cwnd: u32,
        pub tcpi_advmss: u32,
        pub tcpi_reordering: u32,
        pub tcpi_rcv_rtt: u32,
        pub tcpi_rcv_space: u32,
        pub tcpi_total_retrans: u32,
        pub tcpi_pacing_rate: u64,
        pub tcpi_max_pacing_rate: u64,
        pub tcpi_bytes_acked: u64,
        pub tcpi_bytes_received: u64,
        pub tcpi_segs_out: u32,
        pub tcpi_segs_in: u32,
        pub tcpi_notsent_bytes: u32,
        pub tcpi_min_rtt: u32,
        pub tcpi_data_segs_in: u32,
        pub tcpi_data_segs_out: u32,
    }

    /// Bytes the kernel must fill for `tcpi_data_segs_out` to be real.
    pub(super) const NEEDED: usize = offset_of!(TcpInfoPrefix, tcpi_data_segs_out) + 4;

    pub(super) fn tcp_counters(stream: &std::net::TcpStream) -> Result<TcpCounters, NagleError> {
        let mut info = TcpInfoPrefix::default();
        let mut len = size_of::<TcpInfoPrefix>() as libc::socklen_t;
        // SAFETY: `info` is a plain-old-data struct of `len` bytes that the
        // kernel fills (possibly partly); `len` tells us how much it wrote.
        let rc = unsafe {
            libc::getsockopt(
                stream.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_INFO,
                (&mut info as *mut TcpInfoPrefix).cast(),
                &mut len,
            )
        };
        if rc != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        if (len as usize) < NEEDED {
            return Err(NagleError::ShortTcpInfo {
                got: len as usize,
                need: NEEDED,
            });
        }
        Ok(TcpCounters {
            data_segs_out: info.tcpi_data_segs_out,
            data_segs_in: info.tcpi_data_segs_in,
            segs_out: info.tcpi_segs_out,
            snd_mss: info.tcpi_snd_mss,
            unacked: info.tcpi_unacked,
            ato_us: info.tcpi_ato,
            rtt_us: info.tcpi_rtt,
        })
    }
}

/// Linux's autocorking switch: `Some(true)` when on, `None` when it cannot
/// be read (not Linux, or no /proc).
pub fn autocorking() -> Option<bool> {
    let s = std::fs::read_to_string(AUTOCORKING_SYSCTL).ok()?;
    Some(s.trim() != "0")
}

/// The counters, or why they are missing.
pub(crate) fn counters_or_note(stream: &TcpStream) -> (Option<TcpCounters>, Option<String>) {
    match tcp_counters(stream) {
        Ok(Some(c)) => (Some(c), None),
        Ok(None) => (None, Some(crate::t!("lab02-error-no-tcp-info"))),
        Err(e) => (None, Some(e.to_string())),
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    #[test]
    fn our_tcp_info_prefix_matches_libc_where_libc_has_the_field() {
        use std::mem::offset_of;
        assert_eq!(
            offset_of!(linux::TcpInfoPrefix, tcpi_data_segs_out),
            offset_of!(libc::tcp_info, tcpi_data_segs_out)
        );
        assert_eq!(
            offset_of!(linux::TcpInfoPrefix, tcpi_ato),
            offset_of!(libc::tcp_info, tcpi_ato)
        );
        assert_eq!(linux::NEEDED, 160);
    }
}
