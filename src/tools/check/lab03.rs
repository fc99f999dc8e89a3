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
            return Err(format!(
                "your client answered \"{}\" to the length, not \"ok\"",
                crate::kit::text::preview(&ok, 20)
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

    fn send_part_and_close(
        &self,
        s: &mut BufStream,
        full: &[u8],
        sent: usize,
        cut: &mut Cutter,
    ) -> Result<(), String> {
        self.announce(s, full.len(), cut)?;
        s.send_then_close(&full[..sent.min(full.len())], cut)
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
        let n = if self.codec.terminated {
            self.codec.read(&mut s.r).map_err(|e| e.to_string())?
        } else {
            // The lesson's digits: one recv(), which the server's wait for
            // our `ok` keeps alone in the stream.
            let text = s.read_once(LESSON_RECV)?;
            if text.is_empty() {
                return Err("the server closed instead of sending the length".into());
            }
            match self.codec.check(&text).map_err(|e| e.to_string())? {
                TextCheck::Complete { len, .. } => len,
                TextCheck::Incomplete => return Err("the length text was empty".into()),
            }
        };
        cut.send(&mut s.w, ACK).map_err(|e| e.to_string())?;
        s.read_exact_named(n, "reply")
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
