//! Mechanism that knows no lesson: sockets, recording, chaos, the proxy,
//! the command runner, servers, and text decoding. Nothing here mentions a
//! lab; the lessons (`crate::lessons`) are built out of these parts.

pub mod capture;
pub mod chaos;
pub mod counters;
pub mod files;
pub mod proxy;
pub mod record;
pub mod runner;
pub mod server;
pub mod sock;
pub mod text;
pub mod udp_proxy;
