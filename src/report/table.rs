//! Side-by-side tables that stay aligned with CJK text and colors.
//!
//! Column widths are measured on the plain text with `unicode-width` (a
//! Chinese character takes two columns); color is applied after padding,
//! so escape codes never skew the layout.

use super::{style, AnsiColor, BOLD, DIM};
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

    fn paint(&self, padded: String) -> String {
        match self.tone {
            Tone::Plain => padded,
            Tone::Good => style(&padded, AnsiColor::Green.on_default()),
            Tone::Bad => style(&padded, AnsiColor::Red.on_default()),
            Tone::Note => style(&padded, AnsiColor::Yellow.on_default()),
            Tone::Dim => style(&padded, DIM),
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

    /// Renders with box-drawing rules, numbers right-aligned, fitted to
    /// the terminal's width (see [`terminal_width`]).
    pub fn render(&self) -> String {
        self.render_within(terminal_width())
    }

    /// Renders within `max` columns (`None`: as wide as the text needs).
    /// When the table is too wide, the widest columns give way first and
    /// their cells wrap at spaces onto more lines, so a 90-column terminal
    /// or a projector shows a table, not noise.
    pub fn render_within(&self, max: Option<usize>) -> String {
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
        if let Some(max) = max {
            fit(&mut widths, max);
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
        // One logical row is as many printed lines as its tallest cell needs.
        let print_row = |cells: Vec<Wrapped>| {
            let height = cells.iter().map(|c| c.lines.len()).max().unwrap_or(1);
            let mut out = String::new();
            for line in 0..height {
                let parts: Vec<String> = cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let text = c.lines.get(line).map(String::as_str).unwrap_or("");
                        let padded = pad(text, widths[i], c.right);
                        match &c.tone {
                            None => format!(" {} ", style(&padded, BOLD)),
                            Some(cell) => format!(" {} ", cell.paint(padded)),
                        }
                    })
                    .collect();
                out.push_str(&format!("  │{}│\n", parts.join("│")));
            }
            out
        };
        let mut out = rule("┌", "┬", "┐");
        out.push_str(&print_row(
            (0..cols)
                .map(|i| Wrapped {
                    lines: wrap(
                        self.headers.get(i).map(String::as_str).unwrap_or(""),
                        widths[i],
                    ),
                    tone: None,
                    right: false,
                })
                .collect(),
        ));
        out.push_str(&rule("├", "┼", "┤"));
        for r in &self.rows {
            out.push_str(&print_row(
                (0..cols)
                    .map(|i| {
                        let c = r.get(i).cloned().unwrap_or_default();
                        let numeric = !c.text.is_empty()
                            && c.text
                                .chars()
                                .all(|ch| ch.is_ascii_digit() || ".,-+×x%~≈ ".contains(ch));
                        Wrapped {
                            lines: wrap(&c.text, widths[i]),
                            right: numeric,
                            tone: Some(c),
                        }
                    })
                    .collect(),
            ));
        }
        out.push_str(&rule("└", "┴", "┘"));
        out
    }
}

/// A cell cut into the lines it prints as: a header (bold) when `tone` is
/// `None`, else a body cell painted in its tone.
struct Wrapped {
    lines: Vec<String>,
    tone: Option<Cell>,
    right: bool,
}

/// The narrowest a column gets when a table is fitted.
const MIN_COLUMN: usize = 6;

/// Narrows the widest columns until the table fits `max` columns of
/// terminal (2 of indent, and 3 per column for the borders and padding).
fn fit(widths: &mut [usize], max: usize) {
    let total = |w: &[usize]| 2 + 1 + w.iter().map(|x| x + 3).sum::<usize>();
    while total(widths) > max {
        let Some((i, &w)) = widths.iter().enumerate().max_by_key(|(_, w)| **w) else {
            return;
        };
        if w <= MIN_COLUMN {
            return; // as narrow as it sensibly gets: let the terminal wrap the rest
        }
        widths[i] = w - 1;
    }
}

/// Breaks `text` into lines of at most `width` columns, at spaces where it
/// can and inside a word where it must (measured with `unicode-width`).
fn wrap(text: &str, width: usize) -> Vec<String> {
    if text.width() <= width || width == 0 {
        return vec![text.to_string()];
    }
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let cur = lines.last_mut().expect("one line at least");
        let sep = usize::from(!cur.is_empty());
        if cur.width() + sep + word.width() <= width {
            if sep == 1 {
                cur.push(' ');
            }
            cur.push_str(word);
            continue;
        }
        if !cur.is_empty() {
            lines.push(String::new());
        }
        for ch in word.chars() {
            let cur = lines.last_mut().expect("one line at least");
            if cur.width() + ch.to_string().width() > width {
                lines.push(String::new());
            }
            lines.last_mut().expect("one line at least").push(ch);
        }
    }
    lines
}

/// The width to fit tables to: `COLUMNS` when it is set to a number (so a
/// piped run can be checked at 80), else the terminal's width when stdout or
/// stderr is a terminal, else `None` (a file gets the full table).
pub fn terminal_width() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
    {
        return Some(n);
    }
    os_width()
}

#[cfg(unix)]
fn os_width() -> Option<usize> {
    for fd in [libc::STDOUT_FILENO, libc::STDERR_FILENO] {
        // SAFETY: TIOCGWINSZ fills a winsize struct; a zeroed one is valid.
        let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
        if unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) } == 0 && ws.ws_col > 0 {
            return Some(ws.ws_col as usize);
        }
    }
    None
}

#[cfg(not(unix))]
fn os_width() -> Option<usize> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_keep_columns_aligned() {
        crate::report::set_painting(false);
        let mut t = Table::new(["what", "n"]);
        t.row(["中文", "12"]).row(["ascii", "3"]);
        let s = t.render();
        let widths: Vec<usize> = s.lines().map(UnicodeWidthStr::width).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{s}");
    }

    #[test]
    fn a_wide_table_is_fitted_to_80_columns_with_every_word_kept() {
        crate::report::set_painting(false);
        let mut t = Table::new(["lab", "lesson", "verdict / why not"]);
        let long = "not reproduced — stage 2 (a long reply is cut): help arrived whole, \
                    the kernel delivered 2175 bytes in one recv on this loaded machine";
        t.row([
            "lab01-naive-recv",
            "recv(1024) splits and merges replies",
            long,
        ]);
        t.row(["lab04-struct-header", "4-byte 中文 header", "ok"]);
        let wide = t.render_within(None);
        assert!(
            wide.lines().any(|l| l.width() > 80),
            "the test needs a wide table"
        );
        let s = t.render_within(Some(80));
        let widths: Vec<usize> = s.lines().map(UnicodeWidthStr::width).collect();
        assert!(widths.iter().all(|w| *w <= 80), "{s}");
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{s}");
        let words = |x: &str| -> Vec<String> {
            x.split(|c: char| c.is_whitespace() || c == '│')
                .filter(|w| !w.is_empty() && !w.starts_with('─') && !w.starts_with('┌'))
                .map(String::from)
                .collect()
        };
        let joined: String = words(&s).concat();
        for w in words(long) {
            assert!(joined.contains(&w), "lost '{w}' in\n{s}");
        }
    }
}
