//! The naive protocol of lab 01: raw command bytes up, raw output down, one
//! `recv(1024)` each way (seed 002 §1.1).
//!
//! The lesson's server reads a command with `conn.recv(1024)`, runs it and
//! sends `stdout_res + stderr_res` back with no framing at all. Its client
//! sends a command and prints whatever one `client.recv(1024)` returns. Both
//! sides assume that one `send()` arrives as one `recv()`. TCP never promised
//! that: it delivers a stream of bytes, and a `recv()` returns whatever is in
//! the receive buffer at that moment, up to the size asked for.
//!
//! * A reply longer than 1024 bytes cannot fit one `recv(1024)`: the rest
//!   stays in the client's receive buffer and becomes the start of the *next*
//!   command's "reply". From then on every answer is the tail of the previous.
//! * Two commands sent close together can sit in the server's receive buffer
//!   at once, and one `recv(1024)` returns both: `ls` + `dir` → `lsdir`.
//! * A bigger buffer (`recv(204800000)`, seed 000) only hides the problem
//!   while the network delivers a reply in one piece; a real hop cuts it.
//!
//! The lesson's read is [`lesson_recv`]; the read that cannot desync is
//! [`recv_until_close`], right below. [`NaiveServer`] and [`NaiveClient`]
//! speak this protocol exactly, so the lesson's own Python programs
//! interoperate with them; both record every call, so a lab can show where
//!
//! The parts: [`protocol`] (the server, the client, the journal that
//! compares them), [`runs`] (each demo stage's measurement, one function
//! and one result each), [`views`] (what the demo checks and reports of
//! them) and [`cli`] (the `server` and `client` commands).

use std::io::{self, Read};

use crate::kit::sock::RECV_ALLOC_LIMIT;

// ─────────────── the lesson's read, and the read that cannot desync ───────────────

/// The lesson's read (seed 002): `data = client.recv(1024)`, printed as the
/// whole reply. One call returns whatever sits in the receive buffer, up to
/// `size` bytes: part of a long reply, or the tail of the previous one.
/// Seed 000's `recv(204800000)` is this same read with a bigger `size`.
pub fn lesson_recv(conn: &mut impl Read, size: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; size.min(RECV_ALLOC_LIMIT)];
    let got = conn.read(&mut buf)?; // one read() is one recv() system call
    buf.truncate(got);
    Ok(buf)
}

/// The read that cannot desync: the client sent ONE command and shut down
/// its sending side, so the reply is everything until the server closes.
/// Same `recv(size)` calls; what changed is that the end of the reply is
/// known. The price is one connection per command; the real fix sends each
/// reply's length first, so one connection carries many: lab 04's prefix.
pub fn recv_until_close(conn: &mut impl Read, size: usize) -> io::Result<Vec<u8>> {
    let mut reply = Vec::new();
    loop {
        let piece = lesson_recv(conn, size)?;
        if piece.is_empty() {
            return Ok(reply);
        }
        if reply.len() + piece.len() > MAX_REPLY {
            return Err(io::Error::other(format!("a reply over {MAX_REPLY} B")));
        }
        reply.extend_from_slice(&piece);
    }
}

/// The most a [`recv_until_close`] keeps: far above the server's output cap.
pub const MAX_REPLY: usize = 64 << 20;

/// Seed 000's "fix": `recv(204800000)`, a buffer bigger than any reply.
pub const BIG_RECV: usize = 204_800_000;

pub mod cli;
pub mod protocol;
pub mod runs;
pub mod views;

pub use protocol::{
    wait_queued, Exchange, Journal, NaiveClient, NaiveError, NaiveServer, CLIENT_WAIT,
};
