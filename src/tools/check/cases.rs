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

pub(super) const LOOP: &str = "one recv(n) returned fewer than n bytes: loop until you have all n (or use recv(n, socket.MSG_WAITALL))";

/// `utf8-cut`: Chinese text in pieces of 1-2 B, so every character is cut;
/// each lab gives its own text (`commands`).
pub(super) const fn utf8_cut(commands: fn(u64) -> Vec<String>) -> ClientCase {
    ClientCase {
        name: "utf8-cut",
        what: "Chinese text in pieces of 1-2 B: every character is cut",
        hint: "a piece ended inside a character: join all the bytes first and decode once (or write bytes, not text decoded piece by piece)",
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
        format!("echo after the empty reply {seed}"),
    ]
}
fn utf8(seed: u64) -> Vec<String> {
    vec![format!("echo 粘包问题 {seed}: TCP 是流式协议,没有边界")]
}
fn every_byte(seed: u64) -> Vec<String> {
    vec![format!("seq {}", 8 + seed % 5)]
}
fn header(seed: u64) -> Vec<String> {
    vec![format!("echo the header is cut {seed}")]
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
        .map(|i| format!("echo request {i} of seed {seed}"))
        .collect()
}

/// The client cases of every lab, in the order they run.
pub const CLIENT_CASES: &[ClientCase] = &[
    ClientCase {
        name: "short-reply",
        what: "a short reply, in pieces of 1-4 B",
        hint: LOOP,
        commands: short,
        cut: CutSpec::new(4),
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "over-1024",
        what: "`help`, a reply over 1024 B, in pieces up to 700 B",
        hint: "the reply is longer than one recv(1024): read the length first, then loop until every byte of the reply is in",
        commands: help,
        cut: CutSpec::new(700),
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "one-mib",
        what: "a 1 MiB reply (`bytes 1048576`) in pieces up to 64 KiB",
        hint: "a 1 MiB reply never comes in one recv(): loop, appending, until you have the announced length",
        commands: mib,
        cut: CutSpec::new(64 * 1024),
        max_seeds: 3,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "empty-reply",
        what: "`sleep 0` prints nothing: a length of 0, then the next command",
        hint: "a length of 0 is a whole reply: print nothing and read the next header (recv(0) returns b'' at once; do not treat it as the server closing)",
        commands: empty,
        cut: CutSpec::new(3),
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    utf8_cut(utf8),
    ClientCase {
        name: "every-byte",
        what: "every byte its own piece, header included",
        hint: LOOP,
        commands: every_byte,
        cut: CutSpec::new(1),
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "header-split",
        what: "the header cut 1|3 (lab 03: the length text after its first byte)",
        hint: "one recv(4) returned 1 byte: loop until you have all 4 header bytes before unpacking",
        commands: header,
        cut: CutSpec::WHOLE.pause_ms(20),
        max_seeds: 3,
        ending: Ending::Normal,
        header_split: true,
    },
    ClientCase {
        name: "glued",
        what: "header and the whole reply in one piece, as loopback usually delivers it",
        hint: "the header and the start of the reply came in one recv(): keep what you read past the header, it is the reply's first bytes",
        commands: help,
        cut: CutSpec::WHOLE,
        max_seeds: u64::MAX,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "slow-dribble",
        what: "pieces of 1-8 B, 25 ms apart",
        hint: "a pause is not the end of a reply: keep reading until the announced length is in (a short socket timeout gives up too early)",
        commands: dribble,
        cut: CutSpec::new(8).pause_ms(25),
        max_seeds: 2,
        ending: Ending::Normal,
        header_split: false,
    },
    ClientCase {
        name: "closed-mid-reply",
        what: "the server announces 1000+ B, sends 300 and closes",
        hint: "recv() returned b'' before the reply was complete: the server is gone — say so on stderr and exit non-zero, do not loop on b'' forever",
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
        what: "`echo hello N`, a short reply",
        hint: "reply with the header and every byte of the command's output (sendall, not send)",
        kind: ServerKind::Commands(short),
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "over-1024",
        what: "`seq 400`, a reply over 1024 B",
        hint: "send the whole output with sendall(); a length that counts characters instead of bytes is wrong too",
        kind: ServerKind::Commands(long_shell),
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "big-reply",
        what: "`seq 150000`, a 938,895 B reply",
        hint: "send() may write only part of a big reply: use sendall(), and read the command's whole output before sending the length",
        kind: ServerKind::Commands(big_shell),
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: 2,
    },
    ServerCase {
        name: "empty-reply",
        what: "`sleep 0` prints nothing: a reply of length 0, then another command",
        hint: "a command with no output still needs a reply: a length of 0 and no body (lab 03: the client's ok and its next command then come in one recv(): read exactly 2 bytes for the ok)",
        kind: ServerKind::Commands(empty),
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "utf8",
        what: "a command and reply in Chinese (multi-byte UTF-8)",
        hint: "the length is len(bytes), not len(text): encode first, then count",
        kind: ServerKind::Commands(utf8),
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "request-split",
        what: "each request in pieces of 1-3 B, 2 ms apart",
        hint: "one recv() returned part of the request's header or command: loop until the whole header, then the whole command, is in",
        kind: ServerKind::Commands(several),
        cut: CutSpec::new(3).pause_ms(2),
        needs_framed_requests: true,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "every-byte",
        what: "every byte of each request its own piece",
        hint: "one recv(4) returned 1 byte: loop until you have all 4 header bytes",
        kind: ServerKind::Commands(short),
        cut: CutSpec::new(1),
        needs_framed_requests: true,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "requests-glued",
        what: "two requests in one write, then both replies",
        hint: "one recv() held two requests: read exactly one request's bytes and keep the rest for the next",
        kind: ServerKind::Glued,
        cut: CutSpec::WHOLE,
        // Decided by `Wire::glue_sound` (lab 03's ok makes the lesson's glue sound).
        needs_framed_requests: false,
        max_seeds: u64::MAX,
    },
    ServerCase {
        name: "ok-split",
        what: "the client's `ok` sent as `o` | `k` (lab 03)",
        hint: "recv(1024) returned only 'o': read exactly 2 bytes for the ok (loop), then send the data",
        kind: ServerKind::AckSplit,
        cut: CutSpec::new(1).pause_ms(20),
        needs_framed_requests: false,
        max_seeds: 3,
    },
    ServerCase {
        name: "client-leaves",
        what: "a client asks for `seq 150000`, reads 1000 B and resets; the next client must be served",
        hint: "a client that leaves mid-reply raises an error in send: catch it, close that connection and go back to accept()",
        kind: ServerKind::LeaveMidReply,
        cut: CutSpec::WHOLE,
        needs_framed_requests: false,
        max_seeds: 1,
    },
    ServerCase {
        name: "several-clients",
        what: "four clients at once, three commands each",
        hint: "serve forever: after one client closes, accept() the next (a thread per client serves them at once)",
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
