//! The language of words shown to people: Japanese by default, English on request
//! (`--lang ja|en`); any other value is refused naming the accepted ones.

use crate::output::{CliError, CliResult};
use phr_core::guidance::Level;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    /// `what` names the output in the refusal ("this summary").
    pub fn parse(s: &str, what: &str) -> CliResult<Lang> {
        match s {
            "ja" => Ok(Lang::Ja),
            "en" => Ok(Lang::En),
            other => Err(CliError::Usage(format!(
                "--lang {other}: not a language of {what} (ja, en)"
            ))),
        }
    }

    pub fn pick(self, ja: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    pub fn level(self, level: Level) -> &'static str {
        match self {
            Lang::Ja => level.label_ja(),
            Lang::En => level.label(),
        }
    }
}
