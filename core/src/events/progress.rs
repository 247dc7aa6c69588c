//! How a resident is doing in an event, from their daily step totals (computed on the device).

use crate::consent::WalkingEvent;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventPhase {
    Upcoming,
    Running,
    Ended,
}

/// Where `today` falls in the event.
pub fn phase(e: &WalkingEvent, today: NaiveDate) -> EventPhase {
    if today < e.from {
        EventPhase::Upcoming
    } else if today > e.to {
        EventPhase::Ended
    } else {
        EventPhase::Running
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventDay {
    pub date: NaiveDate,
    pub steps: u32,
    /// Against the daily target, when the event has one.
    pub met: Option<bool>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventProgress {
    pub event: WalkingEvent,
    pub phase: EventPhase,
    pub joined: bool,
    pub team: Option<String>,
    /// Each day of the event up to today (or its last day), oldest first.
    pub days: Vec<EventDay>,
    pub total_steps: u64,
    pub days_met: u32,
    /// The targets the event sets are reached: the total, and the daily one on every day of
    /// an ended event (only the targets it has).
    pub completed: bool,
}

impl EventProgress {
    /// `steps` holds the daily totals of at least the event's days up to today.
    pub fn build(
        event: &WalkingEvent,
        today: NaiveDate,
        joined: bool,
        team: Option<String>,
        steps: &BTreeMap<NaiveDate, u32>,
    ) -> EventProgress {
        let last = today.min(event.to);
        let days: Vec<EventDay> = event
            .from
            .iter_days()
            .take_while(|d| *d <= last)
            .map(|date| {
                let steps = steps.get(&date).copied().unwrap_or(0);
                EventDay {
                    date,
                    steps,
                    met: event.daily_target.map(|t| steps >= t),
                }
            })
            .collect();
        let total_steps: u64 = days.iter().map(|d| u64::from(d.steps)).sum();
        let days_met = days.iter().filter(|d| d.met == Some(true)).count() as u32;
        let phase = phase(event, today);
        let all_days = (event.to - event.from).num_days() as u32 + 1;
        let total_ok = event
            .total_target
            .is_none_or(|t| total_steps >= u64::from(t));
        let daily_ok = event.daily_target.is_none() || days_met == all_days;
        // A total can be reached early; every day met can only be known once the days are past.
        let completed = match (event.total_target, event.daily_target) {
            (Some(_), None) => total_ok,
            _ => total_ok && daily_ok,
        };
        EventProgress {
            event: event.clone(),
            phase,
            joined,
            team,
            days,
            total_steps,
            days_met,
            completed,
        }
    }
}

impl EventProgress {
    /// The day the event was completed: the day the total target was reached when it has only
    /// that, else its last day (every day met can only be known then).
    pub fn completed_on(&self) -> Option<NaiveDate> {
        if !self.completed {
            return None;
        }
        if self.event.daily_target.is_some() {
            return Some(self.event.to);
        }
        let target = u64::from(self.event.total_target.unwrap_or(0));
        let mut sum = 0u64;
        self.days.iter().find_map(|d| {
            sum += u64::from(d.steps);
            (sum >= target).then_some(d.date)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 1, day).unwrap()
    }

    fn event(daily: Option<u32>, total: Option<u32>) -> WalkingEvent {
        WalkingEvent {
            id: "e".into(),
            name_ja: "歩こう".into(),
            name_en: "Walk".into(),
            from: d(10),
            to: d(12),
            daily_target: daily,
            total_target: total,
            teams: vec![],
            organiser: "o".into(),
            purpose: "p".into(),
            data: "daily_step_totals".into(),
        }
    }

    #[test]
    fn progress_counts_the_event_days_up_to_today_and_completes_on_its_targets() {
        let steps: BTreeMap<_, _> = [(d(9), 99_999), (d(10), 6_000), (d(11), 9_000)]
            .into_iter()
            .collect();
        let p = EventProgress::build(&event(Some(8_000), None), d(11), true, None, &steps);
        assert_eq!(p.days.len(), 2, "the day before the event is not counted");
        assert_eq!((p.total_steps, p.days_met), (15_000, 1));
        assert_eq!(p.phase, EventPhase::Running);
        assert!(!p.completed);

        let p = EventProgress::build(&event(None, Some(15_000)), d(11), true, None, &steps);
        assert!(p.completed, "a total is reached before the end");
        assert_eq!(
            p.completed_on(),
            Some(d(11)),
            "the day the total was reached"
        );
        assert_eq!(p.days[0].met, None, "no daily target");

        let all: BTreeMap<_, _> = (10..=12).map(|x| (d(x), 8_000)).collect();
        let p = EventProgress::build(&event(Some(8_000), None), d(20), true, None, &all);
        assert_eq!(
            (p.phase, p.days.len(), p.completed),
            (EventPhase::Ended, 3, true)
        );
    }
}
