//! A health checkup (健診) → one Observation per result line plus a JP_DiagnosticReport_Common
//! for the checkup itself, whose `result` references the lines and whose `conclusion` is the
//! doctor's judgement (医師の判断). A FHIR document (Composition) was not chosen: a `collection`
//! Bundle of the whole record has no single author or attester to sign a document for.
//!
//! Lines are coded with the 特定健診 item code (OID 1.2.392.200119.6.1005); laboratory items'
//! 17-digit codes are JLAC10 codes too, so they also carry the JLAC10 coding. Height, weight,
//! BMI, waist and blood pressure lines take the body-measurement / vital-signs profile and a LOINC
//! translation; every other line is JP_Observation_LabResult.

use super::codes::system;
use super::context::{Ctx, Mapped};
use super::datatypes::obj;
use super::datatypes::{
    coding, coding_display, concept_of, date, derived_id, display_reference, meta, quantity,
    reference, uuid_identifier,
};
use super::observation::ObservationClass;
use super::specimen::Material;
use crate::records::{Checkup, CheckupCodeSystem, CheckupResult, RecordMeta};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The class of a result line and its LOINC translation, when the item is one we know.
fn classify(r: &CheckupResult) -> (ObservationClass, Option<&'static str>) {
    use ObservationClass::*;
    let c = r.code.as_str();
    match r.code_system {
        CheckupCodeSystem::Tokutei => {
            // MHLW 2024 特定健診 item table (XMLhc24tab): 9N001 身長, 9N006 体重, 9N011 BMI,
            // 9N016 腹囲, 9A751/2/5 収縮期血圧, 9A761/2/5 拡張期血圧, 9N121 心拍数,
            // 3D046 HbA1c (NGSP), 3D010 0000 空腹時血糖 / 1299 随時血糖.
            let prefix = |p: &str| c.starts_with(p);
            if prefix("9N001") {
                (BodyMeasurement, Some("8302-2"))
            } else if prefix("9N006") {
                (BodyMeasurement, Some("29463-7"))
            } else if prefix("9N011") {
                (BodyMeasurement, Some("39156-5"))
            } else if prefix("9N016") {
                (BodyMeasurement, Some("8280-0"))
            } else if prefix("9A751") || prefix("9A752") || prefix("9A755") {
                (VitalSigns, Some("8480-6"))
            } else if prefix("9A761") || prefix("9A762") || prefix("9A765") {
                (VitalSigns, Some("8462-4"))
            } else if prefix("9N121") {
                (VitalSigns, Some("8867-4"))
            } else if prefix("3D046") {
                (Laboratory, Some("4548-4"))
            } else if prefix("3D0100000") {
                (Laboratory, Some("1558-6"))
            } else if prefix("3D0101299") {
                (Laboratory, Some("2339-0"))
            } else if Material::of_jlac10(c).is_some() {
                (Laboratory, None)
            } else {
                // 9…: examinations, questions, judgements; Z…: additional items of the table.
                (Exam, None)
            }
        }
        CheckupCodeSystem::Jlac10 if Material::of_jlac10(c).is_none() => (Exam, None),
        CheckupCodeSystem::Jlac10 => (Laboratory, None),
        CheckupCodeSystem::Loinc => match c {
            "8302-2" | "29463-7" | "39156-5" | "8280-0" | "41982-0" => (BodyMeasurement, None),
            "85354-9" | "8480-6" | "8462-4" | "8867-4" | "8310-5" | "59408-5" => (VitalSigns, None),
            _ => (Laboratory, None),
        },
    }
}

fn codings(r: &CheckupResult, loinc: Option<&str>) -> Vec<Value> {
    let mut out = Vec::with_capacity(3);
    match r.code_system {
        CheckupCodeSystem::Tokutei => {
            out.push(coding_display(system::TOKUTEI_ITEM, &r.code, &r.name));
            // Items starting with 9 are examinations and questions, not laboratory tests.
            if !r.code.starts_with('9') {
                out.push(coding(system::JLAC10, &r.code));
            }
        }
        CheckupCodeSystem::Jlac10 => out.push(coding_display(system::JLAC10, &r.code, &r.name)),
        CheckupCodeSystem::Loinc => out.push(coding_display(system::LOINC, &r.code, &r.name)),
    }
    if let Some(l) = loinc {
        out.push(coding(system::LOINC, l));
    }
    out
}

fn interpretation(flag: &str) -> Option<Value> {
    let display = match flag {
        "H" => "High",
        "L" => "Low",
        "N" => "Normal",
        "A" => "Abnormal",
        _ => return None,
    };
    Some(Value::Array(vec![obj! {
        "coding" => Value::Array(vec![coding_display(system::INTERPRETATION, flag, display)]),
    }]))
}

fn result_line(ctx: &Ctx<'_>, m: &RecordMeta, c: &Checkup, r: &CheckupResult, id: String) -> Value {
    let (class, loinc) = classify(r);
    let mut o = Map::new();
    o.insert("resourceType".into(), Value::from("Observation"));
    o.insert("id".into(), Value::from(id.as_str()));
    let material = (class == ObservationClass::Laboratory)
        .then(|| Material::of_jlac10(&r.code))
        .flatten();
    // JP_Observation_LabResult requires a specimen: a laboratory line whose specimen is not
    // known (a LOINC-coded one) is a JP_Observation_Common of category laboratory.
    let profile = match (class, material) {
        (ObservationClass::Laboratory, None) => super::codes::profile::OBSERVATION_COMMON,
        _ => class.profile(),
    };
    o.insert("meta".into(), meta(Some(profile), Some(m.updated)));
    o.insert("identifier".into(), uuid_identifier(&id));
    o.insert("status".into(), Value::from("final"));
    o.insert("category".into(), class.category().to_value());
    o.insert(
        "code".into(),
        concept_of(codings(r, loinc), Some(r.name.as_str())),
    );
    o.insert("subject".into(), reference(&ctx.patient));
    o.insert(
        "effectiveDateTime".into(),
        Value::from(m.effective_text.clone().unwrap_or_else(|| date(c.date))),
    );
    let unit = r.unit.as_deref();
    let mut text_used = false;
    if let Some(v) = r.value_num {
        o.insert("valueQuantity".into(), quantity(v, unit));
    } else if let Some(code) = &r.value_code {
        text_used = r.value_text.is_some();
        // With its result-code system: as imported, else the item's (メタボ判定 …6.1008).
        let system = r.value_system.clone().or_else(|| {
            (r.code_system == CheckupCodeSystem::Tokutei)
                .then(|| crate::checkup_xml::lookup_item(&r.code))
                .flatten()
                .map(|i| i.result_code_system)
                .filter(|s| !s.is_empty())
                .map(|oid| format!("urn:oid:{oid}"))
        });
        let coding = match system {
            Some(s) => obj! { "code" => code.as_str(), "system" => s },
            None => obj! { "code" => code.as_str() },
        };
        o.insert(
            "valueCodeableConcept".into(),
            obj! { "coding" => Value::Array(vec![coding]) },
        );
        if let Some(t) = &r.value_text {
            o["valueCodeableConcept"]["text"] = Value::from(t.as_str());
        }
    } else if let Some(t) = &r.value_text {
        text_used = true;
        o.insert("valueString".into(), Value::from(t.as_str()));
    }
    if let (Some(t), false) = (&r.value_text, text_used) {
        o.insert(
            "note".into(),
            Value::Array(vec![obj! { "text" => t.as_str() }]),
        );
    }
    if let Some(m) = material {
        let (contained, specimen) = crate::fhir::specimen::specimen_values(m);
        o.insert("contained".into(), contained);
        o.insert("specimen".into(), specimen);
    }
    if let Some(i) = r.flag.as_deref().and_then(interpretation) {
        o.insert("interpretation".into(), i);
    }
    if r.ref_low.is_some() || r.ref_high.is_some() {
        let mut range = Map::new();
        if let Some(lo) = r.ref_low {
            range.insert("low".into(), quantity(lo, unit));
        }
        if let Some(hi) = r.ref_high {
            range.insert("high".into(), quantity(hi, unit));
        }
        range.insert(
            "type".into(),
            obj! {
                "coding" => Value::Array(vec![coding(system::REFERENCE_RANGE_MEANING, "normal")]),
            },
        );
        o.insert(
            "referenceRange".into(),
            Value::Array(vec![Value::Object(range)]),
        );
    }
    Value::Object(o)
}

fn report_code(program: &str) -> Value {
    match program {
        "specific_health_checkup" => concept_of(
            vec![coding_display(
                system::CHECKUP_REPORT_KIND,
                "10",
                "特定健診情報",
            )],
            Some("特定健康診査"),
        ),
        "general" => concept_of(vec![], Some("一般健康診断")),
        _ => concept_of(vec![], Some("健康診断")),
    }
}

/// The result lines (each with an id derived from the checkup's id, the item code and how many
/// times the code came before, so ids survive a reordering) and then the DiagnosticReport.
pub(crate) fn checkup(ctx: &Ctx<'_>, m: &RecordMeta, c: &Checkup, id: String) -> Vec<Mapped> {
    let mut seen: HashMap<&str, u32> = HashMap::new();
    let mut out = Vec::with_capacity(c.results.len() + 1);
    for r in &c.results {
        let nth = seen.entry(r.code.as_str()).or_insert(0);
        let line_id = derived_id(&[
            b"checkup-result",
            id.as_bytes(),
            r.code.as_bytes(),
            &nth.to_be_bytes(),
        ]);
        *nth += 1;
        let resource = result_line(ctx, m, c, r, line_id.clone());
        out.push(Mapped {
            id: line_id,
            resource,
        });
    }
    let mut performer = display_reference(&c.institution);
    if let Some(code) = &c.institution_code {
        performer["identifier"] =
            obj! { "system" => system::CHECKUP_INSTITUTION, "value" => code.as_str() };
    }
    let mut report = obj! {
        "resourceType" => "DiagnosticReport",
        "id" => id.as_str(),
        "meta" => meta(Some(super::codes::profile::DIAGNOSTIC_REPORT_COMMON), Some(m.updated)),
        "identifier" => uuid_identifier(&id),
        "status" => "final",
        "code" => report_code(&c.program),
        "subject" => reference(&ctx.patient),
        "effectiveDateTime" => m.effective_text.clone().unwrap_or_else(|| date(c.date)),
        "performer" => Value::Array(vec![performer]),
    };
    if !out.is_empty() {
        report["result"] = Value::Array(out.iter().map(|l| reference(&l.id)).collect());
    }
    if let Some(j) = &c.judgement {
        report["conclusion"] = Value::from(j.as_str());
    }
    out.push(Mapped {
        id,
        resource: report,
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::codes::profile;
    use crate::fhir::fixtures;
    use crate::records::RecordBody;

    fn mapped() -> Vec<Mapped> {
        let r = fixtures::checkup();
        let RecordBody::Checkup(c) = &r.body else {
            unreachable!()
        };
        checkup(&fixtures::ctx(), &r.meta, c, r.meta.id.clone())
    }

    #[test]
    fn each_result_is_an_observation_and_the_report_references_them() {
        let out = mapped();
        assert_eq!(out.len(), 6);
        let report = &out[5].resource;
        assert_eq!(report["resourceType"], "DiagnosticReport");
        assert_eq!(
            report["meta"]["profile"][0],
            profile::DIAGNOSTIC_REPORT_COMMON
        );
        assert_eq!(report["conclusion"], "要経過観察（脂質）");
        assert_eq!(report["code"]["coding"][0]["code"], "10");
        assert_eq!(report["performer"][0]["display"], "さくら健診センター");
        assert_eq!(report["result"].as_array().unwrap().len(), 5);
        assert_eq!(
            report["result"][0]["reference"],
            format!("urn:uuid:{}", out[0].id)
        );
        assert_eq!(report["effectiveDateTime"], "2026-06-10");
    }

    #[test]
    fn lines_are_coded_and_profiled_by_item() {
        let out = mapped();
        let height = &out[0].resource;
        assert_eq!(height["meta"]["profile"][0], profile::BODY_MEASUREMENT);
        assert_eq!(height["code"]["coding"][0]["system"], system::TOKUTEI_ITEM);
        assert_eq!(height["code"]["coding"][1]["system"], system::LOINC);
        let sbp = &out[1].resource;
        assert_eq!(sbp["meta"]["profile"][0], profile::VITAL_SIGNS);
        assert_eq!(sbp["code"]["coding"][1]["code"], "8480-6");
        let tg = &out[2].resource;
        assert_eq!(tg["meta"]["profile"][0], profile::LAB_RESULT);
        assert_eq!(tg["code"]["coding"][1]["system"], system::JLAC10);
        assert_eq!(tg["valueQuantity"]["code"], "mg/dL");
        assert_eq!(tg["interpretation"][0]["coding"][0]["code"], "H");
        assert_eq!(tg["referenceRange"][0]["low"]["value"], 30.0);
        assert_eq!(tg["referenceRange"][0]["high"]["value"], 149.0);
        let metabo = &out[3].resource;
        assert_eq!(metabo["valueCodeableConcept"]["coding"][0]["code"], "1");
        assert_eq!(metabo["valueCodeableConcept"]["text"], "基準該当");
        let remark = &out[4].resource;
        assert_eq!(remark["valueString"], "特記事項なし");
    }

    #[test]
    fn line_ids_are_stable_and_distinct() {
        let a: Vec<String> = mapped().into_iter().map(|m| m.id).collect();
        let b: Vec<String> = mapped().into_iter().map(|m| m.id).collect();
        assert_eq!(a, b);
        let unique: std::collections::HashSet<_> = a.iter().collect();
        assert_eq!(unique.len(), a.len());
    }
}
