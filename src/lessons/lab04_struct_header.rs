//! Lab 04 — a 4-byte struct header (seed 001 scheme 2, seed 002 §1.2).
//!
//! The lesson's command server and client around the 4-byte prefix of
//! [`crate::framing::LengthPrefix`].

use std::io::{self, Read, Write};

use crate::framing::{recv_exact, FrameError, FrameReader, LengthPrefix};
use crate::harness::Compat;
use crate::lessons::LESSON_RECV;

/// A socket read timeout, renamed for what it means on a server: the
/// client went quiet (sockets report it as `WouldBlock` on Unix).
pub fn idle_error(e: FrameError, timeout: Option<std::time::Duration>) -> FrameError {
    match (e, timeout) {
        (FrameError::Io(io), Some(t)) if crate::kit::sock::is_timeout(&io) => {
            FrameError::Io(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("client sent nothing for {t:?} (idle timeout)"),
            ))
        }
        (e, _) => e,
    }
}

/// Lab 04's command server for one connection: read a command (a frame,
/// or the lesson's bare `recv(1024)`), run it, reply with a 4-byte header
/// and stdout + stderr in one write (seed 002 §1.2). Requests are read
/// with a [`FrameReader`], so a header that promises 64 MiB and sends
/// nothing makes the server allocate nothing.
pub fn serve_commands(
    stream: std::net::TcpStream,
    codec: LengthPrefix,
    compat: Compat,
    runner: &crate::kit::runner::RunnerConfig,
    idle: Option<std::time::Duration>,
) -> Result<(), FrameError> {
    let _ = stream.set_nodelay(true);
    let mut frames = FrameReader::new(stream, codec);
    loop {
        let cmd = match compat {
            Compat::Ours => frames.next_frame(),
            Compat::Lesson => crate::kit::sock::recv_once(frames.get_ref(), LESSON_RECV)
                .map(|c| Some(c).filter(|c| !c.is_empty()))
                .map_err(FrameError::from),
        };
        let Some(cmd) = cmd.map_err(|e| idle_error(e, idle))? else {
            return Ok(());
        };
        let out = crate::kit::runner::run(&cmd, runner);
        codec.write_frame(frames.get_mut(), &out.combined())?;
    }
}

/// Lab 04's client side of one command: send it (framed, or bare for the
/// lesson's servers), then read the reply frame with both loops.
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

/// One command the way seed 001's scheme-2 client does it, recorded.
#[derive(Clone, Debug, Default)]
pub struct LessonStructReply {
    /// What `recv(4)` returned.
    pub header: Vec<u8>,
    /// `struct.unpack('i', header)[0]`, or why it failed.
    pub claimed: Option<Result<usize, String>>,
    /// Each `recv()` of the body.
    pub body_reads: Vec<Vec<u8>>,
}

impl LessonStructReply {
    /// All body bytes received.
    pub fn body(&self) -> Vec<u8> {
        self.body_reads.concat()
    }
}

/// Seed 001's scheme-2 client over a real socket: send the bare command,
/// one `recv(4)`, unpack, then one `recv(n)` — or, with `read_all`, the
/// read-exact loops for both. A length this side would refuse is reported,
/// never allocated.
pub fn lesson_struct_ask(
    stream: &std::net::TcpStream,
    codec: &LengthPrefix,
    cmd: &[u8],
    read_all: bool,
) -> Result<LessonStructReply, FrameError> {
    let mut s = stream;
    s.write_all(cmd)?;
    let mut rep = LessonStructReply::default();
    if read_all {
        rep.header = recv_exact(&mut s, LengthPrefix::LEN, "header")?;
    } else {
        rep.header = crate::kit::sock::recv_once(stream, LengthPrefix::LEN)?;
    }
    let Some(head) = rep.header.first_chunk::<4>() else {
        rep.claimed = Some(Err(format!(
            "struct.error: unpack requires a buffer of 4 bytes (recv(4) returned {})",
            rep.header.len()
        )));
        return Ok(rep);
    };
    let n = match codec.decode(*head) {
        Ok(n) => n,
        Err(e) => {
            rep.claimed = Some(Err(e.to_string()));
            return Ok(rep);
        }
    };
    rep.claimed = Some(Ok(n));
    rep.body_reads = crate::kit::sock::recv_pieces(stream, n, read_all)?;
    Ok(rep)
}
