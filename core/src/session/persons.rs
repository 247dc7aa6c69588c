//! Persons on this device: the owner first, then family members the owner adds.

use super::Session;
use crate::access::{Action, authorize};
use crate::audit::{AuditAction, NewAuditEntry};
use crate::crypto::KdfParams;
use crate::error::{Error, Result};
use crate::records::person_removal;
use crate::records::{NewPerson, Person, persons};
use crate::store::{Unlock, WriteCtx};

impl Session {
    /// Add a person. On a new store the first person added is the device owner, who acts from
    /// then on (the store's first credential is theirs). After that only the owner adds
    /// persons, and a person added here is *managed*: they have no credential of their own (a
    /// child, a parent who does not use the app) and are acted for through delegations. A person
    /// with their own credential is added with [`Session::add_member`].
    pub fn add_person(&self, person: NewPerson) -> Result<Person> {
        let person = person.validate(self.today())?;
        let id = uuid::Uuid::new_v4().to_string();
        let adder = self.person_adder()?;
        self.store().write_as("device", |w| {
            self.insert_person(w, adder.as_deref(), &id, &person)
        })?;
        self.person_added(adder.as_deref(), &id, &person.nickname);
        self.person(&id)
    }

    /// Who adds a person now, checked before the write: `None` on a store with no owner yet
    /// (the new person will be the owner), else the acting person, who must be allowed to
    /// manage persons.
    pub(super) fn person_adder(&self) -> Result<Option<String>> {
        match self.store().read(persons::owner)? {
            None => Ok(None),
            Some(_) => self.authorize_manage_persons().map(Some),
        }
    }

    /// In `w`'s transaction: add the validated `person` as `id`, audited as `person_added` by
    /// `adder` ([`Session::person_adder`]; the new person themself when they are the first).
    /// Returns the id of the person acting.
    pub(super) fn insert_person(
        &self,
        w: &WriteCtx<'_>,
        adder: Option<&str>,
        id: &str,
        person: &NewPerson,
    ) -> Result<String> {
        let now = self.store.now().to_rfc3339();
        let first = adder.is_none();
        if first && persons::count(w.tx)? > 0 {
            // Another process added the owner meanwhile.
            return Err(Error::AlreadyExists {
                what: "device owner".into(),
            });
        }
        let actor = adder.unwrap_or(id).to_owned();
        persons::insert(w.tx, id, person, first, &now)?;
        w.audit(NewAuditEntry {
            actor: &actor,
            subject: id,
            action: AuditAction::PersonAdded,
            record_ids: &[],
            delegation: None,
        })?;
        Ok(actor)
    }

    /// After [`Session::insert_person`] committed: the first person is the owner, who acts from
    /// then on.
    pub(super) fn person_added(&self, adder: Option<&str>, id: &str, nickname: &str) {
        if adder.is_some() {
            return;
        }
        *self.actor.write().unwrap_or_else(|p| p.into_inner()) = Some(id.to_owned());
        // The owner's credential is found by their nickname from now on (best effort: the
        // owner's credential is also the one tried when no nickname is given).
        let _ = self.tag_owner(nickname);
    }

    /// Add a member: a person with their own credential (a strong passphrase, or a PIN with the
    /// platform keystore), who unlocks the store as themself. The owner adds members; the
    /// new member chooses the credential (typed on the device by them).
    pub fn add_member(
        &self,
        person: NewPerson,
        credential: &Unlock<'_>,
        kdf: KdfParams,
    ) -> Result<Person> {
        crate::store::check_new_credential("passphrase", credential)?;
        let owner_id = self.authorize_manage_persons()?;
        let person = person.validate(self.today())?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = self.store.now().to_rfc3339();
        let nickname = person.nickname.clone();
        self.store()
            .add_member(&id, &nickname, credential, kdf, |w| {
                if persons::by_nickname(w.tx, &nickname)?.is_some() {
                    return Err(Error::AlreadyExists {
                        what: "person with this nickname".into(),
                    });
                }
                persons::insert(w.tx, &id, &person, false, &now)?;
                persons::set_member(w.tx, &id, true)?;
                member_added(w, &owner_id, &id)
            })?;
        self.person(&id)
    }

    /// Give a person already on the device a credential of their own: a managed person who now
    /// uses the app (a child come of age, who can then take control of their record), or a
    /// member whose credential a restore could not bring back (a backup holds no keyring). The
    /// owner does this; the person types the credential. `AlreadyExists` when they have one.
    pub fn enroll_member(
        &self,
        nickname: &str,
        credential: &Unlock<'_>,
        kdf: KdfParams,
    ) -> Result<Person> {
        crate::store::check_new_credential("passphrase", credential)?;
        let owner_id = self.authorize_manage_persons()?;
        let person = self
            .store()
            .read(|c| persons::by_nickname(c, nickname))?
            .ok_or_else(|| Error::not_found("person with this nickname"))?;
        // A person with a seat in the keyring already is refused by `add_member` itself.
        if person.is_owner {
            return Err(Error::AlreadyExists {
                what: "credential for this person".into(),
            });
        }
        self.store()
            .add_member(&person.id, nickname, credential, kdf, |w| {
                persons::set_member(w.tx, &person.id, true)?;
                member_added(w, &owner_id, &person.id)
            })?;
        self.person(&person.id)
    }

    /// The acting person may manage the persons on the device (the owner). Returns their id.
    fn authorize_manage_persons(&self) -> Result<String> {
        let actor = self.actor()?;
        let at = self.now().utc_seconds;
        self.store()
            .read(|c| authorize(c, &actor, &actor, Action::ManagePersons, at))?;
        Ok(actor)
    }

    fn tag_owner(&self, nickname: &str) -> Result<()> {
        let (before, keys) = self.store().keys_with(|keyring, _| {
            Ok(crate::store::members_with_tag(
                keyring,
                crate::store::OWNER_MEMBER,
                nickname,
            ))
        })?;
        self.store().change_keyring(&before, keys, |_| Ok(()))
    }

    /// The persons this actor may see: the owner sees everyone on the device; anyone else sees
    /// themself and the persons whose record they may view through a delegation.
    pub fn persons(&self) -> Result<Vec<Person>> {
        let actor = self.actor()?;
        let actor = actor.as_str();
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
        let visible = self.subjects_of()?;
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
    /// Remove a managed person (no credential of their own) with all their data: records and
    /// their history, documents, goals; the grants on and by them revoked. Refused for the
    /// owner and for members, and while anything is still shared: withdraw,
    /// erase and sync first, so no recipient is left holding what nobody can withdraw. Returns
    /// how many records were erased. Their consent decisions stay, naming only their id.
    pub fn remove_person(&self, subject: &str) -> Result<usize> {
        let access = self.authorize(subject, Action::ManagePersons)?;
        let person = self.store().read(|c| persons::require(c, subject))?;
        if person.is_owner {
            return Err(Error::invalid(
                "person",
                "is the device owner; the owner's data is erased with `erase --all`",
            ));
        }
        if self.store().read(|c| persons::is_member(c, subject))? {
            return Err(Error::invalid(
                "person",
                "has their own credential (a member); only a managed person can be removed",
            ));
        }
        let now = self.now();
        let profile = self.installed_profile();
        self.write(&access, AuditAction::PersonRemoved, |w| {
            let in_force = match &profile {
                Some(p) => {
                    let history = crate::consent::repo::all_for(w.tx, subject)?;
                    let state =
                        crate::consent::ConsentState::build(&p.profile, &history, subject, now);
                    state.permitted().len() as u32
                }
                None => 0,
            };
            let still = person_removal::still_shared(w.tx, subject, in_force)?;
            if !still.is_clear() {
                return Err(still.refusal());
            }
            let ids = person_removal::remove(w.tx, subject, access.actor(), now.utc_seconds)?;
            Ok((ids.len(), ids))
        })
    }

    pub fn person_details(&self, subject: &str) -> Result<Person> {
        let access = self.authorize(subject, Action::View)?;
        self.person(access.subject())
    }
}

/// The audit entry of a person given a seat of their own, by the owner.
fn member_added(w: &crate::store::WriteCtx<'_>, owner: &str, member: &str) -> Result<()> {
    w.audit(NewAuditEntry {
        actor: owner,
        subject: member,
        action: AuditAction::MemberAdded,
        record_ids: &[],
        delegation: None,
    })?;
    Ok(())
}
