//! The command server and client of the framed labs (03 and 04), written
//! once: a lab passes the one thing that differs — how a connection is
//! served, how one command is asked — and gets the rest here: the bind and
//! its remote-shell check, the `listening on` line, the `>>> ` loop, the
//! decoded output shown as a shell would, the reply timeout and the wrong
//! pairings it names, and the demo's quiet background servers.

use std::cell::{Cell, RefCell};
use std::fmt::Display;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use super::wrong_format::{recognise_wrong_format, Expected, Side, When};
use super::{announce, fail, ClientArgs, CommandServerArgs, Prompt, StageError};
use crate::kit::proxy::{ChaosProxy, Direction, ProxyConfig};
use crate::kit::server::{Background, KeptErrors, ServeOptions};
use crate::lang::Lang;
use crate::t;

/// Serves `--addr` (or 127.0.0.1 and `port`) forever, one thread per
/// connection, each handled by `handler`; announces itself as `lab`.
/// Exit 2 when the address cannot be bound.
pub fn run_server<H, E>(args: &CommandServerArgs, port: u16, lab: &str, handler: H) -> ExitCode
where
    H: Fn(TcpStream, SocketAddr) -> Result<(), E> + Send + Sync + 'static,
    E: Display,
{
    let listener = match args.bind(port) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => return fail(t!("harness-cannot-read-addr", error = e)),
    };
    announce(lab, addr);
    match crate::kit::server::serve(listener, args.serve_options(), handler) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(t!("kit-server-failed", addr = addr, error = e)),
    }
}

/// Connects to `--addr` (or 127.0.0.1 and `port`), wraps the read side
/// ([`Heard`]) with `open`, then asks every command from the prompt with
/// `ask` (read side, write side, command) and shows each reply in
/// `--encoding` ([`show_reply`]).
///
/// A reply that does not come within `reply_timeout`, or is refused, ends
/// the session with exit 2, naming the command and — when the bytes that did
/// arrive show one — the likely mistake ([`recognise_wrong_format`] with
/// `expected`, what a reply starts with). So does a reply that framed
/// correctly but is another lab's (lab 05's JSON header read by lab 04).
pub fn run_client<S, E: Display>(
    args: &ClientArgs,
    reply_timeout: Duration,
    port: u16,
    expected: Expected,
    open: impl FnOnce(Heard) -> S,
    mut ask: impl FnMut(&mut S, &mut TcpStream, &[u8]) -> Result<Vec<u8>, E>,
) -> ExitCode {
    let stream = match args.connect(port) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut w = match stream.try_clone() {
        Ok(w) => w,
        Err(e) => return fail(t!("harness-socket-error", error = e)),
    };
    if let Err(e) = stream.set_read_timeout(Some(reply_timeout)) {
        return fail(t!("harness-socket-error", error = e));
    }
    let heard = Heard::new(stream, reply_timeout);
    let (seen, closed) = (heard.seen.clone(), heard.closed.clone());
    let mut r = open(heard);
    let mut prompt = Prompt::new(args.cmds.clone(), ">>> ");
    let mut out = io::stdout();
    while let Some(cmd) = prompt.next_command() {
        seen.borrow_mut().clear();
        let reply = ask(&mut r, &mut w, cmd.as_bytes());
        let mistake = |when| recognise_wrong_format(&seen.borrow(), expected, when);
        match reply {
            Ok(data) => {
                if let Some(m) = mistake(When::Whole) {
                    return fail(t!(
                        "harness-reply-error",
                        cmd = cmd,
                        error = m.advice(Side::Client)
                    ));
                }
                let _ = show_reply(
                    &mut out,
                    &mut std::io::stderr(),
                    &args.encoding.decode(&data).0,
                );
            }
            Err(e) => {
                return fail(match mistake(When::Stuck) {
                    Some(m) => t!(
                        "harness-reply-error",
                        cmd = cmd,
                        error = format!("{e}{}{}", t!("harness-separator"), m.advice(Side::Client))
                    ),
                    None if closed.get() && seen.borrow().is_empty() => {
                        t!("harness-closed-without-reply", cmd = cmd, error = e)
                    }
                    None => t!("harness-reply-error", cmd = cmd, error = e),
                })
            }
        }
    }
    ExitCode::SUCCESS
}

/// Shows one reply the way a shell shows a command's output: whole and at
/// once (flushed, not left in a line buffer until the next reply), the next
/// prompt on a line of its own even when the output did not end with a
/// newline (`printf abc`), and an empty reply named as `(empty reply)` on
/// `notes` rather than shown as nothing. The note goes to `notes` (stderr),
/// not `out`: a script or `sticky check` reading stdout gets exactly the
/// replies' bytes.
pub fn show_reply<W: Write, N: Write>(out: &mut W, notes: &mut N, text: &str) -> io::Result<()> {
    if text.is_empty() {
        out.flush()?;
        writeln!(notes, "{}", t!("harness-empty-reply"))?;
        notes.flush()?;
    } else {
        out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            writeln!(out)?;
        }
    }
    out.flush()
}

/// A server's OWN reply over its own `--max-frame`: the client did nothing
/// wrong, so the server's log says so and the client gets an error reply
/// ([`OwnReplyTooLarge::reply`]) instead of a silent close.
#[derive(Debug)]
pub struct OwnReplyTooLarge {
    /// The command, as text.
    pub cmd: String,
    /// The reply's length.
    pub len: usize,
    /// The server's limit.
    pub max: usize,
}

impl OwnReplyTooLarge {
    /// `Some` when a reply of `len` bytes to `cmd` is over `max`.
    pub fn check(cmd: &[u8], len: usize, max: usize) -> Option<OwnReplyTooLarge> {
        (len > max).then(|| OwnReplyTooLarge {
            cmd: crate::kit::text::preview(cmd, 40),
            len,
            max,
        })
    }

    /// The error reply to send instead: one `error: …` line, cut to the
    /// limit itself so that it can always be sent.
    /// In English whatever the server's language: the lessons' clients
    /// decode replies as GBK (see [`super::wrong_format::WrongFormat::reply_text`]).
    pub fn reply(&self) -> Vec<u8> {
        let mut msg = format!("error: {}\n", self.text_in(Lang::En)).into_bytes();
        msg.truncate(self.max);
        msg
    }

    /// The sentence in `lang`.
    fn text_in(&self, lang: Lang) -> String {
        crate::lang::tr_in(
            lang,
            "harness-own-reply-too-large",
            &[
                ("cmd", self.cmd.clone()),
                ("len", self.len.to_string()),
                ("max", self.max.to_string()),
            ],
        )
    }
}

impl std::fmt::Display for OwnReplyTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text_in(crate::lang::current()))
    }
}

impl std::error::Error for OwnReplyTooLarge {}

/// How many of a reply's first bytes a client keeps, to recognise a mistake in them.
const KEEP_SEEN: usize = 256;

/// A client's read side that keeps the first bytes of the current reply
/// (cleared before each command), so that a stuck or refused reply can be
/// shown and recognised; and that names a read timeout for what it means
/// to a client: no reply came.
pub struct Heard {
    stream: TcpStream,
    timeout: Duration,
    seen: Rc<RefCell<Vec<u8>>>,
    closed: Rc<Cell<bool>>,
}

impl Heard {
    fn new(stream: TcpStream, timeout: Duration) -> Heard {
        Heard {
            stream,
            timeout,
            seen: Rc::default(),
            closed: Rc::default(),
        }
    }
}

impl Read for Heard {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match self.stream.read(buf) {
            Err(e) if crate::kit::sock::is_timeout(&e) => {
                let got = self.seen.borrow().len();
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    t!(
                        "harness-no-reply",
                        wait = format!("{:?}", self.timeout),
                        got = got
                    ),
                ));
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
                ) =>
            {
                // A reset is a close that also threw away what we sent (the
                // server hung up on unread bytes): to a client, the same "no
                // reply", so it gets the same advice as an orderly close.
                self.closed.set(true);
                return Err(e);
            }
            other => other?,
        };
        self.closed.set(n == 0 && !buf.is_empty());
        let mut seen = self.seen.borrow_mut();
        let room = KEEP_SEEN.saturating_sub(seen.len()).min(n);
        seen.extend_from_slice(&buf[..room]);
        Ok(n)
    }
}

/// A demo server on an ephemeral loopback port: each connection served by
/// `handler`, whose errors are kept for the story instead of printed
/// ([`KeptErrors`]), with a 30 s idle timeout so no stage can hang on it.
pub fn background<H, E>(handler: H) -> io::Result<(Background, KeptErrors)>
where
    H: Fn(TcpStream) -> Result<(), E> + Send + Sync + 'static,
    E: Display,
{
    Background::keeping_errors(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        ServeOptions {
            log: false,
            idle_timeout: Some(Duration::from_secs(30)),
            ..ServeOptions::default()
        },
        move |s, _| handler(s),
    )
}

/// A demo client's connection: Nagle off (each command leaves at once) and
/// a 10 s read timeout, so a stage that waits for bytes never hangs.
pub fn demo_connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let s = crate::kit::sock::connect(addr)?;
    s.set_nodelay(true)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    Ok(s)
}

/// A chaos proxy config for one demo stage: from `seed` on, the first seed
/// whose first cut leaves the command `cmd` whole (the lesson's server reads
/// it with one `recv`) and whose first cut of the reply satisfies
/// `reply_cut`. Pieces of 1..=`max_chunk` bytes, `delay_ms` apart.
pub fn cue(
    upstream: SocketAddr,
    seed: u64,
    max_chunk: usize,
    delay_ms: u64,
    cmd: &str,
    reply_cut: impl Fn(usize) -> bool,
) -> Result<ProxyConfig, StageError> {
    let mut base = ProxyConfig::new(upstream, seed, max_chunk);
    base.delay = Duration::from_millis(delay_ms);
    base.first_seed_where(1_000_000, |c| {
        c.plan(0, Direction::ToServer).next_cut() >= cmd.len()
            && reply_cut(c.plan(0, Direction::ToClient).next_cut())
    })
    .ok_or_else(|| StageError::new(t!("harness-no-seed-cues")))
}

/// Starts a chaos proxy with `cfg` and connects a demo client through it.
/// Keep the proxy alive as long as the connection is used.
pub fn through(cfg: &ProxyConfig) -> io::Result<(ChaosProxy, TcpStream)> {
    let proxy = ChaosProxy::start(SocketAddr::from(([127, 0, 0, 1], 0)), cfg.clone())?;
    let conn = demo_connect(proxy.local_addr())?;
    Ok((proxy, conn))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_background_server_keeps_its_connections_errors() {
        let (bg, errors) = background(|mut s: TcpStream| -> Result<(), String> {
            let mut b = [0u8; 1];
            s.read_exact(&mut b).map_err(|e| e.to_string())?;
            Err(format!("refused {:?}", b[0] as char))
        })
        .unwrap();
        let mut c = demo_connect(bg.addr()).unwrap();
        c.write_all(b"x").unwrap();
        let mut rest = Vec::new();
        let _ = c.read_to_end(&mut rest);
        let e = errors.wait_for("refused", Duration::from_secs(5));
        assert_eq!(e.as_deref(), Some("refused 'x'"));
    }

    #[test]
    fn a_reply_without_a_newline_ends_its_line_and_an_empty_one_is_named() {
        let (mut out, mut notes) = (Vec::new(), Vec::new());
        for reply in ["abc", "next\n", "", "two\nlines"] {
            show_reply(&mut out, &mut notes, reply).unwrap();
        }
        assert_eq!(String::from_utf8(out).unwrap(), "abc\nnext\ntwo\nlines\n");
        assert_eq!(String::from_utf8(notes).unwrap(), "(empty reply)\n");
    }
}
