//! The one demo shape every lab shares: a table of stages.
//!
//! A lab binary lists its stages — a title, what the lesson expects, and the
//! function that shows it — and hands the table to [`Demo::run`]. Lab 01's
//! `main` reads like the lesson's table of contents:
//!
//! ```text
//! const STAGES: [Stage<Lab>; 5] = [
//!     Stage { title: "a short command works", expected: "one recv(1024) …", run: short_command },
//!     Stage { title: "a long reply is cut, …", expected: "help cut at 1024; …", run: long_reply_desync },
//!     …
//! ];
//! demo.run(start_lab, &STAGES)
//! ```
//!
//! Whatever goes wrong *setting up* (a port that cannot be bound, a server
//! that will not start) or inside a stage becomes a failed check with the
//! reason in words, so the verdict, the exit code and `--json` always come
//! out the same way.

use std::fmt;
use std::process::ExitCode;

use super::Demo;

/// Why a stage (or the demo's setup) could not run: one line, in words.
///
/// Any error converts into it with `?`, so a stage function can use `?` on
/// socket calls, framing errors and its own `String` messages alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageError(pub String);

impl fmt::Display for StageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error> From<E> for StageError {
    fn from(e: E) -> StageError {
        StageError(e.to_string())
    }
}

impl StageError {
    /// An error from a message of the stage's own.
    pub fn new(msg: impl Into<String>) -> StageError {
        StageError(msg.into())
    }
}

/// One stage of a demo: its title, the lesson's claim, and the function
/// that shows it and calls [`Demo::check`]. `L` is what the stages share
/// (a running server, a clock), built once by the demo's setup.
pub struct Stage<L> {
    /// What the stage shows, as a heading: a catalog key (`lab01-s1-title`),
    /// or English text in a lab not yet translated.
    pub title: &'static str,
    /// What the lesson says will happen; printed when it did not (a catalog
    /// key or English text, like `title`).
    pub expected: &'static str,
    /// Shows the stage and checks it.
    pub run: fn(&mut Demo, &L, &str) -> Result<(), StageError>,
}

impl Demo {
    /// Runs a whole demo: `setup` once, then every stage in order, then the
    /// verdict. A setup error is reported as a failed "setup" check (so
    /// `--json` still prints a report); a stage error as that stage's
    /// failed check. Exit 0 only when every stage observed its claim.
    pub fn run<L>(
        mut self,
        setup: impl FnOnce(&mut Demo) -> Result<L, StageError>,
        stages: &[Stage<L>],
    ) -> ExitCode {
        let shared = match setup(&mut self) {
            Ok(l) => l,
            Err(e) => {
                self.stage("harness-setup-title");
                self.check(
                    false,
                    "harness-setup-expected",
                    &crate::t!("harness-setup-failed", error = e),
                    serde_json::json!({ "error": e.0 }),
                );
                return self.finish();
            }
        };
        for stage in stages {
            self.stage(stage.title);
            if self.stopped() {
                break;
            }
            if let Err(e) = (stage.run)(&mut self, &shared, stage.expected) {
                self.check(
                    false,
                    stage.expected,
                    &crate::t!("harness-stage-failed", error = e),
                    serde_json::json!({ "error": e.0 }),
                );
            }
        }
        self.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::DemoOpts;
    use crate::report::ColorChoice;

    fn quiet() -> DemoOpts {
        DemoOpts::default()
    }

    fn passes(d: &mut Demo, _: &u8, expected: &str) -> Result<(), StageError> {
        d.check(true, expected, "seen", serde_json::Value::Null);
        Ok(())
    }

    fn breaks(_: &mut Demo, _: &u8, _: &str) -> Result<(), StageError> {
        Err(std::io::Error::other("the socket went away"))?
    }

    #[test]
    fn every_stage_observed_is_success() {
        let d = Demo::new("t", "t", &quiet(), ColorChoice::Never);
        let stages = [Stage {
            title: "a",
            expected: "x",
            run: passes,
        }];
        assert_eq!(d.run(|_| Ok(0u8), &stages), ExitCode::SUCCESS);
    }

    #[test]
    fn a_stage_error_is_a_failed_check_not_a_crash() {
        let d = Demo::new("t", "t", &quiet(), ColorChoice::Never);
        let stages = [
            Stage {
                title: "a",
                expected: "x",
                run: passes,
            },
            Stage {
                title: "b",
                expected: "y",
                run: breaks,
            },
        ];
        assert_eq!(d.run(|_| Ok(0u8), &stages), ExitCode::FAILURE);
    }

    #[test]
    fn a_setup_error_fails_the_demo() {
        let d = Demo::new("t", "t", &quiet(), ColorChoice::Never);
        let stages = [Stage {
            title: "a",
            expected: "x",
            run: passes,
        }];
        let code = d.run(|_| Err::<u8, _>(StageError::new("port busy")), &stages);
        assert_eq!(code, ExitCode::FAILURE);
    }
}
