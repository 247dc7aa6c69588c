//! `phr person add|enroll|list`.

use super::Ctx;
use crate::output::{CliError, CliResult};
use clap::Subcommand;
use phr_core::records::{NewPerson, Sex, parse_date};

#[derive(Subcommand)]
pub enum PersonCmd {
    /// Add a person (the first becomes the device owner).
    Add {
        /// Short handle used with --as/--for, e.g. hanako.
        #[arg(long)]
        nickname: String,
        /// Family name in kanji (山田).
        #[arg(long)]
        family: String,
        /// Given name in kanji (花子).
        #[arg(long)]
        given: String,
        /// Family name in katakana (フリガナ), e.g. ヤマダ.
        #[arg(long)]
        family_kana: Option<String>,
        /// Given name in katakana, e.g. ハナコ.
        #[arg(long)]
        given_kana: Option<String>,
        /// Birth date YYYY-MM-DD.
        #[arg(long)]
        birth: String,
        /// male, female, other or unknown.
        #[arg(long, default_value = "unknown")]
        sex: String,
        /// 保険者番号 (6 or 8 digits).
        #[arg(long)]
        insurer: Option<String>,
        /// A member: unlocks the store as themself with their own passphrase
        /// (PHR_NEW_PASSPHRASE or a prompt; they type it). Without it the person is managed
        /// (a child, a parent who does not use the app): acted for through `family grant`.
        #[arg(long)]
        member: bool,
    },
    /// Give a person on this device their own passphrase (PHR_NEW_PASSPHRASE or a prompt; they
    /// type it): a managed person who now uses the app, or a member after a restore (a backup
    /// holds no credentials). The owner does this.
    Enroll {
        /// The person's nickname, as `phr person list` shows it.
        #[arg(long)]
        nickname: String,
    },
    /// List the persons on this device.
    List,
    /// Remove a managed person (no passphrase of their own) with all their data: records,
    /// history, documents, goals, and the grants on them. Refused while anything is still shared
    /// (withdraw consent, `erase --all`, `sync` first). The owner does this; it cannot be undone.
    Remove {
        /// The person's nickname, as `phr person list` shows it.
        nickname: String,
        /// Confirm: the person and all their data are removed for good.
        #[arg(long)]
        yes: bool,
    },
}

pub fn run(ctx: &Ctx, cmd: PersonCmd) -> CliResult {
    match cmd {
        PersonCmd::Add {
            nickname,
            family,
            given,
            family_kana,
            given_kana,
            birth,
            sex,
            insurer,
            member,
        } => {
            let session = ctx.unlock()?;
            let person = NewPerson {
                nickname,
                family_name: family,
                given_name: given,
                family_name_kana: family_kana,
                given_name_kana: given_kana,
                birth_date: parse_date("birth", &birth)?,
                sex: Sex::parse(&sex)?,
                insurer_number: insurer,
                insured_symbol: None,
                insured_number: None,
                municipality_code: None,
            };
            let p = if member {
                let pass = crate::unlock::new_secret(
                    "PHR_NEW_PASSPHRASE",
                    "passphrase of the new member",
                )?;
                let credential = phr_core::Unlock::Passphrase(&pass);
                session.add_member(person, &credential, crate::unlock::kdf()?)?
            } else {
                session.add_person(person)?
            };
            println!(
                "added {} ({}){}",
                p.details.nickname,
                p.display_name(),
                if p.is_owner {
                    ", device owner"
                } else if member {
                    ", a member (unlocks with their own passphrase: --as NICKNAME)"
                } else {
                    ", managed (acted for through family grants)"
                }
            );
        }
        PersonCmd::Enroll { nickname } => {
            let session = ctx.unlock()?;
            let pass = crate::unlock::new_secret("PHR_NEW_PASSPHRASE", "passphrase of the member")?;
            let credential = phr_core::Unlock::Passphrase(&pass);
            let p = session.enroll_member(&nickname, &credential, crate::unlock::kdf()?)?;
            println!(
                "{} ({}) now unlocks with their own passphrase: --as {}",
                p.details.nickname,
                p.display_name(),
                p.details.nickname
            );
        }
        PersonCmd::Remove { nickname, yes } => {
            if !yes {
                return Err(CliError::Usage(format!(
                    "removing {nickname} erases the person and all their data and cannot be undone: add --yes"
                )));
            }
            let session = ctx.unlock()?;
            let id = session.person_id_by_nickname(&nickname).map_err(|_| {
                CliError::Usage(format!("{nickname}: no person with this nickname"))
            })?;
            let erased = session.remove_person(&id)?;
            println!(
                "removed {nickname} and {erased} record(s); their consent decisions stay in the record, under an id only"
            );
        }
        PersonCmd::List => {
            let o = ctx.open()?;
            for p in o.session.persons()? {
                println!(
                    "{:<12} {}  born {}  {}{}",
                    p.details.nickname,
                    p.display_name(),
                    p.details.birth_date,
                    p.details.sex.as_str(),
                    if p.is_owner { "  (owner)" } else { "" }
                );
            }
        }
    }
    Ok(())
}
