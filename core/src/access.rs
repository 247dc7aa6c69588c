//! Who may do what to whose record: the ONE authorization function every Session operation
//! goes through. An [`Access`] can only be made here, and every Session helper that touches a
//! record needs one, so an operation cannot skip the check.
//!
//! A person acts on their own record; the device owner manages the list of persons; anyone
//! else acts through a delegation (family-manager mode).

use crate::error::{Error, Result};
use crate::family;
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
/// [`crate::family::permits`]). A proxy's access carries the delegation's id for the audit trail.
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
    if action == Action::ManagePersons {
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
        .find(|d| family::permits(d, actor, birth, action, at))
        .map(|d| access(Some(d.id)))
        .ok_or_else(denied)
}
