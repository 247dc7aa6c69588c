//! `phr points`: --for's points ledger, every entry with its reason, and the balance. The rules
//! are the operator profile's and the core's ([`phr_core::points`]); this file only words them.

use super::Ctx;
use crate::lang::Lang;
use crate::output::CliResult;
use clap::Args;
use phr_core::points::{EntryReason, LedgerEntry, PointsLedger};

#[derive(Args)]
pub struct PointsArgs {
    /// Show the newest N entries only (the balance counts them all).
    #[arg(long, value_name = "N")]
    last: Option<usize>,
    /// Language of the labels: ja or en.
    #[arg(long, default_value = "ja")]
    lang: String,
}

pub fn run(ctx: &Ctx, a: PointsArgs) -> CliResult {
    let l = Lang::parse(&a.lang, "the points ledger")?;
    let o = ctx.open()?;
    let ledger = o.session.points(&o.subject)?;
    let person = o.session.person_details(&o.subject)?;
    println!("{}", person.display_name());
    print_ledger(l, &ledger, a.last);
    Ok(())
}

fn print_ledger(l: Lang, ledger: &PointsLedger, last: Option<usize>) {
    match &ledger.program {
        Some(p) => println!(
            "{} {} – {}",
            l.pick("ポイント期間", "Points programme"),
            p.from,
            p.to
        ),
        None => println!(
            "{}",
            l.pick(
                "ポイント事業は現在ありません",
                "No points programme is running"
            )
        ),
    }
    println!("{}: {}", l.pick("残高", "Balance"), ledger.balance);
    if ledger.entries.is_empty() {
        println!("{}", l.pick("まだ記録はありません", "No entries yet"));
        return;
    }
    let skip = last.map_or(0, |n| ledger.entries.len().saturating_sub(n));
    for e in &ledger.entries[skip..] {
        println!("{}", line(l, e));
    }
}

fn line(l: Lang, e: &LedgerEntry) -> String {
    let reason = match l {
        Lang::Ja => e.reason_ja.as_str(),
        Lang::En => e.reason_en.as_str(),
    };
    let why = match e.reason {
        EntryReason::Earned => "",
        EntryReason::ConsentWithdrawn => l.pick(
            "（取消: 確認に必要な同意が撤回されました）",
            " (taken back: the consent needed to confirm it was withdrawn)",
        ),
        EntryReason::DataChanged => l.pick(
            "（取消: 元のデータがなくなりました）",
            " (taken back: the data behind it is no longer there)",
        ),
    };
    format!(
        "  {:>+7}  {}  {}{}  [{}]",
        e.points, e.occasion_date, reason, why, e.occasion
    )
}
