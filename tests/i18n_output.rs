//! The language changes the words, never what a machine reads: `--json`
//! has the same keys and results in English and Chinese (plus `lang`), the
//! exit codes are the same, and `--lang` / `STICKY_LANG` / `LANG` choose the
//! language in that order.

mod common;

use std::process::Command;
use std::time::Duration;

use common::lang::key_paths;
use common::{cmd, run_with_timeout, text};
use serde_json::Value;

const LAB01: &str = env!("CARGO_BIN_EXE_lab01-naive-recv");

/// A command with no language set anywhere but `vars`.
fn with_env(bin: &str, vars: &[(&str, &str)], args: &[&str]) -> Command {
    let mut c = cmd(bin);
    for v in ["STICKY_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"] {
        c.env_remove(v);
    }
    for (k, v) in vars {
        c.env(k, v);
    }
    c.args(args);
    c
}

fn demo_json(lang: &str) -> (Option<i32>, Value) {
    let out = run_with_timeout(
        with_env(
            LAB01,
            &[],
            &["--color", "never", "--lang", lang, "demo", "--json"],
        ),
        b"",
        Duration::from_secs(120),
    );
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{lang}: not JSON ({e}): {}", text(&out.stderr)));
    (out.status.code(), report)
}

#[test]
fn json_keys_results_and_exit_code_are_the_same_in_both_languages() {
    let (en_code, en) = demo_json("en");
    let (zh_code, zh) = demo_json("zh");
    assert_eq!(en_code, Some(0), "{en}");
    assert_eq!(zh_code, en_code);
    assert_eq!(
        (en["lang"].as_str(), zh["lang"].as_str()),
        (Some("en"), Some("zh"))
    );
    let (ek, zk) = (key_paths(&en), key_paths(&zh));
    assert_eq!(ek, zk, "the key paths differ");
    let oks = |r: &Value| -> Vec<Value> {
        r["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["ok"].clone())
            .collect()
    };
    assert_eq!(oks(&en), oks(&zh));
    assert_eq!(en["ok"], zh["ok"]);
    // The ledger's enum values are the same words in both.
    assert_eq!(
        en["stages"][1]["data"]["ledger"]["entries"],
        zh["stages"][1]["data"]["ledger"]["entries"]
    );
    // The words did change: the Chinese stage titles are Chinese.
    let title = zh["stages"][2]["title"].as_str().unwrap();
    assert!(title.contains("粘包"), "{title}");
    assert!(en["stages"][2]["title"].as_str().unwrap().contains("glued"));
}

#[test]
fn the_flag_beats_sticky_lang_which_beats_the_locale() {
    let help = |vars: &[(&str, &str)], args: &[&str]| {
        let out = run_with_timeout(with_env(LAB01, vars, args), b"", Duration::from_secs(20));
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let zh = help(&[("LANG", "zh_CN.UTF-8")], &["--help"]);
    assert!(zh.contains("示例") && zh.contains("半包"), "{zh}");
    let en = help(
        &[("LANG", "zh_CN.UTF-8"), ("STICKY_LANG", "en")],
        &["--help"],
    );
    assert!(en.contains("Examples:") && !en.contains("示例"), "{en}");
    let flag = help(
        &[("STICKY_LANG", "zh")],
        &["--lang", "en", "demo", "--help"],
    );
    assert!(
        flag.contains("Examples:") && !flag.contains("示例"),
        "{flag}"
    );
    let default = help(&[("LANG", "C.UTF-8")], &["--help"]);
    assert!(default.contains("Examples:"), "{default}");
}

#[test]
fn an_error_is_translated_and_keeps_its_exit_code() {
    let run = |lang: &str| {
        run_with_timeout(
            with_env(LAB01, &[("LC_ALL", lang)], &["client", "--bufsize", "0"]),
            b"",
            Duration::from_secs(20),
        )
    };
    let (en, zh) = (run("en_US.UTF-8"), run("zh_CN.UTF-8"));
    assert_eq!(en.status.code(), Some(2));
    assert_eq!(zh.status.code(), Some(2));
    assert!(
        text(&en.stderr).contains("--bufsize must be at least 1"),
        "{}",
        text(&en.stderr)
    );
    assert!(
        text(&zh.stderr).contains("错误：") && text(&zh.stderr).contains("--bufsize 至少要为 1"),
        "{}",
        text(&zh.stderr)
    );
}
