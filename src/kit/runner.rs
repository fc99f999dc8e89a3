//! The lessons' remote command runner, made safe to leave running.
//!
//! Every lesson server does `subprocess.Popen(cmd, shell=True, stdout=PIPE,
//! stderr=PIPE)` and sends back what came out. That is a remote shell. Here
//! the default is a set of **built-in commands** whose output is the same on
//! every OS (so demos and tests are reproducible, and `help` is reliably
//! longer than 1024 bytes). The real shell runs only in [`ExecMode::Shell`].
//!
//! Whichever runs, a command gets a timeout and an output cap, stdin is
//! closed, and both stdout and stderr come back, as in the lessons.
//!
//! What the timeout promises for the real shell: the reply goes out at the
//! timeout (plus 200 ms for last output) whatever still holds the pipes
//! open, and the output cap holds. On Linux every process the command
//! started is killed — background jobs, `setsid` children, double-forked
//! daemons, with or without their environment — because the shell runs
//! under a child subreaper that adopts them all
//! ([`super::child::reaped_shell_command`]). On macOS and other Unixes only
//! the command's process group is killed: a `setsid` child or a double fork
//! escapes it and lives on after the reply. On Windows `cmd /C` is killed,
//! not what it started.

use std::io::Read;
use std::process::Stdio;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::kit::child::{kill_adopted, kill_reaped};
use crate::kit::text::Encoding;

/// Which commands the server will run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecMode {
    /// Built-in, deterministic commands only (the default).
    Builtin,
    /// The real shell: `sh -c` (`cmd /C` on Windows). A remote shell: use with care.
    Shell,
}

/// Limits and choices for running one command.
#[derive(Clone, Debug)]
pub struct RunnerConfig {
    /// Built-ins or the real shell.
    pub mode: ExecMode,
    /// A command still running after this is killed.
    pub timeout: Duration,
    /// Output beyond this many bytes (stdout and stderr together) is dropped.
    pub max_output: usize,
    /// How built-in output text is encoded (GBK imitates a Chinese Windows server).
    pub encoding: Encoding,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            mode: ExecMode::Builtin,
            timeout: Duration::from_secs(5),
            max_output: 1 << 20,
            encoding: Encoding::Utf8,
        }
    }
}

/// What a command produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandOutput {
    /// Standard output bytes.
    pub stdout: Vec<u8>,
    /// Standard error bytes.
    pub stderr: Vec<u8>,
    /// Exit status (124 when timed out, 127 for an unknown command).
    pub exit_code: i32,
    /// The command was killed at the timeout.
    pub timed_out: bool,
    /// Output went over the cap and was cut there.
    pub truncated: bool,
}

impl CommandOutput {
    /// stdout followed by stderr, as seed 002 sends them (`stdout_res+stderr_res`).
    pub fn combined(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.stdout.len() + self.stderr.len());
        v.extend_from_slice(&self.stdout);
        v.extend_from_slice(&self.stderr);
        v
    }

    /// Seed 000's choice: stdout if there is any, otherwise stderr.
    pub fn stdout_or_stderr(&self) -> &[u8] {
        if self.stdout.is_empty() {
            &self.stderr
        } else {
            &self.stdout
        }
    }

    fn from_text(out: String, err: String, code: i32, cfg: &RunnerConfig) -> CommandOutput {
        let mut o = CommandOutput {
            stdout: cfg.encoding.encode(&out),
            stderr: cfg.encoding.encode(&err),
            exit_code: code,
            ..CommandOutput::default()
        };
        o.cap(cfg.max_output);
        o
    }

    /// Appends `note` to stderr, making room for it inside the cap by
    /// cutting the output first: the cap is a promise about the whole reply.
    fn append_within_cap(&mut self, note: &[u8], max: usize) {
        let note = &note[..note.len().min(max)];
        let room = max - note.len();
        if self.stdout.len() + self.stderr.len() > room {
            self.truncated = true;
            let keep_err = room
                .saturating_sub(self.stdout.len())
                .min(self.stderr.len());
            self.stderr.truncate(keep_err);
            self.stdout.truncate(room - keep_err);
        }
        self.stderr.extend_from_slice(note);
    }

    fn cap(&mut self, max: usize) {
        if self.stdout.len() > max {
            self.stdout.truncate(max);
            self.truncated = true;
        }
        let room = max - self.stdout.len();
        if self.stderr.len() > room {
            self.stderr.truncate(room);
            self.truncated = true;
        }
    }
}

/// Runs one command line as the server received it (raw bytes).
/// Never fails: problems come back as stderr text and a non-zero exit code.
pub fn run(command: &[u8], cfg: &RunnerConfig) -> CommandOutput {
    if command.len() > MAX_COMMAND {
        // Not copied, echoed or passed to a shell: a 60 MiB "command" would
        // cost its size again in every copy on the way.
        return CommandOutput::from_text(
            String::new(),
            notice(crate::t!(
                "kit-runner-too-long",
                len = command.len(),
                max = MAX_COMMAND
            )),
            2,
            cfg,
        );
    }
    let line = match std::str::from_utf8(command) {
        Ok(s) => s.trim(),
        Err(e) => {
            return CommandOutput::from_text(
                String::new(),
                notice(crate::t!("kit-runner-not-utf8", offset = e.valid_up_to())),
                2,
                cfg,
            )
        }
    };
    match cfg.mode {
        ExecMode::Builtin => run_builtin(line, cfg),
        ExecMode::Shell => run_shell(line, cfg),
    }
}

/// One notice line for the client's stderr.
fn notice(text: String) -> String {
    text + "\n"
}

/// The longest command run: what Linux lets one argument of `execve` be
/// (`MAX_ARG_STRLEN`, 32 pages; execve(2)), so `sh -c LINE` could take no
/// longer line anyway.
pub const MAX_COMMAND: usize = 128 * 1024;

/// Names and one-line descriptions of the built-in commands.
pub const BUILTINS: &[(&str, &str)] = &[
    (
        "help",
        "show this list of commands (longer than 1024 bytes, on purpose)",
    ),
    (
        "ls",
        "list the files of a small imaginary project, one per line",
    ),
    ("dir", "the same listing in the style of a Windows console"),
    ("seq N", "print the numbers 1 to N, one per line"),
    (
        "bytes N",
        "print exactly N bytes: a repeating alphabet, then a newline",
    ),
    (
        "zh",
        "print a few lines of Chinese text (multi-byte UTF-8, or GBK)",
    ),
    ("echo TEXT", "print TEXT back"),
    (
        "upper TEXT",
        "print TEXT in upper case, like the lessons' echo server",
    ),
    ("err TEXT", "print TEXT on stderr and exit with status 1"),
    (
        "sleep S",
        "wait S seconds (stopped at the server's timeout)",
    ),
    (
        "yes",
        "print 'y' forever (stopped at the server's output cap)",
    ),
    ("whoami", "print the name this server runs commands as"),
    ("pwd", "print the server's imaginary working directory"),
];

/// The built-in `help` text.
pub fn help_text() -> String {
    let mut s = String::from(
        "sticky-lab built-in commands\n\
         ============================\n\
         These commands behave the same on every machine, so a lab shows the\n\
         same bytes in every classroom. The lessons' servers run whatever the\n\
         client sends through a real shell; this server only does that when it\n\
         is started with --exec shell.\n\n",
    );
    for (name, what) in BUILTINS {
        s.push_str(&format!("  {name:<12} {what}\n"));
    }
    s.push_str(
        "\nWhy is this text so long? The lessons' client reads every reply with\n\
         one recv(1024). A reply longer than 1024 bytes cannot fit: the first\n\
         1024 bytes are printed, and the rest waits in the kernel's receive\n\
         buffer until the *next* recv(1024), which belongs to the next command.\n\
         From then on every answer is the tail of the previous one. That is the\n\
         sticky-packet bug (粘包), and this text is long enough to show it.\n\
         \n\
         Limits: every command is stopped at the server's timeout, its output is\n\
         cut at the server's cap, and its standard input is closed.\n",
    );
    s
}

fn listing() -> &'static str {
    "Cargo.toml\nREADME.md\ndocs\nlabs\nnotes-粘包.txt\nsrc\ntarget\ntests\n"
}

fn dir_listing() -> String {
    let rows = [
        ("2024-05-10  09:30", "<DIR>", "", "docs"),
        ("2024-05-10  09:30", "<DIR>", "", "labs"),
        ("2024-05-10  09:30", "<DIR>", "", "src"),
        ("2024-05-10  09:31", "", "1,375", "Cargo.toml"),
        ("2024-05-10  09:31", "", "  532", "README.md"),
    ];
    let mut s = String::from(" Volume in drive C is LAB\n Directory of C:\\sticky-lab\n\n");
    for (when, kind, size, name) in rows {
        s.push_str(&format!("{when}    {kind:<5} {size:>9} {name}\n"));
    }
    s.push_str("               2 File(s)          1,907 bytes\n");
    s
}

fn zh_text() -> &'static str {
    "粘包问题:TCP 是流式协议,数据像水流一样粘在一起,没有任何边界区分。\n\
     解决的核心法门就是:每次都收干净,不要任何残留。\n\
     只有 TCP 有粘包现象,UDP 永远不会粘包。\n"
}

fn parse_count(arg: &str, what: &str) -> Result<u64, String> {
    arg.trim()
        .parse::<u64>()
        .map_err(|_| notice(crate::t!("kit-runner-not-count", what = what, arg = arg)))
}

fn run_builtin(line: &str, cfg: &RunnerConfig) -> CommandOutput {
    let (name, arg) = match line.split_once(char::is_whitespace) {
        Some((n, a)) => (n, a.trim()),
        None => (line, ""),
    };
    let ok = |out: String| CommandOutput::from_text(out, String::new(), 0, cfg);
    let fail = |err: String, code| CommandOutput::from_text(String::new(), err, code, cfg);
    match name {
        "help" | "?" => ok(help_text()),
        "ls" => ok(listing().to_string()),
        "dir" => ok(dir_listing()),
        "zh" | "中文" => ok(zh_text().to_string()),
        "echo" => ok(format!("{arg}\n")),
        "upper" => ok(format!("{}\n", arg.to_uppercase())),
        "err" => fail(format!("{arg}\n"), 1),
        "whoami" => ok("sticky\n".to_string()),
        "pwd" => ok("/home/sticky/lab\n".to_string()),
        "seq" => match parse_count(arg, "seq") {
            Ok(n) => {
                let mut s = String::new();
                for i in 1..=n {
                    if s.len() > cfg.max_output {
                        break;
                    }
                    s.push_str(&format!("{i}\n"));
                }
                ok(s)
            }
            Err(e) => fail(e, 2),
        },
        "bytes" => match parse_count(arg, "bytes") {
            Ok(n) => {
                let n = (n as usize).min(cfg.max_output + 1);
                let body: String = (0..n.saturating_sub(1))
                    .map(|i| (b'a' + (i % 26) as u8) as char)
                    .collect();
                ok(if n == 0 { body } else { body + "\n" })
            }
            Err(e) => fail(e, 2),
        },
        "sleep" => match arg.trim().parse::<f64>() {
            Ok(secs) if secs.is_finite() && secs >= 0.0 => {
                let want = Duration::from_secs_f64(secs.min(1e6));
                if want > cfg.timeout {
                    thread::sleep(cfg.timeout);
                    let mut o = fail(
                        notice(crate::t!(
                            "kit-runner-sleep-stopped",
                            arg = arg,
                            timeout = format!("{:?}", cfg.timeout)
                        )),
                        124,
                    );
                    o.timed_out = true;
                    o
                } else {
                    thread::sleep(want);
                    ok(String::new())
                }
            }
            _ => fail(
                notice(crate::t!("kit-runner-sleep-not-number", arg = arg)),
                2,
            ),
        },
        "yes" => {
            let mut o = ok("y\n".repeat(cfg.max_output / 2 + 1));
            o.truncated = true;
            o
        }
        "" => fail(notice(crate::t!("kit-runner-empty")), 2),
        other => fail(
            notice(crate::t!("kit-runner-unknown", command = other)),
            127,
        ),
    }
}

fn run_shell(line: &str, cfg: &RunnerConfig) -> CommandOutput {
    // Under a reaper of its own (Linux; elsewhere its own process group), so
    // a timeout kills `sleep` under `sh`, and `setsid` children and daemons too.
    let mut cmd = super::child::reaped_shell_command(line);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return CommandOutput::from_text(
                String::new(),
                notice(crate::t!("kit-runner-no-shell", error = e)),
                126,
                cfg,
            )
        }
    };
    let (tx, rx) = mpsc::channel::<(bool, Vec<u8>)>();
    let mut readers = Vec::new();
    for (is_err, pipe) in [
        (
            false,
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
        (
            true,
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
    ] {
        let Some(mut pipe) = pipe else { continue };
        let tx = tx.clone();
        readers.push(thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 || tx.send((is_err, buf[..n].to_vec())).is_err() {
                    break;
                }
            }
        }));
    }
    drop(tx);

    let deadline = Instant::now() + cfg.timeout;
    let mut out = CommandOutput::default();
    let mut killed = false;
    loop {
        let now = Instant::now();
        if now >= deadline && !killed {
            kill_reaped(&mut child);
            killed = true;
            out.timed_out = true;
        }
        // Once killed, the reply goes out now: a descendant that escaped the
        // kill may still hold the pipes open, and the client must not wait
        // for it. The reader threads end on their own when the pipes close.
        if killed && now >= deadline + LAST_WORDS {
            break;
        }
        let wait = deadline
            .saturating_duration_since(now)
            .max(Duration::from_millis(50));
        match rx.recv_timeout(wait) {
            Ok((is_err, bytes)) => {
                let room = cfg.max_output - (out.stdout.len() + out.stderr.len());
                let take = bytes.len().min(room);
                let dst = if is_err {
                    &mut out.stderr
                } else {
                    &mut out.stdout
                };
                dst.extend_from_slice(&bytes[..take]);
                if take < bytes.len() && !killed {
                    out.truncated = true;
                    kill_reaped(&mut child);
                    killed = true;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                for r in readers.drain(..) {
                    let _ = r.join();
                }
                break;
            }
        }
    }
    // The shell is done, but `cmd &` and `setsid cmd` may have left
    // processes behind that would outlive the reply: a remote shell must not
    // leave anything running. Kill whatever the reaper adopted, give the
    // reaper a moment to exit with the shell's status, then kill the rest.
    let mut exited = false;
    if !killed {
        kill_adopted(&mut child);
        let until = Instant::now() + REAPER_EXIT;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => exited = true,
                Ok(None) if Instant::now() < until => {
                    thread::sleep(Duration::from_millis(2));
                    continue;
                }
                _ => {}
            }
            break;
        }
    }
    if !exited {
        kill_reaped(&mut child);
    }
    out.exit_code = match child.wait() {
        _ if out.timed_out => 124,
        Ok(status) => status.code().unwrap_or(128 + 9),
        Err(_) => 1,
    };
    if out.timed_out {
        // In the server's --encoding, as the built-ins' notices are.
        let note = notice(crate::t!(
            "kit-runner-stopped",
            timeout = format!("{:?}", cfg.timeout)
        ));
        out.append_within_cap(&cfg.encoding.encode(&note), cfg.max_output);
    }
    out
}

/// How long a killed command's last output may still arrive before the
/// reply goes out without it.
const LAST_WORDS: Duration = Duration::from_millis(200);

/// How long the reaper may take to exit once its shell has (a few
/// milliseconds when idle; a loaded machine can delay it).
const REAPER_EXIT: Duration = Duration::from_secs(2);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_is_longer_than_one_naive_recv() {
        let out = run(b"help", &RunnerConfig::default());
        assert!(out.stdout.len() > 1024, "{}", out.stdout.len());
        assert_eq!(out.exit_code, 0);
    }

    #[test]
    fn unknown_and_non_utf8_commands_answer_on_stderr() {
        let cfg = RunnerConfig::default();
        let out = run(b"nosuch", &cfg);
        assert_eq!(out.exit_code, 127);
        assert!(String::from_utf8_lossy(&out.stderr).contains("unknown command 'nosuch'"));
        let out = run(&[0xff, 0xfe], &cfg);
        assert!(String::from_utf8_lossy(&out.stderr).contains("not valid UTF-8"));
    }

    #[test]
    fn a_command_over_the_limit_is_refused_not_copied() {
        let long = vec![b'x'; MAX_COMMAND + 1];
        let out = run(&long, &RunnerConfig::default());
        assert_eq!(out.exit_code, 2);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("131073 bytes, over the 131072-byte"),
            "{out:?}"
        );
        assert!(out.stderr.len() < 200);
    }

    #[test]
    fn builtin_output_is_capped() {
        let cfg = RunnerConfig {
            max_output: 1000,
            ..RunnerConfig::default()
        };
        let out = run(b"yes", &cfg);
        assert!(out.truncated);
        assert_eq!(out.stdout.len(), 1000);
        assert_eq!(run(b"bytes 5000", &cfg).stdout.len(), 1000);
    }

    #[cfg(unix)]
    #[test]
    fn shell_commands_are_stopped_at_the_timeout_and_the_cap() {
        let cfg = RunnerConfig {
            mode: ExecMode::Shell,
            timeout: Duration::from_millis(300),
            max_output: 64 * 1024,
            ..RunnerConfig::default()
        };
        let t = Instant::now();
        let out = run(b"sleep 1000", &cfg);
        assert!(out.timed_out);
        assert_eq!(out.exit_code, 124);
        assert!(t.elapsed() < Duration::from_secs(10));

        let out = run(b"yes", &cfg);
        assert!(out.truncated);
        assert_eq!(out.stdout.len(), 64 * 1024);

        let out = run(b"echo out; echo err >&2; exit 3", &cfg);
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
        assert_eq!(out.exit_code, 3);
    }

    /// Processes whose command line is exactly `argv` (Linux `/proc`).
    #[cfg(target_os = "linux")]
    fn alive(argv: &[&str]) -> usize {
        let want: Vec<u8> = argv
            .iter()
            .flat_map(|a| [a.as_bytes(), b"\0"].concat())
            .collect();
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter(|e| {
                let pid = e.file_name();
                let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
                pid.to_string_lossy().parse::<u32>().is_ok()
                    && !stat.contains(") Z ")
                    && std::fs::read(e.path().join("cmdline")).unwrap_or_default() == want
            })
            .count()
    }

    #[cfg(target_os = "linux")]
    fn shell(timeout_ms: u64, max_output: usize) -> RunnerConfig {
        RunnerConfig {
            mode: ExecMode::Shell,
            timeout: Duration::from_millis(timeout_ms),
            max_output,
            ..RunnerConfig::default()
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_setsid_child_neither_delays_the_reply_nor_survives_it() {
        // setsid leaves the process group the timeout used to kill, and
        // holds the pipes open: the reply used to wait 25 s for it.
        let t = Instant::now();
        let out = run(b"setsid sleep 913", &shell(300, 4096));
        assert!(out.timed_out, "{out:?}");
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        assert_eq!(alive(&["sleep", "913"]), 0, "the setsid sleeper survived");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_background_job_does_not_outlive_its_command() {
        // Output redirected, so the pipes close at once and the reply is
        // immediate; the sleeper used to live on after it.
        let out = run(
            b"sleep 914 >/dev/null 2>&1 & echo started",
            &shell(5000, 4096),
        );
        assert_eq!(out.stdout, b"started\n");
        assert!(!out.timed_out);
        assert_eq!(alive(&["sleep", "914"]), 0, "the background job survived");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_double_forked_daemon_in_its_own_session_is_killed_too() {
        let out = run(
            b"sh -c 'setsid sh -c \"sleep 915 >/dev/null 2>&1 &\" &' ; echo ok",
            &shell(5000, 4096),
        );
        assert_eq!(out.stdout, b"ok\n", "{out:?}");
        assert_eq!(
            alive(&["sleep", "915"]),
            0,
            "the daemonized grandchild survived"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_grandchild_in_a_new_session_without_our_environment_is_killed_at_the_timeout() {
        // `env -i` drops any mark we could put in the environment, `setsid`
        // leaves the process group, `&` then the shell's exit leaves the
        // parent: before the reaper this grandchild was adopted by init and
        // wrote into the pipe forever. It writes its pid first.
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let line = format!(
            "env -i /bin/sh -c 'setsid /bin/sh -c \"echo \\$\\$ > {}; while :; do echo tick; sleep 0.05; done\" &'",
            pid_file.display()
        );
        let t = Instant::now();
        let out = run(line.as_bytes(), &shell(1000, 1 << 20));
        assert!(out.timed_out, "{out:?}");
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        assert!(out.stdout.starts_with(b"tick\n"), "{out:?}");
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let gone = |pid: i32| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            stat.is_empty() || stat.contains(") Z ")
        };
        assert!(gone(pid), "the grandchild {pid} outlived the timeout");
        // And the runner runs the next command as usual.
        assert_eq!(run(b"echo next", &shell(1000, 4096)).stdout, b"next\n");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_timeout_notice_fits_inside_the_output_cap() {
        let out = run(b"head -c 990 /dev/zero; sleep 916", &shell(300, 1000));
        assert!(out.timed_out);
        assert!(
            out.stdout.len() + out.stderr.len() <= 1000,
            "{}",
            out.stdout.len() + out.stderr.len()
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("stopped at the"));
        assert_eq!(alive(&["sleep", "916"]), 0);
    }
}
