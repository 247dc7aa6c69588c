//! `phr event list|join|leave|status`: the operator's walking events, joined and left as
//! consent decisions, with progress from the daily step totals on this device. The rules are
//! the core's ([`phr_core::events`]); this file only words them.

use super::Ctx;
use super::consent::use_profile;
use super::goal::grouped;
use crate::lang::Lang;
use crate::output::CliResult;
use clap::{Args, Subcommand};
use phr_core::events::{EventPhase, EventProgress};
use std::path::PathBuf;

#[derive(Args)]
pub struct EventArgs {
    /// Install this operator profile (JSON) first; default: the one installed earlier (or the
    /// embedded municipal sample, also from PHR_OPERATOR_PROFILE).
    #[arg(long, env = "PHR_OPERATOR_PROFILE")]
    profile: Option<PathBuf>,
    /// Language of the labels: ja or en.
    #[arg(long, default_value = "ja", global = true)]
    lang: String,
    #[command(subcommand)]
    cmd: EventCmd,
}

#[derive(Subcommand)]
pub enum EventCmd {
    /// The operator's events, whether --for takes part, and how far along.
    List,
    /// Take part: consent for the organiser to receive your daily step totals (never finer)
    /// for the event's purpose, with its receipt.
    Join {
        /// The event's id, as `phr event list` shows it.
        id: String,
        /// Walk for one of the event's teams.
        #[arg(long)]
        team: Option<String>,
    },
    /// Stop taking part: a withdrawal of that consent.
    Leave {
        /// The event's id.
        id: String,
    },
    /// Day by day progress in one event.
    Status {
        /// The event's id.
        id: String,
    },
}

pub fn run(ctx: &Ctx, a: EventArgs) -> CliResult {
    let l = Lang::parse(&a.lang, "the events")?;
    let o = ctx.open()?;
    use_profile(&o.session, a.profile.as_deref())?;
    let (s, subject) = (&o.session, o.subject.as_str());
    match a.cmd {
        EventCmd::List => {
            let all = s.walking_events(subject)?;
            if all.is_empty() {
                println!(
                    "{}",
                    l.pick("開催中・予定のイベントはありません", "No events")
                );
            }
            for p in &all {
                print_line(l, p);
            }
        }
        EventCmd::Join { id, team } => {
            let d = s.join_event(subject, &id, team.as_deref())?;
            let p = s.event_progress(subject, &id)?;
            println!("{}", l.pick("参加しました", "Joined"));
            print_line(l, &p);
            println!(
                "{}: {}",
                l.pick("同意", "consent"),
                super::consent::describe(&d)
            );
            println!(
                "{}: phr consent receipt --id {}",
                l.pick("同意の控え", "receipt"),
                d.id
            );
        }
        EventCmd::Leave { id } => {
            let d = s.leave_event(subject, &id)?;
            println!(
                "{}",
                l.pick(
                    "参加をやめました（同意を撤回しました）",
                    "Left the event (consent withdrawn)"
                )
            );
            println!(
                "{}: phr consent receipt --id {}",
                l.pick("撤回の控え", "receipt"),
                d.id
            );
        }
        EventCmd::Status { id } => {
            let p = s.event_progress(subject, &id)?;
            print_line(l, &p);
            for d in &p.days {
                let mark = match d.met {
                    Some(true) => "✓",
                    _ => " ",
                };
                println!(
                    "    {}  {:>7} {mark}",
                    d.date.format("%m-%d"),
                    grouped(d.steps)
                );
            }
        }
    }
    Ok(())
}

/// One event: name, period, targets, taking part or not, total so far.
fn print_line(l: Lang, p: &EventProgress) {
    let e = &p.event;
    let name = match l {
        Lang::Ja => &e.name_ja,
        Lang::En => &e.name_en,
    };
    let phase = match p.phase {
        EventPhase::Upcoming => l.pick("開催前", "upcoming"),
        EventPhase::Running => l.pick("開催中", "running"),
        EventPhase::Ended => l.pick("終了", "ended"),
    };
    println!("{}  {name}  {}〜{}  [{phase}]", e.id, e.from, e.to);
    let mut targets = vec![];
    if let Some(d) = e.daily_target {
        targets.push(match l {
            Lang::Ja => format!("1日 {}歩", grouped(d)),
            Lang::En => format!("{} a day", grouped(d)),
        });
    }
    if let Some(t) = e.total_target {
        targets.push(match l {
            Lang::Ja => format!("合計 {}歩", grouped(t)),
            Lang::En => format!("{} in all", grouped(t)),
        });
    }
    println!("  {}: {}", l.pick("目標", "target"), targets.join(", "));
    if !p.joined {
        println!(
            "  {}",
            l.pick(
                "参加していません（phr event join で参加）",
                "not taking part (phr event join)"
            )
        );
        return;
    }
    let team = p
        .team
        .as_ref()
        .and_then(|t| e.team(t))
        .map(|t| format!(" ({})", t.name))
        .unwrap_or_default();
    let total = u32::try_from(p.total_steps).unwrap_or(u32::MAX);
    let done = if p.completed {
        l.pick(" — 達成", " — completed")
    } else {
        ""
    };
    match l {
        Lang::Ja => println!(
            "  参加中{team}: 合計 {}歩、{}日中 {}日達成{done}",
            grouped(total),
            p.days.len(),
            p.days_met
        ),
        Lang::En => println!(
            "  taking part{team}: {} steps, goal met {} of {} days{done}",
            grouped(total),
            p.days_met,
            p.days.len()
        ),
    }
}
