//! One-line, human-readable summaries of records, shared by every front end so that Android,
//! iOS and the CLI show the same thing. These are for the resident's own screen: never logged.

use super::observation::Observation;
use super::observation_type::ObservationType;
use super::record::RecordBody;

/// Round for display: integers for steps and pressure, one decimal otherwise.
pub fn format_value(ty: ObservationType, v: f64) -> String {
    match ty {
        ObservationType::Steps
        | ObservationType::BloodPressure
        | ObservationType::Pulse
        | ObservationType::BloodGlucose => {
            format!("{}", v.round() as i64)
        }
        _ => format!("{:.1}", v),
    }
}

/// A unit as people read it (UCUM codes like `mm[Hg]` and `Cel` are for machines).
pub fn display_unit(ty: ObservationType) -> &'static str {
    match ty {
        ObservationType::BloodPressure => "mmHg",
        ObservationType::BodyTemperature => "°C",
        ObservationType::Pulse => "bpm",
        ObservationType::Steps => "steps",
        ObservationType::Bmi => "",
        other => other.unit(),
    }
}

pub fn observation(o: &Observation) -> String {
    let ty = o.observation_type;
    let unit = display_unit(ty);
    let mut s = match (ty, o.value2) {
        (ObservationType::BloodPressure, Some(d)) => {
            format!(
                "{} {}/{} {unit}",
                ty.label(),
                format_value(ty, o.value),
                format_value(ty, d)
            )
        }
        _ => format!(
            "{} {} {unit}",
            ty.label(),
            format_value(ty, o.value),
            unit = unit
        )
        .trim_end()
        .to_owned(),
    };
    if let Some(p) = o.value3 {
        s.push_str(&format!(", pulse {} bpm", p.round() as i64));
    }
    if let Some(t) = o.glucose_timing {
        s.push_str(&format!(" ({})", t.as_str().replace('_', " ")));
    }
    s
}

pub fn record(body: &RecordBody) -> String {
    match body {
        RecordBody::Observation(o) => observation(o),
        RecordBody::Checkup(c) => format!(
            "Health checkup at {} ({} results)",
            c.institution,
            c.results.len()
        ),
        RecordBody::Immunization(i) => match i.dose_number {
            Some(n) => format!("Vaccination: {} (dose {n})", i.vaccine),
            None => format!("Vaccination: {}", i.vaccine),
        },
        RecordBody::Medication(m) => match &m.dose {
            Some(d) => format!("Medication: {} {d}", m.drug_name),
            None => format!("Medication: {}", m.drug_name),
        },
        RecordBody::Condition(c) => format!("Condition: {} ({})", c.name, c.status),
        RecordBody::Allergy(a) => format!("Allergy: {}", a.substance),
        RecordBody::Note(n) => {
            let first: String = n
                .text
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(60)
                .collect();
            match &n.about {
                Some(about) => format!("Correction note on [{about}]: {first}"),
                None => format!("Note: {first}"),
            }
        }
    }
}
