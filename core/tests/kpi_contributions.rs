//! KPI contributions (issue #19 items 4–6) with the sample municipal profile's evaluation
//! programme: definitions outside the rules are refused naming the field; a contribution leaves
//! only through the gate, with consent for the evaluation purpose, under the programme's
//! pseudonym; no identifier, birth date or free text is ever in one (property test); the
//! municipality's aggregation counts each contribution once and withholds small groups; the
//! MeasureReports validate in fhir.resources (R4).

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_support;
#[path = "common/fhir_validators.rs"]
mod validators;

use chrono::NaiveDate;
use common::steps_on;
use phr_core::consent::{
    ConsentRequest, DataCategory, KpiDefinition, KpiGroup, KpiMeasure, KpiPeriod, OperatorProfile,
    samples,
};
use phr_core::fhir::measure_report::{contribution_resource, summary_report};
use phr_core::kpi::{self, Aggregator, KpiFacts, contribution};
use phr_core::records::{Provenance, Sex};
use phr_core::{Error, Session};
use proptest::prelude::*;
use serde_json::Value;

const PURPOSE: &str = "health_plan_evaluation";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn noon_jst(d: NaiveDate) -> i64 {
    d.and_hms_opt(3, 0, 0).unwrap().and_utc().timestamp()
}

fn sample_json() -> Value {
    serde_json::from_str(samples::MUNICIPALITY_JSON).unwrap()
}

fn refused(edit: impl FnOnce(&mut Value)) -> String {
    let mut v = sample_json();
    edit(&mut v);
    match OperatorProfile::from_json(&v.to_string()) {
        Err(Error::InvalidInput { field, .. }) => field,
        other => panic!("not refused: {other:?}"),
    }
}

#[test]
fn definitions_outside_the_rules_are_refused_naming_the_field() {
    assert!(OperatorProfile::from_json(samples::MUNICIPALITY_JSON).is_ok());
    let f = refused(|v| {
        v["kpis"][0]
            .as_object_mut()
            .unwrap()
            .remove("statutory_basis");
    });
    assert_eq!(
        f, "kpis[0].statutory_basis",
        "a municipal KPI cites its law"
    );
    assert_eq!(
        refused(|v| v["kpis"][1]["min_group"] = 4.into()),
        "kpis[1].min_group"
    );
    assert_eq!(
        refused(|v| v["kpis"][0]["purpose"] = "walking_campaign".into()),
        "kpis[0].purpose",
        "records leave for that purpose: it is not an evaluation purpose"
    );
    assert_eq!(
        refused(|v| v["kpis"][0]["measure"] = "minute_steps".into()),
        "operator_profile",
        "no measure of minute data exists"
    );
    assert_eq!(
        refused(|v| v["kpis"][2]["band"] = 1.into()),
        "kpis[2].band",
        "attendance is yes or no"
    );
    assert_eq!(
        refused(|v| v["kpis"][1]["periods"][0]["to"] = "2026-04-20".into()),
        "kpis[1].periods[0].to",
        "a weight change needs 28 days"
    );
    assert_eq!(
        refused(|v| v["kpis"][0]["target"] = 8000.25.into()),
        "operator_profile",
        "one decimal at most"
    );
    let f = refused(|v| {
        let p = v["purposes"].as_array_mut().unwrap().last_mut().unwrap();
        p["categories"]
            .as_array_mut()
            .unwrap()
            .push("demographics".into());
        p["demographics"] = serde_json::json!(["birth_date"]);
    });
    assert!(
        f.ends_with(".categories"),
        "{f}: a contributions-only purpose takes no demographics"
    );
    let f = refused(|v| {
        let p = v["purposes"].as_array_mut().unwrap().last_mut().unwrap();
        p["categories"] = serde_json::json!(["lifelog"]);
    });
    assert_eq!(
        f, "kpis[1].purpose",
        "the purpose must cover body for a weight KPI"
    );
}

/// Hanako (born 1975, female) with 150 days of 9,000 steps in FY2026 H1 and today 2026-12-04.
fn setup() -> (tempfile::TempDir, Session, String) {
    let (dir, s, hanako, _) = common::session_with_two();
    s.set_clock_for_tests(Some(noon_jst(day(2026, 12, 4))));
    s.set_operator_profile(samples::municipality()).unwrap();
    let inputs: Vec<_> = day(2026, 4, 1)
        .iter_days()
        .take(150)
        .map(|d| steps_on(d, 9_000.0))
        .collect();
    s.add_records(&hanako.id, inputs, Provenance::Device, None)
        .unwrap();
    (dir, s, hanako.id)
}

fn permit(s: &Session, h: &str, c: DataCategory) {
    s.set_consent(h, ConsentRequest::permit("health-dept", &[c], &[PURPOSE]))
        .unwrap();
}

#[test]
fn nothing_is_released_without_consent_for_the_evaluation_purpose() {
    let (_d, s, h) = setup();
    let all = s.kpi_contributions(&h).unwrap();
    assert_eq!(all.len(), 4, "one per KPI of the profile");
    assert!(
        all.iter()
            .all(|r| !r.permitted() && r.contributions().is_empty())
    );
    // Consent for another purpose of the same recipient does not count.
    s.set_consent(
        &h,
        ConsentRequest::permit(
            "health-dept",
            &[DataCategory::Lifelog],
            &["specific_health_guidance"],
        ),
    )
    .ok();
    assert!(
        s.kpi_contributions(&h)
            .unwrap()
            .iter()
            .all(|r| !r.permitted())
    );
}

#[test]
fn a_consented_contribution_is_coarse_pseudonymous_and_stable() {
    let (_d, s, h) = setup();
    permit(&s, &h, DataCategory::Lifelog);
    let all = s.kpi_contributions(&h).unwrap();
    let steps = all.iter().find(|r| r.kpi().id == "steps-8000").unwrap();
    assert!(steps.permitted());
    // H1 is over; H2 (to 2027-03-31) is not, so it is not released yet.
    let [c] = steps.contributions() else {
        panic!("{:?}", steps.contributions())
    };
    assert_eq!(c.period, "fy2026-h1");
    assert_eq!(c.band.as_deref(), Some("9000..10000"));
    assert!(c.meets);
    assert_eq!(
        c.groups,
        vec![
            (KpiGroup::AgeBand, "50-59".into()),
            (KpiGroup::Sex, "female".into())
        ]
    );
    // Only the KPI consented to: body and checkup KPIs stay home.
    assert!(
        all.iter()
            .filter(|r| r.kpi().id != "steps-8000")
            .all(|r| !r.permitted())
    );
    let report = phr_core::fhir::measure_report::contribution_report(steps, c).unwrap();
    let text = report.to_string();
    for secret in [h.as_str(), "花子", "山田", "1975", "9000\""] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(report.get("date").is_none() && report["subject"].get("reference").is_none());
    // The same pseudonym on every read; a withdrawal stops the release.
    let again = s.kpi_contributions(&h).unwrap();
    let again = again.iter().find(|r| r.kpi().id == "steps-8000").unwrap();
    assert_eq!(again.pseudonym(), steps.pseudonym());
    s.set_consent(
        &h,
        ConsentRequest::deny("health-dept", &[DataCategory::Lifelog], &[PURPOSE]),
    )
    .unwrap();
    let after = s.kpi_contributions(&h).unwrap();
    assert!(after.iter().all(|r| !r.permitted()));
    // The release is audited, naming the keys (never a value).
    let audit = s.audit_entries(1000, None).unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "kpi_contributions_released"
                && e.record_ids.iter().any(|k| k == "kpi:steps-8000:fy2026-h1"))
    );
}

fn kpi(measure: KpiMeasure, groups: Vec<KpiGroup>) -> KpiDefinition {
    KpiDefinition {
        id: "k".into(),
        name_ja: "指標".into(),
        name_en: "KPI".into(),
        programme: "prog".into(),
        measure,
        periods: vec![KpiPeriod {
            id: "p1".into(),
            from: day(2026, 4, 1),
            to: day(2026, 9, 30),
        }],
        recipient: "health-dept".into(),
        purpose: PURPOSE.into(),
        statutory_basis: Some("健康増進法 第8条".into()),
        min_group: None,
        band: None,
        target: None,
        groups,
    }
}

/// The characters a contribution may hold in any string: codes, systems, bands, hex. No
/// letter outside ASCII (a name, a note), no space (free text).
fn only_codes(v: &Value, path: &str) -> Result<(), String> {
    match v {
        Value::String(s) => {
            let ok = s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ":/.-_+|".contains(c));
            if ok {
                Ok(())
            } else {
                Err(format!("{path} = {s:?}"))
            }
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| only_codes(x, &format!("{path}[{i}]"))),
        Value::Object(o) => o
            .iter()
            .try_for_each(|(k, x)| only_codes(x, &format!("{path}.{k}"))),
        _ => Ok(()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the person and their data, a contribution holds no identifier, no birth date in
    /// any form and no free text (a name, a note): only codes, the period's own dates and bands.
    #[test]
    fn no_identifier_birth_date_or_free_text_in_any_contribution(
        id in "[a-z0-9-]{8,36}",
        birth in (1920i32..2010, 1u32..13, 1u32..29),
        sex in prop_oneof![Just(Sex::Male), Just(Sex::Female), Just(Sex::Other), Just(Sex::Unknown)],
        steps in proptest::collection::btree_map(0u32..183, 1u32..60_000, 0..183),
        weights in proptest::collection::btree_map(0u32..183, 300u32..1500, 0..10),
        measure in prop_oneof![Just(KpiMeasure::StepsAverage), Just(KpiMeasure::WeightChange),
                               Just(KpiMeasure::CheckupAttendance)],
        key in proptest::array::uniform32(any::<u8>()),
    ) {
        let k = kpi(measure, vec![KpiGroup::AgeBand, KpiGroup::Sex]);
        let birth_date = day(birth.0, birth.1, birth.2);
        let p = &k.periods[0];
        let facts = KpiFacts {
            birth_date: Some(birth_date),
            sex: Some(sex),
            daily_steps: steps.iter().map(|(d, n)| (p.from + chrono::Duration::days(i64::from(*d)), *n)).collect(),
            daily_weight: weights.iter().map(|(d, w)| (p.from + chrono::Duration::days(i64::from(*d)), f64::from(*w) / 10.0)).collect(),
            checkups: vec![],
        };
        let Some(c) = contribution(&k, p, &facts, day(2026, 12, 4)) else { return Ok(()) };
        let key = phr_core::crypto::SecretKey::from_bytes(key);
        let pseudonym = kpi::pseudonym(&key, &id);
        let v = contribution_resource(&k, &pseudonym, &c).unwrap();
        let text = v.to_string();
        prop_assert!(!text.contains(&id), "the person id");
        for form in [birth_date.format("%Y-%m-%d").to_string(), birth_date.format("%Y%m%d").to_string()] {
            prop_assert!(!text.contains(&form), "birth date {form}");
        }
        prop_assert_eq!(only_codes(&v, "$"), Ok(()));
        // Dates are the period's own, nothing else.
        prop_assert_eq!(&v["period"]["start"], "2026-04-01");
        prop_assert_eq!(&v["period"]["end"], "2026-09-30");
        prop_assert!(v.get("date").is_none() && v.get("text").is_none() && v.get("contained").is_none());
    }
}

fn contribution_of(k: &KpiDefinition, n: u64, meets: bool, sex: &str) -> Value {
    let c = kpi::Contribution {
        kpi: k.id.clone(),
        period: "p1".into(),
        band: k.band_width().map(|_| "8000..9000".to_owned()),
        meets,
        groups: vec![(KpiGroup::Sex, sex.to_owned())],
    };
    contribution_resource(k, &format!("{n:064x}"), &c).unwrap()
}

#[test]
fn small_groups_are_withheld_and_a_contribution_counts_once() {
    let k = kpi(KpiMeasure::StepsAverage, vec![KpiGroup::Sex]);
    let kpis = vec![k.clone()];
    let mut agg = Aggregator::new(&kpis);
    // 30 women (20 meet), 3 men (all meet): sent twice each, the second time in a Bundle.
    let all: Vec<Value> = (0..33)
        .map(|i| {
            contribution_of(
                &k,
                i,
                !(20..30).contains(&i),
                if i < 30 { "female" } else { "male" },
            )
        })
        .collect();
    for v in &all {
        agg.add_json(v.to_string().as_bytes());
    }
    let bundle = serde_json::json!({"resourceType": "Bundle", "type": "searchset",
        "entry": all.iter().map(|r| serde_json::json!({"resource": r})).collect::<Vec<_>>()});
    agg.add_json(bundle.to_string().as_bytes());
    agg.add_json(b"{not json");
    agg.add_json(br#"{"resourceType":"Observation"}"#);
    assert_eq!(agg.counted(), 33);
    assert_eq!(agg.duplicates, 33);
    assert_eq!(agg.skipped.values().sum::<u64>(), 2);
    let figures = agg.finish();
    let [f] = figures.as_slice() else { panic!() };
    assert_eq!(f.total.participants, Some(33));
    assert_eq!(f.total.meeting, Some(23));
    let sex = |v: &str| {
        f.strata
            .iter()
            .find(|s| s.stratifier == "sex" && s.value == v)
            .unwrap()
    };
    assert_eq!(sex("male").counts.participants, None, "3 men: withheld");
    assert_eq!(
        sex("female").counts.participants,
        None,
        "30 women = 33 − 3 would tell the men's count: withheld too (secondary)"
    );
    let csv = kpi::to_csv(&figures);
    assert!(csv.contains(",sex,male,<10,<10,"), "{csv}");
    assert!(!csv.contains(",3,"), "{csv}");
    // Under the group size nothing at all is published.
    let mut few = Aggregator::new(&kpis);
    for v in &all[..9] {
        few.add_json(v.to_string().as_bytes());
    }
    let f = &few.finish()[0];
    assert_eq!((f.total.participants, f.total.meeting), (None, None));
    assert!(f.strata.is_empty());
}

#[test]
#[cfg_attr(
    not(feature = "validators"),
    ignore = "needs Python fhir.resources: scripts/test.sh installs it and runs this with --features phr-core/validators"
)]
fn contributions_and_the_summary_are_valid_r4_measure_reports() {
    let profile = samples::municipality();
    let mut entries = vec![];
    let mut agg = Aggregator::new(&profile.kpis);
    for (i, k) in profile.kpis.iter().enumerate() {
        for n in 0..12u64 {
            let c = kpi::Contribution {
                kpi: k.id.clone(),
                period: k.periods[0].id.clone(),
                band: k
                    .band_width()
                    .map(|w| kpi::band_of(k.measure, i64::from(w.0), 0)),
                meets: n % 2 == 0,
                groups: k.groups.iter().map(|g| (*g, "x".to_owned())).collect(),
            };
            let v = contribution_resource(k, &format!("{:064x}", n * 10 + i as u64), &c).unwrap();
            agg.add_json(v.to_string().as_bytes());
            entries.push(serde_json::json!({ "resource": v }));
        }
    }
    for f in agg.finish() {
        let v = summary_report(f.kpi, f.period, &f.total, &f.strata, "2027-04-01T00:00:00Z");
        entries.push(serde_json::json!({ "resource": v }));
    }
    let n = entries.len();
    let b = serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": entries});
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("kpi.json");
    std::fs::write(&file, b.to_string()).unwrap();
    assert_eq!(validators::python_fhir_resources(&file), Ok(n));
}

#[test]
fn contributions_reach_the_recipient_by_sync_change_with_late_data_and_go_with_a_withdrawal() {
    use phr_core::sync::NoProgress;
    use phr_core::sync::fake::FakeFhir;
    let (_d, s, h) = setup();
    let fake = FakeFhir::new();
    let sync = |s: &Session| {
        s.sync_over(
            &h,
            "health-dept",
            &sync_support::options(),
            &NoProgress,
            &mut fake.clone(),
        )
        .unwrap()
    };
    // Without consent nothing goes (and no Patient: nothing points at one).
    let r = sync(&s);
    assert_eq!(r.contributions_sent, 0);
    assert!(fake.ids("MeasureReport").is_empty() && fake.ids("Patient").is_empty());
    permit(&s, &h, DataCategory::Lifelog);
    let r = sync(&s);
    assert_eq!(r.contributions_sent, 1);
    let ids = fake.ids("MeasureReport");
    let [id] = ids.as_slice() else {
        panic!("{ids:?}")
    };
    let there = fake.resource(&format!("MeasureReport/{id}")).unwrap();
    assert_eq!(there["type"], "individual");
    assert!(
        fake.ids("Patient").is_empty(),
        "a contribution points at no Patient"
    );
    assert!(!there.to_string().contains(&h));
    let provided = |s: &Session| -> Vec<(phr_core::provision::Form, u32)> {
        let log = s.provision_log(&h).unwrap();
        log.iter().map(|e| (e.form, e.item_count)).collect()
    };
    let contributions = phr_core::provision::Form::KpiContributions;
    assert_eq!(
        provided(&s),
        vec![(contributions, 1)],
        "in the provision log"
    );
    // Unchanged: nothing sent (nor logged). Late data lowering the average: sent again, same id.
    assert_eq!(sync(&s).contributions_sent, 0);
    assert_eq!(provided(&s).len(), 1);
    let more: Vec<_> = day(2026, 8, 29)
        .iter_days()
        .take(33)
        .map(|d| steps_on(d, 1_000.0))
        .collect();
    s.add_records(&h, more, Provenance::Device, None).unwrap();
    assert_eq!(sync(&s).contributions_sent, 1);
    assert_eq!(fake.ids("MeasureReport"), ids);
    let again = fake.resource(&format!("MeasureReport/{id}")).unwrap();
    assert_ne!(again["group"], there["group"], "the band or result changed");
    // A withdrawal deletes the copy.
    s.set_consent(
        &h,
        ConsentRequest::deny("health-dept", &[DataCategory::Lifelog], &[PURPOSE]),
    )
    .unwrap();
    sync(&s);
    assert!(fake.ids("MeasureReport").is_empty());
}
