//! UDP beside TCP: datagram boundaries, truncation, empty messages, size
//! limits and loss (lab 06).
//!
//! The lessons say "UDP never sticks, but it can lose data". Both halves are
//! true, and this module measures each on real sockets, the same sends over
//! TCP and over UDP:
//!
//! * **boundaries** — one `sendto()` is one `recvfrom()`: a datagram arrives
//!   whole or not at all, where TCP glues `hello` and `world` together;
//! * **truncation** — a datagram longer than the buffer handed to
//!   `recvfrom(n)` is cut to `n` bytes and *the rest is thrown away*
//!   (Linux says so with `MSG_TRUNC`); TCP keeps the rest for the next recv;
//! * **empty messages** — a 0-byte datagram is a real message; on TCP,
//!   sending 0 bytes sends nothing and `recv()` returning 0 means "closed";
//! * **size limits** — one IPv4 datagram carries at most 65507 bytes
//!   (65535 − 20 IP − 8 UDP), and an operating system may allow less (macOS:
//!   9216 by default, [`OS_DATAGRAM_LIMITS`]); the stage finds this system's
//!   limit by bisection, and one byte more fails with `EMSGSIZE`;
//! * **loss** — a full receive buffer drops datagrams silently, where TCP's
//!   flow control makes the sender wait instead;
//! * **chaos** — through [`crate::kit::udp_proxy::UdpChaosProxy`], a real
//!   UDP hop that drops, duplicates and reorders datagrams by a seeded plan,
//!   so sequence numbers can show what the network may do.
//!
//! The lesson's read and its fix are the two functions right below:
//! [`lesson_recvfrom`] (seed 002's `recvfrom(2)`: a datagram longer than the
//! buffer is cut, and the rest is thrown away) and [`recvfrom_whole`] (a
//! buffer as long as any datagram can be). The parts: [`runs`] (each demo
//! stage's measurement), [`views`] (their tables and pictures), [`seq`]
//! (what sequence numbers say), [`echo`] (seed 002 §3.2's upper-case echo
//! server, [`serve_upper`]) and [`cli`] (the `server` and `client` commands).

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use crate::kit::sock::{self, Datagram};

// ──────────────── the lesson's recvfrom, and a buffer no datagram overflows ────────────────

/// The lesson's read (seed 002 §3.1): `server.recvfrom(2)`. One call takes
/// one whole datagram off the queue; whatever does not fit in the 2 bytes
/// is thrown away by the kernel (the returned [`Datagram`] says how long it
/// really was). Seed 002's comment `# b"hello"` is wrong: it returns `b'he'`.
pub fn lesson_recvfrom(sock: &UdpSocket) -> io::Result<Datagram> {
    sock::recv_datagram(sock, LESSON_RECVFROM)
}

/// The fix: a buffer as long as the longest datagram UDP can carry, so
/// every `recvfrom()` returns one whole message. UDP keeps boundaries for
/// free; only the buffer size can cut a message.
pub fn recvfrom_whole(sock: &UdpSocket) -> io::Result<Datagram> {
    sock::recv_datagram(sock, WHOLE_DATAGRAM)
}

/// Seed 002's `recvfrom(2)`.
pub const LESSON_RECVFROM: usize = 2;

/// UDP's 16-bit length field: no datagram (IPv4 or IPv6, jumbograms aside)
/// carries more than this, so a buffer this long never cuts one.
pub const WHOLE_DATAGRAM: usize = 65535;

/// The largest UDP payload in one IPv4 datagram: the 16-bit total length
/// (65535) less the 20-byte IP header and the 8-byte UDP header.
pub const MAX_IPV4_PAYLOAD: usize = 65535 - 20 - 8;

/// The largest UDP payload in one IPv6 packet without a jumbogram: the
/// 16-bit payload length (65535, which excludes IPv6's own 40-byte header)
/// less the 8-byte UDP header.
pub const MAX_IPV6_PAYLOAD: usize = 65535 - 8;

/// How large one UDP datagram may be on an operating system, beside the
/// protocol's ceiling: what the size stage compares its measurement with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OsDatagramLimit {
    /// The operating system, as a student names it.
    pub os: &'static str,
    /// Its default limit on one IPv4 UDP payload, in bytes.
    pub ipv4_default: usize,
    /// A setting changes the limit (so a measurement may differ from the
    /// default without anything being wrong).
    pub tunable: bool,
    /// Why that is the limit, and where it is written down: a catalog key
    /// (`lab06-os-linux-why`…), shown with `t!`.
    pub why: &'static str,
}

/// The three systems students use. Linux and Windows stop at the protocol's
/// ceiling; macOS stops far below it by default.
pub const OS_DATAGRAM_LIMITS: [OsDatagramLimit; 3] = [
    OsDatagramLimit {
        os: "Linux",
        ipv4_default: MAX_IPV4_PAYLOAD,
        tunable: false,
        why: "lab06-os-linux-why",
    },
    OsDatagramLimit {
        os: "macOS",
        ipv4_default: 9216,
        tunable: true,
        why: "lab06-os-macos-why",
    },
    OsDatagramLimit {
        os: "Windows",
        ipv4_default: MAX_IPV4_PAYLOAD,
        tunable: false,
        why: "lab06-os-windows-why",
    },
];

/// The entry for the system this binary was built for (`None` elsewhere,
/// e.g. FreeBSD: the measurement still runs, without a documented default).
pub fn this_os() -> Option<&'static OsDatagramLimit> {
    let name = if cfg!(target_os = "linux") {
        "Linux"
    } else if cfg!(target_os = "macos") {
        "macOS"
    } else if cfg!(windows) {
        "Windows"
    } else {
        return None;
    };
    OS_DATAGRAM_LIMITS.iter().find(|l| l.os == name)
}

/// What can go wrong sending or asking over UDP.
#[derive(Debug, thiserror::Error)]
pub enum UdpError {
    /// The kernel refused a datagram larger than one IP packet can carry.
    #[error(
        "{}",
        crate::t!(
            "lab06-error-too-big",
            len = .len,
            error = .source,
            family = .family,
            limit = .limit
        )
    )]
    TooBig {
        /// The payload size that was refused.
        len: usize,
        /// The protocol's ceiling for this address family (the system's
        /// own limit may be lower: [`OS_DATAGRAM_LIMITS`]).
        limit: usize,
        /// "IPv4" or "IPv6".
        family: &'static str,
        /// The kernel's error.
        source: io::Error,
    },
    /// No reply came back in time (the request or the reply may be lost,
    /// or nothing listens there: UDP cannot tell which).
    #[error("{}", crate::t!("lab06-error-no-reply", to = .to, waited = format!("{:?}", .waited)))]
    NoReply {
        /// Who was asked.
        to: SocketAddr,
        /// How long the client waited.
        waited: Duration,
    },
    /// Any other socket error.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// "Message too long": `EMSGSIZE` on Linux and macOS. Winsock has its own
/// number for it, `WSAEMSGSIZE` (10040), not libc's `EMSGSIZE` (which
/// libc's Windows module defines as 115, a number Winsock never returns).
fn is_emsgsize(e: &io::Error) -> bool {
    #[cfg(windows)]
    const MESSAGE_TOO_LONG: i32 = 10040; // WSAEMSGSIZE
    #[cfg(not(windows))]
    const MESSAGE_TOO_LONG: i32 = libc::EMSGSIZE;
    e.raw_os_error() == Some(MESSAGE_TOO_LONG)
}

/// One `sendto()`: the whole datagram or an error; `EMSGSIZE` becomes
/// [`UdpError::TooBig`] with the limit named.
pub fn send_datagram(sock: &UdpSocket, data: &[u8], to: SocketAddr) -> Result<usize, UdpError> {
    sock.send_to(data, to).map_err(|e| {
        if is_emsgsize(&e) {
            let (limit, family) = if to.is_ipv4() {
                (MAX_IPV4_PAYLOAD, "IPv4")
            } else {
                (MAX_IPV6_PAYLOAD, "IPv6")
            };
            UdpError::TooBig {
                len: data.len(),
                limit,
                family,
                source: e,
            }
        } else {
            UdpError::Io(e)
        }
    })
}

pub mod cli;
pub mod echo;
pub mod runs;
pub mod seq;
pub mod views;

pub use echo::{describe, request, serve_upper, upper, EchoCounts, EchoOptions, PeerRate};
pub use seq::{ranges, SeqReport};

#[cfg(test)]
mod tests {
    use super::runs::SizeRun;
    use super::*;

    /// A size run that measured `limit`, and one byte more refused.
    fn measured(limit: usize) -> SizeRun {
        SizeRun {
            v4_limit_received: limit,
            v4_over: Err(UdpError::TooBig {
                len: limit + 1,
                limit: MAX_IPV4_PAYLOAD,
                family: "IPv4",
                source: io::Error::other("Message too long"),
            }),
            v4_measured: limit,
            v6_measured: Ok(limit),
            tcp_sent: 1,
            tcp_received: 1,
            lo_mtu: None,
        }
    }

    #[test]
    fn each_system_has_one_documented_limit_and_only_macos_is_a_setting() {
        let find = |os: &str| OS_DATAGRAM_LIMITS.iter().find(|l| l.os == os).unwrap();
        assert_eq!(find("Linux").ipv4_default, 65507);
        assert_eq!(find("Windows").ipv4_default, 65507);
        assert_eq!(
            (find("macOS").ipv4_default, find("macOS").tunable),
            (9216, true)
        );
        assert!(!find("Linux").tunable && !find("Windows").tunable);
        #[cfg(target_os = "linux")]
        assert_eq!(this_os().map(|l| l.os), Some("Linux"));
    }

    #[test]
    fn the_ceiling_is_named_as_such_and_a_lower_limit_by_its_distance() {
        let full = measured(MAX_IPV4_PAYLOAD);
        assert!(
            full.limit_words().contains("IPv4's ceiling"),
            "{}",
            full.limit_words()
        );
        assert!(full.over_is_emsgsize());
        let mac = measured(9216);
        assert!(
            mac.limit_words().starts_with("9216 B, 56291 B below"),
            "{}",
            mac.limit_words()
        );
        assert!(
            mac.over_is_emsgsize(),
            "one byte over the measured limit, not over 65507"
        );
        assert!(!measured(MAX_IPV4_PAYLOAD + 1).limit_is_this_systems());
    }

    #[cfg(any(target_os = "linux", windows))]
    #[test]
    fn where_the_limit_is_fixed_a_lower_one_fails_the_check() {
        assert!(measured(MAX_IPV4_PAYLOAD).limit_is_this_systems());
        assert!(!measured(9216).limit_is_this_systems());
    }
}
