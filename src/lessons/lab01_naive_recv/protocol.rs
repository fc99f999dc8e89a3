//! The naive protocol's two ends, recorded call by call: [`NaiveServer`]
//! (one `recv(1024)` is one command, the raw output goes back) and
//! [`NaiveClient`] (one `send()` per command, one `recv(n)` per reply). They
//! speak seed 002 §1.1 exactly, so the lesson's own Python programs talk to
//! them; the [`Journal`] keeps what the server sent, so a demo can compare it
//! with what the client's reads got.

use crate::t;
use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::{lesson_recv, recv_until_close};
use crate::kit::record::{Chunk, Clock, RecordingReader, RecordingWriter};
use crate::kit::runner::{self, RunnerConfig};
use crate::kit::sock::RECV_ALLOC_LIMIT;
use crate::kit::text::preview;
use crate::lessons::LESSON_RECV;

/// How long a [`NaiveClient`]'s `recv()` waits for a reply before giving up.
pub const CLIENT_WAIT: Duration = Duration::from_secs(10);

/// What went wrong on one naive connection. Each ends only that connection.
/// (Its words are in the catalog, `lab01-error-*`, in the language in force.)
#[derive(Debug)]
pub enum NaiveError {
    /// The `recv()` of a command failed (reset by the peer, say).
    Recv(io::Error),
    /// The client sent nothing for the server's idle timeout.
    Idle,
    /// The client went away while its reply was being sent.
    ClientGone {
        /// The command being answered, as an escaped preview.
        command: String,
        /// Bytes the kernel accepted before the failure.
        sent: usize,
        /// Bytes in the whole reply.
        total: usize,
        /// What the kernel said.
        source: io::Error,
    },
}

impl std::fmt::Display for NaiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&match self {
            NaiveError::Recv(e) => t!("lab01-error-recv", error = e),
            NaiveError::Idle => t!("lab01-error-idle"),
            NaiveError::ClientGone {
                command,
                sent,
                total,
                source,
            } => t!(
                "lab01-error-client-gone",
                command = command,
                sent = sent,
                total = total,
                error = source
            ),
        })
    }
}

impl std::error::Error for NaiveError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NaiveError::Recv(e) | NaiveError::ClientGone { source: e, .. } => Some(e),
            NaiveError::Idle => None,
        }
    }
}

/// One command and its reply, as the server saw them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// The client's address.
    pub peer: SocketAddr,
    /// What the one `recv(1024)` returned: the "command".
    pub request: Vec<u8>,
    /// What was sent back: stdout followed by stderr, as seed 002 sends them.
    pub reply: Vec<u8>,
    /// The command's exit code (127 unknown, 124 timed out).
    pub exit_code: i32,
    /// The command was stopped at the timeout.
    pub timed_out: bool,
}

/// A record of every exchange a server made, for demos and tests to compare
/// what was sent with what was received.
#[derive(Clone, Debug, Default)]
pub struct Journal(Arc<Mutex<Vec<Exchange>>>);

impl Journal {
    fn push(&self, e: Exchange) {
        if let Ok(mut v) = self.0.lock() {
            v.push(e);
        }
    }

    /// Every exchange with one client, in order.
    pub fn with(&self, peer: SocketAddr) -> Vec<Exchange> {
        self.0
            .lock()
            .map(|v| v.iter().filter(|e| e.peer == peer).cloned().collect())
            .unwrap_or_default()
    }

    /// Waits (at most `limit`) until the server has answered `n` commands
    /// from anyone (a server behind a proxy sees the proxy, not the client).
    pub fn wait_for_all(&self, n: usize, limit: Duration) -> Vec<Exchange> {
        let deadline = Instant::now() + limit;
        loop {
            let got = self.0.lock().map(|v| v.clone()).unwrap_or_default();
            if got.len() >= n || Instant::now() >= deadline {
                return got;
            }
            thread::sleep(Duration::from_millis(2));
        }
    }

    /// Waits (at most `limit`) until the server has answered `n` commands
    /// from `peer`, and returns what it has.
    pub fn wait_for(&self, peer: SocketAddr, n: usize, limit: Duration) -> Vec<Exchange> {
        let deadline = Instant::now() + limit;
        loop {
            let got = self.with(peer);
            if got.len() >= n || Instant::now() >= deadline {
                return got;
            }
            thread::sleep(Duration::from_millis(2));
        }
    }
}

/// The lesson's server: one `recv(1024)` is one command, the raw output goes back.
#[derive(Clone, Debug)]
pub struct NaiveServer {
    /// How commands run (built-ins or shell, timeout, cap, encoding).
    pub runner: RunnerConfig,
    /// The size of the one `recv()` that reads a command.
    pub recv_size: usize,
    /// Print one line per command on stderr.
    pub log: bool,
    journal: Option<Journal>,
}

impl NaiveServer {
    /// A server that reads commands with `recv(1024)`, like the lesson.
    pub fn new(runner: RunnerConfig) -> NaiveServer {
        NaiveServer {
            runner,
            recv_size: LESSON_RECV,
            log: false,
            journal: None,
        }
    }

    /// Keeps a [`Journal`] of every exchange (demos and tests), and returns it.
    pub fn journal(&mut self) -> Journal {
        self.journal.get_or_insert_with(Journal::default).clone()
    }

    /// Reads one command with one `recv()`, runs it, sends the output back.
    /// `Ok(None)` when the client has closed the connection.
    pub fn answer_one(
        &self,
        conn: &TcpStream,
        peer: SocketAddr,
    ) -> Result<Option<Exchange>, NaiveError> {
        let request = match crate::kit::sock::recv_once(conn, self.recv_size) {
            Ok(r) if r.is_empty() => return Ok(None),
            Ok(r) => r,
            Err(e) if crate::kit::sock::is_timeout(&e) => return Err(NaiveError::Idle),
            Err(e) => return Err(NaiveError::Recv(e)),
        };
        let out = runner::run(&request, &self.runner);
        let reply = out.combined();
        if self.log {
            eprintln!("[{peer}] {}", describe(&request, &out, reply.len()));
        }
        send_counted(conn, &reply).map_err(|(sent, source)| NaiveError::ClientGone {
            command: preview(&request, 40),
            sent,
            total: reply.len(),
            source,
        })?;
        let e = Exchange {
            peer,
            request,
            reply,
            exit_code: out.exit_code,
            timed_out: out.timed_out,
        };
        if let Some(j) = &self.journal {
            j.push(e.clone());
        }
        Ok(Some(e))
    }

    /// Serves one connection until the client closes it (the lesson's inner
    /// `while True` loop).
    pub fn handle(&self, conn: TcpStream, peer: SocketAddr) -> Result<(), NaiveError> {
        while self.answer_one(&conn, peer)?.is_some() {}
        Ok(())
    }
}

/// One server log line: what came in, what went out, what went wrong.
fn describe(request: &[u8], out: &runner::CommandOutput, len: usize) -> String {
    let shown = preview(request, 60);
    if std::str::from_utf8(request).is_err() {
        return t!("lab01-log-not-utf8", command = shown, n = len);
    }
    let what = match out.exit_code {
        _ if out.timed_out => t!("lab01-log-timeout"),
        127 => t!("lab01-log-unknown"),
        0 => t!("lab01-log-ok"),
        c => t!("lab01-log-exit", code = c),
    };
    let cut = if out.truncated {
        t!("lab01-log-cut")
    } else {
        String::new()
    };
    t!(
        "lab01-log-line",
        command = shown,
        n = len,
        what = what,
        cut = cut
    )
}

/// `sendall`, counting what the kernel took before an error.
fn send_counted(mut conn: &TcpStream, data: &[u8]) -> Result<(), (usize, io::Error)> {
    let mut sent = 0;
    while sent < data.len() {
        match conn.write(&data[sent..]) {
            Ok(0) => return Err((sent, io::ErrorKind::WriteZero.into())),
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err((sent, e)),
        }
    }
    Ok(())
}

/// The lesson's client: one `send()` per command, one `recv(n)` per reply,
/// every call recorded.
#[derive(Debug)]
pub struct NaiveClient {
    reader: RecordingReader<TcpStream>,
    writer: RecordingWriter<TcpStream>,
    /// The size of the one `recv()` per reply (1024 in the lesson).
    pub recv_size: usize,
}

impl NaiveClient {
    /// Connects to `addr` (with `TCP_NODELAY`, so two quick sends leave as two
    /// segments: whatever merges them later is the receiver's buffer).
    pub fn connect(addr: SocketAddr, recv_size: usize, clock: Clock) -> io::Result<NaiveClient> {
        let stream = crate::kit::sock::connect_with(
            addr,
            &crate::kit::sock::SockOpts::nodelay(true),
            Some(Duration::from_secs(5)),
        )?;
        stream.set_read_timeout(Some(CLIENT_WAIT))?;
        Ok(NaiveClient {
            reader: RecordingReader::with_clock(stream.try_clone()?, clock),
            writer: RecordingWriter::with_clock(stream, clock),
            recv_size,
        })
    }

    /// `client.send(cmd)`: the command's bytes in one call.
    pub fn send(&mut self, cmd: &[u8]) -> io::Result<()> {
        self.writer.send(cmd)
    }

    /// `client.recv(n)`: one call; an empty vector means the server closed.
    pub fn recv(&mut self) -> io::Result<Vec<u8>> {
        lesson_recv(&mut self.reader, self.recv_size)
    }

    /// The lesson's loop body: send a command, take one `recv()` as its reply.
    pub fn ask(&mut self, cmd: &str) -> io::Result<Vec<u8>> {
        self.send(cmd.as_bytes())?;
        self.recv()
    }

    /// Waits until at least `n` bytes sit in this socket's receive buffer
    /// (at most `limit`), so the next `recv()` cuts where its size says, not
    /// where the timing happened to. Returns how many bytes are waiting.
    pub fn wait_queued(&self, n: usize, limit: Duration) -> io::Result<usize> {
        wait_queued(self.reader.get_ref(), n, limit)
    }

    /// Stops sending and reads everything left until the server closes
    /// ([`recv_until_close`]), recorded call by call.
    pub fn finish(&mut self) -> io::Result<Vec<u8>> {
        self.stop_sending()?;
        recv_until_close(&mut self.reader, self.recv_size)
    }

    /// `client.shutdown(socket.SHUT_WR)`: no more commands on this connection.
    pub fn stop_sending(&self) -> io::Result<()> {
        self.writer.get_ref().shutdown(Shutdown::Write)
    }

    /// The receiving side, every call recorded: hand it to [`lesson_recv`]
    /// or [`recv_until_close`].
    pub fn incoming(&mut self) -> &mut RecordingReader<TcpStream> {
        &mut self.reader
    }

    /// Every `recv()` so far.
    pub fn reads(&self) -> &[Chunk] {
        self.reader.chunks()
    }

    /// Every `send()` so far.
    pub fn sends(&self) -> &[Chunk] {
        self.writer.chunks()
    }

    /// This end's address: the server's journal knows the client by it.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.reader.get_ref().local_addr()
    }
}

/// Peeks (without taking) until `n` bytes are queued on `stream` or `limit`
/// passes; returns how many are queued. A `recv()` after this returns
/// `min(size, queued)` bytes, every time.
pub fn wait_queued(stream: &TcpStream, n: usize, limit: Duration) -> io::Result<usize> {
    let n = n.min(RECV_ALLOC_LIMIT);
    if n == 0 {
        return Ok(0);
    }
    let mut buf = vec![0u8; n];
    let deadline = Instant::now() + limit;
    let old = stream.read_timeout()?;
    stream.set_read_timeout(Some(limit.max(Duration::from_millis(1))))?;
    let result = loop {
        let queued = match stream.peek(&mut buf) {
            Ok(q) => q,
            Err(e) if crate::kit::sock::is_timeout(&e) => 0,
            Err(e) => break Err(e),
        };
        if queued >= n || Instant::now() >= deadline {
            break Ok(queued);
        }
        if queued == 0 {
            // peek blocked for the whole timeout: nothing is coming.
            break Ok(0);
        }
        thread::sleep(Duration::from_millis(1));
    };
    stream.set_read_timeout(old)?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::server::{Background, ServeOptions};

    fn start() -> (Background, Journal) {
        let mut server = NaiveServer::new(RunnerConfig::default());
        let journal = server.journal();
        let bg = Background::start(
            "127.0.0.1:0".parse().unwrap(),
            ServeOptions {
                log: false,
                ..ServeOptions::default()
            },
            move |c, p| server.handle(c, p),
        )
        .unwrap();
        (bg, journal)
    }

    #[test]
    fn a_long_reply_spills_into_the_next_one() {
        let (bg, journal) = start();
        let mut c = NaiveClient::connect(bg.addr(), LESSON_RECV, Clock::start()).unwrap();
        c.send(b"help").unwrap();
        let me = c.local_addr().unwrap();
        let help = journal.wait_for(me, 1, Duration::from_secs(10))[0]
            .reply
            .clone();
        assert!(help.len() > LESSON_RECV);
        c.wait_queued(help.len(), Duration::from_secs(10)).unwrap();
        assert_eq!(c.recv().unwrap(), &help[..LESSON_RECV]);
        let next = c.ask("ls").unwrap();
        assert!(next.starts_with(&help[LESSON_RECV..]));
    }

    #[test]
    fn a_reply_read_until_close_is_whole_however_it_was_cut() {
        let (bg, _journal) = start();
        let mut c = NaiveClient::connect(bg.addr(), LESSON_RECV, Clock::start()).unwrap();
        c.send(b"help").unwrap();
        c.stop_sending().unwrap();
        let whole = recv_until_close(c.incoming(), LESSON_RECV).unwrap();
        let help = runner::run(b"help", &RunnerConfig::default()).combined();
        assert!(help.len() > LESSON_RECV);
        assert_eq!(whole, help);
    }

    #[test]
    fn describe_names_the_problem() {
        let cfg = RunnerConfig::default();
        let out = runner::run(b"nosuch", &cfg);
        assert!(describe(b"nosuch", &out, 10).contains("unknown command"));
        let out = runner::run(b"\xff", &cfg);
        assert!(describe(b"\xff", &out, 10).contains("not UTF-8"));
    }
}
