//! `phr goal`: --for's daily step goal and how the days measure up to it, or a new goal from
//! today (`--set 9000`, `--set default`); the rules are the core's ([`phr_core::goals`]), this
//! file only words them. `phr summary` shows the same progress in brief.

use super::Ctx;
use crate::lang::Lang;
use crate::output::{CliError, CliResult};
use chrono::Datelike;
use clap::Args;
use phr_core::goals::{StepGoal, StepProgress};

#[derive(Args)]
pub struct GoalArgs {
    /// A new daily goal from today on: a number of steps (500–50,000; 9000 or 9,000), or
    /// `default` for the guideline's for the age (8,000; 6,000 from 65). Earlier days keep theirs.
    #[arg(long, value_name = "STEPS|default")]
    set: Option<String>,
    /// Language of the labels: ja or en.
    #[arg(long, default_value = "ja")]
    lang: String,
}

pub fn run(ctx: &Ctx, a: GoalArgs) -> CliResult {
    let l = Lang::parse(&a.lang, "the step goal")?;
    let set = a.set.as_deref().map(parse_goal).transpose()?;
    let o = ctx.open()?;
    let p = match set {
        Some(goal) => o.session.set_step_goal(&o.subject, goal)?,
        None => o.session.step_progress(&o.subject)?,
    };
    let person = o.session.person_details(&o.subject)?;
    println!("{}", person.display_name());
    print_progress(l, &p, true);
    Ok(())
}

/// `default` → the guideline; otherwise whole steps, commas allowed. The range is the core's.
fn parse_goal(s: &str) -> CliResult<Option<u32>> {
    if s.eq_ignore_ascii_case("default") {
        return Ok(None);
    }
    s.replace(',', "").parse::<u32>().map(Some).map_err(|_| {
        CliError::Usage(format!(
            "--set {s}: not a number of steps (500–50,000) or `default`"
        ))
    })
}

/// 12345 → "12,345".
pub fn grouped(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn goal_words(l: Lang, g: StepGoal) -> String {
    let source = l.pick(g.source.label_ja(), g.source.label_en());
    match l {
        Lang::Ja => format!("1日 {}歩（{source}）", grouped(g.daily_steps)),
        Lang::En => format!("{} steps a day ({source})", grouped(g.daily_steps)),
    }
}

/// The goal, today, this week and the streak; `days` adds one line per day of the week.
pub fn print_progress(l: Lang, p: &StepProgress, days: bool) {
    let mut goal = goal_words(l, p.goal);
    if p.goal.source == phr_core::goals::GoalSource::Personal {
        goal.push_str(&match l {
            Lang::Ja => format!(" — 目安は {}歩", grouped(p.guideline.daily_steps)),
            Lang::En => format!(" — the guideline's is {}", grouped(p.guideline.daily_steps)),
        });
    }
    println!("{}: {goal}", l.pick("歩数の目標", "Step goal"));
    let today = match (l, p.remaining_today) {
        (Lang::Ja, 0) => format!("{}歩 — 達成", grouped(p.today_steps)),
        (Lang::Ja, left) => format!("{}歩 — あと {}歩", grouped(p.today_steps), grouped(left)),
        (Lang::En, 0) => format!("{} steps — goal met", grouped(p.today_steps)),
        (Lang::En, left) => format!("{} steps — {} to go", grouped(p.today_steps), grouped(left)),
    };
    println!("  {}: {today}", l.pick("今日", "Today"));
    let (from, n) = (p.week_from.format("%Y-%m-%d"), p.week.len());
    let week = match l {
        Lang::Ja => format!(
            "今週（{from}から）: {n}日中 {}日達成、合計 {}歩",
            p.week_days_met,
            grouped(p.week_steps)
        ),
        Lang::En => format!(
            "This week (from {from}): goal met {} of {n} days, {} steps",
            p.week_days_met,
            grouped(p.week_steps)
        ),
    };
    println!("  {week}");
    if days {
        for d in &p.week {
            let mark = if d.met { "✓" } else { " " };
            println!(
                "    {} {}  {:>7} / {:<7} {mark}",
                weekday(l, d.date.weekday()),
                d.date.format("%m-%d"),
                grouped(d.steps),
                grouped(d.goal)
            );
        }
    }
    let streak = match l {
        Lang::Ja => format!("連続達成: {}日", p.streak_days),
        Lang::En if p.streak_days == 1 => "Streak: 1 day".to_owned(),
        Lang::En => format!("Streak: {} days", p.streak_days),
    };
    println!("  {streak}");
}

fn weekday(l: Lang, w: chrono::Weekday) -> &'static str {
    use chrono::Weekday::*;
    match w {
        Mon => l.pick("月", "Mon"),
        Tue => l.pick("火", "Tue"),
        Wed => l.pick("水", "Wed"),
        Thu => l.pick("木", "Thu"),
        Fri => l.pick("金", "Fri"),
        Sat => l.pick("土", "Sat"),
        Sun => l.pick("日", "Sun"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(8_000), "8,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn a_goal_is_steps_with_or_without_commas_or_default() {
        assert_eq!(parse_goal("9000").ok(), Some(Some(9_000)));
        assert_eq!(parse_goal("9,000").ok(), Some(Some(9_000)));
        assert_eq!(parse_goal("Default").ok(), Some(None));
        assert!(parse_goal("lots").is_err());
        assert!(parse_goal("-5").is_err());
    }
}
