//! A patient summary for a clinic (issue #20 item 4, its offline part): an IPS document built
//! from what a one-off permit releases — required sections present (empty ones say so), the
//! latest reading of each vital sign only, nothing outside the categories — in the provision
//! log, ended by its expiry or early; bad input refused by name with nothing recorded; the
//! document validates in fhir.resources and FHIR.js (R4).

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/fhir_validators.rs"]
mod validators;

use phr_core::consent::{DataCategory, samples};
use phr_core::provision::Channel;
use phr_core::records::{Immunization, ObservationInput, ObservationType, Provenance, Stamp};
use phr_core::{ClinicalInput, Error, Session};
use serde_json::Value;

const CLINIC: &str = "family-clinic";
const DAY: i64 = 86_400;

fn at(s: &Session, days_ago: i64) -> Stamp {
    Stamp {
        utc_seconds: s.now().utc_seconds - days_ago * DAY,
        offset_seconds: 9 * 3600,
    }
}

fn in_days(s: &Session, days: i64) -> Stamp {
    Stamp {
        utc_seconds: s.now().utc_seconds + days * DAY,
        offset_seconds: 9 * 3600,
    }
}

fn obs(t: ObservationType, v: f64, when: Stamp) -> ClinicalInput {
    ClinicalInput::Observation(ObservationInput::simple(t, v, when))
}

/// Hanako under the business profile: three weights, a blood pressure, steps, a vaccination.
fn setup() -> (tempfile::TempDir, Session, String, Vec<String>) {
    let (d, s, hanako, _) = common::session_with_two();
    s.set_operator_profile(samples::business()).unwrap();
    let today = chrono::DateTime::from_timestamp(s.now().utc_seconds, 0)
        .unwrap()
        .date_naive();
    let ids = s
        .add_records(
            &hanako.id,
            vec![
                obs(ObservationType::Weight, 61.0, at(&s, 30)),
                obs(ObservationType::Weight, 60.0, at(&s, 20)),
                obs(ObservationType::Weight, 59.5, at(&s, 10)),
                ClinicalInput::Observation(ObservationInput::blood_pressure(
                    128.0,
                    82.0,
                    None,
                    at(&s, 5),
                )),
                obs(ObservationType::Steps, 8000.0, at(&s, 1)),
                ClinicalInput::Immunization(Immunization {
                    vaccine: "インフルエンザHAワクチン".into(),
                    code_system: None,
                    code: None,
                    date: today - chrono::Duration::days(40),
                    dose_number: Some(1),
                    lot: None,
                    place: None,
                }),
            ],
            Provenance::SelfEntered,
            None,
        )
        .unwrap();
    (d, s, hanako.id, ids)
}

const ALL: [DataCategory; 5] = [
    DataCategory::Demographics,
    DataCategory::Vitals,
    DataCategory::Body,
    DataCategory::Immunization,
    DataCategory::ConditionAllergy,
];

fn composition(doc: &Value) -> &Value {
    &doc["entry"][0]["resource"]
}

#[test]
fn the_summary_is_an_ips_document_of_what_the_permit_releases() {
    let (_d, s, h, ids) = setup();
    let until = in_days(&s, 30);
    let share = s.share_summary(&h, CLINIC, &ALL, until).unwrap();
    let doc = &share.document;
    assert_eq!(doc["type"], "document");
    assert!(doc["timestamp"].is_string() && doc["identifier"]["value"].is_string());
    let c = composition(doc);
    assert_eq!(c["resourceType"], "Composition");
    assert_eq!(c["type"]["coding"][0]["code"], "60591-5");
    let codes: Vec<&str> = c["section"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["code"]["coding"][0]["code"].as_str().unwrap())
        .collect();
    for required in ["11450-4", "48765-2", "10160-0"] {
        assert!(codes.contains(&required), "{required} in {codes:?}");
    }
    let section = |code: &str| {
        c["section"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["code"]["coding"][0]["code"] == code)
            .unwrap()
            .clone()
    };
    assert_eq!(
        section("10160-0")["emptyReason"]["coding"][0]["code"],
        "unavailable"
    );
    let text = doc.to_string();
    // Only the latest weight, the blood pressure, the vaccination; no steps (lifelog).
    assert!(
        !text.contains(&ids[0]) && !text.contains(&ids[1]),
        "older weights left out"
    );
    for id in [&ids[2], &ids[3], &ids[5]] {
        assert!(text.contains(id.as_str()), "{id}");
    }
    assert!(!text.contains(&ids[4]), "steps are not in the summary");
    // Every section entry resolves to an entry of the Bundle.
    let urls: Vec<&str> = doc["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["fullUrl"].as_str().unwrap())
        .collect();
    for sec in c["section"].as_array().unwrap() {
        for e in sec["entry"].as_array().into_iter().flatten() {
            assert!(urls.contains(&e["reference"].as_str().unwrap()));
        }
    }
    assert_eq!(share.records, 3);
    // The permit ends by itself; the release is in the provision log.
    assert_eq!(share.directive.valid_until, Some(until));
    let log = s.provision_log(&h).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].channel, log[0].item_count), (Channel::Summary, 3));
    assert!(
        s.is_permitted(&h, CLINIC, DataCategory::Vitals, &share.purpose, s.now())
            .unwrap()
    );
    let after = Stamp {
        utc_seconds: until.utc_seconds,
        ..until
    };
    assert!(
        !s.is_permitted(&h, CLINIC, DataCategory::Vitals, &share.purpose, after)
            .unwrap()
    );
}

#[test]
fn ending_a_share_early_withdraws_its_permit() {
    let (_d, s, h, _) = setup();
    let share = s.share_summary(&h, CLINIC, &ALL, in_days(&s, 30)).unwrap();
    let d = s.end_summary_share(&h, &share.directive.id).unwrap();
    assert_eq!(d.effect, phr_core::consent::Effect::Deny);
    assert!(
        !s.is_permitted(&h, CLINIC, DataCategory::Vitals, &share.purpose, s.now())
            .unwrap()
    );
    assert!(matches!(
        s.end_summary_share(&h, "nope"),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn bad_input_is_refused_by_name_and_nothing_is_recorded() {
    let (_d, s, h, _) = setup();
    let field = |e: Error| match e {
        Error::InvalidInput { field, .. } => field,
        other => panic!("{other:?}"),
    };
    let month = in_days(&s, 30);
    let cases: Vec<(&[DataCategory], &str, Stamp, &str)> = vec![
        (&[], CLINIC, month, "categories"),
        (
            &[DataCategory::Demographics, DataCategory::Lifelog],
            CLINIC,
            month,
            "categories",
        ),
        (&[DataCategory::Vitals], CLINIC, month, "categories"),
        (&ALL, CLINIC, in_days(&s, -1), "until"),
        (&ALL, CLINIC, in_days(&s, 367), "until"),
        (&ALL, "nobody", month, "to"),
        (&ALL, "university-study", month, "categories"),
    ];
    for (categories, to, until, want) in cases {
        let e = s.share_summary(&h, to, categories, until).unwrap_err();
        assert_eq!(field(e), want, "{to} {categories:?}");
    }
    assert!(
        s.consent_history(&h).unwrap().is_empty(),
        "no permit recorded"
    );
    assert!(s.provision_log(&h).unwrap().is_empty(), "nothing released");
}

#[test]
#[cfg_attr(
    not(feature = "validators"),
    ignore = "needs the Python and Node validators: scripts/test.sh installs them and runs this with --features phr-core/validators"
)]
fn the_summary_validates_as_an_r4_document() {
    let (_d, s, h, _) = setup();
    let share = s.share_summary(&h, CLINIC, &ALL, in_days(&s, 30)).unwrap();
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("ips.json");
    std::fs::write(&file, share.document.to_string()).unwrap();
    let n = share.document["entry"].as_array().unwrap().len();
    assert_eq!(validators::python_fhir_resources(&file), Ok(n));
    assert_eq!(validators::node_fhir_js(&file), Ok(n), "FHIR.js (R4) too");
}

/// A SMART Health Link decoder written here from the specification, with a registry JOSE
/// library (Python jwcrypto), opens the link and gets the same Bundle; the payload names the
/// expiry and the `U` flag, and a link to a plain-http url is refused.
const SHL_DECODER: &str = r#"
import sys, json, base64
from jwcrypto import jwe, jwk
link, path = sys.argv[1], sys.argv[2]
assert link.startswith("shlink:/"), "not a SMART Health Link"
body = link[len("shlink:/"):]
payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
assert len(payload["key"]) == 43, "a 256-bit key, base64url"
token = jwe.JWE()
token.deserialize(open(path).read(), key=jwk.JWK(kty="oct", k=payload["key"]))
assert token.jose_header["alg"] == "dir" and token.jose_header["enc"] == "A256GCM"
print(json.dumps({"payload": payload, "bundle": json.loads(token.payload)}))
"#;

#[test]
#[cfg_attr(
    not(feature = "validators"),
    ignore = "needs Python jwcrypto: scripts/test.sh installs it and runs this with --features phr-core/validators"
)]
fn an_independent_decoder_opens_the_link_and_gets_the_same_bundle() {
    let (_d, s, h, _) = setup();
    let until = in_days(&s, 14);
    let share = s.share_summary(&h, CLINIC, &ALL, until).unwrap();
    let url = "https://shl.clinic.example.jp/f/abc";
    let p = phr_core::shl::package(&share.document, url, until.utc_seconds, "サマリー").unwrap();
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("summary.jwe");
    std::fs::write(&file, &p.file).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-c", SHL_DECODER, &p.link])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["bundle"], share.document, "the same Bundle");
    assert_eq!(got["payload"]["exp"], until.utc_seconds);
    assert_eq!(got["payload"]["flag"], "U");
    assert_eq!(got["payload"]["url"], url);
    assert_eq!(got["payload"]["v"], 1);
    // The file alone is opaque; a plain-http url or a long label is refused by name.
    assert!(!p.file.contains("Composition"));
    let field = |r: phr_core::Result<phr_core::shl::Packaged>| match r {
        Err(Error::InvalidInput { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    let doc = &share.document;
    assert_eq!(
        field(phr_core::shl::package(doc, "http://x.example.jp/f", 0, "x")),
        "url"
    );
    assert_eq!(
        field(phr_core::shl::package(doc, url, 0, &"あ".repeat(81))),
        "label"
    );
}
