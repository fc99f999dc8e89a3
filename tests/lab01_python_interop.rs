//! Lab 01 against the lesson's own programs (seed 002 §1.1, transcribed in
//! python/lesson/): our server with the lesson's client, our client with the
//! lesson's server. Skipped, with a message, when python3 is missing.

mod common;

use std::time::Duration;

use common::{cmd, python3_available, run_with_timeout, spawn_server, text};
use sticky_lab::kit::runner::{self, RunnerConfig};
use sticky_lab::kit::text::Encoding;

const BIN: &str = env!("CARGO_BIN_EXE_lab01-naive-recv");
const LIMIT: Duration = Duration::from_secs(60);

fn script(name: &str) -> String {
    format!("{}/python/lesson/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_lessons_client_against_our_server_shows_the_desync() {
    if !python3_available("the_lessons_client_against_our_server_shows_the_desync") {
        return;
    }
    // The lesson's client decodes with GBK, so serve GBK, as its Windows server did.
    let server = spawn_server(
        BIN,
        &["server", "--addr", "127.0.0.1:0", "--encoding", "gbk"],
    );
    let mut c = common::python_cmd();
    c.arg(script("lab01_lesson_client.py"))
        .arg(server.addr.port().to_string())
        .args(["help", "ls"])
        .env("PYTHONIOENCODING", "utf-8");
    let out = run_with_timeout(c, b"", LIMIT);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = text(&out.stdout);
    let gbk = RunnerConfig {
        encoding: Encoding::Gbk,
        ..RunnerConfig::default()
    };
    let help = runner::run(b"help", &gbk).combined();
    let (head, _) = Encoding::Gbk.decode(&help[..1024]);
    let (tail, _) = Encoding::Gbk.decode(&help[1024..]);
    let replies: Vec<&str> = out.split("请输入指令>>").collect();
    assert_eq!(replies.len(), 3, "{out}");
    assert_eq!(replies[1], format!("help\n{head}\n"), "{out}");
    assert!(
        replies[2].starts_with(&format!("ls\n{tail}")),
        "ls got: {}",
        replies[2]
    );
}

#[test]
fn our_client_against_the_lessons_server() {
    if !python3_available("our_client_against_the_lessons_server") {
        return;
    }
    // The lesson's server runs the real shell: only harmless commands here.
    let server = spawn_server(
        common::python().unwrap_or("python3"),
        &[&script("lab01_lesson_server.py"), "0"],
    );
    let run = |cmds: &[&str]| {
        let mut c = cmd(BIN);
        c.args(["client", "--color", "never", "--addr"])
            .arg(server.addr.to_string());
        for x in cmds {
            c.args(["--cmd", x]);
        }
        let out = run_with_timeout(c, b"", LIMIT);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    assert_eq!(run(&["echo hi"]), "hi\n");
    // 1492 bytes of output: one recv(1024) cannot hold it, and the rest
    // answers the next command, exactly as with our server.
    let seq: String = (1..=400).map(|i| format!("{i}\n")).collect();
    let out = run(&["seq 1 400", "echo hi"]);
    let (head, tail) = seq.split_at(1024);
    assert!(out.starts_with(head), "{out}");
    let rest = out[head.len()..].trim_start_matches('\n');
    assert!(rest.starts_with(tail), "echo hi got: {rest}");
}
