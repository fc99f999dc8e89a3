//! Recognising the usual wrong pairings from the bytes alone: a lesson
//! client talking to a framed server, a framed client talking to a
//! `--compat lesson` server, two byte orders, another lab's server.
//!
//! Each of these used to end in silence: both sides waiting for bytes the
//! other will never send. The bytes that *did* arrive usually say what went
//! wrong — `ls` where a 4-byte header should be is text, not a length;
//! `00 00 00 02` read little-endian is 32 MiB but read big-endian is 2 — so a
//! side that is stuck, or refused what it got, asks
//! [`recognise_wrong_format`] before it gives up, and says the likely cause
//! once, in words a student can act on ("start the server with --compat
//! lesson"). The function only looks; what to do (log it, tell the peer,
//! close) stays with the server or client that called it.

use std::fmt;

use crate::framing::{ByteOrder, LengthPrefix};
use crate::kit::text::{preview, spaced_hex};
use crate::lang::Lang;

/// What the reader was waiting for at the start of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// A 4-byte binary length header in this format (labs 04, 05, 07).
    LengthHeader(LengthPrefix),
    /// Lab 03's length written as digits: ours ends them with `\n`
    /// (`terminated`), the lesson's does not.
    LengthText {
        /// Our format: the digits end with `\n`.
        terminated: bool,
    },
    /// The lessons' bare command, read with one `recv(1024)` (a server
    /// started with `--compat lesson`).
    BareCommand,
}

/// When the reader asks: the advice differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// The bytes made a whole, valid message in the expected format. Only
    /// mistakes that *look* valid are recognised then (our framed request
    /// read as a bare command, lab 05's JSON header read as lab 04's body),
    /// so a good message is never called wrong.
    Whole,
    /// The bytes were refused, or stopped coming, or the peer closed: every
    /// mistake is considered.
    Stuck,
}

/// Which side read the bytes; the advice names the other one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// A server reading a request.
    Server,
    /// A client reading a reply.
    Client,
}

/// A mistake recognised in the first bytes of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WrongFormat {
    /// Printable text where a binary header or a length should be: a bare
    /// command (`ls`), or a text reply from a server of another lab.
    Text {
        /// The text, as it arrived.
        text: Vec<u8>,
        /// What was expected instead.
        expected: Expected,
    },
    /// A 4-byte binary length header where text was expected: a framed
    /// lab 04 request or reply.
    BinaryHeader {
        /// The 4 bytes.
        header: [u8; 4],
        /// The length they announce, read little-endian as `'i'` does here.
        len: usize,
        /// What was expected instead.
        expected: Expected,
    },
    /// Our length text (`2\nls`) where the lesson's bare command or bare
    /// digits were expected.
    LengthTextWithNewline {
        /// The digits before the `\n`.
        digits: Vec<u8>,
    },
    /// Digits with no `\n`, then nothing: the lesson's length text where
    /// ours (digits and `\n`) was expected.
    DigitsWithoutNewline {
        /// The digits that arrived.
        digits: Vec<u8>,
    },
    /// A length absurd in this byte order but small in the other.
    ByteOrder {
        /// The 4 header bytes.
        header: [u8; 4],
        /// What they say in the reader's order.
        read: u64,
        /// What they say in the other order.
        swapped: u64,
        /// The other order.
        other: ByteOrder,
    },
    /// Lab 05's JSON header (`{"total_size": …}`) where lab 04's body was expected.
    JsonHeader {
        /// The JSON text.
        json: Vec<u8>,
    },
}

/// A length at least this large is taken for a byte-order mistake when the
/// whole message the other byte order announces has already arrived and
/// then the bytes stop ([`When::Stuck`]): `00 00 00 02 l s` is 32 MiB
/// little-endian, but 2 big-endian, and exactly 2 bytes followed.
const ABSURD: u64 = 1 << 24;

/// Looks at `seen`, the first bytes of a message (as many as arrived), and
/// says which classic mistake they show, if any. `expected` is what the
/// reader was waiting for; `when` says whether those bytes made a whole,
/// valid message ([`When::Whole`]) or got the reader stuck ([`When::Stuck`]).
pub fn recognise_wrong_format(seen: &[u8], expected: Expected, when: When) -> Option<WrongFormat> {
    if seen.is_empty() {
        return None;
    }
    match expected {
        Expected::LengthHeader(codec) => {
            if let Some(json) = lab05_json_header(seen, &codec) {
                return Some(WrongFormat::JsonHeader { json });
            }
            if when == When::Whole {
                return None;
            }
            let head = &seen[..seen.len().min(LengthPrefix::LEN)];
            // Four printable bytes read as a number are at least 0x09090909
            // (151 MB): no header this lab sends is text.
            if head.iter().all(|&b| is_text(b)) {
                return Some(WrongFormat::Text {
                    text: seen.to_vec(),
                    expected,
                });
            }
            let header = *seen.first_chunk::<4>()?;
            let read = u64::from(raw(codec.order, header));
            let swapped = u64::from(raw(other(codec.order), header));
            let max = codec.max_frame as u64;
            // Refused here but valid the other way; or accepted here as an
            // absurd length while the whole message the other reading
            // announces has already arrived (`00 00 00 02 l s`).
            let refused_here = read > max || (codec.signed && read > i32::MAX as u64);
            let body_in = (seen.len() - LengthPrefix::LEN) as u64;
            let absurd_here = read >= ABSURD && body_in >= swapped;
            (swapped <= max && (refused_here || absurd_here)).then(|| WrongFormat::ByteOrder {
                header,
                read,
                swapped,
                other: other(codec.order),
            })
        }
        Expected::LengthText { terminated } => {
            let digits = seen.iter().take_while(|b| b.is_ascii_digit()).count();
            let after = seen.get(digits).copied();
            match (digits, after) {
                (1.., Some(b'\n')) if !terminated && when == When::Stuck => {
                    Some(WrongFormat::LengthTextWithNewline {
                        digits: seen[..digits].to_vec(),
                    })
                }
                (1.., None) if terminated && when == When::Stuck => {
                    Some(WrongFormat::DigitsWithoutNewline {
                        digits: seen.to_vec(),
                    })
                }
                (0, Some(b)) if when == When::Stuck => {
                    if is_text(b) {
                        Some(WrongFormat::Text {
                            text: seen.to_vec(),
                            expected,
                        })
                    } else {
                        binary_header(seen, expected)
                    }
                }
                _ => None,
            }
        }
        Expected::BareCommand => {
            let digits = seen.iter().take_while(|b| b.is_ascii_digit()).count();
            if (1..=20).contains(&digits) && seen.get(digits) == Some(&b'\n') {
                return Some(WrongFormat::LengthTextWithNewline {
                    digits: seen[..digits].to_vec(),
                });
            }
            if is_text(seen[0]) {
                return None;
            }
            binary_header(seen, expected)
        }
    }
}

/// Four leading bytes that are a small length in either order and not text.
fn binary_header(seen: &[u8], expected: Expected) -> Option<WrongFormat> {
    let header = *seen.first_chunk::<4>()?;
    let len = [ByteOrder::Little, ByteOrder::Big]
        .into_iter()
        .map(|o| u64::from(raw(o, header)))
        .min()?;
    (len <= crate::framing::DEFAULT_MAX_FRAME as u64).then_some(WrongFormat::BinaryHeader {
        header,
        len: len as usize,
        expected,
    })
}

/// A frame whose body is a JSON object with lab 05's size key.
fn lab05_json_header(seen: &[u8], codec: &LengthPrefix) -> Option<Vec<u8>> {
    let header = *seen.first_chunk::<4>()?;
    let n = codec.unpack(header).ok()?;
    let json = seen.get(LengthPrefix::LEN..LengthPrefix::LEN + n)?;
    if json.first() != Some(&b'{') {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(json).ok()?;
    let obj = v.as_object()?;
    (obj.contains_key("total_size") || obj.contains_key("filesize")).then(|| json.to_vec())
}

/// The 4 bytes as an unsigned number in `order`, unchecked.
fn raw(order: ByteOrder, header: [u8; 4]) -> u32 {
    match order {
        ByteOrder::Little => u32::from_le_bytes(header),
        ByteOrder::Big => u32::from_be_bytes(header),
    }
}

fn is_text(b: u8) -> bool {
    b.is_ascii_graphic() || matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn other(o: ByteOrder) -> ByteOrder {
    match o {
        ByteOrder::Little => ByteOrder::Big,
        ByteOrder::Big => ByteOrder::Little,
    }
}

fn endian(o: ByteOrder) -> &'static str {
    match o {
        ByteOrder::Little => "little",
        ByteOrder::Big => "big",
    }
}

fn what(expected: Expected) -> &'static str {
    match expected {
        Expected::LengthHeader(_) => "harness-wrong-expected-header",
        Expected::LengthText { .. } => "harness-wrong-expected-length",
        Expected::BareCommand => "harness-wrong-expected-bare",
    }
}

impl WrongFormat {
    /// The one line to log or print: what the bytes look like, the likely
    /// cause, and the flag that fixes it, addressed from `side`, in the
    /// language in force.
    pub fn advice(&self, side: Side) -> String {
        self.advice_in(crate::lang::current(), side)
    }

    /// [`WrongFormat::advice`] in `lang`.
    pub fn advice_in(&self, lang: Lang, side: Side) -> String {
        use Side::{Client, Server};
        let tr = |key: &str, args: &[(&str, String)]| crate::lang::tr_in(lang, key, args);
        let expected_in = |e: &Expected| tr(what(*e), &[]);
        match (self, side) {
            (WrongFormat::Text { text, expected }, Server) => tr(
                "harness-wrong-text-server",
                &[
                    (
                        "what",
                        tr(
                            match expected {
                                Expected::LengthHeader(_) => "harness-wrong-what-header",
                                _ => "harness-wrong-what-length",
                            },
                            &[],
                        ),
                    ),
                    ("text", preview(text, 24)),
                ],
            ),
            (WrongFormat::Text { text, expected }, Client) => tr(
                "harness-wrong-text-client",
                &[
                    ("text", preview(text, 24)),
                    ("expected", expected_in(expected)),
                ],
            ),
            (
                WrongFormat::BinaryHeader {
                    header,
                    len,
                    expected,
                },
                side,
            ) => tr(
                match side {
                    Server => "harness-wrong-binary-server",
                    Client => "harness-wrong-binary-client",
                },
                &[
                    ("hex", spaced_hex(header)),
                    ("len", len.to_string()),
                    ("expected", expected_in(expected)),
                ],
            ),
            (WrongFormat::LengthTextWithNewline { digits }, side) => tr(
                match side {
                    Server => "harness-wrong-newline-server",
                    Client => "harness-wrong-newline-client",
                },
                &[("digits", preview(digits, 24))],
            ),
            (WrongFormat::DigitsWithoutNewline { digits }, _) => tr(
                "harness-wrong-no-newline",
                &[("digits", preview(digits, 24))],
            ),
            (
                WrongFormat::ByteOrder {
                    header,
                    read,
                    swapped,
                    other,
                },
                _,
            ) => tr(
                "harness-wrong-byte-order",
                &[
                    ("hex", spaced_hex(header)),
                    ("read", read.to_string()),
                    ("swapped", swapped.to_string()),
                    ("order", endian(*other).to_string()),
                ],
            ),
            (WrongFormat::JsonHeader { json }, _) => {
                tr("harness-wrong-json", &[("json", preview(json, 60))])
            }
        }
    }
}

impl WrongFormat {
    /// The advice as a reply to the peer: one `error: …` line in English
    /// and ASCII punctuation whatever the server's language, since the
    /// lessons' clients decode replies as GBK (UTF-8 Chinese, or `—`, would
    /// stop them with a UnicodeDecodeError). The server's log has it in its
    /// own language ([`WrongFormat::advice`]).
    pub fn reply_text(&self, side: Side) -> String {
        format!(
            "error: {}\n",
            self.advice_in(Lang::En, side).replace('—', "-")
        )
    }
}

/// Why a server ended a connection whose request showed a wrong pairing:
/// the refusal it caused, if it caused one (a request that merely stopped
/// has none), and the mistake. Labs 03 and 04 carry it in their errors.
#[derive(Debug)]
pub struct WrongRequest {
    /// The refusal it caused, if any.
    pub refused: Option<String>,
    /// What the bytes look like.
    pub mistake: WrongFormat,
}

/// In the language in force (it is the server's log line): "refusal; advice".
impl fmt::Display for WrongRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(refused) = &self.refused {
            write!(f, "{refused}{}", crate::t!("harness-separator"))?;
        }
        f.write_str(&self.mistake.advice(Side::Server))
    }
}

impl std::error::Error for WrongRequest {}

impl fmt::Display for WrongFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.advice(Side::Server))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LE: Expected = Expected::LengthHeader(LengthPrefix {
        order: ByteOrder::Little,
        signed: true,
        max_frame: crate::framing::DEFAULT_MAX_FRAME,
    });
    const OURS: Expected = Expected::LengthText { terminated: true };
    const LESSON: Expected = Expected::LengthText { terminated: false };

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut v = (body.len() as u32).to_le_bytes().to_vec();
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn a_bare_command_sent_to_a_framed_server_is_text() {
        // Seed 002's client sends `ls`: two bytes of a header that never completes.
        let w = recognise_wrong_format(b"ls", LE, When::Stuck).unwrap();
        assert_eq!(
            w.advice(Side::Server),
            "the header bytes look like text 'ls' — is the client speaking the lesson's format? \
             start the server with --compat lesson"
        );
        // Four or more letters complete a header: still text.
        assert!(matches!(
            recognise_wrong_format(b"help", LE, When::Stuck),
            Some(WrongFormat::Text { .. })
        ));
        // Lab 03's ours server reading seed 001's `dir`.
        assert!(matches!(
            recognise_wrong_format(b"dir", OURS, When::Stuck),
            Some(WrongFormat::Text { .. })
        ));
    }

    #[test]
    fn a_framed_request_sent_to_a_lesson_server_is_named() {
        // Lab 03's client, ours: "2\nls".
        let w = recognise_wrong_format(b"2\nls", Expected::BareCommand, When::Whole).unwrap();
        assert!(w.advice(Side::Server).contains("--compat lesson"), "{w}");
        // Lab 04's client, ours: 02 00 00 00 "ls".
        let w = recognise_wrong_format(&frame(b"ls"), Expected::BareCommand, When::Whole);
        assert!(
            matches!(w, Some(WrongFormat::BinaryHeader { len: 2, .. })),
            "{w:?}"
        );
        // A real bare command is not a mistake.
        for cmd in [
            &b"ls"[..],
            b"seq 3",
            b"bytes 100000",
            b"2ls",
            "中文".as_bytes(),
        ] {
            assert_eq!(
                recognise_wrong_format(cmd, Expected::BareCommand, When::Whole),
                None
            );
        }
    }

    #[test]
    fn a_refusal_and_its_advice_are_joined_in_each_languages_punctuation() {
        // English keeps the words it always had ("…limit; the header…");
        // Chinese joins with a full-width semicolon, as its sentences do.
        let sep = |lang| crate::lang::tr_in(lang, "harness-separator", &[]);
        assert_eq!(sep(Lang::En), "; ");
        assert_eq!(sep(Lang::Zh), "；");
    }

    #[test]
    fn a_header_absurd_one_way_and_small_the_other_is_a_byte_order_mistake() {
        // `--byte-order big` asking `ls` of a little-endian server.
        let w = recognise_wrong_format(b"\x00\x00\x00\x02ls", LE, When::Stuck).unwrap();
        assert_eq!(
            w,
            WrongFormat::ByteOrder {
                header: [0, 0, 0, 2],
                read: 33_554_432,
                swapped: 2,
                other: ByteOrder::Big
            }
        );
        assert!(
            w.advice(Side::Server)
                .ends_with("is the other side using --byte-order big?"),
            "{w}"
        );
        // In Chinese the byte order is named in Chinese (大端 = big-endian),
        // and the flag to check stays as it is typed.
        let zh = w.advice_in(Lang::Zh, Side::Server);
        assert!(zh.contains("按大端读却是 2 字节"), "{zh}");
        assert!(zh.contains("--byte-order big"), "{zh}");
        assert!(!zh.contains("endian"), "{zh}");
        // A header that promises 60 MiB and stops is a stalled client, not
        // a byte order: the 49155 bytes its other reading wants never came.
        assert_eq!(
            recognise_wrong_format(&(60u32 << 20).to_le_bytes(), LE, When::Stuck),
            None
        );
        // Refused here (2 GiB over the limit), 124 read the other way.
        assert!(matches!(
            recognise_wrong_format(&[0, 0, 0, 0x7c], LE, When::Stuck),
            Some(WrongFormat::ByteOrder { swapped: 124, .. })
        ));
        // A real header of a small length, and a whole valid frame, are not mistakes.
        assert_eq!(recognise_wrong_format(&frame(b"ls"), LE, When::Stuck), None);
        assert_eq!(
            recognise_wrong_format(b"\x00\x00\x00\x01", LE, When::Whole),
            None
        );
    }

    #[test]
    fn lesson_digits_and_our_digits_are_told_apart() {
        // Our client (digits end with \n) against a lesson server: "16", then nothing.
        assert!(matches!(
            recognise_wrong_format(b"16", OURS, When::Stuck),
            Some(WrongFormat::DigitsWithoutNewline { .. })
        ));
        // ... but only once stuck: "16" is how a normal reply starts too.
        assert_eq!(recognise_wrong_format(b"16", OURS, When::Whole), None);
        // A lesson reply "6", then its body "1\n2\n3\n", read whole: fine.
        assert_eq!(
            recognise_wrong_format(b"61\n2\n3\n", LESSON, When::Whole),
            None
        );
        // A lesson client against our server: "16\n".
        assert!(matches!(
            recognise_wrong_format(b"16\n", LESSON, When::Stuck),
            Some(WrongFormat::LengthTextWithNewline { .. })
        ));
        // Lab 04's reply read by lab 03's client.
        assert!(matches!(
            recognise_wrong_format(&frame(b"hello"), OURS, When::Stuck),
            Some(WrongFormat::BinaryHeader { len: 5, .. })
        ));
    }

    #[test]
    fn another_labs_reply_is_recognised_even_when_it_frames_correctly() {
        // Lab 05's error reply: a valid 4-byte length, then its JSON header.
        let json = br#"{"error":"JSON header is not valid JSON","ok":false,"total_size":0}"#;
        let w = recognise_wrong_format(&frame(json), LE, When::Whole).unwrap();
        assert!(w.advice(Side::Client).contains("lab 05's server"), "{w}");
        // Lab 03's reply "52\n…" read by lab 04's client: text.
        assert!(matches!(
            recognise_wrong_format(b"52\n", LE, When::Stuck),
            Some(WrongFormat::Text { .. })
        ));
        // Output that merely is JSON, or starts with '{', is not lab 05's header.
        assert_eq!(
            recognise_wrong_format(&frame(br#"{"a": 1}"#), LE, When::Whole),
            None
        );
        assert_eq!(
            recognise_wrong_format(&frame(b"{}\n"), LE, When::Whole),
            None
        );
    }
}
