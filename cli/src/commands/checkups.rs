//! `phr checkups`: --for's checkups as a resident reads them, or side by side year over year
//! (`--compare`), from the core's queries ([`phr_core::Session::checkups`],
//! [`phr_core::Session::checkup_comparison`]); this file only words them.

use super::Ctx;
use crate::lang::Lang;
use crate::output::{CliError, CliResult};
use clap::Args;
use phr_core::checkups::{CheckupComparison, CheckupReading, ResultReading};

#[derive(Args)]
pub struct CheckupsArgs {
    /// How many of the newest checkups (1–100).
    #[arg(long, default_value_t = 3)]
    last: u32,
    /// Side by side, item by item (year over year), instead of one checkup after another.
    #[arg(long)]
    compare: bool,
    /// Language of the labels: ja or en.
    #[arg(long, default_value = "ja")]
    lang: String,
}

pub fn run(ctx: &Ctx, a: CheckupsArgs) -> CliResult {
    let l = Lang::parse(&a.lang, "the checkups")?;
    if !(1..=100).contains(&a.last) {
        return Err(CliError::Usage(format!(
            "--last {}: must be from 1 to 100",
            a.last
        )));
    }
    let o = ctx.open()?;
    let person = o.session.person_details(&o.subject)?;
    println!("{}", person.display_name());
    if a.compare {
        let cmp = o.session.checkup_comparison(&o.subject, a.last)?;
        print_comparison(l, &cmp);
    } else {
        let readings = o.session.checkups(&o.subject, a.last)?;
        if readings.is_empty() {
            println!(
                "{}",
                l.pick(
                    "健診の記録はまだありません（phr import で健診結果のファイルを取り込めます）",
                    "No checkup yet (phr import reads a checkup file)"
                )
            );
        }
        for r in &readings {
            print_reading(l, r);
        }
    }
    Ok(())
}

fn program(l: Lang, p: &str) -> &'static str {
    match p {
        "specific_health_checkup" => l.pick("特定健診", "specific health checkup"),
        "general" => l.pick("一般健診", "general checkup"),
        _ => l.pick("その他の健診", "other checkup"),
    }
}

fn print_reading(l: Lang, r: &CheckupReading) {
    println!();
    println!(
        "{}  {}  {}  [{}]",
        r.date.format("%Y-%m-%d"),
        program(l, &r.program),
        r.institution,
        r.record_id
    );
    if let Some(j) = &r.judgement {
        println!("  {}: {j}", l.pick("医師の判断", "Doctor's judgement"));
    }
    if let Some(m) = &r.metabolic_syndrome {
        println!(
            "  {}: {m}",
            l.pick("メタボリックシンドローム判定", "Metabolic syndrome")
        );
    }
    if let Some(g) = &r.guidance_level {
        println!(
            "  {}: {g}",
            l.pick("保健指導レベル", "Health guidance level")
        );
    }
    if let Some(w) = r.worst_level {
        println!(
            "  {}: {}",
            l.pick(
                "判定値との比較（最も高い項目）",
                "Against the thresholds (worst item)"
            ),
            l.level(w)
        );
    }
    for x in &r.results {
        println!("  {}", result_line(l, x));
    }
    for c in &r.corrections {
        println!(
            "  {} ({}): {}  [{}]",
            l.pick("訂正のメモ", "Correction note"),
            c.written.to_fixed().format("%Y-%m-%d"),
            c.text,
            c.note_id
        );
    }
}

/// `HbA1c(NGSP値): 5.7 %  (基準 4.6–6.2, 高)  保健指導判定値以上`.
fn result_line(l: Lang, x: &ResultReading) -> String {
    let mut line = format!("{}: {}", x.name, with_unit(&x.value, x.unit.as_deref()));
    let range = match (x.ref_low, x.ref_high) {
        (Some(lo), Some(hi)) => Some(format!("{lo}–{hi}")),
        (Some(lo), None) => Some(format!("≥{lo}")),
        (None, Some(hi)) => Some(format!("≤{hi}")),
        (None, None) => None,
    };
    let flag = x.flag.as_deref().and_then(|f| match f {
        "H" => Some(l.pick("高", "high")),
        "L" => Some(l.pick("低", "low")),
        "A" => Some(l.pick("異常", "abnormal")),
        _ => None,
    });
    let notes: Vec<String> = range
        .map(|r| format!("{} {r}", l.pick("基準", "reference")))
        .into_iter()
        .chain(flag.map(str::to_owned))
        .collect();
    if !notes.is_empty() {
        line.push_str(&format!("  ({})", notes.join(", ")));
    }
    if let Some(level) = x.level {
        line.push_str(&format!("  {}", l.level(level)));
    }
    line
}

fn with_unit(value: &str, unit: Option<&str>) -> String {
    match unit {
        Some(u) if !u.is_empty() => format!("{value} {}", u.replace("mm[Hg]", "mmHg")),
        _ => value.to_owned(),
    }
}

/// One line per item: `name (unit) | 2026-06-10 | 2025-06-12`, a level after a value at or
/// above a threshold.
fn print_comparison(l: Lang, cmp: &CheckupComparison) {
    if cmp.dates.is_empty() {
        println!("{}", l.pick("健診の記録はまだありません", "No checkup yet"));
        return;
    }
    let dates: Vec<String> = cmp
        .dates
        .iter()
        .map(|d| d.format("%Y-%m-%d").to_string())
        .collect();
    println!("{} | {}", l.pick("項目", "Item"), dates.join(" | "));
    for row in &cmp.rows {
        let name = match row.unit.as_deref() {
            Some(u) if !u.is_empty() => format!("{} ({})", row.name, u.replace("mm[Hg]", "mmHg")),
            _ => row.name.clone(),
        };
        let cells: Vec<String> = row
            .cells
            .iter()
            .map(|c| match c {
                None => "—".to_owned(),
                Some(c) => match c.level {
                    Some(level) if level != phr_core::guidance::Level::Normal => {
                        format!("{} [{}]", c.value, l.level(level))
                    }
                    _ => c.value.clone(),
                },
            })
            .collect();
        println!("{name} | {}", cells.join(" | "));
    }
}
