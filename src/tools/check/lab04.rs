//! Lab 04's protocol for the checker: a 4-byte length header before every
//! reply (`struct.pack('i', n)`), and before every request in our format.
//!
//! The lesson's client reads the header with ONE `recv(4)` and the body
//! with ONE `recv(n)`; the cases `header-split`, `every-byte` and
//! `over-1024` each make one of those reads come up short.

use super::{framed, BufStream, Cutter, Wire};
use crate::framing::{ByteOrder, LengthPrefix};
use crate::harness::Compat;
use crate::lessons::lab04_struct_header::header_format;

/// The largest reply the reference client accepts: the 1 MiB cap of the
/// lessons' servers, with room to spare.
const MAX_REPLY: usize = 16 << 20;

/// Lab 04's wire: the header format and whether requests are framed.
pub struct StructHeader {
    codec: LengthPrefix,
    compat: Compat,
}

impl StructHeader {
    /// The wire for `compat`, with the header in `order` (this machine's when `None`).
    pub fn new(compat: Compat, order: Option<ByteOrder>) -> StructHeader {
        StructHeader {
            codec: header_format(order, MAX_REPLY),
            compat,
        }
    }
}

impl Wire for StructHeader {
    fn read_request(&self, s: &mut BufStream) -> Result<Option<Vec<u8>>, String> {
        match self.compat {
            Compat::Lesson => s.read_bare_command(),
            Compat::Ours => {
                // A close before the first header byte is the end of the session.
                if s.at_end() {
                    return Ok(None);
                }
                s.read_frame(&self.codec, "command").map(Some)
            }
        }
    }

    fn send_reply(&self, s: &mut BufStream, reply: &[u8], cut: &mut Cutter) -> Result<u64, String> {
        let body_at = cut.offset() + LengthPrefix::LEN as u64;
        cut.send(&mut s.w, &framed(&self.codec, reply)?)
            .map_err(|e| e.to_string())?;
        cut.end_message();
        Ok(body_at)
    }

    fn reply_head(
        &self,
        _s: &mut BufStream,
        full: &[u8],
        _cut: &mut Cutter,
    ) -> Result<Vec<u8>, String> {
        // The header goes out cut with the body: it is what header-split tests.
        self.codec
            .pack(full.len())
            .map(|h| h.to_vec())
            .map_err(|e| e.to_string())
    }

    fn request_bytes(&self, cmd: &[u8]) -> Vec<u8> {
        match self.compat {
            Compat::Lesson => cmd.to_vec(),
            // A command is far below the header's limit: the pack cannot fail.
            Compat::Ours => framed(&self.codec, cmd).unwrap_or_else(|_| cmd.to_vec()),
        }
    }

    fn read_reply(&self, s: &mut BufStream, _cut: &mut Cutter) -> Result<Vec<u8>, String> {
        s.read_frame(&self.codec, "reply")
    }

    fn requests_framed(&self) -> bool {
        self.compat == Compat::Ours
    }

    fn header_split(&self) -> Option<&'static [usize]> {
        Some(&[1, 3])
    }
}
