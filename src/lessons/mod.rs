//! One module per lab: each lesson's protocol, with the lesson's code and
//! the fix side by side.

pub mod lab01_naive_recv;
pub mod lab02_nagle;
pub mod lab03_length_ack;
pub mod lab04_struct_header;
pub mod lab05_json_header;
pub mod lab05_transfer;
pub mod lab06_udp_vs_tcp;
pub mod lab07_concurrency;

/// The lessons' receive size: `conn.recv(1024)` for a command, `client.recv(1024)`
/// for a reply. One constant, wherever the lesson's code reads.
pub const LESSON_RECV: usize = 1024;
