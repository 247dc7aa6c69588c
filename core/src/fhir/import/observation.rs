//! Observation → a self-measured observation of a type the record model knows (vital signs
//! with the blood-pressure panel and its components, body measurements, blood glucose and
//! HbA1c, steps and sleep), coded by LOINC, 特定健診 item or JLAC10. Anything else (respiratory
//! rate, a cholesterol result outside a checkup, BMI, which the core derives) is kept as a
//! document; a missing value with a `dataAbsentReason` is skipped with that reason.

use super::json::{Concept, Obj, Path, ascii_code};
use super::{DEFAULT_OFFSET, Outcome, document, record_given, skip};
use crate::error::Result;
use crate::fhir::codes::system;
use crate::records::ClinicalInput;
use crate::records::{AsGiven, GlucoseTiming, ObservationInput, ObservationType, Stamp};

type Kind = (ObservationType, Option<GlucoseTiming>);

fn by_loinc(code: &str) -> Option<Kind> {
    use ObservationType::*;
    Some(match code {
        "29463-7" | "3141-9" => (Weight, None),
        "8302-2" | "8306-3" | "3137-7" => (Height, None),
        "39156-5" => (Bmi, None),
        "41982-0" => (BodyFat, None),
        "8280-0" => (Waist, None),
        "85354-9" | "55284-4" | "35094-2" => (BloodPressure, None),
        "8867-4" => (Pulse, None),
        "8310-5" | "8331-1" => (BodyTemperature, None),
        "59408-5" | "2708-6" => (Spo2, None),
        "1558-6" => (BloodGlucose, Some(GlucoseTiming::Fasting)),
        "2339-0" | "2345-7" | "15074-8" => (BloodGlucose, Some(GlucoseTiming::Random)),
        "4548-4" | "17856-6" => (Hba1c, None),
        "55423-8" | "41950-7" => (Steps, None),
        "93832-4" => (Sleep, None),
        _ => return None,
    })
}

/// 特定健診 item codes and JLAC10 codes share the 17-character layout: the first 5 characters
/// name the analyte (MHLW 2024 item table; JLAC10 analyte codes).
fn by_item(code: &str) -> Option<Kind> {
    use ObservationType::*;
    let p = |x: &str| code.starts_with(x);
    Some(if p("9N001") {
        (Height, None)
    } else if p("9N006") {
        (Weight, None)
    } else if p("9N011") {
        (Bmi, None)
    } else if p("9N016") {
        (Waist, None)
    } else if p("3D046") {
        (Hba1c, None)
    } else if p("3D0100000") {
        (BloodGlucose, Some(GlucoseTiming::Fasting))
    } else if p("3D010") {
        (BloodGlucose, Some(GlucoseTiming::Random))
    } else {
        return None;
    })
}

fn kind_of(c: &Concept<'_>) -> Option<Kind> {
    if let Some(k) = c.code_in(&[system::LOINC]).and_then(by_loinc) {
        return Some(k);
    }
    c.code_in(&[system::TOKUTEI_ITEM, system::JLAC10])
        .map(ascii_code)
        .and_then(|c| by_item(&c))
}

/// The clinical time: effectiveDateTime, effectiveInstant, or the start of effectivePeriod, as
/// its earliest instant and, when it is partial (`2015`), as given.
pub(crate) fn effective(o: &Obj<'_, '_>) -> Result<Option<(Stamp, Path, Option<AsGiven>)>> {
    if let Some((t, text)) = o.time("effectiveDateTime", DEFAULT_OFFSET)? {
        let given = t.as_given(text);
        return Ok(Some((t.earliest, o.path.key("effectiveDateTime"), given)));
    }
    if let Some(t) = o.instant("effectiveInstant")? {
        return Ok(Some((t, o.path.key("effectiveInstant"), None)));
    }
    if let Some((p, pp)) = o.child("effectivePeriod")? {
        let po = Obj::new(p, &pp)?;
        if let Some((t, text)) = po.time("start", DEFAULT_OFFSET)? {
            return Ok(Some((t.earliest, pp.key("start"), t.as_given(text))));
        }
    }
    Ok(None)
}

/// `valueQuantity` (value + UCUM code, else the display unit) or `valueInteger`.
fn value(o: &Obj<'_, '_>) -> Result<Option<(f64, Option<String>, Path)>> {
    if let Some((q, qp)) = o.child("valueQuantity")? {
        let q = Obj::new(q, &qp)?;
        let unit = q
            .str("code")?
            .or(q.str("unit")?)
            .map(|u| u.trim().to_owned());
        return Ok(q.num("value")?.map(|v| (v, unit, qp.key("value"))));
    }
    if let Some(v) = o.num("valueInteger")? {
        return Ok(Some((v, None, o.path.key("valueInteger"))));
    }
    Ok(None)
}

fn absent(o: &Obj<'_, '_>) -> bool {
    o.has("dataAbsentReason")
}

pub(crate) fn observation(o: &Obj<'_, '_>) -> Result<Outcome> {
    if matches!(o.str("status")?, Some("cancelled")) {
        return Ok(skip("status is cancelled"));
    }
    let Some(code) = Concept::of(o, "code")? else {
        return Ok(document("an Observation without a code"));
    };
    let Some((ty, timing)) = kind_of(&code) else {
        return Ok(document("no record type for this Observation code"));
    };
    if ty == ObservationType::Bmi {
        // A BMI naming the weight it was derived from (as a whole-record export writes it) is
        // derived again from that weight: keeping it too would double it on every round trip.
        if o.has("derivedFrom") {
            return Ok(skip("BMI derived from a weight: the core derives it again"));
        }
        return Ok(document(
            "BMI is derived by the core from weight and height",
        ));
    }
    let Some((at, at_path, as_given)) = effective(o)? else {
        return Ok(document("an Observation without effective[x]"));
    };
    let mut fields = vec![
        ("effective".to_owned(), at_path.as_str().to_owned()),
        ("timing".to_owned(), o.path.key("code").as_str().to_owned()),
    ];
    let input = if ty == ObservationType::BloodPressure {
        let (mut sys, mut dia, mut pulse) = (None, None, None);
        for (c, cp) in o.array("component")? {
            let co = Obj::new(c, &cp)?;
            let Some(cc) = Concept::of(&co, "code")? else {
                continue;
            };
            let slot = match cc.code_in(&[system::LOINC]) {
                Some("8480-6") => &mut sys,
                Some("8462-4") => &mut dia,
                Some("8867-4") => &mut pulse,
                _ => continue,
            };
            if absent(&co) {
                *slot = Some(None);
            } else if let Some(v) = value(&co)? {
                *slot = Some(Some(v));
            }
        }
        let some_absent = matches!((&sys, &dia), (Some(None), _) | (_, Some(None)));
        let (Some(Some(sys)), Some(Some(dia))) = (sys, dia) else {
            return Ok(if absent(o) || some_absent {
                skip("data absent (dataAbsentReason)")
            } else {
                document("a blood-pressure panel without systolic and diastolic values")
            });
        };
        fields.push(("systolic".into(), sys.2.as_str().to_owned()));
        fields.push(("value".into(), sys.2.as_str().to_owned()));
        fields.push(("unit".into(), sys.2.as_str().to_owned()));
        fields.push(("diastolic".into(), dia.2.as_str().to_owned()));
        let pulse = pulse.flatten();
        if let Some(p) = &pulse {
            fields.push(("pulse".into(), p.2.as_str().to_owned()));
        }
        ObservationInput {
            observation_type: ty,
            value: sys.0,
            value2: Some(dia.0),
            value3: pulse.map(|p| p.0),
            unit: sys.1,
            glucose_timing: None,
            effective: at,
        }
    } else {
        let Some((v, unit, vp)) = value(o)? else {
            return Ok(if absent(o) {
                skip("data absent (dataAbsentReason)")
            } else {
                document("an Observation without a quantity value")
            });
        };
        fields.push(("value".into(), vp.as_str().to_owned()));
        fields.push(("unit".into(), vp.as_str().to_owned()));
        ObservationInput {
            observation_type: ty,
            value: v,
            value2: None,
            value3: None,
            unit,
            glucose_timing: timing,
            effective: at,
        }
    };
    Ok(record_given(
        ClinicalInput::Observation(input),
        fields,
        as_given,
    ))
}
