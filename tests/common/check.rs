//! Helpers for the `sticky check` tests (tests/check*.rs): run the checker
//! with `--json`, read which cases passed and failed, and point it at the
//! Python programs in python/ — or at an edited copy of one.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::{python, run_with_timeout};

pub const LIMIT: Duration = Duration::from_secs(150);

pub fn sticky() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sticky"));
    c.env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE");
    c
}

/// `sticky check ARGS --json`: exit code, the report (Null on a setup error), stderr.
pub fn check(args: &[&str]) -> (i32, Value, String) {
    check_in(None, args)
}

/// [`check`] run in folder `dir` (the student's folder: a server started
/// by the checker stores its files there).
pub fn check_in(dir: Option<&std::path::Path>, args: &[&str]) -> (i32, Value, String) {
    let mut c = sticky();
    if let Some(d) = dir {
        c.current_dir(d);
    }
    c.arg("check").args(args).arg("--json");
    let out = run_with_timeout(c, b"", LIMIT);
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn cases(report: &Value, result: &str) -> Vec<String> {
    report["cases"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|c| c["result"] == result)
                .filter_map(|c| c["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

pub fn failure<'a>(report: &'a Value, case: &str) -> &'a Value {
    report["cases"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == case))
        .map(|c| &c["failure"])
        .unwrap_or(&Value::Null)
}

/// A failure's `field` (`message`, `hint`, `chunk_view`…) contains `words`.
pub fn assert_says(f: &Value, field: &str, words: &str) {
    assert!(
        f[field].as_str().unwrap_or("").contains(words),
        "its {field} does not say {words:?}: {f:#}"
    );
}

/// It must exit 1 with each of `failing` failed and `passing` passed.
pub fn assert_fails(args: &[&str], failing: &[&str], passing: &str) -> Value {
    let (code, report, err) = check(args);
    assert_eq!(code, 1, "{args:?}: {report:#}\n{err}");
    let failed = cases(&report, "fail");
    for case in failing {
        assert!(
            failed.iter().any(|f| f == case),
            "{case} did not fail: {args:?} {report:#}"
        );
    }
    assert!(
        cases(&report, "pass").iter().any(|p| p == passing),
        "{passing} did not pass: {args:?} {report:#}"
    );
    report
}

pub fn assert_all_pass(args: &[&str]) {
    assert_all_pass_in(None, args)
}

/// [`assert_all_pass`] run in folder `dir`.
pub fn assert_all_pass_in(dir: Option<&std::path::Path>, args: &[&str]) {
    let (code, report, err) = check_in(dir, args);
    assert_eq!(
        (code, cases(&report, "fail")),
        (0, vec![]),
        "{args:?}: {report:#}\n{err}"
    );
    assert!(report["passed"].as_u64().unwrap_or(0) >= 5, "{report:#}");
}

pub fn py(dir: &str, file: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join(dir)
        .join(file);
    format!("{} {}", python().unwrap_or("python3"), p.display())
}

/// A copy of a Python program with each `(from, to)` replaced (each must occur).
pub fn edited_copy(dir: &str, file: &str, edits: &[(&str, &str)]) -> (tempfile::TempDir, String) {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join(dir)
        .join(file);
    let mut text = std::fs::read_to_string(&src).expect("python program");
    for (from, to) in edits {
        assert!(text.contains(from), "{file} no longer contains {from:?}");
        text = text.replace(from, to);
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join(file);
    std::fs::write(&path, text).expect("write copy");
    let cmd = format!("{} {}", python().unwrap_or("python3"), path.display());
    (tmp, cmd)
}
