//! Which language the labs speak, and the catalogs they speak it from.
//!
//! Every user-visible sentence is looked up by key in a Fluent catalog,
//! `locales/<lang>/<area>.ftl` (one file per area: `harness.ftl`,
//! `lab01.ftl`, `tools.ftl`…, so translators of different labs never edit
//! the same file). A key missing from the Chinese catalog falls back to the
//! English one, so an untranslated lab still runs, in English.
//!
//! The language is chosen once per process: `--lang auto|en|zh` on every
//! binary, else `STICKY_LANG`, else `auto`, which reads the locale the way a
//! shell sets it: the first non-empty of `LC_ALL`, `LC_MESSAGES`, `LANG`,
//! `LANGUAGE`; a value starting with `zh` is Chinese, anything else English.
//! Machine-facing output (`--json` keys and enum values, exit codes) never
//! changes with it.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

include!(concat!(env!("OUT_DIR"), "/catalogs.rs"));

/// A language the labs speak.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English, the default and the fallback.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

/// `--lang auto|en|zh`: `auto` follows `STICKY_LANG`, then the locale.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LangChoice {
    /// `STICKY_LANG` if set, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`, `LANGUAGE`).
    #[default]
    Auto,
    /// English.
    En,
    /// Chinese (中文).
    Zh,
}

impl Lang {
    /// The catalog folder's name, and the `lang` field of `--json`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// A locale or `STICKY_LANG` value: `zh`, `zh_CN.UTF-8`, `zh-TW` are
    /// Chinese; any other non-empty value is English. `None` for empty or
    /// `auto` (the next source decides).
    pub fn from_value(v: &str) -> Option<Lang> {
        let v = v.trim();
        if v.is_empty() || v.eq_ignore_ascii_case("auto") {
            None
        } else if v.to_ascii_lowercase().starts_with("zh") {
            Some(Lang::Zh)
        } else {
            Some(Lang::En)
        }
    }

    /// The language for a `--lang` choice, reading variables through `var`
    /// (the process's environment in [`init`]; a table in tests).
    pub fn resolve(choice: LangChoice, var: impl Fn(&str) -> Option<String>) -> Lang {
        match choice {
            LangChoice::En => return Lang::En,
            LangChoice::Zh => return Lang::Zh,
            LangChoice::Auto => {}
        }
        if let Some(l) = var("STICKY_LANG").and_then(|v| Lang::from_value(&v)) {
            return l;
        }
        ["LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"]
            .iter()
            .filter_map(|name| var(name))
            .find(|v| !v.trim().is_empty())
            .and_then(|v| Lang::from_value(&v))
            .unwrap_or(Lang::En)
    }
}

/// The language in force: unset until [`set`] or [`init`], then En or Zh.
static CURRENT: AtomicU8 = AtomicU8::new(UNSET);
const UNSET: u8 = 0;
const EN: u8 = 1;
const ZH: u8 = 2;

/// Sets the language for the rest of the process.
pub fn set(lang: Lang) {
    CURRENT.store(
        match lang {
            Lang::En => EN,
            Lang::Zh => ZH,
        },
        Ordering::Relaxed,
    );
}

/// The language in force. Before [`init`] or [`set`] (library code, unit
/// tests) it is English, so nothing in-process depends on the user's locale.
pub fn current() -> Lang {
    match CURRENT.load(Ordering::Relaxed) {
        ZH => Lang::Zh,
        _ => Lang::En,
    }
}

/// Chooses the language from a command line before clap parses it (so
/// `--help` is translated too): the last `--lang X` / `--lang=X` wins; a
/// value clap will refuse is ignored here and refused there.
pub fn init<I, S>(args: I) -> Lang
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut choice = LangChoice::Auto;
    let mut next_is_value = false;
    for a in args {
        let a = a.as_ref().to_string_lossy();
        let value = if next_is_value {
            next_is_value = false;
            Some(a.to_string())
        } else if a == "--lang" {
            next_is_value = true;
            None
        } else {
            a.strip_prefix("--lang=").map(str::to_string)
        };
        if let Some(v) = value {
            if let Ok(c) = <LangChoice as clap::ValueEnum>::from_str(&v, true) {
                choice = c;
            }
        }
    }
    let lang = Lang::resolve(choice, |name| std::env::var(name).ok());
    set(lang);
    lang
}

/// One language's catalog, all its files in one bundle.
type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang) -> &'static Bundle {
    static EN_B: OnceLock<Bundle> = OnceLock::new();
    static ZH_B: OnceLock<Bundle> = OnceLock::new();
    let cell = match lang {
        Lang::En => &EN_B,
        Lang::Zh => &ZH_B,
    };
    cell.get_or_init(|| build(lang))
}

fn build(lang: Lang) -> Bundle {
    // Every argument is passed as text (see `t!`), so no number or plural
    // rule depends on the bundle's locale: none is given.
    let mut b = Bundle::new_concurrent(Vec::new());
    // No Unicode isolation marks around placeholders: they are invisible
    // but counted by width measurement and break `grep` on the output.
    b.set_use_isolating(false);
    for (l, _, text) in CATALOGS.iter().filter(|(l, _, _)| *l == lang.code()) {
        debug_assert_eq!(*l, lang.code());
        // A file that does not parse keeps the entries that do; the
        // catalog test (tests/i18n_catalog.rs) fails on any error.
        let res = match FluentResource::try_new(text.to_string()) {
            Ok(r) => r,
            Err((r, _)) => r,
        };
        let _ = b.add_resource(res);
    }
    b
}

/// The message `key` in the language in force, with `args` filled in;
/// English when the Chinese catalog lacks it; `key` itself when neither
/// has it (so a stage title that is still an English literal, not a key,
/// shows as written).
pub fn tr_args(key: &str, args: &[(&str, String)]) -> String {
    tr_in(current(), key, args)
}

/// [`tr_args`] without placeholders.
pub fn tr(key: &str) -> String {
    tr_in(current(), key, &[])
}

/// The message `key` in `lang` (see [`tr_args`]).
pub fn tr_in(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    lookup(lang, key, args)
        .or_else(|| lookup(Lang::En, key, args))
        .unwrap_or_else(|| key.to_string())
}

/// Whether `lang`'s own catalog has `key` (no fallback).
pub fn has(lang: Lang, key: &str) -> bool {
    bundle(lang).has_message(key)
}

fn lookup(lang: Lang, key: &str, args: &[(&str, String)]) -> Option<String> {
    let b = bundle(lang);
    let pattern = b.get_message(key)?.value()?;
    let mut fa = FluentArgs::new();
    for (name, value) in args {
        fa.set(*name, value.clone());
    }
    let mut errors = Vec::new();
    let s = b.format_pattern(pattern, Some(&fa), &mut errors);
    Some(s.into_owned())
}

/// `t!("key")` or `t!("key", name = value, …)`: the message in the language
/// in force; each value is formatted with `Display` first.
#[macro_export]
macro_rules! t {
    ($key:expr) => {
        $crate::lang::tr($key)
    };
    ($key:expr, $($name:ident = $val:expr),+ $(,)?) => {
        $crate::lang::tr_args($key, &[$((stringify!($name), ($val).to_string())),+])
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_flag_beats_sticky_lang_which_beats_the_locale() {
        let all = env(&[("STICKY_LANG", "en"), ("LANG", "zh_CN.UTF-8")]);
        assert_eq!(Lang::resolve(LangChoice::Zh, &all), Lang::Zh);
        assert_eq!(Lang::resolve(LangChoice::Auto, &all), Lang::En);
        let locale = env(&[("STICKY_LANG", "auto"), ("LANG", "zh_CN.UTF-8")]);
        assert_eq!(Lang::resolve(LangChoice::Auto, locale), Lang::Zh);
    }

    #[test]
    fn the_first_locale_variable_set_decides_and_english_is_the_default() {
        let lc_all = env(&[("LC_ALL", "C.UTF-8"), ("LANG", "zh_CN.UTF-8")]);
        assert_eq!(Lang::resolve(LangChoice::Auto, lc_all), Lang::En);
        let language = env(&[("LANG", ""), ("LANGUAGE", "zh_TW:en")]);
        assert_eq!(Lang::resolve(LangChoice::Auto, language), Lang::Zh);
        assert_eq!(Lang::resolve(LangChoice::Auto, env(&[])), Lang::En);
    }

    #[test]
    fn a_key_missing_in_chinese_falls_back_to_english_then_to_itself() {
        assert_eq!(
            tr_in(Lang::Zh, "a stage title still in English", &[]),
            "a stage title still in English"
        );
        assert!(has(Lang::En, "harness-verdict-label"));
        assert_ne!(
            tr_in(Lang::Zh, "harness-verdict-label", &[]),
            tr_in(Lang::En, "harness-verdict-label", &[])
        );
    }

    #[test]
    fn placeholders_are_filled_without_isolation_marks() {
        let s = tr_in(Lang::En, "harness-stage-heading", &[("n", "3".into())]);
        assert_eq!(s, "Stage 3:");
    }
}
