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
        assert!(!s.as_person(h).can(t, action).unwrap(), "{action:?}");
        assert!(
            s.as_person(t).can(t, action).unwrap(),
            "{action:?} on own record"
        );
    }
    assert!(denied(s.as_person(h).log_observation(t, bp())));
    assert!(denied(s.as_person(h).timeline(t, &PageRequest::first(5))));
}

#[test]
fn view_scope_reads_but_does_not_write() {
    let (_d, s, hanako, taro) = session_with_two();
    let (h, t) = (hanako.id.as_str(), taro.id.as_str());
    let r = s.as_person(t).log_observation(t, bp()).unwrap();
    s.as_person(t)
        .grant(t, grant_to(h, &[Scope::View]))
        .unwrap();
    assert_eq!(
        s.as_person(h)
            .timeline(t, &PageRequest::first(5))
            .unwrap()
            .records
            .len(),
        1
    );
    assert!(s.as_person(h).access_history(t, 5).is_ok());
    assert!(denied(s.as_person(h).log_observation(t, bp())));
    assert!(denied(s.as_person(h).delete_record(t, &r.meta.id)));
    assert!(denied(s.as_person(h).erase_record(t, &r.meta.id)));
    assert!(!s.as_person(h).can(t, Action::ManageConsent).unwrap());
    assert!(!s.as_person(h).can(t, Action::Share).unwrap());
    assert!(denied(
        s.as_person(h).grant(t, grant_to(h, &[Scope::Record]))
    ));
}

#[test]
fn record_scope_writes_and_the_audit_names_the_delegation() {
    let (_d, s, hanako, taro) = session_with_two();
    let (h, t) = (hanako.id.as_str(), taro.id.as_str());
    let d = s
        .as_person(t)
        .grant(t, grant_to(h, &[Scope::Record]))
        .unwrap();
    let r = s.as_person(h).log_observation(t, bp()).unwrap();
    assert_eq!(r.meta.subject_id, t);
    assert!(
        denied(s.as_person(h).timeline(t, &PageRequest::first(5))),
        "record does not imply view"
    );
    let history = s.as_person(t).access_history(t, 10).unwrap();
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
        .add_person(person("jiro", "山田", "次郎", (1980, 2, 2), Sex::Male))
        .unwrap();
    let now = phr_core::clock::Clock::from_environment().now().timestamp();
    let mut g = grant_to(h, &[Scope::View, Scope::ManageDelegations]);
    g.valid_until = Some(now + 86_400);
    s.as_person(t).grant(t, g).unwrap();
    assert!(
        denied(
            s.as_person(h)
                .grant(t, grant_to(&jiro.id, &[Scope::Record]))
        ),
        "cannot pass on a scope it lacks"
    );
    let passed = s
        .as_person(h)
        .grant(t, grant_to(&jiro.id, &[Scope::View]))
        .unwrap();
    assert_eq!(
        passed.valid_until,
        Some(now + 86_400),
        "cannot outlive the grant it came from"
    );
    assert_eq!(passed.granted_by, h);
    assert!(s.as_person(&jiro.id).can(t, Action::View).unwrap());
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
    s.as_person(t).grant(t, g).unwrap();
    for (at, expect) in [
        (now + 99, false),
        (now + 100, true),
        (now + 199, true),
        (now + 200, false),
    ] {
        s.set_clock_for_tests(Some(at));
        assert_eq!(
            s.as_person(h).can(t, Action::View).unwrap(),
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
        .add_person(person("jiro", "山田", "次郎", (1980, 2, 2), Sex::Male))
        .unwrap();
    let d = s
        .as_person(t)
        .grant(t, grant_to(h, &[Scope::View]))
        .unwrap();
    assert!(denied(s.as_person(&jiro.id).revoke(&d.id)));
    assert!(
        denied(s.revoke(&d.id)),
        "the grantee is neither grantor nor subject"
    );
    s.as_person(t).revoke(&d.id).unwrap();
    assert!(!s.as_person(h).can(t, Action::View).unwrap());
    assert!(matches!(
        s.as_person(t).revoke(&d.id),
        Err(Error::NotFound { .. })
    ));
    // A representative grant can be revoked by its grantor (the representative).
    let r = NewDelegation {
        representative_basis: Some(RepresentativeBasis::WrittenConsent),
        basis_note: Some("家庭裁判所 令和8年(家)第45号".into()),
        ..grant_to(h, &[Scope::View])
    };
    let d2 = s.as_person(h).grant(t, r).unwrap();
    s.revoke(&d2.id).unwrap();
    assert!(!s.as_person(h).can(t, Action::View).unwrap());
}

#[test]
fn a_parents_grant_ends_when_the_child_turns_18_and_a_subject_can_take_control() {
    let (_d, s, hanako, _) = session_with_two();
    let h = hanako.id.as_str();
    let kid = s
        .add_person(person("yuki", "山田", "雪", (2010, 4, 2), Sex::Female))
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
        basis_note: Some("家庭裁判所 令和8年(家)第45号".into()),
        ..grant_to(h, &[Scope::View, Scope::Record, Scope::ManageConsent])
    };
    let d = s.as_person(h).grant(k, parent.clone()).unwrap();
    let adult = phr_core::family::adulthood_starts(kid.details.birth_date);
    s.set_clock_for_tests(Some(adult - 1));
    assert!(s.as_person(h).can(k, Action::Record).unwrap());
    let who = s.as_person(k).who_can_access(k).unwrap();
    assert_eq!(who[1].delegation_id.as_deref(), Some(d.id.as_str()));
    assert_eq!(who[1].valid_until, Some(adult));
    s.set_clock_for_tests(Some(adult));
    assert!(
        !s.as_person(h).can(k, Action::View).unwrap(),
        "an adult's record is theirs"
    );
    assert!(
        matches!(s.as_person(h).grant(k, parent), Err(Error::InvalidInput { field, .. }) if field == "basis")
    );
    // A guardian's grant does not end by age; the subject ends it by taking control.
    let guardian = NewDelegation {
        representative_basis: Some(RepresentativeBasis::Guardian),
        basis_note: Some("家庭裁判所 令和8年(家)第45号".into()),
        ..grant_to(h, &[Scope::View])
    };
    s.as_person(h).grant(k, guardian).unwrap();
    let own = s
        .as_person(k)
        .grant(k, grant_to(h, &[Scope::Share]))
        .unwrap();
    assert!(s.as_person(h).can(k, Action::View).unwrap());
    assert!(denied(s.as_person(h).take_control(k)));
    let ended = s.as_person(k).take_control(k).unwrap();
    assert_eq!(
        ended.len(),
        2,
        "the guardian's grant and the (already age-ended) parent's grant"
    );
    assert!(!s.as_person(h).can(k, Action::View).unwrap());
    assert!(
        s.as_person(h).can(k, Action::Share).unwrap(),
        "grants the subject made stay"
    );
    assert!(
        s.as_person(k)
            .who_can_access(k)
            .unwrap()
            .iter()
            .any(|g| g.delegation_id.as_deref() == Some(own.id.as_str()))
    );
}

#[test]
fn only_the_owner_or_a_delegate_may_represent_and_only_a_managed_person() {
    let (_d, s, hanako, taro) = session_with_two();
    let (h, t) = (hanako.id.as_str(), taro.id.as_str());
    let jiro = s
        .add_person(person("jiro", "山田", "次郎", (1980, 2, 2), Sex::Male))
        .unwrap();
    let claim = |who: &str| NewDelegation {
        representative_basis: Some(RepresentativeBasis::Guardian),
        basis_note: Some("家庭裁判所 令和8年(家)第45号".into()),
        ..grant_to(who, &[Scope::View])
    };
    assert!(
        denied(s.as_person(&jiro.id).grant(t, claim(&jiro.id))),
        "not the owner, no manage_delegations"
    );
    // The evidence of the basis is recorded, or the grant is refused.
    let no_evidence = NewDelegation {
        basis_note: None,
        ..claim(h)
    };
    assert!(
        matches!(s.grant(t, no_evidence), Err(Error::InvalidInput { field, .. }) if field == "basis_note")
    );
    s.grant(t, claim(h)).unwrap();
    // A member (their own credential) is never represented, not even by the owner.
    let member = s
        .add_member(
            person("kenta", "山田", "健太", (1985, 3, 3), Sex::Male),
            &phr_core::Unlock::Passphrase("kenta's own long passphrase"),
            common::kdf(),
        )
        .unwrap();
    assert!(
        matches!(s.grant(&member.id, claim(h)), Err(Error::InvalidInput { field, .. }) if field == "basis")
    );
    assert!(
        matches!(s.as_person(t).grant(t, claim(h)), Err(Error::InvalidInput { field, .. }) if field == "basis")
    );
    assert!(
        matches!(s.as_person(t).grant(t, grant_to(t, &[Scope::View])), Err(Error::InvalidInput { field, .. }) if field == "grantee")
    );
    assert!(
        matches!(s.as_person(t).grant(t, grant_to(h, &[])), Err(Error::InvalidInput { field, .. }) if field == "scopes")
    );
}

#[test]
fn a_proxy_passes_on_at_most_what_it_holds_for_no_longer_and_revoking_it_revokes_what_it_made() {
    let (_d, s, hanako, taro) = session_with_two();
    let (h, t) = (hanako.id.as_str(), taro.id.as_str());
    let jiro = s
        .add_person(person("jiro", "山田", "次郎", (1980, 2, 2), Sex::Male))
        .unwrap();
    let j = jiro.id.as_str();
    let now = s.now().utc_seconds;
    // taro lets hanako manage his grants (and view), for a month.
    let mut to_h = grant_to(h, &[Scope::View, Scope::ManageDelegations]);
    to_h.valid_until = Some(now + 30 * 86_400);
    let root = s.as_person(t).grant(t, to_h).unwrap();
    // She cannot hand out what she does not hold, not even with a representative basis.
    assert!(denied(s.grant(t, grant_to(j, &[Scope::Record]))));
    let claim = NewDelegation {
        representative_basis: Some(RepresentativeBasis::Guardian),
        basis_note: Some("家庭裁判所 令和8年(家)第45号".into()),
        ..grant_to(j, &[Scope::View, Scope::Record, Scope::Share])
    };
    assert!(
        s.grant(t, claim).is_err(),
        "a proxy claiming a basis gains nothing"
    );
    // What she passes on ends when hers does, and names hers as its parent.
    let passed = s.grant(t, grant_to(j, &[Scope::View])).unwrap();
    assert_eq!(passed.valid_until, Some(now + 30 * 86_400));
    assert_eq!(passed.parent.as_deref(), Some(root.id.as_str()));
    assert!(s.as_person(j).can(t, Action::View).unwrap());
    // Revoking hers revokes what was made from it.
    s.as_person(t).revoke(&root.id).unwrap();
    assert!(!s.as_person(j).can(t, Action::View).unwrap());
    assert!(
        s.as_person(t)
            .delegations(t)
            .unwrap()
            .iter()
            .all(|d| d.revoked_utc.is_some())
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
    s.as_person(t).grant(t, g).unwrap();
    let who = s.as_person(t).who_can_access(t).unwrap();
    assert!(
        who.iter()
            .any(|w| w.grantee == Grantee::Account("care-app:ab12".into()))
    );
    assert!(!s.as_person(h).can(t, Action::View).unwrap());
}

#[test]
fn persons_lists_whom_the_actor_may_see() {
    let (_d, s, hanako, taro) = session_with_two();
    let (h, t) = (hanako.id.as_str(), taro.id.as_str());
    assert_eq!(s.as_person(t).persons().unwrap().len(), 1);
    s.grant(h, grant_to(t, &[Scope::View])).unwrap();
    let seen: Vec<String> = s
        .as_person(t)
        .persons()
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(seen.len(), 2);
    assert!(seen.contains(&h.to_string()));
}
