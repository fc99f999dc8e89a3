//! `sticky check lab05` (and lab 03's `requests-glued`): the lesson's
//! programs FAIL the cases named for their bugs, the fixed ones PASS, and
//! a fixed program with one deliberate bug fails exactly the case made for
//! that bug — the checker is shown failing the wrong thing as well as
//! passing the right one.
//!
//! Every check runs in a temporary folder (the servers store their files
//! there; a server that trusts `../` writes beside it, where the checker
//! looks).

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{cmd, python, python3_available, run_with_timeout};
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(150);

/// `sticky check ARGS --json` run in `dir`: the exit code and the report.
fn check_in(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut c = cmd(env!("CARGO_BIN_EXE_sticky"));
    c.current_dir(dir).arg("check").args(args).arg("--json");
    let out = run_with_timeout(c, b"", LIMIT);
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    if report.is_null() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    }
    (out.status.code().unwrap_or(-1), report)
}

/// The names of the cases with `result` (`pass`, `fail`, `skip`).
fn named(report: &Value, result: &str) -> Vec<String> {
    let rows = report["cases"].as_array().cloned().unwrap_or_default();
    rows.iter()
        .filter(|c| c["result"] == result)
        .filter_map(|c| c["name"].as_str().map(String::from))
        .collect()
}

/// The failure of one case (Null when it did not fail).
fn why<'a>(report: &'a Value, case: &str) -> &'a Value {
    let rows = report["cases"].as_array();
    rows.and_then(|a| a.iter().find(|c| c["name"] == case))
        .map_or(&Value::Null, |c| &c["failure"])
}

/// `python3 python/DIR/FILE`, absolute.
fn script(dir: &str, file: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join(dir)
        .join(file);
    format!("{} {}", python().unwrap_or("python3"), p.display())
}

/// A copy of `python/DIR/FILE` (beside the fixed programs' helper module)
/// with each `(from, to)` replaced; every `from` must be in the file, so a
/// changed source fails here instead of testing something else.
fn edited(into: &Path, dir: &str, file: &str, edits: &[(&str, &str)]) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python");
    let mut text = std::fs::read_to_string(root.join(dir).join(file)).expect("source");
    for (from, to) in edits {
        assert!(
            text.contains(from),
            "{dir}/{file} no longer contains {from:?}"
        );
        text = text.replace(from, to);
    }
    let helper = "builtin_commands.py";
    std::fs::copy(root.join("fixed").join(helper), into.join(helper)).expect("helper");
    let path = into.join(format!("edited_{file}"));
    std::fs::write(&path, text).expect("write copy");
    format!("{} {}", python().unwrap_or("python3"), path.display())
}

/// Exit 1, every case in `failing` failed, every case in `passing` passed.
fn assert_fails(report: &(i32, Value), failing: &[&str], passing: &[&str]) {
    let (code, r) = report;
    assert_eq!(*code, 1, "{r:#}");
    let (failed, passed) = (named(r, "fail"), named(r, "pass"));
    for c in failing {
        assert!(failed.iter().any(|f| f == c), "{c} did not fail: {r:#}");
    }
    for c in passing {
        assert!(passed.iter().any(|p| p == c), "{c} did not pass: {r:#}");
    }
}

fn assert_all_pass(report: &(i32, Value), at_least: usize) {
    let (code, r) = report;
    assert_eq!((*code, named(r, "fail")), (0, vec![]), "{r:#}");
    assert!(named(r, "pass").len() >= at_least, "{r:#}");
}

// ───────────── the fixed programs pass ─────────────

#[test]
fn the_fixed_lab05_client_passes_every_case_files_included() {
    if !python3_available("the_fixed_lab05_client_passes") {
        return;
    }
    let t = tempfile::tempdir().expect("tempdir");
    let client = format!("{} {{host}} {{port}}", script("fixed", "lab05_client.py"));
    let r = check_in(t.path(), &["lab05", "--client", &client, "--seeds", "3"]);
    assert_all_pass(&r, 14);
    for case in ["json-cut", "put-get", "missing-file", "dotdot-name"] {
        assert!(named(&r.1, "pass").iter().any(|p| p == case), "{case}");
    }
}

#[test]
fn the_fixed_lab05_server_passes_and_keeps_uploads_in_its_folder() {
    if !python3_available("the_fixed_lab05_server_passes") {
        return;
    }
    let t = tempfile::tempdir().expect("tempdir");
    let server = format!("{} {{port}} files", script("fixed", "lab05_server.py"));
    let r = check_in(t.path(), &["lab05", "--server", &server, "--seeds", "3"]);
    assert_all_pass(&r, 11);
    // put-get's uploads went to the server's folder (the case read each one
    // back with its md5) and the checker removed them after the case;
    // nothing escaped beside the folder.
    let left = std::fs::read_dir(t.path().join("files"))
        .expect("the server's files folder")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("sticky-check-"))
        .count();
    assert_eq!(
        left, 0,
        "the checker's uploads were left in the server's folder"
    );
    let beside: Vec<_> = std::fs::read_dir(t.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .filter(|n| n != "files")
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
}

#[test]
fn our_lab05_server_passes_in_both_formats() {
    let t = tempfile::tempdir().expect("tempdir");
    for compat in ["lesson", "ours"] {
        let server = format!(
            "{} server --addr 127.0.0.1:{{port}} --compat {compat} --dir files-{compat}",
            env!("CARGO_BIN_EXE_lab05-json-header")
        );
        let r = check_in(
            t.path(),
            &["5", "--server", &server, "--compat", compat, "--seeds", "3"],
        );
        assert_all_pass(&r, 11);
    }
}

// ───────────── the lesson's programs fail, each for its own bug ─────────────

#[test]
fn the_lessons_lab05_client_fails_json_cut_its_one_recv_of_the_header_comes_up_short() {
    if !python3_available("the_lessons_lab05_client_fails_json_cut") {
        return;
    }
    let t = tempfile::tempdir().expect("tempdir");
    // Its printing made the contract's (the header dict and the newline
    // after each reply go); its receiving code is the lesson's.
    let copy = edited(
        t.path(),
        "lesson",
        "lab05_seed002_client.py",
        &[
            ("    print(header_dic)\n", ""),
            (
                "print(recv_data.decode('utf-8'),end='')",
                "sys.stdout.write(recv_data.decode('utf-8'))",
            ),
            ("print(flush=True)", "sys.stdout.flush()"),
        ],
    );
    let client = format!("{copy} {{port}}");
    let r = check_in(t.path(), &["lab05", "--client", &client, "--seeds", "3"]);
    // `glued` is the one case it passes whatever the timing: every reply
    // comes whole, as on loopback.
    assert_fails(
        &r,
        &["json-cut", "closed-mid-reply", "put-get", "missing-file"],
        &["glued"],
    );
    let f = why(&r.1, "json-cut");
    assert!(
        f["hint"]
            .as_str()
            .unwrap_or("")
            .contains("recv(header_len)"),
        "{f:#}"
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap_or("")
            .contains("JSONDecodeError"),
        "{f:#}"
    );
    // `while recv_size < total_size: recv(1024)` never ends on b''.
    let f = why(&r.1, "closed-mid-reply");
    assert!(
        f["message"]
            .as_str()
            .unwrap_or("")
            .contains("still running"),
        "{f:#}"
    );
    // Seed 002's client knows only commands: put is sent bare.
    let f = why(&r.1, "put-get");
    assert!(
        f["message"].as_str().unwrap_or("").contains("bare command"),
        "{f:#}"
    );
}

#[test]
fn the_lessons_lab05_server_fails_its_placeholder_md5_and_the_file_cases() {
    if !python3_available("the_lessons_lab05_server_fails") {
        return;
    }
    let t = tempfile::tempdir().expect("tempdir");
    let server = format!("{} {{port}}", script("lesson", "lab05_seed002_server.py"));
    let r = check_in(t.path(), &["lab05", "--server", &server, "--seeds", "2"]);
    assert_fails(
        &r,
        &["header-md5", "put-get", "missing-file", "dotdot-name"],
        &["short-reply", "over-1024"],
    );
    let f = why(&r.1, "header-md5");
    assert!(
        f["message"]
            .as_str()
            .unwrap_or("")
            .contains("123123xi12ix12"),
        "{f:#}"
    );
}

// ───────────── one deliberate bug, one failing case ─────────────

/// `sticky check lab05 --client` on a copy of the fixed client with one
/// deliberate bug: `from` replaced by `to`.
fn fixed_client_with(from: &str, to: &str, seeds: &str) -> (i32, Value) {
    let t = tempfile::tempdir().expect("tempdir");
    let copy = edited(t.path(), "fixed", "lab05_client.py", &[(from, to)]);
    let client = format!("{copy} {{host}} {{port}}");
    check_in(t.path(), &["lab05", "--client", &client, "--seeds", seeds])
}

#[test]
fn a_fixed_client_with_one_recv_for_the_json_fails_json_cut_but_not_header_split() {
    if !python3_available("a_fixed_client_with_one_recv_for_the_json") {
        return;
    }
    let r = fixed_client_with(
        "json.loads(recv_exact(sock, size).decode('utf-8'))",
        "json.loads(sock.recv(size).decode('utf-8'))",
        "3",
    );
    // The 4 length bytes are still read exactly: cut 1|3 they pass.
    assert_fails(&r, &["json-cut"], &["glued", "header-split"]);
}

#[test]
fn a_fixed_client_that_stops_at_a_refusal_fails_missing_file_and_dotdot_name() {
    if !python3_available("a_fixed_client_that_stops_at_a_refusal") {
        return;
    }
    let r = fixed_client_with(
        "reply = ('error: %s\\n' % e).encode()",
        "sys.exit('refused: %s' % e)",
        "2",
    );
    assert_fails(
        &r,
        &["missing-file", "dotdot-name"],
        &["put-get", "json-cut"],
    );
}

#[test]
fn a_fixed_server_that_trusts_file_names_fails_dotdot_name_and_the_escape_is_found() {
    if !python3_available("a_fixed_server_that_trusts_file_names") {
        return;
    }
    let t = tempfile::tempdir().expect("tempdir");
    let copy = edited(
        t.path(),
        "fixed",
        "lab05_server.py",
        &[(
            "    if not name or name in ('.', '..') or '/' in name",
            "    if not name or name in ('.', '..') or '\\0' in name",
        )],
    );
    // The server's folder is `files`, below the checker's folder: `../`
    // lands in the checker's folder.
    let server = format!("{copy} {{port}} files");
    let r = check_in(
        t.path(),
        &[
            "lab05",
            "--server",
            &server,
            "--seeds",
            "2",
            "--case",
            "dotdot-name",
        ],
    );
    assert_fails(&r, &["dotdot-name"], &[]);
    let msg = why(&r.1, "dotdot-name")["message"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(msg.contains("outside its folder"), "{msg}");
    let r = check_in(
        t.path(),
        &[
            "lab05", "--server", &server, "--seeds", "2", "--case", "put-get",
        ],
    );
    assert_all_pass(&r, 1);
}

// ───────────── lab 03: the ok glued to the next request ─────────────

#[test]
fn lab03_requests_glued_fails_a_server_that_reads_the_ok_with_one_recv() {
    let t = tempfile::tempdir().expect("tempdir");
    let ours = |compat: &str| {
        format!(
            "{} server --addr 127.0.0.1:{{port}} --compat {compat}",
            env!("CARGO_BIN_EXE_lab03-length-ack")
        )
    };
    let glued = |server: &str, compat: &str| {
        check_in(
            t.path(),
            &[
                "3",
                "--server",
                server,
                "--compat",
                compat,
                "--case",
                "requests-glued",
                "--seeds",
                "3",
            ],
        )
    };
    // Our lab 03 server keeps the lesson's recv(1024) for the ok in the
    // lesson's format, and reads it exactly in ours.
    assert_fails(&glued(&ours("lesson"), "lesson"), &["requests-glued"], &[]);
    assert_all_pass(&glued(&ours("ours"), "ours"), 1);
    if !python3_available("lab03_requests_glued") {
        return;
    }
    let lesson = format!("{} {{port}}", script("lesson", "lab03_server.py"));
    let r = glued(&lesson, "lesson");
    assert_fails(&r, &["requests-glued"], &[]);
    let fixed = format!("{} {{port}}", script("fixed", "lab03_server.py"));
    assert_all_pass(&glued(&fixed, "lesson"), 1);
}
