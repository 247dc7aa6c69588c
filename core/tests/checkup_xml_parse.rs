//! The health-checkup XML parser: our fixtures read as written, and every malformed variant
//! (made by mutating a fixture) is refused naming the element path, without the value.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use phr_core::Error;
use phr_core::checkup_xml::{self, ImportedCheckup};
use phr_core::records::{CheckupCodeSystem, Sex};

const COMPLETE: &str = include_str!("fixtures/checkup/tokutei_complete.xml");
const MINIMAL: &str = include_str!("fixtures/checkup/tokutei_minimal.xml");
const FORTY: &str = include_str!("fixtures/checkup/tokutei_40_results.xml");
const BODY: &str = "ClinicalDocument/component/structuredBody/component[1]/section";

fn parse(s: &str) -> phr_core::Result<ImportedCheckup> {
    checkup_xml::parse(s.as_bytes())
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn complete_file_reads_header_and_every_result() {
    let c = parse(COMPLETE).unwrap();
    let h = &c.header;
    assert_eq!(
        h.document_id.as_deref(),
        Some("1.2.392.200119.6.102.1312345678^2024-000123")
    );
    assert_eq!(h.document_date, d(2024, 6, 20));
    assert_eq!(h.checkup_date, d(2024, 6, 12));
    assert_eq!(h.report_kind.as_deref(), Some("10"));
    assert_eq!(h.program_code.as_deref(), Some("010"));
    assert_eq!(h.insurer_number.as_deref(), Some("06139993"));
    assert_eq!(h.insured_symbol.as_deref(), Some("ｱｲｳ12"));
    assert_eq!(h.insured_number.as_deref(), Some("3456"));
    assert_eq!(h.insured_branch.as_deref(), Some("01"));
    assert_eq!(h.institution_code.as_deref(), Some("1312345678"));
    assert_eq!(h.institution_name.as_deref(), Some("千代田健診センター"));
    assert_eq!(h.patient_name.as_deref(), Some("ヤマダ　ハナコ"));
    assert_eq!(h.sex, Some(Sex::Female));
    assert_eq!(h.birth_date, Some(d(1970, 4, 15)));

    let k = &c.checkup;
    assert_eq!(k.date, d(2024, 6, 12));
    assert_eq!(k.program, "specific_health_checkup");
    assert_eq!(k.institution, "千代田健診センター");
    assert_eq!(k.institution_code.as_deref(), Some("1312345678"));
    assert!(k.judgement.as_deref().unwrap().starts_with("脂質・血糖"));
    assert_eq!(k.results.len(), 30);
    assert_eq!(
        c.not_done, 1,
        "the doctor's name with nullFlavor is not a result"
    );
    assert!(
        k.results
            .iter()
            .all(|r| r.code_system == CheckupCodeSystem::Tokutei)
    );

    let by = |code: &str| k.results.iter().find(|r| r.code == code).unwrap();
    let height = by("9N001000000000001");
    assert_eq!(
        (height.value_num, height.unit.as_deref()),
        (Some(158.2), Some("cm"))
    );
    assert_eq!(height.name, "身長");
    let tg = by("3F015000002327101");
    assert_eq!(tg.value_num, Some(162.0));
    assert_eq!((tg.ref_low, tg.ref_high), (Some(30.0), Some(149.0)));
    assert_eq!(tg.flag.as_deref(), Some("H"));
    let ldl = by("3F077000002327101");
    assert_eq!(ldl.unit.as_deref(), Some("mg/dL"), "mg/dl is normalised");
    let hdl = by("3F070000002327101");
    assert_eq!((hdl.ref_low, hdl.ref_high), (Some(40.0), None));
    let sbp = by("9A751000000000001");
    assert_eq!(sbp.unit.as_deref(), Some("mm[Hg]"));
    let protein = by("1A010000000191111");
    assert_eq!(protein.value_code.as_deref(), Some("2"));
    assert_eq!(protein.flag.as_deref(), Some("A"));
    let metabo = by("9N501000000000011");
    assert_eq!(metabo.value_code.as_deref(), Some("2"));
    assert_eq!(
        checkup_xml::lookup_item(&metabo.code)
            .unwrap()
            .result_code_system,
        "1.2.392.200119.6.1008",
        "the result-code OID is kept through the item table"
    );
    let symptoms = by("9N061160800000049");
    assert_eq!(symptoms.value_text.as_deref(), Some("特記事項なし"));
}

#[test]
fn minimal_file_reads_with_the_author_as_institution() {
    let c = parse(MINIMAL).unwrap();
    assert_eq!(c.header.document_id, None);
    assert_eq!(c.header.sex, None);
    assert_eq!(c.checkup.date, d(2023, 9, 5));
    assert_eq!(c.checkup.institution, "2710000001");
    assert_eq!(c.checkup.results.len(), 1);
    assert_eq!(c.checkup.results[0].value_num, Some(70.2));
}

#[test]
fn nested_observations_are_results_too() {
    let c = parse(FORTY).unwrap();
    assert_eq!(c.checkup.results.len(), 40);
    assert!(
        c.checkup
            .results
            .iter()
            .any(|r| r.code == "9N796000000000011")
    );
}

#[test]
fn byte_order_mark_and_detection() {
    let with_bom = format!("\u{feff}{MINIMAL}");
    assert!(parse(&with_bom).is_ok());
    assert!(checkup_xml::looks_like_checkup_xml(with_bom.as_bytes()));
    assert!(checkup_xml::looks_like_checkup_xml(COMPLETE.as_bytes()));
    // The declaration line of MINIMAL is replaced by one followed by a DOCTYPE.
    let body = MINIMAL.split_once('\n').unwrap().1;
    let with_doctype =
        format!("<?xml version=\"1.0\"?>\n<!DOCTYPE ClinicalDocument [<!ENTITY e \"x\">]>\n{body}");
    assert!(
        checkup_xml::looks_like_checkup_xml(with_doctype.as_bytes()),
        "recognised, so that parse can refuse the DOCTYPE by name"
    );
    assert!(matches!(
        parse(&with_doctype),
        Err(Error::InvalidInput { field, .. }) if field == "DOCTYPE"
    ));
    assert!(!checkup_xml::looks_like_checkup_xml(
        b"{\"resourceType\":\"Bundle\"}"
    ));
    assert!(!checkup_xml::looks_like_checkup_xml(
        b"<Bundle xmlns=\"http://hl7.org/fhir\"/>"
    ));
}

/// Replace the `n`-th (1-based) occurrence of `from`.
fn nth_replace(s: &str, from: &str, to: &str, n: usize) -> String {
    let (i, _) = s
        .match_indices(from)
        .nth(n - 1)
        .expect("mutation target present");
    format!("{}{}{}", &s[..i], to, &s[i + from.len()..])
}

fn one(from: &'static str, to: &'static str) -> Box<dyn Fn(&str) -> String> {
    Box::new(move |s| nth_replace(s, from, to, 1))
}

/// (case, mutation, expected field, a value that must not appear in the message)
type Case = (
    &'static str,
    Box<dyn Fn(&str) -> String>,
    String,
    &'static str,
);

fn cases() -> Vec<Case> {
    let e = |n: usize, rest: &str| format!("{BODY}/entry[{n}]/observation/{rest}");
    vec![
        (
            "wrong root",
            Box::new(|s: &str| {
                s.replace("<ClinicalDocument ", "<Document ")
                    .replace("</ClinicalDocument>", "</Document>")
            }),
            "ClinicalDocument".into(),
            "Document ",
        ),
        (
            "wrong namespace",
            one(r#"xmlns="urn:hl7-org:v3""#, r#"xmlns="urn:example:v3""#),
            "ClinicalDocument".into(),
            "urn:example",
        ),
        (
            "bad typeId",
            one("POCD_HD000040", "POCD_HD999999"),
            "ClinicalDocument/typeId@extension".into(),
            "POCD_HD999999",
        ),
        (
            "missing typeId",
            one(
                r#"<typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>"#,
                "",
            ),
            "ClinicalDocument/typeId".into(),
            "",
        ),
        (
            "bad document date",
            one(r#"<effectiveTime value="20240620"/>"#, r#"<effectiveTime value="20241340"/>"#),
            "ClinicalDocument/effectiveTime@value".into(),
            "20241340",
        ),
        (
            "bad checkup date",
            one(r#"<effectiveTime value="20240612"/>"#, r#"<effectiveTime value="2024-06-12"/>"#),
            "ClinicalDocument/documentationOf/serviceEvent/effectiveTime@value".into(),
            "2024-06-12",
        ),
        (
            "missing recordTarget",
            Box::new(|s: &str| {
                let a = s.find("<recordTarget>").unwrap();
                let b = s.find("</recordTarget>").unwrap() + "</recordTarget>".len();
                format!("{}{}", &s[..a], &s[b..])
            }),
            "ClinicalDocument/recordTarget".into(),
            "",
        ),
        (
            "bad sex code",
            one(r#"<administrativeGenderCode code="2""#, r#"<administrativeGenderCode code="7""#),
            "ClinicalDocument/recordTarget/patientRole/patient/administrativeGenderCode@code".into(),
            "7",
        ),
        (
            "bad birth date",
            one("19700415", "19700431"),
            "ClinicalDocument/recordTarget/patientRole/patient/birthTime@value".into(),
            "19700431",
        ),
        (
            "short institution number",
            Box::new(|s: &str| nth_replace(s, r#"extension="1312345678""#, r#"extension="131234567""#, 2)),
            "ClinicalDocument/documentationOf/serviceEvent/performer/assignedEntity/representedOrganization/id@extension".into(),
            "131234567",
        ),
        (
            "non-numeric PQ value",
            one(r#"value="158.2""#, r#"value="15a8.2""#),
            e(1, "value@value"),
            "15a8",
        ),
        (
            "infinite PQ value",
            one(r#"value="61.4""#, r#"value="1e999""#),
            e(2, "value@value"),
            "1e999",
        ),
        (
            "unknown xsi:type",
            one(r#"xsi:type="PQ""#, r#"xsi:type="REAL""#),
            e(1, "value@xsi:type"),
            "",
        ),
        (
            "type not the table's",
            one(r#"<value xsi:type="ST">特記事項なし"#, r#"<value xsi:type="CD" code="1">特記事項なし"#),
            e(29, "value@xsi:type"),
            "特記事項なし",
        ),
        (
            "unit of another dimension",
            one(r#"value="162" unit="mg/dL""#, r#"value="162" unit="mmol/L""#),
            e(9, "value@unit"),
            "162",
        ),
        (
            "missing unit",
            one(r#"value="61.4" unit="kg""#, r#"value="61.4""#),
            e(2, "value@unit"),
            "61.4",
        ),
        (
            "duplicate item code",
            one(r#"code="9A752000000000001""#, r#"code="9A751000000000001""#),
            e(6, "code@code"),
            "",
        ),
        (
            "unknown item code",
            one(r#"code="9N011000000000001""#, r#"code="9N999999999999999""#),
            e(3, "code@code"),
            "9N999999999999999",
        ),
        (
            "short item code",
            one(r#"code="9N011000000000001""#, r#"code="9N011""#),
            e(3, "code@code"),
            "9N011\"",
        ),
        (
            "wrong item code system",
            one(r#"codeSystem="1.2.392.200119.6.1005""#, r#"codeSystem="2.16.840.1.113883.6.1""#),
            e(1, "code@codeSystem"),
            "",
        ),
        (
            "wrong result-code system",
            one(r#"codeSystem="1.2.392.200119.6.1008""#, r#"codeSystem="1.2.392.200119.6.3001""#),
            e(27, "value@codeSystem"),
            "",
        ),
        (
            "missing result code",
            one(r#"code="2" codeSystem="1.2.392.200119.6.1008""#, r#"codeSystem="1.2.392.200119.6.1008""#),
            e(27, "value@code"),
            "",
        ),
        (
            "unknown interpretation code",
            one(r#"<interpretationCode code="N""#, r#"<interpretationCode code="ZZ""#),
            e(3, "interpretationCode@code"),
            "ZZ",
        ),
        (
            "reference range upside down",
            one(r#"<low value="30" unit="mg/dL"/>"#, r#"<low value="300" unit="mg/dL"/>"#),
            e(9, "referenceRange[1]/observationRange/value/low@value"),
            "300",
        ),
        (
            "reference range in another unit",
            one(r#"<low value="30" unit="mg/dL"/>"#, r#"<low value="30" unit="g"/>"#),
            e(9, "referenceRange[1]/observationRange/value/low@unit"),
            "",
        ),
        (
            "missing observation code",
            one(r#"<code code="9N001000000000001" codeSystem="1.2.392.200119.6.1005" displayName="身長"/>"#, ""),
            e(1, "code"),
            "158.2",
        ),
        (
            "entry without observation",
            Box::new(|s: &str| {
                nth_replace(s, "<entry>", "<entry></entry><entry>", 1)
            }),
            format!("{BODY}/entry[1]/observation"),
            "",
        ),
        (
            "missing structured body",
            Box::new(|s: &str| {
                s.replace("<structuredBody>", "<structuredBodyX>")
                    .replace("</structuredBody>", "</structuredBodyX>")
            }),
            "ClinicalDocument/component/structuredBody".into(),
            "",
        ),
        (
            "DOCTYPE with an entity",
            one(
                "<ClinicalDocument ",
                "<!DOCTYPE ClinicalDocument [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<ClinicalDocument ",
            ),
            "DOCTYPE".into(),
            "passwd",
        ),
        (
            "undeclared entity",
            one("特記事項なし", "&xxe;"),
            format!("{BODY}/entry[29]/observation/value"),
            "xxe",
        ),
        (
            "Shift_JIS declaration",
            one(r#"encoding="UTF-8""#, r#"encoding="Shift_JIS""#),
            "xml declaration".into(),
            "",
        ),
        (
            "mismatched end tag",
            one("</patient>", "</patientX>"),
            "ClinicalDocument/recordTarget/patientRole/patient".into(),
            "",
        ),
        (
            "truncated",
            Box::new(|s: &str| {
                let mut end = s.len() / 2;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s[..end].to_owned()
            }),
            BODY.into(),
            "",
        ),
        (
            "duplicate attribute",
            one(r#"value="158.2""#, r#"value="158.2" value="1""#),
            e(1, "value"),
            "158.2",
        ),
        (
            "control character in a text result",
            one("特記事項なし", "特記&#x1;事項なし"),
            format!("{BODY}/entry[29]/observation/value"),
            "特記",
        ),
        (
            "institution name too long",
            Box::new(|s: &str| {
                nth_replace(s, "<name>千代田健診センター</name>", &format!("<name>{}</name>", "健".repeat(201)), 2)
            }),
            "ClinicalDocument/documentationOf/serviceEvent/performer/assignedEntity/representedOrganization/name".into(),
            "健健",
        ),
        (
            "second root",
            Box::new(|s: &str| format!("{s}<ClinicalDocument xmlns=\"urn:hl7-org:v3\"/>")),
            "document".into(),
            "",
        ),
    ]
}

#[test]
fn malformed_variants_are_refused_naming_the_element_path_without_values() {
    for (case, mutate, field, secret) in cases() {
        let bad = mutate(COMPLETE);
        assert_ne!(bad, COMPLETE, "{case}: the mutation changed nothing");
        match parse(&bad) {
            Err(Error::InvalidInput { field: f, reason }) => {
                assert!(
                    f.starts_with(&field),
                    "{case}: field {f:?} should be {field:?} (reason: {reason})"
                );
                let msg = format!("{f}: {reason}");
                if !secret.is_empty() {
                    assert!(
                        !msg.contains(secret),
                        "{case}: message leaks a value: {msg}"
                    );
                }
                assert!(!msg.contains("ヤマダ"), "{case}: message leaks the name");
            }
            other => panic!("{case}: expected InvalidInput, got {other:?}"),
        }
    }
}

#[test]
fn size_and_encoding_limits() {
    let big = format!(
        "<!--{}-->{MINIMAL}",
        "x".repeat(checkup_xml::MAX_FILE_BYTES)
    );
    assert!(
        matches!(parse(&big), Err(Error::InvalidInput { reason, .. }) if reason.contains("10 MB"))
    );
    let mut latin1 = MINIMAL.as_bytes().to_vec();
    latin1.push(0xff);
    assert!(checkup_xml::parse(&latin1).is_err());
    let deep = MINIMAL.replace(
        "<section>",
        &format!(
            "<section><text>{}{}</text>",
            "<list>".repeat(60),
            "</list>".repeat(60)
        ),
    );
    assert!(
        matches!(parse(&deep), Err(Error::InvalidInput { reason, .. }) if reason.contains("deeper"))
    );
    assert!(parse("").is_err());
    assert!(parse("<?xml version=\"1.0\"?>").is_err());
}

#[test]
fn observations_without_value_are_counted_not_imported() {
    let x = MINIMAL.replace(
        "<entry>",
        r#"<entry><observation classCode="OBS" moodCode="EVN"><code code="9N001000000000001"/><value xsi:type="PQ" nullFlavor="NI"/></observation></entry><entry>"#,
    );
    let c = parse(&x).unwrap();
    assert_eq!((c.checkup.results.len(), c.not_done), (1, 1));
    let only_empty = MINIMAL.replace(r#"<value xsi:type="PQ" value="70.2" unit="kg"/>"#, "");
    assert!(
        parse(&only_empty).is_err(),
        "a document with no result at all is refused"
    );
}
