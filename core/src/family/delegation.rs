//! Delegations and the rule that decides what one permits.

use crate::error::{Error, Result};
use chrono::{Datelike, NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};

/// What a delegation lets the grantee do.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// See the record (lists, aggregates, history of access).
    View,
    /// Add, edit, delete and erase records.
    Record,
    /// Change consent directives on the subject's behalf.
    ManageConsent,
    /// Release records to recipients (always also through the consent gate).
    Share,
    /// Export the whole record, ungated, as the subject could (a copy for the family manager).
    Export,
    /// Grant and revoke delegations on the subject's record (never beyond one's own scopes).
    ManageDelegations,
}

impl Scope {
    pub const ALL: [Scope; 6] = [
        Scope::View,
        Scope::Record,
        Scope::ManageConsent,
        Scope::Share,
        Scope::Export,
        Scope::ManageDelegations,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::View => "view",
            Scope::Record => "record",
            Scope::ManageConsent => "manage_consent",
            Scope::Share => "share",
            Scope::Export => "export",
            Scope::ManageDelegations => "manage_delegations",
        }
    }

    /// The right as a person reads it.
    pub fn label_ja(self) -> &'static str {
        match self {
            Scope::View => "閲覧",
            Scope::Record => "記録",
            Scope::ManageConsent => "同意の管理",
            Scope::Share => "共有",
            Scope::Export => "書き出し",
            Scope::ManageDelegations => "代理権の管理",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Scope::View => "view",
            Scope::Record => "record",
            Scope::ManageConsent => "manage consent",
            Scope::Share => "share",
            Scope::Export => "export",
            Scope::ManageDelegations => "manage delegations",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim())
            .ok_or_else(|| {
                Error::invalid(
                    "scopes",
                    "must be view, record, manage_consent, share, export or manage_delegations",
                )
            })
    }
}

/// Who granted: the subject themself, or a legal representative on a recorded basis.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantorKind {
    Subject,
    LegalRepresentative,
}

/// Why a representative may decide for the subject.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepresentativeBasis {
    /// 親権者: a parent of a minor. Ends by itself when the subject turns 18 (民法 第4条).
    ParentOfMinor,
    /// 成年後見人: a court-appointed guardian.
    Guardian,
    /// The subject's own written consent, recorded by a family member.
    WrittenConsent,
}

impl RepresentativeBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            RepresentativeBasis::ParentOfMinor => "parent_of_minor",
            RepresentativeBasis::Guardian => "guardian",
            RepresentativeBasis::WrittenConsent => "written_consent",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "parent_of_minor" => Ok(Self::ParentOfMinor),
            "guardian" => Ok(Self::Guardian),
            "written_consent" => Ok(Self::WrittenConsent),
            _ => Err(Error::invalid(
                "basis",
                "must be parent_of_minor, guardian or written_consent",
            )),
        }
    }
}

/// Who receives the rights: a person on this device, or an account on another device.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grantee {
    Person(String),
    Account(String),
}

/// A grant to make.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDelegation {
    pub grantee: Grantee,
    pub scopes: Vec<Scope>,
    /// Unix seconds; `None` = now.
    pub valid_from: Option<i64>,
    /// Unix seconds, exclusive; `None` = until revoked.
    pub valid_until: Option<i64>,
    /// `None` = the subject grants; `Some` = the actor grants as a legal representative.
    pub representative_basis: Option<RepresentativeBasis>,
    /// Reference to the document (court decision number, consent form) — no health data.
    pub basis_note: Option<String>,
}

/// A stored delegation.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    pub id: String,
    pub subject_id: String,
    pub grantee: Grantee,
    pub granted_by: String,
    pub grantor_kind: GrantorKind,
    pub basis: Option<RepresentativeBasis>,
    pub basis_note: Option<String>,
    pub scopes: Vec<Scope>,
    pub valid_from: i64,
    pub valid_until: Option<i64>,
    pub created_utc: i64,
    pub revoked_utc: Option<i64>,
    pub revoked_by: Option<String>,
    /// The grant this one was made through (a proxy passing rights on); revoking it revokes
    /// this one.
    pub parent: Option<String>,
}

/// The first instant (Japan time) at which a person born on `birth` is 18: the start of their
/// 18th birthday (年齢計算ニ関スル法律; someone born on 29 February turns 18 at the start of
/// 1 March in a common year).
pub fn adulthood_starts(birth: NaiveDate) -> i64 {
    let year = birth.year() + 18;
    let day = NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
        .unwrap_or(NaiveDate::MAX);
    chrono_tz::Asia::Tokyo
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.timestamp())
        .unwrap_or(i64::MAX)
}

/// Whether `d` is in force for grantee `actor` at instant `at`: not revoked, within its period,
/// and — for a parent's grant — the subject (born `subject_birth`) still a minor.
pub fn is_active(d: &Delegation, actor: &str, subject_birth: NaiveDate, at: i64) -> bool {
    d.grantee == Grantee::Person(actor.to_owned())
        && d.revoked_utc.is_none()
        && d.valid_from <= at
        && d.valid_until.is_none_or(|u| at < u)
        && !(d.basis == Some(RepresentativeBasis::ParentOfMinor)
            && at >= adulthood_starts(subject_birth))
}

/// Scopes as stored: sorted, unique, comma-separated.
pub(crate) fn scopes_text(scopes: &[Scope]) -> String {
    let mut v: Vec<Scope> = scopes.to_vec();
    v.sort();
    v.dedup();
    v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
}

pub(crate) fn parse_scopes(s: &str) -> Result<Vec<Scope>> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(Scope::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adulthood_starts_at_tokyo_midnight_of_the_18th_birthday() {
        let t = adulthood_starts(NaiveDate::from_ymd_opt(2008, 4, 2).unwrap());
        assert_eq!(
            t,
            chrono::Utc
                .with_ymd_and_hms(2026, 4, 1, 15, 0, 0)
                .unwrap()
                .timestamp()
        );
        let leap = adulthood_starts(NaiveDate::from_ymd_opt(2008, 2, 29).unwrap());
        assert_eq!(
            leap,
            chrono::Utc
                .with_ymd_and_hms(2026, 2, 28, 15, 0, 0)
                .unwrap()
                .timestamp()
        );
    }

    #[test]
    fn scopes_are_stored_sorted_and_unique() {
        assert_eq!(
            scopes_text(&[Scope::Share, Scope::View, Scope::View]),
            "view,share"
        );
        assert_eq!(
            parse_scopes("view,share").unwrap(),
            vec![Scope::View, Scope::Share]
        );
        assert!(parse_scopes("view,admin").is_err());
    }
}
