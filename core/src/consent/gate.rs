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
use crate::records::{Record, Stamp};
use serde::Serialize;

/// Records the gate let through for one recipient and purpose, and how many it withheld.
/// There is no public constructor and no `Deserialize`: only the gate makes one.
#[derive(Debug, Clone, Serialize)]
pub struct ReleasedRecords {
    subject: String,
    recipient: String,
    purpose: String,
    released_at: Stamp,
    permitted: Vec<Record>,
    withheld_count: usize,
}

impl ReleasedRecords {
    pub(crate) fn new(
        subject: &str,
        recipient: &str,
        purpose: &str,
        released_at: Stamp,
        (permitted, withheld_count): (Vec<Record>, usize),
    ) -> Self {
        ReleasedRecords {
            subject: subject.to_owned(),
            recipient: recipient.to_owned(),
            purpose: purpose.to_owned(),
            released_at,
            permitted,
            withheld_count,
        }
    }

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
    /// The records that may go to the recipient for the purpose.
    pub fn permitted(&self) -> &[Record] {
        &self.permitted
    }
    /// How many of the records asked for were held back.
    pub fn withheld_count(&self) -> usize {
        self.withheld_count
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
                && is_permitted(directives, subject, recipient, category, purpose, at_utc)
        })
        .collect();
    let withheld = total - permitted.len();
    (permitted, withheld)
}
