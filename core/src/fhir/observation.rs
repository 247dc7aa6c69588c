//! Self-measured observations → Observation: vitals as JP_Observation_VitalSigns (blood pressure
//! as the LOINC panel 85354-9 with systolic/diastolic components and an optional heart-rate
//! component), body measurements as JP_Observation_BodyMeasurement, blood glucose and HbA1c as
//! JP_Observation_LabResult, and lifelog (steps, sleep) as JP_Observation_Common with category
//! `activity`. Values are UCUM quantities; times at the offset the person was at.

use super::codes::{profile, system};
use super::context::Ctx;
use super::datatypes::date_time;
use super::specimen::{ContainedSpecimen, Material, SpecimenRef, specimen};
use super::typed::{Coding, Concept, Identifier, Meta, Quantity, Reference, UrnUuid};
use crate::records::{Observation, ObservationType, RecordMeta};
use serde::Serialize;

/// The JP Core family an observation belongs to: decides its profile and category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ObservationClass {
    VitalSigns,
    BodyMeasurement,
    Laboratory,
    Activity,
    /// An examination or questionnaire item of a checkup (問診, 診察, 判定).
    Exam,
}

impl ObservationClass {
    pub fn of(ty: ObservationType) -> Self {
        match ty {
            ObservationType::BloodPressure
            | ObservationType::Pulse
            | ObservationType::BodyTemperature
            | ObservationType::Spo2 => Self::VitalSigns,
            ObservationType::Weight
            | ObservationType::Height
            | ObservationType::Bmi
            | ObservationType::BodyFat
            | ObservationType::Waist => Self::BodyMeasurement,
            ObservationType::BloodGlucose | ObservationType::Hba1c => Self::Laboratory,
            ObservationType::Steps | ObservationType::Sleep => Self::Activity,
        }
    }

    pub fn profile(self) -> &'static str {
        match self {
            Self::VitalSigns => profile::VITAL_SIGNS,
            Self::BodyMeasurement => profile::BODY_MEASUREMENT,
            Self::Laboratory => profile::LAB_RESULT,
            Self::Activity | Self::Exam => profile::OBSERVATION_COMMON,
        }
    }

    /// The JP Core category, plus the HL7 observation-category where one has the same meaning
    /// (HL7 has no body-measurement category).
    pub fn category(self) -> Category {
        let (jp, jp_display, hl7) = match self {
            Self::VitalSigns => ("vital-signs", "Vital Signs", Some("vital-signs")),
            Self::BodyMeasurement => ("body-measurement", "Body Measurement", None),
            Self::Laboratory => ("laboratory", "Laboratory", Some("laboratory")),
            Self::Activity => ("activity", "Activity", Some("activity")),
            Self::Exam => ("exam", "Exam", Some("exam")),
        };
        let jp = Concept {
            coding: [Coding {
                code: jp,
                display: Some(jp_display),
                system: system::JP_OBSERVATION_CATEGORY,
            }],
            text: None,
        };
        Category(
            jp,
            hl7.map(|h| Concept::of(system::HL7_OBSERVATION_CATEGORY, h)),
        )
    }
}

/// `Observation.category`: the JP Core category and maybe the HL7 one, as a JSON array.
#[derive(Debug)]
pub(crate) struct Category(Concept<'static>, Option<Concept<'static>>);

impl Category {
    /// As a JSON tree, for the resources built as one (a checkup's result lines).
    pub fn to_value(&self) -> serde_json::Value {
        // Cannot fail: string keys, string values.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl Serialize for Category {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(std::iter::once(&self.0).chain(self.1.as_ref()))
    }
}

/// The Japanese name shown as `code.text`.
fn label_ja(ty: ObservationType) -> &'static str {
    match ty {
        ObservationType::Weight => "体重",
        ObservationType::Height => "身長",
        ObservationType::Bmi => "BMI",
        ObservationType::BodyFat => "体脂肪率",
        ObservationType::Waist => "腹囲",
        ObservationType::BloodPressure => "血圧",
        ObservationType::Pulse => "脈拍",
        ObservationType::BodyTemperature => "体温",
        ObservationType::BloodGlucose => "血糖",
        ObservationType::Hba1c => "HbA1c",
        ObservationType::Spo2 => "SpO2",
        ObservationType::Steps => "歩数",
        ObservationType::Sleep => "睡眠時間",
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct Component<'a> {
    code: Concept<'a>,
    #[serde(rename = "valueQuantity")]
    value_quantity: Quantity<'a>,
}

fn component<'a>(code: &'a str, value: f64, unit: &'a str) -> Component<'a> {
    Component {
        code: Concept::of(system::LOINC, code),
        value_quantity: Quantity::of(value, unit),
    }
}

/// An Observation resource, written straight to the writer (an export holds tens of thousands).
/// Fields in byte order of their JSON names: see `typed.rs`.
#[derive(Debug, Serialize)]
pub(crate) struct ObservationResource<'a> {
    category: Category,
    code: Concept<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    component: Option<Vec<Component<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contained: Option<[ContainedSpecimen; 1]>,
    #[serde(rename = "derivedFrom", skip_serializing_if = "Option::is_none")]
    derived_from: Option<[DerivedFrom; 1]>,
    #[serde(rename = "effectiveDateTime")]
    effective_date_time: String,
    id: String,
    identifier: [Identifier; 1],
    meta: Meta,
    #[serde(rename = "resourceType")]
    resource_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    specimen: Option<SpecimenRef>,
    status: &'static str,
    subject: Reference<'a>,
    #[serde(rename = "valueQuantity", skip_serializing_if = "Option::is_none")]
    value_quantity: Option<Quantity<'a>>,
}

/// The reference to the weight a BMI was computed from (its resource id, derived when the stored
/// id is not a UUID).
#[derive(Debug, Serialize)]
pub(crate) struct DerivedFrom {
    #[serde(serialize_with = "urn")]
    reference: String,
}

fn urn<S: serde::Serializer>(id: &str, s: S) -> Result<S::Ok, S::Error> {
    UrnUuid(id).serialize(s)
}

/// The Observation for a record whose resource id is `id`.
pub(crate) fn observation_resource<'a>(
    ctx: &'a Ctx<'_>,
    m: &RecordMeta,
    o: &'a Observation,
    id: &str,
) -> ObservationResource<'a> {
    let ty = o.observation_type;
    let class = ObservationClass::of(ty);
    let (component, value_quantity) = if ty == ObservationType::BloodPressure {
        // The panel carries no value of its own: systolic and diastolic are components.
        let mut comps = vec![component("8480-6", o.value, &o.unit)];
        if let Some(d) = o.value2 {
            comps.push(component("8462-4", d, &o.unit));
        }
        if let Some(p) = o.value3 {
            comps.push(component(
                ObservationType::Pulse.loinc(),
                p,
                ObservationType::Pulse.unit(),
            ));
        }
        (Some(comps), None)
    } else {
        // With the precision it was entered with (132 lb → 59.9 kg), not the conversion's digits.
        (None, Some(Quantity::of(o.display_value(), &o.unit)))
    };
    let derived_from = o
        .derived_from
        .as_deref()
        .filter(|from| ctx.exported.contains(from))
        .map(|from| {
            [DerivedFrom {
                reference: super::datatypes::resource_id(from),
            }]
        });
    // JP_Observation_LabResult requires a specimen.
    let (contained, specimen) = match ty {
        ObservationType::BloodGlucose => Some(Material::capillary_blood()),
        ObservationType::Hba1c => Some(Material::whole_blood()),
        _ => None,
    }
    .map(specimen)
    .unzip();
    ObservationResource {
        category: class.category(),
        code: Concept {
            coding: [Coding {
                code: &o.code,
                display: None,
                system: system::LOINC,
            }],
            text: Some(label_ja(ty)),
        },
        component,
        contained,
        derived_from,
        effective_date_time: m
            .effective_text
            .clone()
            .unwrap_or_else(|| date_time(o.effective)),
        id: id.to_owned(),
        identifier: [Identifier::uuid(id.to_owned())],
        meta: Meta {
            last_updated: date_time(m.updated),
            profile: [class.profile()],
        },
        resource_type: "Observation",
        specimen,
        status: "final",
        subject: Reference {
            reference: UrnUuid(&ctx.patient),
        },
        value_quantity,
    }
}

/// [`observation_resource`] as a JSON tree.
#[cfg(test)]
pub(crate) fn observation(
    ctx: &Ctx<'_>,
    m: &RecordMeta,
    o: &Observation,
    id: String,
) -> super::context::Mapped {
    let resource = serde_json::to_value(observation_resource(ctx, m, o, &id)).unwrap();
    super::context::Mapped { id, resource }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::fixtures;
    use crate::records::RecordBody;

    use serde_json::Value;

    fn map(r: &crate::records::Record) -> Value {
        let ctx = fixtures::ctx();
        let RecordBody::Observation(o) = &r.body else {
            panic!("not an observation")
        };
        observation(&ctx, &r.meta, o, r.meta.id.clone()).resource
    }

    #[test]
    fn blood_pressure_is_a_panel_with_components() {
        let o = map(&fixtures::blood_pressure());
        assert_eq!(o["meta"]["profile"][0], profile::VITAL_SIGNS);
        assert_eq!(o["code"]["coding"][0]["code"], "85354-9");
        assert!(o.get("valueQuantity").is_none());
        let c = o["component"].as_array().unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c[0]["code"]["coding"][0]["code"], "8480-6");
        assert_eq!(c[0]["valueQuantity"]["value"], 128.0);
        assert_eq!(c[0]["valueQuantity"]["code"], "mm[Hg]");
        assert_eq!(c[0]["valueQuantity"]["system"], system::UCUM);
        assert_eq!(c[1]["code"]["coding"][0]["code"], "8462-4");
        assert_eq!(c[2]["code"]["coding"][0]["code"], "8867-4");
        assert_eq!(c[2]["valueQuantity"]["code"], "/min");
        // 07:30 in Tokyo stays 07:30+09:00.
        assert_eq!(o["effectiveDateTime"], "2026-11-01T07:30:00+09:00");
        assert_eq!(o["subject"]["reference"], "urn:uuid:p1");
    }

    #[test]
    fn body_lab_and_lifelog_get_their_profiles_and_categories() {
        let w = map(&fixtures::weight());
        assert_eq!(w["meta"]["profile"][0], profile::BODY_MEASUREMENT);
        assert_eq!(w["category"][0]["coding"][0]["code"], "body-measurement");
        assert_eq!(w["code"]["coding"][0]["code"], "29463-7");
        assert_eq!(w["valueQuantity"]["code"], "kg");
        let s = map(&fixtures::steps());
        assert_eq!(s["meta"]["profile"][0], profile::OBSERVATION_COMMON);
        assert_eq!(s["category"][1]["coding"][0]["code"], "activity");
        assert_eq!(s["valueQuantity"]["code"], "{steps}");
        // Recorded in UTC (a trip abroad): the offset is kept.
        assert_eq!(s["effectiveDateTime"], "2026-11-01T12:00:00Z");
        let g = map(&fixtures::glucose());
        assert_eq!(g["meta"]["profile"][0], profile::LAB_RESULT);
        assert_eq!(g["code"]["coding"][0]["code"], "1558-6");
    }

    #[test]
    fn bmi_is_derived_from_its_weight_only_when_exported() {
        let bmi = fixtures::bmi();
        let o = map(&bmi);
        assert_eq!(
            o["derivedFrom"][0]["reference"],
            format!("urn:uuid:{}", fixtures::WEIGHT_ID)
        );
        let mut ctx = fixtures::ctx();
        ctx.exported.remove(fixtures::WEIGHT_ID);
        let RecordBody::Observation(b) = &bmi.body else {
            unreachable!()
        };
        let o = observation(&ctx, &bmi.meta, b, bmi.meta.id.clone()).resource;
        assert!(o.get("derivedFrom").is_none());
    }
}
