//! DiagnosticReport + its result Observations → a Checkup, when the lines are coded with
//! 特定健診 item codes (or the report is a 特定健診 report whose lines carry JLAC10 or LOINC
//! codes). Any other DiagnosticReport is kept as a document and its Observations are read on
//! their own.

use super::json::{Concept, Obj, Path, ascii_code};
use super::{Outcome, Raw, Refs, Resource, document, record_given};
use crate::error::Result;
use crate::fhir::codes::system;
use crate::records::ClinicalInput;
use crate::records::{Checkup, CheckupCodeSystem, CheckupResult};
use serde_json::Value;

/// One result line: the entry it is (or `None` when contained in the report), its JSON and path.
pub(crate) struct Line {
    pub entry: Option<usize>,
    pub value: Value,
    pub path: Path,
}

/// The code of a line under the systems a checkup line may use.
pub(crate) fn line_code(c: &Concept<'_>) -> Option<(CheckupCodeSystem, String)> {
    if let Some(code) = c.code_in(&[system::TOKUTEI_ITEM]) {
        return Some((CheckupCodeSystem::Tokutei, ascii_code(code)));
    }
    if let Some(code) = c.code_in(&[system::JLAC10]) {
        return Some((CheckupCodeSystem::Jlac10, ascii_code(code)));
    }
    c.code_in(&[system::LOINC])
        .map(|code| (CheckupCodeSystem::Loinc, ascii_code(code)))
}

fn is_tokutei_report(o: &Obj<'_, '_>) -> Result<bool> {
    Ok(
        Concept::of(o, "code")?
            .is_some_and(|c| c.code_in(&[system::CHECKUP_REPORT_KIND]).is_some()),
    )
}

/// The result lines of a report that is a checkup, in order; `None` when it is not one.
pub(crate) fn lines_of(
    report: &Resource<'_>,
    entries: &[Raw<'_>],
    refs: &Refs,
) -> Result<Option<Vec<Line>>> {
    let o = Obj::new(report.value, report.path)?;
    let contained = o.array("contained")?;
    let mut lines = vec![];
    let mut any_tokutei = is_tokutei_report(&o)?;
    for (r, rp) in o.array("result")? {
        let Some(reference) = Obj::new(r, &rp)?.str("reference")? else {
            return Ok(None);
        };
        let line = if let Some(local) = reference.strip_prefix('#') {
            let mut found = None;
            for (c, cp) in &contained {
                if Obj::new(c, cp)?.str("id")? == Some(local) {
                    found = Some(Line {
                        entry: None,
                        value: (*c).clone(),
                        path: cp.clone(),
                    });
                }
            }
            found
        } else {
            match refs.find(reference) {
                Some(i) => Some(Line {
                    entry: Some(i),
                    value: entries[i].parse()?,
                    path: entries[i].path.clone(),
                }),
                None => None,
            }
        };
        let Some(line) = line else {
            return Ok(None);
        };
        let lo = Obj::new(&line.value, &line.path)?;
        if lo.str("resourceType")? != Some("Observation") {
            return Ok(None);
        }
        let Some(code) = Concept::of(&lo, "code")? else {
            return Ok(None);
        };
        match line_code(&code) {
            Some((CheckupCodeSystem::Tokutei, _)) => any_tokutei = true,
            // A 17-character examination item (9…: a municipal screening's findings, as our
            // export writes them) makes a checkup too; laboratory JLAC10 codes alone do not.
            Some((CheckupCodeSystem::Jlac10, c)) if c.len() == 17 && c.starts_with('9') => {
                any_tokutei = true
            }
            Some(_) => {}
            None => return Ok(None),
        }
        lines.push(line);
    }
    Ok(if any_tokutei && !lines.is_empty() {
        Some(lines)
    } else {
        None
    })
}

fn flag(o: &Obj<'_, '_>) -> Result<Option<String>> {
    for (i, ip) in o.array("interpretation")? {
        let c = Concept::read(i, &ip)?;
        if let Some(code) = c.code_in(&[system::INTERPRETATION]) {
            return Ok(match code {
                "H" | "HH" | "HU" => Some("H".into()),
                "L" | "LL" | "LU" => Some("L".into()),
                "N" => Some("N".into()),
                "A" | "AA" => Some("A".into()),
                _ => None,
            });
        }
    }
    Ok(None)
}

fn quantity_value(o: &Obj<'_, '_>, k: &str) -> Result<(Option<f64>, Option<String>)> {
    match o.child(k)? {
        None => Ok((None, None)),
        Some((q, qp)) => {
            let q = Obj::new(q, &qp)?;
            let unit = q.str("code")?.or(q.str("unit")?).map(str::to_owned);
            Ok((q.num("value")?, unit))
        }
    }
}

pub(crate) fn result_line(line: &Line) -> Result<CheckupResult> {
    let o = Obj::new(&line.value, &line.path)?;
    let concept =
        Concept::of(&o, "code")?.ok_or_else(|| line.path.key("code").err("is required"))?;
    let (code_system, code) = line_code(&concept).ok_or_else(|| {
        line.path
            .key("code")
            .err("needs a 特定健診, JLAC10 or LOINC code")
    })?;
    let name = concept
        .codings
        .iter()
        .find(|(_, c, _)| c.map(ascii_code).as_deref() == Some(code.as_str()))
        .and_then(|(_, _, d)| *d)
        .or(concept.text)
        .unwrap_or(code.as_str())
        .to_owned();
    let (value_num, unit) = quantity_value(&o, "valueQuantity")?;
    let value_num = value_num.or(o.num("valueInteger")?);
    let (mut value_code, mut value_system, mut value_text) = (None, None, None);
    if let Some(c) = Concept::of(&o, "valueCodeableConcept")? {
        if let Some((system, code, display)) = c.codings.iter().find(|(_, c, _)| c.is_some()) {
            value_code = code.map(ascii_code);
            value_system = system.map(str::to_owned);
            // What the answer says: the text, else the code's display.
            value_text = c.text.or(*display).map(str::to_owned);
        } else {
            value_text = c.text.map(str::to_owned);
        }
    }
    if let Some(s) = o.str("valueString")? {
        value_text = Some(s.to_owned());
    }
    if value_text.is_none() {
        for (n, np) in o.array("note")? {
            if let Some(t) = Obj::new(n, &np)?.str("text")? {
                value_text = Some(t.to_owned());
                break;
            }
        }
    }
    let (mut ref_low, mut ref_high) = (None, None);
    if let Some((range, rp)) = o.array("referenceRange")?.into_iter().next() {
        let range = Obj::new(range, &rp)?;
        ref_low = quantity_value(&range, "low")?.0;
        ref_high = quantity_value(&range, "high")?.0;
    }
    Ok(CheckupResult {
        code_system,
        code,
        name,
        value_num,
        value_code,
        value_system,
        value_text,
        unit,
        ref_low,
        ref_high,
        flag: flag(&o)?,
    })
}

/// A DiagnosticReport: a Checkup when it is one, else kept as a document.
pub(crate) fn report(r: &Resource<'_>, entries: &[Raw<'_>], refs: &Refs) -> Result<Outcome> {
    let Some(lines) = lines_of(r, entries, refs)? else {
        return Ok(document(
            "a DiagnosticReport that is not a 特定健診 checkup",
        ));
    };
    let o = Obj::new(r.value, r.path)?;
    let date = match o.date_given("effectiveDateTime")? {
        Some(d) => Some(d),
        None => match o.child("effectivePeriod")? {
            Some((p, pp)) => Obj::new(p, &pp)?.date_given("start")?,
            None => o.date_given("issued")?,
        },
    };
    let Some((date, as_given)) = date else {
        return Ok(document("a checkup without a date"));
    };
    let (mut institution, mut institution_code, mut performer_path) = (None, None, None);
    for (p, pp) in o.array("performer")? {
        let po = Obj::new(p, &pp)?;
        if let Some(d) = po.str("display")? {
            institution.get_or_insert(d.to_owned());
            performer_path.get_or_insert(pp.key("display"));
        }
        if let Some((i, ip)) = po.child("identifier")? {
            let io = Obj::new(i, &ip)?;
            if io.str("system")? == Some(system::CHECKUP_INSTITUTION) {
                institution_code = io.str("value")?.map(ascii_code);
            }
        }
    }
    let Some(institution) = institution else {
        return Ok(document("a checkup without the institution's name"));
    };
    let code = Concept::of(&o, "code")?;
    let program = match code {
        Some(c) if c.code_in(&[system::CHECKUP_REPORT_KIND]) == Some("10") => {
            "specific_health_checkup"
        }
        Some(c) if c.text.is_some_and(|t| t.contains("一般")) => "general",
        _ => "other",
    };
    let mut fields = vec![
        (
            "date".to_owned(),
            r.path.key("effectiveDateTime").as_str().to_owned(),
        ),
        (
            "judgement".to_owned(),
            r.path.key("conclusion").as_str().to_owned(),
        ),
        (
            "institution_code".to_owned(),
            r.path.key("performer").as_str().to_owned(),
        ),
    ];
    if let Some(p) = performer_path {
        fields.push(("institution".to_owned(), p.as_str().to_owned()));
    }
    let mut results = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        fields.push((format!("results[{i}]"), line.path.as_str().to_owned()));
        results.push(result_line(line)?);
    }
    let checkup = Checkup {
        date: date.first,
        program: program.to_owned(),
        institution,
        institution_code,
        judgement: o.str("conclusion")?.map(str::to_owned),
        results,
    };
    Ok(record_given(
        ClinicalInput::Checkup(checkup),
        fields,
        as_given,
    ))
}
