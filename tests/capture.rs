//! `demo --pcap FILE`: the demo's real packets, readable back as pcap, and
//! the demo's cross-checks against them. As root (or with CAP_NET_RAW) each
//! file is read back here, independently of the demo, and compared with the
//! numbers the demo's `--json` report gives; without that right the demo
//! must say so in one line, still pass, and report the cross-check as not
//! run — and these tests say SKIPPED.
//!
//! The committed captures in docs/captures/ are checked too: each parses,
//! and holds traffic on the port its README row names.
//!
//! Measured (2-core machine, seven other helpers building and testing),
//! this binary run from target/release/deps: 30 of 30 runs passed (load 18
//! falling to 5 as the others finished); in 4 of them the kernel dropped
//! packets (7 demos of 300, e.g. 798,519 of 1,320,069 offered on `lo`, other
//! programs' traffic) and those demos' comparisons said SKIPPED. Before,
//! with any drop failing the test: 18 of 19 (load 18-31); before
//! kit::capture's changes: 16 of 30. After the kit's sockets began to
//! report their ports to the capture (issue 16; the lab 03 and 06 checks
//! that skipped a missed hop now fail on one): 10 of 10 (load 7), none
//! SKIPPED.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;
use sticky_lab::kit::capture::{ack_waits, data_from, involving, parse, read_pcap, Packet};

fn demo_with_pcap(bin: &str, path: &Path, extra: &[&str]) -> Output {
    Command::new(bin)
        .args(["--color", "never", "demo", "--json", "--pcap"])
        .arg(path)
        .args(extra)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("the lab binary runs")
}

/// Runs a demo with `--pcap`; `None` (after saying SKIPPED) when this
/// machine does not allow capturing, else the report and the packets.
/// Every test here compares counts or bytes with the file, so they are
/// compared only when the kernel dropped nothing: a demo whose capture lost
/// packets says "capture lost N of M packets" once, and the test says
/// SKIPPED with that line.
fn captured_demo(bin: &str, name: &str, extra: &[&str]) -> Option<(Value, Vec<Packet>)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let out = demo_with_pcap(bin, &path, extra);
    let story = String::from_utf8_lossy(&out.stderr);
    // Exit 1 is a stage whose lesson was not reproduced this time (on a
    // machine loaded ten times over its cores, a timed stage can miss: lab
    // 03's round-trip count, lab 05's chaos cut). That is the demo's own
    // test's business (tests/labNN_*.rs); the capture is still checked
    // against whatever the report says happened, and a check that rests on
    // the lesson's outcome is skipped, by name, for that stage only
    // ([`reproduced`]). Anything else (exit 2: an error) fails here.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}: {story}",
        out.status
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    if story.contains("no capture written") {
        assert!(!path.exists());
        eprintln!(
            "SKIPPED: not allowed to capture here: {}",
            story
                .lines()
                .find(|l| l.contains("no capture"))
                .unwrap_or("")
        );
        return None;
    }
    assert!(story.contains("packets captured to"), "{story}");
    // The kernel counts what it dropped for the whole of `lo`, and other
    // programs' loopback traffic shares the capture's queue: beside seven
    // other builds and test runs one run was offered 264,076 packets while
    // lab 05's demo sent a few thousand, and 16,916 were dropped. That
    // cannot be made reliable from here, so the check narrows to what the
    // kernel guarantees: the drop is counted, the demo says so in one
    // line, and the counts below, which would blame the capture's holes on
    // the lesson, are not compared.
    let lost: Vec<&str> = story
        .lines()
        .filter(|l| l.contains("note: capture lost"))
        .collect();
    assert!(lost.len() <= 1, "one line, once: {lost:?}");
    if let Some(line) = lost.first() {
        eprintln!("SKIPPED the file's counts: {}", line.trim());
        return None;
    }
    Some((report, read_pcap(&path).unwrap()))
}

/// Whether the stage whose `data` (or its `wire`) has `key` reproduced the lesson; says
/// SKIPPED when not, for the checks that rest on its outcome.
fn reproduced(report: &Value, key: &str) -> bool {
    let stage = report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| !s["data"][key].is_null() || !s["data"]["wire"][key].is_null())
        .unwrap_or_else(|| panic!("no stage reports `{key}`"));
    let ok = stage["ok"] == true;
    if !ok {
        eprintln!(
            "SKIPPED the wire check of stage {} (the demo did not reproduce it this time: {})",
            stage["stage"], stage["observed"]
        );
    }
    ok
}

fn stage(report: &Value, n: usize) -> &Value {
    &report["stages"][n - 1]["data"]
}

/// The packets of the first TCP connection that used `port` (its two ports
/// as its SYN gave them), up to the next SYN between the same two ports.
/// The file covers the whole demo, and once a port is known to be the
/// demo's the capture keeps everything on it: a later socket given the same
/// ephemeral port, here or in another program, would mix in its bytes (seen
/// here: 640 bytes where one connection sent 400).
fn first_connection(packets: &[Packet], port: u16) -> Vec<Packet> {
    use sticky_lab::kit::capture::Segment;
    let is_syn = |f: u8| f & Segment::SYN != 0 && f & Segment::ACK == 0;
    let mut pair: Option<(u16, u16)> = None;
    let mut out = Vec::new();
    for p in packets {
        let Some(seg) = parse(&p.frame) else { continue };
        if !seg.tcp {
            continue;
        }
        let ports = (
            seg.src_port.min(seg.dst_port),
            seg.src_port.max(seg.dst_port),
        );
        match pair {
            None if is_syn(seg.flags) && (seg.src_port == port || seg.dst_port == port) => {
                pair = Some(ports);
            }
            Some(pr) if pr == ports && is_syn(seg.flags) => break,
            Some(pr) if pr == ports => {}
            _ => continue,
        }
        out.push(p.clone());
    }
    out
}

fn port(v: &Value) -> u16 {
    v.as_u64().expect("a port number") as u16
}

#[test]
fn lab01s_capture_holds_the_replies_it_reports_against_the_recv_sizes() {
    let Some((report, packets)) =
        captured_demo(env!("CARGO_BIN_EXE_lab01-naive-recv"), "lab01.pcap", &[])
    else {
        return;
    };
    let s2 = stage(&report, 2);
    if !reproduced(&report, "recv_sizes") {
        return;
    }
    let client = port(&s2["client_port"]);
    // The bytes the server sent to the lesson's client, read from the file.
    let reply: Vec<usize> = involving(&first_connection(&packets, client), client)
        .into_iter()
        .filter(|s| s.seg.dst_port == client && s.seg.payload_len > 0)
        .map(|s| s.seg.payload_len)
        .collect();
    let (help, ls) = (
        s2["help_len"].as_u64().unwrap() as usize,
        s2["ls_len"].as_u64().unwrap() as usize,
    );
    assert_eq!(reply.iter().sum::<usize>(), help + ls, "{reply:?}");
    assert_eq!(s2["wire"]["reply_segments"], serde_json::json!(reply));
    assert_eq!(s2["wire"]["agrees"], true);
    // help (over 1024 B) left in one segment; the lesson's recv(1024) cut it.
    assert!(reply[0] > 1024, "{reply:?}");
    assert_eq!(s2["recv_sizes"][0], 1024);
}

#[test]
fn lab02s_capture_counts_the_segments_tcp_info_counted_and_shows_the_held_acks() {
    let Some((report, packets)) = captured_demo(
        env!("CARGO_BIN_EXE_lab02-nagle"),
        "lab02.pcap",
        &["--writes", "40", "--rounds", "5"],
    ) else {
        return;
    };
    // Stage 1: for each sender, the data segments in the file after the
    // 6-byte hello equal TCP_INFO's tcpi_data_segs_out.
    let runs = stage(&report, 1)["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    for run in runs {
        let client = port(&run["client_port"]);
        let data = data_from(&first_connection(&packets, client), client);
        assert_eq!(data[0].seg.payload_len, 6, "the hello comes first");
        let tcp_info = run["data_segments"].as_u64().unwrap() as usize;
        assert_eq!(data.len() - 1, tcp_info, "{run}");
        // The stream's bytes, counted by sequence number: on a loaded
        // machine a segment is sometimes sent again (TCP_INFO counts the
        // resend too, and so does the file), so summing lengths could count
        // a byte twice (seen: 640 for 400, beside two CPU hogs).
        let burst = &data[1..];
        let start = burst[0].seg.seq;
        let end = burst
            .iter()
            .map(|s| {
                s.seg
                    .seq
                    .wrapping_add(s.seg.payload_len as u32)
                    .wrapping_sub(start)
            })
            .max()
            .unwrap_or(0);
        assert_eq!(end, 400, "{run}");
    }
    assert!(stage(&report, 1)["wire"]["bursts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["agrees"] == true));
    // Stage 2: with Nagle on and two writes, segments wait ≥ 20 ms for
    // their ACK (the delayed ACK); the data segments match TCP_INFO.
    let s2 = stage(&report, 2);
    let split = &s2["runs"][0];
    let client = port(&split["client_port"]);
    let waits: Vec<f64> = ack_waits(&first_connection(&packets, client), client)
        .into_iter()
        .skip(1)
        .filter_map(|(_, w)| w.map(|w| w.as_secs_f64() * 1e3))
        .collect();
    let held = waits.iter().filter(|&&ms| ms >= 20.0).count();
    let stalls = s2["stalls"][0].as_u64().unwrap() as usize;
    // The file agrees with the report: the stall was seen in both or in
    // neither (beside two CPU hogs one run in 30 had no stall at all: the
    // receiver, scheduled late, read and answered before the timer fired).
    assert_eq!(
        held >= 1,
        stalls >= 1,
        "{stalls} stalls reported; {waits:?}"
    );
    assert!(
        waits.iter().all(|&ms| ms < 500.0),
        "RFC 1122 bounds an ACK's delay at 0.5 s: {waits:?}"
    );
    assert_eq!(
        waits.len(),
        split["data_segments"].as_u64().unwrap() as usize
    );
    assert_eq!(s2["wire"]["runs"][0]["slow_acks"], held);
    // The kernel's machine-wide counter rose at least once when an ACK was
    // held (other programs only add to it).
    if held >= 1 {
        assert!(s2["delayed_acks"][0]["delayed_acks"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn lab06s_capture_shows_the_truncated_bytes_were_on_the_wire() {
    let Some((report, packets)) = captured_demo(
        env!("CARGO_BIN_EXE_lab06-udp-vs-tcp"),
        "lab06.pcap",
        &["--loss-count", "200", "--loss-runs", "1"],
    ) else {
        return;
    };
    let s2 = stage(&report, 2);
    if !reproduced(&report, "recvfrom_returned") {
        return;
    }
    let rx = port(&s2["wire"]["udp_port"]);
    let on_wire: Vec<usize> = involving(&packets, rx)
        .into_iter()
        .filter(|s| !s.seg.tcp && s.seg.dst_port == rx)
        .map(|s| s.seg.payload_len)
        .collect();
    // The file and the demo's report agree, whatever the capture kept. The
    // file runs to the end of the demo, and a later stage's socket may get
    // the same ephemeral port (the loss stage's 16-byte datagrams did once):
    // the report, taken at stage 2, must be the file's first datagrams.
    let reported = s2["wire"]["datagram_lengths"]
        .as_array()
        .map_or(0, |a| a.len());
    let on_wire: Vec<usize> = on_wire.into_iter().take(reported).collect();
    assert_eq!(s2["wire"]["datagram_lengths"], serde_json::json!(on_wire));
    assert_eq!(s2["wire"]["recvfrom_returned"], serde_json::json!([2, 2]));
    // The receiver's socket lives ~20 ms: the capture keeps it because the
    // kit's `bind_udp` reports its port, not because a look at /proc came
    // in time (issue 16: on a busy machine it used to be missed).
    assert_eq!(on_wire, [5, 5], "hello and world, whole, on the wire");
    assert_eq!(s2["wire"]["truncated_bytes_on_wire"], true);
}

/// Without `--pcap` the cross-check is reported as not run, and says why.
#[test]
fn without_pcap_the_cross_check_says_it_was_not_run() {
    let out = Command::new(env!("CARGO_BIN_EXE_lab06-udp-vs-tcp"))
        .args(["--color", "never", "demo", "--json"])
        .args(["--loss-count", "200", "--loss-runs", "1"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let wire = &stage(&report, 2)["wire"];
    assert_eq!(wire["captured"], false);
    assert!(wire["why"].as_str().unwrap().contains("--pcap"), "{wire}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("On the wire: not run"));
}

/// The README's table: `| [lab01.pcap](lab01.pcap) | lab01-naive-recv | 42731 | … |`.
fn committed_rows() -> Vec<(String, String, u16)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/captures");
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    readme
        .lines()
        .filter(|l| l.starts_with("| [lab"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let file = cells[1]
                .split_once("](")
                .and_then(|(_, r)| r.strip_suffix(')'))
                .unwrap()
                .to_string();
            (file, cells[2].to_string(), cells[3].parse().unwrap())
        })
        .collect()
}

#[test]
fn every_lab_has_a_committed_capture_that_parses_and_holds_its_port() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/captures");
    let rows = committed_rows();
    for lab in sticky_lab::harness::registry::LABS {
        assert!(
            rows.iter().any(|(_, name, _)| name == lab.binary),
            "no capture listed for {}",
            lab.binary
        );
    }
    for (file, lab, server_port) in rows {
        let path = dir.join(&file);
        let packets = read_pcap(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        let size = std::fs::metadata(&path).unwrap().len();
        assert!(size < 128 << 10, "{file} is {size} B: keep it small");
        let segs: Vec<_> = packets.iter().filter_map(|p| parse(&p.frame)).collect();
        assert_eq!(segs.len(), packets.len(), "{file}: only TCP/UDP over IP");
        let to_server = segs
            .iter()
            .filter(|s| s.dst_port == server_port && s.payload_len > 0)
            .count();
        assert!(
            to_server > 0,
            "{file} ({lab}): no data to port {server_port}"
        );
    }
}

/// `sticky proxy --pcap`: both hops of a proxied exchange are in the file,
/// rewritten when the connection closes.
#[test]
fn sticky_proxy_captures_both_hops() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = server.local_addr().unwrap();
    let answer = std::thread::spawn(move || {
        let (mut s, _) = server.accept().unwrap();
        s.write_all(b"hello, both hops").unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("proxy.pcap");
    let to = upstream.to_string();
    let p = path.to_str().unwrap();
    let proxy = common::spawn_server(
        env!("CARGO_BIN_EXE_sticky"),
        &["proxy", "--listen", "127.0.0.1:0", "--to", &to, "--pcap", p],
    );
    let mut c = TcpStream::connect(proxy.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut got = Vec::new();
    c.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"hello, both hops");
    answer.join().unwrap();
    drop(c);
    // Wait for the proxy's word that it wrote the file (or that it may not).
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut said = String::new();
    // The file is rewritten as each direction closes: wait until it holds
    // both hops' bytes (or the deadline).
    let both_hops_in_file = || {
        read_pcap(&path).is_ok_and(|packets| {
            let carried = |port: u16| -> usize {
                packets
                    .iter()
                    .filter_map(|p| parse(&p.frame))
                    .filter(|s| s.src_port == port)
                    .map(|s| s.payload_len)
                    .sum()
            };
            carried(proxy.addr.port()) == 16 && carried(upstream.port()) == 16
        })
    };
    while Instant::now() < deadline && !(said.contains("captured to") && both_hops_in_file()) {
        if let Ok(l) = proxy.stderr_lines.recv_timeout(Duration::from_millis(200)) {
            if l.contains("no capture written") {
                eprintln!("SKIPPED: not allowed to capture here: {l}");
                return;
            }
            said.push_str(&l);
            said.push('\n');
        }
    }
    assert!(said.contains("captured to"), "{said}");
    let packets = read_pcap(&path).unwrap();
    let from = |port: u16| -> usize {
        packets
            .iter()
            .filter_map(|p| parse(&p.frame))
            .filter(|s| s.src_port == port)
            .map(|s| s.payload_len)
            .sum()
    };
    // The client's hop (the proxy's listening port) carried all 16 bytes.
    assert_eq!(from(proxy.addr.port()), 16);
    // The server's hop: its socket lives a few milliseconds, but the proxy
    // told the capture to watch the server's port, so it is kept.
    assert_eq!(from(upstream.port()), 16);
}

/// One TCP connection as the file shows it, rebuilt from its segments the
/// way the receiving kernel rebuilds it: each direction's bytes placed by
/// sequence number (a segment sent again lands on the same bytes), and the
/// times that say who waited for whom.
#[derive(Debug, Default)]
struct Conversation {
    /// The port that sent the SYN (the client) and the one it went to.
    client: u16,
    server: u16,
    /// When the client's ACK of the SYN-ACK passed: the handshake is done
    /// and the client's `connect()` has returned, whatever the server's
    /// program is doing (the kernel answers the SYN, not `accept()`).
    established: Option<Duration>,
    to_server: Flow,
    to_client: Flow,
}

/// One direction of a conversation.
#[derive(Debug, Default)]
struct Flow {
    /// The initial sequence number (from the SYN or SYN-ACK).
    isn: Option<u32>,
    /// The stream's bytes, by offset from the first data byte.
    bytes: Vec<u8>,
    /// Every data segment as it passed: (time, offset, length), resends too.
    segments: Vec<(Duration, usize, usize)>,
}

impl Flow {
    /// Every byte up to the last one seen is in the file: no segment went
    /// missing from the capture.
    fn whole(&self) -> bool {
        let mut spans: Vec<(usize, usize)> = self.segments.iter().map(|s| (s.1, s.2)).collect();
        spans.sort_unstable();
        let mut end = 0;
        for (offset, len) in spans {
            if offset > end {
                return false;
            }
            end = end.max(offset + len);
        }
        end == self.bytes.len()
    }

    /// When the byte at `offset` first passed on the wire.
    fn sent_at(&self, offset: usize) -> Option<Duration> {
        self.segments
            .iter()
            .filter(|(_, o, n)| (*o..o + n).contains(&offset))
            .map(|(at, _, _)| *at)
            .min()
    }
}

/// Whether a conversation is whole in the file, so its bytes can be
/// checked. [`captured_demo`] has made sure the kernel dropped nothing, so
/// a hole here is the capture's own (a packet read but not kept).
fn whole(c: &Conversation, what: &str) {
    assert!(
        c.to_server.whole() && c.to_client.whole(),
        "{what}: a hole in the file though the kernel dropped nothing"
    );
}

/// The bytes a TCP segment carries: the IP header's length, less the
/// headers (the files the tests write keep whole packets).
fn tcp_payload(frame: &[u8], payload_len: usize) -> &[u8] {
    let ip_end = match u16::from_be_bytes([frame[12], frame[13]]) {
        0x0800 => 14 + u16::from_be_bytes([frame[16], frame[17]]) as usize,
        _ => 14 + 40 + u16::from_be_bytes([frame[18], frame[19]]) as usize,
    };
    assert!(frame.len() >= ip_end, "a packet cut short in the file");
    &frame[ip_end - payload_len..ip_end]
}

/// Every TCP connection in the file, in the order of their SYNs. A later
/// SYN between the same two ports starts a new conversation (port reuse).
fn conversations(packets: &[Packet]) -> Vec<Conversation> {
    use std::collections::HashMap;
    use sticky_lab::kit::capture::Segment;
    let mut out: Vec<Conversation> = Vec::new();
    let mut open: HashMap<(u16, u16), usize> = HashMap::new();
    for p in packets {
        let Some(seg) = parse(&p.frame) else { continue };
        if !seg.tcp {
            continue;
        }
        let pair = (
            seg.src_port.min(seg.dst_port),
            seg.src_port.max(seg.dst_port),
        );
        let syn = seg.flags & Segment::SYN != 0;
        let ack = seg.flags & Segment::ACK != 0;
        if syn && !ack {
            open.insert(pair, out.len());
            out.push(Conversation {
                client: seg.src_port,
                server: seg.dst_port,
                to_server: Flow {
                    isn: Some(seg.seq),
                    ..Flow::default()
                },
                ..Conversation::default()
            });
            continue;
        }
        let Some(&i) = open.get(&pair) else { continue };
        let c = &mut out[i];
        let from_client = seg.src_port == c.client;
        if syn && !from_client {
            c.to_client.isn = Some(seg.seq);
            continue;
        }
        if from_client && ack && c.established.is_none() {
            if let Some(isn) = c.to_client.isn {
                if seg.ack == isn.wrapping_add(1) {
                    c.established = Some(p.at);
                }
            }
        }
        if seg.payload_len == 0 {
            continue;
        }
        let flow = if from_client {
            &mut c.to_server
        } else {
            &mut c.to_client
        };
        let Some(isn) = flow.isn else { continue };
        let offset = seg.seq.wrapping_sub(isn.wrapping_add(1)) as usize;
        let data = tcp_payload(&p.frame, seg.payload_len);
        if flow.bytes.len() < offset + data.len() {
            flow.bytes.resize(offset + data.len(), 0);
        }
        flow.bytes[offset..offset + data.len()].copy_from_slice(data);
        flow.segments.push((p.at, offset, data.len()));
    }
    out
}

/// The first stage whose `data` has `key`: stages are found by what they
/// measured, not by number, so a stage added before them moves nothing.
fn stage_with<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["data"])
        .find(|d| !d[key].is_null())
        .unwrap_or_else(|| panic!("no stage reports `{key}`"))
}

fn text_of(v: &Value) -> &str {
    v.as_str().expect("a string")
}

fn count(v: &Value) -> usize {
    v.as_u64().expect("a count") as usize
}

/// Space-separated hex bytes, as the reports print a header: "41 00 00 00".
fn hex_bytes(v: &Value) -> Vec<u8> {
    text_of(v)
        .split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).expect("a hex byte"))
        .collect()
}

#[test]
fn lab03s_capture_holds_each_length_text_the_ok_and_a_body_of_that_length() {
    let Some((report, packets)) = captured_demo(
        env!("CARGO_BIN_EXE_lab03-length-ack"),
        "lab03.pcap",
        &["--rounds", "3"],
    ) else {
        return;
    };
    let convs = conversations(&packets);
    // Stage 1, on loopback: the client sends a command, the server its
    // length as text, the client `ok`, the server the reply.
    if !reproduced(&report, "replies") {
        return;
    }
    let replies = stage_with(&report, "replies")["replies"]
        .as_array()
        .unwrap();
    let first_cmd = text_of(&replies[0]["cmd"]).as_bytes();
    let c = convs
        .iter()
        .find(|c| c.to_server.bytes.starts_with(first_cmd))
        .expect("stage 1's connection is in the file");
    whole(c, "stage 1");
    let (up, down) = (&c.to_server, &c.to_client);
    let (mut at_up, mut at_down) = (0, 0);
    for r in replies {
        let cmd = text_of(&r["cmd"]).as_bytes();
        let length_text = text_of(&r["length_text"]).as_bytes();
        let got = count(&r["got"]);
        assert_eq!(&up.bytes[at_up..at_up + cmd.len()], cmd, "{r}");
        at_up += cmd.len();
        assert_eq!(&up.bytes[at_up..at_up + 2], b"ok", "{r}");
        let ok_at = up.sent_at(at_up).unwrap();
        at_up += 2;
        assert_eq!(
            &down.bytes[at_down..at_down + length_text.len()],
            length_text,
            "{r}"
        );
        at_down += length_text.len();
        // The server waits for the ok before the body: causality, so the
        // kernel's arrival times keep this order even on a busy machine.
        let body_at = down.sent_at(at_down).expect("the body is on the wire");
        assert!(ok_at <= body_at, "{r}: the body left before the ok came");
        assert_eq!(count(&r["want"]), got, "{r}");
        at_down += got;
    }
    // Nothing else passed: each body's bytes on the wire are exactly the
    // length its text announced and the report's `got`.
    assert_eq!(
        at_up,
        up.bytes.len(),
        "client sent more than the report says"
    );
    assert_eq!(
        at_down,
        down.bytes.len(),
        "server sent more than the report says"
    );

    // Stage 3: the length text itself was cut. The lesson's first recv()
    // returned `length_text` ("12"), so no more than that had arrived: the
    // chaos proxy's first segment on the client's hop is that short, and the
    // stream goes on with the rest of the true length ("1234").
    if !reproduced(&report, "believed") {
        return;
    }
    let s3 = stage_with(&report, "believed");
    let true_text = s3["true_length"].to_string();
    let believed = text_of(&s3["length_text"]).as_bytes();
    let carrying: Vec<&Conversation> = convs
        .iter()
        .filter(|c| c.to_client.bytes.starts_with(true_text.as_bytes()))
        .collect();
    // The lesson's run and the fix's each cross two hops (client ↔ proxy ↔
    // server). A hop lives ~50 ms; the kit's `listen` and `connect` report
    // its ports to the capture, so none is missed (issue 16: a look at
    // /proc alone came too late on a busy machine).
    assert!(
        carrying.len() >= 4,
        "{} of stage 3's 4 hops are in the file",
        carrying.len()
    );
    let cut = carrying
        .iter()
        .map(|c| c.to_client.segments[0].2)
        .min()
        .expect("the length text is on the wire");
    assert!(cut <= believed.len(), "{s3}: first segment {cut} B");
}

#[test]
fn lab04s_capture_holds_headers_equal_to_the_reported_lengths_in_the_reported_order() {
    let Some((report, packets)) =
        captured_demo(env!("CARGO_BIN_EXE_lab04-struct-header"), "lab04.pcap", &[])
    else {
        return;
    };
    let convs = conversations(&packets);
    // The byte order the report names: stage 3 gives a header's bytes and
    // the length they mean read little-endian (the lesson's struct 'i' on
    // x86 and ARM) and big-endian.
    let s3 = stage_with(&report, "little");
    let sample: [u8; 4] = hex_bytes(&s3["header"]).try_into().unwrap();
    assert_eq!(
        u32::from_le_bytes(sample) as u64,
        s3["little"].as_u64().unwrap()
    );
    assert_eq!(
        u32::from_be_bytes(sample) as u64,
        s3["big"].as_u64().unwrap()
    );
    let header = |b: &[u8]| u32::from_le_bytes(b[..4].try_into().unwrap()) as usize;

    // Stage 1: the replies, header then data, end to end on one connection.
    if !reproduced(&report, "replies") {
        return;
    }
    let replies = stage_with(&report, "replies")["replies"]
        .as_array()
        .unwrap();
    let first_cmd = text_of(&replies[0]["cmd"]).as_bytes();
    let c = convs
        .iter()
        .find(|c| c.to_server.bytes.get(4..4 + first_cmd.len()) == Some(first_cmd))
        .expect("stage 1's connection is in the file");
    whole(c, "stage 1");
    let down = &c.to_client.bytes;
    let mut at = 0;
    for r in replies {
        let len = count(&r["len"]);
        assert_eq!(header(&down[at..]), len, "{r}: the header on the wire");
        assert_eq!(count(&r["got"]), len, "{r}");
        at += 4 + len;
    }
    assert_eq!(at, down.len(), "the headers and data tile the stream");

    // Stage 2: the lesson's client read a header, then ONE recv(n) of
    // `one_recv` bytes; the 4 bytes it took for the next header are the
    // data's, at offset 4 + one_recv of its hop.
    if !reproduced(&report, "next_header") {
        return;
    }
    let s2 = stage_with(&report, "next_header");
    let want = count(&s2["want"]);
    let one = count(&s2["one_recv"]);
    let next = hex_bytes(&s2["next_header"]);
    // The client's hop is the first connection to carry that reply (the
    // client connects to the proxy before the proxy connects onward).
    let hop = convs
        .iter()
        .find(|c| c.to_client.bytes.len() >= 4 && header(&c.to_client.bytes) == want)
        .expect("stage 2's reply is on the wire");
    assert_eq!(
        hop.to_client.bytes.get(4 + one..8 + one),
        Some(&next[..]),
        "{s2}"
    );
}

#[test]
fn lab05s_capture_holds_header_length_json_header_and_body_as_reported() {
    let Some((report, packets)) = captured_demo(
        env!("CARGO_BIN_EXE_lab05-json-header"),
        "lab05.pcap",
        &["--file-size", "4096"],
    ) else {
        return;
    };
    let convs = conversations(&packets);
    if !reproduced(&report, "body_len") {
        return;
    }
    let s1 = stage_with(&report, "body_len");
    let header_len = count(&s1["header_len"]);
    let body_len = count(&s1["body_len"]);
    // Stage 1's reply: a 4-byte header length (struct 'i', little-endian
    // here), the JSON header, the body, and nothing else.
    let c = convs
        .iter()
        .find(|c| !c.to_client.bytes.is_empty())
        .expect("stage 1's connection is in the file");
    whole(c, "stage 1");
    let down = &c.to_client.bytes;
    assert_eq!(
        u32::from_le_bytes(down[..4].try_into().unwrap()) as usize,
        header_len
    );
    let json: Value = serde_json::from_slice(&down[4..4 + header_len])
        .expect("the JSON header on the wire parses");
    assert_eq!(
        json, s1["header"],
        "the header on the wire is the reported one"
    );
    assert_eq!(count(&json["total_size"]), body_len);
    assert_eq!(
        down.len(),
        4 + header_len + body_len,
        "nothing more followed"
    );

    // Stage 2: the lesson's client, through the chaos proxy, did recv(4)
    // then ONE recv(header_len), which returned `recv_header` bytes: no more
    // had arrived, so the first segment on its hop is at most that, and the
    // header took more than one segment.
    if !reproduced(&report, "recv_header") {
        return;
    }
    let s2 = stage_with(&report, "recv_header");
    let (recv4, got) = (count(&s2["recv4"]), count(&s2["recv_header"]));
    assert!(got < header_len, "{s2}");
    // The client's hop is the next connection to carry that reply (the
    // client connects to the proxy before the proxy connects onward).
    let stage1 = convs.iter().position(|x| std::ptr::eq(x, c)).unwrap();
    let hop = convs[stage1 + 1..]
        .iter()
        .find(|c| c.to_client.bytes.starts_with(&down[..4]))
        .expect("stage 2's reply is on the wire");
    assert!(hop.to_client.segments[0].2 <= recv4 + got, "{s2}");
}

#[test]
fn lab07s_capture_counts_one_connection_per_client_and_shows_the_waiting_handshakes() {
    let Some((report, packets)) =
        captured_demo(env!("CARGO_BIN_EXE_lab07-concurrency"), "lab07.pcap", &[])
    else {
        return;
    };
    let convs = conversations(&packets);
    // Each timed client sends "hello from client i" once. The k-th stage
    // that timed clients ran its own server: the k-th server port whose
    // connections carry "hello from client 0".
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    let mut servers: Vec<u16> = Vec::new();
    for c in &convs {
        if contains(&c.to_server.bytes, b"hello from client 0") && !servers.contains(&c.server) {
            servers.push(c.server);
        }
    }
    let timed: Vec<&Value> = report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["data"]["clients"][0]["connected_ms"].is_number())
        .collect();
    assert_eq!(servers.len(), timed.len(), "one server per timed stage");
    for (stage, server) in timed.iter().zip(&servers) {
        let data = &stage["data"];
        // The waits are the lesson's timing claim: compared with the file
        // only where the demo saw them (a stage that missed says why).
        let timing_held = stage["ok"] == true;
        if !timing_held {
            eprintln!(
                "SKIPPED stage {}'s waits on the wire (not reproduced this time: {})",
                stage["stage"], stage["observed"]
            );
        }
        let clients = data["clients"].as_array().unwrap();
        let at_server: Vec<&Conversation> = convs.iter().filter(|c| c.server == *server).collect();
        // One connection (one SYN) per client the report counts; the one
        // more that carries nothing is the server's own stop, a connect
        // that wakes its accept() (kit::server::Background).
        let talking: Vec<&&Conversation> = at_server
            .iter()
            .filter(|c| !c.to_server.bytes.is_empty())
            .collect();
        assert_eq!(talking.len(), clients.len(), "{data}");
        assert!(at_server.len() <= clients.len() + 1, "{data}");
        let cap = data["cap"].as_u64().map(|c| c as usize);
        for t in clients {
            let i = count(&t["client"]);
            let hello = format!("hello from client {i}");
            let c = talking
                .iter()
                .find(|c| contains(&c.to_server.bytes, hello.as_bytes()))
                .unwrap_or_else(|| panic!("client {i} is not on the wire"));
            let established = c.established.expect("the handshake completed");
            let replied = c.to_client.segments.first().expect("a reply").0;
            assert!(established <= replied, "client {i}: {t}");
            // Over the cap, the kernel completed the handshake and the
            // client waited, connected, for the reply: the file shows most
            // of the wait the client measured (a client scheduled late only
            // adds to its own number).
            if timing_held && cap.is_some_and(|cap| i >= cap) {
                let measured =
                    t["replied_ms"].as_f64().unwrap() - t["connected_ms"].as_f64().unwrap();
                let on_wire = (replied - established).as_secs_f64() * 1e3;
                assert!(measured > data["hold_ms"].as_f64().unwrap() / 4.0, "{t}");
                assert!(
                    on_wire >= measured / 2.0,
                    "client {i}: {on_wire:.1} ms on the wire, {t}"
                );
            }
        }
    }
    // The last stage's many clients: one connection each, and every
    // message it says was sent is a frame on the wire.
    let many = stage_with(&report, "messages_per_sec");
    let clients = many["clients"].as_array().unwrap();
    for t in clients {
        let i = count(&t["client"]);
        let mark = format!("c{i}m0:");
        let mine: Vec<&Conversation> = convs
            .iter()
            .filter(|c| c.to_server.bytes.get(4..4 + mark.len()) == Some(mark.as_bytes()))
            .collect();
        assert_eq!(mine.len(), 1, "client {i}: connections on the wire");
        // ~30,000 packets in half a second: the capture keeps up (or the
        // kernel's drop count failed the test above).
        whole(mine[0], &format!("client {i}"));
        let mut frames = 0;
        let mut at = 0;
        let up = &mine[0].to_server.bytes;
        while at + 4 <= up.len() {
            at += 4 + u32::from_le_bytes(up[at..at + 4].try_into().unwrap()) as usize;
            frames += 1;
        }
        assert_eq!(at, up.len(), "client {i}: frames tile its stream");
        assert_eq!(frames, count(&t["delivery"]["sent"]), "client {i}");
    }
}

/// The four ports of each short exchange below: (client, server).
type Pairs = Vec<(u16, u16)>;

/// Starts a capture in this process; `None` (after saying SKIPPED) when
/// this machine does not allow it.
fn capture_here() -> Option<sticky_lab::kit::capture::Capture> {
    match sticky_lab::kit::capture::Capture::start() {
        Ok(c) => Some(c),
        Err(e) => {
            eprintln!("SKIPPED: cannot capture here: {e}");
            None
        }
    }
}

/// Stops `cap` and returns its packets; `None` (after saying SKIPPED) when
/// the kernel dropped some: a missing packet would then prove nothing.
fn finished(cap: sticky_lab::kit::capture::Capture) -> Option<Vec<Packet>> {
    let (packets, not_kept, lost) = cap.finish_counted();
    assert_eq!(not_kept, 0, "the capture's memory budget is far away");
    if lost.any() {
        eprintln!(
            "SKIPPED the file's counts: capture lost {} of {} packets",
            lost.dropped, lost.offered
        );
        return None;
    }
    Some(packets)
}

/// A connection that lives a millisecond or two (a fresh server's
/// listener, one connect, five bytes, a close on each side, the listener
/// closed at once) is in the capture whole: its SYN, its data and both
/// FINs. The capture used to learn this process's ports only by looking in
/// `/proc`, and a socket this short had closed before it looked (issue 16):
/// on that code this test failed 20 of 20 runs (each missing most of the
/// ten connections); the kit's `listen` and `connect` now report their
/// ports to the capture as they make them.
#[test]
fn a_connection_of_a_few_milliseconds_is_captured_with_its_syn_and_fins() {
    use sticky_lab::kit::capture::Segment;
    use sticky_lab::kit::sock;
    let Some(cap) = capture_here() else { return };
    let mut pairs: Pairs = Vec::new();
    for _ in 0..10 {
        let listener = sock::listen("127.0.0.1:0".parse().unwrap()).unwrap();
        let server = listener.local_addr().unwrap();
        let mut client = sock::connect(server).unwrap();
        let (mut conn, _) = listener.accept().unwrap();
        drop(listener);
        pairs.push((client.local_addr().unwrap().port(), server.port()));
        client.write_all(b"short").unwrap();
        let mut got = [0u8; 5];
        conn.read_exact(&mut got).unwrap();
        drop(client);
        // The client's FIN: read() returns 0; then the server's own FIN.
        assert_eq!(conn.read(&mut got).unwrap(), 0);
        drop(conn);
    }
    let Some(packets) = finished(cap) else { return };
    let mut missing = Vec::new();
    for (c, s) in &pairs {
        let segs: Vec<Segment> = packets
            .iter()
            .filter_map(|p| parse(&p.frame))
            .filter(|g| {
                g.tcp && [(g.src_port, g.dst_port), (g.dst_port, g.src_port)].contains(&(*c, *s))
            })
            .collect();
        let from = |a: u16, flag: u8| segs.iter().any(|g| g.src_port == a && g.flags & flag != 0);
        let syn = segs
            .iter()
            .any(|g| g.src_port == *c && g.flags == Segment::SYN);
        let data = segs.iter().any(|g| g.src_port == *c && g.payload_len == 5);
        if !(syn && data && from(*c, Segment::FIN) && from(*s, Segment::FIN)) {
            missing.push(format!("{c}→{s}: {} packets", segs.len()));
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} connections not captured whole: {missing:?}",
        missing.len(),
        pairs.len()
    );
}

/// The same for datagrams: two UDP sockets that live a millisecond, three
/// datagrams between them, then both closed: all three are in the capture.
/// With `std::net::UdpSocket::bind` in place of the kit's `bind_udp` (the
/// `/proc` look alone) this failed 20 of 20 runs.
#[test]
fn datagrams_of_sockets_that_live_a_millisecond_are_captured() {
    use sticky_lab::kit::sock;
    let Some(cap) = capture_here() else { return };
    let mut pairs: Pairs = Vec::new();
    for _ in 0..10 {
        let rx = sock::bind_udp("127.0.0.1:0".parse().unwrap()).unwrap();
        let tx = sock::bind_udp("127.0.0.1:0".parse().unwrap()).unwrap();
        let to = rx.local_addr().unwrap();
        for _ in 0..3 {
            tx.send_to(b"dgram", to).unwrap();
        }
        pairs.push((tx.local_addr().unwrap().port(), to.port()));
    }
    let Some(packets) = finished(cap) else { return };
    let mut missing = Vec::new();
    for (from, to) in &pairs {
        let n = packets
            .iter()
            .filter_map(|p| parse(&p.frame))
            .filter(|g| !g.tcp && g.src_port == *from && g.dst_port == *to && g.payload_len == 5)
            .count();
        if n != 3 {
            missing.push(format!("{from}→{to}: {n} of 3"));
        }
    }
    assert!(missing.is_empty(), "datagrams not captured: {missing:?}");
}
