//! Family-manager mode on the Session: grant, revoke, take control, and "who can see my record".

use super::Session;
use crate::access::{self, Action, authorize};
use crate::audit::{AuditAction, NewAuditEntry};
use crate::error::{Error, Result};
use crate::family::{self, AccessGrant, Delegation, NewDelegation, repo};
use crate::records::persons;

impl Session {
    /// Grant `new.grantee` rights on `subject`'s record. Who may grant is
    /// [`crate::access::grantor`]'s decision; what the grant may be, [`family::new_delegation`]'s.
    pub fn grant(&self, actor: &str, subject: &str, new: NewDelegation) -> Result<Delegation> {
        let now = self.now().utc_seconds;
        family::check_request(&new, now)?;
        self.store().write_as(actor, |w| {
            let subject_person = persons::require(w.tx, subject)?;
            family::check_grantee(w.tx, &new, subject)?;
            let representative = new.representative_basis.is_some();
            let grantor = access::grantor(w.tx, actor, subject, representative, now)?;
            let d = family::new_delegation(&new, actor, &subject_person, &grantor, now)?;
            repo::insert(w.tx, &d)?;
            w.audit(NewAuditEntry {
                actor,
                subject,
                action: AuditAction::DelegationGranted,
                record_ids: std::slice::from_ref(&d.id),
                delegation: grantor.via(),
            })?;
            Ok(d)
        })
    }

    /// Revoke a delegation. The grantor or the subject may, at any time.
    pub fn revoke(&self, actor: &str, delegation_id: &str) -> Result<()> {
        let at = self.now().utc_seconds;
        self.store().write_as(actor, |w| {
            let d =
                repo::get(w.tx, delegation_id)?.ok_or_else(|| Error::not_found("delegation"))?;
            access::authorize_revoke(actor, &d)?;
            if d.revoked_utc.is_some() {
                return Err(Error::not_found("active delegation"));
            }
            repo::revoke(w.tx, delegation_id, actor, at)?;
            w.audit(NewAuditEntry {
                actor,
                subject: &d.subject_id,
                action: AuditAction::DelegationRevoked,
                record_ids: &[delegation_id.to_owned()],
                delegation: None,
            })?;
            Ok(())
        })
    }

    /// The subject takes control of their own record (a minor come of age, a person who has
    /// regained capacity): every representative grant on it ends now. Grants the subject made
    /// themself stay. Returns the ids of the grants ended.
    pub fn take_control(&self, actor: &str, subject: &str) -> Result<Vec<String>> {
        let access = self.authorize(actor, subject, Action::TakeControl)?;
        let at = self.now().utc_seconds;
        self.write(&access, AuditAction::ControlTaken, |w| {
            let ids = repo::end_representation(w.tx, subject, at)?;
            Ok((ids.clone(), ids))
        })
    }

    /// Who can see `subject`'s record now or later, with which rights, until when — the subject
    /// first. Revoked and expired grants are left out (see `delegations` for the full history).
    pub fn who_can_access(&self, actor: &str, subject: &str) -> Result<Vec<AccessGrant>> {
        let access = self.authorize(actor, subject, Action::View)?;
        let at = self.now().utc_seconds;
        self.store().read(|c| {
            let subject = persons::require(c, access.subject())?;
            let mut delegations = repo::on_subject(c, access.subject())?;
            delegations.reverse();
            let everyone = persons::all(c)?;
            Ok(family::who_can_access(&subject, delegations, &everyone, at))
        })
    }

    /// Every delegation on `subject`'s record, revoked and expired ones included, newest first.
    pub fn delegations(&self, actor: &str, subject: &str) -> Result<Vec<Delegation>> {
        let access = self.authorize(actor, subject, Action::View)?;
        self.store().read(|c| repo::on_subject(c, access.subject()))
    }

    /// The subjects whose record `actor` may view now (their own first).
    pub fn subjects_of(&self, actor: &str) -> Result<Vec<String>> {
        let at = self.now().utc_seconds;
        self.store().read(|c| {
            persons::get(c, actor)?.ok_or_else(|| Error::NotPermitted {
                action: Action::View.as_str().into(),
            })?;
            let mut out = vec![actor.to_owned()];
            for d in repo::held_by(c, actor)? {
                if !out.contains(&d.subject_id)
                    && authorize(c, actor, &d.subject_id, Action::View, at).is_ok()
                {
                    out.push(d.subject_id);
                }
            }
            Ok(out)
        })
    }
}
