//! Lab 03's protocol for the checker: the reply's length as text, the
//! client's `ok`, then the reply (seed 001, scheme 1). Our format ends the
//! digits with `\n` and frames requests the same way.
//!
//! In the lesson's format the digits have no end mark: a client cannot tell
//! `"14"` from `"1443"`, so the checker never cuts them (the lesson relies
//! on the `ok` to keep them alone in the stream). It cuts the reply, which
//! the lesson's client reads with ONE `recv(int(length))`.

use super::{BufStream, Cutter, Wire};
use crate::harness::Compat;
use crate::lessons::lab03_length_ack::{LengthText, TextCheck, ACK};
use crate::lessons::LESSON_RECV;

/// Lab 03's wire in one format.
pub struct LengthAck {
    codec: LengthText,
}

impl LengthAck {
    /// The wire for `compat`.
    pub fn new(compat: Compat) -> LengthAck {
        LengthAck {
            codec: LengthText::for_compat(compat).with_max_len(16 << 20),
        }
    }

    /// The reply's length: our terminated digits, or the lesson's in one
    /// `recv()` (the server's wait for our `ok` keeps them alone).
    fn read_length(&self, s: &mut BufStream) -> Result<usize, String> {
        if self.codec.terminated {
            return self.codec.read(&mut s.r).map_err(|e| e.to_string());
        }
        let text = s.read_once(LESSON_RECV)?;
        if text.is_empty() {
            return Err(crate::t!("check-lab03-closed-before-length"));
        }
        match self.codec.check(&text).map_err(|e| e.to_string())? {
            TextCheck::Complete { len, .. } => Ok(len),
            TextCheck::Incomplete => Err(crate::t!("check-lab03-empty-length")),
        }
    }

    fn digits(&self, n: usize) -> Result<Vec<u8>, String> {
        self.codec.encode(n).map_err(|e| e.to_string())
    }

    /// The length text, then the client's `ok` (read exactly: two bytes).
    fn announce(&self, s: &mut BufStream, n: usize, cut: &mut Cutter) -> Result<(), String> {
        let text = self.digits(n)?;
        if self.codec.terminated {
            cut.send(&mut s.w, &text)
        } else {
            cut.send_whole(&mut s.w, &text)
        }
        .map_err(|e| e.to_string())?;
        let ok = s.read_exact_named(ACK.len(), "ok")?;
        if ok != ACK {
            return Err(crate::t!(
                "check-lab03-not-ok",
                answer = crate::kit::text::preview(&ok, 20)
            ));
        }
        Ok(())
    }
}

impl Wire for LengthAck {
    fn read_request(&self, s: &mut BufStream) -> Result<Option<Vec<u8>>, String> {
        if !self.codec.terminated {
            return s.read_bare_command();
        }
        if s.at_end() {
            return Ok(None);
        }
        let n = self.codec.read(&mut s.r).map_err(|e| e.to_string())?;
        s.read_exact_named(n, "command").map(Some)
    }

    fn send_reply(&self, s: &mut BufStream, reply: &[u8], cut: &mut Cutter) -> Result<u64, String> {
        self.announce(s, reply.len(), cut)?;
        let body_at = cut.offset();
        cut.send(&mut s.w, reply).map_err(|e| e.to_string())?;
        cut.end_message();
        Ok(body_at)
    }

    fn reply_head(
        &self,
        s: &mut BufStream,
        full: &[u8],
        cut: &mut Cutter,
    ) -> Result<Vec<u8>, String> {
        self.announce(s, full.len(), cut)?;
        Ok(Vec::new())
    }

    fn request_bytes(&self, cmd: &[u8]) -> Vec<u8> {
        if !self.codec.terminated {
            return cmd.to_vec();
        }
        let mut msg = self.digits(cmd.len()).unwrap_or_default();
        msg.extend_from_slice(cmd);
        msg
    }

    fn read_reply(&self, s: &mut BufStream, cut: &mut Cutter) -> Result<Vec<u8>, String> {
        let n = self.read_length(s)?;
        cut.send(&mut s.w, ACK).map_err(|e| e.to_string())?;
        s.read_exact_named(n, "reply")
    }

    /// Lab 03 can never send two requests back to back: the length, the
    /// `ok` and the reply come between. What sticks is the `ok` and the
    /// next request: `ok` + the second command leave in ONE write, and the
    /// server must read exactly 2 bytes for the `ok` and keep the rest.
    /// Sound in both formats — the `ok` has a known length, and the
    /// lesson's bare command is the last thing in the segment (we send
    /// nothing more until its reply) — and it fails the lesson's server,
    /// whose one `recv(1024)` for the `ok` takes the command with it.
    fn ask_glued(
        &self,
        s: &mut BufStream,
        cmds: &[String; 2],
        cut: &mut Cutter,
    ) -> Option<Vec<Result<Vec<u8>, String>>> {
        let mut glue = || -> Result<[Vec<u8>; 2], String> {
            let first = self.request_bytes(cmds[0].as_bytes());
            cut.send_whole(&mut s.w, &first)
                .map_err(|e| crate::t!("check-sending", command = &cmds[0], error = e))?;
            cut.end_message();
            let n = self.read_length(s)?;
            let mut ok_then_next = ACK.to_vec();
            ok_then_next.extend(self.request_bytes(cmds[1].as_bytes()));
            cut.send_whole(&mut s.w, &ok_then_next).map_err(|e| {
                crate::t!(
                    "check-lab03-sending-ok-glued",
                    command = &cmds[1],
                    error = e
                )
            })?;
            cut.end_message();
            let one = s.read_exact_named(n, "reply").map_err(|e| {
                crate::t!(
                    "check-lab03-reading-after-ok",
                    first = &cmds[0],
                    second = &cmds[1],
                    error = e
                )
            })?;
            let two = self.read_reply(s, cut).map_err(|e| {
                crate::t!(
                    "check-lab03-reading-glued-to-ok",
                    command = &cmds[1],
                    error = e
                )
            })?;
            Ok([one, two])
        };
        Some(match glue() {
            Ok([a, b]) => vec![Ok(a), Ok(b)],
            Err(e) => vec![Err(e)],
        })
    }

    fn glue_sound(&self) -> bool {
        true
    }

    fn requests_framed(&self) -> bool {
        self.codec.terminated
    }

    fn header_split(&self) -> Option<&'static [usize]> {
        self.codec.terminated.then_some(&[1][..])
    }

    fn has_ack(&self) -> bool {
        true
    }
}
