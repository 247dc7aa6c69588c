//! `phr init`, `backup`, `restore`, `passphrase change`.

use super::Ctx;
use crate::output::CliResult;
use crate::unlock::{kdf, new_secret, secret};
use clap::Subcommand;
use phr_core::{Session, Store};
use std::path::Path;

#[derive(Subcommand)]
pub enum PassphraseCmd {
    /// Change your passphrase (PHR_PASSPHRASE = current, PHR_NEW_PASSPHRASE = new); with
    /// --rotate-key also replace the data key, so an older copy of the keyring opens nothing.
    Change {
        /// Also replace the data key, so an older copy of the keyring opens nothing.
        #[arg(long)]
        rotate_key: bool,
    },
}

pub fn init(ctx: &Ctx) -> CliResult {
    let pass = new_secret("PHR_PASSPHRASE", "passphrase")?;
    Session::create(&ctx.store, &pass, kdf()?)?;
    println!("created an encrypted store in {}", ctx.store.display());
    println!("next: phr person add --nickname NAME --family 姓 --given 名 --birth YYYY-MM-DD");
    Ok(())
}

pub fn backup(ctx: &Ctx, out: &Path) -> CliResult {
    let s = ctx.unlock()?;
    let pass = new_secret("PHR_BACKUP_PASSPHRASE", "backup passphrase")?;
    s.backup(out, &pass)?;
    println!(
        "wrote encrypted backup {} (SQLCipher 4; open it with the backup passphrase)",
        out.display()
    );
    Ok(())
}

pub fn restore(ctx: &Ctx, file: &Path) -> CliResult {
    let backup_pass = secret("PHR_BACKUP_PASSPHRASE", "Backup passphrase: ")?;
    let pass = new_secret("PHR_PASSPHRASE", "passphrase for the restored store")?;
    Store::restore(file, &backup_pass, &ctx.store, &pass, kdf()?)?;
    println!("restored into {}", ctx.store.display());
    Ok(())
}

pub fn passphrase(ctx: &Ctx, cmd: PassphraseCmd) -> CliResult {
    match cmd {
        PassphraseCmd::Change { rotate_key } => {
            let old = secret("PHR_PASSPHRASE", "Current passphrase: ")?;
            let s = match &ctx.actor {
                Some(n) => Session::unlock_as(&ctx.store, n, phr_core::Unlock::Passphrase(&old))?,
                None => Session::unlock(&ctx.store, phr_core::Unlock::Passphrase(&old))?,
            };
            let new = new_secret("PHR_NEW_PASSPHRASE", "passphrase")?;
            s.change_passphrase(&old, &new, kdf()?)?;
            println!("passphrase changed");
            if rotate_key {
                s.rotate_data_key(&phr_core::Unlock::Passphrase(&new))?;
                println!("data key replaced: older copies of the keyring open nothing");
            }
        }
    }
    Ok(())
}
