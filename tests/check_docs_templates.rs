//! The Python templates in docs/check.md are what students copy first, so
//! they are run here exactly as printed: every "minimal client" and
//! "minimal server" must PASS its lab's check, and the client printed as
//! having "the lesson's bug" must FAIL it — the same page shows both.

mod common;

use std::path::{Path, PathBuf};

use common::check::{assert_all_pass_in, cases, check_in};
use common::{python, python3_available};

/// One ```python block of docs/check.md and what the page says it is.
struct Template {
    /// `lab04` … `lab07`: from the section's `## Lab 0N` heading; the
    /// "For students" section's templates are lab 04's (its headings say so).
    lab: String,
    /// `client`, `server` or `bug` (a client printed as wrong on purpose).
    role: &'static str,
    line: usize,
    code: String,
}

fn templates() -> Vec<Template> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/check.md");
    let text = std::fs::read_to_string(&path).expect("docs/check.md");
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut lab = String::from("lab04");
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(rest) = line.strip_prefix("## Lab ") {
            lab = format!("lab{}", &rest[..2]);
        }
        if line.starts_with("```python") {
            // What the nearest line of prose before it calls it (no
            // further back than the last block or section heading).
            let role = lines[..i]
                .iter()
                .rev()
                .take_while(|l| !l.starts_with("```") && !l.starts_with("## "))
                .find_map(|l| {
                    if l.contains("lesson's bug") {
                        Some("bug")
                    } else if l.contains("minimal client") {
                        Some("client")
                    } else if l.contains("minimal server") {
                        Some("server")
                    } else {
                        None
                    }
                });
            let end = (i + 1..lines.len())
                .find(|&j| lines[j].starts_with("```"))
                .expect("a closed ```python block");
            if let Some(role) = role {
                out.push(Template {
                    lab: lab.clone(),
                    role,
                    line: i + 1,
                    code: lines[i + 1..end].join("\n") + "\n",
                });
            }
            i = end;
        }
        i += 1;
    }
    out
}

/// Writes the template to a scratch file; returns its folder (removed on
/// drop) and the `--client`/`--server` command for the checker.
fn command_for(t: &Template) -> (Scratch, String) {
    let dir = std::env::temp_dir().join(format!(
        "check-template-{}-{}-{}",
        t.lab,
        t.line,
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{}_{}.py", t.lab, t.role));
    std::fs::write(&file, &t.code).unwrap();
    let py = python().unwrap_or("python3");
    let cmd = match t.role {
        "server" => format!("{py} {} {{port}}", file.display()),
        _ => format!("{py} {} {{host}} {{port}}", file.display()),
    };
    (Scratch(dir), cmd)
}

struct Scratch(PathBuf);

/// Every file under `dir`, any depth.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn the(lab: &str, role: &str) -> Template {
    templates()
        .into_iter()
        .find(|t| t.lab == lab && t.role == role)
        .unwrap_or_else(|| panic!("docs/check.md has no {role} template for {lab}"))
}

fn passes(lab: &str, role: &str) {
    if !python3_available(&format!("the {lab} {role} template passes")) {
        return;
    }
    let t = the(lab, role);
    let (dir, cmd) = command_for(&t);
    let flag = format!("--{role}");
    // In the scratch folder, as a student's folder: lab 05's server keeps
    // its files in `files/` under where it runs.
    assert_all_pass_in(Some(&dir.0), &[lab, &flag, &cmd, "--seeds", "3"]);
    let left: Vec<_> = walk(&dir.0)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("sticky-check-"))
        .collect();
    assert!(
        left.is_empty(),
        "the check left its uploads behind: {left:?}"
    );
}

#[test]
fn the_page_has_a_client_and_a_server_template_for_every_lab_it_teaches() {
    let found: Vec<String> = templates()
        .iter()
        .map(|t| format!("{} {}", t.lab, t.role))
        .collect();
    for lab in ["lab04", "lab05", "lab06", "lab07"] {
        for role in ["client", "server"] {
            let want = format!("{lab} {role}");
            assert!(found.contains(&want), "no {want} in {found:?}");
        }
    }
    assert!(found.contains(&"lab04 bug".to_string()), "{found:?}");
}

#[test]
fn lab04_client_template_passes() {
    passes("lab04", "client");
}

#[test]
fn lab04_server_template_passes() {
    passes("lab04", "server");
}

#[test]
fn lab05_client_template_passes() {
    passes("lab05", "client");
}

#[test]
fn lab05_server_template_passes() {
    passes("lab05", "server");
}

#[test]
fn lab06_client_template_passes() {
    passes("lab06", "client");
}

#[test]
fn lab06_server_template_passes() {
    passes("lab06", "server");
}

#[test]
fn lab07_client_template_passes() {
    passes("lab07", "client");
}

#[test]
fn lab07_server_template_passes() {
    passes("lab07", "server");
}

#[test]
fn the_client_printed_with_the_lessons_bug_fails_where_the_page_says() {
    if !python3_available("the client printed with the lesson's bug fails") {
        return;
    }
    let t = the("lab04", "bug");
    let (dir, cmd) = command_for(&t);
    let (code, report, err) = check_in(Some(&dir.0), &["lab04", "--client", &cmd, "--seeds", "3"]);
    assert_eq!(code, 1, "{report:#}\n{err}");
    // The page: it fails these (and more) and passes `glued`, the case
    // loopback always plays.
    let failed = cases(&report, "fail");
    for case in [
        "header-split",
        "over-1024",
        "every-byte",
        "closed-mid-reply",
    ] {
        assert!(
            failed.iter().any(|c| c == case),
            "the one recv(4), one recv(n) should fail {case}: {failed:?}"
        );
    }
    assert!(
        cases(&report, "pass").iter().any(|c| c == "glued"),
        "{report:#}"
    );
}
