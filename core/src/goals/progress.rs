//! How the days measure up to the goal: today, this week (Monday on), and the current streak.

use super::guideline::{GoalSource, StepGoal, guideline_goal};
use super::repo::GoalChange;
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

/// The goal on each day: the last change on or before it, else the guideline for the age the
/// person was that day (so a 65th birthday lowers the default from that day on).
#[derive(Debug, Clone)]
pub struct GoalHistory {
    pub birth_date: NaiveDate,
    /// Oldest first.
    pub changes: Vec<GoalChange>,
}

impl GoalHistory {
    pub fn on(&self, day: NaiveDate) -> StepGoal {
        let set = self
            .changes
            .iter()
            .rev()
            .find(|c| c.from <= day)
            .and_then(|c| c.daily_steps);
        match set {
            Some(daily_steps) => StepGoal {
                daily_steps,
                source: GoalSource::Personal,
            },
            None => guideline_goal(day.years_since(self.birth_date).unwrap_or(0)),
        }
    }
}

/// One day against its goal.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayProgress {
    pub date: NaiveDate,
    pub steps: u32,
    pub goal: u32,
    pub met: bool,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepProgress {
    pub subject_id: String,
    pub today: NaiveDate,
    /// The goal in force today.
    pub goal: StepGoal,
    /// The guideline's goal for the person's age today, shown beside a personal one.
    pub guideline: StepGoal,
    pub today_steps: u32,
    /// Steps still to walk today (0 once the goal is met).
    pub remaining_today: u32,
    /// Monday of this week, and each day from it to today.
    pub week_from: NaiveDate,
    pub week: Vec<DayProgress>,
    pub week_days_met: u32,
    pub week_steps: u32,
    /// Days in a row the goal was met, ending today — or yesterday while today is still short
    /// of it (a day in progress does not break a streak).
    pub streak_days: u32,
}

/// Daily step totals as whole steps (a roll-up sum of device counts).
pub fn whole_steps(sum: f64) -> u32 {
    if sum.is_finite() && sum > 0.0 {
        sum.round().min(f64::from(u32::MAX)) as u32
    } else {
        0
    }
}

fn day(goals: &GoalHistory, steps: &BTreeMap<NaiveDate, u32>, date: NaiveDate) -> DayProgress {
    let steps = steps.get(&date).copied().unwrap_or(0);
    let goal = goals.on(date).daily_steps;
    DayProgress {
        date,
        steps,
        goal,
        met: steps >= goal,
    }
}

/// The streak ending `today` (or yesterday, see [`StepProgress::streak_days`]) over the days in
/// `steps`, counting back no further than `from`; and whether it ran into `from` (so an older
/// window must be read to know its full length).
pub fn streak_ending(
    goals: &GoalHistory,
    steps: &BTreeMap<NaiveDate, u32>,
    today: NaiveDate,
    from: NaiveDate,
) -> (u32, bool) {
    let mut d = if day(goals, steps, today).met {
        today
    } else {
        today - Duration::days(1)
    };
    let mut n = 0;
    while d >= from {
        if !day(goals, steps, d).met {
            return (n, false);
        }
        n += 1;
        d -= Duration::days(1);
    }
    (n, true)
}

impl StepProgress {
    /// `steps` holds at least the days from `week_from` to `today`; `streak_days` is computed by
    /// the caller with [`streak_ending`] over as many windows as it takes.
    pub fn build(
        subject_id: String,
        goals: &GoalHistory,
        steps: &BTreeMap<NaiveDate, u32>,
        today: NaiveDate,
        week_from: NaiveDate,
        streak_days: u32,
    ) -> StepProgress {
        let week: Vec<DayProgress> = week_from
            .iter_days()
            .take_while(|d| *d <= today)
            .map(|d| day(goals, steps, d))
            .collect();
        let now = day(goals, steps, today);
        StepProgress {
            subject_id,
            today,
            goal: goals.on(today),
            guideline: guideline_goal(today.years_since(goals.birth_date).unwrap_or(0)),
            today_steps: now.steps,
            remaining_today: now.goal.saturating_sub(now.steps),
            week_from,
            week_days_met: week.iter().filter(|d| d.met).count() as u32,
            week_steps: week.iter().map(|d| d.steps).fold(0, u32::saturating_add),
            week,
            streak_days,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, m, day).unwrap()
    }

    fn history(changes: &[(NaiveDate, Option<u32>)]) -> GoalHistory {
        GoalHistory {
            birth_date: NaiveDate::from_ymd_opt(1962, 1, 12).unwrap(),
            changes: changes
                .iter()
                .map(|&(from, daily_steps)| GoalChange { from, daily_steps })
                .collect(),
        }
    }

    #[test]
    fn each_day_is_judged_by_the_goal_that_held_that_day() {
        let g = history(&[(d(1, 5), Some(9_000)), (d(1, 8), None)]);
        assert_eq!(
            g.on(d(1, 4)).daily_steps,
            8_000,
            "before any change: guideline, 64"
        );
        assert_eq!(g.on(d(1, 5)).source, GoalSource::Personal);
        assert_eq!(g.on(d(1, 7)).daily_steps, 9_000);
        assert_eq!(g.on(d(1, 8)).daily_steps, 8_000, "back to the guideline");
        assert_eq!(
            g.on(d(1, 12)),
            StepGoal {
                daily_steps: 6_000,
                source: GoalSource::OlderAdultGuideline
            },
            "the 65th birthday"
        );
    }

    #[test]
    fn a_day_in_progress_does_not_break_the_streak_but_a_missed_day_does() {
        let g = history(&[]);
        let steps: BTreeMap<_, _> = [(d(1, 1), 8_000), (d(1, 3), 8_000), (d(1, 4), 9_000)]
            .into_iter()
            .collect();
        // 2 Jan has no steps at all: the streak is 3 and 4 Jan, today (5 Jan) still at 0.
        assert_eq!(streak_ending(&g, &steps, d(1, 5), d(1, 1)), (2, false));
        let mut met_today = steps.clone();
        met_today.insert(d(1, 5), 8_001);
        assert_eq!(streak_ending(&g, &met_today, d(1, 5), d(1, 1)), (3, false));
        // Counting from 3 Jan only: the window's start is reached, the caller reads further.
        assert_eq!(streak_ending(&g, &met_today, d(1, 5), d(1, 3)), (3, true));
        assert_eq!(
            streak_ending(&g, &BTreeMap::new(), d(1, 5), d(1, 1)),
            (0, false)
        );
    }

    #[test]
    fn the_week_counts_days_met_and_what_is_left_today() {
        let g = history(&[(d(1, 11), Some(5_000))]);
        let steps: BTreeMap<_, _> = [(d(1, 11), 5_000), (d(1, 12), 4_999), (d(1, 13), 3_000)]
            .into_iter()
            .collect();
        let p = StepProgress::build("p".into(), &g, &steps, d(1, 13), d(1, 11), 0);
        assert_eq!(p.week.len(), 3);
        assert_eq!((p.week_days_met, p.week_steps), (1, 12_999));
        assert_eq!((p.today_steps, p.remaining_today), (3_000, 2_000));
        assert_eq!(p.guideline.daily_steps, 6_000, "65 since 12 Jan");
        assert_eq!(p.goal.source, GoalSource::Personal);
    }
}
