//! Side-by-side tables that stay aligned with CJK text and colors.
//!
//! Column widths are measured on the plain text with `unicode-width` (a
//! Chinese character takes two columns); color is applied after padding,
//! so escape codes never skew the layout.

use colored::{ColoredString, Colorize};
use unicode_width::UnicodeWidthStr;

/// How a cell is painted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tone {
    /// No color.
    #[default]
    Plain,
    /// Good news (green).
    Good,
    /// Bad news (red).
    Bad,
    /// Worth a look (yellow).
    Note,
    /// Less important (dim).
    Dim,
}

/// One table cell.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    /// Its text.
    pub text: String,
    /// Its color.
    pub tone: Tone,
}

impl Cell {
    /// A cell with a tone.
    pub fn new(text: impl Into<String>, tone: Tone) -> Cell {
        Cell {
            text: text.into(),
            tone,
        }
    }

    fn paint(&self, padded: String) -> ColoredString {
        match self.tone {
            Tone::Plain => padded.normal(),
            Tone::Good => padded.green(),
            Tone::Bad => padded.red(),
            Tone::Note => padded.yellow(),
            Tone::Dim => padded.dimmed(),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::new(s, Tone::Plain)
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::new(s, Tone::Plain)
    }
}

/// A table with a header row.
#[derive(Clone, Debug, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(headers: I) -> Table {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells are blank).
    pub fn row<I: IntoIterator<Item = C>, C: Into<Cell>>(&mut self, cells: I) -> &mut Table {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }

    /// The rows as plain text, for JSON reports and tests.
    pub fn plain_rows(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.clone()).collect())
            .collect()
    }

    /// Renders with box-drawing rules; numbers are right-aligned.
    pub fn render(&self) -> String {
        let cols = self
            .headers
            .len()
            .max(self.rows.iter().map(Vec::len).max().unwrap_or(0));
        let mut widths = vec![0usize; cols];
        for (i, h) in self.headers.iter().enumerate() {
            widths[i] = widths[i].max(h.width());
        }
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                widths[i] = widths[i].max(c.text.width());
            }
        }
        let pad = |text: &str, w: usize, right: bool| {
            let fill = " ".repeat(w.saturating_sub(text.width()));
            if right {
                format!("{fill}{text}")
            } else {
                format!("{text}{fill}")
            }
        };
        let rule = |l: &str, m: &str, r: &str| {
            let parts: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
            format!("  {l}{}{r}\n", parts.join(m))
        };
        let mut out = rule("┌", "┬", "┐");
        let head: Vec<String> = (0..cols)
            .map(|i| {
                let h = self.headers.get(i).map(String::as_str).unwrap_or("");
                format!(" {} ", pad(h, widths[i], false).bold())
            })
            .collect();
        out.push_str(&format!("  │{}│\n", head.join("│")));
        out.push_str(&rule("├", "┼", "┤"));
        for r in &self.rows {
            let cells: Vec<String> = (0..cols)
                .map(|i| {
                    let blank = Cell::default();
                    let c = r.get(i).unwrap_or(&blank);
                    let numeric = !c.text.is_empty()
                        && c.text
                            .chars()
                            .all(|ch| ch.is_ascii_digit() || ".,-+×x%~≈ ".contains(ch));
                    format!(" {} ", c.paint(pad(&c.text, widths[i], numeric)))
                })
                .collect();
            out.push_str(&format!("  │{}│\n", cells.join("│")));
        }
        out.push_str(&rule("└", "┴", "┘"));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_keep_columns_aligned() {
        colored::control::set_override(false);
        let mut t = Table::new(["what", "n"]);
        t.row(["中文", "12"]).row(["ascii", "3"]);
        let s = t.render();
        let widths: Vec<usize> = s.lines().map(UnicodeWidthStr::width).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{s}");
    }
}
