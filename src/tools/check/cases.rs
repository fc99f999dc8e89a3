//! The named cases: what each does to the stream, which commands it sends,
//! and the usual bug when it fails. Labs 03 and 04 run all of them; lab 01
//! runs the three that show its desync.
//!
//! Every command is one the checker can answer on any machine and that a
//! real shell answers the same way (`echo`, `seq`, `sleep 0`), except
//! `help` and `bytes N`, which only our reference server is asked (client
//! checks): a student's server may run the lesson's real shell.

use super::CutSpec;

/// How a client case's connection ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Every reply is sent whole; the client must exit 0 at the end of its stdin.
    Normal,
    /// The server announces a reply, sends part of it and closes: the client
    /// must report it (non-zero exit, a line on stderr), not hang.
    CloseMidReply,
    /// The server never answers the last message (a lost datagram, lab 06):
    /// the client must say so and exit non-zero in time, not wait forever.
    ReplyLost,
}

/// A case for a student's client.
#[derive(Clone, Copy, Debug)]
pub struct ClientCase {
    /// `--case NAME`.
    pub name: &'static str,
    /// What it does to the stream.
    pub what: &'static str,
    /// The usual bug when it fails.
    pub hint: &'static str,
    /// The commands for one seed.
    pub commands: fn(u64) -> Vec<String>,
    /// How the replies are cut.
    pub cut: CutSpec,
    /// The most seeds it runs (slow cases run fewer).
    pub max_seeds: u64,
    /// How the connection ends.
    pub ending: Ending,
    /// Cut the reply's header 1|3 (lab 04) or after the length text's first byte (lab 03 ours).
    pub header_split: bool,
}

/// Which checks a server case makes.
#[derive(Clone, Copy, Debug)]
pub enum ServerKind {
    /// Ask these commands on one connection, each reply checked.
    Commands(fn(u64) -> Vec<String>),
    /// Two requests in one write, then both replies.
    Glued,
    /// Cut the client's `ok` into `o` | `k` (lab 03).
    AckSplit,
    /// Ask for a big reply, read a little, reset; then a new client must be served.
    LeaveMidReply,
    /// Four clients at once, each asking three commands.
    SeveralClients,
    /// A first client is served, then stays connected and idle; a second
    /// client must be served meanwhile (lab 07).
    SecondWhileIdle,
    /// A check the lab runs itself (lab 05's files).
    Own(OwnServerCase),
}

/// A server check a lab runs itself, with what it is given.
pub type OwnServerCase = fn(&OwnRun) -> Result<(), Box<super::Failure>>;

/// What a lab's own server case is given.
pub struct OwnRun<'a> {
    /// The case.
    pub case: &'a ServerCase,
    /// The wire format.
    pub compat: crate::harness::Compat,
    /// Where the server listens.
    pub addr: std::net::SocketAddr,
    /// The seeds to run.
    pub seeds: std::ops::Range<u64>,
    /// The checker started the server (`--server`), in the current folder.
    pub started_here: bool,
}

/// A case for a student's server.
#[derive(Clone, Copy, Debug)]
pub struct ServerCase {
    /// `--case NAME`.
    pub name: &'static str,
    /// What it does.
    pub what: &'static str,
    /// The usual bug when it fails.
    pub hint: &'static str,
    /// Which checks.
    pub kind: ServerKind,
    /// How the requests are cut (framed formats only).
    pub cut: CutSpec,
    /// Only where requests carry a frame (ours): the lesson's server reads
    /// a bare command with one `recv(1024)`, which no cut can leave whole.
    pub needs_framed_requests: bool,
    /// The most seeds it runs.
    pub max_seeds: u64,
}

pub(super) const LOOP: &str = "check-hint-loop";

/// `utf8-cut`: Chinese text in pieces of 1-2 B, so every character is cut;
/// each lab gives its own text (`commands`).
pub(super) const fn utf8_cut(commands: fn(u64) -> Vec<String>) -> ClientCase {
    ClientCase {
        name: "utf8-cut",
        what: "check-client-utf8-cut-what",
        hint: "check-client-utf8-cut-hint",
        commands,
        cut: CutSpec::new(2),
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    }
}

fn short(seed: u64) -> Vec<String> {
    vec![format!("echo hello {seed}")]
}
fn help(_: u64) -> Vec<String> {
    vec!["help".into()]
}
fn mib(_: u64) -> Vec<String> {
    vec!["bytes 1048576".into()]
}
fn empty(seed: u64) -> Vec<String> {
    vec![
        "sleep 0".into(),
        format!("echo after the empty reply {seed}"), // not prose: a command
    ]
}
fn utf8(seed: u64) -> Vec<String> {
    vec![format!("echo 粘包问题 {seed}: TCP 是流式协议,没有边界")]
}
fn every_byte(seed: u64) -> Vec<String> {
    vec![format!("seq {}", 8 + seed % 5)]
}
fn header(seed: u64) -> Vec<String> {
    vec![format!("echo the header is cut {seed}")] // not prose: a command
}
fn dribble(seed: u64) -> Vec<String> {
    vec![format!("seq {}", 30 + seed % 7)]
}
fn long_shell(seed: u64) -> Vec<String> {
    vec![format!("seq {}", 400 + seed % 50)]
}
fn big_shell(_: u64) -> Vec<String> {
    vec!["seq 150000".into()]
}
fn several(seed: u64) -> Vec<String> {
    (0..3)
        .map(|i| format!("echo request {i} of seed {seed}")) // not prose: a command
        .collect()
}

/// The client cases of every lab, in the order they run.
pub const CLIENT_CASES: &[ClientCase] = &[
    ClientCase {
        name: "short-reply",
        what: "check-client-short-reply-what",
        hint: LOOP,
        commands: short,
        cut: CutSpec::new(4),
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "over-1024",
        what: "check-client-over-1024-what",
        hint: "check-client-over-1024-hint",
        commands: help,
        cut: CutSpec::new(700),
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "one-mib",
        what: "check-client-one-mib-what",
        hint: "check-client-one-mib-hint",
        commands: mib,
        cut: CutSpec::new(64 * 1024),
        max_seeds: 3,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "empty-reply",
        what: "check-client-empty-reply-what",
        hint: "check-client-empty-reply-hint",
        commands: empty,
        cut: CutSpec::new(3),
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    utf8_cut(utf8),
    ClientCase {
        name: "every-byte",
        what: "check-client-every-byte-what",
        hint: LOOP,
        commands: every_byte,
        cut: CutSpec::new(1),
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "header-split",
        what: "check-client-header-split-what",
        hint: "check-client-header-split-hint",
        commands: header,
        cut: CutSpec::WHOLE.pause_ms(20),
        max_seeds: 3,
        ending: Ending::Normal,
        header_split: true,
    },
    ClientCase {
        name: "glued",
        what: "check-client-glued-what",
        hint: "check-client-glued-hint",
        commands: help,
        cut: CutSpec::WHOLE,
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "slow-dribble",
        what: "check-client-slow-dribble-what",
        hint: "check-client-slow-dribble-hint",
        commands: dribble,
        cut: CutSpec::new(8).pause_ms(25),
        max_seeds: 2,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "closed-mid-reply",
        what: "check-client-closed-mid-reply-what",
        hint: "check-client-closed-mid-reply-hint",
        commands: help,
        cut: CutSpec::new(100),
        max_seeds: 1,
        ending: Ending::CloseMidReply,
        header_split: false,
    },
];

/// The client cases lab `number` runs.
pub fn client_cases(number: u8) -> Vec<&'static ClientCase> {
    let own: &[ClientCase] = match number {
        5 => super::lab05::CLIENT_CASES,
        _ => &[],
    };
    CLIENT_CASES
        .iter()
        .filter(|c| number != 1 || matches!(c.name, "short-reply" | "over-1024" | "slow-dribble"))
        .chain(own)
        .collect()
}

/// The server cases, in the order they run.
pub const SERVER_CASES: &[ServerCase] = &[
    ServerCase {
        name: "short-reply",
        what: "check-server-short-reply-what",
        hint: "check-server-short-reply-hint",
        kind: ServerKind::Commands(short),
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "over-1024",
        what: "check-server-over-1024-what",
        hint: "check-server-over-1024-hint",
        kind: ServerKind::Commands(long_shell),
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "big-reply",
        what: "check-server-big-reply-what",
        hint: "check-server-big-reply-hint",
        kind: ServerKind::Commands(big_shell),
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: 2,
    },
    ServerCase {
        name: "empty-reply",
        what: "check-server-empty-reply-what",
        hint: "check-server-empty-reply-hint",
        kind: ServerKind::Commands(empty),
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "utf8",
        what: "check-server-utf8-what",
        hint: "check-server-utf8-hint",
        kind: ServerKind::Commands(utf8),
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "request-split",
        what: "check-server-request-split-what",
        hint: "check-server-request-split-hint",
        kind: ServerKind::Commands(several),
        cut: CutSpec::new(3).pause_ms(2),
        needs_framed_requests: true,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "every-byte",
        what: "check-server-every-byte-what",
        hint: "check-server-every-byte-hint",
        kind: ServerKind::Commands(short),
        cut: CutSpec::new(1),
        needs_framed_requests: true,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "requests-glued",
        what: "check-server-requests-glued-what",
        hint: "check-server-requests-glued-hint",
        kind: ServerKind::Glued,
        cut: CutSpec::WHOLE,
        // Decided by `Wire::glue_sound` (lab 03's ok makes the lesson's glue sound).
        needs_framed_requests: false,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "ok-split",
        what: "check-server-ok-split-what",
        hint: "check-server-ok-split-hint",
        kind: ServerKind::AckSplit,
        cut: CutSpec::new(1).pause_ms(20),
        needs_framed_requests: false,
        max_seeds: 3,
    },
    ServerCase {
        name: "client-leaves",
        what: "check-server-client-leaves-what",
        hint: "check-server-client-leaves-hint",
        kind: ServerKind::LeaveMidReply,
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: 1,
    },
    ServerCase {
        name: "several-clients",
        what: "check-server-several-clients-what",
        hint: "check-server-several-clients-hint",
        kind: ServerKind::SeveralClients,
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: 1,
    },
];

/// The server cases lab `number` runs: the common ones, then its own.
pub fn server_cases_for(number: u8) -> Vec<&'static ServerCase> {
    let own: &[ServerCase] = match number {
        5 => super::lab05::SERVER_CASES,
        _ => &[],
    };
    SERVER_CASES.iter().chain(own).collect()
}
