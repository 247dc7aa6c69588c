//! Code-system URIs and JP Core profile URLs used by the export, each from its source:
//! HL7 FHIR R4 (terminology.hl7.org), JP Core 1.1.2 (jpfhir.jp) and the MHLW / MEDIS OIDs listed in
//! ../shared/design/DOMAIN.md.

/// JP Core profiles (`http://jpfhir.jp/fhir/core/StructureDefinition/…`).
pub mod profile {
    pub const PATIENT: &str = "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Patient";
    pub const OBSERVATION_COMMON: &str =
        "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Observation_Common";
    pub const VITAL_SIGNS: &str =
        "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Observation_VitalSigns";
    pub const BODY_MEASUREMENT: &str =
        "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Observation_BodyMeasurement";
    pub const LAB_RESULT: &str =
        "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Observation_LabResult";
    pub const DIAGNOSTIC_REPORT_COMMON: &str =
        "http://jpfhir.jp/fhir/core/StructureDefinition/JP_DiagnosticReport_Common";
    pub const IMMUNIZATION: &str = "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Immunization";
    pub const CONDITION: &str = "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Condition";
    pub const ALLERGY_INTOLERANCE: &str =
        "http://jpfhir.jp/fhir/core/StructureDefinition/JP_AllergyIntolerance";
}

/// Code systems and identifier systems.
pub mod system {
    pub const LOINC: &str = "http://loinc.org";
    pub const UCUM: &str = "http://unitsofmeasure.org";
    /// A URI identifier (`urn:uuid:…`): the record's own id, stable across exports.
    pub const URI: &str = "urn:ietf:rfc:3986";
    pub const JP_OBSERVATION_CATEGORY: &str =
        "http://jpfhir.jp/fhir/core/CodeSystem/JP_SimpleObservationCategory_CS";
    pub const HL7_OBSERVATION_CATEGORY: &str =
        "http://terminology.hl7.org/CodeSystem/observation-category";
    pub const INTERPRETATION: &str =
        "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
    pub const REFERENCE_RANGE_MEANING: &str =
        "http://terminology.hl7.org/CodeSystem/referencerange-meaning";
    pub const CONDITION_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
    pub const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
    pub const ALLERGY_CLINICAL: &str =
        "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
    pub const DATA_ABSENT_REASON: &str = "http://terminology.hl7.org/CodeSystem/data-absent-reason";
    pub const PROVENANCE_PARTICIPANT: &str =
        "http://terminology.hl7.org/CodeSystem/provenance-participant-type";
    pub const EN_REPRESENTATION: &str =
        "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation";
    pub const DATA_ABSENT_REASON_EXT: &str =
        "http://hl7.org/fhir/StructureDefinition/data-absent-reason";
    /// 特定健診 item codes (17 characters).
    pub const TOKUTEI_ITEM: &str = "urn:oid:1.2.392.200119.6.1005";
    /// 特定健診 report kind (`10` = 特定健診情報), from the MHLW hc08 header.
    pub const CHECKUP_REPORT_KIND: &str = "urn:oid:1.2.392.200119.6.1001";
    /// 特定健診 checkup institution number (10 digits).
    pub const CHECKUP_INSTITUTION: &str = "urn:oid:1.2.392.200119.6.102";
    /// JLAC10 laboratory codes as JP Core 1.1.2 names them.
    pub const JLAC10: &str = "urn:oid:1.2.392.200119.4.504";
    /// HOT9 drug and vaccine codes.
    pub const HOT: &str = "urn:oid:1.2.392.200119.4.403.1";
    /// YJ drug codes.
    pub const YJ: &str = "urn:oid:1.2.392.100495.20.1.73";
    /// MEDIS standard disease-name master (病名交換用コード).
    pub const MEDIS_DISEASE: &str = "urn:oid:1.2.392.200119.4.101.6";
    pub const ICD10: &str = "http://hl7.org/fhir/sid/icd-10";
    pub const SNOMED: &str = "http://snomed.info/sct";
    /// 保険者番号, 被保険者証記号, 被保険者証番号 (JP Core identifier systems).
    pub const INSURER_NUMBER: &str = "urn:oid:1.2.392.100495.20.3.61";
    pub const INSURED_SYMBOL: &str = "urn:oid:1.2.392.100495.20.3.62";
    pub const INSURED_NUMBER: &str = "urn:oid:1.2.392.100495.20.3.63";
}

/// The system URI of a code-system name as the record model stores it (`hot`, `yj`, `jlac10`,
/// `loinc`, …). `None` for a name we do not know: the code then travels as text only.
pub fn system_uri(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        "hot" | "hot9" => system::HOT,
        "yj" => system::YJ,
        "jlac10" => system::JLAC10,
        "tokutei" => system::TOKUTEI_ITEM,
        "loinc" => system::LOINC,
        "icd10" | "icd-10" => system::ICD10,
        "medis" | "byomei" => system::MEDIS_DISEASE,
        "snomed" | "sct" => system::SNOMED,
        _ => return None,
    })
}
