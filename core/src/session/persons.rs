//! Persons on this device: the owner first, then family members the owner adds.

use super::Session;
use crate::access::{Action, authorize};
use crate::audit::{AuditAction, NewAuditEntry};
use crate::error::{Error, Result};
use crate::records::{NewPerson, Person, persons};

impl Session {
    /// Add a person. The first person added is the device owner and needs no actor; after that
    /// the actor must be allowed to manage persons (the owner).
    pub fn add_person(&self, actor: Option<&str>, person: NewPerson) -> Result<Person> {
        let person = person.validate(self.today())?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = self.store.clock().now().to_rfc3339();
        self.store().write_as(actor.unwrap_or("device"), |w| {
            let first = persons::count(w.tx)? == 0;
            let actor_id = match (first, actor) {
                (true, _) => id.clone(),
                (false, Some(a)) => authorize(w.tx, a, a, Action::ManagePersons, 0)?
                    .actor()
                    .to_owned(),
                (false, None) => {
                    return Err(Error::NotPermitted {
                        action: Action::ManagePersons.as_str().into(),
                    });
                }
            };
            persons::insert(w.tx, &id, &person, first, &now)?;
            w.audit(NewAuditEntry {
                actor: &actor_id,
                subject: &id,
                action: AuditAction::PersonAdded,
                record_ids: &[],
                delegation: None,
            })?;
            Ok(())
        })?;
        self.person(&id)
    }

    /// The persons this actor may see: the owner sees everyone on the device; anyone else sees
    /// themself and the persons whose record they may view through a delegation.
    pub fn persons(&self, actor: &str) -> Result<Vec<Person>> {
        let all = self.store().read(persons::all)?;
        let me = all
            .iter()
            .find(|p| p.id == actor)
            .ok_or_else(|| Error::NotPermitted {
                action: "view".into(),
            })?;
        if me.is_owner {
            return Ok(all);
        }
        let visible = self.subjects_of(actor)?;
        Ok(all
            .into_iter()
            .filter(|p| visible.contains(&p.id))
            .collect())
    }

    /// The device owner, if one has been added.
    pub fn owner(&self) -> Result<Option<Person>> {
        Ok(self
            .store()
            .read(persons::all)?
            .into_iter()
            .find(|p| p.is_owner))
    }

    /// Resolve a nickname (`hanako`) to a person id, for front ends that let people type names.
    pub fn person_id_by_nickname(&self, nickname: &str) -> Result<String> {
        self.store()
            .read(|c| persons::by_nickname(c, nickname))?
            .map(|p| p.id)
            .ok_or_else(|| Error::not_found("person"))
    }

    pub(super) fn person(&self, id: &str) -> Result<Person> {
        self.store().read(|c| persons::require(c, id))
    }

    /// One person's details, for someone allowed to view their record.
    pub fn person_details(&self, actor: &str, subject: &str) -> Result<Person> {
        let access = self.authorize(actor, subject, Action::View)?;
        self.person(access.subject())
    }
}
