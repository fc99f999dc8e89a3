//! The `server` and `client` commands of `lab01-naive-recv`: the lesson's
//! two programs on real sockets, so the lesson's own Python programs can
//! talk to them (seed 002 §1.1).

use std::io::{self, Write};
use std::process::ExitCode;

use super::{NaiveClient, NaiveServer, CLIENT_WAIT};
use crate::harness::{self, ports, ClientArgs, CommandServerArgs, Prompt};
use crate::kit::record::Clock;
use crate::report::chunks;
use crate::t;

/// The binary's name, as the server announces itself.
const LAB: &str = "lab01-naive-recv";
/// Preview width of a chunk line.
const WIDTH: usize = 70;

/// The lesson's server: one recv(1024) is a command, its raw output goes
/// back; one log line per command on stderr. Runs until killed.
pub fn server(args: &CommandServerArgs) -> ExitCode {
    let listener = match args.bind(ports::LAB01) {
        Ok(l) => l,
        Err(e) => return harness::fail(e),
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => return harness::fail(t!("lab01-no-local-addr", error = e)),
    };
    harness::announce(LAB, addr);
    let mut naive = NaiveServer::new(args.runner());
    naive.log = true;
    match crate::kit::server::serve(listener, args.serve_options(), move |c, p| {
        naive.handle(c, p)
    }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => harness::fail(t!("lab01-server-failed", addr = addr, error = e)),
    }
}

/// The lesson's client: one send per command, ONE `recv(bufsize)` printed
/// as the whole reply; with `show_chunks`, each recv as a chunk line first.
pub fn client(args: &ClientArgs, bufsize: usize, show_chunks: bool) -> ExitCode {
    if bufsize == 0 {
        return harness::fail(t!("lab01-bufsize-zero"));
    }
    let addr = args.addr_or(ports::LAB01);
    let mut c = match NaiveClient::connect(addr, bufsize, Clock::start()) {
        Ok(c) => c,
        Err(e) => return harness::fail(t!("flags-cannot-connect", addr = addr, error = e)),
    };
    let mut prompt = Prompt::new(args.cmds.clone(), ">>> ");
    let mut out = io::stdout();
    while let Some(cmd) = prompt.next_command() {
        // The lesson's loop: send, then ONE recv, printed as the whole reply.
        let reply = match c.ask(&cmd) {
            Ok(r) => r,
            Err(e) if crate::kit::sock::is_timeout(&e) => {
                // A command with no output sends nothing, and the naive
                // protocol has no way to say "empty": recv() just waits.
                eprintln!(
                    "{}",
                    t!(
                        "lab01-no-reply",
                        command = cmd,
                        seconds = CLIENT_WAIT.as_secs()
                    )
                );
                continue;
            }
            Err(e) => return harness::fail(t!("lab01-talk-failed", addr = addr, error = e)),
        };
        if reply.is_empty() {
            return harness::fail(t!("lab01-closed", addr = addr));
        }
        if show_chunks {
            // Numbered over the whole session: recv #3 is the third recv() call.
            let view = chunks::render(&format!("recv({bufsize})"), c.reads(), &[], WIDTH);
            let _ = writeln!(out, "{}", view.lines().last().unwrap_or_default());
        }
        let (text, _) = args.encoding.decode(&reply);
        let _ = write!(out, "{text}");
        if !text.ends_with('\n') {
            let _ = writeln!(out);
        }
        let _ = out.flush();
    }
    ExitCode::SUCCESS
}
