//! `sticky check` for lab 06 (UDP) and lab 07 (the echo, served to many):
//! the lessons' programs FAIL named cases, the fixed ones PASS, and our own
//! binaries run wrongly (a short buffer, one client at a time) fail too —
//! a checker that cannot fail is a defect.

mod common;

use common::check::{
    assert_all_pass, assert_fails, assert_says, cases, check, edited_copy, failure, py,
};
use common::python3_available;

/// The lesson's UDP client, printing the reply's bytes (it prints the
/// `(data, addr)` tuple) — its recvfrom(1024) unchanged.
const LAB06_PRINT: (&str, &str) = (
    "print(res, flush=True)",
    "sys.stdout.buffer.write(res[0] + b'\\n'); sys.stdout.flush()",
);

// ───────────── lab 06: UDP ─────────────

#[test]
fn the_lessons_udp_client_fails_reply_over_buffer_its_recvfrom_1024_cuts_the_reply() {
    if !python3_available("the_lessons_udp_client_fails_reply_over_buffer") {
        return;
    }
    let (_d, cmd) = edited_copy("lesson", "lab06_udp_client.py", &[LAB06_PRINT]);
    let client = format!("{cmd} {{port}}");
    let report = assert_fails(
        &["lab06", "--client", &client, "--seeds", "3"],
        &["reply-over-buffer", "near-limit"],
        "boundaries",
    );
    let f = failure(&report, "reply-over-buffer");
    assert_eq!(f["at_byte"], 1024, "{f:#}");
    assert_says(f, "hint", "65535");
    // It passes what it does right: an empty line is an empty datagram.
    assert!(cases(&report, "pass").contains(&"empty-datagram".to_string()));
}

#[test]
fn a_udp_client_without_a_timeout_fails_reply_lost_and_is_killed() {
    if !python3_available("a_udp_client_without_a_timeout_fails_reply_lost") {
        return;
    }
    let (_d, cmd) = edited_copy(
        "lesson",
        "lab06_udp_client.py",
        &[LAB06_PRINT, ("client.settimeout(5)\n", "")],
    );
    let client = format!("{cmd} {{port}}");
    let (code, report, err) = check(&[
        "lab06",
        "--client",
        &client,
        "--case",
        "reply-lost",
        "--seeds",
        "1",
    ]);
    assert_eq!(code, 1, "{report:#}\n{err}");
    assert_says(failure(&report, "reply-lost"), "message", "still waiting");
    // With its timeout, the lesson's client reports the loss (a traceback
    // on stderr, exit 1): that passes.
    let (_d, cmd) = edited_copy("lesson", "lab06_udp_client.py", &[LAB06_PRINT]);
    let client = format!("{cmd} {{port}}");
    let (code, report, err) = check(&[
        "lab06",
        "--client",
        &client,
        "--case",
        "reply-lost",
        "--seeds",
        "1",
    ]);
    assert_eq!(code, 0, "{report:#}\n{err}");
}

#[test]
fn the_lessons_udp_server_fails_near_limit_socketserver_reads_8192_bytes() {
    if !python3_available("the_lessons_udp_server_fails_near_limit") {
        return;
    }
    let server = format!("{} {{port}}", py("lesson", "lab06_udp_server.py"));
    let report = assert_fails(
        &["lab06", "--server", &server, "--seeds", "3"],
        &["near-limit"],
        "boundaries",
    );
    let f = failure(&report, "near-limit");
    assert_says(f, "message", "8192-byte reply");
}

#[test]
fn the_fixed_udp_client_and_server_pass() {
    if !python3_available("the_fixed_udp_client_and_server_pass") {
        return;
    }
    let client = format!("{} {{host}} {{port}}", py("fixed", "lab06_client.py"));
    assert_all_pass(&["lab06", "--client", &client, "--seeds", "3"]);
    let server = format!("{} {{port}}", py("fixed", "lab06_server.py"));
    assert_all_pass(&["lab06", "--server", &server, "--seeds", "3"]);
}

#[test]
fn our_udp_server_fails_with_the_lessons_1024_buffer_and_passes_with_65535() {
    let bin = env!("CARGO_BIN_EXE_lab06-udp-vs-tcp");
    let short = format!("{bin} server --addr 127.0.0.1:{{port}}");
    assert_fails(
        &["6", "--server", &short, "--seeds", "3"],
        &["over-1024", "near-limit"],
        "empty-datagram",
    );
    let whole = format!("{bin} server --addr 127.0.0.1:{{port}} --bufsize 65535");
    assert_all_pass(&["6", "--server", &whole, "--seeds", "3"]);
}

#[test]
fn a_udp_client_that_never_sends_is_a_setup_error() {
    let (code, _, err) = check(&["lab06", "--client", "true {host} {port}"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("never sent a datagram"), "{err}");
    let (code, _, err) = check(&["lab06", "--server", "sh -c 'exit 3' {port}"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("exited"), "{err}");
}

// ───────────── lab 07: the echo, many clients ─────────────

#[test]
fn the_lessons_echo_client_fails_over_1024_its_one_recv_1024_is_not_one_reply() {
    if !python3_available("the_lessons_echo_client_fails_over_1024") {
        return;
    }
    let client = format!("{} {{port}}", py("lesson", "lab07_client.py"));
    let report = assert_fails(
        &["lab07", "--client", &client, "--seeds", "3"],
        &["over-1024", "short-reply", "every-byte"],
        "glued",
    );
    let f = failure(&report, "over-1024");
    assert_says(f, "chunk_view", "piece #1");
}

#[test]
fn the_fixed_echo_client_and_server_pass_in_both_formats() {
    if !python3_available("the_fixed_echo_client_and_server_pass") {
        return;
    }
    let client = format!("{} {{host}} {{port}}", py("fixed", "lab07_client.py"));
    assert_all_pass(&["lab07", "--client", &client, "--seeds", "3"]);
    let framed = format!("{client} --framed");
    assert_all_pass(&[
        "lab07", "--client", &framed, "--compat", "ours", "--seeds", "3",
    ]);
    let server = format!("{} {{port}}", py("fixed", "lab07_server.py"));
    assert_all_pass(&["lab07", "--server", &server, "--seeds", "3"]);
    let framed = format!("{server} --framed");
    assert_all_pass(&[
        "lab07", "--server", &framed, "--compat", "ours", "--seeds", "3",
    ]);
}

#[test]
fn the_sequential_server_fails_second_client_idle_and_the_threaded_one_passes() {
    let bin = env!("CARGO_BIN_EXE_lab07-concurrency");
    let seq = format!("{bin} server --mode sequential --compat lesson --addr 127.0.0.1:{{port}}");
    let report = assert_fails(
        &["lab07", "--server", &seq, "--seeds", "2"],
        &["second-client-idle"],
        "over-1024",
    );
    let f = failure(&report, "second-client-idle");
    assert_says(f, "message", "while the first was connected and idle");
    let threaded =
        format!("{bin} server --mode threaded --compat lesson --addr 127.0.0.1:{{port}}");
    assert_all_pass(&["lab07", "--server", &threaded, "--seeds", "2"]);
}

#[test]
fn the_lessons_threaded_echo_server_passes_second_client_idle() {
    if !python3_available("the_lessons_threaded_echo_server_passes") {
        return;
    }
    let server = format!("{} {{port}}", py("lesson", "lab07_server.py"));
    let (code, report, err) =
        check(&["lab07", "--server", &server, "--case", "second-client-idle"]);
    assert_eq!(code, 0, "{report:#}\n{err}");
}

#[test]
fn in_our_format_every_request_is_cut_so_one_recv4_for_the_header_fails_short_reply() {
    if !python3_available("in_our_format_every_request_is_cut") {
        return;
    }
    // The fixed framed server with its header read made the lesson's way.
    let (_d, cmd) = edited_copy(
        "fixed",
        "lab07_server.py",
        &[(
            "struct.unpack('<I', recv_exact(conn, 4))",
            "struct.unpack('<I', conn.recv(4))",
        )],
    );
    let server = format!("{cmd} {{port}} --framed");
    let report = assert_fails(
        &[
            "lab07", "--server", &server, "--compat", "ours", "--seeds", "5",
        ],
        &["short-reply", "every-byte"],
        "requests-glued",
    );
    let what = report["cases"][0]["what"].as_str().unwrap_or("");
    assert!(what.contains("requests cut"), "{report:#}");
}

#[test]
fn a_server_that_upper_cases_text_not_bytes_fails_utf8() {
    if !python3_available("a_server_that_upper_cases_text_fails_utf8") {
        return;
    }
    let (_d, cmd) = edited_copy(
        "fixed",
        "lab07_server.py",
        &[(
            "conn.sendall(data.upper())",
            "conn.sendall(data.decode('utf-8', 'replace').upper().encode())",
        )],
    );
    let server = format!("{cmd} {{port}}");
    assert_fails(
        &["lab07", "--server", &server, "--seeds", "2"],
        &["utf8"],
        "short-reply",
    );
}
