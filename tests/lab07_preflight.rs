//! `sticky labs` (instructor preflight) and `sticky bench` against the real binaries.

mod common;

use std::time::Duration;

use common::{cmd, run_with_timeout, text};

const STICKY: &str = env!("CARGO_BIN_EXE_sticky");

#[test]
fn labs_runs_the_demos_and_says_which_reproduce() {
    let mut c = cmd(STICKY);
    c.args([
        "--color",
        "never",
        "labs",
        "--only",
        "lab07-concurrency,lab01-naive-recv",
        "--json",
    ]);
    let out = run_with_timeout(c, b"", Duration::from_secs(180));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let lab07 = rows
        .iter()
        .find(|r| r["lab"] == "lab07-concurrency")
        .unwrap();
    assert_eq!(lab07["reproduced"], true, "{}", text(&out.stderr));
    assert!(lab07["verdict"].as_str().unwrap().contains("stages showed"));
    let lab01 = rows
        .iter()
        .find(|r| r["lab"] == "lab01-naive-recv")
        .unwrap();
    // Whatever lab 01's state, its row says what happened and why.
    assert!(!lab01["status"].as_str().unwrap().is_empty());
    assert!(!lab01["verdict"].as_str().unwrap().is_empty());
    assert_eq!(out.status.success(), lab01["reproduced"] == true);
    assert!(text(&out.stderr).contains("lessons reproduce on this machine"));
}

#[test]
fn labs_reports_missing_binaries_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = cmd(STICKY);
    c.args(["--color", "never", "labs", "--dir"])
        .arg(dir.path());
    let out = run_with_timeout(c, b"", Duration::from_secs(30));
    assert!(!out.status.success());
    let table = text(&out.stdout);
    assert_eq!(table.matches("not found").count(), 7, "{table}");
    assert!(table.contains("0 of 7 lessons reproduce"));
    // The machine check comes first: every default port, then Python.
    assert!(
        table.contains("tcp port 9527 (lab01-naive-recv)"),
        "{table}"
    );
    assert!(
        table.contains("udp port 8888 (lab06-udp-vs-tcp)"),
        "{table}"
    );
    assert!(table.contains("python"), "{table}");
}

#[test]
fn bench_measures_every_framing_and_writes_json_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("bench.svg");
    let mut c = cmd(STICKY);
    c.args([
        "--color",
        "never",
        "bench",
        "--sizes",
        "16,65536",
        "--seconds",
        "0.05",
        "--repeat",
        "1",
        "--no-python",
        "--json",
        "--svg",
    ])
    .arg(&svg);
    let out = run_with_timeout(c, b"", Duration::from_secs(120));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cells = j["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 8);
    for c in cells {
        assert!(c["messages"].as_u64().unwrap() > 0, "{c}");
        assert!(c["ratio_to_raw"].as_f64().unwrap() > 0.0);
    }
    let raw16 = cells
        .iter()
        .find(|c| c["proto"] == "raw" && c["size"] == 16)
        .unwrap();
    assert_eq!(raw16["ratio_to_raw"], 1.0);
    assert_eq!(raw16["median_ratio_to_raw"], 1.0);
    assert!(
        raw16["raw_shape"]["write"].as_u64().unwrap() >= 64 << 10,
        "{raw16}"
    );
    // iperf3 ran as the anchor, or the report says why not.
    assert!(
        j["iperf3"]["mb_per_sec"].as_f64().is_some_and(|m| m > 0.0)
            || j["iperf3_skipped"].is_string(),
        "{j}"
    );
    assert!(j["ceiling_breaks"].is_array());
    // The handshake waits for "ok" once per message: at 16 B it cannot keep
    // up with a pump that never waits (a large ratio, not a time).
    let ack16 = cells
        .iter()
        .find(|c| c["proto"] == "length-ack" && c["size"] == 16)
        .unwrap();
    assert!(ack16["ratio_to_raw"].as_f64().unwrap() < 0.2, "{ack16}");
    let picture = std::fs::read_to_string(&svg).unwrap();
    assert!(picture.starts_with("<svg") && picture.contains("× raw"));
}

#[test]
fn an_unknown_lab_name_is_refused_with_the_list_of_names() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sticky"))
        .args(["--color", "never", "labs", "--only", "lab01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--only lab01: no lab has that name"), "{err}");
    assert!(
        err.contains("lab01-naive-recv") && err.contains("lab07-concurrency"),
        "{err}"
    );
}

/// Every lab's demo at 80 columns (`COLUMNS=80`, as on a projector or a
/// split screen): no table line is wider than the terminal.
#[test]
fn every_demo_fits_its_tables_in_80_columns() {
    use unicode_width::UnicodeWidthStr;
    let labs = [
        env!("CARGO_BIN_EXE_lab01-naive-recv"),
        env!("CARGO_BIN_EXE_lab02-nagle"),
        env!("CARGO_BIN_EXE_lab03-length-ack"),
        env!("CARGO_BIN_EXE_lab04-struct-header"),
        env!("CARGO_BIN_EXE_lab05-json-header"),
        env!("CARGO_BIN_EXE_lab06-udp-vs-tcp"),
        env!("CARGO_BIN_EXE_lab07-concurrency"),
    ];
    assert_eq!(labs.len(), sticky_lab::harness::registry::LABS.len());
    for bin in labs {
        let mut c = cmd(bin);
        c.env("COLUMNS", "80").args(["--color", "never", "demo"]);
        let out = run_with_timeout(c, b"", Duration::from_secs(240));
        let story = format!("{}{}", text(&out.stdout), text(&out.stderr));
        let tables: Vec<&str> = story
            .lines()
            .filter(|l| l.contains(['│', '┌', '└', '├']))
            .collect();
        assert!(!tables.is_empty(), "{bin} drew no table: {story}");
        for line in tables {
            assert!(
                line.width() <= 80,
                "{bin}: {} columns: {line}",
                line.width()
            );
        }
    }
}
