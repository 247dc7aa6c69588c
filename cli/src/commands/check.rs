//! `phr check`: the full check of the store's database file (every table and index, every
//! page's HMAC), with a progress bar. Exits 4 if anything is damaged.

use super::Ctx;
use crate::output::CliResult;
use crate::unlock;
use indicatif::{ProgressBar, ProgressStyle};
use phr_core::{Error, Store, Unlock};

pub fn run(ctx: &Ctx) -> CliResult {
    let pass = unlock::secret("PHR_PASSPHRASE", "Passphrase: ")?;
    let bar = ProgressBar::new(1);
    if let Ok(style) = ProgressStyle::with_template("checking {bar:30} {pos}/{len} steps") {
        bar.set_style(style);
    }
    // Not `unlock`: its own bounded check may refuse a damaged store, which is what this
    // command is for.
    let report = Store::check_file(&ctx.store, Unlock::Passphrase(&pass), |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    if report.is_ok() {
        println!(
            "the store is sound ({} checks: every table, index and page)",
            report.steps
        );
        return Ok(());
    }
    for p in &report.problems {
        eprintln!("  {p}");
    }
    Err(Error::CorruptStore {
        reason: "the database file phr.db is damaged (problems listed above)",
    }
    .into())
}
