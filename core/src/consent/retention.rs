//! Retention periods (保存期間; APPI art. 22, M art. 61(2); GUIDELINE.md S-24): the operator
//! declares, per data category, how many years after its clinical time a record is kept on the
//! device; the core erases what is older ([`crate::records::retention`]). A category without a
//! rule is kept until the resident erases it.

use super::category::DataCategory;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Longest period a rule may state (a lifetime record: 150 years).
pub const MAX_RETENTION_YEARS: u16 = 150;

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionRule {
    pub category: DataCategory,
    /// Whole years after the record's clinical time (1 … 150).
    pub years: u16,
    /// Why this period (a law, an ordinance, the operator's policy), shown to residents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
}

/// Each rule names a record category once, with a period in range.
pub(super) fn validate(rules: &[RetentionRule]) -> Result<()> {
    let mut seen = vec![];
    for (i, r) in rules.iter().enumerate() {
        if r.category == DataCategory::Demographics {
            return Err(Error::invalid(
                format!("retention[{i}].category"),
                "demographics are the person's details, not records: they go with the person",
            ));
        }
        if seen.contains(&r.category) {
            return Err(Error::invalid(
                format!("retention[{i}].category"),
                "a category has one retention period",
            ));
        }
        seen.push(r.category);
        if !(1..=MAX_RETENTION_YEARS).contains(&r.years) {
            return Err(Error::invalid(
                format!("retention[{i}].years"),
                format!("must be 1 to {MAX_RETENTION_YEARS} years"),
            ));
        }
    }
    Ok(())
}

/// The instant `years` calendar years before `now_utc`: a record whose clinical time is
/// earlier has outlived a rule of `years`.
fn cutoff(now_utc: i64, years: u16) -> i64 {
    chrono::DateTime::<chrono::Utc>::from_timestamp(now_utc, 0)
        .and_then(|t| t.checked_sub_months(chrono::Months::new(12 * u32::from(years))))
        .map_or(i64::MIN, |t| t.timestamp())
}

/// Erase, in the caller's transaction, every record of `subject` older than its category's
/// period at `now_utc` (with what goes with it: a derived BMI, notes about it). Returns the ids
/// erased; recipients holding copies delete them at their next sync.
pub(crate) fn apply(
    conn: &rusqlite::Connection,
    subject: &str,
    rules: &[RetentionRule],
    now_utc: i64,
) -> Result<Vec<String>> {
    let Some(latest) = rules.iter().map(|r| cutoff(now_utc, r.years)).max() else {
        return Ok(vec![]);
    };
    let candidates: Vec<String> = {
        let mut stmt =
            conn.prepare("SELECT id FROM record WHERE subject_id = ?1 AND effective_utc < ?2")?;
        stmt.query_map(rusqlite::params![subject, latest], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut erased: Vec<String> = vec![];
    for id in candidates {
        if erased.contains(&id) {
            continue;
        }
        let record = match crate::records::write::load_any(conn, subject, &id) {
            Ok(r) => r,
            Err(Error::NotFound { .. }) => continue,
            Err(e) => return Err(e),
        };
        let category = DataCategory::of(&record);
        let due = rules
            .iter()
            .find(|r| r.category == category)
            .is_some_and(|r| record.meta.effective.utc_seconds < cutoff(now_utc, r.years));
        if due {
            erased.extend(crate::records::write::erase(conn, subject, &id)?);
        }
    }
    Ok(erased)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_counts_calendar_years_back_from_now() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp();
        let five = chrono::DateTime::<chrono::Utc>::from_timestamp(cutoff(now, 5), 0).unwrap();
        assert_eq!(five.date_naive().to_string(), "2021-12-06");
    }

    #[test]
    fn rules_outside_the_range_or_repeated_are_refused_by_name() {
        let r = |category, years| RetentionRule {
            category,
            years,
            basis: None,
        };
        let field = |rules: &[RetentionRule]| match validate(rules) {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(&[r(DataCategory::Lifelog, 0)]), "retention[0].years");
        assert_eq!(
            field(&[r(DataCategory::Lifelog, 151)]),
            "retention[0].years"
        );
        assert_eq!(
            field(&[r(DataCategory::Lifelog, 5), r(DataCategory::Lifelog, 6)]),
            "retention[1].category"
        );
        assert_eq!(
            field(&[r(DataCategory::Demographics, 5)]),
            "retention[0].category"
        );
        assert!(validate(&[r(DataCategory::Lifelog, 5), r(DataCategory::Vitals, 10)]).is_ok());
    }
}
