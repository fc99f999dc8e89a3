//! Embeds the message catalogs: every `locales/<lang>/<area>.ftl` file is
//! listed in `$OUT_DIR/catalogs.rs`, so a translator adds a file for a new
//! lab without editing any Rust (see docs/translating.md).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    println!("cargo:rerun-if-changed=locales");
    let mut files = Vec::new();
    for lang in ["en", "zh"] {
        let dir = root.join(lang);
        println!("cargo:rerun-if-changed={}", dir.display());
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.extension().is_some_and(|x| x == "ftl") {
                println!("cargo:rerun-if-changed={}", path.display());
                files.push((lang, path));
            }
        }
    }
    files.sort();
    let mut out = String::from("/// (language, file name, contents) of every catalog file.\n");
    out.push_str("pub static CATALOGS: &[(&str, &str, &str)] = &[\n");
    for (lang, path) in &files {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let _ = writeln!(
            out,
            "    ({lang:?}, {name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    out.push_str("];\n");
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("catalogs.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
