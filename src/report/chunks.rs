//! The chunk view: one line per `recv()`, each in its own color, with its
//! byte count and an escaped preview. Where one of the sender's message
//! boundaries falls inside a chunk, a red `║` marks it: that chunk holds the
//! end of one message and the start of the next, which is the sticky packet.

use super::{paint, style, AnsiColor, ALARM, DIM};
use crate::kit::record::Chunk;
use crate::kit::text::preview;

/// Renders chunks, marking the sender's `boundaries` (stream offsets where
/// messages end) that fall strictly inside a chunk. `width` is the preview
/// budget in characters per line.
pub fn render(label: &str, chunks: &[Chunk], boundaries: &[u64], width: usize) -> String {
    let mut out = String::new();
    for (i, c) in chunks.iter().enumerate() {
        let cuts: Vec<usize> = boundaries
            .iter()
            .filter(|&&b| b > c.offset && b < c.end())
            .map(|&b| (b - c.offset) as usize)
            .collect();
        let mut pieces = Vec::new();
        let mut from = 0;
        for &cut in cuts.iter().chain(std::iter::once(&c.len())) {
            pieces.push(&c.bytes[from..cut]);
            from = cut;
        }
        let budget = (width / pieces.len()).max(8);
        let body: Vec<String> = pieces
            .iter()
            .map(|p| paint(&format!("\"{}\"", preview(p, budget)), i).to_string())
            .collect();
        let sep = format!(" {} ", style("║", ALARM));
        let note = if cuts.is_empty() {
            String::new()
        } else {
            let words = crate::t!(
                if cuts.len() == 1 {
                    "chunks-boundary-inside"
                } else {
                    "chunks-boundaries-inside"
                },
                n = cuts.len()
            );
            format!("  {}", style(&words, AnsiColor::Red.on_default()))
        };
        out.push_str(&format!(
            "  {label} #{:<3} {} {}  {}{}\n",
            i + 1,
            paint(&format!("{:>7}", c.len()), i),
            style("B", DIM),
            body.join(&sep),
            note
        ));
    }
    if chunks.is_empty() {
        out.push_str(&format!(
            "  {}\n",
            crate::t!("chunks-nothing", label = label)
        ));
    }
    out
}

/// The sizes of chunks, as `[1024, 612]`.
pub fn sizes(chunks: &[Chunk]) -> Vec<usize> {
    chunks.iter().map(Chunk::len).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn boundaries_inside_a_chunk_are_marked() {
        crate::report::set_painting(false);
        let c = Chunk {
            offset: 0,
            bytes: b"lsdir".to_vec(),
            at: Duration::ZERO,
        };
        let s = render("recv", &[c], &[2, 5], 60);
        assert!(s.contains("\"ls\" ║ \"dir\""), "{s}");
        assert!(s.contains("1 message boundary inside"), "{s}");
    }
}
