//! The exported JSON, byte for byte, of a corpus covering every record kind, every observation
//! type and the odd cases of the mapping (non-UCUM and empty units, values JSON cannot hold,
//! offsets, non-UUID ids, a BMI whose weight is withheld, every provenance, originals kept by an
//! import, tombstones, another subject's record, the same record twice).
//!
//! `testdata/export_golden.json` was written by the `serde_json::Value` mapping before the export
//! was changed to serialise straight to the writer; both ways must still give exactly these bytes.
//! Regenerate it only for a deliberate change of the mapping (bump `MAPPING_VERSION` then):
//! `PHR_WRITE_GOLDEN=1 cargo test -p phr-core --lib fhir::golden`.

use super::fixtures;
use crate::records::*;
use std::collections::HashMap;

const GOLDEN: &str = include_str!("testdata/export_golden.json");

fn at() -> Stamp {
    Stamp {
        utc_seconds: 1_795_000_000,
        offset_seconds: 9 * 3600,
    }
}

fn observation(id: &str, ty: ObservationType, value: f64, offset_seconds: i32) -> Record {
    let at = Stamp {
        utc_seconds: 1_790_000_000,
        offset_seconds,
    };
    Record {
        meta: RecordMeta {
            id: id.into(),
            subject_id: fixtures::PERSON_ID.into(),
            kind: RecordKind::Observation,
            effective: at,
            effective_precision: Default::default(),
            effective_text: None,
            version: 3,
            created: at,
            updated: Stamp {
                utc_seconds: at.utc_seconds + 61,
                ..at
            },
            provenance: Provenance::SelfEntered,
            source: None,
            deleted_utc: None,
        },
        body: RecordBody::Observation(Observation {
            observation_type: ty,
            code: ty.loinc().into(),
            unit: ty.unit().into(),
            value,
            value2: None,
            value3: None,
            glucose_timing: None,
            effective: at,
            derived_from: None,
            entered_value: None,
            entered_unit: None,
        }),
    }
}

fn with<F: FnOnce(&mut Observation)>(mut r: Record, f: F) -> Record {
    if let RecordBody::Observation(o) = &mut r.body {
        f(o);
    }
    r
}

/// The records and originals of the corpus.
pub(crate) fn corpus() -> (Vec<Record>, HashMap<String, String>) {
    let mut records = fixtures::all_records();
    for (i, ty) in ObservationType::ALL.into_iter().enumerate() {
        let offset = [9 * 3600, 0, -5 * 3600, 5 * 3600 + 1800][i % 4];
        let mut r = observation(
            &format!("3b000000-0000-4000-8000-{i:012}"),
            ty,
            10.0 + i as f64 * 1.25,
            offset,
        );
        r.meta.provenance = [
            Provenance::SelfEntered,
            Provenance::Device,
            Provenance::Clinic,
            Provenance::Mynaportal,
            Provenance::ImportedFile,
            Provenance::Derived,
        ][i % 6];
        r.meta.source = (i % 3 == 1).then(|| format!("source \"{i}\" 機器"));
        records.push(r);
    }
    let bp = |id: &str, v2: Option<f64>, v3: Option<f64>| {
        with(
            observation(id, ObservationType::BloodPressure, 121.5, 9 * 3600),
            |o| {
                o.value2 = v2;
                o.value3 = v3;
            },
        )
    };
    records.push(bp("4c000000-0000-4000-8000-000000000001", Some(80.0), None));
    records.push(bp("4c000000-0000-4000-8000-000000000002", None, Some(70.0)));
    records.push(bp("4c000000-0000-4000-8000-000000000003", None, None));
    records.push(with(
        observation(
            "4c000000-0000-4000-8000-000000000004",
            ObservationType::Steps,
            4.0,
            0,
        ),
        |o| o.unit = "回".into(),
    ));
    records.push(with(
        observation(
            "4c000000-0000-4000-8000-000000000005",
            ObservationType::Steps,
            5.0,
            0,
        ),
        |o| o.unit = String::new(),
    ));
    records.push(observation(
        "4c000000-0000-4000-8000-000000000006",
        ObservationType::Weight,
        f64::NAN,
        0,
    ));
    records.push(observation(
        "4c000000-0000-4000-8000-000000000007",
        ObservationType::Weight,
        f64::INFINITY,
        0,
    ));
    records.push(observation(
        "4c000000-0000-4000-8000-000000000008",
        ObservationType::Weight,
        1e-7,
        0,
    ));
    records.push(observation(
        "4C000000-0000-4000-8000-00000000000A",
        ObservationType::Weight,
        123456789.0,
        0,
    ));
    records.push(observation(
        "not-a-uuid",
        ObservationType::Height,
        158.2,
        9 * 3600,
    ));
    // A BMI whose weight is not in the export: no `derivedFrom`.
    records.push(with(
        observation(
            "4c000000-0000-4000-8000-000000000009",
            ObservationType::Bmi,
            21.0,
            0,
        ),
        |o| o.derived_from = Some("5d000000-0000-4000-8000-000000000000".into()),
    ));
    // The same record twice, a tombstone, another subject's record.
    records.push(fixtures::weight());
    let mut gone = fixtures::steps();
    gone.meta.id = "4c000000-0000-4000-8000-00000000000b".into();
    gone.meta.deleted_utc = Some(1);
    records.push(gone);
    let mut other = fixtures::steps();
    other.meta.id = "4c000000-0000-4000-8000-00000000000c".into();
    other.meta.subject_id = "someone-else".into();
    records.push(other);

    let mut originals = HashMap::new();
    originals.insert(
        "3b000000-0000-4000-8000-000000000001".to_owned(),
        r##"{"resourceType":"Observation","id":"x","meta":{"versionId":"7","source":"#s","profile":["p"]},"status":"final","code":{"text":"体重"},"subject":{"reference":"Patient/1"},"valueQuantity":{"value":52.0,"unit":"kg"},"note":[{"text":"朝\n\"食前\""}]}"##.to_owned(),
    );
    originals.insert(
        fixtures::medication().meta.id,
        r#"{"resourceType":"MedicationRequest","subject":{"reference":"Patient/1"},"status":"active"}"#.to_owned(),
    );
    // Not usable: the wrong type, not JSON. Mapped from the rows instead.
    originals.insert(
        fixtures::condition().meta.id,
        r#"{"resourceType":"Observation"}"#.to_owned(),
    );
    originals.insert(fixtures::allergy().meta.id, "{not json".to_owned());
    (records, originals)
}

fn golden_output() -> Vec<u8> {
    let (records, originals) = corpus();
    let b = super::bundle_with_originals(&fixtures::person(), &records, &originals, at());
    serde_json::to_vec(&b).unwrap()
}

#[test]
fn the_export_is_byte_identical_to_the_golden_file() {
    let out = golden_output();
    if std::env::var_os("PHR_WRITE_GOLDEN").is_some() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/fhir/testdata/export_golden.json"
        );
        std::fs::write(path, &out).unwrap();
        return;
    }
    assert_eq!(String::from_utf8(out).unwrap(), GOLDEN);
}

#[test]
fn the_streamed_export_is_byte_identical_to_the_golden_file() {
    let (records, originals) = corpus();
    let out = super::bundle_json_with_originals(&fixtures::person(), &records, &originals, at());
    assert_eq!(String::from_utf8(out).unwrap(), GOLDEN);
    let mut written = vec![];
    super::write_bundle(
        &mut written,
        &fixtures::person(),
        &records,
        &originals,
        at(),
    )
    .unwrap();
    assert_eq!(String::from_utf8(written).unwrap(), GOLDEN);
}

#[test]
fn the_streamed_export_equals_the_value_for_every_record_kind_alone() {
    let (records, _) = corpus();
    for r in records {
        let one = std::slice::from_ref(&r);
        let value = super::bundle_for(&fixtures::person(), one, at());
        assert_eq!(
            serde_json::to_vec(&value).unwrap(),
            super::bundle_json(&fixtures::person(), one, at()),
            "{:?}",
            r.meta.kind
        );
    }
}
