//! Sockets, set up the way the lessons set them up, through socket2.
//!
//! The Python lessons call `setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)` before
//! `bind`, `listen(5)`, and `recv(1024)`. This module does the same on real
//! kernel sockets and exposes the knobs the labs turn: `TCP_NODELAY` (Nagle),
//! the kernel's buffer sizes, and IPv4 or IPv6.
//!
//! socket2's receive calls take `&mut [MaybeUninit<u8>]`. They are wrapped
//! once here, in [`recv_into`] and [`recv_datagram`], so the labs can read
//! plain `&mut [u8]`.

use std::io;
use std::mem::MaybeUninit;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::time::Duration;

use socket2::{Domain, MaybeUninitSlice, Protocol, SockAddr, SockRef, Socket, Type};

/// The largest buffer a single [`recv_once`] allocates, whatever it is asked
/// for. One `recv()` never returns more than the socket's receive queue holds,
/// so `recv(204800000)` (seed 000) works here without allocating 200 MB.
pub const RECV_ALLOC_LIMIT: usize = 8 << 20;

/// Socket options a lab may want to turn. `None` leaves the kernel default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SockOpts {
    /// `TCP_NODELAY`: `Some(true)` switches Nagle's algorithm off.
    pub nodelay: Option<bool>,
    /// `SO_SNDBUF` in bytes (the kernel doubles it for bookkeeping).
    pub send_buffer: Option<usize>,
    /// `SO_RCVBUF` in bytes.
    pub recv_buffer: Option<usize>,
}

impl SockOpts {
    /// Options with only `TCP_NODELAY` set.
    pub fn nodelay(on: bool) -> SockOpts {
        SockOpts {
            nodelay: Some(on),
            ..SockOpts::default()
        }
    }

    fn apply(&self, sock: &SockRef<'_>) -> io::Result<()> {
        if let Some(on) = self.nodelay {
            sock.set_tcp_nodelay(on)?;
        }
        if let Some(n) = self.send_buffer {
            sock.set_send_buffer_size(n)?;
        }
        if let Some(n) = self.recv_buffer {
            sock.set_recv_buffer_size(n)?;
        }
        Ok(())
    }
}

/// Opens a listening TCP socket: `SO_REUSEADDR`, bind, listen. Port 0 asks
/// the kernel for a free (ephemeral) port; read it back with `local_addr()`.
///
/// `SO_REUSEADDR` is what seed 002 sets "before bind" so a restarted server
/// need not wait out TIME_WAIT. Its meaning differs by OS, so we follow
/// Rust's standard library: on Unix it only allows binding over old
/// TIME_WAIT connections (a port someone *listens* on still gives "address
/// in use"); on Windows it would let a second program bind a port in use
/// and steal its connections, so it is not set there (std's `TcpListener::bind`
/// makes the same choice for the same reason).
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    listen_with(addr, &SockOpts::default())
}

/// [`listen`] with options that accepted connections inherit (buffer sizes
/// must be set before `listen` to affect the TCP window).
pub fn listen_with(addr: SocketAddr, opts: &SockOpts) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    #[cfg(not(windows))]
    socket.set_reuse_address(true)?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    opts.apply(&SockRef::from(&socket))?;
    socket.bind(&addr.into())?;
    socket.listen(128)?;
    let listener: TcpListener = socket.into();
    // Before anyone knows the port: a capture keeps every connection to it.
    crate::kit::capture::note(&listener);
    Ok(listener)
}

/// Connects to `addr` with default options.
pub fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    connect_with(addr, &SockOpts::default(), None)
}

/// Connects with options applied *before* the handshake (so buffer sizes
/// shape the advertised window) and an optional connect timeout.
pub fn connect_with(
    addr: SocketAddr,
    opts: &SockOpts,
    timeout: Option<Duration>,
) -> io::Result<TcpStream> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    opts.apply(&SockRef::from(&socket))?;
    let target = SockAddr::from(addr);
    // The handshake's packets reach a capture before the port is known here.
    let _opening = crate::kit::capture::Opening::begin();
    match timeout {
        Some(t) => socket.connect_timeout(&target, t)?,
        None => socket.connect(&target)?,
    }
    let stream: TcpStream = socket.into();
    crate::kit::capture::note(&stream);
    Ok(stream)
}

/// Binds a UDP socket (`socket(AF_INET, SOCK_DGRAM)` and `bind`), like std's
/// `UdpSocket::bind`; port 0 asks the kernel for a free one. A running
/// capture is told its port before a datagram can reach it.
pub fn bind_udp(addr: SocketAddr) -> io::Result<UdpSocket> {
    let socket = UdpSocket::bind(addr)?;
    crate::kit::capture::note(&socket);
    Ok(socket)
}

/// Applies options to an existing stream (for example an accepted one).
pub fn apply(stream: &TcpStream, opts: &SockOpts) -> io::Result<()> {
    opts.apply(&SockRef::from(stream))
}

/// Switches Nagle's algorithm off (`true`) or back on (`false`).
pub fn set_nodelay(stream: &TcpStream, nodelay: bool) -> io::Result<()> {
    SockRef::from(stream).set_tcp_nodelay(nodelay)
}

/// Reads whether Nagle's algorithm is off on this stream.
pub fn nodelay(stream: &TcpStream) -> io::Result<bool> {
    SockRef::from(stream).tcp_nodelay()
}

/// The kernel's actual send and receive buffer sizes, as `getsockopt` reports them.
pub fn buffer_sizes(stream: &TcpStream) -> io::Result<(usize, usize)> {
    let s = SockRef::from(stream);
    Ok((s.send_buffer_size()?, s.recv_buffer_size()?))
}

/// One `recv()` system call into `buf`: returns however many bytes the kernel
/// had ready (at least 1), or 0 when the peer has closed. It does not loop.
pub fn recv_into<S>(stream: &S, buf: &mut [u8]) -> io::Result<usize>
where
    for<'a> SockRef<'a>: From<&'a S>,
{
    let sock = SockRef::from(stream);
    loop {
        match sock.recv(as_uninit(buf)) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Python's `sock.recv(n)`: one system call, up to `n` bytes, as a new vector.
/// An empty vector means the peer closed the connection.
pub fn recv_once(stream: &TcpStream, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; n.min(RECV_ALLOC_LIMIT)];
    let got = recv_into(stream, &mut buf)?;
    buf.truncate(got);
    Ok(buf)
}

/// `MSG_WAITALL`: Linux and macOS take it from libc; Winsock has it as 0x8
/// (winsock2.h), for blocking sockets, since Windows Vista.
#[cfg(unix)]
const MSG_WAITALL: libc::c_int = libc::MSG_WAITALL;
#[cfg(windows)]
const MSG_WAITALL: i32 = 0x8;

/// One `recv(n, MSG_WAITALL)` on a blocking socket: the kernel waits until
/// `buf` is full before returning, a read-exact in one system call. It can
/// still return fewer bytes (recv(2)): when the peer closes (what arrived
/// before the FIN, or 0), when a signal or the socket's read timeout ends
/// the wait, or on an error. So a caller must still check the count.
pub fn recv_waitall(stream: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    let sock = SockRef::from(stream);
    loop {
        match sock.recv_with_flags(as_uninit(buf), MSG_WAITALL) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// What one `recvfrom()` on a UDP socket returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram {
    /// The bytes that fit in the buffer.
    pub data: Vec<u8>,
    /// The datagram's real length on the wire, which is larger than
    /// `data.len()` when the buffer was too small (Linux `MSG_TRUNC`).
    pub wire_len: usize,
    /// The kernel said the datagram did not fit: the rest is gone for good.
    pub truncated: bool,
    /// Who sent it.
    pub from: SocketAddr,
}

/// A buffer longer than any UDP payload (65,535 − 8 on IPv6), for peeking.
const PEEK_WHOLE: usize = 65_536;

/// One `recvfrom(buf_len)` on a UDP socket, reporting truncation the way the
/// kernel does (`MSG_TRUNC` in the returned flags). On Linux it also asks for
/// the datagram's true length, so a lab can say how many bytes were discarded;
/// elsewhere that length comes from peeking at the datagram first.
pub fn recv_datagram(sock: &UdpSocket, buf_len: usize) -> io::Result<Datagram> {
    let mut buf = vec![0u8; buf_len.min(RECV_ALLOC_LIMIT)];
    let sref = SockRef::from(sock);
    #[cfg(target_os = "linux")]
    let flags_in = libc::MSG_TRUNC;
    #[cfg(not(target_os = "linux"))]
    let flags_in = 0;
    // Windows and macOS have no MSG_TRUNC to ask with: a datagram that may
    // not fit is first peeked at through a buffer no datagram overflows, so
    // its real length is known before the short read throws the rest away.
    let peeked_len = if cfg!(target_os = "linux") || buf.len() >= PEEK_WHOLE {
        None
    } else {
        let mut whole = vec![MaybeUninit::<u8>::uninit(); PEEK_WHOLE];
        Some(sref.peek_from(&mut whole)?.0)
    };
    let (n, flags, addr) = {
        let mut bufs = [MaybeUninitSlice::new(as_uninit(&mut buf))];
        sref.recv_from_vectored_with_flags(&mut bufs, flags_in)?
    };
    let truncated = flags.is_truncated();
    // A cut datagram filled the whole buffer. Linux (with MSG_TRUNC) returns
    // the wire length instead, which exceeds the buffer. Winsock reports the
    // cut as the error WSAEMSGSIZE, which socket2 turns into the flag, with
    // the count Winsock left behind: Wine leaves 0 there, though the buffer
    // holds the datagram's first bytes ("the buffers are filled with the
    // first part of the datagram", Microsoft's WSARecvFrom page).
    let kept = if truncated {
        buf.len()
    } else {
        n.min(buf.len())
    };
    let n = peeked_len.unwrap_or(n);
    buf.truncate(kept);
    let from = addr.as_socket().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidData, "datagram from a non-IP address")
    })?;
    Ok(Datagram {
        data: buf,
        wire_len: n.max(kept),
        truncated,
        from,
    })
}

fn as_uninit(buf: &mut [u8]) -> &mut [MaybeUninit<u8>] {
    // SAFETY: `MaybeUninit<u8>` has the same layout as `u8`, and the kernel
    // only ever writes initialised bytes into the buffer, never uninitialised ones.
    unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) }
}

/// Makes the socket's last close send RST instead of FIN (`SO_LINGER` 0):
/// how a relay passes a reset on.
pub fn set_linger_zero(stream: &TcpStream) -> io::Result<()> {
    socket2::SockRef::from(stream).set_linger(Some(Duration::ZERO))
}

/// `true` when a blocking socket call gave up because its timeout passed.
/// Unix reports that as `WouldBlock` (EAGAIN), Windows as `TimedOut`; both
/// mean "nothing arrived in time", not "the connection broke".
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// `true` for addresses that only this machine can reach (127.0.0.0/8, ::1).
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn msg_waitall_waits_for_every_byte_and_returns_short_on_close() {
        let listener = listen("127.0.0.1:0".parse().unwrap()).unwrap();
        let mut client = connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let writer = std::thread::spawn(move || {
            for piece in [&b"hel"[..], b"lo, ", b"world"] {
                client.write_all(piece).unwrap();
                std::thread::sleep(Duration::from_millis(20));
            }
            client.write_all(b"!").unwrap();
        });
        let mut buf = [0u8; 12];
        assert_eq!(recv_waitall(&server, &mut buf).unwrap(), 12);
        assert_eq!(&buf, b"hello, world");
        writer.join().unwrap();
        // The writer is gone (closed) after one more byte: asked 12, got 1.
        assert_eq!(recv_waitall(&server, &mut buf).unwrap(), 1);
        assert_eq!(recv_waitall(&server, &mut buf).unwrap(), 0);
    }

    #[test]
    fn recv_once_returns_what_one_call_got_and_zero_on_close() {
        let listener = listen("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        let mut client = connect(addr).unwrap();
        let (server, _) = listener.accept().unwrap();
        client.write_all(b"hello").unwrap();
        let got = recv_once(&server, 1024).unwrap();
        assert_eq!(got, b"hello");
        drop(client);
        assert!(recv_once(&server, 1024).unwrap().is_empty());
    }

    #[test]
    fn ipv6_loopback_works_the_same_way_when_the_machine_has_it() {
        let Ok(listener) = listen("[::1]:0".parse().unwrap()) else {
            eprintln!("SKIPPED: this machine has no IPv6 loopback");
            return;
        };
        let addr = listener.local_addr().unwrap();
        assert!(addr.is_ipv6());
        let mut client = connect_with(addr, &SockOpts::nodelay(true), None).unwrap();
        assert!(nodelay(&client).unwrap());
        let (server, _) = listener.accept().unwrap();
        client.write_all(b"v6").unwrap();
        assert_eq!(recv_once(&server, 1024).unwrap(), b"v6");
    }

    #[test]
    fn udp_truncation_is_reported_with_the_wire_length() {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        tx.send_to(b"hello", rx.local_addr().unwrap()).unwrap();
        let d = recv_datagram(&rx, 2).unwrap();
        assert_eq!(d.data, b"he");
        assert!(d.truncated);
        #[cfg(target_os = "linux")]
        assert_eq!(d.wire_len, 5);
    }

    #[test]
    fn a_second_server_on_a_port_in_use_gets_address_in_use() {
        let first = listen("127.0.0.1:0".parse().unwrap()).unwrap();
        let taken = first.local_addr().unwrap();
        let second = listen(taken).map(|_| ()).unwrap_err();
        assert_eq!(second.kind(), io::ErrorKind::AddrInUse, "{second}");
    }
}
