//! [`Prompt`] is the lessons' `>>> ` loop: line editing and history on a
//! terminal, `--cmd X` (repeatable) or piped stdin for scripts; empty lines
//! are skipped and `q` / `quit` leaves.

use std::collections::VecDeque;
use std::io::{self, BufRead, IsTerminal};

/// Where the commands of a `client` come from.
pub struct Prompt {
    source: Source,
}

enum Source {
    Script(VecDeque<String>),
    Editor(Box<rustyline::DefaultEditor>, String),
    Lines(io::Lines<io::StdinLock<'static>>),
}

impl Prompt {
    /// `--cmd` values if any were given; otherwise a line editor on a
    /// terminal, or plain lines from piped stdin.
    pub fn new(cmds: Vec<String>, prompt: &str) -> Prompt {
        let source = if !cmds.is_empty() {
            Source::Script(cmds.into())
        } else if io::stdin().is_terminal() {
            match rustyline::DefaultEditor::new() {
                Ok(ed) => Source::Editor(Box::new(ed), prompt.to_string()),
                Err(_) => Source::Lines(io::stdin().lock().lines()),
            }
        } else {
            Source::Lines(io::stdin().lock().lines())
        };
        Prompt { source }
    }

    /// The next command: trimmed, never empty; `None` at `q`, `quit`,
    /// end of input or Ctrl-C.
    pub fn next_command(&mut self) -> Option<String> {
        loop {
            let line = match &mut self.source {
                Source::Script(q) => q.pop_front()?,
                Source::Lines(lines) => lines.next()?.ok()?,
                Source::Editor(ed, prompt) => match ed.readline(prompt) {
                    Ok(l) => {
                        let _ = ed.add_history_entry(l.as_str());
                        l
                    }
                    Err(_) => return None,
                },
            };
            let cmd = line.trim();
            match cmd {
                "" => continue,
                "q" | "quit" | "exit" => return None,
                c => return Some(c.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_skips_empty_lines_and_stops_at_quit() {
        let mut p = Prompt::new(
            vec![
                "ls".into(),
                "  ".into(),
                " help ".into(),
                "q".into(),
                "never".into(),
            ],
            ">>> ",
        );
        assert_eq!(p.next_command().as_deref(), Some("ls"));
        assert_eq!(p.next_command().as_deref(), Some("help"));
        assert_eq!(p.next_command(), None);
    }
}
