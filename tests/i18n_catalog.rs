//! The catalogs in `locales/` are complete and the translated files speak
//! only through them.
//!
//! * every key of `locales/en/X.ftl` is in `locales/zh/X.ftl` and the other
//!   way round, and both files parse;
//! * each key's placeholders (`{ $name }`) are the same in both languages;
//! * for the files already translated ([`TRANSLATED`], one more lab each
//!   time), no string literal that reads like an English sentence is left
//!   in the code, and every key the code names exists in the catalog.
//!
//! docs/translating.md says how to add a lab.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Files whose user-visible strings all go through the catalog. Add a lab's
/// binary and lesson files here when its catalog file is written.
const TRANSLATED: &[&str] = &[
    "src/harness/demo.rs",
    "src/harness/stages.rs",
    "src/harness/flags.rs",
    "src/harness/args.rs",
    "src/report/chunks.rs",
    "src/report/ledger.rs",
    "src/tools/preflight.rs",
    "labs/lab01_naive_recv.rs",
    "src/lessons/lab01_naive_recv.rs",
    "src/lessons/lab01_naive_recv/cli.rs",
    "src/lessons/lab01_naive_recv/protocol.rs",
    "src/lessons/lab01_naive_recv/runs.rs",
    "src/lessons/lab01_naive_recv/views.rs",
    "src/tools/check/mod.rs",
    "src/tools/check/cases.rs",
    "src/tools/check/client.rs",
    "src/tools/check/server.rs",
    "src/tools/check/lab01.rs",
    "src/tools/check/lab03.rs",
    "src/tools/check/lab04.rs",
    "src/tools/check/lab05.rs",
    "src/tools/check/lab06.rs",
    "src/tools/check/lab07.rs",
    "labs/sticky.rs",
    "src/tools/bench.rs",
    "src/tools/load.rs",
    "src/harness/command.rs",
    "src/harness/wrong_format.rs",
    "src/harness/prompt.rs",
    "src/kit/server.rs",
    "src/kit/proxy.rs",
    "src/kit/udp_proxy.rs",
    "labs/lab02_nagle.rs",
    "src/lessons/lab02_nagle.rs",
    "src/lessons/lab02_nagle/burst.rs",
    "src/lessons/lab02_nagle/cli.rs",
    "src/lessons/lab02_nagle/counters.rs",
    "src/lessons/lab02_nagle/server.rs",
    "src/lessons/lab02_nagle/show.rs",
    "src/lessons/lab02_nagle/stages.rs",
    "src/lessons/lab02_nagle/stall.rs",
    "labs/lab03_length_ack.rs",
    "src/lessons/lab03_length_ack.rs",
    "src/lessons/lab03_length_ack/cli.rs",
    "src/lessons/lab03_length_ack/runs.rs",
    "src/lessons/lab03_length_ack/wire.rs",
    "labs/lab04_struct_header.rs",
    "src/lessons/lab04_struct_header.rs",
    "src/lessons/lab04_struct_header/cli.rs",
    "src/lessons/lab04_struct_header/views.rs",
    "labs/lab06_udp_vs_tcp.rs",
    "src/lessons/lab06_udp_vs_tcp.rs",
    "src/lessons/lab06_udp_vs_tcp/cli.rs",
    "src/lessons/lab06_udp_vs_tcp/echo.rs",
    "src/lessons/lab06_udp_vs_tcp/runs.rs",
    "src/lessons/lab06_udp_vs_tcp/seq.rs",
    "src/lessons/lab06_udp_vs_tcp/views.rs",
    "labs/lab07_concurrency.rs",
    "src/lessons/lab07_concurrency.rs",
    "src/lessons/lab07_concurrency/backlog.rs",
    "src/lessons/lab07_concurrency/cli.rs",
    "labs/lab05_json_header.rs",
    "src/lessons/lab05_json_header.rs",
    "src/lessons/lab05_transfer/mod.rs",
    "src/lessons/lab05_transfer/cli.rs",
    "src/lessons/lab05_transfer/client.rs",
    "src/lessons/lab05_transfer/demo.rs",
    "src/lessons/lab05_transfer/server.rs",
    "src/lessons/lab05_transfer/unfinished.rs",
    "src/framing/mod.rs",
    "src/framing/prefix.rs",
    "src/framing/json_header.rs",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One catalog file: key → the placeholders its message uses.
type Catalog = BTreeMap<String, BTreeSet<String>>;

/// Reads a `.ftl` file the simple way this project writes them: `key =`
/// at the start of a line, continuation lines indented, `#` comments.
fn catalog(path: &Path) -> Catalog {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if let Err((_, errors)) = fluent_bundle::FluentResource::try_new(text.clone()) {
        panic!("{} does not parse: {errors:?}", path.display());
    }
    let mut out = Catalog::new();
    let mut key: Option<String> = None;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let value = if line.starts_with(char::is_whitespace) {
            line
        } else {
            let (k, v) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("{}: not a `key = value` line: {line}", path.display()));
            let k = k.trim().to_string();
            assert!(
                !out.contains_key(&k),
                "{}: {k} is defined twice",
                path.display()
            );
            out.insert(k.clone(), BTreeSet::new());
            key = Some(k);
            v
        };
        let k = key.clone().expect("a value line follows a key");
        let holes = out.get_mut(&k).expect("inserted above");
        holes.extend(placeholders(value));
    }
    out
}

/// The `$name`s inside `{ … }` in one line of a message.
fn placeholders(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        rest = &rest[i + 1..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        out.push(name);
    }
    out
}

/// Every catalog file, by language, then by file name.
fn catalogs() -> BTreeMap<String, BTreeMap<String, Catalog>> {
    let mut all = BTreeMap::new();
    for lang in ["en", "zh"] {
        let dir = root().join("locales").join(lang);
        let mut files = BTreeMap::new();
        for e in std::fs::read_dir(&dir).expect("locales/<lang> exists") {
            let path = e.expect("a readable entry").path();
            if path.extension().is_some_and(|x| x == "ftl") {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                files.insert(name, catalog(&path));
            }
        }
        all.insert(lang.to_string(), files);
    }
    all
}

/// What is wrong between the two languages' catalogs, one line each.
fn mismatches(all: &BTreeMap<String, BTreeMap<String, Catalog>>) -> Vec<String> {
    let (en, zh) = (&all["en"], &all["zh"]);
    let mut wrong = Vec::new();
    let names: BTreeSet<&String> = en.keys().chain(zh.keys()).collect();
    let empty = Catalog::new();
    for name in names {
        let (e, z) = (
            en.get(name).unwrap_or(&empty),
            zh.get(name).unwrap_or(&empty),
        );
        for (key, holes) in e {
            match z.get(key) {
                None => wrong.push(format!("zh/{name}: {key} is missing")),
                Some(zh_holes) if zh_holes != holes => wrong.push(format!(
                    "{name}: {key} uses {holes:?} in English but {zh_holes:?} in Chinese"
                )),
                Some(_) => {}
            }
        }
        for key in z.keys().filter(|k| !e.contains_key(*k)) {
            wrong.push(format!("en/{name}: {key} is missing (zh has it)"));
        }
    }
    wrong
}

#[test]
fn every_key_is_in_both_languages_with_the_same_placeholders() {
    let all = catalogs();
    assert!(all["en"].contains_key("lab01.ftl") && all["en"].contains_key("harness.ftl"));
    let wrong = mismatches(&all);
    assert!(wrong.is_empty(), "catalogs disagree:\n{}", wrong.join("\n"));
}

#[test]
fn the_check_catches_a_missing_key_and_a_renamed_placeholder() {
    let mut all = catalogs();
    let zh = all.get_mut("zh").unwrap().get_mut("lab01.ftl").unwrap();
    zh.remove("lab01-s1-title");
    zh.insert(
        "lab01-s1-observed".into(),
        ["sent", "got", "ledgr"].map(String::from).into(),
    );
    let wrong = mismatches(&all);
    assert!(
        wrong
            .iter()
            .any(|w| w.contains("lab01-s1-title is missing")),
        "{wrong:?}"
    );
    assert!(
        wrong.iter().any(|w| w.contains("lab01-s1-observed uses")),
        "{wrong:?}"
    );
}

/// The string literals of Rust source `code` (comments and `#[cfg(test)]`
/// modules left out), with the line each starts on.
fn literals(code: &str) -> Vec<(usize, String)> {
    let code = code.split("#[cfg(test)]").next().unwrap_or(code);
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\n' => line += 1,
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\'' => {
                // A char literal ('x', '\n', '"'); otherwise a lifetime.
                if chars.get(i + 1) == Some(&'\\') {
                    while i + 1 < chars.len() && chars[i + 1] != '\'' {
                        i += 1;
                    }
                    i += 2;
                    continue;
                }
                if chars.get(i + 2) == Some(&'\'') {
                    i += 3;
                    continue;
                }
            }
            'r' if matches!(chars.get(i + 1), Some('"') | Some('#'))
                && (i == 0 || (!chars[i - 1].is_alphanumeric() && chars[i - 1] != '_')) =>
            {
                let mut j = i + 1;
                let mut hashes = 0;
                while chars.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if chars.get(j) == Some(&'"') {
                    let start_line = line;
                    let mut s = String::new();
                    j += 1;
                    while j < chars.len() {
                        if chars[j] == '"'
                            && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#'))
                        {
                            break;
                        }
                        if chars[j] == '\n' {
                            line += 1;
                        }
                        s.push(chars[j]);
                        j += 1;
                    }
                    out.push((start_line, s));
                    i = j + 1 + hashes;
                    continue;
                }
            }
            '"' => {
                let start_line = line;
                let mut s = String::new();
                let mut j = i + 1;
                while j < chars.len() && chars[j] != '"' {
                    if chars[j] == '\\' {
                        j += 1;
                    }
                    if chars.get(j) == Some(&'\n') {
                        line += 1;
                    }
                    if let Some(&ch) = chars.get(j) {
                        s.push(ch);
                    }
                    j += 1;
                }
                out.push((start_line, s));
                i = j + 1;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Reads like an English sentence: three or more space-separated words
/// once `{…}` holes are removed (`"not found"`, `"--color"`, `"{}\n{}"`,
/// `"stream_decoder_exact"` do not).
fn reads_like_a_sentence(s: &str) -> bool {
    let mut plain = String::new();
    let mut depth = 0;
    for c in s.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = (depth - 1).max(0),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    // Words are separated by spaces: `second_starts_with_tail` (a JSON
    // key) and `CARGO_PKG_VERSION` are one word each.
    plain
        .split_whitespace()
        .filter(|w| w.chars().filter(char::is_ascii_alphabetic).count() >= 2)
        .count()
        >= 3
}

/// A catalog key as the code names one: `lab01-s1-title`, `harness-…`.
fn looks_like_a_key(s: &str) -> bool {
    s.contains('-')
        && s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The first word of every key: one per catalog area.
const AREAS: &[&str] = &[
    "lab01", "harness", "flags", "labs", "chunks", "ledger", "delivery", "svg", "sticky",
    "machine", "check", "kit", "bench", "load", "lab02", "lab03", "lab04", "lab06", "lab07",
    "lab05", "framing",
];
/// Names that look like keys but are the binaries' own.
const BINARIES: &[&str] = &[
    "lab01-naive-recv",
    "lab02-nagle",
    "lab03-length-ack",
    "lab04-struct-header",
    "lab05-json-header",
    "lab06-udp-vs-tcp",
    "lab07-concurrency",
];

/// The mark that lets a literal through: a command line or program text that
/// is the same in every language (`ss -ltnp …`, a Python one-liner), never a
/// sentence. It goes at the end of the literal's line.
const NOT_PROSE: &str = "// not prose:";

fn bypasses(file: &str, code: &str, keys: &BTreeSet<String>) -> Vec<String> {
    let mut wrong = Vec::new();
    let lines: Vec<&str> = code.lines().collect();
    for (line, lit) in literals(code) {
        if lines
            .get(line.wrapping_sub(1))
            .is_some_and(|l| l.contains(NOT_PROSE))
        {
            continue;
        }
        if looks_like_a_key(&lit) {
            // A key the code names must exist; a binary's name is not a key.
            let area = lit.split('-').next().unwrap_or_default();
            if AREAS.contains(&area) && !BINARIES.contains(&lit.as_str()) && !keys.contains(&lit) {
                wrong.push(format!("{file}:{line}: key {lit:?} is not in locales/en"));
            }
        } else if reads_like_a_sentence(&lit) {
            wrong.push(format!("{file}:{line}: {lit:?} bypasses the catalog"));
        }
    }
    wrong
}

#[test]
fn translated_files_print_no_sentence_outside_the_catalog() {
    let all = catalogs();
    let keys: BTreeSet<String> = all["en"].values().flat_map(|c| c.keys().cloned()).collect();
    let mut wrong = Vec::new();
    for file in TRANSLATED {
        let code =
            std::fs::read_to_string(root().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        wrong.extend(bypasses(file, &code, &keys));
    }
    assert!(
        wrong.is_empty(),
        "not through the catalog:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_lint_catches_a_sentence_and_an_unknown_key() {
    let keys: BTreeSet<String> = ["lab01-s1-title".to_string()].into();
    let code = r#"
        // "a comment says what it likes"
        let ok = t!("lab01-s1-title");
        eprintln!("the server went away: {e}");
        let k = t!("lab01-no-such-key");
        let c = '"';
        let flag = "--bufsize";
    "#;
    let wrong = bypasses("x.rs", code, &keys);
    assert_eq!(wrong.len(), 2, "{wrong:?}");
    assert!(wrong[0].contains("the server went away"), "{wrong:?}");
    assert!(wrong[1].contains("lab01-no-such-key"), "{wrong:?}");
}
