//! Lab 07's protocol for the checker: the lessons' upper-case echo
//! (seed 002 §3.1, `self.request.send(msg.upper())`), on a stream.
//!
//! In the lesson's format nothing frames a message, but `bytes.upper()`
//! changes ASCII letters only, so the reply to a message is exactly as long
//! as the message: a client reads exactly `len(msg)` bytes, and a server
//! that upper-cases whatever each `recv()` returns is right however the
//! stream was cut. So here, unlike labs 03 and 04, requests are cut in the
//! lesson's format too. Our format (`--compat ours`) frames every message
//! both ways with the 4-byte header of `lab07-concurrency --compat ours`
//! (`struct.pack('<I', len)` on this machine's byte order).
//!
//! The lesson's client prints ONE `recv(1024)`; the lesson's first server
//! serves one client at a time. `over-1024`, `short-reply` and
//! `second-client-idle` catch those.

use super::cases::{utf8_cut, ClientCase, Ending, ServerCase, ServerKind, LOOP};
use super::{framed, BufStream, CutSpec, Cutter, Wire};
use crate::framing::LengthPrefix;
use crate::harness::Compat;
use crate::lessons::lab07_concurrency::upper;

/// Lab 07's echo in one format.
pub struct Echo {
    codec: LengthPrefix,
    compat: Compat,
}

impl Echo {
    /// The wire for `compat`.
    pub fn new(compat: Compat) -> Echo {
        Echo {
            codec: LengthPrefix::lesson().with_max_frame(16 << 20),
            compat,
        }
    }

    /// The message as it goes on the wire: bare (lesson) or framed (ours).
    fn wrap(&self, body: &[u8]) -> Vec<u8> {
        match self.compat {
            Compat::Lesson => body.to_vec(),
            // A checker's message is far below the header's limit.
            Compat::Ours => framed(&self.codec, body).unwrap_or_else(|_| body.to_vec()),
        }
    }
}

impl Wire for Echo {
    fn read_request(&self, s: &mut BufStream) -> Result<Option<Vec<u8>>, String> {
        match self.compat {
            Compat::Lesson => s.read_bare_command(),
            Compat::Ours => {
                if s.at_end() {
                    return Ok(None);
                }
                s.read_frame(&self.codec, "message").map(Some)
            }
        }
    }

    fn read_request_for(
        &self,
        s: &mut BufStream,
        expected: &[u8],
    ) -> Result<Option<Vec<u8>>, String> {
        if self.compat == Compat::Ours {
            return self.read_request(s);
        }
        // No frame, but the checker knows the next line of the client's
        // stdin: its bytes are the next message, however they were sent.
        if s.at_end() {
            return Ok(None);
        }
        let mut got = s.read_once(expected.len().max(1))?;
        while got.len() < expected.len() && expected.starts_with(&got) {
            let more = s.read_once(expected.len() - got.len())?;
            if more.is_empty() {
                break;
            }
            got.extend(more);
        }
        Ok(Some(got))
    }

    fn send_reply(&self, s: &mut BufStream, reply: &[u8], cut: &mut Cutter) -> Result<u64, String> {
        let bytes = self.wrap(reply);
        let body_at = cut.offset() + (bytes.len() - reply.len()) as u64;
        cut.send(&mut s.w, &bytes).map_err(|e| e.to_string())?;
        cut.end_message();
        Ok(body_at)
    }

    fn reply_head(
        &self,
        _s: &mut BufStream,
        full: &[u8],
        _cut: &mut Cutter,
    ) -> Result<Vec<u8>, String> {
        let mut all = self.wrap(full);
        all.truncate(all.len() - full.len());
        Ok(all)
    }

    fn request_bytes(&self, cmd: &[u8]) -> Vec<u8> {
        self.wrap(cmd)
    }

    fn read_reply(&self, s: &mut BufStream, _cut: &mut Cutter) -> Result<Vec<u8>, String> {
        match self.compat {
            Compat::Ours => s.read_frame(&self.codec, "reply"),
            Compat::Lesson => Err(crate::t!("check-lab07-no-frame")),
        }
    }

    fn read_reply_to(
        &self,
        s: &mut BufStream,
        cut: &mut Cutter,
        cmd: &str,
    ) -> Result<Vec<u8>, String> {
        match self.compat {
            Compat::Ours => self.read_reply(s, cut),
            // upper() keeps the length: the reply is as long as the message.
            Compat::Lesson => s.read_exact_named(cmd.len(), "reply"),
        }
    }

    fn requests_framed(&self) -> bool {
        self.compat == Compat::Ours
    }

    fn requests_cuttable(&self) -> bool {
        true
    }

    fn header_split(&self) -> Option<&'static [usize]> {
        (self.compat == Compat::Ours).then_some(&[1, 3][..])
    }

    fn reply_to(&self, cmd: &str) -> Vec<u8> {
        upper(cmd.as_bytes())
    }

    fn printed_reply(&self, reply: &[u8]) -> Vec<u8> {
        let mut p = reply.to_vec();
        p.push(b'\n');
        p
    }

    fn leave_command(&self) -> String {
        text(512 * 1024, 0)
    }

    fn server_cases(&self, _lab: u8) -> Vec<&'static ServerCase> {
        SERVER_CASES.iter().collect()
    }

    fn client_cases(&self, _lab: u8) -> Vec<&'static ClientCase> {
        CLIENT_CASES.iter().collect()
    }
}

/// `n` bytes of lower-case text (so the echo changes every letter), one
/// line, ending in a letter (a client may strip the line).
fn text(n: usize, seed: u64) -> String {
    let words = format!("sticky packets seed {seed} tcp is a byte stream "); // not prose: a message
    let mut s: String = words.chars().cycle().take(n.max(1)).collect();
    s.pop();
    s.push('z');
    s
}

/// Three short messages, not one: a 7-byte echo cut into 2-4 pieces 1 ms
/// apart arrives within a few ms, and a client descheduled that long gets
/// it whole from one recv(1024) (the lesson's client passed this case once
/// in 14 runs of its test on an idle machine). Every reply of a seed has to
/// come whole for a one-recv client to pass.
fn short(seed: u64) -> Vec<String> {
    ["hello", "hi", "short echo"]
        .iter()
        .map(|w| format!("{w} {seed}")) // not prose: messages
        .collect()
}
fn long(seed: u64) -> Vec<String> {
    vec![text(1500 + (seed as usize % 7) * 131, seed)]
}
fn medium(seed: u64) -> Vec<String> {
    vec![text(600 + (seed as usize % 7) * 10, seed)]
}
fn big(seed: u64) -> Vec<String> {
    vec![text(256 * 1024, seed)]
}
fn utf8(seed: u64) -> Vec<String> {
    vec![format!("粘包问题 {seed}: tcp 是流式协议,没有边界")]
}
fn eszett(seed: u64) -> Vec<String> {
    vec![format!("straße {seed} café 粘包")]
}
fn every_byte(seed: u64) -> Vec<String> {
    vec![format!("every byte alone {seed}")] // not prose: a message
}
fn header(seed: u64) -> Vec<String> {
    vec![format!("the header is cut {seed}")] // not prose: a message
}
fn dribble(seed: u64) -> Vec<String> {
    vec![text(60 + (seed as usize % 7) * 5, seed)]
}
fn mid(seed: u64) -> Vec<String> {
    vec![text(1000, seed)]
}
fn several(seed: u64) -> Vec<String> {
    (0..3)
        .map(|i| format!("message {i} of seed {seed}")) // not prose: a message
        .collect()
}

const ONE_RECV: &str = "check-lab07-hint-one-recv";

/// The client cases: the same stream cuts as labs 03 and 04, with messages
/// whose echo is known (a client prints each reply, then a newline).
pub const CLIENT_CASES: &[ClientCase] = &[
    ClientCase {
        name: "short-reply",
        what: "check-lab07-client-short-reply-what",
        hint: ONE_RECV,
        commands: short,
        cut: CutSpec::new(4),
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "over-1024",
        what: "check-lab07-client-over-1024-what",
        hint: ONE_RECV,
        commands: long,
        cut: CutSpec::new(700),
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "big-reply",
        what: "check-lab07-client-big-reply-what",
        hint: "check-lab07-client-big-reply-hint",
        commands: big,
        cut: CutSpec::new(64 * 1024),
        max_seeds: 2,
        ending: Ending::Normal,
        header_split: false,
    },
    utf8_cut(utf8),
    ClientCase {
        name: "every-byte",
        what: "check-lab07-client-every-byte-what",
        hint: LOOP,
        commands: every_byte,
        cut: CutSpec::new(1),
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "header-split",
        what: "check-lab07-client-header-split-what",
        hint: "check-lab07-client-header-split-hint",
        commands: header,
        cut: CutSpec::WHOLE.pause_ms(20),
        max_seeds: 3,
        ending: Ending::Normal,
        header_split: true,
    },
    ClientCase {
        name: "glued",
        what: "check-lab07-client-glued-what",
        hint: "check-lab07-client-glued-hint",
        commands: medium,
        cut: CutSpec::WHOLE,
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "slow-dribble",
        what: "check-lab07-client-slow-dribble-what",
        hint: "check-lab07-client-slow-dribble-hint",
        commands: dribble,
        cut: CutSpec::new(8).pause_ms(25),
        max_seeds: 2,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "closed-mid-reply",
        what: "check-lab07-client-closed-mid-reply-what",
        hint: "check-lab07-client-closed-mid-reply-hint",
        commands: mid,
        cut: CutSpec::new(100),
        max_seeds: 1,
        ending: Ending::CloseMidReply,
        header_split: false,
    },
];

/// The server cases: the echo checked byte for byte, and the lesson's
/// point — a second client is served while the first one sits idle.
pub const SERVER_CASES: &[ServerCase] = &[
    ServerCase {
        name: "short-reply",
        what: "check-lab07-server-short-reply-what",
        hint: "check-lab07-server-short-reply-hint",
        kind: ServerKind::Commands(short),
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "over-1024",
        what: "check-lab07-server-over-1024-what",
        hint: "check-lab07-server-over-1024-hint",
        kind: ServerKind::Commands(long),
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "utf8",
        what: "check-lab07-server-utf8-what",
        hint: "check-lab07-server-utf8-hint",
        kind: ServerKind::Commands(eszett),
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "request-split",
        what: "check-lab07-server-request-split-what",
        hint: "check-lab07-server-request-split-hint",
        kind: ServerKind::Commands(several),
        cut: CutSpec::new(3).pause_ms(2),
        needs_framed_requests: true,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "every-byte",
        what: "check-lab07-server-every-byte-what",
        hint: "check-lab07-server-every-byte-hint",
        kind: ServerKind::Commands(every_byte),
        cut: CutSpec::new(1),
        needs_framed_requests: true,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "requests-glued",
        what: "check-lab07-server-requests-glued-what",
        hint: "check-lab07-server-requests-glued-hint",
        kind: ServerKind::Glued,
        cut: CutSpec::WHOLE,
        needs_framed_requests: true,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "second-client-idle",
        what: "check-lab07-server-second-client-idle-what",
        hint: "check-lab07-server-second-client-idle-hint",
        kind: ServerKind::SecondWhileIdle,
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: 3,
    },
    ServerCase {
        name: "several-clients",
        what: "check-lab07-server-several-clients-what",
        hint: "check-lab07-server-several-clients-hint",
        kind: ServerKind::SeveralClients,
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: 1,
    },
    ServerCase {
        name: "client-leaves",
        what: "check-lab07-server-client-leaves-what",
        hint: "check-lab07-server-client-leaves-hint",
        kind: ServerKind::LeaveMidReply,
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: 1,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_one_line_that_survives_strip_and_changes_under_upper() {
        for f in [
            short, long, medium, big, utf8, eszett, every_byte, header, dribble, mid, several,
        ] {
            for seed in 0..5 {
                for m in f(seed) {
                    assert!(!m.contains('\n') && m.trim() == m && !m.is_empty());
                    assert_ne!(upper(m.as_bytes()), m.as_bytes());
                }
            }
        }
        assert!(long(0)[0].len() > 1024 && mid(0)[0].len() > 300);
    }
}
