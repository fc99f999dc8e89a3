//! Lab 04 end to end: the demo, 10,000+ frames under chaos, hostile input
//! against the real server, the lessons' Python programs, and proptests.

mod common;

use std::io::{Cursor, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use common::{
    assert_lesson_client_talks_to, chaos_sizes, cmd, numbered_message, python_script,
    run_with_timeout, spawn_server, text,
};
use proptest::prelude::*;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use sticky_lab::framing::{FrameError, FrameReader, LengthPrefix};
use sticky_lab::harness::Compat;
use sticky_lab::kit::chaos::{ChaosPlan, ChaosReader, ChaosWriter};
use sticky_lab::kit::proxy::{ChaosProxy, Direction, ProxyConfig};
use sticky_lab::kit::runner::{self, RunnerConfig};
use sticky_lab::lessons::lab04_struct_header as lesson;
use sticky_lab::report::ledger::Delivery;

const BIN: &str = env!("CARGO_BIN_EXE_lab04-struct-header");

fn write_all_frames<W: Write>(mut w: W, codec: LengthPrefix, lens: &[usize]) {
    for (i, &n) in lens.iter().enumerate() {
        codec.write_frame(&mut w, &numbered_message(i, n)).unwrap();
    }
    w.flush().unwrap();
}

/// Reads every frame, with the buffered FrameReader or with the blocking
/// recv_exact pair, and tallies deliveries without keeping them.
fn read_all_frames<R: Read>(r: R, codec: LengthPrefix, lens: &[usize], buffered: bool) -> Delivery {
    let mut d = Delivery {
        sent: lens.len(),
        ..Delivery::default()
    };
    let mut next: Box<dyn FnMut() -> Result<Option<Vec<u8>>, FrameError>> = if buffered {
        let mut fr = FrameReader::new(r, codec);
        Box::new(move || fr.next_frame())
    } else {
        let mut r = r;
        Box::new(move || match codec.read_frame(&mut r) {
            Err(FrameError::Closed) => Ok(None),
            other => other.map(Some),
        })
    };
    let mut i = 0;
    loop {
        match next() {
            Ok(Some(got)) if i < lens.len() => {
                if got == numbered_message(i, lens[i]) {
                    d.intact += 1;
                } else {
                    d.corrupted += 1;
                }
                i += 1;
            }
            Ok(Some(_)) => d.extra += 1,
            Ok(None) | Err(_) => break,
        }
    }
    d.lost = lens.len() - i;
    d
}

/// A Unix socket pair: no TCP stack between the chaos wrappers (the
/// proxy test below covers TCP, and runs everywhere).
#[cfg(unix)]
#[test]
fn ten_thousand_frames_survive_the_chaos_wrappers() {
    use std::os::unix::net::UnixStream;
    use sticky_lab::framing::ByteOrder;
    let mut grand = 0;
    for (seed, buffered, order) in [
        (1u64, true, ByteOrder::Little),
        (2, false, ByteOrder::Little),
        (3, true, ByteOrder::Big),
    ] {
        let codec = LengthPrefix::lesson().with_order(order);
        let lens = chaos_sizes(seed, 10_000);
        let (a, b) = UnixStream::pair().unwrap();
        let l2 = lens.clone();
        let writer = thread::spawn(move || {
            let mut w = ChaosWriter::new(a, ChaosPlan::new(seed, 7000));
            write_all_frames(&mut w, codec, &l2);
            let a = w.into_inner().unwrap();
            a.shutdown(Shutdown::Write).unwrap();
        });
        let r = ChaosReader::new(b, ChaosPlan::new(seed + 50, 3000));
        let d = read_all_frames(r, codec, &lens, buffered);
        writer.join().unwrap();
        eprintln!("chaos wrappers, seed {seed}: {}", d.summary());
        assert!(d.perfect(), "seed {seed}: {}", d.summary());
        grand += d.intact;
    }
    assert!(grand >= 10_000);
}

#[test]
fn ten_thousand_frames_survive_the_chaos_proxy() {
    let mut grand = 0;
    for (seed, buffered) in [(21u64, true), (22, false), (23, true), (24, false)] {
        let codec = LengthPrefix::lesson();
        let lens = chaos_sizes(seed, 2_500);
        let listener = sticky_lab::kit::sock::listen("127.0.0.1:0".parse().unwrap()).unwrap();
        let up = listener.local_addr().unwrap();
        let cfg = ProxyConfig {
            delay: Duration::ZERO,
            hold: Duration::ZERO,
            ..ProxyConfig::new(up, seed, 32 * 1024)
        };
        let proxy = ChaosProxy::start("127.0.0.1:0".parse().unwrap(), cfg).unwrap();
        let l2 = lens.clone();
        let paddr = proxy.local_addr();
        let writer = thread::spawn(move || {
            let c = TcpStream::connect(paddr).unwrap();
            write_all_frames(&c, codec, &l2);
            c.shutdown(Shutdown::Write).unwrap();
            // Keep the socket open until the reader is done.
            let mut sink = [0u8; 1];
            let _ = (&c).read(&mut sink);
        });
        let (s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let d = read_all_frames(&s, codec, &lens, buffered);
        drop(s);
        writer.join().unwrap();
        let pieces = proxy
            .wait_pieces(Direction::ToServer, Duration::from_secs(10))
            .expect("the proxy never finished");
        assert!(pieces.len() > lens.len(), "{} pieces", pieces.len());
        assert!(pieces.iter().all(|&n| n <= 32 * 1024));
        eprintln!("chaos proxy, seed {seed}: {}", d.summary());
        assert!(d.perfect(), "seed {seed}: {}", d.summary());
        grand += d.intact;
    }
    assert!(grand >= 10_000);
}

// ── the real binary ────────────────────────────────────────────────────────

#[test]
fn the_demo_observes_every_stage_and_writes_its_picture() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("04.svg");
    let mut c = cmd(BIN);
    c.args(["--color", "never", "demo", "--svg"]).arg(&svg);
    let out = run_with_timeout(c, b"", Duration::from_secs(60));
    let so = text(&out.stdout);
    assert!(out.status.success(), "{so}\n{}", text(&out.stderr));
    assert!(so.contains("all 8 stages"), "{so}");
    assert!(!so.contains('\u{1b}'));
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
}

#[test]
fn the_demo_speaks_chinese_with_the_same_json_keys_and_exit_code() {
    let [en, zh] = common::lang::assert_speaks_chinese(
        BIN,
        &["demo", "--json"],
        ("lab04", "lab04-struct-header"),
        // The stage headings and the lab's own lines are Chinese.
        &[
            "第 1 步 · 在回环地址上，报头 + 数据能正常工作",
            "第 7 步 · recv() 返回 b'' 就是结束",
            "读满循环，同一个种子、同样的切法",
        ],
    );
    let title = zh.report["stages"][2]["title"].as_str().unwrap_or_default();
    assert!(title.contains("字节序"), "{title}");
    // The framing errors a person reads are Chinese too (stages 2-7)…
    let english = common::lang::english_error_lines(&zh.story);
    assert!(
        english.is_empty(),
        "English errors in Chinese lines:\n{english:#?}"
    );
    for said in [
        "报头声明 1090519040 字节",
        "按小端读是 65",
        "放不进 4 字节有符号报头",
    ] {
        assert!(zh.story.contains(said), "no {said:?} in:\n{}", zh.story);
    }
    // …while English keeps its words, and --json its English values.
    for said in [
        "header claims 1090519040 bytes, over the 67108864-byte frame limit",
        "read little-endian the same 4 bytes say 65: do both sides use the same byte order?",
        "does not fit a 4-byte signed header ('i')",
        "connection closed 30000 bytes into a 100000-byte body",
    ] {
        assert!(en.story.contains(said), "no {said:?} in:\n{}", en.story);
    }
    let data = |r: &serde_json::Value, i: usize, k: &str| r["stages"][i]["data"][k].clone();
    for (i, k) in [
        (2, "error"),
        (3, "over"),
        (4, "server_error"),
        (4, "client_error"),
        (6, "fixed_error"),
    ] {
        let (e, z) = (data(&en.report, i, k), data(&zh.report, i, k));
        assert!(
            e.as_str().is_some_and(|s| s.is_ascii()),
            "stage {i} {k}: {e}"
        );
        assert_eq!(z, e, "stage {i} {k}");
    }
}

#[test]
fn the_demos_new_stages_report_what_they_measured() {
    let mut c = cmd(BIN);
    c.args(["--color", "never", "demo", "--json"]);
    let out = run_with_timeout(c, b"", Duration::from_secs(60));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let data = |i: usize| report["stages"][i]["data"].clone();
    let (pipe, eof, wait) = (data(5), data(6), data(7));
    // stage 6: the lesson's loop read past its body; the fix did not
    assert!(pipe["over_read"].as_u64().unwrap() > 0, "{pipe}");
    assert_eq!(pipe["fixed_ok"], true);
    // stage 7: thousands of empty recv()s, a named error from the fix
    assert!(eof["empty_recvs"].as_u64().unwrap() >= 100, "{eof}");
    assert_eq!(eof["lesson_spinning"], true);
    assert_eq!(
        eof["fixed_error"],
        "connection closed 30000 bytes into a 100000-byte body"
    );
    // stage 8: one recv(n) short, MSG_WAITALL whole, then short on a close
    assert!(wait["one_recv"].as_u64() < wait["want"].as_u64(), "{wait}");
    assert_eq!(wait["waitall"], wait["want"]);
    assert_eq!(wait["on_close_got"], 30000);
}

#[test]
fn the_lessons_body_loop_spins_on_a_closed_peer_and_the_fix_names_the_missing_bytes() {
    let window = Duration::from_millis(50);
    let run = lesson::closed_mid_body(LengthPrefix::lesson(), 5000, 1200, window).unwrap();
    assert!(run.lesson.gave_up, "{:?}", run.lesson);
    assert_eq!(run.lesson.body.len(), 1200);
    assert!(
        run.lesson.empty_recvs >= 100,
        "{:?}",
        run.lesson.empty_recvs
    );
    match run.fixed {
        Err(FrameError::Truncated { got, expected, .. }) => {
            assert_eq!((got, expected), (1200, 5000))
        }
        other => panic!("the fix should name the cut: {other:?}"),
    }
}

#[test]
fn recv_1024_whatever_is_left_reads_into_the_next_reply_and_min_does_not() {
    let run = lesson::pipelined(LengthPrefix::lesson(), "bytes 1500", "help").unwrap();
    assert_eq!(run.total_size, 1500);
    assert_eq!(run.lesson.body.len(), 2048);
    assert_ne!(run.lesson_next.claimed, Ok(run.sent[1].len()));
    assert_eq!(run.fixed, run.sent[0]);
    assert_eq!(run.fixed_next.body(), run.sent[1]);
}

#[test]
fn client_and_server_agree_in_every_mode_and_byte_order() {
    for extra in [
        &["--compat", "ours"][..],
        &["--compat", "lesson"],
        &["--byte-order", "big"],
        &["--byte-order", "little"],
    ] {
        let mut args = vec!["server", "--addr", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let srv = spawn_server(BIN, &args);
        let mut c = cmd(BIN);
        c.args(["client", "--addr", &srv.addr.to_string()])
            .args(extra);
        c.args([
            "--cmd",
            "seq 3",
            "--cmd",
            "bytes 300000",
            "--cmd",
            "err oops",
        ]);
        let out = run_with_timeout(c, b"", Duration::from_secs(30));
        assert!(out.status.success(), "{extra:?}: {}", text(&out.stderr));
        let want = [
            b"1\n2\n3\n".to_vec(),
            runner::run(b"bytes 300000", &RunnerConfig::default()).stdout,
            b"oops\n".to_vec(),
        ]
        .concat();
        assert_eq!(out.stdout, want, "{extra:?}");
    }
}

#[test]
fn a_byte_order_mismatch_is_a_clear_error_on_both_sides() {
    // Bare commands (lesson mode), so only the reply's header is misread.
    let srv = spawn_server(
        BIN,
        &["server", "--addr", "127.0.0.1:0", "--compat", "lesson"],
    );
    let mut c = cmd(BIN);
    c.args([
        "--color",
        "never",
        "client",
        "--compat",
        "lesson",
        "--byte-order",
        "big",
        "--addr",
    ])
    .arg(srv.addr.to_string())
    .args(["--cmd", "ls"]);
    let out = run_with_timeout(c, b"", Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("over the 67108864-byte frame limit"), "{err}");
    assert!(
        err.contains("but 65 read little-endian — is the other side using --byte-order little?"),
        "{err}"
    );
    // Framed commands: the server meets the swapped header first.
    let srv = spawn_server(BIN, &["server", "--addr", "127.0.0.1:0"]);
    let mut s = TcpStream::connect(srv.addr).unwrap();
    let peer = s.local_addr().unwrap();
    LengthPrefix::network()
        .write_frame(&mut s, b"echo hi")
        .unwrap();
    let line = srv.error_line_for(peer, Duration::from_secs(10));
    assert!(line.contains("header claims 117440512 bytes"), "{line}");
    assert!(
        line.contains("but 7 read big-endian — is the other side using --byte-order big?"),
        "{line}"
    );
}

#[test]
fn a_reply_over_the_clients_max_frame_is_refused() {
    let srv = spawn_server(BIN, &["server", "--addr", "127.0.0.1:0"]);
    let mut c = cmd(BIN);
    c.args(["client", "--max-frame", "1000", "--addr"])
        .arg(srv.addr.to_string())
        .args(["--cmd", "bytes 5000"]);
    let out = run_with_timeout(c, b"", Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("header claims 5000 bytes, over the 1000-byte frame limit"));
}

// ── the classroom walk-through: wrong pairings, timeouts, what is shown ──

#[cfg(unix)]
#[test]
fn a_reply_without_a_newline_is_shown_whole_and_an_empty_one_is_named() {
    let srv = spawn_server(BIN, &["server", "--addr", "127.0.0.1:0", "--exec", "shell"]);
    common::assert_replies_shown_like_a_shell(BIN, &srv);
}

#[test]
fn a_big_endian_client_and_a_little_endian_server_both_name_the_byte_order() {
    let srv = spawn_server(BIN, &["server", "--addr", "127.0.0.1:0"]);
    let t0 = std::time::Instant::now();
    let order = if cfg!(target_endian = "big") {
        "little"
    } else {
        "big"
    };
    let out = common::client_run(BIN, srv.addr, &["--byte-order", order], &["ls"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("is the other side using --byte-order"),
        "{err}"
    );
    assert!(t0.elapsed() < Duration::from_secs(8), "{:?}", t0.elapsed());
    let line = srv.next_error_line(Duration::from_secs(5));
    assert!(
        line.contains(&format!("is the other side using --byte-order {order}?")),
        "{line}"
    );
}

#[test]
fn a_bare_command_to_our_server_is_named_and_answered_once() {
    let srv = spawn_server(BIN, &["server", "--addr", "127.0.0.1:0"]);
    // `ls` is two bytes: a header that never completes. The server looks
    // at it once the bytes stop, and answers in a frame the client reads.
    let out = common::client_run(BIN, srv.addr, &["--compat", "lesson"], &["ls"]);
    assert!(
        text(&out.stdout).contains("the header bytes look like text 'ls'"),
        "{} {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let line = srv.next_error_line(Duration::from_secs(5));
    assert!(
        line.contains("the header bytes look like text 'ls' — is the client speaking the lesson's format? start the server with --compat lesson"),
        "{line}"
    );
    for script in ["lab04_client_001.py", "lab04_client_002.py"] {
        common::assert_python_client_told(
            script,
            srv.addr,
            "start the server with --compat lesson",
        );
    }
}

#[test]
fn a_framed_request_to_a_lesson_server_is_named() {
    let srv = spawn_server(
        BIN,
        &["server", "--addr", "127.0.0.1:0", "--compat", "lesson"],
    );
    let out = common::client_run(BIN, srv.addr, &[], &["ls"]);
    assert!(
        text(&out.stdout).contains("start the client with --compat lesson"),
        "{}",
        text(&out.stdout)
    );
    let line = srv.next_error_line(Duration::from_secs(5));
    assert!(
        line.contains("4-byte binary header (02 00 00 00 = 2 bytes"),
        "{line}"
    );
}

#[test]
fn another_labs_reply_is_an_error_not_output() {
    // What lab 05's server answers a lab 04 request: its JSON header, framed.
    let json = br#"{"error":"JSON header is not valid JSON: expected value at line 1 column 1","ok":false,"total_size":0}"#;
    let mut reply = (json.len() as u32).to_le_bytes().to_vec();
    reply.extend_from_slice(json);
    let addr = common::stuck_server(Box::leak(reply.into_boxed_slice()));
    let out = common::client_run(BIN, addr, &[], &["ls"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("as lab 05's server sends"), "{err}");
    assert_eq!(text(&out.stdout), "", "nothing shown as the output of ls");
}

#[test]
fn a_client_gives_up_after_its_reply_timeout() {
    let err = common::assert_client_gives_up_after_its_reply_timeout(BIN, b"");
    assert!(
        err.contains("ls: no reply within 500ms (0 bytes of it so far"),
        "{err}"
    );
}

#[test]
fn a_reply_over_the_servers_own_limit_is_an_error_reply_blamed_on_the_server() {
    common::assert_own_reply_limit_blamed_on_the_server(BIN);
}

// ── hostile input ──────────────────────────────────────────────────────────

fn well_behaved(addr: SocketAddr) {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut w = s.try_clone().unwrap();
    let mut frames = FrameReader::new(s, LengthPrefix::lesson());
    let got = lesson::ask(&mut frames, &mut w, Compat::Ours, b"echo still here").unwrap();
    assert_eq!(got, b"still here\n");
}

fn le(v: i32) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}

#[test]
fn hostile_input_gets_a_named_error_and_the_server_keeps_serving() {
    let srv = spawn_server(
        BIN,
        &["server", "--addr", "127.0.0.1:0", "--idle-timeout", "0.5"],
    );
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let mut garbage: Vec<u8> = (0..64).map(|_| rng.random::<u8>()).collect();
    garbage[3] |= 0x80; // as an 'i' header: negative
    let mut short_body = le(100);
    short_body.extend_from_slice(b"only ten b");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "negative length",
            le(-5),
            "header claims a negative length (-5)",
        ),
        (
            "0xFFFFFFFF",
            vec![0xff; 4],
            "header claims a negative length (-1)",
        ),
        (
            "over the maximum",
            le(100 << 20),
            "header claims 104857600 bytes, over the 67108864-byte frame limit",
        ),
        (
            "2 GiB",
            le(i32::MAX),
            "header claims 2147483647 bytes, over the",
        ),
        (
            "header cut after 1",
            vec![5],
            "closed 1 bytes into a 4-byte header",
        ),
        (
            "header cut after 2",
            vec![5, 0],
            "closed 2 bytes into a 4-byte header",
        ),
        (
            "header cut after 3",
            vec![5, 0, 0],
            "closed 3 bytes into a 4-byte header",
        ),
        (
            "body cut short",
            short_body,
            "closed 14 bytes into a 104-byte frame",
        ),
        (
            "http request",
            b"GET / HTTP/1.1\r\n\r\n".to_vec(),
            "header claims 542393671 bytes, over the",
        ),
        ("random garbage", garbage, "header claims a negative length"),
    ];
    srv.assert_refusals(&cases, well_behaved);
    // A client that connects and sends nothing.
    srv.assert_idle_client_named();
    // A header that promises 60 MiB and stops: nothing is allocated up
    // front, and the idle timeout ends the wait.
    let mut s = TcpStream::connect(srv.addr).unwrap();
    let peer = s.local_addr().unwrap();
    s.write_all(&le(60 << 20)).unwrap();
    let line = srv.error_line_for(peer, Duration::from_secs(10));
    assert!(line.contains("idle timeout"), "{line}");
    well_behaved(srv.addr);
}

// ── the lessons' Python programs ───────────────────────────────────────────

#[test]
fn the_lessons_python_clients_talk_to_our_lesson_mode_server() {
    if !common::python3_available("lab04 python clients") {
        return;
    }
    let srv = spawn_server(
        BIN,
        &["server", "--addr", "127.0.0.1:0", "--compat", "lesson"],
    );
    for script in ["lab04_client_001.py", "lab04_client_002.py"] {
        let mut c = common::python_cmd();
        c.arg(python_script(script))
            .arg(srv.addr.port().to_string())
            .args(["echo hi", "seq 3", "bytes 5000"]);
        let out = run_with_timeout(c, b"", Duration::from_secs(30));
        let so = text(&out.stdout);
        assert!(
            out.status.success(),
            "{script}: {so}\n{}",
            text(&out.stderr)
        );
        assert!(so.contains("hi\n"), "{script}: {so}");
        assert!(so.contains("1\n2\n3\n"), "{script}: {so}");
        let bytes = text(&runner::run(b"bytes 5000", &RunnerConfig::default()).stdout);
        assert!(so.contains(&bytes), "{script}: {so}");
        if script.contains("001") {
            assert!(so.contains("Message length from server 3\n"), "{so}");
        }
    }
}

#[test]
fn our_lesson_mode_client_talks_to_the_lessons_python_servers() {
    if !common::python3_available("lab04 python servers") {
        return;
    }
    for script in ["lab04_server_001.py", "lab04_server_002.py"] {
        let mut srv = spawn_server(
            common::python().unwrap_or("python3"),
            &[python_script(script).to_str().unwrap(), "0"],
        );
        assert_lesson_client_talks_to(BIN, &srv, script);
        let _ = srv.child.kill();
    }
}

// ── proptests ──────────────────────────────────────────────────────────────

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_in_any_chunks_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        seed: u64, max in 1usize..32, big: bool, max_frame in 0usize..4096,
    ) {
        let codec = if big { LengthPrefix::network() } else { LengthPrefix::lesson() }
            .with_max_frame(max_frame);
        let r = ChaosReader::new(Cursor::new(bytes.clone()), ChaosPlan::new(seed, max));
        let mut fr = FrameReader::new(r, codec);
        for _ in 0..700 {
            match fr.next_frame() {
                Ok(Some(f)) => prop_assert!(f.len() <= max_frame),
                Ok(None) | Err(_) => break,
            }
        }
        let mut r = ChaosReader::new(Cursor::new(bytes), ChaosPlan::new(seed, max));
        for _ in 0..700 {
            if codec.read_frame(&mut r).is_err() {
                break;
            }
        }
    }

    #[test]
    fn encode_chunk_decode_is_the_identity(
        msgs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..400), 0..20),
        seed: u64, max in 1usize..64, big: bool,
    ) {
        let codec = if big { LengthPrefix::network() } else { LengthPrefix::lesson() };
        let mut w = ChaosWriter::new(Vec::new(), ChaosPlan::new(seed, max));
        for m in &msgs {
            codec.write_frame(&mut w, m).unwrap();
        }
        let wire = w.into_inner().unwrap();
        let r = ChaosReader::new(Cursor::new(wire), ChaosPlan::new(seed ^ 1, max));
        let mut fr = FrameReader::new(r, codec);
        let mut got = Vec::new();
        while let Some(m) = fr.next_frame().unwrap() {
            got.push(m);
        }
        prop_assert_eq!(got, msgs);
    }

    #[test]
    fn pack_refuses_exactly_what_does_not_fit(len in 0u64..(1u64 << 33)) {
        let i = LengthPrefix::lesson().with_max_frame(usize::MAX);
        let big_i = LengthPrefix::network().with_max_frame(usize::MAX);
        prop_assert_eq!(i.pack(len as usize).is_ok(), len <= i32::MAX as u64);
        prop_assert_eq!(big_i.pack(len as usize).is_ok(), len <= u32::MAX as u64);
        if let Ok(h) = i.pack(len as usize) {
            prop_assert_eq!(i.unpack(h).unwrap() as u64, len);
        }
    }
}

#[test]
fn a_chinese_servers_log_names_a_2_gib_header_in_chinese() {
    // A header claiming 2^31 - 1 bytes: refused before any body is read, and
    // logged with the same numbers in the server's language.
    let claim = [0xff, 0xff, 0xff, 0x7f];
    for (lang, want) in [
        (
            "en",
            "header claims 2147483647 bytes, over the 67108864-byte frame limit",
        ),
        (
            "zh",
            "报头声明 2147483647 字节，超过了 67108864 字节的单帧上限",
        ),
    ] {
        let srv = common::lang::spawn_server_in(BIN, lang, &["server", "--addr", "127.0.0.1:0"]);
        let line = common::lang::server_error_in(&srv, lang, &claim);
        assert!(line.contains(want), "{lang}: {line}");
    }
}
