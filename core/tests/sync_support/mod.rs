//! What the sync rule tests share: a seeded session, syncing it against the in-memory FHIR
//! server (`phr_core::sync::fake`), and what the platform publishes there.
#![allow(dead_code)]

use crate::common::{jst_days_ago, session_with_two};
use phr_core::consent::{ConsentRequest, DataCategory, OperatorProfile, samples};
use phr_core::records::{
    ObservationInput, ObservationType, PageRequest, Provenance, RecordFilter, RecordKind,
};
use phr_core::sync::fake::{FakeFhir, Seen};
use phr_core::sync::{NoProgress, SyncOptions, SyncReport, TokenProvider};
use phr_core::{ClinicalInput, Session};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const RECIPIENT: &str = "health-dept";
pub const GUIDANCE: &str = "specific_health_guidance";

/// Small batches, so a few records already make several; backoff is only noted by the fake.
pub fn options() -> SyncOptions {
    SyncOptions {
        batch_size: 10,
        ..SyncOptions::default()
    }
}

/// A session whose owner has `pulses` vitals, `weights` body and 5 lifelog records, consent
/// for vitals+body to the health department for guidance, and everything permitted queued.
/// Returns the queued ids, pulses first.
pub fn seeded(pulses: usize, weights: usize) -> (tempfile::TempDir, Session, String, Vec<String>) {
    let (dir, s, hanako, _) = session_with_two();
    let h = hanako.id;
    s.set_operator_profile(samples::municipality()).unwrap();
    let mut inputs = vec![];
    for i in 0..pulses {
        inputs.push(observation(
            ObservationType::Pulse,
            55.0 + (i % 40) as f64,
            i,
        ));
    }
    for i in 0..weights {
        inputs.push(observation(
            ObservationType::Weight,
            55.0 + (i % 10) as f64,
            i,
        ));
    }
    for i in 0..5 {
        inputs.push(observation(ObservationType::Steps, 5000.0 + i as f64, i));
    }
    let ids = s.add_records(&h, inputs, Provenance::Device, None).unwrap();
    s.set_consent(
        &h,
        ConsentRequest::permit(
            RECIPIENT,
            &[DataCategory::Vitals, DataCategory::Body],
            &[GUIDANCE],
        ),
    )
    .unwrap();
    let queued = s.queue_for_release(&h, RECIPIENT, GUIDANCE, &ids).unwrap();
    assert_eq!(
        queued,
        pulses + weights,
        "lifelog is not queued for guidance"
    );
    let ids = ids[..pulses + weights].to_vec();
    (dir, s, h, ids)
}

pub fn observation(t: ObservationType, value: f64, days_ago: usize) -> ClinicalInput {
    ClinicalInput::Observation(ObservationInput::simple(
        t,
        value,
        jst_days_ago(1 + (days_ago % 300) as i64),
    ))
}

/// Sync `h`'s own record with the fake.
pub fn sync(s: &Session, h: &str, fake: &FakeFhir) -> phr_core::Result<SyncReport> {
    sync_with(s, h, fake, &options())
}

pub fn sync_with(
    s: &Session,
    h: &str,
    fake: &FakeFhir,
    opts: &SyncOptions,
) -> phr_core::Result<SyncReport> {
    s.sync_over(h, RECIPIENT, opts, &NoProgress, &mut fake.clone())
}

/// The municipal profile with `f` applied (validated when set).
pub fn profile_with(f: impl FnOnce(&mut OperatorProfile)) -> OperatorProfile {
    let mut p = samples::municipality();
    f(&mut p);
    p
}

/// How many times each address was PUT (in Bundles), for "sent once" checks.
pub fn puts(seen: &[Seen], address: &str) -> usize {
    let want = format!("PUT {address}");
    seen.iter()
        .flat_map(|r| r.entries.iter())
        .filter(|e| **e == want)
        .count()
}

/// Search requests of `rtype` sent so far.
pub fn searches<'a>(seen: &'a [Seen], rtype: &str) -> Vec<&'a Seen> {
    let prefix = format!("{rtype}?");
    seen.iter()
        .filter(|r| r.path.starts_with(&prefix))
        .collect()
}

/// The subject's live records of one kind.
pub fn of_kind(s: &Session, h: &str, kind: RecordKind) -> phr_core::records::Page {
    let filter = RecordFilter {
        kind: Some(kind),
        ..Default::default()
    };
    s.list_records(h, &filter, &PageRequest::first(1000))
        .unwrap()
}

/// The subject's live observations of one type.
pub fn of_type(s: &Session, h: &str, t: ObservationType) -> Vec<phr_core::records::Record> {
    let filter = RecordFilter {
        kind: Some(RecordKind::Observation),
        observation_type: Some(t),
        ..Default::default()
    };
    s.list_records(h, &filter, &PageRequest::first(1000))
        .unwrap()
        .records
}

/// A weight the platform recorded for `h`.
pub fn platform_weight(h: &str, id: &str, kg: f64) -> Value {
    json!({
        "resourceType": "Observation", "id": id, "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
        "subject": {"reference": format!("Patient/{h}")},
        "effectiveDateTime": "2026-11-05T09:00:00+09:00",
        "valueQuantity": {"value": kg, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}
    })
}

/// The platform publishes a 特定健診 result for `h` (a DiagnosticReport and its six result
/// Observations, from the committed fixture).
pub fn publish_checkup(fake: &FakeFhir, h: &str) {
    let fixture: Value =
        serde_json::from_str(include_str!("../fixtures/fhir/checkup-transaction.json")).unwrap();
    for entry in fixture["entry"].as_array().unwrap() {
        let mut r = entry["resource"].clone();
        if r["resourceType"] == "Patient" {
            continue;
        }
        if r.get("subject").is_some() {
            r["subject"] = json!({ "reference": format!("Patient/{h}") });
        }
        fake.put(r);
    }
}

pub fn publish_immunization(fake: &FakeFhir, h: &str) {
    fake.put(json!({
        "resourceType": "Immunization", "id": "platform-flu-2026", "status": "completed",
        "vaccineCode": {"coding": [{"system": "urn:oid:1.2.392.200119.4.1002", "code": "10",
            "display": "インフルエンザHAワクチン"}], "text": "インフルエンザHAワクチン"},
        "patient": {"reference": format!("Patient/{h}")},
        "occurrenceDateTime": "2026-10-20T10:00:00+09:00",
        "lotNumber": "FLU-2026-01"
    }));
}

/// A token provider with a first token and the one a refresh gives, counting refreshes.
pub struct Tokens {
    pub first: Option<&'static str>,
    pub refreshed: Option<&'static str>,
    pub refreshes: AtomicUsize,
}

impl Tokens {
    pub fn new(first: &'static str, refreshed: &'static str) -> Tokens {
        Tokens {
            first: Some(first),
            refreshed: Some(refreshed),
            refreshes: AtomicUsize::new(0),
        }
    }

    pub fn refreshes(&self) -> usize {
        self.refreshes.load(Ordering::SeqCst)
    }
}

impl TokenProvider for Tokens {
    fn token(&self, _recipient: &str) -> Option<String> {
        self.first.map(str::to_owned)
    }
    fn refresh(&self, _recipient: &str) -> Option<String> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        self.refreshed.map(str::to_owned)
    }
}
