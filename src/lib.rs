//! # sticky-lab
//!
//! TCP delivers a stream of bytes, not messages: the boundaries a sender
//! makes with `send()` are not the ones a receiver sees with `recv()`. The
//! Chinese-language lessons call this 粘包, "sticky packets". This library
//! is the labs' shared code, in layers; each layer uses only the ones above
//! it in this table:
//!
//! | layer | module | its one job |
//! |---|---|---|
//! | mechanism | [`kit`] | sockets, recording, seeded chaos, the proxies, the command runner, servers, text — knows no lesson |
//! | the fix | [`framing`] | the [`framing::Framing`] trait, `recv_exact`, the 4-byte prefix, one buffered `FrameReader` |
//! | showing | [`report`] | chunk views, ledgers, tables, SVG timelines, the JSON report |
//! | the labs' face | [`harness`] | the demo's stage table, the `>>> ` prompt, shared flags, THE lab registry |
//! | the lessons | [`lessons`] | one module per lab: the lesson's code and the fix, side by side |
//! | the tools | [`tools`] | `sticky bench`, `sticky load`, `sticky labs` (the preflight) |
//!
//! The binaries in `labs/` sit on top: one per lab, each a list of stages.
//! `docs/architecture.md` draws the layers and lists what adding a lab touches.

pub mod framing;
pub mod harness;
pub mod kit;
pub mod lang;
pub mod lessons;
pub mod report;
pub mod tools;
