//! Family-manager mode on the Session: grant, revoke, take control, and "who can see my record".

use super::Session;
use crate::access::{Action, authorize};
use crate::audit::{AuditAction, NewAuditEntry};
use crate::error::{Error, Result};
use crate::family::{
    Delegation, Grantee, GrantorKind, NewDelegation, Scope, adulthood_starts, is_active, repo,
};
use crate::records::persons;
use serde::{Deserialize, Serialize};

/// One line of "who can see my record, with which rights, until when".
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessGrant {
    /// A person id on this device, or an account on another device.
    pub grantee: Grantee,
    /// The grantee's nickname when they are a person on this device (the subject should know
    /// who can see their record).
    pub grantee_nickname: Option<String>,
    /// `None` for the subject themself.
    pub delegation_id: Option<String>,
    pub scopes: Vec<Scope>,
    pub valid_from: i64,
    /// The instant the rights end by themselves (expiry, or coming of age for a parent's grant).
    pub valid_until: Option<i64>,
    pub grantor_kind: Option<GrantorKind>,
    pub basis: Option<crate::family::RepresentativeBasis>,
}

impl Session {
    /// Grant `new.grantee` rights on `subject`'s record.
    ///
    /// - Without a representative basis the subject grants: the actor is the subject, or holds
    ///   `manage_delegations` and grants no scope it does not hold itself, for no longer than
    ///   its own grant.
    /// - With a basis the actor grants as legal representative: the actor is the device owner
    ///   or holds `manage_delegations`; a parent's grant needs the subject to be a minor.
    pub fn grant(&self, actor: &str, subject: &str, new: NewDelegation) -> Result<Delegation> {
        let now = self.now().utc_seconds;
        let from = new.valid_from.unwrap_or(now);
        if new.scopes.is_empty() {
            return Err(Error::invalid("scopes", "at least one scope is required"));
        }
        if let Some(until) = new.valid_until {
            if until <= from {
                return Err(Error::invalid("valid_until", "must be after valid_from"));
            }
            if until <= now {
                return Err(Error::invalid("valid_until", "must be in the future"));
            }
        }
        let basis_note =
            crate::records::optional_text("basis_note", new.basis_note.as_deref(), 200)?;
        let id = uuid::Uuid::now_v7().to_string();
        let at = now;
        self.store().write_as(actor, |w| {
            let subject_person =
                persons::get(w.tx, subject)?.ok_or_else(|| Error::not_found("person"))?;
            match &new.grantee {
                Grantee::Person(p) if p == subject => {
                    return Err(Error::invalid(
                        "grantee",
                        "a person already has every right on their own record",
                    ));
                }
                Grantee::Person(p) => {
                    persons::get(w.tx, p)?.ok_or_else(|| Error::not_found("grantee"))?;
                }
                Grantee::Account(a) => {
                    crate::records::optional_text("grantee", Some(a), 200)?
                        .ok_or_else(|| Error::invalid("grantee", "is required"))?;
                }
            }
            let denied = || Error::NotPermitted {
                action: Action::ManageDelegations.as_str().into(),
            };
            let (kind, basis, valid_until, via) = match new.representative_basis {
                None => {
                    let access = authorize(w.tx, actor, subject, Action::ManageDelegations, at)?;
                    match access.delegation() {
                        None => (GrantorKind::Subject, None, new.valid_until, None),
                        Some(did) => {
                            // A proxy passes on at most what it holds, for no longer than it holds it.
                            let own = repo::get(w.tx, did)?.ok_or_else(denied)?;
                            let birth = subject_person.details.birth_date;
                            let held: Vec<Scope> = repo::held(w.tx, actor, subject)?
                                .iter()
                                .filter(|d| is_active(d, actor, birth, at))
                                .flat_map(|d| d.scopes.iter().copied())
                                .collect();
                            if !new.scopes.iter().all(|s| held.contains(s)) {
                                return Err(denied());
                            }
                            let until = match (new.valid_until, own.valid_until) {
                                (Some(a), Some(b)) => Some(a.min(b)),
                                (a, b) => a.or(b),
                            };
                            (own.grantor_kind, own.basis, until, Some(did.to_owned()))
                        }
                    }
                }
                Some(basis) => {
                    if actor == subject {
                        return Err(Error::invalid(
                            "basis",
                            "the subject grants without a representative basis",
                        ));
                    }
                    let actor_person = persons::get(w.tx, actor)?.ok_or_else(denied)?;
                    let via = if actor_person.is_owner {
                        None
                    } else {
                        Some(
                            authorize(w.tx, actor, subject, Action::ManageDelegations, at)?
                                .delegation()
                                .map(str::to_owned)
                                .ok_or_else(denied)?,
                        )
                    };
                    if basis == crate::family::RepresentativeBasis::ParentOfMinor
                        && at >= adulthood_starts(subject_person.details.birth_date)
                    {
                        return Err(Error::invalid("basis", "the subject is not a minor"));
                    }
                    (
                        GrantorKind::LegalRepresentative,
                        Some(basis),
                        new.valid_until,
                        via,
                    )
                }
            };
            let d = Delegation {
                id: id.clone(),
                subject_id: subject.to_owned(),
                grantee: new.grantee.clone(),
                granted_by: actor.to_owned(),
                grantor_kind: kind,
                basis,
                basis_note: basis_note.clone(),
                scopes: {
                    let mut s = new.scopes.clone();
                    s.sort();
                    s.dedup();
                    s
                },
                valid_from: from,
                valid_until,
                created_utc: at,
                revoked_utc: None,
                revoked_by: None,
            };
            repo::insert(w.tx, &d)?;
            w.audit(NewAuditEntry {
                actor,
                subject,
                action: AuditAction::DelegationGranted,
                record_ids: std::slice::from_ref(&id),
                delegation: via.as_deref(),
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
            if actor != d.granted_by && actor != d.subject_id {
                return Err(Error::NotPermitted {
                    action: Action::ManageDelegations.as_str().into(),
                });
            }
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
        if actor != subject {
            return Err(Error::NotPermitted {
                action: Action::ManageDelegations.as_str().into(),
            });
        }
        let access = self.authorize(actor, subject, Action::ManageDelegations)?;
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
        let (subject_person, all, everyone) = self.store().read(|c| {
            let p = persons::get(c, access.subject())?.ok_or_else(|| Error::not_found("person"))?;
            Ok((p, repo::on_subject(c, access.subject())?, persons::all(c)?))
        })?;
        let birth = subject_person.details.birth_date;
        let nickname = |g: &Grantee| match g {
            Grantee::Person(id) => everyone
                .iter()
                .find(|p| &p.id == id)
                .map(|p| p.details.nickname.clone()),
            Grantee::Account(_) => None,
        };
        let mut out = vec![AccessGrant {
            grantee: Grantee::Person(subject.to_owned()),
            grantee_nickname: Some(subject_person.details.nickname.clone()),
            delegation_id: None,
            scopes: Scope::ALL.to_vec(),
            valid_from: i64::MIN,
            valid_until: None,
            grantor_kind: None,
            basis: None,
        }];
        for d in all.into_iter().rev() {
            let mut until = d.valid_until;
            if d.basis == Some(crate::family::RepresentativeBasis::ParentOfMinor) {
                let adult = adulthood_starts(birth);
                until = Some(until.map_or(adult, |u| u.min(adult)));
            }
            if d.revoked_utc.is_some() || until.is_some_and(|u| u <= at) {
                continue;
            }
            out.push(AccessGrant {
                grantee_nickname: nickname(&d.grantee),
                grantee: d.grantee,
                delegation_id: Some(d.id),
                scopes: d.scopes,
                valid_from: d.valid_from,
                valid_until: until,
                grantor_kind: Some(d.grantor_kind),
                basis: d.basis,
            });
        }
        Ok(out)
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
