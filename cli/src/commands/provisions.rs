//! `phr provisions`: the provision log of --for (what left the device, to whom, for what, under
//! which consent), as a table, or as a JSON or CSV file to keep or hand to the operator. The log
//! is the core's ([`phr_core::provision`]); this file only words it.

use super::Ctx;
use crate::lang::Lang;
use crate::output::CliResult;
use clap::{Args, ValueEnum};
use phr_core::provision::{self, Provision};
use std::path::PathBuf;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// One line per provision, for reading.
    Table,
    /// Every field (for the operator, or a machine).
    Json,
    /// One line per provision, for a spreadsheet.
    Csv,
}

#[derive(Args)]
pub struct ProvisionsArgs {
    /// How to write the log.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write to this new file instead of the terminal.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Language of the table's labels: ja or en.
    #[arg(long, default_value = "ja")]
    lang: String,
}

pub fn run(ctx: &Ctx, a: ProvisionsArgs) -> CliResult {
    let l = Lang::parse(&a.lang, "the provision log")?;
    let zone = ctx.zone()?;
    let o = ctx.open()?;
    let log = o.session.provision_log(&o.subject)?;
    let text = match a.format {
        Format::Json => provision::to_json(&log) + "\n",
        Format::Csv => provision::to_csv(&log),
        Format::Table => table(l, &zone, &log),
    };
    match &a.out {
        None => print!("{text}"),
        Some(path) => {
            super::export::write_new(path, |w| {
                w.write_all(text.as_bytes())?;
                Ok(log.len())
            })?;
            println!("wrote {} provision(s) to {}", log.len(), path.display());
        }
    }
    Ok(())
}

fn table(l: Lang, zone: &chrono_tz::Tz, log: &[Provision]) -> String {
    if log.is_empty() {
        return format!(
            "{}\n",
            l.pick(
                "提供記録はありません（まだ何も端末の外に出ていません）",
                "No provisions: nothing has left this device"
            )
        );
    }
    let mut out = String::new();
    for e in log {
        let at = super::local_rfc3339(zone, &e.at.to_rfc3339());
        let what: Vec<&str> = e
            .categories
            .iter()
            .map(|c| match l {
                Lang::Ja => c.label_ja(),
                Lang::En => c.label_en(),
            })
            .collect();
        let details: Vec<&str> = e.details.iter().map(|d| d.as_str()).collect();
        let details = if details.is_empty() {
            String::new()
        } else {
            format!(" ({})", details.join(", "))
        };
        out.push_str(&format!(
            "{at}  {}  [{}]  {}{details}  {} {}  via {}  {} {}\n",
            e.recipient_name,
            e.purpose,
            what.join("・"),
            e.item_count,
            l.pick("件", "item(s)"),
            e.channel.as_str(),
            l.pick("同意", "consent"),
            e.directive_ids.join(","),
        ));
    }
    out
}
