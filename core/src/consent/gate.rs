//! The release gate: the ONE place that decides which records may leave the device.
//!
//! A record passes only if (1) it is a live record of the subject, (2) the operator profile
//! still offers the purpose to this recipient for the record's category, and (3) the newest
//! applicable consent directive permits it at the instant of release. [`ReleasedRecords`] can
//! only be made here, so export and sync, which take one, cannot bypass the gate.

use super::category::DataCategory;
use super::decide::is_permitted;
use super::directive::ConsentDirective;
use super::profile::OperatorProfile;
use crate::records::{Person, PersonDetail, Record, Stamp};
use serde::Serialize;
use std::collections::HashMap;

/// What the gate let through for one recipient and purpose, judged at `released_at` in one
/// snapshot of the store: the records (the stored versions it judged), the original JSON an
/// import kept of exactly those versions, the subject as stored and the details of the subject
/// consent releases (`demographics`), and what it held back. There is no public constructor and
/// no `Deserialize`: only the gate makes one, and export and sync map nothing else.
#[derive(Debug, Clone, Serialize)]
pub struct ReleasedRecords {
    pub(super) subject: String,
    pub(super) recipient: String,
    pub(super) purpose: String,
    pub(super) released_at: Stamp,
    #[serde(skip)]
    pub(super) person: Person,
    pub(super) permitted: Vec<Record>,
    #[serde(skip)]
    pub(super) originals: HashMap<String, String>,
    pub(super) details: Vec<PersonDetail>,
    pub(super) withheld_count: usize,
    pub(super) awaiting: Vec<String>,
}

impl ReleasedRecords {
    pub fn subject(&self) -> &str {
        &self.subject
    }
    pub fn recipient(&self) -> &str {
        &self.recipient
    }
    pub fn purpose(&self) -> &str {
        &self.purpose
    }
    pub fn released_at(&self) -> Stamp {
        self.released_at
    }
    /// The subject as the gate read it (what the mapping of the records needs; only
    /// [`Self::details`] of it may leave).
    pub fn person(&self) -> &Person {
        &self.person
    }
    /// The records that may go to the recipient for the purpose.
    pub fn permitted(&self) -> &[Record] {
        &self.permitted
    }
    /// The original JSON of permitted records an import kept, by record id: the original of the
    /// very version judged (an edit clears it, a re-import replaces it in one transaction).
    pub fn originals(&self) -> &HashMap<String, String> {
        &self.originals
    }
    /// The details of the subject consent releases to the recipient for the purpose.
    pub fn details(&self) -> &[PersonDetail] {
        &self.details
    }
    /// How many of the records asked for were held back.
    pub fn withheld_count(&self) -> usize {
        self.withheld_count
    }
    /// Ids of records held back only until the resident decides again on a permit a new
    /// profile version asked about (neither sent nor withdrawn meanwhile).
    pub fn awaiting_reconsent(&self) -> &[String] {
        &self.awaiting
    }
    pub fn ids(&self) -> Vec<String> {
        self.permitted.iter().map(|r| r.meta.id.clone()).collect()
    }
}

/// Whether the profile offers `purpose` to `recipient` for `category` (data minimisation).
pub fn offered(
    profile: &OperatorProfile,
    recipient: &str,
    category: DataCategory,
    purpose: &str,
) -> bool {
    profile.purpose(purpose).is_some_and(|p| {
        p.recipients.iter().any(|r| r == recipient) && p.categories.contains(&category)
    })
}

/// The details of the subject the gate releases to `recipient` for `purpose` at `at_utc`: those
/// the purpose declares, when the profile offers `demographics` and consent permits it.
pub fn released_details(
    profile: &OperatorProfile,
    directives: &[ConsentDirective],
    subject: &str,
    recipient: &str,
    purpose: &str,
    at_utc: i64,
) -> Vec<PersonDetail> {
    let c = DataCategory::Demographics;
    match profile.purpose(purpose) {
        Some(p)
            if offered(profile, recipient, c, purpose)
                && is_permitted(directives, subject, recipient, c, purpose, at_utc) =>
        {
            p.demographics.clone()
        }
        _ => vec![],
    }
}

/// The gate's decision for a batch, as a pure function: (records let through, count withheld).
pub fn select(
    profile: &OperatorProfile,
    directives: &[ConsentDirective],
    subject: &str,
    recipient: &str,
    purpose: &str,
    at_utc: i64,
    records: Vec<Record>,
) -> (Vec<Record>, usize) {
    let total = records.len();
    let permitted: Vec<Record> = records
        .into_iter()
        .filter(|r| {
            let category = DataCategory::of(r);
            r.meta.subject_id == subject
                && r.meta.deleted_utc.is_none()
                && offered(profile, recipient, category, purpose)
                && profile
                    .purpose(purpose)
                    .is_some_and(|p| p.releases_records_of(category))
                && is_permitted(directives, subject, recipient, category, purpose, at_utc)
        })
        .collect();
    let withheld = total - permitted.len();
    (permitted, withheld)
}
