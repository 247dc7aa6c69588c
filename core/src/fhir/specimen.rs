//! The specimen JP_Observation_LabResult requires (JP Core 1.1.x: `specimen` 1..1): a Specimen
//! contained in the Observation, its type coded with JP Core's sample-material codes (the
//! JLAC10 material code, characters 10–12 of a 17-character laboratory code). Self-measured
//! glucose is capillary blood (021), HbA1c whole blood (018).

use serde::Serialize;
use serde_json::Value;

/// JP Core's sample-material code system (JLAC10 材料コード).
pub const MATERIAL_SYSTEM: &str =
    "http://jpfhir.jp/fhir/core/CodeSystem/JP_ObservationSampleMaterialCode_CS";

/// The contained Specimen's local id (`specimen.reference` = `#specimen`).
const LOCAL_ID: &str = "specimen";

/// Names of the material codes the 2024 item table's laboratory items and self-measured values
/// use (JP Core's JP_ObservationSampleMaterialCode_CS).
const NAMES: &[(&str, &str)] = &[
    ("001", "尿(含むその他)"),
    ("002", "自然排尿"),
    ("017", "血液(含むその他)"),
    ("018", "全血"),
    ("019", "全血(添加物入り)"),
    ("020", "動脈血"),
    ("021", "毛細管血"),
    ("022", "血漿"),
    ("023", "血清"),
    ("025", "赤血球"),
    ("061", "喀痰"),
    ("085", "擦過物"),
    ("004", "蓄尿"),
    ("015", "便"),
    ("071", "生検組織*"),
    ("099", "その他の材料"),
];

/// A specimen's material: its code and, when known, its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Material {
    pub code: &'static str,
    pub display: Option<&'static str>,
}

impl Material {
    fn named(code: &'static str) -> Self {
        Material {
            code,
            display: NAMES.iter().find(|(c, _)| *c == code).map(|(_, d)| *d),
        }
    }

    /// Capillary blood: a glucose meter's drop.
    pub fn capillary_blood() -> Self {
        Self::named("021")
    }

    /// Whole blood (HbA1c).
    pub fn whole_blood() -> Self {
        Self::named("018")
    }

    /// The material of a 17-character JLAC10 laboratory code (not an examination item,
    /// whose codes start with 9), when it is one of the materials named above.
    pub fn of_jlac10(code: &str) -> Option<Self> {
        if code.len() != 17 || code.starts_with('9') || !code.is_ascii() {
            return None;
        }
        let m = &code[9..12];
        // Materials outside the list above are rare on a checkup; they go without a specimen
        // rather than with a code we cannot name (the list is extended as items need it).
        NAMES
            .iter()
            .find(|(c, _)| *c == m)
            .map(|(c, _)| Self::named(c))
    }
}

#[derive(Debug, Serialize)]
struct Coding {
    code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    display: Option<&'static str>,
    system: &'static str,
}

#[derive(Debug, Serialize)]
struct SpecimenType {
    coding: [Coding; 1],
}

/// The contained Specimen, written from a struct (key order as `typed.rs` asks).
#[derive(Debug, Serialize)]
pub(crate) struct ContainedSpecimen {
    id: &'static str,
    #[serde(rename = "resourceType")]
    resource_type: &'static str,
    #[serde(rename = "type")]
    ty: SpecimenType,
}

/// `Observation.specimen`: the reference to the contained Specimen.
#[derive(Debug, Serialize)]
pub(crate) struct SpecimenRef {
    reference: &'static str,
}

/// The contained Specimen of `m` and the reference to it.
pub(crate) fn specimen(m: Material) -> ([ContainedSpecimen; 1], SpecimenRef) {
    (
        [ContainedSpecimen {
            id: LOCAL_ID,
            resource_type: "Specimen",
            ty: SpecimenType {
                coding: [Coding {
                    code: m.code,
                    display: m.display,
                    system: MATERIAL_SYSTEM,
                }],
            },
        }],
        SpecimenRef {
            reference: "#specimen",
        },
    )
}

/// [`specimen`] as JSON (`contained`, `specimen`), for the resources built as trees.
pub(crate) fn specimen_values(m: Material) -> (Value, Value) {
    let (c, r) = specimen(m);
    // Cannot fail: string keys and values.
    (
        serde_json::to_value(c).unwrap_or(Value::Null),
        serde_json::to_value(r).unwrap_or(Value::Null),
    )
}
