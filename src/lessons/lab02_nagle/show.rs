//! Showing it: short forms of sizes and durations, and what the `client`
//! subcommand prints.

use std::net::SocketAddr;
use std::time::Duration;

use super::{
    autocorking, run_stall, send_burst, BurstConfig, BurstRun, MessageWrites, NagleError,
    StallConfig, StallRun, AUTOCORKING_SYSCTL,
};
use crate::kit::record::Clock;
use crate::report::table::Table;
use crate::t;

/// Receive sizes in a short form: runs become `10×4`, long lists end in `… (+N)`.
pub fn sizes_summary(sizes: &[usize], max_items: usize) -> String {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &s in sizes {
        match runs.last_mut() {
            Some((v, n)) if *v == s => *n += 1,
            _ => runs.push((s, 1)),
        }
    }
    let mut parts: Vec<String> = runs
        .iter()
        .take(max_items)
        .map(|&(v, n)| {
            if n == 1 {
                v.to_string()
            } else {
                format!("{v}×{n}")
            }
        })
        .collect();
    if runs.len() > max_items {
        let rest: usize = runs[max_items..].iter().map(|r| r.1).sum();
        parts.push(format!("… (+{rest})"));
    }
    parts.join(" ")
}

/// A duration in milliseconds, with enough digits for both 44 ms and 0.03 ms.
pub fn fmt_ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.3} ms")
    }
}

/// The autocorking switch as the demo reports it.
pub fn autocorking_note(cork: Option<bool>) -> String {
    let state = match cork {
        Some(true) => t!("lab02-autocorking-on"),
        Some(false) => t!("lab02-autocorking-off"),
        None => t!("lab02-autocorking-unreadable"),
    };
    format!("{AUTOCORKING_SYSCTL}: {state}")
}

/// A write loop's length: microseconds while short, milliseconds after.
pub fn fmt_loop(d: Duration) -> String {
    if d < Duration::from_millis(10) {
        format!("{} µs", d.as_micros())
    } else {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    }
}

/// A counter, or `n/a` where the platform has none.
pub fn or_na(v: Option<u32>) -> String {
    v.map(|s| s.to_string()).unwrap_or_else(|| "n/a".into())
}

/// What the `client` subcommand prints: a JSON object with `--json`, else a table.
pub struct ClientReport {
    /// The `--json` output.
    pub json: serde_json::Value,
    /// The table (and any note) for a person.
    pub text: String,
}

/// `client --pattern burst`: one burst to the server at `addr`, both sides' counts.
pub fn burst_client(addr: SocketAddr, cfg: &BurstConfig) -> Result<ClientReport, NagleError> {
    let run = send_burst(addr, cfg, Clock::start())?;
    let mut text = burst_table(cfg, &run).render();
    if let Some(note) = &run.counters_note {
        text.push_str(&format!("\n  {}", t!("lab02-client-note", note = note)));
    }
    let json = serde_json::json!({ "run": run, "bytes": run.bytes() });
    Ok(ClientReport { json, text })
}

/// `client --pattern stall`: write-write-read rounds with the server at `addr`, timed.
pub fn stall_client(addr: SocketAddr, cfg: &StallConfig) -> Result<ClientReport, NagleError> {
    let run = run_stall(addr, cfg)?;
    let json = serde_json::json!({
        "run": run,
        "median_us": run.median().as_micros() as u64,
        "worst_us": run.worst().as_micros() as u64,
    });
    let text = stall_table(cfg, &run).render();
    Ok(ClientReport { json, text })
}

/// What `client --pattern burst` prints: both sides' counts.
pub fn burst_table(cfg: &BurstConfig, run: &BurstRun) -> Table {
    let mut t = Table::new([String::new(), t!("lab02-col-value")]);
    let sender = match cfg.nodelay {
        true => t!("lab02-sender-nodelay-nagle-off"),
        false => t!("lab02-sender-nagle"),
    };
    t.row([t!("lab02-col-sender"), sender]);
    t.row([
        t!("lab02-col-writes"),
        format!("{} × {} B", cfg.writes, cfg.size),
    ]);
    t.row([t!("lab02-row-gap"), format!("{} µs", cfg.gap.as_micros())]);
    t.row([t!("lab02-row-data-segs-out"), or_na(run.data_segments)]);
    if let Some(c) = run.counters {
        t.row([t!("lab02-row-mss"), format!("{} B", c.snd_mss)]);
    }
    t.row([
        t!("lab02-row-data-segs-in"),
        or_na(run.receiver.data_segs_in),
    ]);
    t.row([
        t!("lab02-row-server-recv-calls"),
        run.receiver.recv_calls.to_string(),
    ]);
    t.row([
        t!("lab02-col-recv-sizes"),
        sizes_summary(&run.receiver.sizes, 10),
    ]);
    if let Some(c) = autocorking() {
        t.row(["tcp_autocorking".to_string(), (c as u8).to_string()]);
    }
    t
}

/// What `client --pattern stall` prints: the round trips.
pub fn stall_table(cfg: &StallConfig, run: &StallRun) -> Table {
    let mut t = Table::new([String::new(), t!("lab02-col-value")]);
    let sender = match cfg.nodelay {
        true => t!("lab02-sender-nodelay"),
        false => t!("lab02-nagle-on"),
    };
    let writes = match cfg.writes {
        MessageWrites::Split => t!("lab02-writes-split"),
        MessageWrites::One => t!("lab02-writes-one"),
    };
    t.row([
        t!("lab02-col-sender"),
        t!("lab02-sender-and-writes", sender = sender, writes = writes),
    ]);
    t.row([t!("lab02-row-messages"), cfg.rounds.to_string()]);
    t.row([t!("lab02-row-median"), fmt_ms(run.median())]);
    t.row([t!("lab02-row-worst"), fmt_ms(run.worst())]);
    t.row([t!("lab02-row-all"), fmt_ms(run.total())]);
    t.row([t!("lab02-row-segments-sent"), or_na(run.data_segments)]);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_summarised_as_runs() {
        assert_eq!(sizes_summary(&[10, 60, 60, 60, 5], 10), "10 60×3 5");
        assert_eq!(sizes_summary(&[1, 2, 3, 4], 2), "1 2 … (+2)");
    }
}
