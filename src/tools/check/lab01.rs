//! Lab 01 for the checker, as a demonstration: the lesson's naive protocol
//! (a bare command, a bare reply, one `recv(1024)` each way) has no frame,
//! so no client can tell where a reply ends once the stream is cut. The
//! check exits 1 for every client and shows the desync.

use super::{BufStream, Cutter, Wire};

/// The lesson's bytes: nothing around the reply.
pub struct Raw;

impl Wire for Raw {
    fn read_request(&self, s: &mut BufStream) -> Result<Option<Vec<u8>>, String> {
        s.read_bare_command()
    }

    fn send_reply(&self, s: &mut BufStream, reply: &[u8], cut: &mut Cutter) -> Result<u64, String> {
        let at = cut.offset();
        cut.send(&mut s.w, reply).map_err(|e| e.to_string())?;
        cut.end_message();
        Ok(at)
    }

    fn reply_head(&self, _: &mut BufStream, _: &[u8], _: &mut Cutter) -> Result<Vec<u8>, String> {
        Ok(Vec::new())
    }

    fn request_bytes(&self, cmd: &[u8]) -> Vec<u8> {
        cmd.to_vec()
    }

    fn read_reply(&self, _: &mut BufStream, _: &mut Cutter) -> Result<Vec<u8>, String> {
        Err(crate::t!("check-lab01-no-frame"))
    }

    fn requests_framed(&self) -> bool {
        false
    }

    fn header_split(&self) -> Option<&'static [usize]> {
        None
    }

    fn protocol_hint(&self) -> Option<&'static str> {
        Some("check-lab01-hint")
    }
}
