//! "Who can see my record, with which rights, until when": the subject first, then every grant
//! in force now or later, each ending at its expiry or, for a parent's grant, at coming of age.

use super::{Delegation, Grantee, GrantorKind, RepresentativeBasis, Scope, adulthood_starts};
use crate::records::Person;
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
    pub basis: Option<RepresentativeBasis>,
}

/// The lines for `subject` at instant `at`, from the delegations on their record (oldest
/// first) and the persons on the device (for nicknames). Revoked and expired grants are left out.
pub(crate) fn who_can_access(
    subject: &Person,
    delegations: Vec<Delegation>,
    everyone: &[Person],
    at: i64,
) -> Vec<AccessGrant> {
    let birth = subject.details.birth_date;
    let nickname = |g: &Grantee| match g {
        Grantee::Person(id) => everyone
            .iter()
            .find(|p| &p.id == id)
            .map(|p| p.details.nickname.clone()),
        Grantee::Account(_) => None,
    };
    let mut out = vec![AccessGrant {
        grantee: Grantee::Person(subject.id.clone()),
        grantee_nickname: Some(subject.details.nickname.clone()),
        delegation_id: None,
        scopes: Scope::ALL.to_vec(),
        valid_from: i64::MIN,
        valid_until: None,
        grantor_kind: None,
        basis: None,
    }];
    for d in delegations {
        let mut until = d.valid_until;
        if d.basis == Some(RepresentativeBasis::ParentOfMinor) {
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
    out
}
