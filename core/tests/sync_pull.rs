//! Sync's pull rules against the in-memory FHIR server (`phr_core::sync::fake`): through the
//! importer, a cursor per resource type, this store's own copies left out (origin tag), server
//! versions, results fetched when a server does not `_include` them, paging.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_support;

use phr_core::records::{ObservationType, RecordBody, RecordKind};
use phr_core::sync::fake::FakeFhir;
use serde_json::json;
use sync_support::*;

#[test]
fn the_pull_imports_what_the_platform_holds_through_the_importer() {
    let (_d, s, h, _) = seeded(3, 0);
    let fake = FakeFhir::new();
    fake.put(platform_weight(&h, "platform-weight-1", 58.5));
    publish_checkup(&fake, &h);
    publish_immunization(&fake, &h);
    let r = sync(&s, &h, &fake).unwrap();
    // The weight, the checkup (its six lines come in as its results, not as six records) and
    // the immunization.
    assert_eq!((r.pushed, r.imported, r.updated), (3, 3, 0), "{r:?}");
    let checkups = of_kind(&s, &h, RecordKind::Checkup);
    assert_eq!(checkups.records.len(), 1);
    match &checkups.records[0].body {
        RecordBody::Checkup(c) => assert_eq!(c.results.len(), 6),
        other => panic!("not a checkup: {other:?}"),
    }
    assert_eq!(of_kind(&s, &h, RecordKind::Immunization).records.len(), 1);
    assert_eq!(of_type(&s, &h, ObservationType::Weight).len(), 1);
    assert_eq!(
        of_type(&s, &h, ObservationType::Pulse).len(),
        3,
        "ours, not again"
    );

    let again = sync(&s, &h, &fake).unwrap();
    assert_eq!((again.imported, again.updated), (0, 0), "{again:?}");
}

#[test]
fn a_platform_correction_updates_the_record_imported_from_it() {
    let (_d, s, h, _) = seeded(0, 0);
    let fake = FakeFhir::new();
    fake.put(platform_weight(&h, "platform-weight-1", 58.5));
    assert_eq!(sync(&s, &h, &fake).unwrap().imported, 1);
    fake.put(platform_weight(&h, "platform-weight-1", 58.0));
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.imported, r.updated), (0, 1), "{r:?}");
    let weights = of_type(&s, &h, ObservationType::Weight);
    assert_eq!(weights.len(), 1);
    match &weights[0].body {
        RecordBody::Observation(o) => assert_eq!(o.value, 58.0),
        other => panic!("{other:?}"),
    }
}

#[test]
fn each_resource_type_is_pulled_from_its_own_cursor() {
    let (_d, s, h, _) = seeded(0, 0);
    let fake = FakeFhir::new();
    // The weight is older than the checkup, whose DiagnosticReport is pulled first.
    fake.put(platform_weight(&h, "platform-weight-1", 58.5));
    publish_checkup(&fake, &h);
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!(r.imported, 2, "{r:?}");
    assert_eq!(of_kind(&s, &h, RecordKind::Checkup).records.len(), 1);
    assert_eq!(of_type(&s, &h, ObservationType::Weight).len(), 1);

    // The next pull asks each type only for what changed since its own newest.
    fake.forget_requests();
    sync(&s, &h, &fake).unwrap();
    let seen = fake.requests();
    let report = fake.resource("DiagnosticReport/checkup-2024").unwrap();
    let since = |rtype: &str| -> Option<String> {
        let p = &searches(&seen, rtype).first()?.path;
        let at = p.split("_lastUpdated=ge").nth(1)?;
        Some(at.split('&').next()?.to_owned())
    };
    assert_eq!(
        since("DiagnosticReport").as_deref(),
        report["meta"]["lastUpdated"].as_str()
    );
    assert!(since("Observation").is_some());
    assert_eq!(since("Immunization"), None, "nothing pulled yet: no cursor");
}

#[test]
fn what_this_store_pushed_is_never_pulled_back() {
    let (_d, s, h, ids) = seeded(5, 0);
    let fake = FakeFhir::new();
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.pushed, r.pulled, r.imported), (5, 0, 0), "{r:?}");
    let seen = fake.requests();
    let asked = searches(&seen, "Observation");
    assert!(
        asked
            .iter()
            .all(|r| r.path.contains("_tag:not=urn:phr-core:origin%7C")),
        "{asked:?}"
    );

    // A server that ignores `:not` sends our copies back: they are skipped, not imported,
    // even one the platform changed.
    fake.behave(|b| b.honour_tag_not = false);
    let mut changed = fake.resource(&format!("Observation/{}", ids[0])).unwrap();
    changed["valueQuantity"]["value"] = json!(140.0);
    fake.put(changed);
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!(
        (r.pulled, r.skipped, r.imported, r.updated),
        (5, 5, 0, 0),
        "{r:?}"
    );
    let pulses = of_type(&s, &h, ObservationType::Pulse);
    assert_eq!(pulses.len(), 5);
    assert!(pulses.iter().all(|p| match &p.body {
        RecordBody::Observation(o) => o.value != 140.0,
        _ => false,
    }));
}

#[test]
fn a_resource_the_importer_refuses_is_skipped_without_blocking_the_rest() {
    let (_d, s, h, _) = seeded(0, 0);
    let fake = FakeFhir::new();
    fake.put(platform_weight(&h, "good-weight", 58.5));
    let mut bad = platform_weight(&h, "bad-weight", 60.0);
    bad["valueQuantity"]["value"] = json!("sixty");
    fake.put(bad);
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.imported, r.skipped), (1, 1), "{r:?}");
    // The refused version is remembered: not tried again until the server changes it.
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.imported, r.updated), (0, 0), "{r:?}");
    fake.put(platform_weight(&h, "bad-weight", 60.0));
    assert_eq!(sync(&s, &h, &fake).unwrap().imported, 1);
}

#[test]
fn results_a_server_does_not_include_are_fetched_by_id() {
    let (_d, s, h, _) = seeded(0, 0);
    let fake = FakeFhir::new();
    fake.behave(|b| b.honour_include = false);
    publish_checkup(&fake, &h);
    let observations = || of_kind(&s, &h, RecordKind::Observation).records.len();
    let before = observations();
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!(r.imported, 1, "{r:?}");
    let checkups = of_kind(&s, &h, RecordKind::Checkup);
    match &checkups.records[0].body {
        RecordBody::Checkup(c) => assert_eq!(c.results.len(), 6),
        other => panic!("not a checkup: {other:?}"),
    }
    assert_eq!(
        observations(),
        before,
        "the lines are not records of their own"
    );
    let seen = fake.requests();
    assert!(seen.iter().any(|r| r.path.starts_with("Observation?_id=")));
}

#[test]
fn more_than_a_page_is_read_page_by_page_from_the_cursor() {
    let (_d, s, h, _) = seeded(0, 0);
    let fake = FakeFhir::new();
    fake.behave(|b| b.max_count = 7);
    for n in 0..30 {
        let mut w = platform_weight(&h, &format!("w-{n}"), 50.0 + n as f64);
        w["effectiveDateTime"] = json!(format!("2026-10-{:02}T09:00:00+09:00", 1 + n));
        fake.put(w);
    }
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!(r.imported, 30, "{r:?}");
    assert!(searches(&fake.requests(), "Observation").len() >= 5);
}

#[test]
fn a_page_all_at_one_instant_ends_the_pull_instead_of_looping() {
    // A known limit (docs/SYNC.md): more than a page at the same `lastUpdated` stops the pull
    // early; it must stop, not loop.
    let (_d, s, h, _) = seeded(0, 0);
    let fake = FakeFhir::new();
    fake.behave(|b| {
        b.max_count = 5;
        b.tick_ms = 0;
    });
    for n in 0..12 {
        let mut w = platform_weight(&h, &format!("w-{n}"), 50.0 + n as f64);
        w["effectiveDateTime"] = json!(format!("2026-10-{:02}T09:00:00+09:00", 1 + n));
        fake.put(w);
    }
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!(r.imported, 5, "{r:?}");
    assert!(searches(&fake.requests(), "Observation").len() <= 3);
}
