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
//! Color follows `--color auto|always|never`, `NO_COLOR` and `CLICOLOR_FORCE`,
//! decided per stream: [`style`] paints for the stream the story goes to, and
//! [`stdout`] / [`stderr`] (anstream) strip escape codes from a stream that
//! should not get them, and switch a Windows console to showing them.

pub mod chunks;
pub mod ledger;
pub mod svg;
pub mod table;

use std::io::{self, IsTerminal};
use std::sync::atomic::{AtomicU8, Ordering};

pub use anstyle::{AnsiColor, Style};
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

/// The `--color` choice in force, for streams opened after [`ColorChoice::apply`].
static CHOICE: AtomicU8 = AtomicU8::new(0);
/// Whether [`style`] writes escape codes: unset (decide for stdout on first
/// use, as if `--color auto`), off or on.
static PAINTING: AtomicU8 = AtomicU8::new(UNSET);
const UNSET: u8 = 0;
const OFF: u8 = 1;
const ON: u8 = 2;

impl ColorChoice {
    /// Paints text for stdout: the styled text is built for the stream the
    /// story goes to, so stdout's own decision switches painting on or off.
    pub fn apply(self) {
        self.paint_for(io::stdout().is_terminal());
    }

    /// Paints text for stderr: `--json` keeps stdout for the report, so the
    /// story, and its colors, go to stderr.
    pub fn apply_for_stderr(self) {
        self.paint_for(io::stderr().is_terminal());
    }

    fn paint_for(self, terminal: bool) {
        CHOICE.store(self as u8, Ordering::Relaxed);
        // A Windows console shows escape codes as text until virtual-terminal
        // processing is switched on; where it cannot be (before Windows 10),
        // nothing is painted rather than garbage shown.
        let console_ok = !terminal || enable_windows_escapes();
        let on = self.decide(terminal) && console_ok;
        PAINTING.store(if on { ON } else { OFF }, Ordering::Relaxed);
    }

    /// Whether text written to stderr should be colored.
    pub fn for_stderr(self) -> bool {
        self.decide(io::stderr().is_terminal())
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

    /// The choice given to the last [`ColorChoice::apply`] (`auto` before any).
    fn in_force() -> ColorChoice {
        match CHOICE.load(Ordering::Relaxed) {
            1 => ColorChoice::Always,
            2 => ColorChoice::Never,
            _ => ColorChoice::Auto,
        }
    }

    /// What anstream should do with escape codes on a stream that is (or is
    /// not) a terminal: pass them (converting them for an old Windows
    /// console) or strip them.
    fn for_stream(self, terminal: bool) -> anstream::ColorChoice {
        if self.decide(terminal) {
            anstream::ColorChoice::Always
        } else {
            anstream::ColorChoice::Never
        }
    }
}

/// Switches a Windows console to understanding escape codes (both stdout's
/// and stderr's); true where that worked or was never needed (not Windows).
fn enable_windows_escapes() -> bool {
    anstyle_query::windows::enable_ansi_colors().unwrap_or(true)
}

/// Stdout, deciding for itself: escape codes pass only when stdout should
/// be colored, so `sticky … > file` holds plain text whatever stderr is.
pub fn stdout() -> anstream::AutoStream<io::Stdout> {
    let out = io::stdout();
    let choice = ColorChoice::in_force().for_stream(out.is_terminal());
    anstream::AutoStream::new(out, choice)
}

/// Stderr, deciding for itself: `2> log.txt` gets no escape codes even
/// while stdout is a colored terminal.
pub fn stderr() -> anstream::AutoStream<io::Stderr> {
    let err = io::stderr();
    let choice = ColorChoice::in_force().for_stream(err.is_terminal());
    anstream::AutoStream::new(err, choice)
}

/// Turns painting on or off directly (tests compare plain text).
pub fn set_painting(on: bool) {
    PAINTING.store(if on { ON } else { OFF }, Ordering::Relaxed);
}

fn painting() -> bool {
    match PAINTING.load(Ordering::Relaxed) {
        ON => true,
        OFF => false,
        _ => {
            ColorChoice::Auto.apply();
            PAINTING.load(Ordering::Relaxed) == ON
        }
    }
}

/// `text` in `style`, or `text` alone when painting is off (so plain output
/// is byte for byte the text). Pad before styling: escape codes have no
/// width, but `format!("{:>7}")` would count them.
pub fn style(text: &str, style: Style) -> String {
    if painting() {
        styled(text, style)
    } else {
        text.to_string()
    }
}

/// `text` in `style` whatever painting says: for a line written through
/// [`stdout`] or [`stderr`], which strip the codes when that stream should
/// not be colored.
pub fn styled(text: &str, style: Style) -> String {
    format!("{}{text}{}", style.render(), style.render_reset())
}

/// Bold.
pub const BOLD: Style = Style::new().bold();
/// Dim: less important.
pub const DIM: Style = Style::new().dimmed();
/// Bold red: errors, a boundary inside a chunk, a failed verdict.
pub const ALARM: Style = AnsiColor::Red.on_default().bold();
/// Bold yellow: notes and warnings.
pub const WARN: Style = AnsiColor::Yellow.on_default().bold();
/// Bold green: a passed check or verdict.
pub const PASS: Style = AnsiColor::Green.on_default().bold();

/// The colors chunks cycle through: distinct on dark and light terminals.
pub const PALETTE: [AnsiColor; 6] = [
    AnsiColor::Cyan,
    AnsiColor::Yellow,
    AnsiColor::Magenta,
    AnsiColor::Green,
    AnsiColor::Blue,
    AnsiColor::Red,
];

/// The SVG equivalents of [`PALETTE`].
pub const SVG_PALETTE: [&str; 6] = [
    "#2aa1b3", "#d4a017", "#b0479e", "#3c9a3c", "#3f6fd1", "#c8473b",
];

/// Paints `text` in the `i`-th palette color.
pub fn paint(text: &str, i: usize) -> String {
    style(text, PALETTE[i % PALETTE.len()].on_default())
}

/// A check mark or a cross, colored.
pub fn mark(ok: bool) -> String {
    if ok {
        style("✔", PASS)
    } else {
        style("✘", ALARM)
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
    /// The language the text fields were written in (`en` or `zh`); the
    /// keys, `ok` and the exit code are the same in both.
    pub lang: crate::lang::Lang,
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
