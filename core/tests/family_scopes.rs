//! Family-manager mode: every scope, expiry, revocation, coming of age, taking control, and the
//! audit trail of proxy actions.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use phr_core::Error;
use phr_core::access::Action;
use phr_core::family::{Grantee, NewDelegation, RepresentativeBasis, Scope};
use phr_core::records::*;

fn grant_to(grantee: &str, scopes: &[Scope]) -> NewDelegation {
    NewDelegation {
        grantee: Grantee::Person(grantee.to_owned()),
        scopes: scopes.to_vec(),
        valid_from: None,
        valid_until: None,
        representative_basis: None,
        basis_note: None,
    }
}

fn bp() -> ObservationInput {
    ObservationInput::blood_pressure(128.0, 82.0, None, jst_days_ago(0))
}

fn denied<T: std::fmt::Debug>(r: phr_core::Result<T>) -> bool {
    matches!(r, Err(Error::NotPermitted { .. }))
}

#[test]
fn without_a_grant_nothing_is_permitted() {
    let (_d, s, hanako, taro) = session_with_two();
    let (h, t) = (hanako.id.as_str(), taro.id.as_str());
    for action in [
        Action::View,
        Action::Record,
        Action::Erase,
        Action::ViewAudit,
        Action::ManageConsent,
        Action::Share,
        Action::ManageDelegations,
    ] {
        assert!(!s.can(h, t, action).unwrap(), "{action:?}");
        assert!(s.can(t, t, action).unwrap(), "{action:?} on own record");
    }
    assert!(denied(s.log_observation(h, t, bp())));
    assert!(denied(s.timeline(h, t, &PageRequest::first(5))));
}

#[test]
fn view_scope_reads_but_does_not_write() {
    let (_d, s, hanako, taro) = session_with_two();
    let (h, t) = (hanako.id.as_str(), taro.id.as_str());
    let r = s.log_observation(t, t, bp()).unwrap();
    s.grant(t, t, grant_to(h, &[Scope::View])).unwrap();
    assert_eq!(
        s.timeline(h, t, &PageRequest::first(5))
            .unwrap()
            .records
            .len(),
        1
    );
    assert!(s.access_history(h, t, 5).is_ok());
    assert!(denied(s.log_observation(h, t, bp())));
    assert!(denied(s.delete_record(h, t, &r.meta.id)));
    assert!(denied(s.erase_record(h, t, &r.meta.id)));
    assert!(!s.can(h, t, Action::ManageConsent).unwrap());
    assert!(!s.can(h, t, Action::Share).unwrap());
    assert!(denied(s.grant(h, t, grant_to(h, &[Scope::Record]))));
}

#[test]
fn record_scope_writes_and_the_audit_names_the_delegation() {
    let (_d, s, hanako, taro) = session_with_two();
    let (h, t) = (hanako.id.as_str(), taro.id.as_str());
    let d = s.grant(t, t, grant_to(h, &[Scope::Record])).unwrap();
    let r = s.log_observation(h, t, bp()).unwrap();
    assert_eq!(r.meta.subject_id, t);
    assert!(
        denied(s.timeline(h, t, &PageRequest::first(5))),
        "record does not imply view"
    );
    let history = s.access_history(t, t, 10).unwrap();
    let write = history
        .iter()
        .find(|e| e.action == "record_written")
        .unwrap();
    assert_eq!(write.actor, h);
    assert_eq!(write.subject, t);
    assert_eq!(write.delegation.as_deref(), Some(d.id.as_str()));
    let granted = history
        .iter()
        .find(|e| e.action == "delegation_granted")
        .unwrap();
    assert_eq!(granted.record_ids, vec![d.id.clone()]);
}

#[test]
fn manage_delegations_cannot_escalate_or_outlive() {
    let (_d, s, hanako, taro) = session_with_two();
    let (h, t) = (hanako.id.as_str(), taro.id.as_str());
    let jiro = s
        .add_person(
            Some(h),
            person("jiro", "山田", "次郎", (1980, 2, 2), Sex::Male),
        )
        .unwrap();
    let now = phr_core::clock::Clock::from_environment().now().timestamp();
    let mut g = grant_to(h, &[Scope::View, Scope::ManageDelegations]);
    g.valid_until = Some(now + 86_400);
    s.grant(t, t, g).unwrap();
    assert!(
        denied(s.grant(h, t, grant_to(&jiro.id, &[Scope::Record]))),
        "cannot pass on a scope it lacks"
    );
    let passed = s.grant(h, t, grant_to(&jiro.id, &[Scope::View])).unwrap();
    assert_eq!(
        passed.valid_until,
        Some(now + 86_400),
        "cannot outlive the grant it came from"
    );
    assert_eq!(passed.granted_by, h);
    assert!(s.can(&jiro.id, t, Action::View).unwrap());
}

#[test]
fn expiry_takes_effect_at_its_instant_without_any_job() {
    let (_d, s, hanako, taro) = session_with_two();
    let (h, t) = (hanako.id.as_str(), taro.id.as_str());
    let now = phr_core::clock::Clock::from_environment().now().timestamp();
    s.set_clock_for_tests(Some(now));
    let mut g = grant_to(h, &[Scope::View]);
    g.valid_from = Some(now + 100);
    g.valid_until = Some(now + 200);
    s.grant(t, t, g).unwrap();
    for (at, expect) in [
        (now + 99, false),
        (now + 100, true),
        (now + 199, true),
        (now + 200, false),
    ] {
        s.set_clock_for_tests(Some(at));
        assert_eq!(
            s.can(h, t, Action::View).unwrap(),
            expect,
            "at +{}",
            at - now
        );
    }
}

#[test]
fn revocation_by_grantor_or_subject_only() {
    let (_d, s, hanako, taro) = session_with_two();
    let (h, t) = (hanako.id.as_str(), taro.id.as_str());
    let jiro = s
        .add_person(
            Some(h),
            person("jiro", "山田", "次郎", (1980, 2, 2), Sex::Male),
        )
        .unwrap();
    let d = s.grant(t, t, grant_to(h, &[Scope::View])).unwrap();
    assert!(denied(s.revoke(&jiro.id, &d.id)));
    assert!(
        denied(s.revoke(h, &d.id)),
        "the grantee is neither grantor nor subject"
    );
    s.revoke(t, &d.id).unwrap();
    assert!(!s.can(h, t, Action::View).unwrap());
    assert!(matches!(s.revoke(t, &d.id), Err(Error::NotFound { .. })));
    // A representative grant can be revoked by its grantor (the representative).
    let r = NewDelegation {
        representative_basis: Some(RepresentativeBasis::WrittenConsent),
        ..grant_to(h, &[Scope::View])
    };
    let d2 = s.grant(h, t, r).unwrap();
    s.revoke(h, &d2.id).unwrap();
    assert!(!s.can(h, t, Action::View).unwrap());
}

#[test]
fn a_parents_grant_ends_when_the_child_turns_18_and_a_subject_can_take_control() {
    let (_d, s, hanako, _) = session_with_two();
    let h = hanako.id.as_str();
    let kid = s
        .add_person(
            Some(h),
            person("yuki", "山田", "雪", (2010, 4, 2), Sex::Female),
        )
        .unwrap();
    let k = kid.id.as_str();
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 10)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    s.set_clock_for_tests(Some(start));
    let parent = NewDelegation {
        representative_basis: Some(RepresentativeBasis::ParentOfMinor),
        ..grant_to(h, &[Scope::View, Scope::Record, Scope::ManageConsent])
    };
    let d = s.grant(h, k, parent.clone()).unwrap();
    let adult = phr_core::family::adulthood_starts(kid.details.birth_date);
    s.set_clock_for_tests(Some(adult - 1));
    assert!(s.can(h, k, Action::Record).unwrap());
    let who = s.who_can_access(k, k).unwrap();
    assert_eq!(who[1].delegation_id.as_deref(), Some(d.id.as_str()));
    assert_eq!(who[1].valid_until, Some(adult));
    s.set_clock_for_tests(Some(adult));
    assert!(
        !s.can(h, k, Action::View).unwrap(),
        "an adult's record is theirs"
    );
    assert!(
        matches!(s.grant(h, k, parent), Err(Error::InvalidInput { field, .. }) if field == "basis")
    );
    // A guardian's grant does not end by age; the subject ends it by taking control.
    let guardian = NewDelegation {
        representative_basis: Some(RepresentativeBasis::Guardian),
        ..grant_to(h, &[Scope::View])
    };
    s.grant(h, k, guardian).unwrap();
    let own = s.grant(k, k, grant_to(h, &[Scope::Share])).unwrap();
    assert!(s.can(h, k, Action::View).unwrap());
    assert!(denied(s.take_control(h, k)));
    let ended = s.take_control(k, k).unwrap();
    assert_eq!(
        ended.len(),
        2,
        "the guardian's grant and the (already age-ended) parent's grant"
    );
    assert!(!s.can(h, k, Action::View).unwrap());
    assert!(
        s.can(h, k, Action::Share).unwrap(),
        "grants the subject made stay"
    );
    assert!(
        s.who_can_access(k, k)
            .unwrap()
            .iter()
            .any(|g| g.delegation_id.as_deref() == Some(own.id.as_str()))
    );
}

#[test]
fn only_the_owner_or_a_delegate_may_claim_representation() {
    let (_d, s, hanako, taro) = session_with_two();
    let (h, t) = (hanako.id.as_str(), taro.id.as_str());
    let jiro = s
        .add_person(
            Some(h),
            person("jiro", "山田", "次郎", (1980, 2, 2), Sex::Male),
        )
        .unwrap();
    let claim = |who: &str| NewDelegation {
        representative_basis: Some(RepresentativeBasis::Guardian),
        ..grant_to(who, &[Scope::View])
    };
    assert!(
        denied(s.grant(&jiro.id, t, claim(&jiro.id))),
        "not the owner, no manage_delegations"
    );
    s.grant(h, t, claim(h)).unwrap();
    assert!(
        matches!(s.grant(t, t, claim(h)), Err(Error::InvalidInput { field, .. }) if field == "basis")
    );
    assert!(
        matches!(s.grant(t, t, grant_to(t, &[Scope::View])), Err(Error::InvalidInput { field, .. }) if field == "grantee")
    );
    assert!(
        matches!(s.grant(t, t, grant_to(h, &[])), Err(Error::InvalidInput { field, .. }) if field == "scopes")
    );
}

#[test]
fn grants_to_another_devices_account_are_recorded_but_act_nowhere_here() {
    let (_d, s, hanako, taro) = session_with_two();
    let (h, t) = (hanako.id.as_str(), taro.id.as_str());
    let g = NewDelegation {
        grantee: Grantee::Account("care-app:ab12".into()),
        ..grant_to(h, &[Scope::View])
    };
    s.grant(t, t, g).unwrap();
    let who = s.who_can_access(t, t).unwrap();
    assert!(
        who.iter()
            .any(|w| w.grantee == Grantee::Account("care-app:ab12".into()))
    );
    assert!(!s.can(h, t, Action::View).unwrap());
}

#[test]
fn persons_lists_whom_the_actor_may_see() {
    let (_d, s, hanako, taro) = session_with_two();
    let (h, t) = (hanako.id.as_str(), taro.id.as_str());
    assert_eq!(s.persons(t).unwrap().len(), 1);
    s.grant(h, h, grant_to(t, &[Scope::View])).unwrap();
    let seen: Vec<String> = s.persons(t).unwrap().into_iter().map(|p| p.id).collect();
    assert_eq!(seen.len(), 2);
    assert!(seen.contains(&h.to_string()));
}
