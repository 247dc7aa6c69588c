//! KPI contributions and their aggregate as FHIR R4 `MeasureReport`s (issue #19 items 4, 5).
//!
//! A contribution is an `individual` report whose subject is only the programme pseudonym (an
//! identifier, no reference to any Patient), with the KPI's populations (1 in the initial
//! population and denominator, 1 or 0 in the numerator) and one stratum per stratifier: the
//! value band and each breakdown. Its id is derived from the pseudonym, the KPI and the
//! period, so a contribution sent again replaces itself, and a recipient that knows the person
//! id cannot find it. No `date`: the instant of release would tell when the resident synced.
//!
//! The summary is a `summary` report per KPI and period: the counts, the share meeting the
//! target as `measureScore`, and the strata; a count withheld for a small group carries
//! the data-absent-reason `masked` instead of a number.

use crate::consent::{KpiDefinition, KpiPeriod, ReleasedContributions};
use crate::kpi::Contribution;
use crate::records::derived_id;
use serde_json::{Value, json};

pub const POPULATION_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/measure-population";
pub const KPI_SYSTEM: &str = "urn:phr-core:kpi";
pub const STRATIFIER_SYSTEM: &str = "urn:phr-core:kpi-stratifier";
pub const PROGRAMME_TAG_SYSTEM: &str = "urn:phr-core:kpi-programme";
/// The stratifier of the value band.
pub const BAND: &str = "band";
const DATA_ABSENT: &str = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";

/// The identifier system of a programme's pseudonyms.
pub fn pseudonym_system(programme: &str) -> String {
    format!("urn:phr-core:kpi-pseudonym:{programme}")
}

/// The value system of a stratifier's strata.
pub fn stratum_system(kpi: &str, stratifier: &str) -> String {
    format!("urn:phr-core:kpi:{kpi}:{stratifier}")
}

fn population(code: &str, count: Option<u64>) -> Value {
    let mut p = json!({ "code": { "coding": [{ "system": POPULATION_SYSTEM, "code": code }] } });
    match count {
        Some(n) => p["count"] = json!(n),
        None => p["_count"] = masked(),
    }
    p
}

fn masked() -> Value {
    json!({ "extension": [{ "url": DATA_ABSENT, "valueCode": "masked" }] })
}

fn coded(system: &str, code: &str) -> Value {
    json!({ "coding": [{ "system": system, "code": code }] })
}

fn period_of(p: &KpiPeriod) -> Value {
    json!({ "start": p.from.to_string(), "end": p.to.to_string() })
}

/// The `individual` MeasureReport of one released contribution.
pub fn contribution_report(r: &ReleasedContributions, c: &Contribution) -> Option<Value> {
    let k = r.kpi();
    contribution_resource(k, r.pseudonym(), c)
}

/// The `individual` MeasureReport of `c` to `k` under `pseudonym` (what leaves is only ever
/// what [`contribution_report`] makes of the gate's release; this form also makes synthetic
/// contributions for sizing the municipality's side).
pub fn contribution_resource(
    k: &KpiDefinition,
    pseudonym: &str,
    c: &Contribution,
) -> Option<Value> {
    let period = k.period(&c.period)?;
    let one = |s: &str, v: &str| {
        json!({
            "code": [coded(STRATIFIER_SYSTEM, s)],
            "stratum": [{ "value": coded(&stratum_system(&k.id, s), v),
                          "population": [population("initial-population", Some(1))] }]
        })
    };
    let mut strata = vec![];
    if let Some(b) = &c.band {
        strata.push(one(BAND, b));
    }
    for (g, v) in &c.groups {
        strata.push(one(g.as_str(), v));
    }
    let mut group = json!({
        "code": coded(KPI_SYSTEM, &k.id),
        "population": [
            population("initial-population", Some(1)),
            population("denominator", Some(1)),
            population("numerator", Some(u64::from(c.meets))),
        ],
    });
    if !strata.is_empty() {
        group["stratifier"] = Value::Array(strata);
    }
    Some(json!({
        "resourceType": "MeasureReport",
        "id": derived_id(&[b"kpi-contribution", k.programme.as_bytes(), pseudonym.as_bytes(),
                           c.kpi.as_bytes(), c.period.as_bytes()]),
        "meta": { "tag": [{ "system": PROGRAMME_TAG_SYSTEM, "code": k.programme }] },
        "status": "complete",
        "type": "individual",
        "measure": k.measure_url(),
        "subject": { "identifier": { "system": pseudonym_system(&k.programme),
                                      "value": pseudonym } },
        "period": period_of(period),
        "group": [group],
    }))
}

/// One published (or withheld) count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub participants: Option<u64>,
    pub meeting: Option<u64>,
}

/// A stratum of the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryStratum {
    pub stratifier: String,
    pub value: String,
    pub counts: Published,
}

/// The `summary` MeasureReport of `k` over `period`, from the published counts.
pub fn summary_report(
    k: &KpiDefinition,
    period: &KpiPeriod,
    total: &Published,
    strata: &[SummaryStratum],
    generated: &str,
) -> Value {
    let pops = |c: &Published| {
        vec![
            population("initial-population", c.participants),
            population("denominator", c.participants),
            population("numerator", c.meeting),
        ]
    };
    let mut group = json!({ "code": coded(KPI_SYSTEM, &k.id), "population": pops(total) });
    if let (Some(n), Some(m)) = (total.participants, total.meeting)
        && n > 0
    {
        group["measureScore"] = json!({ "value": round4(m as f64 / n as f64), "unit": "1",
                                        "system": "http://unitsofmeasure.org", "code": "1" });
    }
    let mut by: Vec<(&str, Vec<Value>)> = vec![];
    for s in strata {
        let mut stratum = json!({
            "value": coded(&stratum_system(&k.id, &s.stratifier), &s.value),
            "population": pops(&s.counts),
        });
        if let (Some(n), Some(m)) = (s.counts.participants, s.counts.meeting)
            && n > 0
        {
            stratum["measureScore"] = json!({ "value": round4(m as f64 / n as f64) });
        }
        match by.iter_mut().find(|(name, _)| *name == s.stratifier) {
            Some((_, v)) => v.push(stratum),
            None => by.push((&s.stratifier, vec![stratum])),
        }
    }
    if !by.is_empty() {
        group["stratifier"] = by
            .into_iter()
            .map(|(name, stratum)| {
                json!({ "code": [coded(STRATIFIER_SYSTEM, name)], "stratum": stratum })
            })
            .collect();
    }
    json!({
        "resourceType": "MeasureReport",
        "id": derived_id(&[b"kpi-summary", k.programme.as_bytes(), k.id.as_bytes(),
                           period.id.as_bytes()]),
        "status": "complete",
        "type": "summary",
        "measure": k.measure_url(),
        "date": generated,
        "period": period_of(period),
        "improvementNotation": coded(
            "http://terminology.hl7.org/CodeSystem/measure-improvement-notation", "increase"),
        "group": [group],
    })
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
