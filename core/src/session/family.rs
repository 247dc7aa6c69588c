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
    pub fn grant(&self, subject: &str, new: NewDelegation) -> Result<Delegation> {
        let actor = self.actor()?;
        let actor = actor.as_str();
        let now = self.now().utc_seconds;
        family::check_request(&new, now)?;
        self.store().write_as(actor, |w| {
            let subject_person = persons::require(w.tx, subject)?;
            family::check_grantee(w.tx, &new, subject)?;
            let representative = new.representative_basis.is_some();
            let grantor = access::grantor(w.tx, actor, subject, representative, now)?;
            let member = persons::is_member(w.tx, subject)?;
            let d = family::new_delegation(&new, actor, (&subject_person, member), &grantor, now)?;
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

    /// Revoke a delegation and every grant made from it. Its grantor, its subject, or a holder
    /// of `manage_delegations` above it may, at any time.
    pub fn revoke(&self, delegation_id: &str) -> Result<()> {
        let actor = self.actor()?;
        let actor = actor.as_str();
        let at = self.now().utc_seconds;
        self.store().write_as(actor, |w| {
            let d =
                repo::get(w.tx, delegation_id)?.ok_or_else(|| Error::not_found("delegation"))?;
            access::authorize_revoke(w.tx, actor, &d, at)?;
            if d.revoked_utc.is_some() {
                return Err(Error::not_found("active delegation"));
            }
            let revoked = repo::revoke(w.tx, delegation_id, actor, at)?;
            w.audit(NewAuditEntry {
                actor,
                subject: &d.subject_id,
                action: AuditAction::DelegationRevoked,
                record_ids: &revoked,
                delegation: None,
            })?;
            Ok(())
        })
    }

    /// The subject takes control of their own record (a minor come of age, a person who has
    /// regained capacity): every representative grant on it ends now. Grants the subject made
    /// themself stay. Returns the ids of the grants ended.
    pub fn take_control(&self, subject: &str) -> Result<Vec<String>> {
        let access = self.authorize(subject, Action::TakeControl)?;
        let at = self.now().utc_seconds;
        self.write(&access, AuditAction::ControlTaken, |w| {
            let ids = repo::end_representation(w.tx, subject, at)?;
            Ok((ids.clone(), ids))
        })
    }

    /// Who can see `subject`'s record now or later, with which rights, until when — the subject
    /// first. Revoked and expired grants are left out (see `delegations` for the full history).
    pub fn who_can_access(&self, subject: &str) -> Result<Vec<AccessGrant>> {
        let access = self.authorize(subject, Action::View)?;
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
    pub fn delegations(&self, subject: &str) -> Result<Vec<Delegation>> {
        let access = self.authorize(subject, Action::View)?;
        self.store().read(|c| repo::on_subject(c, access.subject()))
    }

    /// The subjects whose record `actor` may view now (their own first).
    pub fn subjects_of(&self) -> Result<Vec<String>> {
        let actor = self.actor()?;
        let actor = actor.as_str();
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
