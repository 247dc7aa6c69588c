//! The document header: what identifies the document, the person and the institution.
//! It carries no health values.

use super::path::Path;
use super::tree::Element;
use super::ts;
use crate::error::{Error, Result};
use crate::records::Sex;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const CDA_TYPE_ID_ROOT: &str = "2.16.840.1.113883.1.3";
pub const CDA_TYPE_ID_EXTENSION: &str = "POCD_HD000040";
pub const REPORT_KIND_OID: &str = "1.2.392.200119.6.1001";
pub const INSURER_OID: &str = "1.2.392.200119.6.101";
pub const INSURED_SYMBOL_OID: &str = "1.2.392.200119.6.204";
pub const INSURED_NUMBER_OID: &str = "1.2.392.200119.6.205";
pub const INSURED_BRANCH_OID: &str = "1.2.392.200119.6.211";
pub const INSTITUTION_OID: &str = "1.2.392.200119.6.102";
pub const SEX_OID: &str = "1.2.392.200119.6.1104";
pub const PROGRAM_OID: &str = "1.2.392.200119.6.1002";

/// The header of a health-checkup file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckupHeader {
    /// `id@root` and `id@extension` joined by `^` (`None` for `nullFlavor`).
    pub document_id: Option<String>,
    /// The document's own date (文書発行日).
    pub document_date: NaiveDate,
    /// The date the checkup was done (実施日): `serviceEvent/effectiveTime`, or the document
    /// date when the file does not give one.
    pub checkup_date: NaiveDate,
    /// 報告区分 (OID 1.2.392.200119.6.1001): `10` = 特定健診.
    pub report_kind: Option<String>,
    /// プログラム種別 (OID 1.2.392.200119.6.1002): `010` = 特定健診.
    pub program_code: Option<String>,
    /// 保険者番号.
    pub insurer_number: Option<String>,
    /// 被保険者証等記号, 番号 and 枝番.
    pub insured_symbol: Option<String>,
    pub insured_number: Option<String>,
    pub insured_branch: Option<String>,
    /// The institution that did the checkup (実施機関; else the author's organisation).
    pub institution_code: Option<String>,
    pub institution_name: Option<String>,
    /// `patient/name`, usually in kana.
    pub patient_name: Option<String>,
    pub sex: Option<Sex>,
    pub birth_date: Option<NaiveDate>,
}

/// Read the header of `root` (the `ClinicalDocument` element).
pub fn read(root: &Element) -> Result<CheckupHeader> {
    let doc = Path::root("ClinicalDocument");
    let type_id = root.require(&doc, "typeId")?;
    let tp = doc.child("typeId");
    if type_id.attr("root") != Some(CDA_TYPE_ID_ROOT) {
        return Err(Error::invalid(
            tp.attr("root"),
            "must be 2.16.840.1.113883.1.3",
        ));
    }
    if type_id.attr("extension") != Some(CDA_TYPE_ID_EXTENSION) {
        return Err(Error::invalid(
            tp.attr("extension"),
            "must be POCD_HD000040",
        ));
    }
    let id = root.require(&doc, "id")?;
    let document_id = match (id.attr("nullFlavor"), id.attr("root")) {
        (Some(_), _) => None,
        (None, Some(r)) => Some(match id.attr("extension") {
            Some(e) => format!("{r}^{e}"),
            None => r.to_owned(),
        }),
        (None, None) => {
            return Err(Error::invalid(
                doc.child("id").attr("root"),
                "is required unless nullFlavor is given",
            ));
        }
    };
    let report_kind = match root.child("code") {
        Some(c) => {
            coded_in(c, &doc.child("code"), REPORT_KIND_OID)?;
            Some(required_attr(c, &doc.child("code"), "code")?.to_owned())
        }
        None => None,
    };
    let et = root.require(&doc, "effectiveTime")?;
    let document_date = ts::date(&doc.child("effectiveTime").attr("value"), et.attr("value"))?;

    let rt = doc.child("recordTarget");
    let role_path = rt.child("patientRole");
    let role = root
        .require(&doc, "recordTarget")?
        .require(&rt, "patientRole")?;
    let ids = IdFinder::new(role, &role_path);
    let insurer_number = ids.find(INSURER_OID)?;
    let insured_symbol = ids.find(INSURED_SYMBOL_OID)?;
    let insured_number = ids.find(INSURED_NUMBER_OID)?;
    let insured_branch = ids.find(INSURED_BRANCH_OID)?;
    let pp = role_path.child("patient");
    let (patient_name, sex, birth_date) = match role.child("patient") {
        None => (None, None, None),
        Some(p) => {
            let name = p.child("name").and_then(name_text);
            let sex = match p.child("administrativeGenderCode") {
                None => None,
                Some(g) => {
                    let gp = pp.child("administrativeGenderCode");
                    coded_in(g, &gp, SEX_OID)?;
                    match required_attr(g, &gp, "code")? {
                        "1" => Some(Sex::Male),
                        "2" => Some(Sex::Female),
                        _ => return Err(Error::invalid(gp.attr("code"), "must be 1 or 2")),
                    }
                }
            };
            let birth = match p.child("birthTime") {
                Some(b) => Some(ts::date(
                    &pp.child("birthTime").attr("value"),
                    b.attr("value"),
                )?),
                None => None,
            };
            (name, sex, birth)
        }
    };

    let mut program_code = None;
    let mut checkup_date = document_date;
    let mut institution = None;
    if let Some(ev) = root
        .child("documentationOf")
        .and_then(|d| d.child("serviceEvent"))
    {
        let ep = doc.child("documentationOf").child("serviceEvent");
        if let Some(c) = ev.child("code") {
            coded_in(c, &ep.child("code"), PROGRAM_OID)?;
            program_code = Some(required_attr(c, &ep.child("code"), "code")?.to_owned());
        }
        if let Some(t) = ev.child("effectiveTime") {
            let tp = ep.child("effectiveTime");
            // IVL_TS: a value, or low (the day the checkup started).
            checkup_date = match (t.attr("value"), t.child("low")) {
                (Some(v), _) => ts::date(&tp.attr("value"), Some(v))?,
                (None, Some(low)) => ts::date(&tp.child("low").attr("value"), low.attr("value"))?,
                (None, None) => return Err(Error::invalid(tp.attr("value"), "is required")),
            };
        }
        if let Some(org) = ev
            .child("performer")
            .and_then(|p| p.child("assignedEntity"))
            .and_then(|a| a.child("representedOrganization"))
        {
            let op = ep
                .child("performer")
                .child("assignedEntity")
                .child("representedOrganization");
            institution = Some(organization(org, &op)?);
        }
    }
    if institution.is_none()
        && let Some(org) = root
            .child("author")
            .and_then(|a| a.child("assignedAuthor"))
            .and_then(|a| a.child("representedOrganization"))
    {
        let op = doc
            .child("author")
            .child("assignedAuthor")
            .child("representedOrganization");
        institution = Some(organization(org, &op)?);
    }
    let (institution_code, institution_name) = institution.unwrap_or((None, None));
    Ok(CheckupHeader {
        document_id,
        document_date,
        checkup_date,
        report_kind,
        program_code,
        insurer_number,
        insured_symbol,
        insured_number,
        insured_branch,
        institution_code,
        institution_name,
        patient_name,
        sex,
        birth_date,
    })
}

/// The code and name of an organisation; the code must be the 10-digit institution number.
fn organization(org: &Element, path: &Path) -> Result<(Option<String>, Option<String>)> {
    let code = IdFinder::new(org, path).find(INSTITUTION_OID)?;
    if let Some(c) = &code
        && (c.len() != 10 || !c.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(Error::invalid(
            path.child("id").attr("extension"),
            "must be the 10-digit institution number",
        ));
    }
    let name = org.child("name").and_then(name_text);
    if let Some(n) = &name
        && (n.chars().count() > 200 || n.chars().any(char::is_control))
    {
        return Err(Error::invalid(
            path.child("name").to_string(),
            "must be at most 200 characters, without control characters",
        ));
    }
    Ok((code, name))
}

/// A name element's text (PN/ON are mixed content: parts may sit in child elements).
fn name_text(name: &Element) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    if let Some(t) = name.trimmed_text() {
        parts.push(t);
    }
    for c in &name.children {
        if let Some(t) = c.trimmed_text() {
            parts.push(t);
        }
    }
    (!parts.is_empty()).then(|| parts.join("\u{3000}"))
}

fn required_attr<'a>(el: &'a Element, path: &Path, name: &str) -> Result<&'a str> {
    el.attr(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::invalid(path.attr(name), "is required"))
}

/// A coded element whose `codeSystem`, when present, must be `oid`.
fn coded_in(el: &Element, path: &Path, oid: &str) -> Result<()> {
    match el.attr("codeSystem") {
        Some(cs) if cs.trim() != oid => Err(Error::invalid(
            path.attr("codeSystem"),
            format!("must be {oid}"),
        )),
        _ => Ok(()),
    }
}

/// Finds `id` children by their `root` OID; each OID may appear once.
struct IdFinder<'a> {
    el: &'a Element,
    path: &'a Path,
}

impl<'a> IdFinder<'a> {
    fn new(el: &'a Element, path: &'a Path) -> Self {
        IdFinder { el, path }
    }

    fn find(&self, oid: &str) -> Result<Option<String>> {
        let mut found = None;
        let mut seen = false;
        for (i, id) in self.el.children_named("id").enumerate() {
            if id.attr("root").map(str::trim) != Some(oid) {
                continue;
            }
            let p = self.path.nth("id", i + 1);
            if seen {
                return Err(Error::invalid(p.to_string(), "repeats an identifier"));
            }
            seen = true;
            if id.attr("nullFlavor").is_some() {
                continue;
            }
            let ext = required_attr(id, &p, "extension")?;
            if ext.chars().count() > 64 || ext.chars().any(char::is_control) {
                return Err(Error::invalid(
                    p.attr("extension"),
                    "is not a valid identifier",
                ));
            }
            found = Some(ext.to_owned());
        }
        Ok(found)
    }
}
