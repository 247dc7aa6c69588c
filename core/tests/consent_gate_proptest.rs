//! The release gate against an independent reference model.
//!
//! The model below is written from the rule in docs/CONSENT.md and calls nothing of the crate's
//! decision logic: a directive applies to (recipient, category, purpose) at instant t when it
//! names them and from <= t < until; the newest applicable one (latest decision time, then the
//! later in the sequence) decides; none applies: deny.
//!
//! Two properties, zero mismatches allowed:
//! - in memory (10,000 cases): `consent::select` and `consent::is_permitted` over random
//!   directive sequences with random decision times, queried at random instants;
//! - through the real Session and SQLCipher store (64 cases): random directives set with
//!   `set_consent`, then `release` now and `is_permitted` at random instants.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use phr_core::ClinicalInput;
use phr_core::consent::{
    self, ConsentDirective, ConsentRequest, DataCategory, Effect, OperatorProfile,
};
use phr_core::records::{
    Allergy, Checkup, Immunization, Medication, Note, Observation, ObservationInput,
    ObservationType, Provenance, Record, RecordBody, RecordMeta, Stamp,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::cell::Cell;

const RECIPIENTS: [&str; 3] = ["r-a", "r-b", "r-c"];
const PURPOSES: [&str; 3] = ["p_one", "p_two", "p_three"];

/// A business profile offering every category of records for every purpose to every
/// recipient, so only consent decides. (Demographics are not a record category: the gate's
/// release of them is tested in `consent_end_to_end_proptest.rs`.)
fn open_profile() -> OperatorProfile {
    let cats: Vec<&str> = DataCategory::ALL[..8].iter().map(|c| c.as_str()).collect();
    let purposes: Vec<serde_json::Value> = PURPOSES
        .iter()
        .map(|p| {
            serde_json::json!({
                "code": p, "label_ja": format!("目的 {p}"), "label_en": format!("Purpose {p}"),
                "nature": "other_specific", "recipients": RECIPIENTS, "categories": cats,
            })
        })
        .collect();
    let recipients: Vec<serde_json::Value> = RECIPIENTS
        .iter()
        .map(|r| serde_json::json!({ "id": r, "name": format!("Recipient {r}"), "kind": "business" }))
        .collect();
    let json = serde_json::json!({
        "kind": "business", "name": "Test operator",
        "inquiry": { "phone": "03-1234-5678", "hours": "9-17" },
        "notices": [{ "id": "v1", "date": "2025-01-01", "digest": "0".repeat(64) }],
        "recipients": recipients, "purposes": purposes,
    });
    OperatorProfile::from_json(&json.to_string()).unwrap()
}

// ---- the reference model -------------------------------------------------------------------

#[derive(Debug, Clone)]
struct ModelDirective {
    recipient: usize,
    categories: u8, // bit i = DataCategory::ALL[i]
    purposes: u8,   // bit i = PURPOSES[i]
    permit: bool,
    from: i64,
    until: Option<i64>,
    decided: i64,
}

fn model_permits(ds: &[ModelDirective], r: usize, c: usize, p: usize, t: i64) -> bool {
    let mut best: Option<(i64, usize, bool)> = None;
    for (i, d) in ds.iter().enumerate() {
        let applies = d.recipient == r
            && d.categories & (1 << c) != 0
            && d.purposes & (1 << p) != 0
            && d.from <= t
            && match d.until {
                Some(u) => t < u,
                None => true,
            };
        if applies {
            let newer = match best {
                None => true,
                Some((bd, bi, _)) => (d.decided, i) > (bd, bi),
            };
            if newer {
                best = Some((d.decided, i, d.permit));
            }
        }
    }
    matches!(best, Some((_, _, true)))
}

fn cats_of(mask: u8) -> Vec<DataCategory> {
    (0..8)
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| DataCategory::ALL[i])
        .collect()
}

fn purposes_of(mask: u8) -> Vec<String> {
    (0..3)
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| PURPOSES[i].to_owned())
        .collect()
}

fn st(s: i64) -> Stamp {
    Stamp {
        utc_seconds: s,
        offset_seconds: 9 * 3600,
    }
}

fn to_directive(i: usize, m: &ModelDirective, subject: &str) -> ConsentDirective {
    ConsentDirective {
        id: format!("d{i}"),
        seq: i as i64 + 1,
        subject_id: subject.into(),
        recipient: RECIPIENTS[m.recipient].into(),
        categories: cats_of(m.categories),
        purposes: purposes_of(m.purposes),
        effect: if m.permit {
            Effect::Permit
        } else {
            Effect::Deny
        },
        valid_from: st(m.from),
        valid_until: m.until.map(st),
        decided_at: st(m.decided),
        decided_by: subject.into(),
        delegation: None,
        notice_version: "v1".into(),
        needs_reconsent: false,
    }
}

// ---- records of each category --------------------------------------------------------------

fn obs(t: ObservationType, v: f64) -> Observation {
    Observation {
        observation_type: t,
        code: t.loinc().into(),
        unit: t.unit().into(),
        value: v,
        value2: if t == ObservationType::BloodPressure {
            Some(80.0)
        } else {
            None
        },
        value3: None,
        glucose_timing: None,
        effective: st(0),
        derived_from: None,
        entered_value: None,
        entered_unit: None,
    }
}

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 10).unwrap()
}

fn checkup() -> Checkup {
    Checkup {
        date: date(),
        program: "specific_health_checkup".into(),
        institution: "健診センター".into(),
        institution_code: None,
        judgement: None,
        results: vec![],
    }
}

fn immunization() -> Immunization {
    Immunization {
        vaccine: "インフルエンザ".into(),
        code_system: None,
        code: None,
        date: date(),
        dose_number: Some(1),
        lot: None,
        place: None,
    }
}

fn medication() -> Medication {
    Medication {
        drug_name: "薬".into(),
        code_system: None,
        code: None,
        dose: None,
        frequency: None,
        start_date: date(),
        end_date: None,
        prescriber: None,
        pharmacy: None,
    }
}

fn allergy() -> Allergy {
    Allergy {
        substance: "そば".into(),
        code_system: None,
        code: None,
        reaction: None,
        severity: None,
    }
}

/// The category index is known by construction (the model does not ask the crate).
fn body_for(cat: usize) -> RecordBody {
    match DataCategory::ALL[cat] {
        DataCategory::Checkup => RecordBody::Checkup(checkup()),
        DataCategory::Vitals => RecordBody::Observation(obs(ObservationType::BloodPressure, 120.0)),
        DataCategory::Body => RecordBody::Observation(obs(ObservationType::Waist, 80.0)),
        DataCategory::Lifelog => RecordBody::Observation(obs(ObservationType::Steps, 5000.0)),
        DataCategory::Immunization => RecordBody::Immunization(immunization()),
        DataCategory::Medication => RecordBody::Medication(medication()),
        DataCategory::ConditionAllergy => RecordBody::Allergy(allergy()),
        DataCategory::Notes => RecordBody::Note(Note {
            text: "メモ".into(),
            about: None,
        }),
        DataCategory::Demographics => unreachable!("not a record category"),
    }
}

fn input_for(cat: usize) -> ClinicalInput {
    match body_for(cat) {
        RecordBody::Observation(o) => {
            let at = common::jst_days_ago(1);
            let mut i = ObservationInput::simple(o.observation_type, o.value, at);
            if o.observation_type == ObservationType::BloodPressure {
                i = ObservationInput::blood_pressure(120.0, 80.0, None, at);
            }
            ClinicalInput::Observation(i)
        }
        RecordBody::Checkup(c) => ClinicalInput::Checkup(c),
        RecordBody::Immunization(i) => ClinicalInput::Immunization(i),
        RecordBody::Medication(m) => ClinicalInput::Medication(m),
        RecordBody::Allergy(a) => ClinicalInput::Allergy(a),
        RecordBody::Note(n) => ClinicalInput::Note {
            text: n.text,
            at: None,
        },
        RecordBody::Condition(_) => unreachable!(),
    }
}

fn record(id: String, subject: &str, cat: usize, deleted: bool) -> Record {
    let body = body_for(cat);
    Record {
        meta: RecordMeta {
            id,
            subject_id: subject.into(),
            kind: body.kind(),
            effective: st(0),
            effective_precision: Default::default(),
            effective_text: None,
            version: 1,
            created: st(0),
            updated: st(0),
            provenance: Provenance::SelfEntered,
            source: None,
            deleted_utc: deleted.then_some(1),
        },
        body,
    }
}

// ---- in memory ----------------------------------------------------------------------------

fn model_directive(max_t: i64) -> impl Strategy<Value = ModelDirective> {
    (
        0..3usize,
        1..=255u8,
        1..=7u8,
        any::<bool>(),
        0..max_t,
        prop::option::of(1..60i64),
        0..50i64,
    )
        .prop_map(
            |(recipient, categories, purposes, permit, from, len, decided)| ModelDirective {
                recipient,
                categories,
                purposes,
                permit,
                from,
                until: len.map(|l| from + l),
                decided,
            },
        )
}

/// (category, subject is the right one, deleted)
fn record_spec() -> impl Strategy<Value = (usize, bool, bool)> {
    (
        0..8usize,
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.1),
    )
}

#[test]
fn gate_matches_the_reference_model_in_memory() {
    let profile = open_profile();
    let mut runner = TestRunner::new(Config {
        cases: 10_000,
        ..Config::default()
    });
    let strategy = (
        prop::collection::vec(model_directive(100), 0..12),
        prop::collection::vec(record_spec(), 0..12),
        prop::collection::vec((0..3usize, 0..3usize, -5..170i64), 1..8),
    );
    let checked = Cell::new(0u64);
    runner
        .run(&strategy, |(ds, specs, queries)| {
            checked.set(checked.get() + 1);
            let directives: Vec<ConsentDirective> = ds
                .iter()
                .enumerate()
                .map(|(i, m)| to_directive(i, m, "s"))
                .collect();
            let records: Vec<Record> = specs
                .iter()
                .enumerate()
                .map(|(i, (c, mine, del))| {
                    record(format!("rec{i}"), if *mine { "s" } else { "x" }, *c, *del)
                })
                .collect();
            for (r, p, t) in &queries {
                let (released, withheld) = consent::select(
                    &profile,
                    &directives,
                    "s",
                    RECIPIENTS[*r],
                    PURPOSES[*p],
                    *t,
                    records.clone(),
                );
                let expected: Vec<String> = specs
                    .iter()
                    .enumerate()
                    .filter(|(_, (c, mine, del))| {
                        *mine && !*del && model_permits(&ds, *r, *c, *p, *t)
                    })
                    .map(|(i, _)| format!("rec{i}"))
                    .collect();
                let got: Vec<String> = released.iter().map(|x| x.meta.id.clone()).collect();
                prop_assert_eq!(&got, &expected, "query {:?}", (r, p, t));
                prop_assert_eq!(withheld, records.len() - expected.len());
                for c in 0..8 {
                    let want = model_permits(&ds, *r, c, *p, *t);
                    let have = consent::is_permitted(
                        &directives,
                        "s",
                        RECIPIENTS[*r],
                        DataCategory::ALL[c],
                        PURPOSES[*p],
                        *t,
                    );
                    prop_assert_eq!(have, want, "category {}", c);
                }
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(checked.get(), 10_000);
}

// ---- through the real store ---------------------------------------------------------------

const HOUR: i64 = 3600;

/// (recipient, categories, purposes, permit, from offset in hours (never 0), length in hours)
fn store_directive() -> impl Strategy<Value = (usize, u8, u8, bool, i64, Option<i64>)> {
    (
        0..3usize,
        1..=255u8,
        1..=7u8,
        any::<bool>(),
        prop_oneof![-72..0i64, 1..72i64],
        prop::option::of(1..120i64),
    )
}

#[test]
fn gate_matches_the_reference_model_through_the_store() {
    let (_dir, s, owner, _) = common::session_with_two();
    s.set_operator_profile(open_profile()).unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 64,
        ..Config::default()
    });
    let strategy = (
        prop::collection::vec(store_directive(), 0..6),
        prop::collection::vec(-200..300i64, 4),
    );
    let n = Cell::new(0u32);
    runner
        .run(&strategy, |(plan, instants)| {
            n.set(n.get() + 1);
            let p = s
                .as_person(&owner.id)
                .add_person(common::person(
                    &format!("p{}", n.get()),
                    "試験",
                    "太郎",
                    (1980, 1, 1),
                    phr_core::records::Sex::Male,
                ))
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let who = p.id.as_str();
            // The subject acts on their own record.
            let acting = s.as_person(who);
            let s = &acting;
            let ids = s
                .add_records(
                    who,
                    (0..8).map(input_for).collect(),
                    Provenance::SelfEntered,
                    None,
                )
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(ids.len(), 8);
            let records: Vec<Record> = ids
                .iter()
                .map(|id| s.get_record(who, id).unwrap())
                .collect();
            let base = phr_core::clock::Clock::from_environment().now().timestamp();
            let mut model = vec![];
            for (r, cats, purps, permit, from_h, len_h) in plan {
                let from = base + from_h * HOUR;
                let until = len_h.map(|l| from.max(base + HOUR) + l * HOUR);
                let req = ConsentRequest {
                    recipient: RECIPIENTS[r].into(),
                    categories: cats_of(cats),
                    purposes: purposes_of(purps),
                    effect: if permit { Effect::Permit } else { Effect::Deny },
                    valid_from: Some(st(from)),
                    valid_until: until.map(st),
                    notice_version: None,
                };
                s.set_consent(who, req)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                model.push(ModelDirective {
                    recipient: r,
                    categories: cats,
                    purposes: purps,
                    permit,
                    from,
                    until,
                    decided: 0,
                });
            }
            let now = phr_core::clock::Clock::from_environment().now().timestamp();
            for (r, recipient) in RECIPIENTS.iter().enumerate() {
                for (pu, purpose) in PURPOSES.iter().enumerate() {
                    let out = s.release(who, recipient, purpose, &records).unwrap();
                    let got: Vec<String> = out.ids();
                    let expected: Vec<String> = (0..8)
                        .filter(|c| model_permits(&model, r, *c, pu, now))
                        .map(|c| ids[c].clone())
                        .collect();
                    prop_assert_eq!(&got, &expected);
                    prop_assert_eq!(out.withheld_count(), 8 - expected.len());
                    for k in &instants {
                        let t = base + k * (HOUR / 2) + HOUR / 4;
                        for c in 0..8 {
                            let have = s
                                .is_permitted(who, recipient, DataCategory::ALL[c], purpose, st(t))
                                .unwrap();
                            prop_assert_eq!(have, model_permits(&model, r, c, pu, t));
                        }
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(n.get(), 64);
}
