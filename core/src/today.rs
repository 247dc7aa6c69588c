//! The today view every app opens on: the newest value of each observation type with the
//! core's one-line summary and its level against the 特定健診 thresholds, and the trend window
//! each tile draws. One rule, so the Kotlin and Swift apps show the same thing.

use crate::guidance::{self, Level};
use crate::records::{
    AggregateQuery, Granularity, ObservationType, Record, RecordBody, Sex, summary,
};
use chrono::{Duration, NaiveDate};
use serde::Serialize;

/// The days a tile's trend line covers, today included.
pub const TREND_DAYS: u32 = 30;

/// One tile of the today view.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DashboardItem {
    pub record: Record,
    pub observation_type: ObservationType,
    /// From the core's formatter, e.g. "Blood pressure 128/82 mmHg". Never log it.
    pub summary: String,
    /// Against the 特定健診 thresholds; `None` when the type has none.
    pub level: Option<Level>,
}

/// The tiles of `latest` (the newest observation of each type) for a person of `sex`.
pub fn tiles(latest: Vec<Record>, sex: Option<Sex>) -> Vec<DashboardItem> {
    latest
        .into_iter()
        .filter_map(|record| {
            let RecordBody::Observation(o) = &record.body else {
                return None;
            };
            let (observation_type, level) = (o.observation_type, guidance::assess(o, sex));
            let summary = summary::observation(o);
            Some(DashboardItem {
                record,
                observation_type,
                summary,
                level,
            })
        })
        .collect()
}

/// The daily buckets of the `days` days up to `today` (local dates of the session's zone).
pub fn trend_query(ty: ObservationType, today: NaiveDate, days: u32) -> AggregateQuery {
    let days = days.clamp(1, 3660);
    AggregateQuery {
        observation_type: ty,
        granularity: Granularity::Day,
        from: today - Duration::days(i64::from(days) - 1),
        to: today,
        time_zone: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trend_window_ends_today_and_counts_today() {
        let today = NaiveDate::from_ymd_opt(2028, 3, 1).unwrap();
        let q = trend_query(ObservationType::Steps, today, 30);
        assert_eq!(
            (q.from, q.to),
            (NaiveDate::from_ymd_opt(2028, 2, 1).unwrap(), today)
        );
        assert_eq!(trend_query(ObservationType::Steps, today, 0).from, today);
    }
}
