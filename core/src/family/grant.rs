//! What a new grant may be, given who grants it: a proxy passes on at most the scopes it holds,
//! for no longer than it holds them; a parent's grant needs the subject to be a minor. Who may
//! grant at all is decided first, by [`crate::access::grantor`].

use super::{Delegation, GrantorKind, NewDelegation, RepresentativeBasis, Scope, adulthood_starts};
use crate::error::{Error, Result};
use crate::records::Person;

/// Who is granting, as [`crate::access`] established it.
#[derive(Debug, Clone)]
pub(crate) enum Grantor {
    /// The subject, on their own record.
    Subject,
    /// A proxy holding `manage_delegations` through `own`, with the scopes it holds now.
    Proxy {
        own: Box<Delegation>,
        held: Vec<Scope>,
    },
    /// A legal representative (the device owner, or a proxy through `via`).
    Representative { via: Option<String> },
}

impl Grantor {
    /// The delegation the grant was made through, for the audit trail.
    pub(crate) fn via(&self) -> Option<&str> {
        match self {
            Grantor::Subject => None,
            Grantor::Proxy { own, .. } => Some(&own.id),
            Grantor::Representative { via } => via.as_deref(),
        }
    }
}

/// Check `new` and make the delegation `actor` grants on `subject`'s record at `now`.
pub(crate) fn new_delegation(
    new: &NewDelegation,
    actor: &str,
    subject: &Person,
    grantor: &Grantor,
    now: i64,
) -> Result<Delegation> {
    let from = new.valid_from.unwrap_or(now);
    check_period(new, from, now)?;
    let basis_note = crate::records::optional_text("basis_note", new.basis_note.as_deref(), 200)?;
    let denied = || Error::NotPermitted {
        action: "manage_delegations".into(),
    };
    let (kind, basis, valid_until) = match (grantor, new.representative_basis) {
        (Grantor::Subject, None) => (GrantorKind::Subject, None, new.valid_until),
        (Grantor::Proxy { own, held }, None) => {
            if !new.scopes.iter().all(|s| held.contains(s)) {
                return Err(denied());
            }
            let until = match (new.valid_until, own.valid_until) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            (own.grantor_kind, own.basis, until)
        }
        (Grantor::Representative { .. }, Some(basis)) => {
            if basis == RepresentativeBasis::ParentOfMinor
                && now >= adulthood_starts(subject.details.birth_date)
            {
                return Err(Error::invalid("basis", "the subject is not a minor"));
            }
            (
                GrantorKind::LegalRepresentative,
                Some(basis),
                new.valid_until,
            )
        }
        (Grantor::Subject, Some(_)) => {
            return Err(Error::invalid(
                "basis",
                "the subject grants without a representative basis",
            ));
        }
        _ => return Err(denied()),
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
