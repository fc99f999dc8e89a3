//! A server that keeps serving: one thread per connection, with a cap.
//!
//! Seed 002 asks two things of a server: serve forever, and serve several
//! clients at once (`socketserver.ThreadingTCPServer`). [`serve`] accepts in
//! a loop and hands each connection to its own thread. A connection's error
//! is reported in one line and ends only that connection; the others go on.
//! The number of threads is capped: at the cap the server stops accepting
//! until a slot frees, so new clients wait in the kernel's listen backlog.
//!
//! Three limits keep one client from holding a slot forever, and the log
//! names the one that ended a connection:
//! - the idle timeout, on every read *and* every write ([`accept_next`]):
//!   a client that goes quiet, or stops reading its replies, is dropped;
//! - the request deadline ([`Deadlines`]): a request must be whole within
//!   it however slowly its bytes arrive — the idle timeout alone restarts
//!   at every byte, so one byte every few seconds (slowloris) would keep
//!   the slot for as long as the client likes. A large request that keeps
//!   arriving at [`MIN_RATE`] or faster earns more time (an upload);
//! - the connection cap ([`Slots`]).

use std::convert::Infallible;
use std::fmt::Display;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::thread;
use std::time::{Duration, Instant};

/// Counts connections in flight and blocks the acceptor at the cap.
#[derive(Debug)]
pub struct Slots {
    used: Mutex<usize>,
    freed: Condvar,
    cap: usize,
    served: AtomicUsize,
}

impl Slots {
    /// Room for `cap` connections at once (at least 1).
    pub fn new(cap: usize) -> Arc<Slots> {
        Arc::new(Slots {
            used: Mutex::new(0),
            freed: Condvar::new(),
            cap: cap.max(1),
            served: AtomicUsize::new(0),
        })
    }

    /// Waits for a free slot and takes it.
    pub fn acquire(self: &Arc<Self>) -> SlotGuard {
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        while *used >= self.cap {
            used = self.freed.wait(used).unwrap_or_else(|p| p.into_inner());
        }
        *used += 1;
        SlotGuard(self.clone())
    }

    /// Connections being served now.
    pub fn in_use(&self) -> usize {
        *self.used.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Connections finished since the start.
    pub fn served(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }

    /// The cap.
    pub fn cap(&self) -> usize {
        self.cap
    }
}

/// A taken slot; dropping it frees the slot.
#[derive(Debug)]
pub struct SlotGuard(Arc<Slots>);

impl Drop for SlotGuard {
    fn drop(&mut self) {
        let mut used = self.0.used.lock().unwrap_or_else(|p| p.into_inner());
        *used -= 1;
        self.0.served.fetch_add(1, Ordering::SeqCst);
        self.0.freed.notify_one();
    }
}

/// How a server behaves.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Largest number of connections served at once.
    pub max_conns: usize,
    /// A connection that sends nothing for this long is closed (`None`: never).
    pub idle_timeout: Option<Duration>,
    /// A request still unanswered this long after its first byte ends its
    /// connection, however slowly the bytes came (`None`: no deadline).
    pub request_deadline: Option<Duration>,
    /// Print one line per connection opened and closed, on stderr.
    pub log: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            max_conns: 64,
            idle_timeout: Some(Duration::from_secs(300)),
            request_deadline: Some(DEFAULT_REQUEST_DEADLINE),
            log: true,
        }
    }
}

/// The request deadline servers get unless told otherwise: far longer than
/// any honest request on loopback takes (a 150 MiB upload takes under a
/// second), far shorter than "forever".
pub const DEFAULT_REQUEST_DEADLINE: Duration = Duration::from_secs(60);

/// Accepts connections forever, each handled on its own thread by `handler`.
/// A handler's error is printed as one line naming the peer, and the server
/// goes on serving everyone else.
pub fn serve<H, E>(listener: TcpListener, opts: ServeOptions, handler: H) -> io::Result<()>
where
    H: Fn(TcpStream, SocketAddr) -> Result<(), E> + Send + Sync + 'static,
    E: Display,
{
    serve_until(listener, opts, Arc::new(AtomicBool::new(false)), handler)
}

/// [`serve`] that returns when `stop` is set (checked after each accept).
pub fn serve_until<H, E>(
    listener: TcpListener,
    opts: ServeOptions,
    stop: Arc<AtomicBool>,
    handler: H,
) -> io::Result<()>
where
    H: Fn(TcpStream, SocketAddr) -> Result<(), E> + Send + Sync + 'static,
    E: Display,
{
    let handler = Arc::new(handler);
    let slots = Slots::new(opts.max_conns);
    let deadlines = Deadlines::start(opts.request_deadline, opts.log);
    loop {
        // At the cap this blocks, so new clients wait in the listen backlog.
        let slot = slots.acquire();
        let Some((stream, peer)) = accept_next(&listener, &opts, &stop) else {
            return Ok(());
        };
        let handler = handler.clone();
        let log = opts.log;
        let watch = watch(&deadlines, &stream, peer);
        let spawned = thread::Builder::new()
            .name(format!("conn-{peer}"))
            .spawn(move || {
                let _slot = slot;
                let _watch = watch;
                handle_one(&*handler, stream, peer, log);
            });
        if let Err(e) = spawned {
            eprintln!(
                "{}",
                crate::t!("kit-server-thread-failed", peer = peer, error = e)
            );
        }
    }
}

/// Waits for the next client, like the lessons' `conn, addr = server.accept()`:
/// a failed accept is reported and retried, and `None` means `stop` was set
/// (checked after each accept).
///
/// The new connection gets the idle timeout on reads *and* on writes. A
/// read timeout alone is not enough: a client that sends requests and never
/// reads the replies fills the kernel's send buffer, and the server's next
/// `send()` blocks forever, holding a connection slot. With the write
/// timeout that `send()` fails after the same time, and the slot frees.
pub fn accept_next(
    listener: &TcpListener,
    opts: &ServeOptions,
    stop: &AtomicBool,
) -> Option<(TcpStream, SocketAddr)> {
    loop {
        let (stream, peer) = match listener.accept() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                eprintln!("{}", crate::t!("kit-server-accept-failed", error = e));
                thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        if stop.load(Ordering::SeqCst) {
            return None;
        }
        if let Some(t) = opts.idle_timeout {
            let _ = stream.set_read_timeout(Some(t));
            let _ = stream.set_write_timeout(Some(t));
        }
        return Some((stream, peer));
    }
}

/// Runs one connection's handler and says in one line how it ended: its
/// error ends this connection only.
pub fn handle_one<H, E>(handler: &H, stream: TcpStream, peer: SocketAddr, log: bool)
where
    H: Fn(TcpStream, SocketAddr) -> Result<(), E> + ?Sized,
    E: Display,
{
    if log {
        eprintln!("{}", crate::t!("kit-server-connected", peer = peer));
    }
    match handler(stream, peer) {
        Ok(()) if log => eprintln!("{}", crate::t!("kit-server-closed", peer = peer)),
        Ok(()) => {}
        Err(e) => eprintln!("{}", crate::t!("kit-server-error", peer = peer, error = e)),
    }
}

/// The request deadline, kept for every connection of one server by one
/// watchdog thread, so that no handler has to change to get it.
///
/// A request is what the client sends between the server's replies. The
/// watchdog looks every few milliseconds at the kernel's byte counters of
/// each connection (`TCP_INFO`'s `tcpi_bytes_received` and
/// `tcpi_bytes_acked`, see tcp(7)): new bytes in while nothing went out
/// start the request's clock; any reply byte going out stops it. A clock
/// older than the deadline means the request never became whole (or the
/// server never answered it): the watchdog logs one line saying so and
/// shuts the socket down, which wakes the handler's blocked `recv()`.
///
/// Only Linux has these counters; elsewhere [`watch`] watches
/// nothing and the idle timeout is the only time limit.
#[derive(Debug)]
pub struct Deadlines {
    limit: Duration,
    log: bool,
    watched: Mutex<Vec<Watched>>,
    next_id: AtomicUsize,
}

#[derive(Debug)]
struct Watched {
    id: usize,
    peer: SocketAddr,
    stream: TcpStream,
    clock: RequestClock,
}

/// One connection's request clock, fed the kernel's byte counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestClock {
    received: u64,
    sent: u64,
    began: Option<Instant>,
}

/// What one look at a connection's counters decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Within the deadline (or no request under way).
    Fine,
    /// A request has been arriving, unanswered, for longer than the
    /// deadline; `bytes` of it came in.
    Overdue {
        /// Bytes received since the request began.
        bytes: u64,
        /// How long since its first byte.
        waited: Duration,
    },
}

impl RequestClock {
    /// Takes the counters' new values at `now`: bytes `received` from the
    /// client and `sent` to it (acknowledged) since the connection began.
    pub fn observe(&mut self, received: u64, sent: u64, now: Instant, limit: Duration) -> Verdict {
        if sent != self.sent {
            // A reply is going out: the request was whole and answered.
            self.began = None;
            self.sent = sent;
            self.received = received;
            return Verdict::Fine;
        }
        let began = match self.began {
            Some(t) => t,
            // Nothing new: no request under way.
            None if received == self.received => return Verdict::Fine,
            // The first bytes of a new request (seen within one tick); the
            // count it started from stays, to say how much of it came.
            None => *self.began.insert(now),
        };
        let waited = now.saturating_duration_since(began);
        let bytes = received - self.received;
        if waited > limit + earned(bytes) {
            Verdict::Overdue { bytes, waited }
        } else {
            Verdict::Fine
        }
    }
}

/// The rate that earns a request more time: every [`MIN_RATE`] bytes that
/// arrive add a second to its deadline. A large upload that keeps coming
/// at a real network's pace is never cut off, while one byte every few
/// seconds (slowloris) earns nothing. Apache's `mod_reqtimeout` does the
/// same (`body=20,MinRate=500`).
pub const MIN_RATE: u64 = 64 << 10;

/// The extra time `bytes` of a request have earned at [`MIN_RATE`].
fn earned(bytes: u64) -> Duration {
    Duration::from_secs_f64(bytes as f64 / MIN_RATE as f64)
}

/// A watched connection; dropping it stops the watching.
#[derive(Debug)]
pub struct Watch(Option<(Arc<Deadlines>, usize)>);

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some((d, id)) = self.0.take() {
            if let Ok(mut w) = d.watched.lock() {
                w.retain(|c| c.id != id);
            }
        }
    }
}

impl Deadlines {
    /// Starts the watchdog for a request `limit` (`None`: no deadline, no
    /// thread). It stops by itself once the returned handle and every
    /// [`Watch`] are dropped. `log` prints one line per connection it ends.
    pub fn start(limit: Option<Duration>, log: bool) -> Option<Arc<Deadlines>> {
        let limit = limit?;
        if !cfg!(target_os = "linux") {
            return None;
        }
        let d = Arc::new(Deadlines {
            limit,
            log,
            watched: Mutex::new(Vec::new()),
            next_id: AtomicUsize::new(0),
        });
        // A tenth of the deadline, so it ends a connection at most 10% late.
        let tick = (limit / 10).clamp(Duration::from_millis(10), Duration::from_millis(250));
        let weak: Weak<Deadlines> = Arc::downgrade(&d);
        let spawned = thread::Builder::new()
            .name("request-deadlines".into())
            .spawn(move || loop {
                thread::sleep(tick);
                match weak.upgrade() {
                    Some(d) => d.check(Instant::now()),
                    None => return,
                }
            });
        match spawned {
            Ok(_) => Some(d),
            Err(e) => {
                eprintln!("{}", crate::t!("kit-server-no-deadline", error = e));
                None
            }
        }
    }

    /// Looks at every watched connection once; ends the overdue ones.
    fn check(&self, now: Instant) {
        let Ok(mut watched) = self.watched.lock() else {
            return;
        };
        watched.retain_mut(|c| {
            let Some((received, sent)) = byte_counters(&c.stream) else {
                return true;
            };
            match c.clock.observe(received, sent, now, self.limit) {
                Verdict::Fine => true,
                Verdict::Overdue { bytes, waited } => {
                    if self.log {
                        eprintln!(
                            "{}",
                            crate::t!(
                                "kit-server-deadline",
                                peer = c.peer,
                                bytes = bytes,
                                seconds = format!("{:.1}", waited.as_secs_f64()),
                                limit = format!("{:?}", self.limit)
                            )
                        );
                    }
                    let _ = c.stream.shutdown(std::net::Shutdown::Both);
                    false
                }
            }
        });
    }
}

/// Watches `stream` under `deadlines` (if any) until the [`Watch`] drops.
pub fn watch(deadlines: &Option<Arc<Deadlines>>, stream: &TcpStream, peer: SocketAddr) -> Watch {
    let Some(d) = deadlines else {
        return Watch(None);
    };
    let Ok(clone) = stream.try_clone() else {
        return Watch(None);
    };
    let id = d.next_id.fetch_add(1, Ordering::SeqCst);
    // Bytes that came before the accept count too: from zero, the first
    // look sees them and starts the clock.
    let mut clock = RequestClock::default();
    if let Some((_, sent)) = byte_counters(stream) {
        clock.sent = sent;
    }
    if let Ok(mut w) = d.watched.lock() {
        w.push(Watched {
            id,
            peer,
            stream: clone,
            clock,
        });
    }
    Watch(Some((d.clone(), id)))
}

/// The kernel's count of bytes received from the peer and bytes sent to it
/// and acknowledged (`TCP_INFO`, Linux 4.1 and later); `None` elsewhere.
fn byte_counters(stream: &TcpStream) -> Option<(u64, u64)> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: tcp_info is plain data; the kernel fills at most `len`
        // bytes of it and says how many in `len`.
        let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
        let rc = unsafe {
            libc::getsockopt(
                stream.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_INFO,
                (&mut info as *mut libc::tcp_info).cast(),
                &mut len,
            )
        };
        let need = std::mem::offset_of!(libc::tcp_info, tcpi_bytes_received) + 8;
        if rc != 0 || (len as usize) < need {
            return None;
        }
        Some((info.tcpi_bytes_received, info.tcpi_bytes_acked))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = stream;
        None
    }
}

/// A server running on a background thread, for demos and tests.
pub struct Background {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Background {
    /// Binds `addr` (port 0 for an ephemeral port) and serves in the background.
    pub fn start<H, E>(addr: SocketAddr, opts: ServeOptions, handler: H) -> io::Result<Background>
    where
        H: Fn(TcpStream, SocketAddr) -> Result<(), E> + Send + Sync + 'static,
        E: Display,
    {
        let listener = crate::kit::sock::listen(addr)?;
        Self::on(listener, opts, handler)
    }

    /// Serves an already bound listener in the background.
    pub fn on<H, E>(listener: TcpListener, opts: ServeOptions, handler: H) -> io::Result<Background>
    where
        H: Fn(TcpStream, SocketAddr) -> Result<(), E> + Send + Sync + 'static,
        E: Display,
    {
        Self::run(listener, move |l, stop| serve_until(l, opts, stop, handler))
    }

    /// Runs any accept loop in the background (a sequential one, say). The
    /// loop gets the stop flag and must return once it is set and the next
    /// connection arrives: dropping the `Background` sets it and connects.
    pub fn run<F>(listener: TcpListener, accept_loop: F) -> io::Result<Background>
    where
        F: FnOnce(TcpListener, Arc<AtomicBool>) -> io::Result<()> + Send + 'static,
    {
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        thread::Builder::new()
            .name("server".into())
            .spawn(move || {
                if let Err(e) = accept_loop(listener, s) {
                    eprintln!("{}", crate::t!("kit-server-failed", addr = addr, error = e));
                }
            })?;
        Ok(Background { addr, stop })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

/// A read timeout on a server's socket, renamed for what it means there: the
/// client went quiet. Sockets report the timeout as `WouldBlock` on Unix and
/// `TimedOut` on Windows; either becomes one `TimedOut` error that names the
/// wait (`timeout`, the socket's read timeout). Any other error passes through.
pub fn idle_error(e: io::Error, timeout: Option<Duration>) -> io::Error {
    match timeout {
        Some(t) if crate::kit::sock::is_timeout(&e) => io::Error::new(
            io::ErrorKind::TimedOut,
            crate::t!("kit-idle", wait = format!("{t:?}")),
        ),
        _ => e,
    }
}

/// How long [`close_after_reply`] reads and drops what a refused client
/// is still sending, at most.
pub const LINGER: Duration = Duration::from_secs(2);

/// Ends a connection just after its last reply (an error saying why) so
/// that the reply is not lost: stops sending (FIN), then reads and drops
/// whatever the client is still sending, up to [`LINGER`], before the
/// socket is closed. Closing at once with unread bytes in the receive
/// buffer would send a reset (RFC 1122 §4.2.2.13, RFC 2525 §2.17), and a
/// client still writing its refused request would see "connection reset"
/// instead of the reply. Apache's `lingering_close` does the same. The
/// dropped bytes go through one 64 KiB buffer: nothing is kept.
pub fn close_after_reply(stream: &TcpStream) {
    use std::io::Read;
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let until = Instant::now() + LINGER;
    let mut sink = vec![0u8; 64 << 10];
    while Instant::now() < until {
        match (&mut &*stream).read(&mut sink) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if crate::kit::sock::is_timeout(&e) => {}
            Err(_) => return,
        }
    }
}

/// The errors a background server's connections ended with, kept for the
/// demo or test that started it: a demo's server must not print into the
/// story, and the story may need to show what the server refused.
#[derive(Clone, Debug, Default)]
pub struct KeptErrors(Arc<std::sync::Mutex<Vec<String>>>);

impl KeptErrors {
    /// Every error so far, oldest first.
    pub fn all(&self) -> Vec<String> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// The newest error, or "" if none yet.
    pub fn last(&self) -> String {
        self.all().pop().unwrap_or_default()
    }

    /// Waits up to `within` for an error containing `words`.
    pub fn wait_for(&self, words: &str, within: Duration) -> Option<String> {
        let deadline = std::time::Instant::now() + within;
        loop {
            if let Some(e) = self.all().into_iter().find(|e| e.contains(words)) {
                return Some(e);
            }
            if std::time::Instant::now() > deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn push(&self, e: String) {
        if let Ok(mut v) = self.0.lock() {
            v.push(e);
        }
    }
}

impl Background {
    /// [`Background::start`] whose connections' errors are kept (returned
    /// beside it), not printed.
    pub fn keeping_errors<H, E>(
        addr: SocketAddr,
        opts: ServeOptions,
        handler: H,
    ) -> io::Result<(Background, KeptErrors)>
    where
        H: Fn(TcpStream, SocketAddr) -> Result<(), E> + Send + Sync + 'static,
        E: Display,
    {
        let kept = KeptErrors::default();
        let k = kept.clone();
        let bg = Self::start(addr, opts, move |s, peer| -> Result<(), Infallible> {
            if let Err(e) = handler(s, peer) {
                k.push(e.to_string());
            }
            Ok(())
        })?;
        Ok((bg, kept))
    }
}

/// Refuses to expose a remote shell by accident: the real shell on a
/// non-loopback address needs an explicit `--allow-remote`.
pub fn check_exposure(
    addr: &SocketAddr,
    shell: bool,
    allow_remote: bool,
) -> Result<Option<String>, String> {
    if !shell {
        return Ok(None);
    }
    if crate::kit::sock::is_loopback(addr) {
        return Ok(Some(crate::t!("kit-shell-local", addr = addr)));
    }
    if allow_remote {
        Ok(Some(crate::t!("kit-shell-remote", addr = addr)))
    } else {
        Err(crate::t!("kit-shell-refused", addr = addr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn a_failing_connection_does_not_stop_the_others() {
        let bg = Background::start(
            "127.0.0.1:0".parse().unwrap(),
            ServeOptions {
                log: false,
                ..ServeOptions::default()
            },
            |mut s: TcpStream, _| -> Result<(), String> {
                let mut b = [0u8; 1];
                s.read_exact(&mut b).map_err(|e| e.to_string())?;
                if b[0] == b'x' {
                    return Err("bad byte".into());
                }
                s.write_all(&b).map_err(|e| e.to_string())
            },
        )
        .unwrap();
        let mut bad = TcpStream::connect(bg.addr()).unwrap();
        bad.write_all(b"x").unwrap();
        let mut good = TcpStream::connect(bg.addr()).unwrap();
        good.write_all(b"k").unwrap();
        let mut b = [0u8; 1];
        good.read_exact(&mut b).unwrap();
        assert_eq!(&b, b"k");
    }

    #[test]
    fn a_read_timeout_is_named_an_idle_client_and_other_errors_pass() {
        let t = Some(Duration::from_secs(2));
        let quiet = io::Error::from(io::ErrorKind::WouldBlock);
        let e = idle_error(quiet, t);
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert!(e.to_string().contains("client sent nothing for 2s"), "{e}");
        let reset = idle_error(io::Error::from(io::ErrorKind::ConnectionReset), t);
        assert_eq!(reset.kind(), io::ErrorKind::ConnectionReset);
        let untimed = idle_error(io::Error::from(io::ErrorKind::WouldBlock), None);
        assert_eq!(untimed.kind(), io::ErrorKind::WouldBlock);
    }

    #[test]
    fn the_shell_is_refused_on_a_public_address_without_the_flag() {
        let lo: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let any: SocketAddr = "0.0.0.0:1".parse().unwrap();
        assert!(check_exposure(&lo, true, false).unwrap().is_some());
        assert!(check_exposure(&any, true, false).is_err());
        assert!(check_exposure(&any, true, true).unwrap().is_some());
        assert!(check_exposure(&any, false, false).unwrap().is_none());
    }

    #[test]
    fn a_client_that_never_reads_loses_its_slot_at_the_idle_timeout() {
        // One slot. The first client asks for far more than the socket
        // buffers hold and never reads: the server's write blocks. Before
        // the write timeout it blocked forever and the second client waited.
        let bg = Background::start(
            "127.0.0.1:0".parse().unwrap(),
            ServeOptions {
                max_conns: 1,
                idle_timeout: Some(Duration::from_millis(300)),
                log: false,
                ..ServeOptions::default()
            },
            |mut s: TcpStream, _| -> Result<(), String> {
                let mut b = [0u8; 1];
                s.read_exact(&mut b).map_err(|e| e.to_string())?;
                let reply = vec![b[0]; if b[0] == b'h' { 64 << 20 } else { 1 }];
                s.write_all(&reply).map_err(|e| e.to_string())
            },
        )
        .unwrap();
        let mut hog = TcpStream::connect(bg.addr()).unwrap();
        hog.write_all(b"h").unwrap();
        let mut next = TcpStream::connect(bg.addr()).unwrap();
        next.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        next.write_all(b"k").unwrap();
        let mut b = [0u8; 1];
        next.read_exact(&mut b)
            .expect("the second client was never served");
        assert_eq!(&b, b"k");
        drop(hog);
    }

    #[test]
    fn a_request_clock_starts_at_new_bytes_and_stops_at_a_reply() {
        let limit = Duration::from_secs(1);
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut c = RequestClock::default();
        // Quiet: no request, however long.
        assert_eq!(c.observe(0, 0, at(5000), limit), Verdict::Fine);
        // A byte arrives: the clock starts; more bytes do not restart it.
        assert_eq!(c.observe(1, 0, at(5100), limit), Verdict::Fine);
        assert_eq!(c.observe(2, 0, at(5900), limit), Verdict::Fine);
        assert_eq!(
            c.observe(3, 0, at(6200), limit),
            Verdict::Overdue {
                bytes: 3,
                waited: Duration::from_millis(1100)
            }
        );
        // A request that keeps arriving at MIN_RATE or faster earns its time:
        // 4 × MIN_RATE bytes in 4.5 s against a 1 s deadline is fine, since
        // they earned 4 s more; stalled there, it is overdue at 5 s.
        let mut c = RequestClock::default();
        c.observe(1, 0, at(0), limit);
        assert_eq!(c.observe(4 * MIN_RATE, 0, at(4500), limit), Verdict::Fine);
        assert!(matches!(
            c.observe(4 * MIN_RATE, 0, at(5100), limit),
            Verdict::Overdue { .. }
        ));
        // A reply going out ends the request, and quiet after it is fine.
        let mut c = RequestClock::default();
        c.observe(10, 0, at(0), limit);
        assert_eq!(c.observe(10, 10, at(900), limit), Verdict::Fine);
        assert_eq!(c.observe(10, 10, at(9000), limit), Verdict::Fine);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_dribbling_client_loses_its_slot_at_the_request_deadline() {
        // One slot; the handler wants a whole line. The first client sends a
        // byte every 100 ms, never the newline: each read succeeds well
        // inside the 5 s idle timeout, so without the deadline it keeps the
        // slot for as long as it likes and the second client is never served.
        let bg = Background::start(
            "127.0.0.1:0".parse().unwrap(),
            ServeOptions {
                max_conns: 1,
                idle_timeout: Some(Duration::from_secs(5)),
                request_deadline: Some(Duration::from_millis(600)),
                log: false,
            },
            |s: TcpStream, _| -> Result<(), String> {
                let mut line = String::new();
                let mut r = io::BufReader::new(&s);
                while io::BufRead::read_line(&mut r, &mut line).map_err(|e| e.to_string())? > 0 {
                    (&s).write_all(line.as_bytes()).map_err(|e| e.to_string())?;
                    line.clear();
                }
                Ok(())
            },
        )
        .unwrap();
        let mut slow = TcpStream::connect(bg.addr()).unwrap();
        let dribble = thread::spawn(move || {
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(15) {
                if slow.write_all(b"x").is_err() {
                    return start.elapsed();
                }
                thread::sleep(Duration::from_millis(100));
            }
            start.elapsed()
        });
        thread::sleep(Duration::from_millis(200));
        let mut next = TcpStream::connect(bg.addr()).unwrap();
        next.set_read_timeout(Some(Duration::from_secs(12)))
            .unwrap();
        next.write_all(b"hello\n").unwrap();
        let mut b = [0u8; 6];
        next.read_exact(&mut b)
            .expect("the dribbling client kept the only slot");
        assert_eq!(&b, b"hello\n");
        // And the dribbler was cut off, long before its 15 s.
        assert!(dribble.join().unwrap() < Duration::from_secs(12));
    }

    #[test]
    fn a_kept_error_is_returned_not_printed() {
        let (bg, kept) = Background::keeping_errors(
            "127.0.0.1:0".parse().unwrap(),
            ServeOptions::default(),
            |_: TcpStream, _| Err::<(), _>("refused: cut short"),
        )
        .unwrap();
        drop(TcpStream::connect(bg.addr()).unwrap());
        let e = kept.wait_for("cut short", Duration::from_secs(5));
        assert_eq!(e.as_deref(), Some("refused: cut short"));
    }
}
