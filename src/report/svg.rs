//! SVG timelines: the writes against the reads, drawn on the byte stream.
//!
//! Each lane is one side's calls (the sender's writes, the receiver's
//! reads, the proxy's pieces) laid along the stream's byte offsets, so a
//! piece's width is its size. Dashed red lines are the sender's message
//! boundaries. Where a read's box crosses a red line, messages stuck
//! together; where a message needs two boxes, it was split. Hovering a box
//! shows its size and time.
//!
//! Two layout rules keep a picture readable, and [`layout_problems`] checks
//! them on any SVG (the tests run it on every picture in `docs/labs/img/`):
//! a row label ends before the bars start (the label column is as wide as
//! the longest label, by [`text_width`]), and no two texts overlap. A key
//! event a few bytes long (a 4-byte header, a 2-byte recv) is invisible at
//! the scale of a 200 000-byte reply, so a panel whose first message is
//! narrower than [`MIN_KEY_PX`] gets a zoomed inset of the stream's start.

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
/// The narrowest label column; wider when a lane's label needs it.
const LEFT: f64 = 170.0;
const LANE_H: f64 = 34.0;
/// The font size every picture's plain text uses (see [`document`]).
const FONT_PX: f64 = 12.0;
/// Room between the end of a row label and the start of its bars.
const LABEL_GAP: f64 = 14.0;
/// A first message narrower than this (in pixels) at the panel's scale
/// gets a zoomed inset: below it a 4-byte header is a hairline.
pub const MIN_KEY_PX: f64 = 12.0;
/// The narrowest a piece is drawn, so a 1-byte read is still a mark.
const MIN_PIECE_PX: f64 = 2.0;

/// How wide `text` is drawn in the pictures' monospace font at `font_px`:
/// 0.61 em per column (DejaVu Sans Mono's advance is 0.602 em), two
/// columns for a wide (CJK) character. Layout and [`layout_problems`] both
/// use it, so what the check measures is what the drawing assumed.
pub fn text_width(text: &str, font_px: f64) -> f64 {
    use unicode_width::UnicodeWidthStr;
    text.width() as f64 * 0.61 * font_px
}

/// Where the bars start: right of the longest row label, never left of [`LEFT`].
fn label_column<'a>(labels: impl IntoIterator<Item = &'a str>) -> f64 {
    labels
        .into_iter()
        .map(|l| 10.0 + text_width(l, FONT_PX) + LABEL_GAP)
        .fold(LEFT, f64::max)
}

/// Draws panels one under another as a standalone SVG document.
pub fn render(title: &str, panels: &[Panel]) -> String {
    let left = label_column(
        panels
            .iter()
            .flat_map(|p| p.lanes.iter().map(|l| l.label.as_str())),
    );
    let mut body = String::new();
    let mut y = 40.0;
    for panel in panels {
        y = draw_panel(&mut body, panel, y, left) + 24.0;
    }
    let height = y + 10.0;
    document(WIDTH, height, title, &body)
}

/// The stream's end: the last byte any lane or boundary reaches.
fn stream_total(panel: &Panel) -> u64 {
    panel
        .lanes
        .iter()
        .flat_map(|l| l.pieces.iter().map(|p| p.0 + p.1))
        .chain(panel.boundaries.iter().copied())
        .max()
        .unwrap_or(1)
        .max(1)
}

/// How many bytes of the stream's start a zoomed inset shows, if the panel
/// needs one: when its first message (to the first boundary) is narrower
/// than [`MIN_KEY_PX`], the inset shows eight times that message (at least
/// 32 bytes), so the header, the first reads and the first cut are wide.
pub fn zoom_bytes(panel: &Panel, span_px: f64) -> Option<u64> {
    if panel.unit.is_some() {
        return None;
    }
    let total = stream_total(panel);
    let first = panel.boundaries.iter().copied().filter(|&b| b > 0).min()?;
    if first as f64 / total as f64 * span_px >= MIN_KEY_PX {
        return None;
    }
    let z = (first * 8).max(32);
    (z < total).then_some(z)
}

fn draw_panel(out: &mut String, panel: &Panel, top: f64, left: f64) -> f64 {
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"{}\" font-weight=\"bold\">{}</text>",
        top + 4.0,
        escape(&panel.title)
    );
    let total = stream_total(panel);
    let span = WIDTH - left - 20.0;
    let footer = match &panel.unit {
        Some(unit) => format!("{total} {}", unit),
        None if panel.boundaries.is_empty() => crate::t!("svg-bytes-plain", n = total),
        None => crate::t!("svg-bytes-axis", n = total),
    };
    let y = draw_lanes(out, panel, top + 14.0, left, total, &footer);
    match zoom_bytes(panel, span) {
        None => y,
        Some(z) => {
            let _ = writeln!(
                out,
                "<text x=\"10\" y=\"{}\" fill=\"#444\">{}</text>",
                y + 16.0,
                escape(&crate::t!("svg-zoom-title", n = z))
            );
            draw_lanes(
                out,
                panel,
                y + 22.0,
                left,
                z,
                &crate::t!("svg-zoom-axis", n = z),
            )
        }
    }
}

/// Draws the panel's lanes over bytes `0..end` (pieces past `end` are cut
/// at the edge, a cut piece's size marked `→`), its boundaries and its
/// axis; returns the y below them.
fn draw_lanes(out: &mut String, panel: &Panel, top: f64, left: f64, end: u64, footer: &str) -> f64 {
    let span = WIDTH - left - 20.0;
    let x = |off: u64| left + off.min(end) as f64 / end as f64 * span;
    let mut labels = String::new();
    let mut y = top;
    for lane in &panel.lanes {
        let _ = writeln!(
            out,
            "<text x=\"10\" y=\"{}\">{}</text>",
            y + LANE_H / 2.0 + 4.0,
            escape(&lane.label)
        );
        for (i, &(off, len, ms)) in lane.pieces.iter().enumerate() {
            if off >= end {
                continue;
            }
            let (x0, x1) = (x(off), x(off + len));
            let w = (x1 - x0).max(MIN_PIECE_PX);
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
            let label = if off + len > end {
                format!("{len} →")
            } else {
                format!("{len}")
            };
            if w > text_width(&label, FONT_PX) + 4.0 {
                // Drawn after the boundaries, with a white halo, so a red
                // line through a box never runs through its number.
                let _ = writeln!(
                    labels,
                    "<text x=\"{:.2}\" y=\"{}\" text-anchor=\"middle\" fill=\"#000\" \
                     stroke=\"#fff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\">{label}</text>",
                    x0 + w / 2.0,
                    y + LANE_H / 2.0 + 1.0
                );
            }
        }
        y += LANE_H;
    }
    for &b in panel.boundaries.iter().filter(|&&b| b <= end) {
        let bx = x(b);
        let _ = writeln!(
            out,
            "<line x1=\"{bx:.2}\" y1=\"{}\" x2=\"{bx:.2}\" y2=\"{}\" stroke=\"#d00\" \
             stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>",
            top - 4.0,
            y
        );
    }
    out.push_str(&labels);
    let _ = writeln!(
        out,
        "<text x=\"{left}\" y=\"{}\" fill=\"#666\">0</text>\
         <text x=\"{}\" y=\"{}\" fill=\"#666\" text-anchor=\"end\">{}</text>",
        y + 12.0,
        WIDTH - 20.0,
        y + 12.0,
        escape(footer)
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
    let label_w = label_column(lanes.iter().map(|l| l.label.as_str()));
    let max_ms = lanes
        .iter()
        .flat_map(|l| l.spans.iter().map(|s| s.1))
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max)
        .max(1e-3);
    let span = WIDTH - label_w - 20.0;
    let x = |ms: f64| label_w + ms.max(0.0) / max_ms * span;
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

/// What [`layout_problems`] finds: one line per problem, naming the texts.
///
/// Checks the two layout rules on any SVG these modules draw: no text runs
/// into a box unless it sits wholly inside it (a size label), no two texts
/// overlap, and panels numbered "1. …", "2. …" are numbered 1, 2, 3 in
/// order. Text extents use [`text_width`], the estimate the drawing used.
pub fn layout_problems(svg: &str) -> Vec<String> {
    let texts = elements(svg, "<text");
    let rects: Vec<[f64; 4]> = elements(svg, "<rect")
        .iter()
        .filter_map(|(attrs, _)| {
            Some([
                num_attr(attrs, "x")?,
                num_attr(attrs, "y")?,
                num_attr(attrs, "width")?,
                num_attr(attrs, "height")?,
            ])
        })
        .collect();
    // (left, top, right, bottom, text)
    let boxes: Vec<(f64, f64, f64, f64, String)> = texts
        .iter()
        .filter_map(|(attrs, content)| {
            let (x, y) = (num_attr(attrs, "x")?, num_attr(attrs, "y")?);
            let size = num_attr(attrs, "font-size").unwrap_or(FONT_PX);
            let text = unescape(content);
            let w = text_width(&text, size);
            let x0 = match str_attr(attrs, "text-anchor") {
                Some("middle") => x - w / 2.0,
                Some("end") => x - w,
                _ => x,
            };
            Some((x0, y - 0.8 * size, x0 + w, y + 0.2 * size, text))
        })
        .collect();
    let mut problems = Vec::new();
    const EPS: f64 = 0.5;
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            if a.0 < b.2 - EPS && b.0 < a.2 - EPS && a.1 < b.3 - EPS && b.1 < a.3 - EPS {
                problems.push(format!("texts overlap: {:?} and {:?}", a.4, b.4));
            }
        }
        for r in &rects {
            let (rx0, ry0, rx1, ry1) = (r[0], r[1], r[0] + r[2], r[1] + r[3]);
            let meets = a.0 < rx1 - EPS && rx0 < a.2 - EPS && a.1 < ry1 - EPS && ry0 < a.3 - EPS;
            let inside = a.0 >= rx0 - EPS && a.2 <= rx1 + EPS;
            if meets && !inside {
                problems.push(format!(
                    "{:?} (x {:.1} to {:.1}) runs into a box at x {:.1} to {:.1}",
                    a.4, a.0, a.2, rx0, rx1
                ));
            }
        }
    }
    let numbers: Vec<u32> = texts
        .iter()
        .filter(|(attrs, _)| attrs.contains("font-weight=\"bold\""))
        .filter_map(|(_, c)| c.split_once(". ").and_then(|(n, _)| n.parse().ok()))
        .collect();
    if numbers
        .iter()
        .enumerate()
        .any(|(i, &n)| n as usize != i + 1)
    {
        problems.push(format!("panels are numbered {numbers:?}, not 1, 2, 3, …"));
    }
    problems
}

/// (attributes, text content) of every `tag` element, in document order.
fn elements(svg: &str, tag: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = svg;
    while let Some(at) = rest.find(tag) {
        rest = &rest[at + tag.len()..];
        let Some(close) = rest.find('>') else { break };
        let attrs = rest[..close].to_string();
        rest = &rest[close + 1..];
        let content = match rest.find('<') {
            Some(end) if !attrs.ends_with('/') => rest[..end].to_string(),
            _ => String::new(),
        };
        found.push((attrs, content));
    }
    found
}

fn str_attr<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let at = attrs.find(&key)? + key.len();
    let len = attrs[at..].find('"')?;
    Some(&attrs[at..at + len])
}

fn num_attr(attrs: &str, name: &str) -> Option<f64> {
    str_attr(attrs, name)?.parse().ok()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
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

    fn long_label_panel() -> Panel {
        Panel {
            title: "1. a 4-byte header before 200 000 bytes".into(),
            lanes: vec![
                Lane::from_lengths("server: header | data", &[4, 200_000]),
                Lane::from_lengths(
                    "client reads (recv_exact) with a long label",
                    &[4, 12, 199_988],
                ),
                Lane::from_lengths("lesson: recv(4), recv(n)", &[4, 2]),
            ],
            boundaries: vec![4, 200_004],
            unit: None,
        }
    }

    #[test]
    fn row_labels_end_before_the_bars_start() {
        let p = long_label_panel();
        let svg = render("t", std::slice::from_ref(&p));
        let left = label_column(p.lanes.iter().map(|l| l.label.as_str()));
        assert!(left > LEFT, "the long label widens the column");
        for lane in &p.lanes {
            assert!(10.0 + text_width(&lane.label, FONT_PX) < left);
        }
        assert_eq!(layout_problems(&svg), Vec::<String>::new());
    }

    #[test]
    fn the_layout_check_catches_a_label_in_a_bar_and_overlapping_texts() {
        let body = "<text x=\"10\" y=\"40\">client reads (recv_exact)</text>\
                    <rect x=\"170\" y=\"28\" width=\"50\" height=\"20\"/>\
                    <text x=\"300\" y=\"60\">one</text><text x=\"310\" y=\"62\">two</text>\
                    <text x=\"10\" y=\"90\" font-weight=\"bold\">1. a</text>\
                    <text x=\"10\" y=\"120\" font-weight=\"bold\">5. b</text>";
        let problems = layout_problems(&document(400.0, 200.0, "t", body));
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("runs into a box"), "{problems:?}");
        assert!(problems[1].contains("texts overlap"), "{problems:?}");
        assert!(problems[2].contains("[1, 5]"), "{problems:?}");
    }

    #[test]
    fn a_few_byte_header_gets_a_zoomed_inset_where_it_is_wide() {
        let p = long_label_panel();
        assert_eq!(zoom_bytes(&p, 700.0), Some(32));
        let svg = render("t", &[p]);
        assert!(svg.contains("zoom: the first 32 bytes"));
        // In the inset the 4-byte header is an eighth of the width.
        let header_w = elements(&svg, "<rect")
            .iter()
            .filter_map(|(a, _)| num_attr(a, "width"))
            .fold(0.0f64, |m, w| if w < 200.0 { m.max(w) } else { m });
        assert!(header_w > 60.0, "widest small box {header_w}");
        let wide = Panel {
            title: "t".into(),
            lanes: vec![Lane::from_lengths("send", &[500, 500])],
            boundaries: vec![500, 1000],
            unit: None,
        };
        assert_eq!(
            zoom_bytes(&wide, 700.0),
            None,
            "a wide first message needs none"
        );
    }

    #[test]
    fn the_footer_names_red_boundaries_only_when_some_are_drawn() {
        let p = Panel {
            title: "t".into(),
            lanes: vec![Lane::from_lengths("write()", &[10, 10])],
            boundaries: vec![],
            unit: None,
        };
        let svg = render("t", &[p]);
        assert!(!svg.contains("dashed red"));
        assert!(svg.contains(">20 bytes<"));
    }

    #[test]
    fn every_picture_in_the_docs_keeps_its_labels_clear() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/labs/img");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).expect("docs/labs/img") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "svg") {
                let svg = std::fs::read_to_string(&path).expect("read svg");
                let problems = layout_problems(&svg);
                assert!(problems.is_empty(), "{}: {problems:#?}", path.display());
                seen += 1;
            }
        }
        assert!(seen >= 7, "only {seen} pictures found");
    }
}
