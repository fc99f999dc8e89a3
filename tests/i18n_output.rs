//! The language changes the words, never what a machine reads: `--json`
//! has the same keys and results in English and Chinese (plus `lang`), the
//! exit codes are the same, and `--lang` / `STICKY_LANG` / `LANG` choose the
//! language in that order.

mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::lang::{key_paths, stage_oks};
use common::{cmd, run_with_timeout, stderr_lines, stuck_server, text};
use serde_json::Value;

const LAB01: &str = env!("CARGO_BIN_EXE_lab01-naive-recv");
const LAB04: &str = env!("CARGO_BIN_EXE_lab04-struct-header");
const STICKY: &str = env!("CARGO_BIN_EXE_sticky");

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
    assert_eq!(stage_oks(&en), stage_oks(&zh));
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

/// Every key of the English catalogs (`sticky-cmd-proxy-about`, `kit-idle`…).
fn catalog_keys() -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales/en");
    let mut keys = BTreeSet::new();
    for e in std::fs::read_dir(dir).expect("locales/en") {
        let text = std::fs::read_to_string(e.expect("an entry").path()).expect("a catalog");
        for line in text.lines() {
            if line.starts_with(|c: char| c.is_ascii_lowercase()) {
                if let Some((k, _)) = line.split_once('=') {
                    keys.insert(k.trim().to_string());
                }
            }
        }
    }
    keys
}

/// No catalog key shows as itself in `out` (a key missing from both
/// languages would): `what` names the output in the failure.
fn assert_no_raw_key(out: &str, what: &str) {
    let keys = catalog_keys();
    assert!(
        keys.contains("sticky-cmd-proxy-about"),
        "the catalogs were read"
    );
    let leaked: Vec<&str> = out
        .split(|c: char| c.is_whitespace() || "()[]{}'\"`,:;：，（）".contains(c))
        .filter(|w| keys.contains(*w))
        .collect();
    assert!(leaked.is_empty(), "{what}: raw keys {leaked:?} in:\n{out}");
}

/// Has at least one CJK character.
fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn sticky_help(lang: &str, args: &[&str]) -> String {
    let mut a = vec!["--lang", lang];
    a.extend_from_slice(args);
    a.push("--help");
    let out = run_with_timeout(with_env(STICKY, &[], &a), b"", Duration::from_secs(20));
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn sticky_help_speaks_chinese_for_every_subcommand_and_english_is_unchanged() {
    let top = sticky_help("zh", &[]);
    assert!(top.contains("混沌代理") && top.contains("示例："), "{top}");
    assert_no_raw_key(&top, "sticky --help");
    let en = sticky_help("en", &[]);
    assert!(
        en.contains("sticky-lab tools: the chaos proxy and friends"),
        "{en}"
    );
    assert!(en.contains("{host} {port}"), "the braces survive: {en}");
    for (sub, zh_about, en_about) in [
        (
            "proxy",
            "重新切块",
            "Re-chunk a TCP stream between two real sockets",
        ),
        ("bench", "分帧方式的速度", "Framing speed over loopback"),
        ("load", "回显服务器", "Many framed clients at once"),
        ("labs", "课前预检", "Instructor preflight"),
        ("completions", "补全脚本", "tab-completion script"),
        (
            "check",
            "检验你自己写的客户端",
            "Hold your own client or server",
        ),
    ] {
        let zh = sticky_help("zh", &[sub]);
        assert!(zh.contains(zh_about), "{sub}: {zh}");
        assert!(
            zh.contains("示例：") && !zh.contains("Examples:"),
            "{sub}: {zh}"
        );
        assert_no_raw_key(&zh, sub);
        let en = sticky_help("en", &[sub]);
        assert!(
            en.contains(en_about) && en.contains("Examples:"),
            "{sub}: {en}"
        );
        // Only the --lang flag's own value names Chinese in English.
        assert!(!has_chinese(&en.replace("(中文)", "")), "{sub}: {en}");
    }
}

/// A child whose stderr lines arrive on a channel; killed on drop.
struct Spawned {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Spawned {
    fn start(bin: &str, args: &[&str]) -> Spawned {
        let mut child = with_env(bin, &[], args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
        let lines = stderr_lines(&mut child);
        Spawned {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The first stderr line (20 s at most) containing every one of `needles`.
    fn wait_line(&mut self, needles: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if needles.iter().all(|n| l.contains(n)) {
                        return l;
                    }
                }
                Err(_) => break,
            }
        }
        panic!("no line with {needles:?}; saw {:#?}", self.seen);
    }

    /// The address a `… 正在监听 ADDR` line ends with.
    fn listening(&mut self) -> SocketAddr {
        let line = self.wait_line(&["正在监听"]);
        let last = line.split_whitespace().last().unwrap_or_default();
        last.parse()
            .unwrap_or_else(|_| panic!("the address is not the last word: {line}"))
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_proxy_run_in_chinese_logs_its_pieces_in_chinese() {
    // A server that answers one connection with one write of 3000 bytes.
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = server.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        if let Ok((mut conn, _)) = server.accept() {
            let _ = conn.write_all(&[b'x'; 3000]);
            let _ = conn.shutdown(Shutdown::Write);
            let _ = conn.read_to_end(&mut Vec::new());
        }
    });
    let mut proxy = Spawned::start(
        STICKY,
        &[
            "--lang",
            "zh",
            "proxy",
            "--listen",
            "127.0.0.1:0",
            "--to",
            &upstream,
            "--seed",
            "11",
            "--max-chunk",
            "100",
            "--delay-ms",
            "0",
        ],
    );
    let addr = proxy.listening();
    let started = proxy.wait_line(&["sticky proxy：", "种子 11"]);
    assert!(started.contains("Ctrl-C 停止"), "{started}");
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut got = Vec::new();
    c.read_to_end(&mut got).unwrap();
    assert_eq!(got.len(), 3000);
    drop(c);
    let pieces = proxy.wait_line(&["[连接 0] 服务器 → 客户端"]);
    assert!(pieces.contains("共 3000 字节，切成"), "{pieces}");
    let all = proxy.seen.join("\n");
    assert_no_raw_key(&all, "sticky proxy");
    assert!(!all.contains("pieces"), "{all}");
}

fn sticky_run(lang: &str, args: &[&str]) -> std::process::Output {
    let mut a = vec!["--color", "never", "--lang", lang];
    a.extend_from_slice(args);
    run_with_timeout(with_env(STICKY, &[], &a), b"", Duration::from_secs(120))
}

fn json_keys(stdout: &[u8]) -> BTreeSet<String> {
    let v: Value = serde_json::from_slice(stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(stdout)));
    key_paths(&v)
}

/// `sticky ARGS` in Chinese exits 0, prints `zh_says` (on stdout or
/// stderr) and no raw key; in English it prints `en_says` on stdout; and
/// with `--json` both languages print the same key paths.
fn assert_chinese_run_keeps_its_json(args: &[&str], zh_says: &[&str], en_says: &str) {
    let zh = sticky_run("zh", args);
    let all = format!("{}{}", text(&zh.stdout), text(&zh.stderr));
    assert_eq!(zh.status.code(), Some(0), "{all}");
    for s in zh_says {
        assert!(all.contains(s), "{s:?} not in:\n{all}");
    }
    assert_no_raw_key(&all, args[0]);
    let en = sticky_run("en", args);
    assert_eq!(en.status.code(), Some(0));
    assert!(text(&en.stdout).contains(en_says), "{}", text(&en.stdout));

    let mut json = args.to_vec();
    json.push("--json");
    let (zh, en) = (sticky_run("zh", &json), sticky_run("en", &json));
    assert_eq!((zh.status.code(), en.status.code()), (Some(0), Some(0)));
    assert_eq!(json_keys(&zh.stdout), json_keys(&en.stdout));
}

#[test]
fn sticky_load_speaks_chinese_and_its_json_keeps_its_keys() {
    assert_chinese_run_keeps_its_json(
        &["load", "--clients", "2", "--messages", "50"],
        &["sticky load：2 个客户端", "发出 100 条", "其中粘包 0 条"],
        "0 merged in",
    );
}

#[test]
fn sticky_bench_speaks_chinese_and_its_json_keeps_its_keys() {
    assert_chinese_run_keeps_its_json(
        &[
            "bench",
            "--sizes",
            "16",
            "--protos",
            "raw,header",
            "--seconds",
            "0.02",
            "--repeat",
            "1",
            "--no-python",
            "--no-iperf3",
        ],
        &[
            "sticky bench：每个格子一条回环连接",
            "消息大小",
            "分帧方式",
            "上限：",
        ],
        "median msg/s",
    );
}

/// Reads one reply frame (lab 04's 4-byte little-endian length, then the body).
fn read_frame(s: &mut TcpStream) -> Vec<u8> {
    let mut head = [0u8; 4];
    s.read_exact(&mut head).expect("a header");
    let mut body = vec![0u8; u32::from_le_bytes(head) as usize];
    s.read_exact(&mut body).expect("a body");
    body
}

#[test]
fn a_chinese_lab04_server_names_a_lesson_client_in_chinese_and_answers_it_in_ascii() {
    let mut server = Spawned::start(
        LAB04,
        &[
            "--lang",
            "zh",
            "server",
            "--addr",
            "127.0.0.1:0",
            "--byte-order",
            "little",
        ],
    );
    let addr = server.listening();
    // The lesson's client: a bare `ls` where a 4-byte header should be.
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let peer = c.local_addr().unwrap();
    c.write_all(b"ls").unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    let line = server.wait_line(&[&format!("[{peer}] 出错：")]);
    assert!(
        line.contains("报头的字节看起来是文本 'ls'") && line.contains("--compat lesson"),
        "{line}"
    );
    assert_no_raw_key(&line, "lab 04's log");
    // The reply itself stays English ASCII: the lessons' clients decode GBK.
    let reply = read_frame(&mut c);
    assert!(reply.is_ascii(), "{}", text(&reply));
    assert!(
        text(&reply).starts_with("error: the header bytes look like text 'ls'"),
        "{}",
        text(&reply)
    );
}

#[test]
fn a_chinese_client_names_the_wrong_server_in_chinese() {
    let addr = stuck_server(b"total 0\n").to_string();
    let out = run_with_timeout(
        with_env(
            LAB04,
            &[],
            &[
                "--lang",
                "zh",
                "client",
                "--addr",
                &addr,
                "--reply-timeout",
                "0.5",
                "--cmd",
                "ls",
            ],
        ),
        b"",
        Duration::from_secs(30),
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("回复开头是文本 'total 0"), "{err}");
    assert!(err.contains("本实验的服务器"), "{err}");
    assert_no_raw_key(&err, "lab 04's client");
}
