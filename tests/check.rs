//! `sticky check`: it must FAIL programs with the lesson's bugs, naming the
//! case that catches each, and PASS the fixed ones — both directions, so
//! the checker is shown able to fail.
//!
//! The lessons' clients print extra lines (`Message length from server …`)
//! and decode each reply as GBK, which no byte-for-byte contract accepts.
//! [`contract_copy`] writes a copy whose receiving code is the lesson's,
//! unchanged, and whose printing follows the contract (the reply's bytes to
//! stdout); each substitution must match, so a changed lesson file fails
//! here instead of testing something else.

mod common;

use common::check::{assert_all_pass, assert_fails, cases, check, edited_copy, failure, py};
use common::{python, python3_available};

fn bin(name: &str) -> &'static str {
    match name {
        "lab01" => env!("CARGO_BIN_EXE_lab01-naive-recv"),
        "lab03" => env!("CARGO_BIN_EXE_lab03-length-ack"),
        _ => env!("CARGO_BIN_EXE_lab04-struct-header"),
    }
}

/// A copy of a lesson client whose printing follows the contract: each
/// `(from, to)` must occur in the file.
fn contract_copy(file: &str, edits: &[(&str, &str)]) -> (tempfile::TempDir, String) {
    edited_copy("lesson", file, edits)
}

// ───────────── the checker can fail: Rust-side wrong references ─────────────

#[test]
fn our_framed_client_fails_every_lesson_format_case_because_it_frames_its_commands() {
    let client = format!("{} client --addr {{host}}:{{port}}", bin("lab04"));
    let (code, report, _) = check(&["lab04", "--client", &client, "--seeds", "2"]);
    assert_eq!(code, 1, "{report:#}");
    let f = failure(&report, "short-reply");
    assert!(
        f["message"]
            .as_str()
            .unwrap_or("")
            .contains("your client sent"),
        "{f:#}"
    );
    assert!(
        f["hint"].as_str().unwrap_or("").contains("--compat ours"),
        "{f:#}"
    );
    assert_eq!(
        f["replay"].as_str().unwrap_or(""),
        format!(
            "sticky check lab04 --client '{client}' --compat lesson --seed 0 --case short-reply"
        )
    );
}

#[test]
fn our_lab03_server_in_the_lessons_format_keeps_the_lessons_ok_bug() {
    // `lab03-length-ack server --compat lesson` reads the ok with one
    // recv(1024), as the lesson does: `o` | `k` must fail it.
    let server = format!(
        "{} server --addr 127.0.0.1:{{port}} --compat lesson",
        bin("lab03")
    );
    let (code, report, _) = check(&["3", "--server", &server, "--seeds", "2"]);
    assert_eq!(code, 1, "{report:#}");
    assert!(
        cases(&report, "fail").contains(&"ok-split".to_string()),
        "{report:#}"
    );
    assert!(
        cases(&report, "pass").contains(&"short-reply".to_string()),
        "{report:#}"
    );
}

#[test]
fn lab01_fails_every_client_as_a_demonstration() {
    let client = format!("{} client --addr {{host}}:{{port}}", bin("lab01"));
    let (code, report, _) = check(&["lab01", "--client", &client, "--seeds", "2"]);
    assert_eq!(code, 1);
    assert!(
        cases(&report, "fail").contains(&"over-1024".to_string()),
        "{report:#}"
    );
    assert!(
        failure(&report, "over-1024")["chunk_view"]
            .as_str()
            .unwrap_or("")
            .contains("piece #1"),
        "{report:#}"
    );
}

// ───────────── and pass: our own programs in our format ─────────────

#[test]
fn our_lab03_and_lab04_clients_pass_in_our_format() {
    for lab in ["lab03", "lab04"] {
        let client = format!("{} client --addr {{host}}:{{port}}", bin(lab));
        assert_all_pass(&[lab, "--client", &client, "--compat", "ours", "--seeds", "5"]);
    }
}

#[test]
fn our_lab03_and_lab04_servers_pass_in_our_format() {
    for lab in ["lab03", "lab04"] {
        let server = format!(
            "{} server --addr 127.0.0.1:{{port}} --compat ours",
            bin(lab)
        );
        assert_all_pass(&[lab, "--server", &server, "--compat", "ours", "--seeds", "5"]);
    }
}

#[test]
fn a_replayed_seed_runs_one_case_on_one_seed() {
    let server = format!(
        "{} server --addr 127.0.0.1:{{port}} --compat lesson",
        bin("lab04")
    );
    let (code, report, _) = check(&[
        "4",
        "--server",
        &server,
        "--seed",
        "7",
        "--case",
        "over-1024",
    ]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["cases"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["cases"][0]["seeds_run"], 1);
    assert_eq!(report["first_seed"], 7);
}

#[cfg(unix)]
#[test]
fn a_server_that_finds_its_port_taken_is_started_again_on_another() {
    // The port is free when the checker picks it and let go just before the
    // program starts; a parallel test can take it in between. This server
    // says so the first time (as Python does) and runs the second.
    let dir = std::env::temp_dir().join(format!("check-port-taken-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mark = dir.join("tried");
    let server = format!(
        "sh -c 'if [ ! -e {mark} ]; then touch {mark}; \
         echo \"OSError: [Errno 98] Address already in use\" >&2; exit 1; fi; \
         exec {bin} server --addr 127.0.0.1:{{port}} --compat lesson'",
        mark = mark.display(),
        bin = bin("lab04"),
    );
    let (code, report, err) = check(&[
        "4",
        "--server",
        &server,
        "--case",
        "short-reply",
        "--seeds",
        "1",
    ]);
    let tried = mark.exists();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(tried, "the first start never ran: {err}");
    assert_eq!(code, 0, "{report:#}\n{err}");
}

// ───────────── setup errors exit 2 ─────────────

#[test]
fn setup_errors_exit_2_with_a_reason() {
    let (code, _, err) = check(&["lab04", "--client", "no-such-program-xyz {host} {port}"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("never connected"), "{err}");
    let (code, _, err) = check(&["lab04", "--client", "python3 client.py"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("{port}"), "{err}");
    let (code, _, err) = check(&["lab04", "--server", "sh -c 'exit 3' {port}"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("exited"), "{err}");
    let (code, _, err) = check(&["lab05", "--client", "x {port}"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = check(&["lab04", "--client", "x {port}", "--case", "nope"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("header-split"), "{err}");
}

// ───────────── Python: the lesson's programs fail, the fixed ones pass ─────────────

#[test]
fn the_lessons_lab03_client_fails_over_1024_its_one_recv_comes_up_short() {
    if !python3_available("the_lessons_lab03_client_fails_over_1024") {
        return;
    }
    let (_dir, cmd) = contract_copy(
        "lab03_client.py",
        &[
            (
                "    print('Message length from server', server_res_len)\n",
                "",
            ),
            (
                "print(server_cmd_result.decode('gbk'), flush=True)",
                "sys.stdout.buffer.write(server_cmd_result); sys.stdout.flush()",
            ),
        ],
    );
    let client = format!("{cmd} {{port}}");
    assert_fails(
        &["lab03", "--client", &client, "--seeds", "5"],
        &["over-1024"],
        "glued",
    );
}

#[test]
fn the_lessons_lab04_clients_fail_header_split_their_recv4_comes_up_short() {
    if !python3_available("the_lessons_lab04_clients_fail_header_split") {
        return;
    }
    let (_d1, c001) = contract_copy(
        "lab04_client_001.py",
        &[
            ("    print('Message length from server', msg_len)\n", ""),
            (
                "print(server_cmd_result.decode('gbk'), flush=True)",
                "sys.stdout.buffer.write(server_cmd_result); sys.stdout.flush()",
            ),
        ],
    );
    // Seed 002's client loops on the body but decodes every recv() alone.
    let (_d2, c002) = contract_copy(
        "lab04_client_002.py",
        &[
            (
                "print(recv_data.decode('utf-8'), end='')",
                "sys.stdout.write(recv_data.decode('utf-8'))",
            ),
            ("print(flush=True)", "sys.stdout.flush()"),
        ],
    );
    for (cmd, also) in [(c001, "over-1024"), (c002, "utf8-cut")] {
        let client = format!("{cmd} {{port}}");
        let report = assert_fails(
            &["lab04", "--client", &client, "--seeds", "5"],
            &["header-split", also],
            "glued",
        );
        let f = failure(&report, "header-split");
        assert!(
            f["hint"].as_str().unwrap_or("").contains("recv(4)"),
            "{f:#}"
        );
    }
}

#[test]
fn the_lessons_lab01_client_fails_as_every_client_does() {
    if !python3_available("the_lessons_lab01_client_fails") {
        return;
    }
    let (_d, cmd) = contract_copy(
        "lab01_lesson_client.py",
        &[
            ("    print('请输入指令>>' + cmd)\n", ""),
            (
                "print(cmd_res.decode('gbk'), flush=True)",
                "sys.stdout.buffer.write(cmd_res); sys.stdout.flush()",
            ),
        ],
    );
    let client = format!("{cmd} {{port}}");
    let (code, report, _) = check(&["1", "--client", &client, "--seeds", "3"]);
    assert_eq!(code, 1, "{report:#}");
    assert!(
        cases(&report, "fail").iter().any(|c| c == "over-1024"),
        "{report:#}"
    );
}

#[test]
fn the_lessons_servers_fail_where_they_serve_one_client_or_recv_the_ok_once() {
    if !python3_available("the_lessons_servers_fail") {
        return;
    }
    let lab03 = format!("{} {{port}}", py("lesson", "lab03_server.py"));
    assert_fails(
        &["lab03", "--server", &lab03, "--seeds", "3"],
        &["ok-split", "several-clients"],
        "short-reply",
    );
    let lab04 = format!("{} {{port}}", py("lesson", "lab04_server_001.py"));
    assert_fails(
        &["lab04", "--server", &lab04, "--seeds", "3"],
        &["client-leaves", "several-clients"],
        "over-1024",
    );
}

#[test]
fn the_fixed_python_clients_pass() {
    if !python3_available("the_fixed_python_clients_pass") {
        return;
    }
    for (lab, file) in [
        ("lab03", "lab03_client.py"),
        ("lab04", "lab04_client.py"),
        ("lab04", "lab04_client_makefile.py"),
        ("lab04", "lab04_client_waitall.py"),
    ] {
        let client = format!("{} {{host}} {{port}}", py("fixed", file));
        assert_all_pass(&[lab, "--client", &client, "--seeds", "5"]);
    }
}

#[test]
fn the_fixed_python_servers_pass() {
    if !python3_available("the_fixed_python_servers_pass") {
        return;
    }
    for (lab, file) in [("lab03", "lab03_server.py"), ("lab04", "lab04_server.py")] {
        let server = format!("{} {{port}}", py("fixed", file));
        assert_all_pass(&[lab, "--server", &server, "--seeds", "5"]);
    }
}

#[test]
fn a_client_that_never_exits_is_killed_and_named() {
    if !python3_available("a_client_that_never_exits") {
        return;
    }
    // Connects, answers nothing, and sleeps: the checker must not hang.
    let (_d, cmd) = {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("stuck.py");
        std::fs::write(
            &path,
            "import socket, sys, time\ns = socket.create_connection((sys.argv[1], int(sys.argv[2])))\ntime.sleep(600)\n",
        )
        .expect("write");
        let cmd = format!(
            "{} {} {{host}} {{port}}",
            python().unwrap_or("python3"),
            path.display()
        );
        (dir, cmd)
    };
    let (code, report, _) = check(&[
        "lab04",
        "--client",
        &cmd,
        "--case",
        "short-reply",
        "--seed",
        "1",
    ]);
    assert_eq!(code, 1, "{report:#}");
    let msg = failure(&report, "short-reply")["message"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(msg.contains("still running"), "{msg}");
}

// ───────────── in Chinese: the table, the hint, the errors; --json unchanged ─────────────

/// `sticky check ARGS` as a student runs it (the table, not `--json`):
/// exit code, stdout, stderr.
fn check_table(args: &[&str]) -> (i32, String, String) {
    let mut c = common::check::sticky();
    c.arg("check").args(args);
    let out = common::run_with_timeout(c, b"", common::check::LIMIT);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// No catalog key (`check-…`) shows where its text should be.
fn assert_no_raw_key(text: &str) {
    assert!(
        !text.contains("check-"),
        "a raw catalog key leaked:\n{text}"
    );
}

#[test]
fn in_chinese_a_failing_check_prints_chinese_headings_and_hint_and_still_exits_1() {
    let client = format!("{} client --addr {{host}}:{{port}}", bin("lab01"));
    let args = [
        "lab01",
        "--client",
        &client,
        "--case",
        "over-1024",
        "--seeds",
        "1",
    ];
    let with_lang = |lang: &'static str| {
        let mut a = args.to_vec();
        a.extend(["--lang", lang]);
        a
    };
    let (code, out, err) = check_table(&with_lang("zh"));
    assert_eq!(code, 1, "{out}\n{err}");
    for words in [
        "用例",
        "结果",
        "对数据流做了什么",
        "提示：",
        "重放：",
        "个用例中有 1 个失败",
    ] {
        assert!(out.contains(words), "no {words:?} in:\n{out}");
    }
    // The hint itself, and the banner on stderr.
    assert!(out.contains("lab 01 的回复不带长度"), "{out}");
    assert!(err.contains("你的客户端"), "{err}");
    assert_no_raw_key(&out);
    assert_no_raw_key(&err);
    // The same run in English: the same exit, English words, no Chinese.
    let (code_en, out_en, _) = check_table(&with_lang("en"));
    assert_eq!(code_en, 1, "{out_en}");
    assert!(out_en.contains("what it does to the stream"), "{out_en}");
    assert!(
        out_en.contains("hint:") && !out_en.contains("提示"),
        "{out_en}"
    );

    // --json is for graders: the same keys and the same English sentences.
    let (zc, zh, _) = check(&with_lang("zh"));
    let (ec, en, _) = check(&with_lang("en"));
    assert_eq!((zc, ec), (1, 1));
    let keys = |v: &serde_json::Value| {
        v.as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    assert_eq!(keys(&zh), keys(&en));
    assert_eq!(
        (zh["lang"].as_str(), en["lang"].as_str()),
        (Some("en"), Some("en"))
    );
    let (fz, fe) = (failure(&zh, "over-1024"), failure(&en, "over-1024"));
    assert_eq!(keys(fz), keys(fe));
    assert_eq!(fz["hint"], fe["hint"]);
    assert_eq!(zh["cases"][0]["what"], en["cases"][0]["what"]);
    assert!(
        fz["hint"].as_str().unwrap_or("").contains("no length"),
        "{fz:#}"
    );
}

#[test]
fn in_chinese_setup_errors_and_help_are_chinese_and_exit_as_in_english() {
    let (code, _, err) = check_table(&[
        "lab04",
        "--client",
        "no-such-program-xyz {host} {port}",
        "--lang",
        "zh",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("一直没有连接"), "{err}");
    assert_no_raw_key(&err);
    let (code, _, err) = check_table(&[
        "lab04", "--client", "x {port}", "--case", "nope", "--lang", "zh",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("没有叫“nope”的用例") && err.contains("header-split"),
        "{err}"
    );
    let (code, help, _) = check_table(&["--help", "--lang", "zh"]);
    assert_eq!(code, 0, "{help}");
    assert!(
        help.contains("示例") && help.contains("可重放的种子"),
        "{help}"
    );
    assert_no_raw_key(&help);
}
