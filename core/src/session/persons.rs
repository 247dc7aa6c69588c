//! Persons on this device: the owner first, then family members the owner adds.

use super::Session;
use crate::access::{Action, authorize};
use crate::audit::{AuditAction, NewAuditEntry};
use crate::error::{Error, Result};
use crate::records::{NewPerson, Person, persons};
use crate::store::WriteCtx;

impl Session {
    /// Add a person. The first person added is the device owner and needs no actor; after that
    /// the actor must be allowed to manage persons (the owner).
    pub fn add_person(&self, actor: Option<&str>, person: NewPerson) -> Result<Person> {
        let person = person.validate(self.today())?;
        let id = uuid::Uuid::new_v4().to_string();
        self.store().write_as(actor.unwrap_or("device"), |w| {
            self.insert_person(w, actor, &id, &person).map(|_| ())
        })?;
        self.person(&id)
    }

    /// In `w`'s transaction: add the validated `person` as `id`, audited as `person_added`.
    /// The first person is the device owner and needs no actor; after that the actor must be
    /// allowed to manage persons. Returns the acting person's id.
    pub(super) fn insert_person(
        &self,
        w: &WriteCtx<'_>,
        actor: Option<&str>,
        id: &str,
        person: &NewPerson,
    ) -> Result<String> {
        let now = self.store.clock().now().to_rfc3339();
        let first = persons::count(w.tx)? == 0;
        let actor_id = match (first, actor) {
            (true, _) => id.to_owned(),
            (false, Some(a)) => authorize(w.tx, a, a, Action::ManagePersons, 0)?
                .actor()
                .to_owned(),
            (false, None) => {
                return Err(Error::NotPermitted {
                    action: Action::ManagePersons.as_str().into(),
                });
            }
        };
        persons::insert(w.tx, id, person, first, &now)?;
        w.audit(NewAuditEntry {
            actor: &actor_id,
            subject: id,
            action: AuditAction::PersonAdded,
            record_ids: &[],
            delegation: None,
        })?;
        Ok(actor_id)
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
