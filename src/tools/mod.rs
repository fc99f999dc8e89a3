//! The tools behind the `sticky` binary: bench, load, preflight.

pub mod bench;
pub mod load;
pub mod preflight;
