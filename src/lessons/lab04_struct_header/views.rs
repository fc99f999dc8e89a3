//! How the demo's records are shown: stage 1's replies and stage 4's
//! formats as tables, stage 2's reads as a picture. The words of the story
//! and the checks stay in the binary (`labs/lab04_struct_header.rs`); these
//! are only the rows and the lanes, kept here so each stage there reads as
//! what it says and what it checks.

use super::{Asked, ChaosRun, Packed};
use crate::framing::FrameError;
use crate::kit::text::spaced_hex;
use crate::report::svg::{Lane, Panel};
use crate::report::table::{Cell, Table, Tone};
use crate::t;

/// What a read that may be refused ended with, as a stage shows it: the
/// bytes it accepted, or its error (which says what went wrong and by how
/// much).
pub fn accepted_or_error(read: &Result<Vec<u8>, FrameError>) -> String {
    match read {
        Ok(b) => t!("lab04-accepted-bytes", n = b.len()),
        Err(e) => e.localized(),
    }
}

/// "yes" in green or "no" in red: whether a reply arrived whole.
fn yes_no(ok: bool) -> Cell {
    Cell::new(
        t!(if ok { "lab04-yes" } else { "lab04-no" }),
        if ok { Tone::Good } else { Tone::Bad },
    )
}

impl Asked {
    /// Stage 1, one row a command: the header its reply carried, the length
    /// that header announced, what arrived, and whether it was whole.
    pub fn table(asked: &[Asked]) -> Table {
        let mut t = Table::new([
            t!("lab04-s1-col-command"),
            t!("lab04-s1-col-header"),
            t!("lab04-s1-col-length"),
            t!("lab04-s1-col-received"),
            t!("lab04-s1-col-intact"),
        ]);
        for a in asked {
            t.row([
                Cell::from(a.cmd),
                Cell::from(spaced_hex(&a.header).as_str()),
                Cell::from(a.len.to_string().as_str()),
                Cell::from(format!("{} B", a.got).as_str()),
                yes_no(a.intact),
            ]);
        }
        t
    }
}

impl Packed {
    /// Stage 4, one row a (length, format): the header, or that the format
    /// cannot describe the length (another error is shown as it is).
    pub fn table(limits: [&Packed; 3]) -> Table {
        let mut t = Table::new([
            t!("lab04-s4-col-length"),
            t!("lab04-s4-col-format"),
            t!("lab04-s4-col-header"),
            t!("lab04-s4-col-result"),
        ]);
        for p in limits {
            let (h, c) = match &p.header {
                Ok(h) => (spaced_hex(h), Cell::new(t!("lab04-s4-packed"), Tone::Good)),
                Err(FrameError::Unrepresentable { .. }) => (
                    "—".to_string(),
                    Cell::new(t!("lab04-s4-refused"), Tone::Bad),
                ),
                Err(e) => ("—".to_string(), Cell::new(e.localized(), Tone::Bad)),
            };
            t.row([
                Cell::from(p.len.to_string().as_str()),
                Cell::from(p.format),
                Cell::from(h.as_str()),
                c,
            ]);
        }
        t
    }
}

impl ChaosRun {
    /// Stage 2's picture: the server's header and `want` bytes of data above
    /// the lesson's two recvs, the fix's reads below.
    pub fn panel(&self, seed: u64, want: usize) -> Panel {
        let got = self.short.body().len();
        Panel {
            title: t!("lab04-s2-panel", seed = seed),
            lanes: vec![
                Lane::from_lengths(t!("lab04-lane-server-header-data"), &[4, want]),
                Lane::from_lengths(
                    t!("lab04-lane-lesson-recvs"),
                    &[self.short.header.len(), got],
                ),
                Lane::from_lengths(t!("lab04-lane-fix"), &self.fixed_reads),
            ],
            boundaries: vec![4, 4 + want as u64],
            unit: None,
        }
    }
}
