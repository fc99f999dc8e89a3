//! How each of [`super::runs`]' results is reported: the facts the demo
//! checks, one line of what was observed, and the JSON report's fields.
//! The story's words stay in the binary (`labs/lab01_naive_recv.rs`).

use crate::t;
use serde_json::{json, Value};

use super::runs::{BigBufferRun, DesyncRun, GarbledRun};
use crate::kit::capture::{involving, Packet};
use crate::kit::text::Encoding;
use crate::lessons::LESSON_RECV;
use crate::report::chunks::sizes;

impl DesyncRun {
    /// The payload sizes of the segments that carried the server's replies
    /// to the lesson's client, from a capture of the demo: what the network
    /// delivered, to set beside what each `recv(1024)` returned.
    pub fn reply_segments(&self, packets: &[Packet]) -> Vec<usize> {
        involving(packets, self.client_port)
            .into_iter()
            .filter(|s| s.seg.tcp && s.seg.dst_port == self.client_port && s.seg.payload_len > 0)
            .map(|s| s.seg.payload_len)
            .collect()
    }

    /// The JSON report's `wire` field: the reply's segments against the
    /// client's `recv()` sizes, and whether the capture holds every byte of
    /// both replies.
    pub fn wire_report(&self, segments: &[usize]) -> Value {
        json!({
            "captured": true,
            "client_port": self.client_port,
            "reply_segments": segments,
            "recv_sizes": sizes(&self.reads),
            "agrees": segments.iter().sum::<usize>() == self.help.len() + self.ls.len(),
        })
    }

    /// The first recv returned exactly 1024 bytes, the start of help.
    pub fn cut_at_recv_size(&self) -> bool {
        self.first.len() == LESSON_RECV && self.help.starts_with(&self.first)
    }

    /// What the lesson's client printed for `ls` begins with help's tail.
    pub fn second_starts_with_tail(&self) -> bool {
        let tail = self.tail();
        !tail.is_empty() && self.second.starts_with(tail)
    }

    /// `recv_until_close` returned all of help.
    pub fn whole_is_help(&self) -> bool {
        self.whole == self.help
    }

    /// One line: where help was cut, what the `ls` recv got, and the fix's read.
    pub fn summary(&self) -> String {
        t!(
            "lab01-s2-observed",
            help = self.help.len(),
            cut = self.first.len(),
            second = self.second.len(),
            tail = self.tail().len().min(self.second.len()),
            whole = self.whole.len(),
            verdict = if self.whole_is_help() {
                t!("lab01-intact")
            } else {
                t!("lab01-wrong")
            }
        )
    }

    /// The JSON report's fields.
    pub fn report(&self) -> Value {
        json!({
            "help_len": self.help.len(), "ls_len": self.ls.len(),
            "recv_sizes": sizes(&self.reads), "tail_len": self.tail().len(),
            "second_starts_with_tail": self.second_starts_with_tail(), "ledger": self.ledger,
            "until_close_recv_sizes": sizes(&self.whole_reads),
            "until_close_intact": self.whole_is_help(),
            "client_port": self.client_port,
        })
    }
}

impl BigBufferRun {
    /// The length of each reply the server behind the proxy sent.
    pub fn reply_lens(&self) -> Vec<usize> {
        self.replies.iter().map(Vec::len).collect()
    }

    /// The proxy cut the commands too: the server did not get `help`, `ls`.
    pub fn requests_cut(&self) -> bool {
        self.requests != ["help", "ls"]
    }

    /// One line: loopback intact, and what the hop (seeded with `seed`) broke.
    pub fn summary(&self, seed: u64) -> String {
        let hop = if self.requests_cut() {
            t!(
                "lab01-s4-commands-cut",
                requests = format!("{:?}", self.requests)
            )
        } else {
            t!(
                "lab01-s4-help-cut",
                first = self.first.len(),
                total = self.replies.first().map_or(0, Vec::len),
                damaged = self.hopped.damaged()
            )
        };
        t!(
            "lab01-s4-observed",
            intact = self.local.intact,
            n = self.cmds.len(),
            seed = seed,
            hop = hop
        )
    }

    /// The JSON report's fields.
    pub fn report(&self, seed: u64) -> Value {
        json!({
            "seed": seed, "loopback_ledger": self.local, "proxy_pieces": self.pieces,
            "recv_sizes": sizes(&self.reads), "server_requests": self.requests,
            "ledger": self.hopped,
        })
    }
}

impl GarbledRun {
    /// The `StreamDecoder` gave back exactly the text the server meant.
    pub fn streamed_exact(&self) -> bool {
        self.streamed == self.original()
    }

    /// The GBK server's bytes decoded as `enc`: the text, and whether it garbled.
    pub fn gbk_as(&self, enc: Encoding) -> (String, bool) {
        enc.decode(&self.gbk)
    }

    /// One line: the small recvs decoded two ways, the GBK bytes two ways.
    pub fn summary(&self) -> String {
        let (_, utf8_bad) = self.gbk_as(Encoding::Utf8);
        let (as_gbk, _) = self.gbk_as(Encoding::Gbk);
        let exact = |ok: bool| {
            if ok {
                t!("lab01-exact")
            } else {
                t!("lab01-wrong")
            }
        };
        t!(
            "lab01-s5-observed",
            small = self.small,
            sizes = format!("{:?}", sizes(&self.reads)),
            garbled = self.garbled,
            streamed = exact(self.streamed_exact()),
            as_utf8 = if utf8_bad {
                t!("lab01-garbled")
            } else {
                t!("lab01-clean")
            },
            as_gbk = exact(as_gbk == self.original()),
        )
    }

    /// The JSON report's fields.
    pub fn report(&self) -> Value {
        let (_, utf8_bad) = self.gbk_as(Encoding::Utf8);
        let (as_gbk, _) = self.gbk_as(Encoding::Gbk);
        json!({
            "recv_size": self.small, "recv_sizes": sizes(&self.reads),
            "garbled_chunks": self.garbled, "stream_decoder_exact": self.streamed_exact(),
            "gbk_len": self.gbk.len(), "utf8_len": self.zh.len(),
            "gbk_as_utf8_garbled": utf8_bad, "gbk_as_gbk_exact": as_gbk == self.original(),
        })
    }
}
