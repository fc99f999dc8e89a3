//! Mechanism that knows no lesson: sockets, recording, seeded chaos, the TCP
//! and UDP proxies, the command runner, servers and their memory budget, text decoding, files that
//! are never half-written, packet capture and the kernel's counters. Nothing
//! here mentions a lab; the lessons (`crate::lessons`) are built out of
//! these parts, and nothing here uses a layer above it.

pub mod budget;
pub mod capture;
pub mod chaos;
pub mod child;
pub mod counters;
pub mod files;
pub mod proxy;
pub mod record;
pub mod runner;
pub mod server;
pub mod sock;
pub mod text;
pub mod udp_proxy;
