//! [`Demo`] tells a lab's story stage by stage, checks each claim against
//! what was measured, and turns the result into the exit code: 0 only when
//! every stage observed the lesson's behaviour. `--step` pauses before each
//! stage, `--json` writes a [`Report`], `--svg` draws the timelines, `--pcap`
//! keeps the packets. The stages themselves are a table ([`super::Stage`]).

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::kit::files::write_atomic;
use crate::report::svg::{self, Panel};
use crate::report::{self, mark, style, ColorChoice, Report, StageReport};
use crate::t;

/// Options every `demo` subcommand takes.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct DemoOpts {
    /// Pause before each stage until Enter is pressed, q stops (on a terminal).
    #[arg(long)]
    pub step: bool,
    /// Write a machine-readable JSON report to stdout (the story goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// Write an SVG timeline of the writes against the reads to FILE.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Seed for the chaos cuts: the same seed gives the same cuts.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Capture the demo's packets on loopback to FILE (pcap, for Wireshark;
    /// needs root or CAP_NET_RAW, Linux).
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
}

/// A stage's heading: bold cyan.
const STAGE: report::Style = report::AnsiColor::Cyan.on_default().bold();

/// A demo run: stages in order, each checked.
pub struct Demo {
    lab: String,
    title: String,
    opts: DemoOpts,
    color: ColorChoice,
    stages: Vec<StageReport>,
    current: Option<(usize, String)>,
    panels: Vec<Panel>,
    out: Box<dyn Write>,
    capture: Option<crate::kit::capture::Capture>,
    /// `q` was typed at a `--step` pause: no more stages run.
    stopped: bool,
}

impl Demo {
    /// Starts a demo and prints its title.
    pub fn new(lab: &str, title: &str, opts: &DemoOpts, color: ColorChoice) -> Demo {
        let title = &crate::lang::tr(title);
        let out: Box<dyn Write> = if opts.json {
            // The story goes to stderr, so decide its color for stderr.
            color.apply_for_stderr();
            Box::new(report::stderr())
        } else {
            color.apply();
            Box::new(report::stdout())
        };
        let mut d = Demo {
            lab: lab.to_string(),
            title: title.to_string(),
            opts: opts.clone(),
            color,
            stages: Vec::new(),
            current: None,
            panels: Vec::new(),
            out,
            capture: None,
            stopped: false,
        };
        let heading = format!("{lab} — {title}");
        d.line(&format!(
            "{}\n{}",
            style(&heading, report::BOLD),
            // Columns, not characters: a Chinese title's characters are two wide.
            "═".repeat(unicode_width::UnicodeWidthStr::width(heading.as_str()))
        ));
        if let Some(path) = &d.opts.pcap {
            match crate::kit::capture::Capture::start() {
                Ok(c) => d.capture = Some(c),
                Err(e) => {
                    let why = if e.kind() == io::ErrorKind::PermissionDenied {
                        t!("harness-capture-needs-root")
                    } else {
                        e.to_string()
                    };
                    d.line(&format!(
                        "  {} {}",
                        style(&t!("harness-note-label"), report::WARN),
                        t!("harness-capture-off", path = path.display(), why = why)
                    ));
                }
            }
        }
        d
    }

    /// Whether the user typed `q` at a `--step` pause.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// The seed chosen with `--seed`.
    pub fn seed(&self) -> u64 {
        self.opts.seed
    }

    /// The packets captured so far with `--pcap`, for a stage to check its
    /// claim against the wire; `Err` says in a few words why there are none
    /// (no `--pcap`, or capturing was not allowed).
    pub fn captured(&self) -> Result<Vec<crate::kit::capture::Packet>, String> {
        match (&self.capture, &self.opts.pcap) {
            (Some(c), _) => {
                let packets = c.snapshot();
                // Packets the kernel dropped may be this stage's: a count
                // made without them would blame the stage for the capture.
                let lost = c.lost();
                match lost.any() {
                    true => Err(t!(
                        "harness-capture-lost",
                        n = lost.dropped,
                        m = lost.offered
                    )),
                    false => Ok(packets),
                }
            }
            (None, Some(_)) => Err(t!("harness-capture-not-run-failed")),
            (None, None) => Err(t!("harness-capture-not-run-no-pcap")),
        }
    }

    /// The color choice in force.
    pub fn color(&self) -> ColorChoice {
        self.color
    }

    /// Begins the next stage (after a pause with `--step`).
    pub fn stage(&mut self, title: &str) {
        // A title may be a catalog key (a translated lab) or still English.
        let title = &crate::lang::tr(title);
        if self.stopped {
            return;
        }
        if self.current.is_some() {
            self.pending_unchecked();
        }
        let n = self.stages.len() + 1;
        if self.opts.step && io::stdin().is_terminal() {
            let _ = write!(
                self.out,
                "{}",
                style(
                    &format!("  {} ", t!("harness-step-pause", n = n, title = title)),
                    report::DIM
                )
            );
            let _ = self.out.flush();
            let mut s = String::new();
            let _ = io::stdin().lock().read_line(&mut s);
            if matches!(s.trim(), "q" | "quit") {
                self.stopped = true;
                return;
            }
        }
        self.line(&format!(
            "\n{} {}",
            style(&t!("harness-stage-heading", n = n), STAGE),
            style(title, report::BOLD)
        ));
        self.current = Some((n, title.to_string()));
    }

    /// Narration: why this stage matters, in a sentence or two.
    pub fn say(&mut self, text: &str) {
        for l in text.lines() {
            self.line(&format!("  {l}"));
        }
    }

    /// Shows a rendered block (a chunk view, a table, a transcript).
    pub fn show(&mut self, block: &str) {
        let b = block.trim_end_matches('\n');
        self.line(b);
    }

    /// Shows one line of what was measured, indented under the stage as
    /// the narration is: `show("  " + line)`, written once so a stage
    /// reads as its words, not as its formatting.
    pub fn show_line(&mut self, line: &str) {
        self.show(&format!("  {line}"));
    }

    /// Records the stage's result: what the lesson expects, what was seen,
    /// and the measurements behind it.
    pub fn check(&mut self, ok: bool, expected: &str, observed: &str, data: serde_json::Value) {
        let expected = &crate::lang::tr(expected);
        let (n, title) = self
            .current
            .take()
            .unwrap_or_else(|| (self.stages.len() + 1, "check".to_string()));
        let seen = if ok {
            observed.to_string()
        } else {
            t!("harness-not-seen", observed = observed, expected = expected)
        };
        self.line(&format!("  {} {}", mark(ok), seen));
        self.stages.push(StageReport {
            stage: n,
            title,
            expected: expected.to_string(),
            observed: observed.to_string(),
            ok,
            data,
        });
    }

    /// Adds a picture to the `--svg` file.
    pub fn panel(&mut self, panel: Panel) {
        self.panels.push(panel);
    }

    /// Prints the verdict, writes the report and picture, and returns the
    /// exit code: success only when every stage observed its claim.
    pub fn finish(mut self) -> ExitCode {
        if self.current.is_some() {
            self.pending_unchecked();
        }
        let failed: Vec<&StageReport> = self.stages.iter().filter(|s| !s.ok).collect();
        let ok = !self.stages.is_empty() && failed.is_empty() && !self.stopped;
        let verdict = if ok {
            t!("harness-verdict-all", n = self.stages.len())
        } else if self.stopped {
            t!("harness-verdict-stopped", n = self.stages.len())
        } else if self.stages.is_empty() {
            t!("harness-verdict-none")
        } else {
            let names: Vec<String> = failed
                .iter()
                .map(|s| {
                    t!(
                        "harness-verdict-failed-stage",
                        n = s.stage,
                        title = s.title,
                        observed = s.observed
                    )
                })
                .collect();
            t!(
                "harness-verdict-not-reproduced",
                stages = names.join(&t!("harness-separator"))
            )
        };
        let label = t!("harness-verdict-label");
        self.line(&format!(
            "\n{} {}",
            if ok {
                style(&label, report::PASS)
            } else {
                style(&label, report::ALARM)
            },
            verdict
        ));
        if let Some(path) = self.opts.svg.clone() {
            let svg = svg::render(&format!("{} — {}", self.lab, self.title), &self.panels);
            match write_atomic(&path, svg.as_bytes()) {
                Ok(()) => self.line(&format!(
                    "  {}",
                    t!("harness-timeline-written", path = path.display())
                )),
                Err(e) => {
                    self.line(&format!(
                        "  {}",
                        t!("harness-cannot-write", path = path.display(), error = e)
                    ));
                    return ExitCode::from(2);
                }
            }
        }
        if let (Some(cap), Some(path)) = (self.capture.take(), self.opts.pcap.clone()) {
            let (packets, dropped, lost) = cap.finish_counted();
            if lost.any() {
                self.line(&format!(
                    "  {} {}",
                    style(&t!("harness-note-label"), report::WARN),
                    t!("harness-capture-lost", n = lost.dropped, m = lost.offered)
                ));
            }
            match crate::kit::capture::write_pcap(&path, &packets) {
                Ok(()) => self.line(&format!(
                    "  {}",
                    t!(
                        "harness-packets-captured",
                        n = packets.len(),
                        path = path.display(),
                        dropped = if dropped > 0 {
                            t!("harness-packets-dropped", n = dropped)
                        } else {
                            String::new()
                        }
                    )
                )),
                Err(e) => {
                    self.line(&format!(
                        "  {}",
                        t!("harness-cannot-write", path = path.display(), error = e)
                    ));
                    return ExitCode::from(2);
                }
            }
        }
        if self.opts.json {
            let report = Report {
                lab: self.lab.clone(),
                title: self.title.clone(),
                version: env!("CARGO_PKG_VERSION").to_string(),
                stages: self.stages.clone(),
                ok,
                verdict,
                lang: crate::lang::current(),
            };
            match serde_json::to_string_pretty(&report) {
                Ok(j) => println!("{j}"),
                Err(e) => eprintln!("{}", t!("harness-json-failed", error = e)),
            }
        }
        if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }

    fn pending_unchecked(&mut self) {
        if let Some((n, title)) = self.current.take() {
            self.stages.push(StageReport {
                stage: n,
                title,
                expected: t!("harness-unchecked-expected"),
                observed: t!("harness-unchecked-observed"),
                ok: false,
                data: serde_json::Value::Null,
            });
        }
    }

    fn line(&mut self, s: &str) {
        let _ = writeln!(self.out, "{s}");
    }
}
