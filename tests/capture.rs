//! `demo --pcap FILE`: the demo's real packets, readable back as pcap. As
//! root (or with CAP_NET_RAW) the file must hold the demo's exchange; without
//! that right the demo must say so in one line and still pass.

use std::process::Command;

use sticky_lab::kit::capture::{parse, read_pcap};

fn demo_with_pcap(bin: &str, path: &std::path::Path) -> std::process::Output {
    Command::new(bin)
        .args(["--color", "never", "demo", "--json", "--pcap"])
        .arg(path)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("the lab binary runs")
}

#[test]
fn lab01s_capture_holds_the_commands_and_replies_it_reports() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lab01.pcap");
    let out = demo_with_pcap(env!("CARGO_BIN_EXE_lab01-naive-recv"), &path);
    let story = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{story}");
    if story.contains("no capture written") {
        assert!(!path.exists());
        eprintln!(
            "SKIPPED: not allowed to capture here: {}",
            story
                .lines()
                .find(|l| l.contains("no capture"))
                .unwrap_or("")
        );
        return;
    }
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packets = read_pcap(&path).unwrap();
    let segs: Vec<_> = packets.iter().filter_map(|p| parse(&p.frame)).collect();
    // Every connection's handshake is there, and the data: the `help` reply
    // alone is over 1024 bytes, so the payload on the wire must exceed the
    // bytes of the report's first stage (`ls`).
    assert!(
        segs.iter().any(|s| s.tcp && s.flags == 0x02),
        "no SYN in {} packets",
        segs.len()
    );
    let payload: usize = segs.iter().map(|s| s.payload_len).sum();
    let first_reply = report["stages"][0]["data"]["sent"].as_u64().unwrap_or(0) as usize;
    assert!(
        first_reply > 0 && payload > first_reply + 1024,
        "{payload} B on the wire"
    );
    assert!(story.contains("packets captured to"), "{story}");
}
