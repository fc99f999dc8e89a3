//! Lab 04 — a 4-byte struct header (seed 001 scheme 2, seed 002 §1.2).
//!
//! The lesson's server sends `struct.pack('i', len(data)) + data` in one
//! write. Its client reads the header with ONE `recv(4)` and the body with
//! ONE `recv(n)`. TCP keeps no boundaries, so either `recv` may return
//! fewer bytes than asked: the body comes up short, its rest stays in the
//! socket, and the next `recv(4)` reads four bytes of *text* as a header —
//! an absurd length, or a `struct.error`.
//!
//! [`lesson_recv`] is that client; [`fixed_recv`] is the fix, the same two
//! steps with a loop each ([`recv_exact`], as [`LengthPrefix::read_frame`]
//! does). Below them: the lab's command server and client.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::framing::{recv_exact, FrameError, FrameReader, LengthPrefix};
use crate::harness::Compat;
use crate::kit::sock::recv_once;
use crate::lessons::LESSON_RECV;

/// The lesson's client reading one reply: ONE `recv(4)`, `struct.unpack`,
/// ONE `recv(n)` — each may return fewer bytes than asked.
pub fn lesson_recv(stream: &TcpStream, codec: &LengthPrefix) -> Result<StructReply, FrameError> {
    let mut reply = StructReply::unpack(recv_once(stream, LengthPrefix::LEN)?, codec);
    if let Ok(n) = reply.claimed {
        let body = recv_once(stream, n)?;
        reply
            .body_reads
            .extend(Some(body).filter(|b| !b.is_empty()));
    }
    Ok(reply)
}

/// The fix: read exactly 4 bytes, unpack, read exactly `n` bytes — a loop
/// for each, until every byte asked for has arrived.
pub fn fixed_recv<R: Read + ?Sized>(
    r: &mut R,
    codec: &LengthPrefix,
) -> Result<StructReply, FrameError> {
    let mut reply = StructReply::unpack(recv_exact(r, LengthPrefix::LEN, "header")?, codec);
    if let Ok(n) = reply.claimed {
        reply.body_reads.push(recv_exact(r, n, "body")?);
    }
    Ok(reply)
}

/// One reply as a client received it, recorded for the demo.
#[derive(Clone, Debug)]
pub struct StructReply {
    /// What the read of the header returned.
    pub header: Vec<u8>,
    /// `struct.unpack('i', header)[0]`, or why it failed (a length this side
    /// refuses is reported here, never allocated).
    pub claimed: Result<usize, String>,
    /// The body, as the reads returned it.
    pub body_reads: Vec<Vec<u8>>,
}

impl StructReply {
    /// `struct.unpack` of what arrived as the header: Python refuses anything
    /// but exactly 4 bytes, and we refuse lengths over the frame limit.
    fn unpack(header: Vec<u8>, codec: &LengthPrefix) -> StructReply {
        let claimed = match header.first_chunk::<4>() {
            Some(h) => codec.decode(*h).map_err(|e| e.to_string()),
            None => Err(format!(
                "struct.error: unpack requires a buffer of 4 bytes (recv(4) returned {})",
                header.len()
            )),
        };
        StructReply {
            header,
            claimed,
            body_reads: Vec::new(),
        }
    }

    /// All body bytes received.
    pub fn body(&self) -> Vec<u8> {
        self.body_reads.concat()
    }
}

/// Lab 04's command server for one connection: read a command (a frame,
/// or the lesson's bare `recv(1024)`), run it, reply with a 4-byte header
/// and stdout + stderr in one write (seed 002 §1.2). Requests are read
/// with a [`FrameReader`], so a header that promises 64 MiB and sends
/// nothing makes the server allocate nothing. `idle` is the socket's read
/// timeout, named in the error when a client goes quiet.
pub fn serve_commands(
    stream: TcpStream,
    codec: LengthPrefix,
    compat: Compat,
    runner: &crate::kit::runner::RunnerConfig,
    idle: Option<Duration>,
) -> Result<(), FrameError> {
    let _ = stream.set_nodelay(true);
    let mut frames = FrameReader::new(stream, codec);
    loop {
        let cmd = match compat {
            Compat::Ours => frames.next_frame(),
            Compat::Lesson => recv_once(frames.get_ref(), LESSON_RECV)
                .map(|c| Some(c).filter(|c| !c.is_empty()))
                .map_err(FrameError::from),
        };
        let cmd = match cmd {
            Ok(Some(cmd)) => cmd,
            Ok(None) => return Ok(()),
            Err(FrameError::Io(e)) => {
                return Err(crate::kit::server::idle_error(e, idle).into());
            }
            Err(e) => return Err(e),
        };
        let out = crate::kit::runner::run(&cmd, runner);
        codec.write_frame(frames.get_mut(), &out.combined())?;
    }
}

/// Lab 04's client side of one command: send it (framed, or bare for the
/// lesson's servers), then read the reply frame.
pub fn ask<R: Read, W: Write + ?Sized>(
    frames: &mut FrameReader<R>,
    w: &mut W,
    compat: Compat,
    cmd: &[u8],
) -> Result<Vec<u8>, FrameError> {
    match compat {
        Compat::Ours => frames.codec().write_frame(w, cmd)?,
        Compat::Lesson => w.write_all(cmd)?,
    }
    w.flush()?;
    frames.next_frame()?.ok_or(FrameError::Closed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn framed(body: &[u8]) -> Vec<u8> {
        let mut wire = Vec::new();
        LengthPrefix::lesson().write_frame(&mut wire, body).unwrap();
        wire
    }

    #[test]
    fn the_fix_reads_a_reply_cut_into_single_bytes() {
        let wire = framed(b"hello, world");
        let plan = crate::kit::chaos::ChaosPlan::new(3, 1);
        let mut r = crate::kit::chaos::ChaosReader::new(Cursor::new(wire), plan);
        let reply = fixed_recv(&mut r, &LengthPrefix::lesson()).unwrap();
        assert_eq!(reply.claimed, Ok(12));
        assert_eq!(reply.body(), b"hello, world");
    }

    #[test]
    fn text_read_as_a_header_claims_an_absurd_length_that_is_refused() {
        let mut r = Cursor::new(b"t.rs\nmain.rs\n".to_vec());
        let reply = fixed_recv(&mut r, &LengthPrefix::lesson()).unwrap();
        assert!(reply.claimed.is_err(), "{:?}", reply.claimed);
        assert!(reply.body_reads.is_empty());
    }

    #[test]
    fn a_short_header_is_pythons_struct_error() {
        let reply = StructReply::unpack(b"ab".to_vec(), &LengthPrefix::lesson());
        let e = reply.claimed.unwrap_err();
        assert!(e.starts_with("struct.error"), "{e}");
    }
}
