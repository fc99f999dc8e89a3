//! The command line every binary shares: `--color` before any subcommand,
//! then the binary's own subcommands. Written once here, so a lab binary
//! declares only its `Command` enum and its examples.

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::report::ColorChoice;

/// The options every binary takes, around its own subcommands `C`.
#[derive(Parser)]
struct Args<C: Subcommand> {
    /// When to color output: auto, always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
    #[command(subcommand)]
    command: C,
}

/// Parses the command line of the binary `name` (clap prints help, version
/// and usage errors itself, and exits 2 on a usage error). Returns the
/// chosen subcommand and the color choice.
pub fn parse<C: Subcommand>(
    name: &'static str,
    about: &'static str,
    examples: &'static str,
) -> (C, ColorChoice) {
    let matches = command::<C>(name, about, examples).get_matches();
    match Args::<C>::from_arg_matches(&matches) {
        Ok(a) => {
            // Every line, error lines included, follows --color from here on.
            a.color.apply();
            (a.command, a.color)
        }
        Err(e) => e.exit(),
    }
}

/// The clap command `parse` uses (for tests and completions).
pub fn command<C: Subcommand>(
    name: &'static str,
    about: &'static str,
    examples: &'static str,
) -> clap::Command {
    Args::<C>::command()
        .name(name)
        .bin_name(name)
        .version(env!("CARGO_PKG_VERSION"))
        .about(about)
        .after_help(examples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Subcommand, Debug, PartialEq)]
    enum Cmd {
        /// Runs.
        Demo,
    }

    #[test]
    fn the_shared_flags_come_before_and_after_the_subcommand() {
        let c = command::<Cmd>("labx", "about", "Examples: x");
        c.clone().debug_assert();
        let m = c
            .clone()
            .try_get_matches_from(["labx", "demo", "--color", "never"])
            .unwrap();
        let a = Args::<Cmd>::from_arg_matches(&m).unwrap();
        assert_eq!((a.command, a.color), (Cmd::Demo, ColorChoice::Never));
        assert!(c
            .try_get_matches_from(["labx", "--color", "pink", "demo"])
            .is_err());
    }
}
