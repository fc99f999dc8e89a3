//! `sticky labs`: the instructor's preflight. Runs every lab binary's
//! `demo` (found next to this executable) with a time limit and tables
//! which lessons reproduce on this machine, and why the others do not. The
//! labs are the registry's ([`crate::harness::registry::LABS`]): a lab
//! added there is preflighted with no change here.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::harness::registry::LABS;
use crate::report::table::Table;
use crate::report::ColorChoice;
use crate::t;

/// Examples for `sticky labs --help`.
/// The catalog key of `sticky labs --help`'s examples (locales/*/tools.ftl);
/// `harness::args::command` puts the text in, in the language in force.
pub const LABS_EXAMPLES: &str = "sticky-cmd-labs-examples";

/// `sticky labs` flags.
#[derive(Clone, Debug, clap::Args)]
pub struct LabsArgs {
    /// Seconds each demo may run before it is killed.
    #[arg(long, default_value_t = 90.0)]
    pub timeout: f64,
    /// Only these labs (comma-separated binary names).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Where the lab binaries are (default: next to this program).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Print the results as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// How one lab's demo went.
#[derive(Clone, Debug, Serialize)]
pub struct LabResult {
    /// Binary name.
    pub lab: String,
    /// The lesson.
    pub lesson: String,
    /// The demo exited 0: the lesson's behaviour was observed here.
    pub reproduced: bool,
    /// "reproduced", "failed (exit 1)", "not found", "timed out (90 s)", …:
    /// always English, for scripts (the table shows it translated).
    pub status: String,
    /// Seconds the demo ran.
    pub seconds: f64,
    /// The demo's VERDICT line, or why there is none (in `lang`).
    pub verdict: String,
    /// The language of `verdict` (the demo is run in the preflight's own).
    pub lang: crate::lang::Lang,
    /// `status` in the language in force, for the table.
    #[serde(skip)]
    pub status_shown: String,
}

/// Runs `bin demo` with a time limit and reads its verdict.
pub fn run_demo(lab: &str, lesson: &str, bin: &Path, limit: Duration) -> LabResult {
    let mut r = LabResult {
        lab: lab.to_string(),
        lesson: lesson.to_string(),
        reproduced: false,
        status: String::new(),
        seconds: 0.0,
        verdict: String::new(),
        lang: crate::lang::current(),
        status_shown: String::new(),
    };
    if !bin.is_file() {
        r.status = "not found".into();
        r.status_shown = t!("labs-status-not-found");
        r.verdict = t!("labs-no-binary", path = bin.display());
        return r;
    }
    let start = Instant::now();
    // The demo speaks the preflight's language, so its verdict line is
    // found by the same label.
    let child = Command::new(bin)
        .args([
            "--color",
            "never",
            "--lang",
            crate::lang::current().code(),
            "demo",
        ])
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            r.status = "cannot start".into();
            r.status_shown = t!("labs-status-cannot-start");
            r.verdict = e.to_string();
            return r;
        }
    };
    let grab = |p: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut s = Vec::new();
            if let Some(mut p) = p {
                let _ = p.read_to_end(&mut s);
            }
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let out = grab(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = grab(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => thread::sleep(Duration::from_millis(50)),
            Err(_) => break None,
        }
    };
    r.seconds = start.elapsed().as_secs_f64();
    let text = format!(
        "{}\n{}",
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default()
    );
    let label = t!("harness-verdict-label");
    let verdict = text
        .lines()
        .rev()
        .find(|l| l.contains(label.as_str()))
        .and_then(|l| l.split_once(label.as_str()))
        .map(|(_, v)| v.trim().to_string());
    let last_error = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string();
    match status {
        None => {
            let secs = format!("{:.0}", limit.as_secs_f64());
            r.status = format!("timed out ({secs} s)");
            r.status_shown = t!("labs-status-timed-out", seconds = secs);
            r.verdict = verdict.unwrap_or_else(|| t!("labs-no-verdict"));
        }
        Some(s) => {
            r.reproduced = s.success();
            let code = s.code().map_or("signal".into(), |c| c.to_string());
            (r.status, r.status_shown) = if s.success() {
                ("reproduced".into(), t!("labs-status-reproduced"))
            } else {
                (
                    format!("failed (exit {code})"),
                    t!("labs-status-failed", code = code),
                )
            };
            r.verdict = verdict.unwrap_or(last_error);
        }
    }
    r
}

/// `sticky labs`.
pub fn labs_command(args: &LabsArgs, color: ColorChoice) -> ExitCode {
    color.apply();
    if let Some(unknown) = args
        .only
        .iter()
        .find(|o| crate::harness::registry::by_binary(o).is_none())
    {
        let names: Vec<&str> = LABS.iter().map(|l| l.binary).collect();
        return crate::harness::fail(t!(
            "labs-unknown-only",
            name = unknown,
            labs = names.join(", ")
        ));
    }
    let dir = match args.dir.clone().or_else(|| {
        std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(Path::to_path_buf))
    }) {
        Some(d) => d,
        None => return crate::harness::fail(t!("labs-no-dir")),
    };
    let limit = Duration::from_secs_f64(args.timeout.clamp(1.0, 3600.0));
    let mut results = Vec::new();
    for lab in &LABS {
        if !args.only.is_empty() && !args.only.iter().any(|o| o == lab.binary) {
            continue;
        }
        eprintln!("{}", t!("labs-running", lab = lab.binary));
        let bin = dir.join(format!("{}{}", lab.binary, std::env::consts::EXE_SUFFIX));
        results.push(run_demo(lab.binary, lab.lesson, &bin, limit));
    }
    let mut table = Table::new([
        t!("labs-col-lab"),
        t!("labs-col-lesson"),
        t!("labs-col-result"),
        t!("labs-col-time"),
        t!("labs-col-verdict"),
    ]);
    for r in &results {
        // A lesson's name is translated where its lab's catalog has it.
        let key = format!("{}-lesson", r.lab);
        let lesson = if crate::lang::has(crate::lang::Lang::En, &key) {
            crate::lang::tr(&key)
        } else {
            r.lesson.clone()
        };
        table.row([
            r.lab.clone(),
            lesson,
            r.status_shown.clone(),
            t!("labs-seconds", seconds = format!("{:.1}", r.seconds)),
            crate::kit::text::shorten(&r.verdict, 90),
        ]);
    }
    let ok = results.iter().filter(|r| r.reproduced).count();
    let summary = t!("labs-summary", ok = ok, n = results.len());
    if args.json {
        eprint!("{}", table.render());
        eprintln!("{summary}");
        match serde_json::to_string_pretty(&results) {
            Ok(j) => println!("{j}"),
            Err(e) => return crate::harness::fail(format!("JSON: {e}")),
        }
    } else {
        print!("{}", table.render());
        println!("{summary}");
    }
    if !results.is_empty() && ok == results.len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
