//! The ledger: entries as stored, and the entries that bring it in line with what is earned.

use super::earned::Occasion;
use crate::consent::{PointRule, PointsProgram};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Why an entry is there.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryReason {
    /// The rule's occasion happened (its reason says what it is).
    Earned,
    /// Taken back: the operator confirms these points and consent to the data was withdrawn.
    ConsentWithdrawn,
    /// Taken back: the data behind the award is no longer there (deleted, erased, edited).
    DataChanged,
}

impl EntryReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryReason::Earned => "earned",
            EntryReason::ConsentWithdrawn => "consent_withdrawn",
            EntryReason::DataChanged => "data_changed",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<EntryReason> {
        [
            EntryReason::Earned,
            EntryReason::ConsentWithdrawn,
            EntryReason::DataChanged,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// One entry, as the resident sees it: the rule's reason is kept with it, so the ledger reads
/// the same after the operator changes its rules.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerEntry {
    pub seq: u64,
    pub rule: String,
    pub occasion: String,
    pub occasion_date: NaiveDate,
    /// Positive for an award, negative for a reversal.
    pub points: i64,
    pub reason: EntryReason,
    pub reason_ja: String,
    pub reason_en: String,
    /// When the entry was written (UTC seconds).
    pub at_utc: i64,
}

/// A resident's ledger: every entry, oldest first, and the balance.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PointsLedger {
    pub subject_id: String,
    pub balance: i64,
    pub entries: Vec<LedgerEntry>,
    /// The programme in force (none: the operator runs none now; past entries stay).
    pub program: Option<PointsProgram>,
}

impl PointsLedger {
    pub fn new(
        subject_id: String,
        entries: Vec<LedgerEntry>,
        program: Option<PointsProgram>,
    ) -> Self {
        PointsLedger {
            subject_id,
            balance: entries.iter().map(|e| e.points).sum(),
            entries,
            program,
        }
    }
}

/// An entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub rule: String,
    pub occasion: String,
    pub occasion_date: NaiveDate,
    pub points: i64,
    pub reason: EntryReason,
    pub reason_ja: String,
    pub reason_en: String,
}

impl NewEntry {
    /// An entry of `rule`, carrying its reason as the rule words it now.
    fn of(
        rule: &PointRule,
        occasion: &str,
        date: NaiveDate,
        points: i64,
        reason: EntryReason,
    ) -> Self {
        NewEntry {
            rule: rule.id.clone(),
            occasion: occasion.to_owned(),
            occasion_date: date,
            points,
            reason,
            reason_ja: rule.reason_ja.clone(),
            reason_en: rule.reason_en.clone(),
        }
    }
}

/// The entries that make `held` agree with `earned` under `program`: an award for each earned,
/// shared occasion whose balance is nil; a reversal of the balance of each occasion no longer
/// earned (or no longer shared). Occasions of rules the programme no longer has, outside its
/// days or after `last_day` (a clock set back) are left as they are: they cannot be judged now.
pub fn reconcile(
    program: &PointsProgram,
    last_day: Option<NaiveDate>,
    held: &[LedgerEntry],
    earned: &[Occasion],
) -> Vec<NewEntry> {
    let mut balance: BTreeMap<(&str, &str), (i64, NaiveDate)> = BTreeMap::new();
    for e in held {
        let b = balance
            .entry((e.rule.as_str(), e.occasion.as_str()))
            .or_insert((0, e.occasion_date));
        b.0 += e.points;
        b.1 = e.occasion_date;
    }
    let now: HashMap<(&str, &str), &Occasion> = earned
        .iter()
        .map(|o| ((o.rule.as_str(), o.occasion.as_str()), o))
        .collect();
    let mut out = vec![];
    for o in earned.iter().filter(|o| o.shared) {
        let held = balance.get(&(o.rule.as_str(), o.occasion.as_str()));
        if held.is_none_or(|(b, _)| *b == 0) {
            let Some(rule) = program.rule(&o.rule) else {
                continue;
            };
            out.push(NewEntry::of(
                rule,
                &o.occasion,
                o.date,
                i64::from(o.points),
                EntryReason::Earned,
            ));
        }
    }
    for ((rule_id, occasion), (b, date)) in &balance {
        let Some(rule) = program.rule(rule_id) else {
            continue;
        };
        let judgeable =
            *date >= program.from && *date <= program.to && last_day.is_some_and(|l| *date <= l);
        if *b <= 0 || !judgeable {
            continue;
        }
        let reason = match now.get(&(*rule_id, *occasion)) {
            Some(o) if o.shared => continue,
            Some(_) => EntryReason::ConsentWithdrawn,
            None => EntryReason::DataChanged,
        };
        out.push(NewEntry::of(rule, occasion, *date, -b, reason));
    }
    out
}
