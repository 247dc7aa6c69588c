//! FHIR export benchmarks (issue "FHIR R4 (JP Core) export and import"):
//! - the mapping plus JSON serialisation of a subject with 50,000 observations
//!   (goal ≥ 100,000 resources/s): `bundle_json` (straight to the bytes), and for comparison
//!   `bundle_for` (a `serde_json::Value`) + `serde_json::to_vec`;
//! - the same end to end through `Session::export_fhir_json` and `Session::export_fhir` +
//!   `to_vec` on an encrypted store (read in one snapshot, audit entry, mapping, serialisation).
//!
//! FHIR import benchmarks (goal ≥ 50,000 resources/s), on a 10,000-observation Bundle made by
//! the export above:
//! - `fhir::import::plan` alone (parse + map, no store);
//! - `Session::import_fhir` end to end into a fresh encrypted store (plan, validation, dedupe
//!   look-ups, inserts with the original JSON, one transaction and audit entry).
//!
//! On imported originals (issue #18: the user's path), a Bundle shaped like a clinic's export
//! (encounters, vital signs and laboratory results by LOINC, diagnostic reports, every resource
//! referring to its Patient and encounter by `urn:uuid:` fullUrl; ~50,000 resources):
//! - `Session::import_fhir` of it into a fresh encrypted store (goal ≥ 50,000 resources/s);
//! - `Session::export_fhir_to` of that store, streamed to a sink (goal ≥ 100,000 resources/s):
//!   originals re-read, references rewritten, documents included.
//!
//! The CLI figures with peak RSS are scripts/bench-fhir-cli.sh's.
//!
//! Criterion's `thrpt` line is in resources (Bundle entries) per second.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use phr_core::fhir::{bundle_for, bundle_json};
use phr_core::records::*;
use phr_core::{ClinicalInput, KdfParams, Session};
use std::time::Duration;

const N: usize = 50_000;

fn person() -> NewPerson {
    NewPerson {
        nickname: "hanako".into(),
        family_name: "山田".into(),
        given_name: "花子".into(),
        family_name_kana: Some("ヤマダ".into()),
        given_name_kana: Some("ハナコ".into()),
        birth_date: chrono::NaiveDate::from_ymd_opt(1975, 5, 3).unwrap(),
        sex: Sex::Female,
        insurer_number: Some("06130001".into()),
        insured_symbol: None,
        insured_number: None,
        municipality_code: None,
    }
}

/// A mix of what a phone and its devices log: blood pressure with pulse, weight, steps, sleep,
/// temperature and fasting glucose, one reading every ten minutes going back in time.
fn inputs(n: usize) -> Vec<ObservationInput> {
    let now = phr_core::clock::Clock::from_environment().now().timestamp();
    (0..n)
        .map(|i| {
            let at = Stamp {
                utc_seconds: now - 600 * (i as i64 + 1),
                offset_seconds: 9 * 3600,
            };
            let v = (i % 17) as f64;
            match i % 6 {
                0 => {
                    ObservationInput::blood_pressure(118.0 + v, 76.0 + v / 2.0, Some(62.0 + v), at)
                }
                1 => ObservationInput::simple(ObservationType::Weight, 52.0 + v / 10.0, at),
                2 => ObservationInput::simple(ObservationType::Steps, 800.0 + 37.0 * v, at),
                3 => ObservationInput::simple(ObservationType::Sleep, 6.0 + v / 10.0, at),
                4 => {
                    ObservationInput::simple(ObservationType::BodyTemperature, 36.2 + v / 40.0, at)
                }
                _ => ObservationInput {
                    glucose_timing: Some(GlucoseTiming::Fasting),
                    ..ObservationInput::simple(ObservationType::BloodGlucose, 90.0 + v, at)
                },
            }
        })
        .collect()
}

fn in_memory(person_id: &str) -> Vec<Record> {
    inputs(N)
        .into_iter()
        .enumerate()
        .map(|(i, input)| {
            let o = Observation {
                observation_type: input.observation_type,
                code: match input.glucose_timing {
                    Some(t) => t.loinc().into(),
                    None => input.observation_type.loinc().into(),
                },
                unit: input.observation_type.unit().into(),
                value: input.value,
                value2: input.value2,
                value3: input.value3,
                glucose_timing: input.glucose_timing,
                effective: input.effective,
                derived_from: None,
                entered_value: None,
                entered_unit: None,
            };
            Record {
                meta: RecordMeta {
                    id: format!("00000000-0000-4000-8000-{i:012}"),
                    subject_id: person_id.into(),
                    kind: RecordKind::Observation,
                    effective: input.effective,
                    effective_precision: Default::default(),
                    effective_text: None,
                    version: 1,
                    created: input.effective,
                    updated: input.effective,
                    provenance: if i % 3 == 0 {
                        Provenance::Device
                    } else {
                        Provenance::SelfEntered
                    },
                    source: (i % 3 == 0).then(|| "Omron HCR-7601T".to_owned()),
                    deleted_utc: None,
                },
                body: RecordBody::Observation(o),
            }
        })
        .collect()
}

fn entries(b: &serde_json::Value) -> u64 {
    b["entry"].as_array().map_or(0, |e| e.len() as u64)
}

fn bench_mapping(c: &mut Criterion) {
    let person_id = "5b0e7f4c-2f1a-4c55-9a77-0d9c8e1f2a10";
    let p = Person {
        id: person_id.into(),
        is_owner: true,
        version: 1,
        details: person(),
    };
    let records = in_memory(person_id);
    let at = phr_core::records::Stamp::from_utc(
        phr_core::clock::Clock::from_environment().now(),
        9 * 3600,
    );
    let n = entries(&bundle_for(&p, &records, at));
    let mut g = c.benchmark_group("fhir_export");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(n));
    g.bench_function("bundle_json_50k_observations", |b| {
        b.iter(|| bundle_json(&p, &records, at).len())
    });
    g.bench_function("map_and_serialise_50k_observations", |b| {
        b.iter(|| {
            let bundle = bundle_for(&p, &records, at);
            serde_json::to_vec(&bundle).unwrap().len()
        })
    });
    g.bench_function("map_only_50k_observations", |b| {
        b.iter(|| bundle_for(&p, &records, at))
    });
    g.finish();
}

fn bench_session(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::create(dir.path(), "bench passphrase", KdfParams::cheap()).unwrap();
    let me = s.add_person(person()).unwrap().id;
    for chunk in inputs(N).chunks(5_000) {
        let batch = chunk
            .iter()
            .cloned()
            .map(ClinicalInput::Observation)
            .collect();
        s.add_records(&me, batch, Provenance::Device, Some("Omron HCR-7601T"))
            .unwrap();
    }
    let at = phr_core::records::Stamp::from_utc(
        phr_core::clock::Clock::from_environment().now(),
        9 * 3600,
    );
    let n = entries(&s.export_fhir(&me, at).unwrap());
    let mut g = c.benchmark_group("fhir_export");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(n));
    g.bench_function("session_export_fhir_json_50k_observations", |b| {
        b.iter(|| s.export_fhir_json(&me, at).unwrap().json.len())
    });
    g.bench_function("session_export_fhir_50k_observations", |b| {
        b.iter(|| {
            let bundle = s.export_fhir(&me, at).unwrap();
            serde_json::to_vec(&bundle).unwrap().len()
        })
    });
    g.finish();
}

const IMPORT_N: usize = 10_000;

/// A Bundle of `IMPORT_N` observations (plus the Patient and Provenance) as the export writes it.
fn import_bundle() -> (Vec<u8>, u64) {
    let person_id = "5b0e7f4c-2f1a-4c55-9a77-0d9c8e1f2a10";
    let p = Person {
        id: person_id.into(),
        is_owner: true,
        version: 1,
        details: person(),
    };
    let records: Vec<Record> = in_memory(person_id).into_iter().take(IMPORT_N).collect();
    let b = bundle_for(
        &p,
        &records,
        phr_core::records::Stamp::from_utc(
            phr_core::clock::Clock::from_environment().now(),
            9 * 3600,
        ),
    );
    (serde_json::to_vec(&b).unwrap(), entries(&b))
}

fn bench_import(c: &mut Criterion) {
    let (bytes, n) = import_bundle();
    let mut g = c.benchmark_group("fhir_import");
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    g.throughput(Throughput::Elements(n));
    g.bench_function("plan_10k_observations", |b| {
        b.iter(|| phr_core::fhir::import::plan(&bytes).unwrap().items.len())
    });
    g.bench_function("session_import_fhir_10k_observations", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let s =
                    Session::create(dir.path(), "bench passphrase", KdfParams::cheap()).unwrap();
                let me = s.add_person(person()).unwrap().id;
                (dir, s, me)
            },
            |(dir, s, me)| {
                let r = s
                    .import_fhir(&me, &bytes, Provenance::ImportedFile, Some("bench.json"))
                    .unwrap();
                assert_eq!(r.imported.len(), IMPORT_N);
                (dir, s)
            },
            criterion::BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// A clinic-shaped Bundle of about `n` resources (see the module comment).
fn clinic_bundle(n: usize) -> Vec<u8> {
    let uid = |kind: &str, i: usize| {
        let d = ring::digest::digest(&ring::digest::SHA256, format!("{kind}/{i}").as_bytes());
        phr_core::records::uuid_from_digest(d.as_ref())
    };
    let patient = uid("patient", 0);
    let mut entries = vec![format!(
        r#"{{"fullUrl":"urn:uuid:{patient}","resource":{{"resourceType":"Patient","id":"{patient}","name":[{{"family":"山田","given":["花子"]}}],"gender":"female","birthDate":"1975-05-03"}}}}"#
    )];
    let codes = [
        ("8867-4", "Heart rate", "/min", 60.0),
        ("8310-5", "Body temperature", "Cel", 36.4),
        ("29463-7", "Body weight", "kg", 52.0),
        ("59408-5", "Oxygen saturation", "%", 97.0),
        ("9279-1", "Respiratory rate", "/min", 14.0),
        ("4548-4", "Hemoglobin A1c", "%", 5.4),
        ("2339-0", "Glucose", "mg/dL", 90.0),
        ("2093-3", "Cholesterol", "mg/dL", 170.0),
    ];
    let (mut e, mut o) = (0usize, 0usize);
    while entries.len() < n {
        e += 1;
        let enc = uid("enc", e);
        let at = format!(
            "{}-{:02}-{:02}T09:{:02}:00+09:00",
            2005 + e / 400,
            1 + (e / 30) % 12,
            1 + e % 28,
            e % 60
        );
        entries.push(format!(
            r#"{{"fullUrl":"urn:uuid:{enc}","resource":{{"resourceType":"Encounter","id":"{enc}","status":"finished","class":{{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"}},"subject":{{"reference":"urn:uuid:{patient}"}},"period":{{"start":"{at}"}}}}}}"#
        ));
        let mut results = vec![];
        for (code, display, unit, base) in codes {
            o += 1;
            let id = uid("obs", o);
            let value = base + (o % 10) as f64 / 10.0;
            results.push(format!(r#"{{"reference":"urn:uuid:{id}"}}"#));
            entries.push(format!(
                r#"{{"fullUrl":"urn:uuid:{id}","resource":{{"resourceType":"Observation","id":"{id}","status":"final","category":[{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}}]}}],"code":{{"coding":[{{"system":"http://loinc.org","code":"{code}","display":"{display}"}}],"text":"{display}"}},"subject":{{"reference":"urn:uuid:{patient}"}},"encounter":{{"reference":"urn:uuid:{enc}"}},"effectiveDateTime":"{at}","valueQuantity":{{"value":{value},"unit":"{unit}","system":"http://unitsofmeasure.org","code":"{unit}"}}}}}}"#
            ));
        }
        let dr = uid("dr", e);
        entries.push(format!(
            r#"{{"fullUrl":"urn:uuid:{dr}","resource":{{"resourceType":"DiagnosticReport","id":"{dr}","status":"final","code":{{"coding":[{{"system":"http://loinc.org","code":"51990-0"}}]}},"subject":{{"reference":"urn:uuid:{patient}"}},"encounter":{{"reference":"urn:uuid:{enc}"}},"effectiveDateTime":"{at}","result":[{}]}}}}"#,
            results.join(",")
        ));
    }
    format!(
        r#"{{"resourceType":"Bundle","type":"collection","entry":[{}]}}"#,
        entries.join(",")
    )
    .into_bytes()
}

fn fresh_store() -> (tempfile::TempDir, Session, String) {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::create(dir.path(), "bench passphrase", KdfParams::cheap()).unwrap();
    let me = s.add_person(person()).unwrap().id;
    (dir, s, me)
}

fn bench_originals(c: &mut Criterion) {
    let bytes = clinic_bundle(N);
    let n = phr_core::fhir::import::plan(&bytes).unwrap().items.len() as u64;
    let mut g = c.benchmark_group("fhir_originals");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.throughput(Throughput::Elements(n));
    g.bench_function("session_import_fhir_50k_clinic_resources", |b| {
        b.iter_batched(
            fresh_store,
            |(dir, s, me)| {
                s.import_fhir(&me, &bytes, Provenance::ImportedFile, Some("c.json"))
                    .unwrap();
                (dir, s)
            },
            criterion::BatchSize::PerIteration,
        )
    });
    let (_dir, s, me) = fresh_store();
    s.import_fhir(&me, &bytes, Provenance::ImportedFile, Some("c.json"))
        .unwrap();
    let at = Stamp::from_utc(phr_core::clock::Clock::from_environment().now(), 9 * 3600);
    let exported = s.export_fhir_to(&me, at, &mut std::io::sink()).unwrap() as u64;
    g.throughput(Throughput::Elements(exported));
    g.bench_function("session_export_fhir_to_50k_imported_originals", |b| {
        b.iter(|| s.export_fhir_to(&me, at, &mut std::io::sink()).unwrap())
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_mapping,
    bench_session,
    bench_import,
    bench_originals
);
criterion_main!(benches);
