//! Persons: the device owner and every family member whose record this device holds.

use super::text::{optional, past_date, required};
use crate::error::{Error, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A person's id (UUID text).
pub type PersonId = String;

#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
    Other,
    Unknown,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Other => "other",
            Sex::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "male" | "m" => Ok(Sex::Male),
            "female" | "f" => Ok(Sex::Female),
            "other" => Ok(Sex::Other),
            "unknown" => Ok(Sex::Unknown),
            _ => Err(Error::invalid(
                "sex",
                "must be male, female, other or unknown",
            )),
        }
    }
}

/// What is needed to add a person.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPerson {
    /// A short handle unique on this device (`hanako`), used by the CLI and as a display fallback.
    pub nickname: String,
    /// Family and given name in kanji (漢字).
    pub family_name: String,
    pub given_name: String,
    /// Family and given name in kana (カナ).
    pub family_name_kana: Option<String>,
    pub given_name_kana: Option<String>,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    /// 保険者番号 (insurer number, 8 digits; 6 for national health insurance).
    pub insurer_number: Option<String>,
    /// 記号 and 番号 of the insurance card.
    pub insured_symbol: Option<String>,
    pub insured_number: Option<String>,
    /// 全国地方公共団体コード (6 digits with check digit).
    pub municipality_code: Option<String>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub is_owner: bool,
    pub version: i64,
    #[serde(flatten)]
    pub details: NewPerson,
}

impl Person {
    /// Kanji name as written in Japan: family name first, separated by an ideographic space.
    pub fn display_name(&self) -> String {
        format!(
            "{}\u{3000}{}",
            self.details.family_name, self.details.given_name
        )
    }

    /// Age in whole years on `on`.
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        on.years_since(self.details.birth_date).unwrap_or(0)
    }
}

/// One element of a person's demographics, as consent releases it (the `demographics` data
/// category): each purpose of the operator profile names the ones its recipient needs.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonDetail {
    /// The name in kanji (漢字).
    Name,
    /// The name in kana (カナ).
    NameKana,
    BirthDate,
    Sex,
    /// 保険者番号.
    InsurerNumber,
    /// 記号 of the insurance card.
    InsuredSymbol,
    /// 番号 of the insurance card.
    InsuredNumber,
}

impl PersonDetail {
    pub const ALL: [PersonDetail; 7] = [
        PersonDetail::Name,
        PersonDetail::NameKana,
        PersonDetail::BirthDate,
        PersonDetail::Sex,
        PersonDetail::InsurerNumber,
        PersonDetail::InsuredSymbol,
        PersonDetail::InsuredNumber,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PersonDetail::Name => "name",
            PersonDetail::NameKana => "name_kana",
            PersonDetail::BirthDate => "birth_date",
            PersonDetail::Sex => "sex",
            PersonDetail::InsurerNumber => "insurer_number",
            PersonDetail::InsuredSymbol => "insured_symbol",
            PersonDetail::InsuredNumber => "insured_number",
        }
    }
}

/// Normalise full-width digits (`１２３`) to ASCII, as insurance cards are often typed with them.
fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect()
}

fn digits(field: &str, s: Option<&str>, lens: &[usize]) -> Result<Option<String>> {
    let Some(s) = s
        .map(ascii_digits)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
    else {
        return Ok(None);
    };
    if !s.chars().all(|c| c.is_ascii_digit()) || !lens.contains(&s.len()) {
        let lens: Vec<String> = lens.iter().map(|l| l.to_string()).collect();
        return Err(Error::invalid(
            field,
            format!("must be {} digits", lens.join(" or ")),
        ));
    }
    Ok(Some(s))
}

fn kana(field: &str, s: Option<&str>) -> Result<Option<String>> {
    let v = optional(field, s, 100)?;
    if let Some(k) = &v {
        let ok = k.chars().all(|c| {
            matches!(c, '\u{3040}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}' | '\u{FF66}'..='\u{FF9F}' | '\u{3000}' | ' ')
        });
        if !ok {
            return Err(Error::invalid(field, "must be written in kana"));
        }
    }
    Ok(v)
}

impl NewPerson {
    pub fn validate(mut self, today: NaiveDate) -> Result<Self> {
        let nick = self.nickname.trim().to_lowercase();
        if nick.is_empty()
            || nick.len() > 32
            || !nick
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(Error::invalid(
                "nickname",
                "must be 1-32 letters, digits, '-' or '_'",
            ));
        }
        self.nickname = nick;
        self.family_name = required("family_name", &self.family_name, 100)?;
        self.given_name = required("given_name", &self.given_name, 100)?;
        self.family_name_kana = kana("family_name_kana", self.family_name_kana.as_deref())?;
        self.given_name_kana = kana("given_name_kana", self.given_name_kana.as_deref())?;
        self.birth_date = past_date("birth_date", self.birth_date, today)?;
        self.insurer_number = digits("insurer_number", self.insurer_number.as_deref(), &[6, 8])?;
        self.insured_symbol = optional(
            "insured_symbol",
            self.insured_symbol.as_deref().map(ascii_digits).as_deref(),
            40,
        )?;
        self.insured_number = optional(
            "insured_number",
            self.insured_number.as_deref().map(ascii_digits).as_deref(),
            40,
        )?;
        self.municipality_code =
            digits("municipality_code", self.municipality_code.as_deref(), &[6])?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> NewPerson {
        NewPerson {
            nickname: "Hanako".into(),
            family_name: "山田".into(),
            given_name: "花子".into(),
            family_name_kana: Some("ヤマダ".into()),
            given_name_kana: Some("ハナコ".into()),
            birth_date: NaiveDate::from_ymd_opt(1980, 4, 1).unwrap(),
            sex: Sex::Female,
            insurer_number: Some("０６１３０００１".into()),
            insured_symbol: None,
            insured_number: None,
            municipality_code: None,
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    #[test]
    fn full_width_digits_and_nickname_case_are_normalised() {
        let p = base().validate(today()).unwrap();
        assert_eq!(p.insurer_number.as_deref(), Some("06130001"));
        assert_eq!(p.nickname, "hanako");
    }

    #[test]
    fn each_rule_names_its_field() {
        type Mutation = Box<dyn Fn(&mut NewPerson)>;
        let cases: Vec<(Mutation, &str)> = vec![
            (Box::new(|p| p.nickname = "花子".into()), "nickname"),
            (
                Box::new(|p| p.family_name = "\u{3000}".into()),
                "family_name",
            ),
            (Box::new(|p| p.given_name = String::new()), "given_name"),
            (
                Box::new(|p| p.family_name_kana = Some("yamada".into())),
                "family_name_kana",
            ),
            (
                Box::new(|p| p.birth_date = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap()),
                "birth_date",
            ),
            (
                Box::new(|p| p.insurer_number = Some("12-34".into())),
                "insurer_number",
            ),
            (
                Box::new(|p| p.municipality_code = Some("1310".into())),
                "municipality_code",
            ),
        ];
        for (mutate, field) in cases {
            let mut p = base();
            mutate(&mut p);
            match p.validate(today()) {
                Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: expected InvalidInput, got {other:?}"),
            }
        }
    }

    #[test]
    fn display_name_uses_an_ideographic_space() {
        let p = Person {
            id: "x".into(),
            is_owner: true,
            version: 1,
            details: base(),
        };
        assert_eq!(p.display_name(), "山田\u{3000}花子");
        assert_eq!(p.age_on(today()), 46);
    }
}
