//! The command line every binary shares: `--color` and `--lang` before or
//! after any subcommand, then the binary's own subcommands. Written once here, so a lab binary
//! declares only its `Command` enum and its examples.

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::lang::LangChoice;
use crate::report::ColorChoice;

/// The options every binary takes, around its own subcommands `C`.
#[derive(Parser)]
struct Args<C: Subcommand> {
    /// When to color output: auto, always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
    /// Language of the output: auto (STICKY_LANG, then LC_ALL/LC_MESSAGES/LANG/LANGUAGE), en or zh.
    #[arg(long, value_enum, default_value_t = LangChoice::Auto, global = true)]
    lang: LangChoice,
    #[command(subcommand)]
    command: C,
}

/// Parses the command line of the binary `name` (clap prints help, version
/// and usage errors itself, and exits 2 on a usage error). Returns the
/// chosen subcommand and the color choice. The language is chosen first
/// ([`crate::lang::init`]), so `--help` speaks it too; `about` and
/// `examples` may be catalog keys.
pub fn parse<C: Subcommand>(
    name: &'static str,
    about: &'static str,
    examples: &'static str,
) -> (C, ColorChoice) {
    crate::lang::init(std::env::args_os());
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

/// The clap command `parse` uses (for tests and completions), in the
/// language in force: `about` and `examples` are looked up as catalog keys
/// (an English literal shows as written), and each subcommand's about line
/// and examples come from `NAME-cmd-SUB-about` / `NAME-cmd-SUB-examples`
/// when the catalog has them (else the doc comment and `after_help`).
pub fn command<C: Subcommand>(
    name: &'static str,
    about: &'static str,
    examples: &'static str,
) -> clap::Command {
    let mut cmd = Args::<C>::command()
        .name(name)
        .bin_name(name)
        .version(env!("CARGO_PKG_VERSION"))
        .about(crate::lang::tr(about))
        .after_help(crate::lang::tr(examples));
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for sub in subs {
        let key = format!("{name}-cmd-{sub}");
        let (about_key, examples_key) = (format!("{key}-about"), format!("{key}-examples"));
        cmd = cmd.mut_subcommand(&sub, |mut s| {
            if crate::lang::has(crate::lang::Lang::En, &about_key) {
                s = s.about(crate::lang::tr(&about_key));
            }
            if crate::lang::has(crate::lang::Lang::En, &examples_key) {
                s = s.after_help(crate::lang::tr(&examples_key));
            }
            s
        });
    }
    cmd
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
