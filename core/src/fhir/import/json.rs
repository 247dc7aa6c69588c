//! Reading FHIR JSON with errors that name the JSON path (`entry[3].resource.valueQuantity.value:
//! expected a number`), never the value found there.

use crate::error::{Error, Result};
use crate::fhir::date::{self, FhirDate, FhirTime};
use crate::records::{AsGiven, DatePrecision, Stamp};
use chrono::NaiveDate;
use serde_json::{Map, Value};

/// A JSON path as errors print it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path(String);

impl Path {
    pub fn root() -> Self {
        Path(String::new())
    }
    pub fn key(&self, k: &str) -> Self {
        if self.0.is_empty() {
            Path(k.to_owned())
        } else {
            Path(format!("{}.{k}", self.0))
        }
    }
    pub fn index(&self, i: usize) -> Self {
        Path(format!("{}[{i}]", self.0))
    }
    pub fn as_str(&self) -> &str {
        if self.0.is_empty() { "$" } else { &self.0 }
    }
    /// An error at this path.
    pub fn err(&self, reason: &str) -> Error {
        Error::invalid(self.as_str(), reason)
    }
}

/// An object at `p`, or an error naming `p`.
pub fn object<'a>(v: &'a Value, p: &Path) -> Result<&'a Map<String, Value>> {
    v.as_object().ok_or_else(|| p.err("expected an object"))
}

/// A view of one JSON object with its path: every getter checks the type of what it finds.
#[derive(Clone, Copy)]
pub struct Obj<'a, 'p> {
    pub map: &'a Map<String, Value>,
    pub path: &'p Path,
}

impl<'a, 'p> Obj<'a, 'p> {
    pub fn new(v: &'a Value, path: &'p Path) -> Result<Self> {
        Ok(Obj {
            map: object(v, path)?,
            path,
        })
    }

    pub fn has(&self, k: &str) -> bool {
        self.map.get(k).is_some_and(|v| !v.is_null())
    }

    pub fn raw(&self, k: &str) -> Option<&'a Value> {
        self.map.get(k).filter(|v| !v.is_null())
    }

    pub fn str(&self, k: &str) -> Result<Option<&'a str>> {
        match self.raw(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(self.path.key(k).err("expected a string")),
        }
    }

    pub fn num(&self, k: &str) -> Result<Option<f64>> {
        match self.raw(k) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_f64()
                .filter(|f| f.is_finite())
                .map(Some)
                .ok_or_else(|| self.path.key(k).err("expected a finite number")),
            Some(_) => Err(self.path.key(k).err("expected a number")),
        }
    }

    pub fn uint(&self, k: &str) -> Result<Option<u64>> {
        match self.raw(k) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.path.key(k).err("expected a positive whole number")),
        }
    }

    /// A child object (with its path, owned by the caller).
    pub fn child(&self, k: &str) -> Result<Option<(&'a Value, Path)>> {
        match self.raw(k) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some((v, self.path.key(k)))),
            Some(_) => Err(self.path.key(k).err("expected an object")),
        }
    }

    /// The elements of an array, each with its path.
    pub fn array(&self, k: &str) -> Result<Vec<(&'a Value, Path)>> {
        match self.raw(k) {
            None => Ok(vec![]),
            Some(Value::Array(a)) => {
                let p = self.path.key(k);
                Ok(a.iter().enumerate().map(|(i, v)| (v, p.index(i))).collect())
            }
            Some(_) => Err(self.path.key(k).err("expected an array")),
        }
    }

    /// A FHIR `date` (or a `dateTime`, whose local date is taken), as its span: a partial date
    /// (`2015`, `2022-05`) is every day it may be.
    pub fn date_span(&self, k: &str) -> Result<Option<FhirDate>> {
        match self.str(k)? {
            None => Ok(None),
            Some(s) => parse_fhir_date(s)
                .map(Some)
                .ok_or_else(|| self.path.key(k).err(date::DATE_FORMS)),
        }
    }

    /// [`Obj::date_span`], with what a record keeps when it is coarser than a day (`2015`).
    pub fn date_given(&self, k: &str) -> Result<Option<(FhirDate, Option<AsGiven>)>> {
        let Some(d) = self.date_span(k)? else {
            return Ok(None);
        };
        let given = match (d.precision, self.str(k)?) {
            (DatePrecision::Year | DatePrecision::Month, Some(text)) => Some(AsGiven {
                precision: d.precision,
                text: text.to_owned(),
            }),
            _ => None,
        };
        Ok(Some((d, given)))
    }

    /// A FHIR `date` or `dateTime` element as a local date: a partial one's last day (an end).
    pub fn end_date(&self, k: &str) -> Result<Option<NaiveDate>> {
        Ok(self.date_span(k)?.map(|d| d.last))
    }

    /// A FHIR `dateTime` as read, with its text; a partial one begins at 00:00 at
    /// `default_offset`.
    pub fn time(&self, k: &str, default_offset: i32) -> Result<Option<(FhirTime, &'a str)>> {
        match self.str(k)? {
            None => Ok(None),
            Some(s) => date::parse_date_time(s, default_offset)
                .map(|t| Some((t, s)))
                .ok_or_else(|| self.path.key(k).err(date::DATE_TIME_FORMS)),
        }
    }

    /// A FHIR `dateTime` as its earliest instant.
    pub fn date_time(&self, k: &str, default_offset: i32) -> Result<Option<Stamp>> {
        Ok(self.time(k, default_offset)?.map(|(t, _)| t.earliest))
    }

    /// A FHIR `instant` (always a full date and time with a zone).
    pub fn instant(&self, k: &str) -> Result<Option<Stamp>> {
        match self.str(k)? {
            None => Ok(None),
            Some(s) => date::parse_instant(s)
                .map(|t| Some(t.earliest))
                .ok_or_else(|| self.path.key(k).err(date::INSTANT_FORMS)),
        }
    }
}

/// A FHIR `date` (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`), or a `dateTime` whose local date is taken.
pub fn parse_fhir_date(s: &str) -> Option<FhirDate> {
    if s.len() <= 10 {
        return date::parse_date(s);
    }
    date::parse_instant(s).map(|t| FhirDate {
        first: t.date,
        last: t.date,
        precision: DatePrecision::Day,
    })
}

/// A CodeableConcept's codings as (system, code, display), and its text.
pub struct Concept<'a> {
    pub codings: Vec<(Option<&'a str>, Option<&'a str>, Option<&'a str>)>,
    pub text: Option<&'a str>,
}

impl<'a> Concept<'a> {
    pub fn read(v: &'a Value, p: &Path) -> Result<Self> {
        let o = Obj::new(v, p)?;
        let mut codings = vec![];
        for (c, cp) in o.array("coding")? {
            let c = Obj::new(c, &cp)?;
            codings.push((c.str("system")?, c.str("code")?, c.str("display")?));
        }
        Ok(Concept {
            codings,
            text: o.str("text")?,
        })
    }

    pub fn of(o: &Obj<'a, '_>, k: &str) -> Result<Option<Self>> {
        match o.child(k)? {
            None => Ok(None),
            Some((v, p)) => Self::read(v, &p).map(Some),
        }
    }

    /// The code under any of `systems` (already normalised by [`normalise_system`]).
    pub fn code_in(&self, systems: &[&str]) -> Option<&'a str> {
        self.codings.iter().find_map(|(s, c, _)| match (s, c) {
            (Some(s), Some(c)) if systems.contains(&normalise_system(s)) => Some(*c),
            _ => None,
        })
    }

    /// What a person reads: the text, else the first display.
    pub fn label(&self) -> Option<&'a str> {
        self.text
            .filter(|t| !t.trim().is_empty())
            .or_else(|| self.codings.iter().find_map(|(_, _, d)| *d))
    }
}

/// One name per concept for systems that arrive under several URIs: JLAC10 is
/// `urn:oid:1.2.392.200119.4.504` in JP Core and `http://medis.or.jp/CodeSystem/master-JLAC10-17digits`
/// in JP-CLINS. The original JSON keeps whatever came.
pub fn normalise_system(s: &str) -> &str {
    use super::super::codes::system;
    match s.trim_end_matches('/') {
        "http://medis.or.jp/CodeSystem/master-JLAC10-17digits"
        | "urn:oid:1.2.392.200119.4.504"
        | "http://jpfhir.jp/fhir/core/CodeSystem/JP_JLAC10_CS"
        | "http://jpfhir.jp/fhir/eCheckup/CodeSystem/jlac10" => system::JLAC10,
        "http://loinc.org" | "urn:oid:2.16.840.1.113883.6.1" => system::LOINC,
        "http://unitsofmeasure.org" | "urn:oid:2.16.840.1.113883.6.8" => system::UCUM,
        other => other,
    }
}

/// Full-width digits and letters (０-９, Ａ-Ｚ) as ASCII, for codes typed in Japanese input modes.
pub fn ascii_code(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            '\u{FF0D}' | '\u{2212}' => '-',
            '\u{FF0E}' => '.',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_name_the_path_not_the_value() {
        let v = json!({"valueQuantity": {"value": "secret-120"}});
        let p = Path::root().key("entry").index(3).key("resource");
        let o = Obj::new(&v, &p).unwrap();
        let (q, qp) = o.child("valueQuantity").unwrap().unwrap();
        let e = Obj::new(q, &qp).unwrap().num("value").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid entry[3].resource.valueQuantity.value: expected a number"
        );
        assert!(!e.to_string().contains("secret"));
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(
            parse_fhir_date("2021-10-19T10:00:00+09:00").map(|d| d.first),
            NaiveDate::from_ymd_opt(2021, 10, 19)
        );
        assert_eq!(
            parse_fhir_date("2021-10").map(|d| d.precision),
            Some(DatePrecision::Month)
        );
        assert_eq!(parse_fhir_date("2021-1０-19"), None);
        let t = date::parse_date_time("2021-10-19T10:00:00+09:00", 0).unwrap();
        assert_eq!(t.earliest.offset_seconds, 9 * 3600);
        let d = date::parse_date_time("2021-10-19", 9 * 3600).unwrap();
        assert_eq!(
            d.earliest.to_fixed().to_rfc3339(),
            "2021-10-19T00:00:00+09:00"
        );
    }

    #[test]
    fn jlac10_under_both_uris_is_one_system() {
        assert_eq!(
            normalise_system("http://medis.or.jp/CodeSystem/master-JLAC10-17digits"),
            normalise_system("urn:oid:1.2.392.200119.4.504")
        );
        assert_eq!(ascii_code("３Ｄ０４６"), "3D046");
    }
}
