//! The face every lab binary shares, written once.
//!
//! * [`Demo`] and the [`Stage`] table: a lab's story, stage by stage, each
//!   claim checked against what was measured; exit 0 only when all were seen.
//! * [`Prompt`]: the lessons' `>>> ` loop.
//! * [`flags`]: the shared flags (`--addr`, `--timeout`, `--compat`, …) and
//!   the default [`ports`], read from [`registry`], THE list of labs.
//! * [`args`]: `--color` and the subcommand, parsed the same way everywhere.
//! * [`command`]: the command servers' and clients' shared plumbing.
//! * [`wrong_format`]: the usual wrong pairings (wrong `--compat`, byte
//!   order, lab), recognised from the bytes that arrived.

pub mod args;
pub mod command;
mod demo;
pub mod flags;
mod prompt;
pub mod registry;
mod stages;
pub mod wrong_format;

pub use demo::{Demo, DemoOpts};
pub use flags::{
    announce, fail, parse_addr, parse_count, parse_seconds, parse_size, ports, ClientArgs,
    CommandServerArgs, Compat, MemoryArgs, ReplyTimeout,
};
pub use prompt::Prompt;
pub use stages::{Stage, StageError};
