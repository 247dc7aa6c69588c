//! A checkup as the 健診結果報告書 FHIR document (JP eCheckupReport IG 1.5: a Bundle of type
//! `document` whose first entry is the Composition; the Patient, the checkup institution as an
//! Organization, and the result Observations coded with 特定健診 item codes; the doctor's
//! judgement as item 9N511000000000049). What `phr export --format echeckup` writes and what
//! the import reads back as one checkup.

use super::checkup;
use super::codes::system;
use super::context::Ctx;
use super::datatypes::{
    coding, coding_display, concept_of, date, date_time, derived_id, obj, reference, resource_id,
};
use crate::records::{
    Checkup, CheckupCodeSystem, CheckupResult, Person, Record, RecordBody, Stamp,
};
use serde_json::Value;

/// JP eCheckupReport's code systems.
const DOC_TYPES: &str = "http://jpfhir.jp/fhir/Common/CodeSystem/doc-typecodes";
const REPORT_CATEGORY: &str = "urn:oid:2.16.840.1.113883.2.2.1.6.1001";
const PROGRAM: &str = "urn:oid:1.2.392.200119.6.1002";
const SECTION: &str = "http://jpfhir.jp/fhir/eCheckup/CodeSystem/section-code";
const BUNDLE_IDENTIFIER: &str = "http://jpfhir.jp/fhir/clins/bundle-identifier";

/// Text for the section's narrative, escaped for XHTML.
fn xhtml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn line_text(r: &CheckupResult) -> String {
    let value = match (r.value_num, &r.value_text, &r.value_code) {
        (Some(v), _, _) => format!("{v} {}", r.unit.as_deref().unwrap_or("")),
        (None, Some(t), _) => t.clone(),
        (None, None, Some(c)) => c.clone(),
        _ => String::new(),
    };
    format!("<li>{} {}</li>", xhtml(&r.name), xhtml(value.trim()))
}

/// The checkup record `r` of `person` as a 健診結果報告書 document stamped `at`; `None` when `r`
/// is not a live checkup of `person`.
pub fn echeckup_document(person: &Person, r: &Record, at: Stamp) -> Option<Value> {
    let RecordBody::Checkup(c) = &r.body else {
        return None;
    };
    if r.meta.deleted_utc.is_some() || r.meta.subject_id != person.id {
        return None;
    }
    let mut c: Checkup = c.clone();
    // The judgement travels as its item, as the IG and the XML have it.
    if let Some(j) = &c.judgement
        && !c.results.iter().any(|x| x.code == "9N511000000000049")
    {
        c.results.push(CheckupResult {
            code_system: CheckupCodeSystem::Tokutei,
            code: "9N511000000000049".into(),
            name: "医師の診断(判定)".into(),
            value_num: None,
            value_code: None,
            value_system: None,
            value_text: Some(j.clone()),
            unit: None,
            ref_low: None,
            ref_high: None,
            flag: None,
        });
    }
    let patient = resource_id(&person.id);
    let ctx = Ctx {
        patient: patient.clone(),
        exported: Default::default(),
        today: at.to_fixed().date_naive(),
        renames: None,
    };
    let id = resource_id(&r.meta.id);
    let mut lines = checkup::checkup(&ctx, &r.meta, &c, id.clone());
    lines.pop(); // the DiagnosticReport: the Composition is the report here
    let org_id = derived_id(&[b"echeckup-organization", id.as_bytes()]);
    let mut org = obj! {
        "resourceType" => "Organization",
        "id" => org_id.as_str(),
        "name" => c.institution.as_str(),
    };
    if let Some(code) = &c.institution_code {
        org["identifier"] = Value::Array(vec![
            obj! { "system" => system::CHECKUP_INSTITUTION, "value" => code.as_str() },
        ]);
    }
    let specific = c.program == "specific_health_checkup";
    let day = date(c.date);
    let mut event = obj! { "period" => obj! { "start" => day.as_str(), "end" => day.as_str() } };
    if specific {
        event["code"] = Value::Array(vec![concept_of(
            vec![coding_display(PROGRAM, "010", "特定健康診査")],
            None,
        )]);
    }
    let items: String = c.results.iter().map(line_text).collect();
    let composition_id = derived_id(&[b"echeckup-composition", id.as_bytes()]);
    let mut composition = obj! {
        "resourceType" => "Composition",
        "id" => composition_id.as_str(),
        "identifier" => obj! { "system" => system::URI, "value" => format!("urn:uuid:{id}") },
        "status" => "final",
        "type" => concept_of(vec![coding_display(DOC_TYPES, "53576-5", "検診・健診報告書")], None),
        "subject" => reference(&patient),
        "date" => date_time(at),
        "author" => Value::Array(vec![reference(&org_id)]),
        "title" => "健康診断結果のお知らせ",
        "custodian" => reference(&org_id),
        "event" => Value::Array(vec![event]),
        "section" => Value::Array(vec![obj! {
            "title" => "健診セクション",
            "code" => concept_of(vec![coding(SECTION, "01011")], None),
            "text" => obj! {
                "status" => "generated",
                "div" => format!("<div xmlns=\"http://www.w3.org/1999/xhtml\"><ul>{items}</ul></div>"),
            },
            "entry" => Value::Array(lines.iter().map(|l| reference(&l.id)).collect()),
        }]),
    };
    if specific {
        composition["category"] = Value::Array(vec![concept_of(
            vec![coding_display(REPORT_CATEGORY, "10", "特定健診情報")],
            None,
        )]);
    }
    let entry = |full: &str, resource: Value| obj! { "fullUrl" => format!("urn:uuid:{full}"), "resource" => resource };
    let mut entries = vec![
        entry(&composition_id, composition),
        entry(&patient, super::patient::patient(person, &patient)),
        entry(&org_id, org),
    ];
    entries.extend(lines.into_iter().map(|l| entry(&l.id, l.resource)));
    Some(obj! {
        "resourceType" => "Bundle",
        "id" => derived_id(&[b"echeckup-bundle", id.as_bytes(), &r.meta.version.to_be_bytes()]),
        "identifier" => obj! { "system" => BUNDLE_IDENTIFIER, "value" => id.as_str() },
        "type" => "document",
        "timestamp" => date_time(at),
        "entry" => entries,
    })
}
