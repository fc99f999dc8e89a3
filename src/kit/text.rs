//! Turning received bytes back into text, and what a cut does to it.
//!
//! A chunk boundary can fall in the middle of a multi-byte character: `中`
//! is three bytes in UTF-8 (`e4 b8 ad`) and two in GBK. Decoding each
//! `recv()` on its own then garbles the character at the edge, even though
//! no byte was lost. The lessons' clients also decode with `'gbk'` because
//! their servers ran on Chinese Windows; decoding with the wrong encoding is
//! a different garbling, shown here too.

use std::fmt::Write as _;

use serde::Serialize;

/// A text encoding the lessons meet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, Serialize)]
pub enum Encoding {
    /// UTF-8, what Linux and macOS servers send.
    #[default]
    #[value(name = "utf-8", alias = "utf8")]
    #[serde(rename = "utf-8")]
    Utf8,
    /// GBK, what a Chinese Windows console sends.
    #[value(name = "gbk")]
    #[serde(rename = "gbk")]
    Gbk,
}

impl Encoding {
    /// Encodes text; characters GBK cannot represent become `?`-style escapes.
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Encoding::Utf8 => text.as_bytes().to_vec(),
            Encoding::Gbk => encoding_rs::GBK.encode(text).0.into_owned(),
        }
    }

    /// Decodes bytes, replacing what is invalid with U+FFFD (�), as Python's
    /// `decode(errors='replace')` would. Returns the text and whether anything
    /// had to be replaced.
    pub fn decode(self, bytes: &[u8]) -> (String, bool) {
        let enc = match self {
            Encoding::Utf8 => encoding_rs::UTF_8,
            Encoding::Gbk => encoding_rs::GBK,
        };
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        (text.into_owned(), had_errors)
    }

    /// The name Python would use.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Gbk => "gbk",
        }
    }
}

/// Decodes every chunk on its own, the way a client that prints each
/// `recv()` as it comes does: returns the joined text and how many chunks
/// needed a replacement character.
pub fn decode_each(chunks: &[&[u8]], enc: Encoding) -> (String, usize) {
    let mut garbled = 0;
    let mut out = String::new();
    for c in chunks {
        let (t, bad) = enc.decode(c);
        garbled += usize::from(bad);
        out.push_str(&t);
    }
    (out, garbled)
}

/// Decodes a stream that arrives in pieces without garbling characters cut at
/// a piece edge: the incomplete tail is kept until the next piece completes it.
#[derive(Debug)]
pub struct StreamDecoder {
    inner: encoding_rs::Decoder,
}

impl StreamDecoder {
    /// A decoder for `enc`.
    pub fn new(enc: Encoding) -> StreamDecoder {
        let e = match enc {
            Encoding::Utf8 => encoding_rs::UTF_8,
            Encoding::Gbk => encoding_rs::GBK,
        };
        StreamDecoder {
            inner: e.new_decoder_without_bom_handling(),
        }
    }

    /// Decodes the next piece; `last` says the stream has ended.
    pub fn push(&mut self, bytes: &[u8], last: bool) -> String {
        let cap = self
            .inner
            .max_utf8_buffer_length(bytes.len())
            .unwrap_or(bytes.len() * 3 + 16);
        let mut out = String::with_capacity(cap);
        let _ = self.inner.decode_to_string(bytes, &mut out, last);
        out
    }
}

/// A one-line, escaped preview of bytes: printable text as is, `\n` `\r`
/// `\t` escaped, invalid bytes as `\xNN`; long input keeps its head and tail.
pub fn preview(bytes: &[u8], max_chars: usize) -> String {
    let mut out = String::new();
    for piece in bytes.utf8_chunks() {
        for ch in piece.valid().chars() {
            match ch {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
                c => out.push(c),
            }
        }
        for b in piece.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    shorten(&out, max_chars)
}

/// Keeps the head and tail of a long string, joined by `…`.
pub fn shorten(s: &str, max_chars: usize) -> String {
    let n = s.chars().count();
    if n <= max_chars || max_chars < 5 {
        return s.to_string();
    }
    let head = (max_chars - 1) * 2 / 3;
    let tail = max_chars - 1 - head;
    let h: String = s.chars().take(head).collect();
    let t: String = s.chars().skip(n - tail).collect();
    format!("{h}…{t}")
}

/// Bytes as spaced hex, `94 06 00 00`: how a header is read by eye (the
/// one hex view of raw bytes; text goes through [`preview`]).
pub fn spaced_hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_inside_a_character_garbles_only_when_decoded_chunk_by_chunk() {
        let bytes = "粘包".as_bytes();
        let (a, b) = bytes.split_at(2);
        let (each, garbled) = decode_each(&[a, b], Encoding::Utf8);
        assert!(garbled > 0);
        assert!(each.contains('\u{FFFD}'));
        let mut d = StreamDecoder::new(Encoding::Utf8);
        let whole = d.push(a, false) + &d.push(b, true);
        assert_eq!(whole, "粘包");
    }

    #[test]
    fn gbk_round_trips_and_garbles_as_utf8() {
        let gbk = Encoding::Gbk.encode("中文");
        assert_eq!(gbk.len(), 4);
        assert_eq!(Encoding::Gbk.decode(&gbk), ("中文".to_string(), false));
        assert!(Encoding::Utf8.decode(&gbk).1);
    }

    #[test]
    fn preview_escapes_and_shortens() {
        assert_eq!(preview(b"a\nb\xff", 80), "a\\nb\\xff");
        assert_eq!(
            shorten("abcdefghijklmnopqrstuvwxyz", 10).chars().count(),
            10
        );
    }
}
