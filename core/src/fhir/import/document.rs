//! A checkup as a FHIR document: the MHLW 健診結果報告書 (JP eCheckupReport IG: a Bundle of type
//! `document` whose Composition's sections reference Observations coded with 特定健診 item codes,
//! the doctor's judgement being item 9N511000000000049) and the municipal screening report
//! (eMunicipalCheckup: cancer screening findings coded with 17-character JLAC10-style item codes
//! and their result codes). The Composition becomes one Checkup with every result; its lines are
//! consumed. A Composition whose sections hold no such Observation (an IPS summary, a referral)
//! is kept as a document and its entries are read on their own.

use super::checkup::{Line, line_code, result_line};
use super::json::{Concept, Obj, ascii_code};
use super::{Outcome, Raw, Refs, Resource, document, record_given};
use crate::error::Result;
use crate::fhir::codes::system;
use crate::records::ClinicalInput;
use crate::records::{Checkup, CheckupCodeSystem};

/// The doctor's judgement (医師の診断(判定)), free text.
pub(crate) const JUDGEMENT_ITEM: &str = "9N511000000000049";

/// The program codes of 特定健診 (MHLW hc08 OID 1.2.392.200119.6.1002, `010`) and the report
/// category `10` 特定健診情報 (under the OIDs the eCheckup IG and hc08 use).
const PROGRAM: &str = "urn:oid:1.2.392.200119.6.1002";
const REPORT_CATEGORIES: &[&str] = &[
    system::CHECKUP_REPORT_KIND,
    "urn:oid:2.16.840.1.113883.2.2.1.6.1001",
    "http://jpfhir.jp/fhir/eCheckup/CodeSystem/checkup-report-category",
];
/// Where an institution number sits: hc08's OID and JP Core's identifier system.
const INSTITUTION_SYSTEMS: &[&str] = &[
    system::CHECKUP_INSTITUTION,
    "http://jpfhir.jp/fhir/core/IdSystem/insurance-medical-institution-no",
];

/// Whether a line's code makes the document a checkup: a 特定健診 item, or a 17-character
/// JLAC10-style item code (the municipal screening items).
fn is_checkup_code(c: &Concept<'_>) -> bool {
    match line_code(c) {
        Some((CheckupCodeSystem::Tokutei, _)) => true,
        Some((CheckupCodeSystem::Jlac10, code)) => code.len() == 17,
        _ => false,
    }
}

/// The checkup lines of a Composition, in section order: the Observations its sections (and
/// their subsections) reference that carry a checkup code; `None` when there is none.
pub(crate) fn lines_of(
    composition: &Resource<'_>,
    entries: &[Raw<'_>],
    refs: &Refs,
) -> Result<Option<Vec<Line>>> {
    let o = Obj::new(composition.value, composition.path)?;
    let mut lines = vec![];
    let mut sections: Vec<_> = o.array("section")?;
    let mut i = 0;
    while let Some((s, sp)) = sections.get(i).cloned() {
        i += 1;
        let so = Obj::new(s, &sp)?;
        sections.extend(so.array("section")?);
        for (e, ep) in so.array("entry")? {
            let Some(reference) = Obj::new(e, &ep)?.str("reference")? else {
                continue;
            };
            let Some(at) = refs.find(reference) else {
                continue;
            };
            if entries[at].rtype != "Observation"
                || lines.iter().any(|l: &Line| l.entry == Some(at))
            {
                continue;
            }
            let value = entries[at].parse()?;
            let lo = Obj::new(&value, &entries[at].path)?;
            let Some(code) = Concept::of(&lo, "code")? else {
                continue;
            };
            if !is_checkup_code(&code) {
                continue;
            }
            lines.push(Line {
                entry: Some(at),
                value,
                path: entries[at].path.clone(),
            });
        }
    }
    Ok((!lines.is_empty()).then_some(lines))
}

/// The Organization a reference names, as (name, institution number).
fn organization(
    r: &serde_json::Value,
    rp: &super::json::Path,
    entries: &[Raw<'_>],
    refs: &Refs,
) -> Result<Option<(String, Option<String>)>> {
    let ro = Obj::new(r, rp)?;
    let display = ro.str("display")?.map(str::to_owned);
    let Some(at) = ro.str("reference")?.and_then(|x| refs.find(x)) else {
        return Ok(display.map(|d| (d, None)));
    };
    if entries[at].rtype != "Organization" {
        return Ok(display.map(|d| (d, None)));
    }
    let v = entries[at].parse()?;
    let org = Obj::new(&v, &entries[at].path)?;
    let mut number = None;
    for (id, ip) in org.array("identifier")? {
        let id = Obj::new(id, &ip)?;
        if id
            .str("system")?
            .is_some_and(|s| INSTITUTION_SYSTEMS.contains(&s))
        {
            number = id.str("value")?.map(ascii_code);
        }
    }
    Ok(org
        .str("name")?
        .map(str::to_owned)
        .or(display)
        .map(|n| (n, number)))
}

/// A Composition: a Checkup when its sections hold checkup lines, else kept as a document.
pub(crate) fn composition(r: &Resource<'_>, entries: &[Raw<'_>], refs: &Refs) -> Result<Outcome> {
    let Some(lines) = lines_of(r, entries, refs)? else {
        return Ok(document("a Composition that is not a checkup report"));
    };
    let o = Obj::new(r.value, r.path)?;
    let mut program = "other";
    let mut date = None;
    for (e, ep) in o.array("event")? {
        let eo = Obj::new(e, &ep)?;
        for (c, cp) in eo.array("code")? {
            if Concept::read(c, &cp)?.code_in(&[PROGRAM]) == Some("010") {
                program = "specific_health_checkup";
            }
        }
        if let Some((p, pp)) = eo.child("period")? {
            date = date.or(Obj::new(p, &pp)?.date_given("start")?);
        }
    }
    for (c, cp) in o.array("category")? {
        if Concept::read(c, &cp)?.code_in(REPORT_CATEGORIES) == Some("10") {
            program = "specific_health_checkup";
        }
    }
    let date = match date {
        Some(d) => Some(d),
        None => match o.date_given("date")? {
            Some(d) => Some(d),
            None => {
                let first = Obj::new(&lines[0].value, &lines[0].path)?;
                first.date_given("effectiveDateTime")?
            }
        },
    };
    let Some((date, as_given)) = date else {
        return Ok(document("a checkup report without a date"));
    };
    let mut institution = None;
    if let Some((c, cp)) = o.child("custodian")? {
        institution = organization(c, &cp, entries, refs)?;
    }
    for (a, ap) in o.array("author")? {
        if institution.is_none() {
            institution = organization(a, &ap, entries, refs)?;
        }
    }
    let Some((institution, institution_code)) = institution else {
        return Ok(document("a checkup report without the institution's name"));
    };
    let mut fields = vec![
        ("date".to_owned(), r.path.key("event").as_str().to_owned()),
        (
            "institution".to_owned(),
            r.path.key("custodian").as_str().to_owned(),
        ),
        (
            "institution_code".to_owned(),
            r.path.key("custodian").as_str().to_owned(),
        ),
    ];
    let (mut results, mut judgement) = (Vec::with_capacity(lines.len()), None);
    for line in &lines {
        let result = result_line(line)?;
        // An item not done (no value, a dataAbsentReason) is not a result.
        if result.value_num.is_none() && result.value_code.is_none() && result.value_text.is_none()
        {
            continue;
        }
        if result.code == JUDGEMENT_ITEM {
            judgement = result.value_text.clone();
            fields.push(("judgement".to_owned(), line.path.as_str().to_owned()));
        }
        fields.push((
            format!("results[{}]", results.len()),
            line.path.as_str().to_owned(),
        ));
        results.push(result);
    }
    let checkup = Checkup {
        date: date.first,
        program: program.to_owned(),
        institution,
        institution_code,
        judgement,
        results,
    };
    Ok(record_given(
        ClinicalInput::Checkup(checkup),
        fields,
        as_given,
    ))
}
