//! Retention ([`crate::consent::RetentionRule`]; S-24): the operator's periods applied to every
//! person on the device — when a profile is installed, and at each unlock of a writable store
//! (best effort both times: what cannot be erased now is erased at the next unlock). One transaction
//! per person, audited `retention_applied` with the ids erased; no one's permission is asked,
//! as the period is the operator's published rule, not a person's decision.

use super::Session;
use crate::audit::{AuditAction, NewAuditEntry};
use crate::error::Result;
use crate::records::persons;

impl Session {
    /// Erase every record older than its category's retention period in the profile in force.
    /// Returns how many records were erased.
    pub fn apply_retention(&self) -> Result<usize> {
        let Some(installed) = self.installed_profile() else {
            return Ok(0);
        };
        let rules = &installed.profile.retention;
        if rules.is_empty() || self.is_read_only() {
            return Ok(0);
        }
        let actor = self.actor().unwrap_or_else(|_| "device".to_owned());
        let now = self.now().utc_seconds;
        let people = self.store().read(persons::all)?;
        let mut erased = 0;
        for p in people {
            erased += self.store().write_as(&actor, |w| {
                let ids = crate::consent::apply_retention(w.tx, &p.id, rules, now)?;
                if !ids.is_empty() {
                    w.audit(NewAuditEntry {
                        actor: &actor,
                        subject: &p.id,
                        action: AuditAction::RetentionApplied,
                        record_ids: &ids,
                        delegation: None,
                    })?;
                }
                Ok(ids.len())
            })?;
        }
        Ok(erased)
    }
}
