//! The lessons' upper-case echo over UDP (seed 002 §3.2,
//! `socketserver.ThreadingUDPServer` and `server.sendto(data.upper(), addr)`),
//! and the client's side of one exchange.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use super::{send_datagram, UdpError};
use crate::kit::server::Slots;
use crate::kit::sock::{self, Datagram};

/// Python's `bytes.upper()`: ASCII letters only, every other byte as is
/// (so non-UTF-8 input is answered, not refused).
pub fn upper(data: &[u8]) -> Vec<u8> {
    data.to_ascii_uppercase()
}

/// A one-line account of one received datagram, for server logs and
/// clients: its size, a preview, and what was odd about it.
pub fn describe(d: &Datagram) -> String {
    let mut s = format!(
        "{} B from {}: {:?}",
        d.data.len(),
        d.from,
        crate::kit::text::preview(&d.data, 60)
    );
    if d.data.is_empty() && d.wire_len == 0 {
        s.push_str(" (an empty datagram: a real 0-byte message)");
    }
    if d.truncated {
        s.push_str(&format!(
            " (TRUNCATED: {} B on the wire, {} B kept, {} B discarded by the kernel)",
            d.wire_len,
            d.data.len(),
            d.wire_len.saturating_sub(d.data.len())
        ));
    }
    if std::str::from_utf8(&d.data).is_err() {
        s.push_str(" (not UTF-8: answered byte for byte)");
    }
    s
}

/// How the upper-case echo server runs.
#[derive(Clone, Debug)]
pub struct EchoOptions {
    /// The `recvfrom()` size: longer datagrams are truncated (seed: 1024).
    pub bufsize: usize,
    /// Most replies being handled at once, one thread each.
    pub max_threads: usize,
    /// Print one line per datagram on stderr.
    pub log: bool,
}

impl Default for EchoOptions {
    fn default() -> EchoOptions {
        EchoOptions {
            bufsize: 1024,
            max_threads: 64,
            log: true,
        }
    }
}

/// The lessons' `ThreadingUDPServer` with `server.sendto(data.upper(), addr)`:
/// one loop receives, each datagram is answered on its own thread. There is
/// no connection, so one bad datagram can only cost its own reply. Runs
/// until `stop` is set (checked every 100 ms).
pub fn serve_upper(sock: UdpSocket, opts: &EchoOptions, stop: &AtomicBool) -> io::Result<()> {
    sock.set_read_timeout(Some(Duration::from_millis(100)))?;
    let sock = Arc::new(sock);
    let slots = Slots::new(opts.max_threads);
    while !stop.load(Ordering::SeqCst) {
        let d = match sock::recv_datagram(&sock, opts.bufsize.max(1)) {
            Ok(d) => d,
            Err(e) if crate::kit::sock::is_timeout(&e) => continue,
            // An ICMP error from an earlier reply (Linux reports
            // "connection refused" on the next call): not this datagram's fault.
            Err(e) => {
                if opts.log {
                    eprintln!("recvfrom: {e} (ignored, still serving)");
                }
                continue;
            }
        };
        if opts.log {
            eprintln!("{}", describe(&d));
        }
        let guard = slots.acquire();
        let s = sock.clone();
        let log = opts.log;
        let spawned = thread::Builder::new()
            .name("udp-reply".into())
            .spawn(move || {
                let _guard = guard;
                if let Err(e) = s.send_to(&upper(&d.data), d.from) {
                    if log {
                        eprintln!("reply to {} failed: {e}", d.from);
                    }
                }
            });
        if let Err(e) = spawned {
            eprintln!("cannot start a reply thread: {e}");
        }
    }
    Ok(())
}

/// The client's side of one exchange: `sendto(msg)`, then `recvfrom(bufsize)`
/// with a timeout (a UDP client that waits forever hangs on the first loss).
pub fn request(
    sock: &UdpSocket,
    msg: &[u8],
    to: SocketAddr,
    bufsize: usize,
    timeout: Duration,
) -> Result<Datagram, UdpError> {
    send_datagram(sock, msg, to)?;
    sock.set_read_timeout(Some(timeout.max(Duration::from_millis(1))))?;
    match sock::recv_datagram(sock, bufsize.max(1)) {
        Ok(d) => Ok(d),
        Err(e) if crate::kit::sock::is_timeout(&e) => Err(UdpError::NoReply {
            to,
            waited: timeout,
        }),
        Err(e) => Err(UdpError::Io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_is_pythons_bytes_upper() {
        assert_eq!(upper(b"hello \xff\xfe z"), b"HELLO \xff\xfe Z");
        assert_eq!(upper("中a".as_bytes()), "中A".as_bytes());
    }
}
