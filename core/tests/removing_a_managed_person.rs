//! Removing a managed person with all their data (issue #17 item 1): refused while anything is
//! still shared, for the owner and for members; afterwards nothing of theirs can be read, their
//! nickname is free again, and the audit names what was erased.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_support;

use common::*;
use phr_core::consent::{ConsentRequest, DataCategory, samples};
use phr_core::family::{Grantee, NewDelegation, RepresentativeBasis, Scope};
use phr_core::records::{ObservationType, PageRequest, Provenance, RecordFilter, Sex};
use phr_core::sync::fake::FakeFhir;
use phr_core::{Error, Session};
use sync_support::*;

/// Hanako (owner) with her son ken (managed, born 2015), whose record she keeps as his parent:
/// two pulses, a step count and a step goal. Returns ken's id and his record ids.
fn with_ken() -> (tempfile::TempDir, Session, String, String, Vec<String>) {
    let (dir, s, hanako, _) = session_with_two();
    let h = hanako.id.clone();
    let ken = s
        .add_person(person("ken", "山田", "健", (2015, 4, 1), Sex::Male))
        .unwrap();
    let k = ken.id.clone();
    s.as_person(&h)
        .grant(
            &k,
            NewDelegation {
                grantee: Grantee::Person(h.clone()),
                scopes: vec![
                    Scope::View,
                    Scope::Record,
                    Scope::ManageConsent,
                    Scope::Share,
                ],
                valid_from: None,
                valid_until: None,
                representative_basis: Some(RepresentativeBasis::ParentOfMinor),
                basis_note: Some("戸籍謄本".into()),
            },
        )
        .unwrap();
    let ids = s
        .add_records(
            &k,
            vec![
                observation(ObservationType::Pulse, 80.0, 1),
                observation(ObservationType::Pulse, 82.0, 0),
                observation(ObservationType::Steps, 9000.0, 0),
            ],
            Provenance::Device,
            None,
        )
        .unwrap();
    s.set_step_goal(&k, Some(10_000)).unwrap();
    (dir, s, h, k, ids)
}

fn refusal(r: phr_core::Result<usize>) -> String {
    match r {
        Err(Error::InvalidInput { field, reason }) => {
            assert_eq!(field, "person");
            reason
        }
        other => panic!("not refused: {other:?}"),
    }
}

fn records_of(s: &Session, k: &str) -> usize {
    s.list_records(k, &RecordFilter::default(), &PageRequest::first(100))
        .unwrap()
        .records
        .len()
}

#[test]
fn a_person_still_shared_is_not_removed_until_withdrawn_erased_and_synced() {
    let (_d, s, _h, k, ids) = with_ken();
    s.set_operator_profile(samples::municipality()).unwrap();
    s.set_consent(
        &k,
        ConsentRequest::permit(RECIPIENT, &[DataCategory::Vitals], &[GUIDANCE]),
    )
    .unwrap();
    let why = refusal(s.remove_person(&k));
    assert!(why.contains("1 consent(s) in force"), "{why}");
    assert!(why.contains("2 item(s) waiting to sync"), "{why}");
    assert_eq!(records_of(&s, &k), 3, "nothing erased");

    let fake = FakeFhir::new();
    sync(&s, &k, &fake).unwrap();
    assert_eq!(fake.ids("Observation").len(), 2);
    s.set_consent(
        &k,
        ConsentRequest::deny(RECIPIENT, &[DataCategory::Vitals], &[GUIDANCE]),
    )
    .unwrap();
    let why = refusal(s.remove_person(&k));
    assert!(why.contains("0 consent(s) in force"), "{why}");
    assert!(why.contains("2 record(s) held by recipients"), "{why}");
    assert!(
        !why.contains("Pulse") && !why.contains("80"),
        "no health data: {why}"
    );

    // The withdrawal's sync deletes the copies; then the removal goes through.
    sync(&s, &k, &fake).unwrap();
    assert!(fake.ids("Observation").is_empty());
    assert_eq!(s.remove_person(&k).unwrap(), 3);

    let entry = s
        .audit_entries(200, None)
        .unwrap()
        .into_iter()
        .find(|e| e.action == "person_removed")
        .unwrap();
    assert_eq!(entry.subject, k);
    let mut named = entry.record_ids.clone();
    named.sort();
    let mut erased = ids.clone();
    erased.sort();
    assert_eq!(named, erased);
}

#[test]
fn after_removal_nothing_of_theirs_is_found_and_the_nickname_is_free() {
    let (dir, s, h, k, ids) = with_ken();
    assert_eq!(s.remove_person(&k).unwrap(), 3);
    assert!(s.persons().unwrap().iter().all(|p| p.id != k));
    assert!(matches!(
        s.person_id_by_nickname("ken"),
        Err(Error::NotFound { .. })
    ));
    for r in [
        s.get_record(&k, &ids[0]).map(|_| ()),
        s.step_progress(&k).map(|_| ()),
        s.overview(&k).map(|_| ()),
        s.log_observation(&k, observation_input(ObservationType::Pulse, 70.0))
            .map(|_| ()),
    ] {
        assert!(matches!(r, Err(Error::NotFound { .. })), "{r:?}");
    }
    assert!(matches!(s.remove_person(&k), Err(Error::NotFound { .. })));
    // The grant she held on ken is revoked: he is no longer among those she acts for.
    assert!(!s.as_person(&h).subjects_of().unwrap().contains(&k));

    // The nickname can be given to someone new, who starts with nothing.
    let again = s
        .add_person(person("ken", "山田", "健", (2015, 4, 1), Sex::Male))
        .unwrap();
    assert_ne!(again.id, k);
    drop(s);
    // Nothing of the removed person's details is left in the store (its rows are a stub).
    let s = Session::unlock(dir.path(), phr_core::Unlock::Passphrase("correct horse")).unwrap();
    assert_eq!(
        s.persons().unwrap().len(),
        3,
        "hanako, taro and the new ken"
    );
}

#[test]
fn the_owner_and_members_are_not_removed() {
    let (_d, s, h, _k, _) = with_ken();
    let why = refusal(s.remove_person(&h));
    assert!(why.contains("owner"), "{why}");
    let member = s
        .add_member(
            person("jiro", "山田", "次郎", (1980, 2, 2), Sex::Male),
            &phr_core::Unlock::Passphrase("another horse battery staple"),
            kdf(),
        )
        .unwrap();
    let why = refusal(s.remove_person(&member.id));
    assert!(why.contains("member"), "{why}");
}

#[test]
fn only_the_owner_removes_a_person() {
    let (_d, s, _h, k, _) = with_ken();
    let (_, taro) = {
        let all = s.persons().unwrap();
        let t = all
            .iter()
            .find(|p| p.details.nickname == "taro")
            .unwrap()
            .clone();
        ((), t)
    };
    assert!(matches!(
        s.as_person(&taro.id).remove_person(&k),
        Err(Error::NotPermitted { .. })
    ));
    assert_eq!(records_of(&s, &k), 3);
}
