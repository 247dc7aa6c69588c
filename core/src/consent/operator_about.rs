//! What the operator must keep known to residents (APPI art. 32; GUIDELINE.md S-17) and what a
//! resident must be shown before consenting to a recipient abroad (APPI art. 28, rule 17(2);
//! S-08). Part of the operator profile; `phr about` and the apps' about screen show it, and
//! `phr compliance` fails a profile that leaves any of it out.

use super::validate::required;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// 保有個人データに関する事項の公表: who the operator is and how residents reach it.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorAbout {
    /// 住所.
    pub address: String,
    /// 代表者 (a business's representative; a municipality's head, e.g. 区長).
    pub representative: String,
    /// How a resident asks for disclosure, correction, stop of use or provision, and erasure
    /// (開示等の請求に応じる手続).
    pub request_procedure: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_url: Option<String>,
    /// 安全管理措置, as published (one line per measure).
    pub safety_measures: Vec<String>,
    /// Third-party certifications held (ISMS, プライバシーマーク); the operator's duty (S-13).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certifications: Vec<String>,
}

/// A recipient outside Japan: what the resident is shown before consenting.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Abroad {
    /// ISO 3166-1 alpha-2 code of the country (not JP).
    pub country: String,
    /// The country's system for protecting personal information (外国における個人情報の保護に関する制度).
    pub protection_regime: String,
    /// The measures the recipient takes (提供先が講ずる個人情報の保護のための措置).
    pub recipient_measures: String,
}

impl OperatorAbout {
    pub(super) fn validate(&self) -> Result<()> {
        required("about.address", &self.address)?;
        required("about.representative", &self.representative)?;
        required("about.request_procedure", &self.request_procedure)?;
        if let Some(url) = &self.request_url {
            super::validate::https_url("about.request_url", url)?;
        }
        if self.safety_measures.iter().all(|m| m.trim().is_empty()) {
            return Err(Error::invalid(
                "about.safety_measures",
                "name at least one safety measure",
            ));
        }
        Ok(())
    }
}

impl Abroad {
    pub(super) fn validate(&self, at: &str) -> Result<()> {
        let c = &self.country;
        if c.len() != 2 || !c.chars().all(|x| x.is_ascii_uppercase()) {
            return Err(Error::invalid(
                format!("{at}.country"),
                "must be an ISO 3166-1 alpha-2 code (US, DE, …)",
            ));
        }
        if c == "JP" {
            return Err(Error::invalid(
                format!("{at}.country"),
                "a recipient in Japan declares no abroad entry",
            ));
        }
        required(&format!("{at}.protection_regime"), &self.protection_regime)?;
        required(
            &format!("{at}.recipient_measures"),
            &self.recipient_measures,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::{OperatorProfile, samples};
    use crate::error::Error;

    fn refused(edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut v = serde_json::to_value(samples::municipality()).unwrap();
        edit(&mut v);
        match OperatorProfile::from_json(&v.to_string()) {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("accepted or wrong error: {other:?}"),
        }
    }

    #[test]
    fn the_published_items_are_required_and_a_recipient_abroad_declares_its_regime() {
        assert_eq!(
            refused(|v| v["about"]["address"] = "  ".into()),
            "about.address"
        );
        assert_eq!(
            refused(|v| v["about"]["safety_measures"] = serde_json::json!([])),
            "about.safety_measures"
        );
        assert_eq!(
            refused(|v| v["about"]["request_url"] = "http://x.example.jp".into()),
            "about.request_url"
        );
        let abroad = |country: &str, regime: &str| {
            let (c, r) = (country.to_owned(), regime.to_owned());
            move |v: &mut serde_json::Value| {
                v["recipients"][1]["abroad"] = serde_json::json!({
                    "country": c, "protection_regime": r, "recipient_measures": "契約で安全管理を義務付け"
                });
            }
        };
        assert_eq!(
            refused(abroad("usa", "CCPA")),
            "recipients[1].abroad.country"
        );
        assert_eq!(
            refused(abroad("JP", "APPI")),
            "recipients[1].abroad.country"
        );
        assert_eq!(
            refused(abroad("US", "")),
            "recipients[1].abroad.protection_regime"
        );
        let mut v = serde_json::to_value(samples::municipality()).unwrap();
        abroad("DE", "GDPR（十分性認定あり）")(&mut v);
        let p = OperatorProfile::from_json(&v.to_string()).unwrap();
        assert_eq!(p.recipients[1].abroad.as_ref().unwrap().country, "DE");
    }
}
