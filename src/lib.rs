//! # sticky-lab
//!
//! TCP delivers a stream of bytes, not messages: the boundaries a sender
//! makes with `send()` are not the ones a receiver sees with `recv()`. The
//! Chinese-language lessons call this 粘包, "sticky packets". This library
//! holds every mechanism the lab binaries use, once:
//!
//! | module | what it is in the lesson |
//! |---|---|
//! | [`sock`] | sockets through socket2: `SO_REUSEADDR`, `TCP_NODELAY`, buffers, one `recv()` |
//! | [`record`] | a recording reader/writer: every call, its bytes, its offset, its time |
//! | [`chaos`] | seeded cuts and merges of a byte stream (same seed, same cuts) |
//! | [`proxy`] | `ChaosProxy`: the same chaos across a real TCP hop, with latency |
//! | [`runner`] | the lessons' remote command runner (`subprocess.Popen`), made safe |
//! | [`framing`] | the fix: `recv_exact`, the 4-byte `LengthPrefix`, checked before parsed |
//! | [`server`] | a thread-per-connection server, like `socketserver.ThreadingTCPServer` |
//! | [`text`] | decoding what arrived: UTF-8, GBK, and what a cut does to them |
//! | [`report`] | colored chunk views, ledgers, tables, SVG timelines, JSON reports |
//! | [`cli`] | the face every lab shares: `demo`, `server`, `client`, the `>>> ` prompt |

pub mod bench;
pub mod chaos;
pub mod cli;
pub mod concurrency;
pub mod framing;
pub mod json_header;
pub mod length_ack;
pub mod nagle;
pub mod naive;
pub mod proxy;
pub mod record;
pub mod report;
pub mod runner;
pub mod server;
pub mod sock;
pub mod text;
pub mod transfer;
pub mod udp;
