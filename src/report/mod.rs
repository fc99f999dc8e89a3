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
        colored::control::set_override(self.decide(std::io::stdout().is_terminal()));
    }

    /// Whether text written to stderr should be colored: colored only checks
    /// stdout, so the decision for stderr is made here.
    pub fn for_stderr(self) -> bool {
        self.decide(std::io::stderr().is_terminal())
    }

    /// The decision for a stream that is (or is not) a terminal. In `auto`:
    /// `CLICOLOR_FORCE` (not `0`) colors; a non-empty `NO_COLOR` or
    /// `CLICOLOR=0` does not (an empty `NO_COLOR` is ignored, as no-color.org
    /// asks); otherwise color only on a terminal.
    fn decide(self, terminal: bool) -> bool {
        self.decide_with(terminal, |name| std::env::var_os(name))
    }

    fn decide_with(self, terminal: bool, env: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
        let set = |name: &str| env(name).filter(|v| !v.is_empty());
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                    return true;
                }
                set("NO_COLOR").is_none() && set("CLICOLOR").is_none_or(|v| v != "0") && terminal
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_no_color_is_ignored_and_a_set_one_is_obeyed() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        let auto = ColorChoice::Auto;
        assert!(auto.decide_with(true, env(&[])));
        assert!(!auto.decide_with(false, env(&[])));
        assert!(auto.decide_with(true, env(&[("NO_COLOR", "")])));
        assert!(!auto.decide_with(true, env(&[("NO_COLOR", "1")])));
        assert!(!auto.decide_with(true, env(&[("CLICOLOR", "0")])));
        assert!(auto.decide_with(false, env(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])));
        assert!(!ColorChoice::Never.decide_with(true, env(&[("CLICOLOR_FORCE", "1")])));
    }
}
