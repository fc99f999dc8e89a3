//! Showing what happened: every claim a lab makes is measured, then shown.
//!
//! * [`chunks`]: each `recv()` in its own color with its byte count, the
//!   sender's message boundaries marked where they fall inside it;
//! * [`ledger`]: messages sent against messages received — intact, split,
//!   merged, lost;
//! * [`table`]: side-by-side tables that line up CJK text too;
//! * [`svg`]: a picture of the writes against the reads;
//! * [`Report`]: the machine-readable `--json` report for graders.
//!
//! Color follows `--color auto|always|never`, `NO_COLOR` and `CLICOLOR_FORCE`.

pub mod chunks;
pub mod ledger;
pub mod svg;
pub mod table;

use std::io::IsTerminal;

use colored::{Color, ColoredString, Colorize};
use serde::Serialize;

/// `--color auto|always|never`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Color when writing to a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always color (also `CLICOLOR_FORCE=1`).
    Always,
    /// Never color.
    Never,
}

impl ColorChoice {
    /// Applies the choice to stdout output (colored's global switch).
    pub fn apply(self) {
        match self {
            ColorChoice::Auto => colored::control::unset_override(),
            ColorChoice::Always => colored::control::set_override(true),
            ColorChoice::Never => colored::control::set_override(false),
        }
    }

    /// Whether text written to stderr should be colored: colored only checks
    /// stdout, so the decision for stderr is made here.
    pub fn for_stderr(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                if std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                    return true;
                }
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stderr().is_terminal()
            }
        }
    }
}

/// The colors chunks cycle through: distinct on dark and light terminals.
pub const PALETTE: [Color; 6] = [
    Color::Cyan,
    Color::Yellow,
    Color::Magenta,
    Color::Green,
    Color::Blue,
    Color::Red,
];

/// The SVG equivalents of [`PALETTE`].
pub const SVG_PALETTE: [&str; 6] = [
    "#2aa1b3", "#d4a017", "#b0479e", "#3c9a3c", "#3f6fd1", "#c8473b",
];

/// Paints `text` in the `i`-th palette color.
pub fn paint(text: &str, i: usize) -> ColoredString {
    text.color(PALETTE[i % PALETTE.len()])
}

/// A check mark or a cross, colored.
pub fn mark(ok: bool) -> ColoredString {
    if ok {
        "✔".green().bold()
    } else {
        "✘".red().bold()
    }
}

/// What one stage of a demo observed, for the JSON report.
#[derive(Clone, Debug, Serialize)]
pub struct StageReport {
    /// Stage number, from 1.
    pub stage: usize,
    /// Short title.
    pub title: String,
    /// What the lesson says should happen.
    pub expected: String,
    /// What was actually seen.
    pub observed: String,
    /// Whether the lesson's behaviour was observed.
    pub ok: bool,
    /// Measurements behind the claim (chunk sizes, ledgers, timings, …).
    pub data: serde_json::Value,
}

/// The whole `--json` report of a demo run. Fields:
///
/// * `lab`: the binary's name; `title`: the lesson;
/// * `stages`: [`StageReport`]s in order;
/// * `ok`: every stage observed; `verdict`: the closing sentence.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The lab binary's name.
    pub lab: String,
    /// The lesson's title.
    pub title: String,
    /// Version of sticky-lab that produced the report.
    pub version: String,
    /// Each stage's result.
    pub stages: Vec<StageReport>,
    /// True only when every stage observed what the lesson claims.
    pub ok: bool,
    /// One sentence summing up.
    pub verdict: String,
}
