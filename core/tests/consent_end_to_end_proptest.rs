//! Consent end to end against an independent reference model (issue #16's property).
//!
//! Random sequences of what a resident does (log, import, edit and delete readings; permit or
//! deny categories now or from a later instant), of what the operator does (a new profile
//! version that changes the purpose's wording) and of time passing, with syncs to the in-memory
//! FHIR server (`phr_core::sync::fake`). The model is written from docs/CONSENT.md and calls
//! nothing of the crate's decision logic:
//! - a directive applies to a category at instant t when it names it and `valid_from <= t`;
//!   the applicable one decided last (then the later in the sequence) decides; none: deny;
//! - a new profile version that changes a purpose flags every permit for it: while a flagged
//!   permit decides, nothing it covers is released (and nothing is withdrawn either);
//! - a record is released at t when it is live and its category is permitted at t;
//!   demographics (the purpose declares the birth date and insurer number) likewise.
//!
//! After every sync at instant t (a fixed clock the test moves), the server must agree:
//! - what that sync PUT is a record the model releases at t, as its current value;
//! - every record the model releases at t is there, as its current value;
//! - a record the model withholds by a deny, a deletion, or because it was never consented
//!   (lifelog) is gone or labelled withdrawn;
//! - the Patient carries a birth date only while demographics are released, and never a name,
//!   gender or address.
//!
//! Cases: `PHR_CONSENT_E2E_CASES` (default 64, each a fresh SQLCipher store and a sequence of up
//! to 48 steps; the run in docs/CONSENT.md used 100,000).

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use phr_core::consent::{ConsentRequest, DataCategory, OperatorProfile, samples};
use phr_core::records::{NewPerson, ObservationInput, ObservationType, Provenance, Sex, Stamp};
use phr_core::sync::fake::FakeFhir;
use phr_core::sync::{NoProgress, SyncOptions};
use phr_core::{ClinicalInput, Session};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::Value;

const RECIPIENT: &str = "health-dept";
const PURPOSE: &str = "specific_health_guidance";
const JST: i32 = 9 * 3600;
/// The test's clock starts here (2027-01-15) and only moves forward.
const T0: i64 = 1_800_000_000;

/// What the readings are: two categories the purpose needs, one it never asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pulse,  // vitals
    Weight, // body
    Steps,  // lifelog: never offered for guidance, never released
}

impl Kind {
    fn observation_type(self) -> ObservationType {
        match self {
            Kind::Pulse => ObservationType::Pulse,
            Kind::Weight => ObservationType::Weight,
            Kind::Steps => ObservationType::Steps,
        }
    }
    /// The model's category bit (0: none the purpose offers).
    fn bit(self) -> u8 {
        match self {
            Kind::Pulse => VITALS,
            Kind::Weight => BODY,
            Kind::Steps => 0,
        }
    }
}

const VITALS: u8 = 1;
const BODY: u8 = 2;
const DEMOGRAPHICS: u8 = 4;

#[derive(Debug, Clone)]
enum Op {
    Log {
        kind: Kind,
        value: u8,
    },
    /// A pulse from a clinic's FHIR file (kept with its original JSON).
    Import {
        value: u8,
    },
    Edit {
        pick: usize,
        value: u8,
    },
    Delete {
        pick: usize,
    },
    /// `ahead_hours` 0: from now; else a deny dated that far ahead (only denies are dated ahead:
    /// a resident withdraws "from next month"; a permit starts when given).
    Decide {
        permit: bool,
        cats: u8,
        ahead_hours: u8,
    },
    ChangeProfile,
    Advance {
        hours: u8,
    },
    Sync,
}

fn op() -> impl Strategy<Value = Op> {
    let kind = prop_oneof![Just(Kind::Pulse), Just(Kind::Weight), Just(Kind::Steps)];
    prop_oneof![
        4 => (kind, 40u8..120).prop_map(|(kind, value)| Op::Log { kind, value }),
        1 => (40u8..120).prop_map(|value| Op::Import { value }),
        2 => (any::<usize>(), 40u8..120).prop_map(|(pick, value)| Op::Edit { pick, value }),
        1 => any::<usize>().prop_map(|pick| Op::Delete { pick }),
        3 => (any::<bool>(), 1u8..8, prop_oneof![3 => Just(0u8), 1 => 1u8..48]).prop_map(
            |(permit, cats, ahead)| Op::Decide {
                permit,
                cats,
                ahead_hours: if permit { 0 } else { ahead },
            }
        ),
        1 => Just(Op::ChangeProfile),
        2 => (1u8..30).prop_map(|hours| Op::Advance { hours }),
        3 => Just(Op::Sync),
    ]
}

/// The model's record: the store's id, what it is, its current value, whether it is live.
struct Rec {
    id: String,
    kind: Kind,
    value: f64,
    live: bool,
    /// Imported from a clinic's file: an official result, never edited by the person (S-21).
    official: bool,
}

struct Directive {
    permit: bool,
    cats: u8,
    from: i64,
    decided: i64,
    flagged: bool,
}

/// What the model says of a category at `t`.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Released,
    /// A flagged permit decides: nothing new goes, nothing is withdrawn.
    AwaitingReconsent,
    Withheld,
}

#[derive(Default)]
struct Model {
    records: Vec<Rec>,
    directives: Vec<Directive>,
}

impl Model {
    fn verdict(&self, bit: u8, t: i64) -> Verdict {
        let deciding = self
            .directives
            .iter()
            .enumerate()
            .filter(|(_, d)| d.cats & bit != 0 && d.from <= t)
            .max_by_key(|(seq, d)| (d.decided, *seq))
            .map(|(_, d)| d);
        match deciding {
            Some(d) if d.permit && d.flagged => Verdict::AwaitingReconsent,
            Some(d) if d.permit => Verdict::Released,
            _ => Verdict::Withheld,
        }
    }

    fn record_verdict(&self, r: &Rec, t: i64) -> Verdict {
        if !r.live || r.kind.bit() == 0 {
            return Verdict::Withheld;
        }
        self.verdict(r.kind.bit(), t)
    }

    fn live(&self) -> Vec<usize> {
        (0..self.records.len())
            .filter(|&i| self.records[i].live)
            .collect()
    }
}

fn categories(cats: u8) -> Vec<DataCategory> {
    let mut out = vec![];
    if cats & VITALS != 0 {
        out.push(DataCategory::Vitals);
    }
    if cats & BODY != 0 {
        out.push(DataCategory::Body);
    }
    if cats & DEMOGRAPHICS != 0 {
        out.push(DataCategory::Demographics);
    }
    out
}

fn stamp(utc_seconds: i64) -> Stamp {
    Stamp {
        utc_seconds,
        offset_seconds: JST,
    }
}

/// A reading taken `n` minutes before the test began (always in the past of the clock).
fn reading(kind: Kind, value: f64, n: usize) -> ClinicalInput {
    let value = match kind {
        Kind::Steps => value * 100.0,
        _ => value,
    };
    ClinicalInput::Observation(ObservationInput::simple(
        kind.observation_type(),
        value,
        stamp(T0 - 3600 - 60 * n as i64),
    ))
}

fn clinic_pulse(n: usize, value: f64) -> Vec<u8> {
    serde_json::json!({
        "resourceType": "Observation", "id": format!("clinic-pulse-{n}"), "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}], "text": "脈拍"},
        "effectiveDateTime": "2027-01-10T07:00:00+09:00",
        "valueQuantity": {"value": value, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}
    })
    .to_string()
    .into_bytes()
}

/// The municipal sample with the guidance purpose worded for the `n`th time.
fn profile(n: usize) -> OperatorProfile {
    let mut p = samples::municipality();
    if n > 0 {
        let purpose = p.purposes.iter_mut().find(|p| p.code == PURPOSE).unwrap();
        purpose.label_ja = format!("{}（第{n}版）", purpose.label_ja);
    }
    p
}

fn is_withdrawn(v: &Value) -> bool {
    v["meta"]["security"]
        .as_array()
        .is_some_and(|l| l.iter().any(|c| c["code"] == "withdrawn"))
}

struct World {
    _dir: tempfile::TempDir,
    s: Session,
    subject: String,
    fake: FakeFhir,
    model: Model,
    profile_versions: usize,
    imports: usize,
    syncs: usize,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::create(dir.path(), "correct horse", common::kdf()).unwrap();
    s.set_clock_for_tests(Some(T0));
    let me = s
        .add_person(NewPerson {
            insurer_number: Some("06139990".into()),
            ..common::person("hanako", "山田", "花子", (1975, 5, 3), Sex::Female)
        })
        .unwrap();
    s.set_operator_profile(profile(0)).unwrap();
    World {
        _dir: dir,
        s,
        subject: me.id,
        fake: FakeFhir::new(),
        model: Model::default(),
        profile_versions: 0,
        imports: 0,
        syncs: 0,
    }
}

fn fail(msg: String) -> Result<(), TestCaseError> {
    Err(TestCaseError::fail(msg))
}

impl World {
    fn now(&self) -> i64 {
        self.s.now().utc_seconds
    }

    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let h = self.subject.clone();
        match *op {
            Op::Log { kind, value } => {
                let n = self.model.records.len();
                let r = self
                    .s
                    .add_record(&h, reading(kind, value.into(), n), Provenance::Device, None)
                    .unwrap();
                self.model.records.push(Rec {
                    id: r.meta.id,
                    kind,
                    value: reading_value(kind, value),
                    live: true,
                    official: false,
                });
            }
            Op::Import { value } => {
                self.imports += 1;
                let json = clinic_pulse(self.imports, value.into());
                let report = self
                    .s
                    .import_fhir(&h, &json, Provenance::ImportedFile, Some("clinic"))
                    .unwrap();
                let id = report.imported[0].record_id.clone().unwrap();
                self.model.records.push(Rec {
                    id,
                    kind: Kind::Pulse,
                    value: value.into(),
                    live: true,
                    official: true,
                });
            }
            Op::Edit { pick, value } => {
                let live = self.model.live();
                if live.is_empty() {
                    return Ok(());
                }
                let i = live[pick % live.len()];
                let kind = self.model.records[i].kind;
                let id = self.model.records[i].id.clone();
                let edited = self
                    .s
                    .update_record(&h, &id, reading(kind, value.into(), i));
                if self.model.records[i].official {
                    // Refused, and nothing changes: what leaves stays the clinic's original.
                    assert!(
                        matches!(&edited, Err(phr_core::Error::InvalidInput { field, .. }) if field == "record"),
                        "{edited:?}"
                    );
                } else {
                    edited.unwrap();
                    self.model.records[i].value = reading_value(kind, value);
                }
            }
            Op::Delete { pick } => {
                let live = self.model.live();
                if live.is_empty() {
                    return Ok(());
                }
                let i = live[pick % live.len()];
                self.s.delete_record(&h, &self.model.records[i].id).unwrap();
                self.model.records[i].live = false;
            }
            Op::Decide {
                permit,
                cats,
                ahead_hours,
            } => {
                let now = self.now();
                let from = now + 3600 * i64::from(ahead_hours);
                let cs = categories(cats);
                let mut req = if permit {
                    ConsentRequest::permit(RECIPIENT, &cs, &[PURPOSE])
                } else {
                    ConsentRequest::deny(RECIPIENT, &cs, &[PURPOSE])
                };
                if ahead_hours > 0 {
                    req.valid_from = Some(stamp(from));
                }
                self.s.set_consent(&h, req).unwrap();
                self.model.directives.push(Directive {
                    permit,
                    cats,
                    from,
                    decided: now,
                    flagged: false,
                });
            }
            Op::ChangeProfile => {
                self.profile_versions += 1;
                self.s
                    .set_operator_profile(profile(self.profile_versions))
                    .unwrap();
                for d in self.model.directives.iter_mut().filter(|d| d.permit) {
                    d.flagged = true;
                }
            }
            Op::Advance { hours } => {
                let t = self.now() + 3600 * i64::from(hours);
                self.s.set_clock_for_tests(Some(t));
            }
            Op::Sync => return self.sync_and_check(),
        }
        Ok(())
    }

    fn sync_and_check(&mut self) -> Result<(), TestCaseError> {
        self.syncs += 1;
        self.fake.forget_requests();
        let opts = SyncOptions {
            batch_size: 7,
            ..SyncOptions::default()
        };
        let report = self
            .s
            .sync_over(
                &self.subject,
                RECIPIENT,
                &opts,
                &NoProgress,
                &mut self.fake.clone(),
            )
            .unwrap();
        let t = self.now();
        let put: Vec<String> = self
            .fake
            .requests()
            .iter()
            .flat_map(|r| r.entries.clone())
            .filter_map(|e| e.strip_prefix("PUT ").map(str::to_owned))
            .collect();
        for r in &self.model.records {
            let address = format!("Observation/{}", r.id);
            let held = self.fake.resource(&address).filter(|v| !is_withdrawn(v));
            let verdict = self.model.record_verdict(r, t);
            let sent = put.contains(&address);
            match verdict {
                Verdict::Released => match &held {
                    Some(v) if v["valueQuantity"]["value"].as_f64() == Some(r.value) => {}
                    other => {
                        return fail(format!(
                            "{address} ({:?}) released at {t} but the server holds {other:?}",
                            r.kind
                        ));
                    }
                },
                Verdict::AwaitingReconsent if sent && held.is_some() => {
                    return fail(format!(
                        "{address} sent with content while its permit awaits re-consent"
                    ));
                }
                Verdict::AwaitingReconsent => {}
                Verdict::Withheld if held.is_some() => {
                    return fail(format!(
                        "{address} ({:?}, live {}) withheld at {t} but the server still holds it \
                         (report: {report:?})",
                        r.kind, r.live
                    ));
                }
                Verdict::Withheld => {}
            }
        }
        // Nothing else reached the server: every Observation there is a record of the model.
        for id in self.fake.ids("Observation") {
            if !self.model.records.iter().any(|r| r.id == id) {
                return fail(format!("Observation/{id} is no record of the subject"));
            }
        }
        self.check_patient(t)
    }

    fn check_patient(&self, t: i64) -> Result<(), TestCaseError> {
        let demographics = self.model.verdict(DEMOGRAPHICS, t);
        for id in self.fake.ids("Patient") {
            let p = self.fake.resource(&format!("Patient/{id}")).unwrap();
            for never in ["name", "gender", "address", "telecom"] {
                if p.get(never).is_some() {
                    return fail(format!("the Patient carries {never}: {p}"));
                }
            }
            let has_birth = p.get("birthDate").is_some();
            let has_insurer = p.get("identifier").is_some();
            match demographics {
                Verdict::Released if !has_birth || !has_insurer => {
                    return fail(format!(
                        "demographics released at {t}, the Patient lacks them: {p}"
                    ));
                }
                Verdict::Withheld if has_birth || has_insurer => {
                    return fail(format!(
                        "demographics withheld at {t}, the Patient has them: {p}"
                    ));
                }
                _ => {}
            }
        }
        if demographics == Verdict::Released && self.fake.ids("Patient").is_empty() {
            return fail(format!("demographics released at {t}, no Patient sent"));
        }
        // Referential integrity: what a record points at is there (a server may enforce it).
        for id in self.fake.ids("Observation") {
            let o = self.fake.resource(&format!("Observation/{id}")).unwrap();
            let to = o["subject"]["reference"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if self.fake.resource(&to).is_none() {
                return fail(format!(
                    "Observation/{id} points at {to}, which is not there"
                ));
            }
        }
        Ok(())
    }
}

fn reading_value(kind: Kind, value: u8) -> f64 {
    match kind {
        Kind::Steps => f64::from(value) * 100.0,
        _ => f64::from(value),
    }
}

fn cases() -> u32 {
    std::env::var("PHR_CONSENT_E2E_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

#[test]
fn nothing_reaches_the_recipient_that_the_model_does_not_release_and_withdrawn_is_gone() {
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let steps = proptest::collection::vec(op(), 1..48);
    runner
        .run(&steps, |ops| {
            let mut w = world();
            for op in &ops {
                w.apply(op)?;
            }
            // Every sequence ends with a sync, so each case checks at least once.
            w.sync_and_check()?;
            prop_assert!(w.syncs >= 1);
            Ok(())
        })
        .unwrap();
}
