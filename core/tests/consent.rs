//! Dynamic consent through the real Session and SQLCipher store: decisions, withdrawal, the
//! release gate, the outbox, receipts and who may change consent.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{jst_days_ago, session_with_two};
use phr_core::consent::{ConsentRequest, DataCategory, Effect, OutboxKind, samples};
use phr_core::records::{
    Checkup, CheckupCodeSystem, CheckupResult, ObservationInput, ObservationType, Provenance,
    Record, Stamp,
};
use phr_core::{ClinicalInput, Error, Session};

const GUIDANCE: &str = "specific_health_guidance";
const WALKING: &str = "walking_campaign";

fn checkup() -> Checkup {
    Checkup {
        date: phr_core::clock::Clock::from_environment()
            .now()
            .date_naive()
            - chrono::Duration::days(30),
        program: "specific_health_checkup".into(),
        institution: "健診センター".into(),
        institution_code: None,
        judgement: None,
        results: vec![CheckupResult {
            code_system: CheckupCodeSystem::Tokutei,
            code: "9N001000000000001".into(),
            name: "身長".into(),
            value_num: Some(158.0),
            value_code: None,
            value_system: None,
            value_text: None,
            unit: Some("cm".into()),
            ref_low: None,
            ref_high: None,
            flag: None,
        }],
    }
}

/// A checkup, a blood pressure and a steps record of `who`.
fn records_of(s: &Session, who: &str) -> Vec<Record> {
    let c = s
        .add_record(
            who,
            ClinicalInput::Checkup(checkup()),
            Provenance::Mynaportal,
            None,
        )
        .unwrap();
    let bp = s
        .log_observation(
            who,
            ObservationInput::blood_pressure(128.0, 80.0, None, jst_days_ago(1)),
        )
        .unwrap();
    let steps = s
        .log_observation(
            who,
            ObservationInput::simple(ObservationType::Steps, 8000.0, jst_days_ago(1)),
        )
        .unwrap();
    vec![c, bp, steps]
}

fn session() -> (tempfile::TempDir, Session, String, String) {
    let (dir, s, hanako, taro) = session_with_two();
    s.set_operator_profile(samples::municipality()).unwrap();
    (dir, s, hanako.id, taro.id)
}

/// [`session`] under a profile whose walking campaign takes lifelog records as logged (the
/// sample's takes daily step totals only): the withdrawal rules below need records to withdraw.
fn session_with_lifelog_records() -> (tempfile::TempDir, Session, String, String) {
    let (dir, s, hanako, taro) = session_with_two();
    let mut p = samples::municipality();
    p.events.clear(); // an event needs a daily-totals purpose
    p.points = None; // its programme names the event
    for purpose in &mut p.purposes {
        purpose.lifelog = phr_core::consent::LifelogRelease::Records;
    }
    s.set_operator_profile(p).unwrap();
    (dir, s, hanako.id, taro.id)
}

#[test]
fn a_daily_totals_purpose_is_offered_lifelog_but_no_lifelog_record_leaves_for_it() {
    let (_d, s, h, _) = session();
    let recs = records_of(&s, &h);
    s.set_consent(
        &h,
        ConsentRequest::permit("walking-campaign", &[DataCategory::Lifelog], &[WALKING]),
    )
    .unwrap();
    let state = s.consent_state(&h).unwrap();
    let walking = state.purposes.iter().find(|p| p.code == WALKING).unwrap();
    assert!(
        walking
            .toggles
            .iter()
            .any(|t| t.category == DataCategory::Lifelog && t.permitted)
    );
    // Neither queued by the permit (standing consent) nor let through by the gate.
    assert!(s.pending_outbox(&h).unwrap().is_empty());
    let out = s.release(&h, "walking-campaign", WALKING, &recs).unwrap();
    assert!(out.permitted().is_empty());
    // A steps record logged afterwards is not queued either.
    s.log_observation(
        &h,
        ObservationInput::simple(ObservationType::Steps, 8000.0, jst_days_ago(0)),
    )
    .unwrap();
    assert!(s.pending_outbox(&h).unwrap().is_empty());
}

#[test]
fn nothing_leaves_without_consent() {
    let (_d, s, h, _) = session();
    let recs = records_of(&s, &h);
    let out = s.release(&h, "health-dept", GUIDANCE, &recs).unwrap();
    assert!(out.permitted().is_empty());
    assert_eq!(out.withheld_count(), 3);
}

#[test]
fn consent_releases_exactly_the_permitted_categories_and_is_audited() {
    let (_d, s, h, _) = session();
    let recs = records_of(&s, &h);
    let d = s
        .set_consent(
            &h,
            ConsentRequest::permit("health-dept", &[DataCategory::Checkup], &[GUIDANCE]),
        )
        .unwrap();
    assert_eq!(d.decided_by, h);
    assert_eq!(d.delegation, None);
    assert_eq!(d.notice_version, "2026-10");
    let out = s.release(&h, "health-dept", GUIDANCE, &recs).unwrap();
    assert_eq!(out.ids(), vec![recs[0].meta.id.clone()]);
    assert_eq!(out.withheld_count(), 2);
    // Same categories, other purpose or other recipient: withheld.
    assert!(
        s.release(&h, "walking-campaign", WALKING, &recs)
            .unwrap()
            .permitted()
            .is_empty()
    );
    let audit = s.access_history(&h, 5).unwrap();
    let released = audit
        .iter()
        .find(|e| e.action == "records_released" && !e.record_ids.is_empty())
        .unwrap();
    assert_eq!(released.record_ids, vec![recs[0].meta.id.clone()]);
    assert!(s.verify_audit().unwrap().broken.is_none());
}

#[test]
fn withdrawal_is_a_new_deny_that_wins_and_the_history_keeps_both() {
    let (_d, s, h, _) = session_with_lifelog_records();
    let recs = records_of(&s, &h);
    s.set_consent(
        &h,
        ConsentRequest::permit("walking-campaign", &[DataCategory::Lifelog], &[WALKING]),
    )
    .unwrap();
    assert_eq!(
        s.release(&h, "walking-campaign", WALKING, &recs)
            .unwrap()
            .permitted()
            .len(),
        1
    );
    let w = s
        .withdraw(&h, "walking-campaign", &[DataCategory::Lifelog], &[WALKING])
        .unwrap();
    assert_eq!(w.effect, Effect::Deny);
    assert!(
        s.release(&h, "walking-campaign", WALKING, &recs)
            .unwrap()
            .permitted()
            .is_empty()
    );
    let history = s.consent_history(&h).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].effect, Effect::Permit);
    assert_eq!(history[1].id, w.id);
    let state = s.consent_state(&h).unwrap();
    let walking = state.purposes.iter().find(|p| p.code == WALKING).unwrap();
    let t = walking
        .toggles
        .iter()
        .find(|t| t.category == DataCategory::Lifelog)
        .unwrap();
    assert!(!t.permitted);
    assert_eq!(t.directive_id.as_deref(), Some(w.id.as_str()));
}

#[test]
fn withdrawal_deletes_pending_outbox_items_and_queues_a_notice_at_once() {
    let (_d, s, h, _) = session_with_lifelog_records();
    records_of(&s, &h);
    // Nothing is queued without consent.
    assert!(s.pending_outbox(&h).unwrap().is_empty());
    // A permit queues the existing records it covers (standing consent).
    s.set_consent(
        &h,
        ConsentRequest::permit("walking-campaign", &[DataCategory::Lifelog], &[WALKING]),
    )
    .unwrap();
    s.set_consent(
        &h,
        ConsentRequest::permit(
            "health-dept",
            &[DataCategory::Checkup, DataCategory::Vitals],
            &[GUIDANCE],
        ),
    )
    .unwrap();
    // The steps for walking; the checkup and the blood pressure for guidance.
    assert_eq!(s.pending_outbox(&h).unwrap().len(), 3);
    // The same permit again queues nothing twice.
    s.set_consent(
        &h,
        ConsentRequest::permit("health-dept", &[DataCategory::Checkup], &[GUIDANCE]),
    )
    .unwrap();
    assert_eq!(s.pending_outbox(&h).unwrap().len(), 3);
    let w = s
        .withdraw(&h, "walking-campaign", &[DataCategory::Lifelog], &[WALKING])
        .unwrap();
    let pending = s.pending_outbox(&h).unwrap();
    assert_eq!(
        pending
            .iter()
            .filter(|i| i.recipient == "walking-campaign" && i.kind == OutboxKind::Record)
            .count(),
        0
    );
    let notices: Vec<_> = pending
        .iter()
        .filter(|i| i.kind == OutboxKind::Withdrawal)
        .collect();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].directive_id.as_deref(), Some(w.id.as_str()));
    // The health department's items are untouched.
    assert_eq!(
        pending
            .iter()
            .filter(|i| i.recipient == "health-dept")
            .count(),
        2
    );
}

#[test]
fn a_recipient_never_permitted_is_never_told_of_a_deny() {
    let (_d, s, h, _) = session();
    s.withdraw(
        &h,
        "community-care",
        &[DataCategory::Medication],
        &["community_care_coordination"],
    )
    .unwrap();
    assert!(s.pending_outbox(&h).unwrap().is_empty());
}

#[test]
fn expiry_is_honoured_at_query_time() {
    let (_d, s, h, _) = session();
    let in_a_day = Stamp {
        utc_seconds: phr_core::clock::Clock::from_environment().now().timestamp() + 86_400,
        offset_seconds: 9 * 3600,
    };
    s.set_consent(
        &h,
        ConsentRequest::permit("health-dept", &[DataCategory::Checkup], &[GUIDANCE])
            .until(in_a_day),
    )
    .unwrap();
    let now = phr_core::records::Stamp::from_utc(
        phr_core::clock::Clock::from_environment().now(),
        9 * 3600,
    );
    assert!(
        s.is_permitted(&h, "health-dept", DataCategory::Checkup, GUIDANCE, now)
            .unwrap()
    );
    let later = Stamp {
        utc_seconds: in_a_day.utc_seconds,
        ..in_a_day
    };
    assert!(
        !s.is_permitted(&h, "health-dept", DataCategory::Checkup, GUIDANCE, later)
            .unwrap()
    );
}

#[test]
fn requests_outside_the_profile_are_refused_naming_the_field() {
    let (_d, s, h, _) = session();
    let field = |r: ConsentRequest| match s.set_consent(&h, r).unwrap_err() {
        Error::InvalidInput { field, .. } => field,
        e => panic!("{e:?}"),
    };
    assert_eq!(
        field(ConsentRequest::permit(
            "nobody",
            &[DataCategory::Checkup],
            &[GUIDANCE]
        )),
        "recipient"
    );
    assert_eq!(
        field(ConsentRequest::permit(
            "health-dept",
            &[DataCategory::Checkup],
            &["marketing"]
        )),
        "purposes[0]"
    );
    // Walking campaign purpose is not offered to the health department.
    assert_eq!(
        field(ConsentRequest::permit(
            "health-dept",
            &[DataCategory::Lifelog],
            &[WALKING]
        )),
        "purposes[0]"
    );
    // Data minimisation: the guidance purpose does not need notes.
    assert_eq!(
        field(ConsentRequest::permit(
            "health-dept",
            &[DataCategory::Checkup, DataCategory::Notes],
            &[GUIDANCE]
        )),
        "categories[1]"
    );
    assert_eq!(
        field(ConsentRequest::permit("health-dept", &[], &[GUIDANCE])),
        "categories"
    );
    let past = Stamp {
        utc_seconds: phr_core::clock::Clock::from_environment().now().timestamp() - 10,
        offset_seconds: 0,
    };
    assert_eq!(
        field(
            ConsentRequest::permit("health-dept", &[DataCategory::Checkup], &[GUIDANCE])
                .until(past)
        ),
        "valid_until"
    );
    assert!(s.consent_history(&h).unwrap().is_empty());
}

#[test]
fn without_an_operator_profile_consent_calls_fail_plainly() {
    let (_d, s, h, _) = session_with_two_plain();
    assert!(matches!(
        s.set_consent(
            &h,
            ConsentRequest::permit("health-dept", &[DataCategory::Checkup], &[GUIDANCE])
        ),
        Err(Error::NotFound { .. })
    ));
}

fn session_with_two_plain() -> (tempfile::TempDir, Session, String, String) {
    let (dir, s, hanako, taro) = session_with_two();
    (dir, s, hanako.id, taro.id)
}

/// Holds today (any actor != subject is refused) and once delegations exist: another person on
/// the device without a manage_consent grant cannot change consent, and nothing is written.
#[test]
fn a_proxy_without_manage_consent_can_never_change_consent() {
    let (_d, s, h, t) = session();
    let before_audit = s.verify_audit().unwrap().entries;
    for (actor, subject) in [(&t, &h), (&h, &t)] {
        let r = s.as_person(actor).set_consent(
            subject,
            ConsentRequest::permit("health-dept", &[DataCategory::Checkup], &[GUIDANCE]),
        );
        assert!(matches!(r, Err(Error::NotPermitted { .. })), "{r:?}");
        let r = s.as_person(actor).withdraw(
            subject,
            "health-dept",
            &[DataCategory::Checkup],
            &[GUIDANCE],
        );
        assert!(matches!(r, Err(Error::NotPermitted { .. })), "{r:?}");
    }
    assert!(s.consent_history(&h).unwrap().is_empty());
    assert!(s.as_person(&t).consent_history(&t).unwrap().is_empty());
    assert_eq!(s.verify_audit().unwrap().entries, before_audit);
}

#[test]
fn another_person_cannot_release_a_subjects_records() {
    let (_d, s, h, t) = session();
    let recs = records_of(&s, &h);
    s.set_consent(
        &h,
        ConsentRequest::permit("health-dept", &[DataCategory::Checkup], &[GUIDANCE]),
    )
    .unwrap();
    assert!(matches!(
        s.as_person(&t).release(&h, "health-dept", GUIDANCE, &recs),
        Err(Error::NotPermitted { .. })
    ));
    // Records of one subject never pass the gate under another subject's consent.
    let out = s
        .as_person(&t)
        .release(&t, "health-dept", GUIDANCE, &recs)
        .unwrap();
    assert!(out.permitted().is_empty());
}

#[test]
fn directives_are_append_only_in_the_database() {
    let (d, s, h, _) = session();
    s.set_consent(
        &h,
        ConsentRequest::permit("health-dept", &[DataCategory::Checkup], &[GUIDANCE]),
    )
    .unwrap();
    let r = phr_core::store::testing::session_raw_sql(
        &s,
        "UPDATE consent_directive SET effect = 'deny'",
    );
    assert!(r.is_err());
    let r = phr_core::store::testing::session_raw_sql(&s, "DELETE FROM consent_directive_purpose");
    assert!(r.is_err());
    assert_eq!(
        s.consent_history(&h).unwrap()[0].purposes,
        vec![GUIDANCE.to_owned()]
    );
    drop(d);
}

#[test]
fn a_withdrawals_receipt_says_nothing_is_shared_until_the_person_agrees_again() {
    let (_d, s, h, _) = session();
    s.set_consent(
        &h,
        ConsentRequest::permit("health-dept", &[DataCategory::Checkup], &[GUIDANCE]),
    )
    .unwrap();
    let d = s
        .withdraw(&h, "health-dept", &[DataCategory::Checkup], &[GUIDANCE])
        .unwrap();
    let r = s.consent_receipt(&h, &d.id).unwrap();
    assert!(
        r.text_en.contains("Decision: you do not share"),
        "{}",
        r.text_en
    );
    assert!(r.text_en.contains("until you agree again"), "{}", r.text_en);
    assert!(r.text_en.contains("How to share again"), "{}", r.text_en);
    assert!(!r.text_en.contains("until you withdraw") && !r.text_en.contains("How to withdraw"));
    assert!(r.text_ja.contains("改めて同意するまで") && r.text_ja.contains("再開の方法"));
    assert!(!r.text_ja.contains("撤回するまで") && !r.text_ja.contains("撤回の方法"));
}

#[test]
fn receipts_carry_the_notice_elements_in_both_languages() {
    let (_d, s, h, _) = session();
    let d = s
        .set_consent(
            &h,
            ConsentRequest::permit("health-dept", &[DataCategory::Checkup], &[GUIDANCE]),
        )
        .unwrap();
    let r = s.consent_receipt(&h, &d.id).unwrap();
    assert_eq!(r.json["controller"]["name"], "サンプル区 健康推進課");
    assert_eq!(r.json["contact"]["phone"], "03-0000-0000");
    assert_eq!(r.json["notice"]["version"], "2026-10");
    assert_eq!(
        r.json["purposes"][0]["statutory_basis"],
        "高齢者の医療の確保に関する法律 第24条"
    );
    assert_eq!(r.json["categories"][0]["code"], "checkup");
    assert_eq!(r.json["recipients"][0]["id"], "health-dept");
    assert!(r.json["period"]["until"].is_null());
    assert!(
        r.json["withdrawal"]["ja"]
            .as_str()
            .unwrap()
            .contains("撤回")
    );
    assert!(r.text_ja.contains("特定保健指導") && r.text_ja.contains("撤回の方法"));
    assert!(
        r.text_en.contains("How to withdraw") && r.text_en.contains("Specific health guidance")
    );
    assert!(!r.text_ja.contains("花子") && !r.text_en.contains("花子"));
    assert_eq!(r.fhir["status"], "active");
    assert_eq!(r.fhir["provision"]["type"], "permit");
    let w = s
        .withdraw(&h, "health-dept", &[DataCategory::Checkup], &[GUIDANCE])
        .unwrap();
    // The permit is now superseded: inactive; the withdrawal is active.
    assert_eq!(
        s.consent_receipt(&h, &d.id).unwrap().fhir["status"],
        "inactive"
    );
    let wr = s.consent_receipt(&h, &w.id).unwrap();
    assert_eq!(wr.fhir["status"], "active");
    assert_eq!(wr.fhir["provision"]["type"], "deny");
}

#[test]
fn an_erased_record_leaves_the_outbox_too() {
    let (_d, s, h, _) = session();
    let recs = records_of(&s, &h);
    s.set_consent(
        &h,
        ConsentRequest::permit("health-dept", &[DataCategory::Checkup], &[GUIDANCE]),
    )
    .unwrap();
    let pending = s.pending_outbox(&h).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        pending[0].record_id.as_deref(),
        Some(recs[0].meta.id.as_str())
    );
    s.erase_all_records(&h).unwrap();
    assert!(s.pending_outbox(&h).unwrap().is_empty());
}
