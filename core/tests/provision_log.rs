//! The provision log (issue #20 item 3; GUIDELINE.md S-19): every release that left the device
//! is logged with its date, recipient, purpose, categories, details, count and the directive
//! that allowed it — a sync only once the server confirmed it, a gated export when it is handed
//! out — and nothing else; no health value is in it; it is kept after the data is erased.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_support;

use phr_core::consent::{ConsentRequest, DataCategory};
use phr_core::provision::{Channel, Form, Provision};
use phr_core::records::PersonDetail;
use phr_core::sync::fake::{FakeFhir, Fault, On};
use sync_support::{GUIDANCE, RECIPIENT, seeded, sync};

fn permit_id(s: &phr_core::Session, h: &str) -> String {
    s.consent_history(h).unwrap().last().unwrap().id.clone()
}

#[test]
fn a_confirmed_sync_is_logged_once_with_the_consent_that_allowed_it() {
    let (_d, s, h, _ids) = seeded(3, 2);
    let permit = permit_id(&s, &h);
    assert!(s.provision_log(&h).unwrap().is_empty(), "nothing left yet");
    let fake = FakeFhir::new();
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!(r.pushed, 5);
    let log = s.provision_log(&h).unwrap();
    let [e]: [Provision; 1] = log.clone().try_into().unwrap_or_else(|l| panic!("{l:?}"));
    assert_eq!(
        (e.recipient.as_str(), e.purpose.as_str()),
        (RECIPIENT, GUIDANCE)
    );
    assert_eq!(e.recipient_name, "サンプル区 健康推進課（保健指導係）");
    assert_eq!(
        (e.channel, e.form, e.item_count),
        (Channel::Sync, Form::Records, 5)
    );
    assert_eq!(e.categories, vec![DataCategory::Body, DataCategory::Vitals]);
    assert!(
        e.details.is_empty(),
        "no detail of the subject was consented"
    );
    assert_eq!(e.directive_ids, vec![permit]);
    assert_eq!(e.at, s.now());
    assert_eq!(
        e.keep_until.utc_seconds - e.at.utc_seconds,
        chrono::Duration::days(365 * 3 + 1).num_seconds(),
        "three calendar years (one leap day among them)"
    );
    // Nothing new: nothing logged. The file forms hold the same entries, no value.
    sync(&s, &h, &fake).unwrap();
    assert_eq!(s.provision_log(&h).unwrap(), log);
    let json = phr_core::provision::to_json(&log);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let keys: Vec<&String> = v[0].as_object().unwrap().keys().collect();
    assert!(
        !keys
            .iter()
            .any(|k| k.contains("value") || k.contains("record")),
        "{keys:?}"
    );
    let csv = phr_core::provision::to_csv(&log);
    assert_eq!(csv.lines().count(), 2);
    assert!(csv.contains(",sync,records,body vitals,,5,"), "{csv}");
}

#[test]
fn a_send_the_server_did_not_accept_is_not_logged() {
    let (_d, s, h, _ids) = seeded(2, 0);
    let fake = FakeFhir::new();
    fake.inject(On::Bundle, Fault::DropBefore, 100);
    assert!(sync(&s, &h, &fake).is_err(), "the server never answered");
    assert!(
        s.provision_log(&h).unwrap().is_empty(),
        "a release the server never confirmed is not a provision"
    );
    let fake = FakeFhir::new();
    for id in s
        .pending_outbox(&h)
        .unwrap()
        .iter()
        .filter_map(|i| i.record_id.clone())
    {
        fake.reject(&id, 422);
    }
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.pushed, r.rejected.len()), (0, 2));
    assert!(
        s.provision_log(&h).unwrap().is_empty(),
        "rejected: not provided"
    );
}

#[test]
fn the_subjects_details_are_logged_by_kind_and_a_gated_export_when_handed_out() {
    let (_d, s, h, _ids) = seeded(1, 0);
    s.set_consent(
        &h,
        ConsentRequest::permit(RECIPIENT, &[DataCategory::Demographics], &[GUIDANCE]),
    )
    .unwrap();
    let demographics = permit_id(&s, &h);
    sync(&s, &h, &FakeFhir::new()).unwrap();
    let log = s.provision_log(&h).unwrap();
    let patient = log
        .iter()
        .find(|e| e.form == Form::SubjectDetails)
        .expect("the Patient with its released details is a provision");
    assert_eq!(
        patient.details,
        vec![PersonDetail::BirthDate, PersonDetail::InsurerNumber]
    );
    assert_eq!(patient.categories, vec![DataCategory::Demographics]);
    assert_eq!(patient.directive_ids, vec![demographics]);

    // A gated export handed out: one entry, channel file; one with nothing released: none.
    let before = s.provision_log(&h).unwrap().len();
    s.export_fhir_for_json(&h, RECIPIENT, GUIDANCE, s.now())
        .unwrap();
    let log = s.provision_log(&h).unwrap();
    assert_eq!(log.len(), before + 1);
    let file = log.last().unwrap();
    assert_eq!(
        (file.channel, file.form, file.item_count),
        (Channel::File, Form::Records, 1)
    );
    assert!(file.categories.contains(&DataCategory::Demographics));
    s.export_fhir_for_json(&h, "community-care", "community_care_coordination", s.now())
        .ok();
    assert_eq!(
        s.provision_log(&h).unwrap().len(),
        before + 1,
        "nothing released"
    );
}

#[test]
fn the_log_outlives_the_data_it_describes_and_only_the_subjects_side_reads_it() {
    let (_d, s, h, _ids) = seeded(2, 1);
    sync(&s, &h, &FakeFhir::new()).unwrap();
    let log = s.provision_log(&h).unwrap();
    assert_eq!(log.len(), 1);
    s.erase_all_records(&h).unwrap();
    sync(&s, &h, &FakeFhir::new()).ok();
    assert_eq!(
        s.provision_log(&h).unwrap()[0],
        log[0],
        "erasing the records leaves the record of their provision"
    );
    // Reading it is an audited access.
    let history = s.access_history(&h, 5).unwrap();
    assert!(history.iter().any(|e| e.action == "provision_log_read"));
}
