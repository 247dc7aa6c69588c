//! A summary for a clinic (issue #20 item 4, its offline part): the resident picks a recipient,
//! categories and an end date; the core records a one-off permit for exactly that, ending by
//! itself at the expiry, releases through the gate the records an IPS summarises (every
//! problem, allergy, medication, immunization and checkup; the latest reading of each vital
//! sign and body measurement), and builds the International Patient Summary document. The
//! release is audited and in the provision log (channel `summary`). Ending it early is a
//! withdrawal of that permit ([`Session::end_summary_share`]). The permit is a consent like
//! any other while it runs: if the recipient has a FHIR server, sync sends what it covers too,
//! and removes it again when the permit ends or is withdrawn.

use super::Session;
use crate::access::Action;
use crate::consent::{ConsentDirective, ConsentRequest, DataCategory, PurposeNature};
use crate::error::{Error, Result};
use crate::provision::Channel;
use crate::records::{ObservationType, Record, RecordBody, Stamp, all_live};
use serde::Serialize;
use std::collections::HashMap;

/// The longest a summary share may run.
pub const MAX_SHARE_DAYS: i64 = 366;

/// What a summary share made.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryShare {
    /// The one-off permit: ending it early is [`Session::end_summary_share`] with this id.
    pub directive: ConsentDirective,
    pub purpose: String,
    /// The IPS document (FHIR R4 Bundle, type `document`).
    pub document: serde_json::Value,
    /// Records the gate released into it.
    pub records: usize,
}

/// Categories an IPS has a section for (lifelog and notes have none).
const SHAREABLE: [DataCategory; 7] = [
    DataCategory::ConditionAllergy,
    DataCategory::Medication,
    DataCategory::Immunization,
    DataCategory::Checkup,
    DataCategory::Vitals,
    DataCategory::Body,
    DataCategory::Demographics,
];

impl Session {
    /// Share a patient summary of `subject` with `recipient` until `until` (exclusive): see the
    /// module. Refused, naming the field and with nothing recorded: no category, a category an
    /// IPS has no section for, no `demographics` (a summary names whom it is about), an expiry
    /// not after now or more than a year ahead, a recipient not in the profile, or no purpose
    /// offering the recipient every category asked.
    pub fn share_summary(
        &self,
        subject: &str,
        recipient: &str,
        categories: &[DataCategory],
        until: Stamp,
    ) -> Result<SummaryShare> {
        let access = self.authorize(subject, Action::Share)?;
        self.authorize(subject, Action::ManageConsent)?;
        let now = self.now();
        check_categories(categories)?;
        if until.utc_seconds <= now.utc_seconds {
            return Err(Error::invalid("until", "must be after now"));
        }
        if until.utc_seconds > now.utc_seconds + MAX_SHARE_DAYS * 86_400 {
            return Err(Error::invalid("until", "must be within a year from now"));
        }
        let profile = self.operator_profile()?;
        if profile.recipient(recipient).is_none() {
            return Err(Error::invalid(
                "to",
                "is not a recipient of the operator profile",
            ));
        }
        let purpose = profile
            .purposes
            .iter()
            .filter(|p| p.recipients.iter().any(|r| r == recipient) && !p.contributions_only)
            .filter(|p| categories.iter().all(|c| p.categories.contains(c)))
            .max_by_key(|p| p.nature == PurposeNature::CareCoordination)
            .map(|p| p.code.clone())
            .ok_or_else(|| {
                Error::invalid(
                    "categories",
                    "no purpose of the operator offers all of them to this recipient",
                )
            })?;
        let permit =
            ConsentRequest::permit(recipient, categories, &[purpose.as_str()]).until(until);
        let directive = self.set_consent(subject, permit)?;
        let ids = self.store().read(|c| {
            let live = all_live(c, access.subject())?;
            Ok(summarised(live, categories))
        })?;
        let target = (recipient, purpose.as_str());
        let made = self
            .release_ids(&access, target, &ids, Some(Channel::Summary))
            .and_then(|released| {
                let collection = crate::fhir::released_bundle(
                    released.person(),
                    released.permitted(),
                    released.originals(),
                    released.details(),
                    now,
                );
                let id = uuid::Uuid::new_v4().to_string();
                let document =
                    crate::fhir::ips::ips_document(&collection, &id, now).ok_or_else(|| {
                        Error::invalid("categories", "released nothing about the subject to name")
                    })?;
                Ok((released.permitted().len(), document))
            });
        match made {
            Ok((records, document)) => Ok(SummaryShare {
                directive,
                purpose,
                records,
                document,
            }),
            Err(e) => {
                // No summary: the permit made for it ends at once (best effort; the error says
                // what failed either way).
                let _ = self.end_summary_share(subject, &directive.id);
                Err(e)
            }
        }
    }

    /// End a summary share before its expiry: a withdrawal of its permit, from now on.
    pub fn end_summary_share(&self, subject: &str, directive_id: &str) -> Result<ConsentDirective> {
        let history = self.consent_history(subject)?;
        let d = history
            .iter()
            .find(|d| d.id == directive_id)
            .ok_or_else(|| Error::not_found("summary share"))?;
        let purposes: Vec<&str> = d.purposes.iter().map(String::as_str).collect();
        self.withdraw(subject, &d.recipient, &d.categories, &purposes)
    }
}

fn check_categories(categories: &[DataCategory]) -> Result<()> {
    if categories.is_empty() {
        return Err(Error::invalid("categories", "name at least one"));
    }
    if let Some(c) = categories.iter().find(|c| !SHAREABLE.contains(c)) {
        return Err(Error::invalid(
            "categories",
            format!("a patient summary has no section for {}", c.as_str()),
        ));
    }
    if !categories.contains(&DataCategory::Demographics) {
        return Err(Error::invalid(
            "categories",
            "include demographics: a summary names whom it is about",
        ));
    }
    Ok(())
}

/// The ids an IPS summarises of `live`: every record of the categories, but of vital signs and
/// body measurements only the latest of each type.
fn summarised(live: Vec<Record>, categories: &[DataCategory]) -> Vec<String> {
    let mut latest: HashMap<ObservationType, (i64, String)> = HashMap::new();
    let mut ids = vec![];
    for r in live {
        let c = DataCategory::of(&r);
        if !categories.contains(&c) {
            continue;
        }
        match (&r.body, c) {
            (RecordBody::Observation(o), DataCategory::Vitals | DataCategory::Body) => {
                let at = r.meta.effective.utc_seconds;
                let slot = latest
                    .entry(o.observation_type)
                    .or_insert((at, r.meta.id.clone()));
                if at > slot.0 {
                    *slot = (at, r.meta.id.clone());
                }
            }
            _ => ids.push(r.meta.id),
        }
    }
    let mut readings: Vec<(i64, String)> = latest.into_values().collect();
    readings.sort();
    ids.extend(readings.into_iter().map(|(_, id)| id));
    ids
}
