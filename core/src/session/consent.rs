//! Dynamic consent on the Session: the operator profile, deciding and withdrawing, the state
//! and history, receipts, the outbox, and the release gate.

use super::Session;
use crate::access::Action;
use crate::audit::AuditAction;
use crate::consent::{
    self, ConsentDirective, ConsentRequest, ConsentState, DataCategory, Effect, OperatorProfile,
    OutboxItem, ReleasedRecords, fhir, receipt, repo,
};
use crate::error::{Error, Result};
use crate::records::{Record, Stamp, repo as records_repo};
use serde::Serialize;
use std::sync::Arc;

/// Everything the resident keeps about one decision.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentReceipt {
    pub directive: ConsentDirective,
    /// ISO/IEC 29184 notice elements, machine-readable.
    pub json: serde_json::Value,
    pub text_ja: String,
    pub text_en: String,
    /// FHIR R4 `Consent`.
    pub fhir: serde_json::Value,
}

fn dedup<T: PartialEq + Clone>(items: &[T]) -> Vec<T> {
    let mut out: Vec<T> = vec![];
    for i in items {
        if !out.contains(i) {
            out.push(i.clone());
        }
    }
    out
}

/// Check a request against the profile; returns it with duplicates removed.
fn check_request(p: &OperatorProfile, req: &ConsentRequest, now: Stamp) -> Result<ConsentRequest> {
    if p.recipient(&req.recipient).is_none() {
        return Err(Error::invalid(
            "recipient",
            "is not a recipient of this operator",
        ));
    }
    if req.categories.is_empty() {
        return Err(Error::invalid("categories", "name at least one category"));
    }
    if req.purposes.is_empty() {
        return Err(Error::invalid("purposes", "name at least one purpose"));
    }
    let categories = dedup(&req.categories);
    let purposes = dedup(&req.purposes);
    for (i, code) in purposes.iter().enumerate() {
        let Some(purpose) = p.purpose(code) else {
            return Err(Error::invalid(
                format!("purposes[{i}]"),
                "is not a purpose of this operator",
            ));
        };
        if req.effect == Effect::Permit {
            if !purpose.recipients.contains(&req.recipient) {
                return Err(Error::invalid(
                    format!("purposes[{i}]"),
                    "is not offered for this recipient",
                ));
            }
            if let Some(j) = categories
                .iter()
                .position(|c| !purpose.categories.contains(c))
            {
                return Err(Error::invalid(
                    format!("categories[{j}]"),
                    format!("is not needed for purpose {}", purpose.code),
                ));
            }
        }
    }
    let from = req.valid_from.unwrap_or(now);
    if let Some(until) = req.valid_until {
        if until.utc_seconds <= from.utc_seconds {
            return Err(Error::invalid("valid_until", "must be after valid_from"));
        }
        if until.utc_seconds <= now.utc_seconds {
            return Err(Error::invalid("valid_until", "must be in the future"));
        }
    }
    let notice = match &req.notice_version {
        Some(v) => p
            .notice(v)
            .ok_or_else(|| Error::invalid("notice_version", "is not a notice of this operator"))?,
        None => p.current_notice()?,
    };
    Ok(ConsentRequest {
        recipient: req.recipient.clone(),
        categories,
        purposes,
        effect: req.effect,
        valid_from: Some(from),
        valid_until: req.valid_until,
        notice_version: Some(notice.id.clone()),
    })
}

/// Whether `history` ever permitted `deny.recipient` something the deny covers: only then is
/// the recipient told of the withdrawal (one never permitted learns nothing about the subject).
fn ever_permitted(history: &[ConsentDirective], deny: &ConsentDirective) -> bool {
    history.iter().any(|h| {
        h.effect == Effect::Permit
            && h.recipient == deny.recipient
            && h.categories.iter().any(|c| deny.categories.contains(c))
            && h.purposes.iter().any(|p| deny.purposes.contains(p))
    })
}

impl Session {
    /// Use `profile` (validated here) for every consent decision of this session.
    pub fn set_operator_profile(&self, profile: OperatorProfile) -> Result<()> {
        profile.validate()?;
        let mut slot = self.profile.write().unwrap_or_else(|p| p.into_inner());
        *slot = Some(Arc::new(profile));
        Ok(())
    }

    /// The operator profile in use.
    pub fn operator_profile(&self) -> Result<Arc<OperatorProfile>> {
        self.profile
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| Error::not_found("operator profile"))
    }

    /// Record a decision (permit or deny) for `subject`. A deny in force now also deletes the
    /// pending outbox items it covers and, if the recipient was ever permitted any of it,
    /// queues a withdrawal notice — all in the same transaction.
    pub fn set_consent(
        &self,
        actor: &str,
        subject: &str,
        request: ConsentRequest,
    ) -> Result<ConsentDirective> {
        let access = self.authorize(actor, subject, Action::ManageConsent)?;
        let profile = self.operator_profile()?;
        let now = self.now();
        let req = check_request(&profile, &request, now)?;
        self.write(&access, AuditAction::ConsentDecided, |w| {
            // Decisions never go back in time, so "newest" is the same by time and by order.
            let last = repo::last_decided(w.tx)?.unwrap_or(i64::MIN);
            let decided_at = Stamp {
                utc_seconds: now.utc_seconds.max(last),
                offset_seconds: now.offset_seconds,
            };
            let d = repo::insert(
                w.tx,
                &ConsentDirective {
                    id: uuid::Uuid::new_v4().to_string(),
                    seq: 0,
                    subject_id: subject.to_owned(),
                    recipient: req.recipient.clone(),
                    categories: req.categories.clone(),
                    purposes: req.purposes.clone(),
                    effect: req.effect,
                    valid_from: req.valid_from.unwrap_or(now),
                    valid_until: req.valid_until,
                    decided_at,
                    decided_by: access.actor().to_owned(),
                    delegation: access.delegation().map(str::to_owned),
                    notice_version: req.notice_version.clone().unwrap_or_default(),
                },
            )?;
            if d.effect == Effect::Deny && d.valid_from.utc_seconds <= now.utc_seconds {
                consent::purge_covered(w.tx, &d)?;
                if ever_permitted(&repo::all_for(w.tx, subject)?, &d) {
                    consent::queue_withdrawal(w.tx, &d, now.utc_seconds)?;
                }
            }
            let ids = vec![d.id.clone()];
            Ok((d, ids))
        })
    }

    /// Withdraw consent from now on: a new deny directive (history is never edited).
    pub fn withdraw(
        &self,
        actor: &str,
        subject: &str,
        recipient: &str,
        categories: &[DataCategory],
        purposes: &[&str],
    ) -> Result<ConsentDirective> {
        self.set_consent(
            actor,
            subject,
            ConsentRequest::deny(recipient, categories, purposes),
        )
    }

    /// What is shared with whom, for what, right now: toggles a UI can draw.
    pub fn consent_state(&self, actor: &str, subject: &str) -> Result<ConsentState> {
        let access = self.authorize(actor, subject, Action::View)?;
        let profile = self.operator_profile()?;
        let history = self.store().read(|c| repo::all_for(c, access.subject()))?;
        Ok(ConsentState::build(&profile, &history, subject, self.now()))
    }

    /// Every decision about `subject`, oldest first.
    pub fn consent_history(&self, actor: &str, subject: &str) -> Result<Vec<ConsentDirective>> {
        let access = self.authorize(actor, subject, Action::View)?;
        self.store().read(|c| repo::all_for(c, access.subject()))
    }

    /// Whether `subject`'s consent lets `recipient` receive `category` for `purpose` at `at`
    /// (the profile must offer it and the newest applicable directive must permit it).
    pub fn is_permitted(
        &self,
        subject: &str,
        recipient: &str,
        category: DataCategory,
        purpose: &str,
        at: Stamp,
    ) -> Result<bool> {
        let profile = self.operator_profile()?;
        let history = self.store().read(|c| repo::all_for(c, subject))?;
        Ok(consent::offered(&profile, recipient, category, purpose)
            && consent::is_permitted(
                &history,
                subject,
                recipient,
                category,
                purpose,
                at.utc_seconds,
            ))
    }

    /// The release gate: the stored versions of `records` that `recipient` may receive for
    /// `purpose` now. Needs the Share permission AND consent; audited with the released ids.
    pub fn release(
        &self,
        actor: &str,
        subject: &str,
        recipient: &str,
        purpose: &str,
        records: &[Record],
    ) -> Result<ReleasedRecords> {
        let access = self.authorize(actor, subject, Action::Share)?;
        let profile = self.operator_profile()?;
        check_target(&profile, recipient, purpose)?;
        let ids = dedup(
            &records
                .iter()
                .map(|r| r.meta.id.clone())
                .collect::<Vec<_>>(),
        );
        let now = self.now();
        self.write(&access, AuditAction::RecordsReleased, |w| {
            let history = repo::all_for(w.tx, subject)?;
            let stored = records_repo::load_many(w.tx, &ids)?;
            let (permitted, _) = consent::select(
                &profile,
                &history,
                subject,
                recipient,
                purpose,
                now.utc_seconds,
                stored,
            );
            let withheld = ids.len() - permitted.len();
            let released =
                ReleasedRecords::new(subject, recipient, purpose, now, (permitted, withheld));
            let released_ids = released.ids();
            Ok((released, released_ids))
        })
    }

    /// Put records in the outbox for `recipient` and `purpose` (sync sends them later, through
    /// the gate again). Only records consent permits now are queued; returns how many.
    pub fn queue_for_release(
        &self,
        actor: &str,
        subject: &str,
        recipient: &str,
        purpose: &str,
        record_ids: &[String],
    ) -> Result<usize> {
        let access = self.authorize(actor, subject, Action::Share)?;
        let profile = self.operator_profile()?;
        check_target(&profile, recipient, purpose)?;
        let ids = dedup(record_ids);
        let now = self.now();
        self.write(&access, AuditAction::RecordsQueued, |w| {
            let history = repo::all_for(w.tx, subject)?;
            let stored = records_repo::load_many(w.tx, &ids)?;
            let (permitted, _) = consent::select(
                &profile,
                &history,
                subject,
                recipient,
                purpose,
                now.utc_seconds,
                stored,
            );
            let mut queued = vec![];
            for r in &permitted {
                let category = DataCategory::of(r);
                if consent::queue_record(
                    w.tx,
                    subject,
                    recipient,
                    &r.meta.id,
                    category,
                    purpose,
                    now.utc_seconds,
                )? {
                    queued.push(r.meta.id.clone());
                }
            }
            Ok((queued.len(), queued))
        })
    }

    /// Items of `subject` waiting to leave the device.
    pub fn pending_outbox(&self, actor: &str, subject: &str) -> Result<Vec<OutboxItem>> {
        let access = self.authorize(actor, subject, Action::Share)?;
        self.store().read(|c| consent::pending(c, access.subject()))
    }

    /// The receipt of one decision: JSON, Japanese and English text, FHIR `Consent`.
    pub fn consent_receipt(
        &self,
        actor: &str,
        subject: &str,
        directive_id: &str,
    ) -> Result<ConsentReceipt> {
        let access = self.authorize(actor, subject, Action::View)?;
        let profile = self.operator_profile()?;
        let history = self.store().read(|c| repo::all_for(c, access.subject()))?;
        let d = history
            .iter()
            .find(|d| d.id == directive_id)
            .ok_or_else(|| Error::not_found("consent directive"))?
            .clone();
        let now = self.now();
        Ok(ConsentReceipt {
            json: receipt::receipt_json(&profile, &d, now),
            text_ja: receipt::receipt_text_ja(&profile, &d),
            text_en: receipt::receipt_text_en(&profile, &d),
            fhir: fhir::consent_resource(&profile, &d, &history, now.utc_seconds),
            directive: d,
        })
    }
}

fn check_target(profile: &OperatorProfile, recipient: &str, purpose: &str) -> Result<()> {
    if profile.recipient(recipient).is_none() {
        return Err(Error::invalid(
            "recipient",
            "is not a recipient of this operator",
        ));
    }
    if profile.purpose(purpose).is_none() {
        return Err(Error::invalid(
            "purpose",
            "is not a purpose of this operator",
        ));
    }
    Ok(())
}
