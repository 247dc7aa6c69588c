//! The rules an operator profile must satisfy before it is used.
//!
//! Every purpose must be specific (APPI art. 17 for businesses, art. 61 for public bodies:
//! purposes "specified as far as possible"), so catch-all codes and labels are refused.
//! A municipality (APPI chapter 5) may only hold data as needed for its statutory duties
//! (art. 61(1)) and may not use or provide it for other purposes except as art. 69 allows,
//! so each of its purposes must cite a statutory basis and be one of the natures that serve
//! such a duty: service improvement, marketing and provision to third parties for their own
//! business are refused.

use super::category::DataCategory;
use super::profile::{OperatorKind, OperatorProfile, PurposeNature};
use crate::error::{Error, Result};
use std::collections::HashSet;

/// Codes that name no specific purpose (compared lowercase, trimmed).
const CATCH_ALL_CODES: &[&str] = &[
    "all",
    "any",
    "*",
    "general",
    "other",
    "others",
    "misc",
    "etc",
    "everything",
    "default",
];

/// Labels that name no specific purpose (compared after trimming and lowercasing).
const CATCH_ALL_LABELS: &[&str] = &[
    "その他",
    "その他の目的",
    "その他目的",
    "全ての目的",
    "すべての目的",
    "あらゆる目的",
    "any",
    "any purpose",
    "any purposes",
    "all",
    "all purposes",
    "general",
    "general purpose",
    "general purposes",
    "other",
    "other purposes",
    "miscellaneous",
    "etc",
];

/// Natures a municipality may declare (each also needs a statutory basis).
const MUNICIPAL_NATURES: &[PurposeNature] = &[
    PurposeNature::StatutoryDuty,
    PurposeNature::HealthGuidance,
    PurposeNature::Research,
    PurposeNature::CareCoordination,
];

pub(super) fn required(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if value.chars().count() > 300 {
        return Err(Error::invalid(
            field,
            "is too long (300 characters at most)",
        ));
    }
    Ok(())
}

pub(super) fn identifier(field: &str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' || c == '.'
        });
    if !ok {
        return Err(Error::invalid(
            field,
            "must be 1–64 characters of a-z, 0-9, '_', '-', '.'",
        ));
    }
    Ok(())
}

/// A recipient and a purpose a declaration names (an event's organiser, a KPI's recipient, a
/// points rule's confirmer): both declared, and the purpose offered to that recipient. The
/// purpose, for the caller's own checks; refusals name `fields` (recipient's, purpose's).
pub(super) fn recipient_and_purpose<'p>(
    profile: &'p OperatorProfile,
    (recipient_field, recipient): (&str, &str),
    (purpose_field, purpose): (&str, &str),
    who: &str,
) -> Result<&'p super::profile::Purpose> {
    if profile.recipient(recipient).is_none() {
        return Err(Error::invalid(
            recipient_field,
            "is not a declared recipient",
        ));
    }
    let Some(p) = profile.purpose(purpose) else {
        return Err(Error::invalid(purpose_field, "is not a declared purpose"));
    };
    if !p.recipients.iter().any(|r| r == recipient) {
        return Err(Error::invalid(
            purpose_field,
            format!("does not name {who} among its recipients"),
        ));
    }
    Ok(p)
}

pub(super) fn https_url(field: &str, value: &str) -> Result<()> {
    if !value.starts_with("https://") || value.len() < 12 || value.contains(char::is_whitespace) {
        return Err(Error::invalid(field, "must be an https:// URL"));
    }
    Ok(())
}

fn catch_all_label(label: &str) -> bool {
    let trimmed = label.trim();
    let trimmed = trimmed.strip_suffix("など").unwrap_or(trimmed);
    let norm = trimmed
        .trim_end_matches(['.', '。', '等'])
        .trim()
        .to_lowercase();
    CATCH_ALL_LABELS.contains(&norm.as_str())
}

pub(super) fn unique<'a>(
    list: &str,
    field: &str,
    ids: impl Iterator<Item = &'a str>,
) -> Result<HashSet<&'a str>> {
    let mut seen = HashSet::new();
    for (i, id) in ids.enumerate() {
        if !seen.insert(id) {
            return Err(Error::invalid(
                format!("{list}[{i}].{field}"),
                "is a duplicate",
            ));
        }
    }
    Ok(seen)
}

impl OperatorProfile {
    /// Check every rule; the error names the first entry that breaks one.
    pub fn validate(&self) -> Result<()> {
        required("name", &self.name)?;
        required("inquiry.phone", &self.inquiry.phone)?;
        let phone_ok = self
            .inquiry
            .phone
            .chars()
            .all(|c| c.is_ascii_digit() || "+-() ".contains(c))
            && self
                .inquiry
                .phone
                .chars()
                .filter(char::is_ascii_digit)
                .count()
                >= 6;
        if !phone_ok {
            return Err(Error::invalid("inquiry.phone", "must be a phone number"));
        }
        required("inquiry.hours", &self.inquiry.hours)?;
        if let Some(about) = &self.about {
            about.validate()?;
        }
        super::retention::validate(&self.retention)?;
        if let Some(url) = &self.inquiry.url {
            https_url("inquiry.url", url)?;
        }
        if self.notices.is_empty() {
            return Err(Error::invalid(
                "notices",
                "at least one notice version is required",
            ));
        }
        unique("notices", "id", self.notices.iter().map(|n| n.id.as_str()))?;
        for (i, n) in self.notices.iter().enumerate() {
            identifier(&format!("notices[{i}].id"), &n.id)?;
            let hex_ok = n.digest.len() == 64
                && n.digest
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
            if !hex_ok {
                return Err(Error::invalid(
                    format!("notices[{i}].digest"),
                    "must be the SHA-256 of the notice text, 64 lowercase hex digits",
                ));
            }
            if let Some(url) = &n.url {
                https_url(&format!("notices[{i}].url"), url)?;
            }
        }
        let recipients = unique(
            "recipients",
            "id",
            self.recipients.iter().map(|r| r.id.as_str()),
        )?;
        for (i, r) in self.recipients.iter().enumerate() {
            identifier(&format!("recipients[{i}].id"), &r.id)?;
            required(&format!("recipients[{i}].name"), &r.name)?;
            if let Some(url) = &r.fhir_endpoint {
                https_url(&format!("recipients[{i}].fhir_endpoint"), url)?;
            }
            if let Some(a) = &r.abroad {
                a.validate(&format!("recipients[{i}].abroad"))?;
            }
        }
        if self.purposes.is_empty() {
            return Err(Error::invalid(
                "purposes",
                "at least one purpose is required",
            ));
        }
        unique(
            "purposes",
            "code",
            self.purposes.iter().map(|p| p.code.as_str()),
        )?;
        for (i, p) in self.purposes.iter().enumerate() {
            let at = |f: &str| format!("purposes[{i}].{f}");
            identifier(&at("code"), &p.code)?;
            if CATCH_ALL_CODES.contains(&p.code.as_str()) || p.code.contains('*') {
                return Err(Error::invalid(at("code"), "must name a specific purpose"));
            }
            for (field, label) in [("label_ja", &p.label_ja), ("label_en", &p.label_en)] {
                required(&at(field), label)?;
                if catch_all_label(label) {
                    return Err(Error::invalid(
                        at(field),
                        "must describe a specific purpose",
                    ));
                }
            }
            if let Some(basis) = &p.statutory_basis {
                required(&at("statutory_basis"), basis)?;
                if catch_all_label(basis) {
                    return Err(Error::invalid(
                        at("statutory_basis"),
                        "must cite a law and article",
                    ));
                }
            }
            if p.recipients.is_empty() {
                return Err(Error::invalid(
                    at("recipients"),
                    "name at least one recipient",
                ));
            }
            for (j, r) in p.recipients.iter().enumerate() {
                if !recipients.contains(r.as_str()) {
                    return Err(Error::invalid(
                        format!("purposes[{i}].recipients[{j}]"),
                        "is not a declared recipient",
                    ));
                }
            }
            if p.categories.is_empty() {
                return Err(Error::invalid(
                    at("categories"),
                    "name at least one category",
                ));
            }
            let wants_demographics = p.categories.contains(&DataCategory::Demographics);
            if p.contributions_only && wants_demographics {
                return Err(Error::invalid(
                    at("categories"),
                    "a contributions_only purpose is de-identified: it takes no demographics",
                ));
            }
            if wants_demographics && p.demographics.is_empty() {
                return Err(Error::invalid(
                    at("demographics"),
                    "name the details of the subject the recipient needs",
                ));
            }
            if !wants_demographics && !p.demographics.is_empty() {
                return Err(Error::invalid(
                    at("demographics"),
                    "needs the demographics category",
                ));
            }
            if self.kind == OperatorKind::Municipality {
                if !MUNICIPAL_NATURES.contains(&p.nature) {
                    return Err(Error::invalid(
                        at("nature"),
                        "a municipality may only use data for its statutory duties (APPI art. 61, 69)",
                    ));
                }
                if p.statutory_basis.is_none() {
                    return Err(Error::invalid(
                        at("statutory_basis"),
                        "a municipality must cite the law for each purpose (APPI art. 61)",
                    ));
                }
            }
        }
        super::walking_event::validate(self, &self.events)?;
        super::kpi_definition::validate(self, &self.kpis)?;
        match &self.points {
            Some(program) => super::points_program::validate(self, program),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::samples;

    fn municipal() -> OperatorProfile {
        samples::municipality()
    }

    fn field_of(e: Error) -> String {
        match e {
            Error::InvalidInput { field, .. } => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn municipality_purpose_without_statutory_basis_is_refused_by_name() {
        let mut p = municipal();
        p.purposes[1].statutory_basis = None;
        assert_eq!(
            field_of(p.validate().unwrap_err()),
            "purposes[1].statutory_basis"
        );
    }

    #[test]
    fn municipality_may_not_declare_marketing_service_improvement_or_third_party_business() {
        for nature in [
            PurposeNature::Marketing,
            PurposeNature::ServiceImprovement,
            PurposeNature::ThirdPartyBusiness,
            PurposeNature::OtherSpecific,
        ] {
            let mut p = municipal();
            p.purposes[0].nature = nature;
            assert_eq!(field_of(p.validate().unwrap_err()), "purposes[0].nature");
        }
    }

    #[test]
    fn a_business_may_declare_service_improvement_without_a_statute() {
        let mut p = samples::business();
        p.purposes[0].nature = PurposeNature::ServiceImprovement;
        p.purposes[0].statutory_basis = None;
        p.validate().unwrap();
    }

    #[test]
    fn catch_all_purposes_are_refused() {
        for code in ["all", "any", "*", "general", "ALL"] {
            let mut p = samples::business();
            p.purposes[0].code = code.into();
            assert_eq!(
                field_of(p.validate().unwrap_err()),
                "purposes[0].code",
                "{code}"
            );
        }
        for label in [
            "その他",
            "Any purpose",
            " その他の目的 ",
            "general purposes.",
            "",
        ] {
            let mut p = samples::business();
            p.purposes[0].label_en = label.into();
            assert_eq!(
                field_of(p.validate().unwrap_err()),
                "purposes[0].label_en",
                "{label}"
            );
        }
        let mut p = samples::business();
        p.purposes[0].label_ja = "その他".into();
        assert_eq!(field_of(p.validate().unwrap_err()), "purposes[0].label_ja");
    }

    #[test]
    fn duplicates_and_dangling_references_are_refused() {
        let mut p = municipal();
        p.purposes[2].code = p.purposes[0].code.clone();
        assert_eq!(field_of(p.validate().unwrap_err()), "purposes[2].code");
        let mut p = municipal();
        p.recipients[1].id = p.recipients[0].id.clone();
        assert_eq!(field_of(p.validate().unwrap_err()), "recipients[1].id");
        let mut p = municipal();
        p.purposes[0].recipients.push("nobody".into());
        let n = p.purposes[0].recipients.len() - 1;
        assert_eq!(
            field_of(p.validate().unwrap_err()),
            format!("purposes[0].recipients[{n}]")
        );
    }

    #[test]
    fn notice_digest_must_be_sha256_hex() {
        let mut p = municipal();
        p.notices[0].digest = "abc".into();
        assert_eq!(field_of(p.validate().unwrap_err()), "notices[0].digest");
    }

    #[test]
    fn unknown_fields_and_bad_json_are_refused_without_echoing_content() {
        let e =
            OperatorProfile::from_json(r#"{"kind":"municipality","secret":"山田"}"#).unwrap_err();
        assert!(!e.to_string().contains("山田"));
        assert!(OperatorProfile::from_json("not json").is_err());
    }

    #[test]
    fn demographics_name_their_details_and_only_with_the_category() {
        let mut p = municipal();
        p.purposes[0].demographics.clear();
        assert_eq!(
            field_of(p.validate().unwrap_err()),
            "purposes[0].demographics"
        );
        let mut p = municipal();
        p.purposes[1]
            .demographics
            .push(crate::records::PersonDetail::Name);
        assert_eq!(
            field_of(p.validate().unwrap_err()),
            "purposes[1].demographics"
        );
    }
}
