//! The tools behind the `sticky` binary: bench, load, preflight, check.

pub mod bench;
pub mod check;
pub mod load;
pub mod preflight;
