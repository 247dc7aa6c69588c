//! Which occasions the rules award now, from facts the session gathered. Pure: the same facts
//! give the same occasions, which is what lets a test recompute the ledger from the records.

use crate::consent::{Confirmation, DataCategory, Earn, PointsProgram};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// An event a person joined, and the day they completed it (if they did).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventOutcome {
    pub event: String,
    pub completed_on: Option<NaiveDate>,
}

/// What the rules look at. Only days that are over are judged: `last_day` is yesterday, or
/// the programme's last day if that came first.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub last_day: Option<NaiveDate>,
    /// Each judged day of the programme: whether the goal that held that day was met.
    pub goal_days: BTreeMap<NaiveDate, bool>,
    pub events: Vec<EventOutcome>,
    /// The dates of the person's checkups (any order).
    pub checkups: Vec<NaiveDate>,
}

/// One occasion a rule awards, and whether the consent its confirmation needs is in force
/// (always true for a rule the operator does not confirm).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occasion {
    pub rule: String,
    /// The key within the rule: the date, the event id, the fiscal year (`FY2026`).
    pub occasion: String,
    pub date: NaiveDate,
    pub points: u32,
    pub shared: bool,
}

/// 年度: April to March, named by the year it starts in.
pub fn fiscal_year(d: NaiveDate) -> i32 {
    if d.month() >= 4 {
        d.year()
    } else {
        d.year() - 1
    }
}

/// Every occasion earned under `program`, in rule order then date order. `shared` says whether
/// consent lets the confirming recipient see data of that category for that purpose now.
pub fn earned(
    program: &PointsProgram,
    facts: &Facts,
    shared: impl Fn(&Confirmation, DataCategory) -> bool,
) -> Vec<Occasion> {
    let Some(last) = facts.last_day else {
        return vec![];
    };
    let judged = |d: NaiveDate| d >= program.from && d <= program.to && d <= last;
    let mut out = vec![];
    for rule in &program.rules {
        let shared = rule
            .confirm
            .as_ref()
            .is_none_or(|c| shared(c, rule.earn.category()));
        let mut award = |occasion: String, date: NaiveDate| {
            out.push(Occasion {
                rule: rule.id.clone(),
                occasion,
                date,
                points: rule.points,
                shared,
            })
        };
        match &rule.earn {
            Earn::GoalDay => {
                for (d, _) in facts
                    .goal_days
                    .iter()
                    .filter(|(d, met)| **met && judged(**d))
                {
                    award(d.to_string(), *d);
                }
            }
            Earn::EventCompleted { event } => {
                let done = facts
                    .events
                    .iter()
                    .filter(|o| &o.event == event)
                    .find_map(|o| o.completed_on)
                    .filter(|d| judged(*d));
                if let Some(d) = done {
                    award(event.clone(), d);
                }
            }
            Earn::CheckupTaken => {
                let mut first_of_year: BTreeMap<i32, NaiveDate> = BTreeMap::new();
                for d in facts.checkups.iter().copied().filter(|d| judged(*d)) {
                    let e = first_of_year.entry(fiscal_year(d)).or_insert(d);
                    *e = (*e).min(d);
                }
                for (fy, d) in first_of_year {
                    award(format!("FY{fy}"), d);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::PointRule;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, m, day).unwrap()
    }

    fn rule(id: &str, earn: Earn, confirm: bool) -> PointRule {
        PointRule {
            id: id.into(),
            reason_ja: "理由".into(),
            reason_en: "reason".into(),
            earn,
            points: 10,
            confirm: confirm.then(|| Confirmation {
                recipient: "r".into(),
                purpose: "p".into(),
            }),
        }
    }

    #[test]
    fn only_days_that_are_over_and_inside_the_programme_are_judged() {
        let program = PointsProgram {
            from: d(3, 2),
            to: d(3, 5),
            rules: vec![rule("g", Earn::GoalDay, false)],
        };
        let facts = Facts {
            last_day: Some(d(3, 4)),
            goal_days: (1..=6).map(|x| (d(3, x), x != 3)).collect(),
            ..Facts::default()
        };
        let days: Vec<_> = earned(&program, &facts, |_, _| true)
            .into_iter()
            .map(|o| o.date)
            .collect();
        assert_eq!(days, vec![d(3, 2), d(3, 4)]);
    }

    #[test]
    fn a_checkup_counts_once_a_fiscal_year_and_confirmation_follows_consent() {
        let program = PointsProgram {
            from: d(1, 1),
            to: d(12, 31),
            rules: vec![rule("c", Earn::CheckupTaken, true)],
        };
        let facts = Facts {
            last_day: Some(d(12, 31)),
            checkups: vec![d(6, 1), d(3, 31), d(4, 1), d(2, 1)],
            ..Facts::default()
        };
        let got = earned(&program, &facts, |_, c| c == DataCategory::Lifelog);
        let keys: Vec<_> = got.iter().map(|o| (o.occasion.as_str(), o.date)).collect();
        assert_eq!(keys, vec![("FY2026", d(2, 1)), ("FY2027", d(4, 1))]);
        assert!(got.iter().all(|o| !o.shared), "checkup data is not shared");
    }
}
