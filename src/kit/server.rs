//! A server that keeps serving: one thread per connection, with a cap.
//!
//! Seed 002 asks two things of a server: serve forever, and serve several
//! clients at once (`socketserver.ThreadingTCPServer`). [`serve`] accepts in
//! a loop and hands each connection to its own thread. A connection's error
//! is reported in one line and ends only that connection; the others go on.
//! The number of threads is capped: at the cap the server stops accepting
//! until a slot frees, so new clients wait in the kernel's listen backlog.

use std::convert::Infallible;
use std::fmt::Display;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

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
    /// Print one line per connection opened and closed, on stderr.
    pub log: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            max_conns: 64,
            idle_timeout: Some(Duration::from_secs(300)),
            log: true,
        }
    }
}

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
    loop {
        // At the cap this blocks, so new clients wait in the listen backlog.
        let slot = slots.acquire();
        let Some((stream, peer)) = accept_next(&listener, &opts, &stop) else {
            return Ok(());
        };
        let handler = handler.clone();
        let log = opts.log;
        let spawned = thread::Builder::new()
            .name(format!("conn-{peer}"))
            .spawn(move || {
                let _slot = slot;
                handle_one(&*handler, stream, peer, log);
            });
        if let Err(e) = spawned {
            eprintln!("server: could not start a thread for {peer}: {e}");
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
                eprintln!("server: accept failed: {e}");
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
        eprintln!("[{peer}] connected");
    }
    match handler(stream, peer) {
        Ok(()) if log => eprintln!("[{peer}] closed"),
        Ok(()) => {}
        Err(e) => eprintln!("[{peer}] error: {e}"),
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
                    eprintln!("server on {addr}: {e}");
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
            format!("client sent nothing for {t:?} (idle timeout)"),
        ),
        _ => e,
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
        return Ok(Some(format!(
            "warning: --exec shell runs every command a client sends through the real shell \
             (reachable from this machine only, on {addr})"
        )));
    }
    if allow_remote {
        Ok(Some(format!(
            "WARNING: --exec shell on {addr} with --allow-remote: anyone who can reach this \
             address can run commands as this user"
        )))
    } else {
        Err(format!(
            "refusing to run the real shell on non-loopback address {addr}: \
             that is a remote shell for anyone who can reach it (add --allow-remote if you mean it)"
        ))
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
