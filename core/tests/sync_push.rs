//! Sync's push rules against the in-memory FHIR server (`phr_core::sync::fake`): the plan, the
//! consent gate, withdrawal (delete and mark), erasure reaching the recipient, edits and
//! deletions propagating, one sync at a time. Milliseconds each, in plain `cargo test`.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_support;

use phr_core::ClinicalInput;
use phr_core::consent::{ConsentRequest, DataCategory, OnWithdrawal};
use phr_core::records::{Checkup, CheckupCodeSystem, CheckupResult, ObservationType, Provenance};
use phr_core::sync::fake::{FakeFhir, Fault, On};
use phr_core::sync::{SyncPhase, SyncProgress};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use sync_support::*;

#[test]
fn a_first_sync_pushes_each_queued_record_once_tagged_with_this_store() {
    let (_d, s, h, ids) = seeded(20, 10);
    let fake = FakeFhir::new();
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.pushed, r.remaining, r.withheld), (30, 0, 0), "{r:?}");
    assert!(s.pending_outbox(&h).unwrap().is_empty());
    let held: BTreeSet<String> = fake.ids("Observation").into_iter().collect();
    assert_eq!(
        held,
        ids.iter().cloned().collect(),
        "exactly the queued records"
    );
    assert!(fake.ids("Provenance").is_empty());
    // The records point at the subject's Patient: it is there, with no detail (none released).
    let patient = fake.resource(&format!("Patient/{h}")).unwrap();
    let fields: BTreeSet<&str> = patient
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        BTreeSet::from(["id", "meta", "resourceType"]),
        "{patient}"
    );
    assert!(r.patient_sent);
    let seen = fake.requests();
    for id in &ids {
        assert_eq!(puts(&seen, &format!("Observation/{id}")), 1, "{id}");
        let copy = fake.resource(&format!("Observation/{id}")).unwrap();
        assert_eq!(copy["subject"]["reference"], format!("Patient/{h}"));
        let tags = copy["meta"]["tag"].as_array().unwrap();
        assert!(tags.iter().any(|t| t["system"] == "urn:phr-core:origin"));
    }
    // The Patient, 30 items in batches of 10, then the pull's searches.
    assert_eq!(seen.iter().filter(|r| r.path.is_empty()).count(), 4);

    fake.forget_requests();
    let again = sync(&s, &h, &fake).unwrap();
    assert_eq!(again.pushed, 0);
    assert!(
        fake.requests().iter().all(|r| !r.path.is_empty()),
        "no Bundle sent"
    );
}

#[test]
fn a_record_the_gate_no_longer_releases_is_withheld_not_sent() {
    let (_d, s, h, ids) = seeded(5, 5);
    // The operator stops offering body measurements for guidance after they were queued: a new
    // profile version, so the guidance permit waits for the resident to decide again (S-09).
    s.set_operator_profile(profile_with(|p| {
        let g = p.purposes.iter_mut().find(|x| x.code == GUIDANCE).unwrap();
        g.categories.retain(|c| *c != DataCategory::Body);
    }))
    .unwrap();
    let fake = FakeFhir::new();
    // The pulses wait for that decision; the weights, no longer offered at all, are withheld
    // and leave the outbox.
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!(
        (r.pushed, r.awaiting_reconsent, r.withheld),
        (0, 5, 5),
        "{r:?}"
    );
    assert_eq!(r.remaining, 5, "held back, not dropped");
    assert!(fake.ids("Observation").is_empty());
    let waiting = s.reconsent_needed(&h).unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        waiting[0].changes,
        [format!("purpose.{GUIDANCE}.categories")]
    );

    // The resident decides again for what is still offered: the pulses go.
    s.set_consent(
        &h,
        ConsentRequest::permit(RECIPIENT, &[DataCategory::Vitals], &[GUIDANCE]),
    )
    .unwrap();
    assert!(s.reconsent_needed(&h).unwrap().is_empty());
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.pushed, r.withheld, r.remaining), (5, 0, 0), "{r:?}");
    let held: BTreeSet<String> = fake.ids("Observation").into_iter().collect();
    assert_eq!(held, ids[..5].iter().cloned().collect());
}

#[test]
fn withdrawn_consent_stops_next_sync() {
    let (_d, s, h, ids) = seeded(5, 5);
    let fake = FakeFhir::new();
    sync(&s, &h, &fake).unwrap();
    assert_eq!(fake.ids("Observation").len(), 10);

    s.withdraw(&h, RECIPIENT, &[DataCategory::Body], &[GUIDANCE])
        .unwrap();
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.withdrawals, r.deleted), (1, 5), "{r:?}");
    let held: BTreeSet<String> = fake.ids("Observation").into_iter().collect();
    assert_eq!(
        held,
        ids[..5].iter().cloned().collect(),
        "the weights are gone"
    );

    // A withdrawn record's edit goes nowhere; a still-consented one's does.
    s.update_record(&h, &ids[5], observation(ObservationType::Weight, 70.0, 1))
        .unwrap();
    s.update_record(&h, &ids[0], observation(ObservationType::Pulse, 99.0, 1))
        .unwrap();
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.pushed, r.remaining), (1, 0), "{r:?}");
    assert!(fake.resource(&format!("Observation/{}", ids[5])).is_none());
}

#[test]
fn a_withdrawal_stays_queued_until_every_copy_it_covers_is_gone() {
    let (_d, s, h, ids) = seeded(0, 5);
    let fake = FakeFhir::new();
    sync(&s, &h, &fake).unwrap();
    s.withdraw(&h, RECIPIENT, &[DataCategory::Body], &[GUIDANCE])
        .unwrap();
    fake.reject(&ids[2], 503);
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.withdrawals, r.deleted, r.deferred), (0, 4, 1), "{r:?}");
    assert_eq!(s.pending_outbox(&h).unwrap().len(), 1, "the notice stays");
    assert_eq!(fake.ids("Observation"), [ids[2].clone()]);

    fake.accept(&ids[2]);
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.withdrawals, r.deleted), (1, 1), "{r:?}");
    assert!(fake.ids("Observation").is_empty());
    assert!(s.pending_outbox(&h).unwrap().is_empty());
}

#[test]
fn a_withdrawal_spares_a_copy_another_purpose_still_holds() {
    let (_d, s, h, ids) = seeded(3, 0);
    // Vitals also serve the vaccination records purpose at the same recipient.
    let both = "routine_vaccination_records";
    s.set_operator_profile(profile_with(|p| {
        let v = p.purposes.iter_mut().find(|x| x.code == both).unwrap();
        v.categories.push(DataCategory::Vitals);
    }))
    .unwrap();
    s.set_consent(
        &h,
        phr_core::consent::ConsentRequest::permit(RECIPIENT, &[DataCategory::Vitals], &[both]),
    )
    .unwrap();
    // The permit queued the three pulses for the second purpose too.
    let for_both = s.pending_outbox(&h).unwrap();
    assert_eq!(
        for_both
            .iter()
            .filter(|i| i.purpose.as_deref() == Some(both))
            .count(),
        ids.len()
    );
    let fake = FakeFhir::new();
    assert_eq!(
        sync(&s, &h, &fake).unwrap().pushed,
        6,
        "one copy, two purposes"
    );
    assert_eq!(fake.ids("Observation").len(), 3);

    s.withdraw(&h, RECIPIENT, &[DataCategory::Vitals], &[GUIDANCE])
        .unwrap();
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.withdrawals, r.deleted), (1, 0), "{r:?}");
    assert_eq!(
        fake.ids("Observation").len(),
        3,
        "still held for the other purpose"
    );

    s.withdraw(&h, RECIPIENT, &[DataCategory::Vitals], &[both])
        .unwrap();
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.withdrawals, r.deleted), (1, 3), "{r:?}");
    assert!(fake.ids("Observation").is_empty());
}

#[test]
fn a_recipient_that_keeps_copies_gets_them_labelled_withdrawn_and_erasure_still_deletes() {
    let keeps = profile_with(|p| {
        let r = p.recipients.iter_mut().find(|r| r.id == RECIPIENT).unwrap();
        r.on_withdrawal = OnWithdrawal::Mark;
    });
    let (_d, s, h, ids) = seeded_with(keeps, 5, 5);
    let fake = FakeFhir::new();
    assert_eq!(sync(&s, &h, &fake).unwrap().pushed, 10);

    s.withdraw(&h, RECIPIENT, &[DataCategory::Body], &[GUIDANCE])
        .unwrap();
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.marked, r.deleted, r.withdrawals), (5, 0, 1), "{r:?}");
    assert_eq!(fake.ids("Observation").len(), 10, "kept, not deleted");
    let withdrawn = |id: &str| {
        fake.resource(&format!("Observation/{id}")).unwrap()["meta"]["security"]
            .as_array()
            .is_some_and(|l| l.iter().any(|x| x["code"] == "withdrawn"))
    };
    assert!(ids[5..].iter().all(|id| withdrawn(id)));
    assert!(!ids[..5].iter().any(|id| withdrawn(id)));

    // The withdrawn copies get no more updates...
    s.update_record(&h, &ids[5], observation(ObservationType::Weight, 70.0, 1))
        .unwrap();
    assert!(s.pending_outbox(&h).unwrap().is_empty());
    // ...but erasing the record here still deletes the kept copy there.
    s.erase_record(&h, &ids[6]).unwrap();
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!(r.deleted, 1, "{r:?}");
    assert_eq!(fake.ids("Observation").len(), 9);
    assert!(fake.resource(&format!("Observation/{}", ids[6])).is_none());
}

#[test]
fn an_erased_record_is_deleted_at_the_recipient_once_the_server_confirms() {
    let (_d, s, h, ids) = seeded(5, 0);
    let fake = FakeFhir::new();
    sync(&s, &h, &fake).unwrap();
    for id in &ids[..3] {
        s.erase_record(&h, id).unwrap();
    }
    assert!(
        s.pending_outbox(&h).unwrap().is_empty(),
        "nothing left to queue"
    );
    // The erasure's receipt names where copies wait to be deleted, and the summary counts them.
    let held = |s: &phr_core::Session| -> Vec<(String, u32)> {
        s.erased_copies_held(&h)
            .unwrap()
            .into_iter()
            .map(|w| (w.recipient, w.items))
            .collect()
    };
    assert_eq!(held(&s), [(RECIPIENT.to_owned(), 3)]);
    let waiting = s.overview(&h).unwrap().waiting_to_sync;
    assert_eq!((waiting.len(), waiting[0].items), (1, 3));
    // One copy is already gone there (404 counts), one delete fails on the server's side.
    fake.remove(&format!("Observation/{}", ids[0]));
    fake.reject(&ids[1], 500);
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.deleted, r.deferred), (2, 1), "{r:?}");
    assert!(fake.resource(&format!("Observation/{}", ids[1])).is_some());
    assert_eq!(
        held(&s),
        [(RECIPIENT.to_owned(), 1)],
        "the failed one waits"
    );

    fake.accept(&ids[1]);
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.deleted, r.deferred), (1, 0), "{r:?}");
    assert!(held(&s).is_empty());
    assert!(s.overview(&h).unwrap().waiting_to_sync.is_empty());
    assert_eq!(fake.ids("Observation"), {
        let mut rest = ids[3..].to_vec();
        rest.sort();
        rest
    });
}

#[test]
fn edits_and_deletions_reach_the_recipient_on_the_next_sync() {
    let (_d, s, h, ids) = seeded(5, 0);
    let fake = FakeFhir::new();
    sync(&s, &h, &fake).unwrap();
    s.update_record(&h, &ids[0], observation(ObservationType::Pulse, 123.0, 2))
        .unwrap();
    s.delete_record(&h, &ids[1]).unwrap();
    assert_eq!(s.pending_outbox(&h).unwrap().len(), 2);
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.pushed, r.deleted, r.remaining), (1, 1, 0), "{r:?}");
    let edited = fake.resource(&format!("Observation/{}", ids[0])).unwrap();
    assert_eq!(edited["valueQuantity"]["value"], 123.0);
    assert!(fake.resource(&format!("Observation/{}", ids[1])).is_none());
    assert_eq!(fake.ids("Observation").len(), 4);
}

#[test]
fn a_record_edited_while_its_copy_is_in_flight_is_sent_again() {
    let (_d, s, h, ids) = seeded(3, 0);
    let s = Arc::new(s);
    let fake = FakeFhir::new();
    let (editor, who, id) = (s.clone(), h.clone(), ids[0].clone());
    fake.during_next(On::Bundle, move || {
        editor
            .update_record(&who, &id, observation(ObservationType::Pulse, 150.0, 2))
            .unwrap();
    });
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!(
        (r.pushed, r.remaining),
        (3, 1),
        "the edit keeps its item: {r:?}"
    );
    let address = format!("Observation/{}", ids[0]);
    assert_ne!(
        fake.resource(&address).unwrap()["valueQuantity"]["value"],
        150.0
    );
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.pushed, r.remaining), (1, 0), "{r:?}");
    assert_eq!(
        fake.resource(&address).unwrap()["valueQuantity"]["value"],
        150.0
    );
}

#[test]
fn two_syncs_at_once_push_each_record_once() {
    let (_d, s, h, ids) = seeded(30, 0);
    let fake = FakeFhir::new();
    // The first batch is slow, so the second sync starts while the first is under way.
    fake.inject(On::Bundle, Fault::Slow(Duration::from_millis(100)), 1);
    let mut opts = options();
    opts.pull = false;
    let (a, b) = std::thread::scope(|scope| {
        let one = scope.spawn(|| sync_with(&s, &h, &fake, &opts).unwrap());
        let two = scope.spawn(|| sync_with(&s, &h, &fake, &opts).unwrap());
        (one.join().unwrap(), two.join().unwrap())
    });
    assert_eq!(a.pushed + b.pushed, 30, "{a:?} {b:?}");
    let seen = fake.requests();
    for id in &ids {
        assert_eq!(puts(&seen, &format!("Observation/{id}")), 1, "{id}");
    }
    assert!(s.pending_outbox(&h).unwrap().is_empty());
}

#[derive(Default)]
struct Phases(Mutex<Vec<(SyncPhase, usize, usize)>>);

impl SyncProgress for Phases {
    fn progress(&self, phase: SyncPhase, done: usize, total: usize) {
        self.0.lock().unwrap().push((phase, done, total));
    }
}

#[test]
fn progress_is_told_after_each_withdrawal_push_batch_and_pull_page() {
    let (_d, s, h, _) = seeded(25, 5);
    let fake = FakeFhir::new();
    sync(&s, &h, &fake).unwrap();
    s.withdraw(&h, RECIPIENT, &[DataCategory::Body], &[GUIDANCE])
        .unwrap();
    // Written after the permit: each goes to the outbox as it is logged (standing consent).
    let _ids: Vec<String> = (0..12)
        .map(|n| {
            s.log_observation(
                &h,
                phr_core::records::ObservationInput::simple(
                    ObservationType::Pulse,
                    70.0 + n as f64,
                    common::jst_days_ago(4),
                ),
            )
            .unwrap()
            .meta
            .id
        })
        .collect();
    let seen = Phases::default();
    s.sync_over(&h, RECIPIENT, &options(), &seen, &mut fake.clone())
        .unwrap();
    let calls = seen.0.into_inner().unwrap();
    let of = |p: SyncPhase| -> Vec<(usize, usize)> {
        calls
            .iter()
            .filter(|c| c.0 == p)
            .map(|c| (c.1, c.2))
            .collect()
    };
    assert_eq!(of(SyncPhase::Withdrawals), [(1, 1)]);
    assert_eq!(of(SyncPhase::Push), [(10, 12), (12, 12)]);
    assert!(!of(SyncPhase::Pull).is_empty());
}

fn line(code: &str, name: &str, value: f64, unit: &str) -> CheckupResult {
    CheckupResult {
        code_system: CheckupCodeSystem::Tokutei,
        code: code.into(),
        name: name.into(),
        value_num: Some(value),
        value_code: None,
        value_system: None,
        value_text: None,
        unit: Some(unit.into()),
        ref_low: None,
        ref_high: None,
        flag: None,
    }
}

fn checkup(results: Vec<CheckupResult>) -> ClinicalInput {
    ClinicalInput::Checkup(Checkup {
        date: phr_core::clock::Clock::from_environment()
            .now()
            .date_naive()
            - chrono::Duration::days(30),
        program: "specific_health_checkup".into(),
        institution: "健診センター".into(),
        institution_code: None,
        judgement: None,
        results,
    })
}

#[test]
fn an_erased_checkup_takes_every_line_ever_sent_with_it() {
    let (_d, s, h, _) = seeded(0, 0);
    s.set_consent(
        &h,
        ConsentRequest::permit(RECIPIENT, &[DataCategory::Checkup], &[GUIDANCE]),
    )
    .unwrap();
    let height = line("9N001000000000001", "身長", 158.0, "cm");
    let weight = line("9N006000000000001", "体重", 52.0, "kg");
    let waist = line("9N016160100000001", "腹囲", 72.0, "cm");
    // Typed in from the paper results: the person's own entry, so it can be edited (an
    // official one from Mynaportal is only annotated, S-21).
    let c = s
        .add_record(
            &h,
            checkup(vec![height.clone(), weight]),
            Provenance::SelfEntered,
            None,
        )
        .unwrap();
    let id = c.meta.id.clone();
    assert_eq!(s.pending_outbox(&h).unwrap().len(), 1, "queued as written");
    let fake = FakeFhir::new();
    sync(&s, &h, &fake).unwrap();
    assert_eq!(fake.ids("Observation").len(), 2, "two lines");
    let first_lines = fake.ids("Observation");

    // The weight line is replaced by a waist line: a new line address, the old one stays there.
    s.update_record(&h, &id, checkup(vec![height, waist]))
        .unwrap();
    assert_eq!(sync(&s, &h, &fake).unwrap().pushed, 1);
    assert_eq!(fake.ids("DiagnosticReport"), std::slice::from_ref(&id));

    // Erasure reaches every place the record went: each line ever sent, not only the last.
    s.erase_record(&h, &id).unwrap();
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!(r.deleted, 1, "{r:?}");
    assert!(fake.ids("DiagnosticReport").is_empty());
    for l in &first_lines {
        assert!(
            fake.resource(&format!("Observation/{l}")).is_none(),
            "{l} left behind"
        );
    }
    assert!(
        fake.ids("Observation").is_empty(),
        "{:?}",
        fake.ids("Observation")
    );
}
