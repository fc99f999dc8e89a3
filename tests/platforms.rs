//! Things that differ between terminals, shells and operating systems:
//! each output stream decides its own colour, and `sticky completions`
//! writes a script that knows every subcommand.

mod common;

use std::time::Duration;

const STICKY: &str = env!("CARGO_BIN_EXE_sticky");

/// Runs `shell_line` under `script(1)`, so its stdout is a terminal (a pty),
/// and returns what reached that terminal. `None` where `script` is missing.
#[cfg(target_os = "linux")]
fn on_a_terminal(shell_line: &str) -> Option<String> {
    let mut c = std::process::Command::new("script");
    c.args(["-qec", shell_line, "/dev/null"]);
    for v in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE"] {
        c.env_remove(v);
    }
    match c.output() {
        Ok(out) => Some(common::text(&out.stdout)),
        Err(_) => None,
    }
}

/// The test binary's one error line, written with stderr redirected to a
/// file while stdout is a terminal; `color` is the `--color` value.
#[cfg(target_os = "linux")]
fn error_line_in_a_file(color: &str) -> Option<(String, String)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("stderr.txt");
    let line = format!(
        "'{STICKY}' --color {color} labs --only no-such-lab 2>'{}'; test -t 1 && echo STDOUT-IS-A-TERMINAL",
        log.display()
    );
    let terminal = on_a_terminal(&line)?;
    let file = std::fs::read_to_string(&log).expect("stderr file written");
    Some((terminal, file))
}

#[cfg(target_os = "linux")]
#[test]
fn stderr_redirected_to_a_file_gets_no_escape_codes_while_stdout_is_a_terminal() {
    let Some((terminal, file)) = error_line_in_a_file("auto") else {
        eprintln!("SKIPPED: no script(1) here to give the binary a terminal");
        return;
    };
    assert!(
        terminal.contains("STDOUT-IS-A-TERMINAL"),
        "stdout was not a terminal, so this shows nothing: {terminal:?}"
    );
    assert!(file.contains("error: --only no-such-lab"), "{file:?}");
    assert!(!file.contains('\x1b'), "escape codes in the file: {file:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn the_same_error_line_is_colored_when_asked_so_the_check_above_can_fail() {
    let Some((_, file)) = error_line_in_a_file("always") else {
        eprintln!("SKIPPED: no script(1) here to give the binary a terminal");
        return;
    };
    assert!(
        file.contains("\x1b["),
        "--color always gave plain text: {file:?}"
    );
    assert!(file.contains("error:"), "{file:?}");
}

#[test]
fn bash_completions_name_every_subcommand() {
    let mut c = common::cmd(STICKY);
    c.args(["completions", "bash"]);
    let out = common::run_with_timeout(c, b"", Duration::from_secs(30));
    assert!(out.status.success(), "{out:?}");
    let script = common::text(&out.stdout);
    assert!(script.contains("complete -F _sticky"), "{script}");
    // The first `opts="…"` naming flags is what completes after `sticky `.
    let top = script
        .lines()
        .find(|l| l.trim_start().starts_with("opts=\"-"))
        .expect("an opts= line");
    let words: Vec<&str> = top
        .trim()
        .trim_start_matches("opts=\"")
        .trim_end_matches('"')
        .split(' ')
        .collect();
    for sub in ["proxy", "bench", "load", "labs", "completions"] {
        assert!(
            words.contains(&sub),
            "`sticky {sub}` does not complete: {top}"
        );
    }
}

#[test]
fn an_unknown_shell_is_refused_with_the_ones_there_are() {
    let mut c = common::cmd(STICKY);
    c.args(["completions", "tcsh"]);
    let out = common::run_with_timeout(c, b"", Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = common::text(&out.stderr);
    assert!(err.contains("tcsh") && err.contains("powershell"), "{err}");
}
