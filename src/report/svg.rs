//! SVG timelines: the writes against the reads, drawn on the byte stream.
//!
//! Each lane is one side's calls (the sender's writes, the receiver's
//! reads, the proxy's pieces) laid along the stream's byte offsets, so a
//! piece's width is its size. Dashed red lines are the sender's message
//! boundaries. Where a read's box crosses a red line, messages stuck
//! together; where a message needs two boxes, it was split. Hovering a box
//! shows its size and time.

use std::fmt::Write as _;

use super::SVG_PALETTE;
use crate::kit::record::Chunk;

/// One side's calls.
#[derive(Clone, Debug, Default)]
pub struct Lane {
    /// What these calls are ("client send()", "server recv(1024)").
    pub label: String,
    /// (offset, length, milliseconds since start) per call.
    pub pieces: Vec<(u64, u64, f64)>,
}

impl Lane {
    /// A lane from recorded chunks.
    pub fn from_chunks(label: impl Into<String>, chunks: &[Chunk]) -> Lane {
        Lane {
            label: label.into(),
            pieces: chunks
                .iter()
                .map(|c| (c.offset, c.len() as u64, c.at.as_secs_f64() * 1e3))
                .collect(),
        }
    }

    /// A lane from piece lengths alone (no times known).
    pub fn from_lengths(label: impl Into<String>, lengths: &[usize]) -> Lane {
        let mut at = 0u64;
        Lane {
            label: label.into(),
            pieces: lengths
                .iter()
                .map(|&n| {
                    let p = (at, n as u64, f64::NAN);
                    at += n as u64;
                    p
                })
                .collect(),
        }
    }
}

/// One picture: lanes over the same stream, with the sender's boundaries.
#[derive(Clone, Debug, Default)]
pub struct Panel {
    /// A heading above the lanes.
    pub title: String,
    /// The lanes, top to bottom.
    pub lanes: Vec<Lane>,
    /// Stream offsets where the sender's messages end.
    pub boundaries: Vec<u64>,
    /// What one unit of the x axis is, when it is not a byte ("datagrams").
    pub unit: Option<String>,
}

const WIDTH: f64 = 960.0;
const LEFT: f64 = 170.0;
const LANE_H: f64 = 34.0;

/// Draws panels one under another as a standalone SVG document.
pub fn render(title: &str, panels: &[Panel]) -> String {
    let mut body = String::new();
    let mut y = 40.0;
    for panel in panels {
        y = draw_panel(&mut body, panel, y) + 24.0;
    }
    let height = y + 10.0;
    document(WIDTH, height, title, &body)
}

fn draw_panel(out: &mut String, panel: &Panel, top: f64) -> f64 {
    let total = panel
        .lanes
        .iter()
        .flat_map(|l| l.pieces.iter().map(|p| p.0 + p.1))
        .chain(panel.boundaries.iter().copied())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let span = WIDTH - LEFT - 20.0;
    let x = |off: u64| LEFT + off as f64 / total * span;
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"{}\" font-weight=\"bold\">{}</text>",
        top + 4.0,
        escape(&panel.title)
    );
    let mut y = top + 14.0;
    for lane in &panel.lanes {
        let _ = writeln!(
            out,
            "<text x=\"10\" y=\"{}\">{}</text>",
            y + LANE_H / 2.0 + 4.0,
            escape(&lane.label)
        );
        for (i, &(off, len, ms)) in lane.pieces.iter().enumerate() {
            let (x0, x1) = (x(off), x(off + len));
            let w = (x1 - x0).max(1.0);
            let color = SVG_PALETTE[i % SVG_PALETTE.len()];
            let when = if ms.is_nan() {
                String::new()
            } else {
                format!(" at {ms:.3} ms")
            };
            let _ = writeln!(
                out,
                "<rect x=\"{x0:.2}\" y=\"{y}\" width=\"{w:.2}\" height=\"{}\" fill=\"{color}\" \
                 fill-opacity=\"0.75\" stroke=\"#ffffff\" stroke-width=\"0.5\">\
                 <title>#{} {len} B at offset {off}{when}</title></rect>",
                LANE_H - 6.0,
                i + 1
            );
            let label = format!("{len}");
            if w > label.len() as f64 * 7.5 + 4.0 {
                let _ = writeln!(
                    out,
                    "<text x=\"{:.2}\" y=\"{}\" text-anchor=\"middle\" fill=\"#000\">{label}</text>",
                    x0 + w / 2.0,
                    y + LANE_H / 2.0 + 1.0
                );
            }
        }
        y += LANE_H;
    }
    for &b in &panel.boundaries {
        let bx = x(b);
        let _ = writeln!(
            out,
            "<line x1=\"{bx:.2}\" y1=\"{}\" x2=\"{bx:.2}\" y2=\"{}\" stroke=\"#d00\" \
             stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>",
            top + 10.0,
            y
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{LEFT}\" y=\"{}\" fill=\"#666\">0</text>\
         <text x=\"{}\" y=\"{}\" fill=\"#666\" text-anchor=\"end\">{}</text>",
        y + 12.0,
        WIDTH - 20.0,
        y + 12.0,
        match &panel.unit {
            Some(unit) => format!("{} {}", total as u64, escape(unit)),
            None => escape(&crate::t!("svg-bytes-axis", n = total as u64)),
        }
    );
    y + 14.0
}

/// One row of a time chart: a label and the spans of time it was busy.
#[derive(Clone, Debug, Default)]
pub struct TimeLane {
    /// What this row is ("Nagle on, 2 writes").
    pub label: String,
    /// (start, end) in milliseconds since the row's own start.
    pub spans: Vec<(f64, f64)>,
}

/// Draws rows of time spans on one shared time axis (milliseconds), as a
/// standalone SVG document. Where [`render`] lays calls along the byte
/// stream, this lays them along the clock: a row that took 40 ms per round
/// trip is long, one that took 0.05 ms is a sliver at the left edge.
pub fn render_timeline(title: &str, note: &str, lanes: &[TimeLane]) -> String {
    const LABEL_W: f64 = 300.0;
    let max_ms = lanes
        .iter()
        .flat_map(|l| l.spans.iter().map(|s| s.1))
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max)
        .max(1e-3);
    let span = WIDTH - LABEL_W - 20.0;
    let x = |ms: f64| LABEL_W + ms.max(0.0) / max_ms * span;
    let mut body = String::new();
    let mut y = 52.0;
    let _ = writeln!(
        body,
        "<text x=\"10\" y=\"42\" fill=\"#444\">{}</text>",
        escape(note)
    );
    for lane in lanes {
        let _ = writeln!(
            body,
            "<text x=\"10\" y=\"{}\">{}</text>",
            y + LANE_H / 2.0 + 1.0,
            escape(&lane.label)
        );
        for (i, &(a, b)) in lane.spans.iter().enumerate() {
            let (x0, x1) = (x(a), x(b));
            let color = SVG_PALETTE[i % SVG_PALETTE.len()];
            let _ = writeln!(
                body,
                "<rect x=\"{x0:.2}\" y=\"{}\" width=\"{:.2}\" height=\"{}\" fill=\"{color}\" \
                 fill-opacity=\"0.8\" stroke=\"#ffffff\" stroke-width=\"0.5\">\
                 <title>#{} {:.3} ms (from {a:.3} to {b:.3} ms)</title></rect>",
                y + 4.0,
                (x1 - x0).max(1.0),
                LANE_H - 12.0,
                i + 1,
                b - a
            );
        }
        y += LANE_H;
    }
    let step = nice_step(max_ms / 6.0);
    let mut t = 0.0;
    while t <= max_ms * 1.0001 {
        let tx = x(t);
        let _ = writeln!(
            body,
            "<line x1=\"{tx:.2}\" y1=\"50\" x2=\"{tx:.2}\" y2=\"{y}\" stroke=\"#ccc\" \
             stroke-width=\"0.5\"/><text x=\"{tx:.2}\" y=\"{}\" fill=\"#666\" \
             text-anchor=\"middle\">{}</text>",
            y + 14.0,
            trim_float(t)
        );
        t += step;
    }
    let _ = writeln!(
        body,
        "<text x=\"{}\" y=\"{}\" fill=\"#666\" text-anchor=\"end\">{}</text>",
        WIDTH - 20.0,
        y + 30.0,
        escape(&crate::t!("svg-ms-axis"))
    );
    let height = y + 42.0;
    document(WIDTH, height, title, &body)
}

/// A round tick spacing near `raw`: 1, 2 or 5 times a power of ten.
fn nice_step(raw: f64) -> f64 {
    let p = 10f64.powf(raw.max(1e-9).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * p)
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The fonts of every picture: monospace for the byte counts and calls, then
/// a CJK family so Chinese labels render (each glyph falls through the list).
pub const FONT_STACK: &str =
    "monospace, 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";

/// The one SVG document every picture is drawn into: white background,
/// [`FONT_STACK`] text, the title in bold at the top, then `body`.
pub fn document(width: f64, height: f64, title: &str, body: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"{FONT_STACK}\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n\
         <text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">{}</text>\n{body}</svg>\n",
        escape(title)
    )
}

/// Escapes text for SVG.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeline_draws_one_box_per_span_on_one_axis() {
        let lanes = [
            TimeLane {
                label: "slow".into(),
                spans: vec![(0.0, 40.0), (40.0, 80.0)],
            },
            TimeLane {
                label: "fast <1>".into(),
                spans: vec![(0.0, 0.05)],
            },
        ];
        let svg = render_timeline("t", "n", &lanes);
        assert_eq!(svg.matches("<rect x=").count(), 3);
        assert!(svg.contains("fast &lt;1&gt;"));
        assert_eq!(nice_step(13.0), 20.0);
        assert_eq!(nice_step(0.3), 0.5);
    }

    #[test]
    fn draws_one_box_per_piece_and_one_line_per_boundary() {
        let p = Panel {
            title: "t".into(),
            lanes: vec![
                Lane::from_lengths("send", &[2, 3]),
                Lane::from_lengths("recv", &[5]),
            ],
            boundaries: vec![2, 5],
            unit: None,
        };
        let svg = render("demo <1>", &[p]);
        assert_eq!(svg.matches("<rect x=").count(), 3);
        assert_eq!(svg.matches("<line ").count(), 2);
        assert!(svg.contains("demo &lt;1&gt;"));
    }
}
