//! Who may do what to whose record: the ONE authorization function every Session operation
//! goes through. An [`Access`] can only be made here, and every Session helper that touches a
//! record needs one, so an operation cannot skip the check.
//!
//! A person acts on their own record; the device owner manages the list of persons; anyone
//! else acts through a delegation (family-manager mode).

use crate::error::{Error, Result};
use crate::family::{self, Delegation, Grantor, Scope};
use crate::records::persons;
use rusqlite::Connection;
use serde::Serialize;

/// What an operation does to a subject's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read records, aggregates, the timeline.
    View,
    /// Add, edit or delete records.
    Record,
    /// Erase records for good.
    Erase,
    /// Add or change persons on this device.
    ManagePersons,
    /// Read the subject's access history.
    ViewAudit,
    /// Change the subject's consent directives (dynamic consent).
    ManageConsent,
    /// Release records to a recipient (export, share, sync) — always also through the consent gate.
    Share,
    /// Grant or revoke delegations on the subject's record (family-manager mode).
    ManageDelegations,
    /// Store-wide operations (a backup of the whole store, forgetting a platform sign-in):
    /// the device owner's.
    ManageStore,
    /// End every representative grant on one's own record (a minor come of age): the
    /// subject's alone, no delegation can permit it.
    TakeControl,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::View => "view",
            Action::Record => "record",
            Action::Erase => "erase",
            Action::ManagePersons => "manage_persons",
            Action::ViewAudit => "view_audit",
            Action::ManageConsent => "manage_consent",
            Action::Share => "share",
            Action::ManageDelegations => "manage_delegations",
            Action::TakeControl => "take_control",
            Action::ManageStore => "manage_store",
        }
    }

    /// The scope a delegation needs to permit this action for someone other than the subject.
    /// `None`: no delegation can (managing the persons on the device is the owner's; taking
    /// control of a record is its subject's).
    pub fn scope(self) -> Option<Scope> {
        match self {
            Action::View | Action::ViewAudit => Some(Scope::View),
            Action::Record | Action::Erase => Some(Scope::Record),
            Action::ManageConsent => Some(Scope::ManageConsent),
            Action::Share => Some(Scope::Share),
            Action::ManageDelegations => Some(Scope::ManageDelegations),
            Action::ManagePersons | Action::ManageStore | Action::TakeControl => None,
        }
    }
}

/// Proof that `actor` may do `action` on `subject`'s record. Only [`authorize`] makes one.
#[derive(Debug, Clone)]
pub struct Access {
    actor: String,
    subject: String,
    action: Action,
    delegation: Option<String>,
}

impl Access {
    pub fn actor(&self) -> &str {
        &self.actor
    }
    pub fn subject(&self) -> &str {
        &self.subject
    }
    pub fn action(&self) -> Action {
        self.action
    }
    /// The delegation that allowed a proxy action (family-manager mode).
    pub fn delegation(&self) -> Option<&str> {
        self.delegation.as_deref()
    }
}

/// Decide whether `actor` may do `action` on `subject`'s record at instant `at` (unix seconds).
///
/// A person may do anything on their own record; managing the persons on the device is the
/// owner's; anything else needs a delegation that permits it at `at` (see
/// [`permits`]). A proxy's access carries the delegation's id for the audit trail.
pub(crate) fn authorize(
    conn: &Connection,
    actor: &str,
    subject: &str,
    action: Action,
    at: i64,
) -> Result<Access> {
    let denied = || Error::NotPermitted {
        action: action.as_str().to_owned(),
    };
    let actor_person = persons::get(conn, actor)?.ok_or_else(denied)?;
    let access = |delegation: Option<String>| Access {
        actor: actor.to_owned(),
        subject: subject.to_owned(),
        action,
        delegation,
    };
    if matches!(action, Action::ManagePersons | Action::ManageStore) {
        return if actor_person.is_owner {
            Ok(access(None))
        } else {
            Err(denied())
        };
    }
    if actor == subject {
        return Ok(access(None));
    }
    let subject_person = persons::get(conn, subject)?.ok_or_else(|| Error::not_found("person"))?;
    let birth = subject_person.details.birth_date;
    family::repo::held(conn, actor, subject)?
        .into_iter()
        .find(|d| permits(d, actor, birth, action, at))
        .map(|d| access(Some(d.id)))
        .ok_or_else(denied)
}

/// Whether `d`, held by grantee `actor` for a subject born `subject_birth`, permits `action` at
/// instant `at`: it carries the action's scope and is in force ([`family::is_active`]).
pub fn permits(
    d: &Delegation,
    actor: &str,
    subject_birth: chrono::NaiveDate,
    action: Action,
    at: i64,
) -> bool {
    action
        .scope()
        .is_some_and(|scope| d.scopes.contains(&scope))
        && family::is_active(d, actor, subject_birth, at)
}

/// Who `actor` is when granting rights on `subject`'s record at `at`: the subject; the device
/// owner making the root representative grant (a basis claimed, the subject managed); else a
/// proxy through a grant in force that carries `manage_delegations`, with the scopes it holds.
/// What the grant may then be is [`family::new_delegation`]'s.
pub(crate) fn grantor(
    conn: &Connection,
    actor: &str,
    subject: &str,
    representative: bool,
    at: i64,
) -> Result<Grantor> {
    let denied = || Error::NotPermitted {
        action: Action::ManageDelegations.as_str().into(),
    };
    if actor == subject {
        return Ok(Grantor::Subject);
    }
    let actor_person = persons::get(conn, actor)?.ok_or_else(denied)?;
    let held_through = authorize(conn, actor, subject, Action::ManageDelegations, at)
        .ok()
        .and_then(|a| a.delegation().map(str::to_owned));
    if representative && actor_person.is_owner && held_through.is_none() {
        // The owner's root grant (refused for a member by the grant's rules).
        return Ok(Grantor::Owner);
    }
    let did = held_through.ok_or_else(denied)?;
    let own = family::repo::get(conn, &did)?.ok_or_else(denied)?;
    let birth = persons::require(conn, subject)?.details.birth_date;
    let held: Vec<Scope> = family::repo::held(conn, actor, subject)?
        .iter()
        .filter(|d| family::is_active(d, actor, birth, at))
        .flat_map(|d| d.scopes.iter().copied())
        .collect();
    Ok(Grantor::Proxy {
        own: Box::new(own),
        held,
    })
}

/// Whether `actor` may revoke `d` at `at`: its grantor, its subject, or the holder of a grant
/// in force with `manage_delegations` that `d` was made from (however indirectly).
pub(crate) fn authorize_revoke(
    conn: &Connection,
    actor: &str,
    d: &Delegation,
    at: i64,
) -> Result<()> {
    if actor == d.granted_by || actor == d.subject_id {
        return Ok(());
    }
    let birth = persons::require(conn, &d.subject_id)?.details.birth_date;
    let above = family::repo::ancestors(conn, &d.id)?;
    if above
        .iter()
        .any(|a| permits(a, actor, birth, Action::ManageDelegations, at))
    {
        return Ok(());
    }
    Err(Error::NotPermitted {
        action: Action::ManageDelegations.as_str().into(),
    })
}
