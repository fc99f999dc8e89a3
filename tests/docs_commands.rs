//! The commands in the README and the sheets, held to one style.
//!
//! A student copies commands from the docs into a fresh shell. Mixed styles
//! break that: `target/release/NAME` exists only after a build, `cargo run
//! --release --bin NAME --` only in the repository, and `sudo NAME` finds
//! nothing on Debian, Ubuntu or Fedora, whose sudoers replace `PATH` with a
//! `secure_path` that does not hold `~/.cargo/bin` (sudoers(5)). So the docs install once
//! (`cargo install --locked --path .`, README "Install") and then use the
//! installed names everywhere:
//!
//! * inside a code block, no `cargo run --release --bin` and no
//!   `target/release/` — except the README's first block, "Two commands",
//!   which must work from a fresh clone before anything is installed;
//! * a binary run as root is written `sudo "$(command -v NAME)"`;
//! * every `labNN-…` name in a code block is one of the crate's binaries.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every Markdown file a student or instructor reads.
fn docs() -> Vec<PathBuf> {
    let mut out = vec![root().join("README.md"), root().join("README.zh-CN.md")];
    let mut dirs = vec![root().join("docs"), root().join("python")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "md") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The crate's binaries, read from Cargo.toml's `[[bin]]` tables.
fn binaries() -> Vec<String> {
    let toml = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let mut out = Vec::new();
    let mut in_bin = false;
    for line in toml.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin {
            if let Some(v) = line.strip_prefix("name = ") {
                out.push(v.trim_matches('"').to_string());
            }
        }
    }
    out
}

/// (line number, block number, text) of every line inside a ``` fence.
fn code_lines(text: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let (mut inside, mut block) = (false, 0);
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
            if inside {
                block += 1;
            }
        } else if inside {
            out.push((i + 1, block, line));
        }
    }
    out
}

fn is_readme(p: &Path) -> bool {
    p.parent() == Some(root().as_path())
}

/// The style's violations in one file, as `path:line: what`.
fn problems(path: &Path, bins: &[String]) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path
        .strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string();
    let mut out = Vec::new();
    for (n, block, line) in code_lines(&text) {
        let two_commands = is_readme(path) && block == 1;
        let mut say = |what: String| out.push(format!("{name}:{n}: {what}: {}", line.trim()));
        if !two_commands && line.contains("cargo run --release --bin") {
            say("use the installed name, not `cargo run --release --bin`".into());
        }
        if !two_commands && line.contains("target/release/") {
            say("use the installed name, not `target/release/`".into());
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            let bare = w.trim_matches(|c: char| "\"'`();|&".contains(c));
            let ours = bins.iter().any(|b| b == bare);
            if ours && i > 0 && words[i - 1] == "sudo" {
                say(format!(
                    "sudo does not search ~/.cargo/bin: write sudo \"$(command -v {bare})\""
                ));
            }
            if ours && i > 0 && words[..i].ends_with(&["ip", "netns", "exec", words[i - 1]]) {
                say(format!(
                    "sudo does not search ~/.cargo/bin: write \"$(command -v {bare})\""
                ));
            }
            let looks_like_lab = bare.len() > 6
                && bare.starts_with("lab")
                && bare[3..5].chars().all(|c| c.is_ascii_digit())
                && bare.as_bytes()[5] == b'-'
                && bare[6..]
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-');
            if looks_like_lab && !ours && !bare.ends_with('-') {
                say(format!("`{bare}` is not one of the binaries {bins:?}"));
            }
        }
    }
    out
}

#[test]
fn every_doc_uses_the_installed_names_after_the_two_commands() {
    let bins = binaries();
    assert!(bins.len() >= 8, "Cargo.toml's [[bin]] tables: {bins:?}");
    let found: Vec<String> = docs().iter().flat_map(|p| problems(p, &bins)).collect();
    assert!(
        found.is_empty(),
        "{} command(s) break the docs' one style:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_style_check_catches_each_kind_of_mistake() {
    let bins = binaries();
    let dir = std::env::temp_dir().join(format!("docs-commands-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sheet = dir.join("sheet.md");
    std::fs::write(
        &sheet,
        "Prose may say `cargo run --release --bin lab02-nagle --`.\n\
         ```sh\n\
         lab02-nagle demo\n\
         cargo run --release --bin lab02-nagle -- demo\n\
         target/release/sticky labs\n\
         sudo lab02-nagle demo --pcap n.pcap\n\
         sudo \"$(command -v lab02-nagle)\" demo --pcap n.pcap\n\
         sudo ip netns exec sticky-a lab02-nagle server\n\
         lab08-magic demo\n\
         ```\n",
    )
    .unwrap();
    let found = problems(&sheet, &bins);
    std::fs::remove_dir_all(&dir).unwrap();
    let lines: Vec<&str> = found
        .iter()
        .map(|f| f.split(':').nth(1).unwrap_or(""))
        .collect();
    assert_eq!(lines, ["4", "5", "6", "8", "9"], "{found:#?}");
}
