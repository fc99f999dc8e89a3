//! Running a demo in both languages: what a lab's `--lang zh` test needs
//! (the language changes the words, never the JSON's keys or the exit code).

use std::collections::BTreeSet;
use std::process::Output;
use std::thread;
use std::time::Duration;

use serde_json::Value;

use super::{cmd, run_with_timeout, text};

/// One `--json` run: the process's output and the report it printed.
pub struct JsonRun {
    pub out: Output,
    pub report: Value,
    /// The story (stderr under `--json`).
    pub story: String,
}

/// Runs `bin --color never --lang LANG ARGS` for `en` and `zh` at the same
/// time (`args` should include `demo --json`), each bounded by `limit`.
pub fn json_in_both_languages(bin: &str, args: &[&str], limit: Duration) -> [JsonRun; 2] {
    let run = |lang: &'static str| {
        let mut c = cmd(bin);
        c.args(["--color", "never", "--lang", lang]).args(args);
        thread::spawn(move || {
            let out = run_with_timeout(c, b"", limit);
            let report = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("{lang}: not JSON ({e}): {}", text(&out.stderr)));
            let story = text(&out.stderr);
            JsonRun { out, report, story }
        })
    };
    let (en, zh) = (run("en"), run("zh"));
    [en.join().expect("en run"), zh.join().expect("zh run")]
}

/// Every key path of a JSON value (`stages[].data.seed`), values left out.
pub fn key_paths(v: &Value) -> BTreeSet<String> {
    fn walk(v: &Value, at: &str, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let path = format!("{at}.{k}");
                    out.insert(path.clone());
                    walk(x, &path, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, &format!("{at}[]"), out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(v, "", &mut out);
    out
}

/// Words of `text` that look like catalog keys of area `area` (`lab03-s1-title`)
/// leaking into the output: `area-` followed by more, other than `binary`.
pub fn leaked_keys(text: &str, area: &str, binary: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.starts_with(&format!("{area}-")) && *w != binary)
        .map(str::to_string)
        .collect()
}

/// Each stage's `ok`, in order.
pub fn stage_oks(report: &Value) -> Vec<Value> {
    report["stages"]
        .as_array()
        .map(|a| a.iter().map(|s| s["ok"].clone()).collect())
        .unwrap_or_default()
}

/// Runs `bin ARGS` (a `demo --json` command line) in both languages and
/// checks what a lab's `--lang zh` test checks: the same exit code (0), the
/// same JSON key paths and stage results, `lang` set, each of `lines` in
/// the Chinese story, and no catalog key of `area` shown instead of its
/// text (`binary`, the lab's own name, allowed). Returns both runs.
pub fn assert_speaks_chinese(
    bin: &str,
    args: &[&str],
    (area, binary): (&str, &str),
    lines: &[&str],
) -> [JsonRun; 2] {
    let [en, zh] = json_in_both_languages(bin, args, Duration::from_secs(90));
    assert_eq!(en.out.status.code(), Some(0), "{}", en.story);
    assert_eq!(zh.out.status.code(), en.out.status.code(), "{}", zh.story);
    assert_eq!(
        (en.report["lang"].as_str(), zh.report["lang"].as_str()),
        (Some("en"), Some("zh"))
    );
    assert_eq!(key_paths(&en.report), key_paths(&zh.report));
    assert_eq!(stage_oks(&en.report), stage_oks(&zh.report));
    for line in lines {
        assert!(zh.story.contains(line), "no {line:?} in:\n{}", zh.story);
    }
    let leaks = leaked_keys(&zh.story, area, binary);
    assert!(leaks.is_empty(), "{leaks:?} in:\n{}", zh.story);
    [en, zh]
}

/// Words of the English error sentences of `src/framing` and lab 05's
/// refusals (`header claims 1734763876 bytes, over the 67108864-byte frame
/// limit`, `path traversal (..)`): a person reading Chinese must not meet
/// them, though the same errors go on the wire in English.
pub const ENGLISH_ERROR_WORDS: &[&str] = &[
    "header claims",
    "over the",
    "does not fit",
    "byte order?",
    "path traversal",
    "cut short",
    "connection closed",
    "md5 mismatch",
    "JSON header",
];

/// The lines of `story` holding one of [`ENGLISH_ERROR_WORDS`].
pub fn english_error_lines(story: &str) -> Vec<&str> {
    story
        .lines()
        .filter(|l| ENGLISH_ERROR_WORDS.iter().any(|w| l.contains(w)))
        .collect()
}

/// Starts `bin --lang LANG ARGS` (a server command line) and waits for its
/// first line, which ends with the address in every language (the English
/// "listening on" that [`super::spawn_server`] looks for is translated).
pub fn spawn_server_in(bin: &str, lang: &str, args: &[&str]) -> super::Running {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = super::cmd(bin)
        .args(["--lang", lang])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
    let stderr = child.stderr.take().expect("piped stderr");
    let mut lines = BufReader::new(stderr).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let addr = first.split_whitespace().last().and_then(|a| a.parse().ok());
    let (tx, stderr_lines) = std::sync::mpsc::channel();
    thread::spawn(move || lines.map_while(Result::ok).try_for_each(|l| tx.send(l)));
    match addr {
        Some(addr) => super::Running {
            child,
            addr,
            stderr_lines,
        },
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no address at the end of {first:?}");
        }
    }
}

/// What a server started with `--lang LANG` logs about a connection that
/// sends `bytes` and closes its write side: its `[peer] error: …` line
/// (`[peer] 出错：…` in Chinese), within 10 s.
pub fn server_error_in(srv: &super::Running, lang: &str, bytes: &[u8]) -> String {
    srv.refusal_logged_as(bytes, if lang == "zh" { "出错：" } else { "error:" })
}
