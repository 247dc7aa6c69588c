//! What a Patient (JP_Patient) says about the person: the birth date every import checks
//! against its subject, and, for an import that creates its person (`--new-person`), the
//! kanji and kana names (two HumanNames told apart by the iso21090-EN-representation extension,
//! IDE and SYL), the sex and the insurance card's numbers (on the Patient under the JP Core
//! identifier systems, or on a JP_Coverage of the same Bundle).

use super::json::{Obj, Path};
use super::{BundleHead, ResourceHead, head};
use crate::error::{Error, Result};
use crate::fhir::codes::system;
use crate::fhir::date::{DATE_FORMS, FhirDate};
use crate::records::{DatePrecision, NewPerson, Sex};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// A Patient, read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PatientFacts {
    /// Where the Patient is (`entry[0].resource`), for errors.
    pub path: String,
    pub birth_date: Option<FhirDate>,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name_kana: Option<String>,
    pub given_name_kana: Option<String>,
    pub sex: Option<Sex>,
    pub insurer_number: Option<String>,
    pub insured_symbol: Option<String>,
    pub insured_number: Option<String>,
}

/// One HumanName: (representation, family, given), or its text split at the first space.
fn human_name(n: &Obj<'_, '_>) -> Result<(Option<String>, Option<String>, Option<String>)> {
    let mut representation = None;
    for (e, ep) in n.array("extension")? {
        let e = Obj::new(e, &ep)?;
        if e.str("url")? == Some(system::EN_REPRESENTATION) {
            representation = e.str("valueCode")?.map(str::to_owned);
        }
    }
    let mut given = vec![];
    for (g, gp) in n.array("given")? {
        match g {
            Value::String(s) => given.push(s.as_str()),
            _ => return Err(gp.err("expected a string")),
        }
    }
    let (mut family, mut given) = (
        n.str("family")?.map(str::to_owned),
        (!given.is_empty()).then(|| given.join("\u{3000}")),
    );
    if family.is_none()
        && given.is_none()
        && let Some(text) = n.str("text")?
    {
        let text = text.trim();
        match text.split_once(['\u{3000}', ' ']) {
            Some((f, g)) => (family, given) = (Some(f.to_owned()), Some(g.trim().to_owned())),
            None if !text.is_empty() => family = Some(text.to_owned()),
            None => {}
        }
    }
    Ok((representation, family, given))
}

/// A Patient resource at `path`.
pub(crate) fn read(o: &Obj<'_, '_>) -> Result<PatientFacts> {
    let mut f = PatientFacts {
        path: o.path.as_str().to_owned(),
        birth_date: o.date_span("birthDate")?,
        ..Default::default()
    };
    let mut names = vec![];
    for (n, np) in o.array("name")? {
        names.push(human_name(&Obj::new(n, &np)?)?);
    }
    let ideographic = names
        .iter()
        .find(|(r, _, _)| r.as_deref() == Some("IDE"))
        .or_else(|| names.iter().find(|(r, _, _)| r.is_none()));
    if let Some((_, family, given)) = ideographic {
        (f.family_name, f.given_name) = (family.clone(), given.clone());
    }
    if let Some((_, family, given)) = names.iter().find(|(r, _, _)| r.as_deref() == Some("SYL")) {
        (f.family_name_kana, f.given_name_kana) = (family.clone(), given.clone());
    }
    f.sex = match o.str("gender")? {
        Some("male") => Some(Sex::Male),
        Some("female") => Some(Sex::Female),
        Some("other") => Some(Sex::Other),
        Some("unknown") => Some(Sex::Unknown),
        Some(_) => {
            return Err(o
                .path
                .key("gender")
                .err("must be male, female, other or unknown"));
        }
        None => None,
    };
    for (i, ip) in o.array("identifier")? {
        let i = Obj::new(i, &ip)?;
        let value = i.str("value")?.map(str::to_owned);
        match i.str("system")? {
            Some(system::INSURER_NUMBER) => f.insurer_number = value,
            Some(system::INSURED_SYMBOL) => f.insured_symbol = value,
            Some(system::INSURED_NUMBER) => f.insured_number = value,
            _ => {}
        }
    }
    Ok(f)
}

/// JP_Coverage's extensions for the card's 記号 and 番号.
fn coverage(o: &Obj<'_, '_>, f: &mut PatientFacts) -> Result<()> {
    for (e, ep) in o.array("extension")? {
        let e = Obj::new(e, &ep)?;
        let value = e.str("valueString")?.map(str::to_owned);
        match e.str("url")? {
            Some(u) if u.ends_with("/JP_Coverage_InsuredPersonSymbol") => {
                f.insured_symbol = f.insured_symbol.take().or(value)
            }
            Some(u) if u.ends_with("/JP_Coverage_InsuredPersonNumber") => {
                f.insured_number = f.insured_number.take().or(value)
            }
            _ => {}
        }
    }
    Ok(())
}

/// The parts of an entry this reading needs.
#[derive(Deserialize)]
struct EntryResource<'a> {
    #[serde(borrow)]
    resource: Option<&'a RawValue>,
}

/// The first Patient of a Bundle (or the single Patient resource `bytes` is), with the insurance
/// numbers of a Coverage beside it; `None` when there is no Patient. Only the Patient and
/// Coverage resources are parsed.
pub fn patient_of(bytes: &[u8]) -> Result<Option<PatientFacts>> {
    let root = Path::root();
    let as_json = |raw: &RawValue, p: &Path| -> Result<Value> {
        serde_json::from_str(raw.get()).map_err(|_| p.err("expected an object"))
    };
    let entries: Vec<&RawValue> = match BundleHead::read(bytes) {
        Some(e) => e,
        None => {
            let whole: &RawValue =
                serde_json::from_slice(bytes).map_err(|_| root.err("not valid JSON"))?;
            let v = as_json(whole, &root)?;
            if v.get("resourceType").and_then(Value::as_str) != Some("Patient") {
                return Ok(None);
            }
            return read(&Obj::new(&v, &root)?).map(Some);
        }
    };
    let mut found: Option<PatientFacts> = None;
    let mut coverages = vec![];
    for (i, e) in entries.iter().enumerate() {
        let p = root.key("entry").index(i).key("resource");
        let Some(r) = head::<EntryResource<'_>>(e).and_then(|e| e.resource) else {
            continue;
        };
        let Some(ResourceHead {
            resource_type: Some(t),
            ..
        }) = head::<ResourceHead<'_>>(r)
        else {
            continue;
        };
        match t.as_ref() {
            "Patient" if found.is_none() => {
                found = Some(read(&Obj::new(&as_json(r, &p)?, &p)?)?);
            }
            "Coverage" => coverages.push((as_json(r, &p)?, p)),
            _ => {}
        }
    }
    if let Some(f) = &mut found {
        for (v, p) in &coverages {
            coverage(&Obj::new(v, p)?, f)?;
        }
    }
    Ok(found)
}

impl PatientFacts {
    /// The person to create from this Patient, known on this device as `nickname`. A Patient
    /// without a kanji (or any) name or without a full birth date cannot make one: the error
    /// names the element.
    pub fn new_person(&self, nickname: &str) -> Result<NewPerson> {
        let at = |k: &str| format!("{}.{k}", self.path);
        let birth_date = match self.birth_date {
            Some(d) if d.precision == DatePrecision::Day => d.first,
            Some(_) => {
                return Err(Error::invalid(
                    at("birthDate"),
                    "a new person needs a full birth date (YYYY-MM-DD)",
                ));
            }
            None => return Err(Error::invalid(at("birthDate"), DATE_FORMS)),
        };
        let (Some(family_name), Some(given_name)) = (&self.family_name, &self.given_name) else {
            return Err(Error::invalid(
                at("name"),
                "a new person needs a family and a given name",
            ));
        };
        Ok(NewPerson {
            nickname: nickname.to_owned(),
            family_name: family_name.clone(),
            given_name: given_name.clone(),
            family_name_kana: self.family_name_kana.clone(),
            given_name_kana: self.given_name_kana.clone(),
            birth_date,
            sex: self.sex.unwrap_or(Sex::Unknown),
            insurer_number: self.insurer_number.clone(),
            insured_symbol: self.insured_symbol.clone(),
            insured_number: self.insured_number.clone(),
            municipality_code: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_patient_of_a_bundle_is_found() {
        let b = r#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Observation"}},{"fullUrl":"x","resource":{"resourceType":"Patient","birthDate":"1960-04-12","name":[{"family":"山田","given":["太郎"]}]}}]}"#;
        let f = patient_of(b.as_bytes()).unwrap().unwrap();
        assert_eq!(f.path, "entry[1].resource");
        assert_eq!(f.family_name.as_deref(), Some("山田"));
        let one = br#"{"resourceType":"Patient","gender":"female"}"#;
        assert_eq!(patient_of(one).unwrap().unwrap().sex, Some(Sex::Female));
    }
}
