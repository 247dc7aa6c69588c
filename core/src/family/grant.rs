//! What a new grant may be, given who grants it:
//! - the subject (a member, on their own record) grants whatever they choose;
//! - the device owner may make the first, *representative* grant on a *managed* person's record
//!   (a child, a parent who does not use the app), on a recorded basis with its evidence
//!   reference; a member's record is never represented;
//! - anyone else grants only through a grant they hold with `manage_delegations`, and passes on
//!   at most the scopes they hold there, for no longer than they hold them, with that grant's
//!   basis (so a parent's grant, and everything made from it, ends at the 18th birthday); the new
//!   grant names it as its parent, and revoking the parent revokes it.
//!
//! Who may grant at all is decided first, by [`crate::access::grantor`].

use super::{Delegation, GrantorKind, NewDelegation, RepresentativeBasis, Scope, adulthood_starts};
use crate::error::{Error, Result};
use crate::records::Person;

/// Who is granting, as [`crate::access`] established it.
#[derive(Debug, Clone)]
pub(crate) enum Grantor {
    /// The subject, on their own record.
    Subject,
    /// A proxy holding `manage_delegations` through `own` (in force), with the scopes it holds
    /// now through every grant in force on the subject.
    Proxy {
        own: Box<Delegation>,
        held: Vec<Scope>,
    },
    /// The device owner, making the root representative grant on a managed person's record.
    Owner,
}

impl Grantor {
    /// The delegation the grant was made through, for the audit trail and the parent link.
    pub(crate) fn via(&self) -> Option<&str> {
        match self {
            Grantor::Proxy { own, .. } => Some(&own.id),
            Grantor::Subject | Grantor::Owner => None,
        }
    }
}

/// Check `new` and make the delegation `actor` grants on `subject`'s record at `now`.
/// `subject_is_member`: the subject unlocks with their own credential (never represented).
pub(crate) fn new_delegation(
    new: &NewDelegation,
    actor: &str,
    (subject, subject_is_member): (&Person, bool),
    grantor: &Grantor,
    now: i64,
) -> Result<Delegation> {
    let from = new.valid_from.unwrap_or(now);
    check_period(new, from, now)?;
    let basis_note = crate::records::optional_text("basis_note", new.basis_note.as_deref(), 200)?;
    let denied = || Error::NotPermitted {
        action: "manage_delegations".into(),
    };
    let adult = adulthood_starts(subject.details.birth_date);
    let (kind, basis, valid_until, parent) = match grantor {
        Grantor::Subject => {
            if new.representative_basis.is_some() {
                return Err(Error::invalid(
                    "basis",
                    "the subject grants without a representative basis",
                ));
            }
            (GrantorKind::Subject, None, new.valid_until, None)
        }
        Grantor::Owner => {
            let Some(basis) = new.representative_basis else {
                return Err(denied());
            };
            if subject_is_member {
                return Err(Error::invalid(
                    "basis",
                    "this person unlocks with their own credential and grants for themself",
                ));
            }
            if basis_note.is_none() {
                return Err(Error::invalid(
                    "basis_note",
                    "a representative grant records its evidence (court decision number, consent form)",
                ));
            }
            if basis == RepresentativeBasis::ParentOfMinor && now >= adult {
                return Err(Error::invalid("basis", "the subject is not a minor"));
            }
            (
                GrantorKind::LegalRepresentative,
                Some(basis),
                new.valid_until,
                None,
            )
        }
        Grantor::Proxy { own, held } => {
            if new
                .representative_basis
                .is_some_and(|b| own.basis != Some(b))
            {
                return Err(Error::invalid(
                    "basis",
                    "a grant made through another passes on that grant's basis",
                ));
            }
            if !new.scopes.iter().all(|s| held.contains(s)) || from < own.valid_from {
                return Err(denied());
            }
            let mut until = match (new.valid_until, own.valid_until) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if own.basis == Some(RepresentativeBasis::ParentOfMinor) {
                until = Some(until.map_or(adult, |u| u.min(adult)));
            }
            if until.is_some_and(|u| u <= from) {
                return Err(denied());
            }
            (own.grantor_kind, own.basis, until, Some(own.id.clone()))
        }
    };
    let mut scopes = new.scopes.clone();
    scopes.sort();
    scopes.dedup();
    Ok(Delegation {
        id: uuid::Uuid::now_v7().to_string(),
        subject_id: subject.id.clone(),
        grantee: new.grantee.clone(),
        granted_by: actor.to_owned(),
        grantor_kind: kind,
        basis,
        basis_note,
        scopes,
        valid_from: from,
        valid_until,
        created_utc: now,
        revoked_utc: None,
        revoked_by: None,
        parent,
    })
}

/// The request itself, before anyone's rights are looked at.
pub(crate) fn check_request(new: &NewDelegation, now: i64) -> Result<()> {
    check_period(new, new.valid_from.unwrap_or(now), now)?;
    crate::records::optional_text("basis_note", new.basis_note.as_deref(), 200)?;
    Ok(())
}

/// The grantee is someone else than the subject: a person on this device, or an account named.
pub(crate) fn check_grantee(
    conn: &rusqlite::Connection,
    new: &NewDelegation,
    subject: &str,
) -> Result<()> {
    match &new.grantee {
        super::Grantee::Person(p) if p == subject => Err(Error::invalid(
            "grantee",
            "a person already has every right on their own record",
        )),
        super::Grantee::Person(p) => {
            crate::records::persons::get(conn, p)?.ok_or_else(|| Error::not_found("grantee"))?;
            Ok(())
        }
        super::Grantee::Account(a) => {
            crate::records::optional_text("grantee", Some(a), 200)?
                .ok_or_else(|| Error::invalid("grantee", "is required"))?;
            Ok(())
        }
    }
}

fn check_period(new: &NewDelegation, from: i64, now: i64) -> Result<()> {
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
    Ok(())
}
