//! The face every lab binary shares.
//!
//! * [`Demo`] tells a lab's story stage by stage, checks each claim against
//!   what was measured, and turns the result into the exit code: 0 only when
//!   every stage observed the lesson's behaviour. `--step` pauses between
//!   stages, `--json` writes a [`Report`], `--svg` draws the timelines.
//! * [`Prompt`] is the lessons' `>>> ` loop: line editing and history on a
//!   terminal, `--cmd X` (repeatable) or piped stdin for scripts; empty lines
//!   are skipped and `q` / `quit` leaves.

use std::collections::VecDeque;
use std::io::{self, BufRead, IsTerminal, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;

use colored::Colorize;

pub mod args;
pub mod command;
pub mod registry;
mod stages;

pub use stages::{Stage, StageError};

use crate::report::svg::{self, Panel};
use crate::report::{mark, ColorChoice, Report, StageReport};

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
        let out: Box<dyn Write> = if opts.json {
            // The story goes to stderr, so decide its color for stderr.
            colored::control::set_override(color.for_stderr());
            Box::new(io::stderr())
        } else {
            color.apply();
            Box::new(io::stdout())
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
            heading.bold(),
            "═".repeat(heading.chars().count())
        ));
        if let Some(path) = &d.opts.pcap {
            match crate::kit::capture::Capture::start() {
                Ok(c) => d.capture = Some(c),
                Err(e) => {
                    let why = if e.kind() == io::ErrorKind::PermissionDenied {
                        "capturing packets needs root or CAP_NET_RAW (try sudo)".to_string()
                    } else {
                        e.to_string()
                    };
                    d.line(&format!(
                        "  {} no capture written to {}: {why}; the demo runs without it",
                        "note:".yellow().bold(),
                        path.display()
                    ));
                }
            }
        }
        d
    }

    /// Keeps every packet to or from `port` in the `--pcap` capture (call it
    /// with each listening port the demo starts, before anyone connects).
    pub fn watch_port(&mut self, port: u16) {
        if let Some(c) = &self.capture {
            c.watch(port);
        }
    }

    /// Whether the user typed `q` at a `--step` pause.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// Whether `--pcap` is capturing.
    pub fn capturing(&self) -> bool {
        self.capture.is_some()
    }

    /// The seed chosen with `--seed`.
    pub fn seed(&self) -> u64 {
        self.opts.seed
    }

    /// The color choice in force.
    pub fn color(&self) -> ColorChoice {
        self.color
    }

    /// Begins the next stage (after a pause with `--step`).
    pub fn stage(&mut self, title: &str) {
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
                format!("  [Enter] stage {n}: {title} — q to stop… ").dimmed()
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
            format!("Stage {n}:").bold().cyan(),
            title.bold()
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

    /// Records the stage's result: what the lesson expects, what was seen,
    /// and the measurements behind it.
    pub fn check(&mut self, ok: bool, expected: &str, observed: &str, data: serde_json::Value) {
        let (n, title) = self
            .current
            .take()
            .unwrap_or_else(|| (self.stages.len() + 1, "check".to_string()));
        let seen = if ok {
            observed.to_string()
        } else {
            format!("{observed} — expected: {expected}")
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
            format!(
                "all {} stages showed the lesson's behaviour",
                self.stages.len()
            )
        } else if self.stopped {
            format!(
                "stopped by the user after {} stage(s); run again without q to see them all",
                self.stages.len()
            )
        } else if self.stages.is_empty() {
            "no stage ran".to_string()
        } else {
            let names: Vec<String> = failed
                .iter()
                .map(|s| format!("stage {} ({}): {}", s.stage, s.title, s.observed))
                .collect();
            format!("not reproduced — {}", names.join("; "))
        };
        self.line(&format!(
            "\n{} {}",
            if ok {
                "VERDICT:".green().bold()
            } else {
                "VERDICT:".red().bold()
            },
            verdict
        ));
        if let Some(path) = self.opts.svg.clone() {
            let svg = svg::render(&format!("{} — {}", self.lab, self.title), &self.panels);
            match write_atomic(&path, svg.as_bytes()) {
                Ok(()) => self.line(&format!("  timeline written to {}", path.display())),
                Err(e) => {
                    self.line(&format!("  could not write {}: {e}", path.display()));
                    return ExitCode::from(2);
                }
            }
        }
        if let (Some(cap), Some(path)) = (self.capture.take(), self.opts.pcap.clone()) {
            let (packets, dropped) = cap.finish();
            match crate::kit::capture::write_pcap(&path, &packets) {
                Ok(()) => self.line(&format!(
                    "  {} packets captured to {}{} (open it in Wireshark, or: tshark -r {})",
                    packets.len(),
                    path.display(),
                    if dropped > 0 {
                        format!(", {dropped} more did not fit in memory")
                    } else {
                        String::new()
                    },
                    path.display()
                )),
                Err(e) => {
                    self.line(&format!("  could not write {}: {e}", path.display()));
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
            };
            match serde_json::to_string_pretty(&report) {
                Ok(j) => println!("{j}"),
                Err(e) => eprintln!("could not write the JSON report: {e}"),
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
                expected: "a result".into(),
                observed: "the stage ended without a check".into(),
                ok: false,
                data: serde_json::Value::Null,
            });
        }
    }

    fn line(&mut self, s: &str) {
        let _ = writeln!(self.out, "{s}");
    }
}

/// Writes a file so that it never exists half-written under its final name:
/// a temporary file beside it, then a rename.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Where the commands of a `client` come from.
pub struct Prompt {
    source: Source,
}

enum Source {
    Script(VecDeque<String>),
    Editor(Box<rustyline::DefaultEditor>, String),
    Lines(io::Lines<io::StdinLock<'static>>),
}

impl Prompt {
    /// `--cmd` values if any were given; otherwise a line editor on a
    /// terminal, or plain lines from piped stdin.
    pub fn new(cmds: Vec<String>, prompt: &str) -> Prompt {
        let source = if !cmds.is_empty() {
            Source::Script(cmds.into())
        } else if io::stdin().is_terminal() {
            match rustyline::DefaultEditor::new() {
                Ok(ed) => Source::Editor(Box::new(ed), prompt.to_string()),
                Err(_) => Source::Lines(io::stdin().lock().lines()),
            }
        } else {
            Source::Lines(io::stdin().lock().lines())
        };
        Prompt { source }
    }

    /// The next command: trimmed, never empty; `None` at `q`, `quit`,
    /// end of input or Ctrl-C.
    pub fn next_command(&mut self) -> Option<String> {
        loop {
            let line = match &mut self.source {
                Source::Script(q) => q.pop_front()?,
                Source::Lines(lines) => lines.next()?.ok()?,
                Source::Editor(ed, prompt) => match ed.readline(prompt) {
                    Ok(l) => {
                        let _ = ed.add_history_entry(l.as_str());
                        l
                    }
                    Err(_) => return None,
                },
            };
            let cmd = line.trim();
            match cmd {
                "" => continue,
                "q" | "quit" | "exit" => return None,
                c => return Some(c.to_string()),
            }
        }
    }
}

/// Parses `HOST:PORT` (a name like `localhost:9527` is resolved locally).
pub fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    if let Ok(a) = s.parse() {
        return Ok(a);
    }
    s.to_socket_addrs()
        .map_err(|e| format!("'{s}' is not an address: {e}"))?
        .next()
        .ok_or_else(|| format!("'{s}' resolved to no address"))
}

/// Parses a duration in seconds for a flag: a finite number above 0 and at
/// most a day (`nan`, `inf`, `0` and `-1` are refused with the reason, so no
/// server starts with a timeout that means nothing).
pub fn parse_seconds(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number of seconds"))?;
    if !v.is_finite() || v <= 0.0 || v > 86_400.0 {
        return Err(format!(
            "'{s}' seconds is out of range: give a number above 0 and at most 86400 (a day)"
        ));
    }
    Ok(v)
}

/// Prints a one-line error naming what was wrong and returns exit code 2.
pub fn fail(what: impl std::fmt::Display) -> ExitCode {
    eprintln!("{} {what}", "error:".red().bold());
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_skips_empty_lines_and_stops_at_quit() {
        let mut p = Prompt::new(
            vec![
                "ls".into(),
                "  ".into(),
                " help ".into(),
                "q".into(),
                "never".into(),
            ],
            ">>> ",
        );
        assert_eq!(p.next_command().as_deref(), Some("ls"));
        assert_eq!(p.next_command().as_deref(), Some("help"));
        assert_eq!(p.next_command(), None);
    }

    #[test]
    fn durations_must_be_finite_positive_seconds() {
        assert_eq!(parse_seconds("2.5"), Ok(2.5));
        for bad in ["nan", "NaN", "inf", "-1", "0", "1e9", "two"] {
            let e = parse_seconds(bad).unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
    }

    #[test]
    fn atomic_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.svg");
        write_atomic(&p, b"<svg/>").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"<svg/>");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}

/// The default ports, one per lab, read from [`registry::LABS`].
pub mod ports {
    use super::registry::lab;
    /// Lab 01 (seed 002 §1.1 uses 9527).
    pub const LAB01: u16 = lab(1).port;
    /// Lab 02.
    pub const LAB02: u16 = lab(2).port;
    /// Lab 03 (seed 001 uses 8001).
    pub const LAB03: u16 = lab(3).port;
    /// Lab 04 (seed 002 §1.2 uses 8083).
    pub const LAB04: u16 = lab(4).port;
    /// Lab 05 (seed 000 uses 9090).
    pub const LAB05: u16 = lab(5).port;
    /// Lab 06 (seed 002 §3.2 uses 8888 for UDP).
    pub const LAB06: u16 = lab(6).port;
    /// Lab 07 (seed 002 §3.1 uses 8889).
    pub const LAB07: u16 = lab(7).port;
}

/// Which bytes a lab's server and client put on the wire: `--compat ours|lesson`,
/// the same two values with the same meaning in every lab that has the flag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compat {
    /// Ours: every message framed, requests too, so nothing can stick.
    /// (`sticky` is lab 05's old name for it, kept so old scripts work.)
    #[default]
    #[value(alias = "sticky")]
    Ours,
    /// Exactly the lesson's bytes: a bare command read with one `recv(1024)`,
    /// replies as the lesson page sends them (so its Python programs work).
    Lesson,
}

impl std::fmt::Display for Compat {
    /// In words, for banners: never the enum's name.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Compat::Ours => "our framed format (requests framed too)",
            Compat::Lesson => "the lesson's own format (--compat lesson)",
        })
    }
}

/// The flags of every command server (labs 01, 03, 04, 05).
#[derive(Clone, Debug, clap::Args)]
pub struct CommandServerArgs {
    /// Address to listen on (default: 127.0.0.1 and the lab's port).
    #[arg(long, value_parser = parse_addr)]
    pub addr: Option<SocketAddr>,
    /// Which commands to run: deterministic built-ins, or the real shell.
    #[arg(long, value_enum, default_value_t = crate::kit::runner::ExecMode::Builtin)]
    pub exec: crate::kit::runner::ExecMode,
    /// Allow `--exec shell` on a non-loopback address (a remote shell!).
    #[arg(long)]
    pub allow_remote: bool,
    /// Seconds a command may run before it is killed.
    #[arg(long, default_value_t = 5.0, value_parser = parse_seconds)]
    pub timeout: f64,
    /// Largest command output sent back, in bytes.
    #[arg(long, default_value_t = 1 << 20)]
    pub max_output: usize,
    /// Encoding of built-in output (gbk imitates a Chinese Windows server).
    #[arg(long, value_enum, default_value_t = crate::kit::text::Encoding::Utf8)]
    pub encoding: crate::kit::text::Encoding,
    /// Most clients served at once (one thread each).
    #[arg(long, default_value_t = 64)]
    pub max_conns: usize,
    /// Seconds a connected client may stay silent before it is dropped.
    #[arg(long, default_value_t = 300.0, value_parser = parse_seconds)]
    pub idle_timeout: f64,
}

impl CommandServerArgs {
    /// The address to bind: `--addr`, or 127.0.0.1 and `default_port`.
    pub fn addr_or(&self, default_port: u16) -> SocketAddr {
        self.addr
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], default_port)))
    }

    /// The runner these flags describe.
    pub fn runner(&self) -> crate::kit::runner::RunnerConfig {
        crate::kit::runner::RunnerConfig {
            mode: self.exec,
            timeout: std::time::Duration::from_secs_f64(self.timeout.clamp(0.001, 86_400.0)),
            max_output: self.max_output,
            encoding: self.encoding,
        }
    }

    /// The serving options these flags describe.
    pub fn serve_options(&self) -> crate::kit::server::ServeOptions {
        crate::kit::server::ServeOptions {
            max_conns: self.max_conns,
            idle_timeout: Some(std::time::Duration::from_secs_f64(
                self.idle_timeout.clamp(0.001, 86_400.0),
            )),
            log: true,
        }
    }

    /// Binds the listener after the remote-shell check, printing its warning.
    pub fn bind(&self, default_port: u16) -> Result<std::net::TcpListener, String> {
        let addr = self.addr_or(default_port);
        let shell = self.exec == crate::kit::runner::ExecMode::Shell;
        if let Some(warning) = crate::kit::server::check_exposure(&addr, shell, self.allow_remote)?
        {
            eprintln!("{}", warning.yellow().bold());
        }
        crate::kit::sock::listen(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))
    }
}

/// The flags of every command client.
#[derive(Clone, Debug, clap::Args)]
pub struct ClientArgs {
    /// Server address (default: 127.0.0.1 and the lab's port).
    #[arg(long, value_parser = parse_addr)]
    pub addr: Option<SocketAddr>,
    /// Run this command instead of prompting (repeatable).
    #[arg(long = "cmd", value_name = "COMMAND")]
    pub cmds: Vec<String>,
    /// How to decode the server's output (gbk for a Chinese Windows server).
    #[arg(long, value_enum, default_value_t = crate::kit::text::Encoding::Utf8)]
    pub encoding: crate::kit::text::Encoding,
}

impl ClientArgs {
    /// The address to connect to: `--addr`, or 127.0.0.1 and `default_port`.
    pub fn addr_or(&self, default_port: u16) -> SocketAddr {
        self.addr
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], default_port)))
    }

    /// Connects to the server with Nagle off (each command leaves at once,
    /// lab 02) and a 10 s connect timeout; the error names the address.
    pub fn connect(&self, default_port: u16) -> Result<std::net::TcpStream, String> {
        let addr = self.addr_or(default_port);
        crate::kit::sock::connect_with(
            addr,
            &crate::kit::sock::SockOpts::nodelay(true),
            Some(std::time::Duration::from_secs(10)),
        )
        .map_err(|e| format!("cannot connect to {addr}: {e}"))
    }
}

/// Prints the line every server starts with, on stderr:
/// `<lab> server listening on <addr>`. Tests and scripts read the address
/// from it (bind port 0 and learn the port the kernel chose).
pub fn announce(lab: &str, addr: SocketAddr) {
    eprintln!("{lab} server listening on {addr}");
}
