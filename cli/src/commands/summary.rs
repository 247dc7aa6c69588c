//! `phr summary`: the morning overview of --for's record, from the core's one query
//! ([`phr_core::Session::overview`]); this file only words it, in Japanese or English.

use super::Ctx;
use crate::lang::Lang;
use crate::output::CliResult;
use chrono::DateTime;
use clap::Args;

#[derive(Args)]
pub struct SummaryArgs {
    /// Language of the labels: ja or en.
    #[arg(long, default_value = "ja")]
    lang: String,
}

pub fn run(ctx: &Ctx, a: SummaryArgs) -> CliResult {
    let l = Lang::parse(&a.lang, "this summary")?;
    let pick = |ja: &'static str, en: &'static str| l.pick(ja, en);
    let zone = ctx.zone()?;
    let o = ctx.open()?;
    let person = o.session.person_details(&o.subject)?;
    let v = o.session.overview(&o.subject)?;
    println!(
        "{} — {}",
        person.display_name(),
        chrono::DateTime::from_timestamp(v.at.utc_seconds, 0)
            .map(|t| t
                .with_timezone(&zone)
                .format("%Y-%m-%d %H:%M %Z")
                .to_string())
            .unwrap_or_default()
    );

    println!("{}", pick("最新の値", "Latest values"));
    if v.latest.is_empty() {
        println!("  {}", pick("(まだありません)", "(none yet)"));
    }
    for t in &v.latest {
        let level = t
            .level
            .map(|x| format!("  [{}]", l.level(x)))
            .unwrap_or_default();
        println!(
            "  {:<16}  {}{level}",
            t.record.meta.effective_label_in(&zone),
            t.summary
        );
    }

    super::goal::print_progress(l, &v.steps, false);

    match (&v.last_checkup, v.next_checkup_due) {
        (Some(r), due) => {
            let (institution, judgement) = match &r.body {
                phr_core::records::RecordBody::Checkup(c) => {
                    (c.institution.clone(), c.judgement.clone())
                }
                _ => (String::new(), None),
            };
            println!(
                "{}: {} {institution}{}",
                pick("前回の健診", "Last checkup"),
                r.meta.effective_label(),
                judgement.map(|j| format!(" ({j})")).unwrap_or_default()
            );
            if let Some(due) = due {
                println!(
                    "{}: {}",
                    pick("次回の健診の目安", "Next checkup due"),
                    due.format("%Y-%m-%d")
                );
            }
        }
        (None, _) => println!("{}", pick("健診の記録はまだありません", "No checkup yet")),
    }

    println!("{}", pick("共有先（同意による）", "Shared by consent"));
    if v.shared.is_empty() {
        println!(
            "  {}",
            pick("(どこにも共有していません)", "(nothing is shared)")
        );
    }
    for s in &v.shared {
        let cats: Vec<&str> = s
            .categories
            .iter()
            .map(|c| {
                if l == Lang::Ja {
                    c.label_ja()
                } else {
                    c.label_en()
                }
            })
            .collect();
        let purpose = if l == Lang::Ja {
            &s.purpose_label_ja
        } else {
            &s.purpose_label_en
        };
        println!("  {} — {purpose}: {}", s.recipient_name, cats.join(", "));
    }
    if v.awaiting_reconsent > 0 {
        println!(
            "  {} {}",
            v.awaiting_reconsent,
            pick(
                "件の同意が再確認待ちです（phr consent show）",
                "consent(s) wait for you to decide again (phr consent show)"
            )
        );
    }

    println!("{}", pick("家族・代理人", "Family and proxies"));
    if v.family.is_empty() {
        println!(
            "  {}",
            pick("(ほかに見られる人はいません)", "(no one else)")
        );
    }
    for g in &v.family {
        let rights: Vec<&str> = g
            .scopes
            .iter()
            .map(|s| {
                if l == Lang::Ja {
                    s.label_ja()
                } else {
                    s.label_en()
                }
            })
            .collect();
        let until = g
            .valid_until
            .and_then(|u| DateTime::from_timestamp(u, 0))
            .map(|u| {
                format!(
                    " {} {}",
                    pick("期限", "until"),
                    u.with_timezone(&zone).format("%Y-%m-%d")
                )
            })
            .unwrap_or_default();
        let who = g.grantee_nickname.as_deref().unwrap_or("?");
        println!("  {who}: {}{until}", rights.join(", "));
    }

    let waiting: u32 = v.waiting_to_sync.iter().map(|w| w.items).sum();
    if waiting == 0 {
        println!("{}", pick("同期待ち: なし", "Waiting to sync: nothing"));
    } else {
        let per: Vec<String> = v
            .waiting_to_sync
            .iter()
            .map(|w| format!("{} {}", w.recipient, w.items))
            .collect();
        println!(
            "{}: {waiting} ({})",
            pick("同期待ち", "Waiting to sync"),
            per.join(", ")
        );
    }
    Ok(())
}
