//! A consent directive: one decision by (or for) a subject, kept forever in an append-only
//! history. Withdrawal is a new `deny` directive, never an edit.

use super::category::DataCategory;
use crate::records::Stamp;
use serde::{Deserialize, Serialize};

/// Permit or deny.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    Permit,
    Deny,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Permit => "permit",
            Effect::Deny => "deny",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Effect> {
        match s {
            "permit" => Some(Effect::Permit),
            "deny" => Some(Effect::Deny),
            _ => None,
        }
    }
}

/// A stored decision. `seq` orders decisions as the store recorded them.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentDirective {
    pub id: String,
    pub seq: i64,
    pub subject_id: String,
    /// Recipient id from the operator profile.
    pub recipient: String,
    pub categories: Vec<DataCategory>,
    /// Purpose codes from the operator profile.
    pub purposes: Vec<String>,
    pub effect: Effect,
    /// Applies from this instant (inclusive)…
    pub valid_from: Stamp,
    /// …until this one (exclusive); `None` = until changed.
    pub valid_until: Option<Stamp>,
    /// When the decision was made (never earlier than the previous decision's).
    pub decided_at: Stamp,
    /// The person who decided (the subject, or a family manager acting for them).
    pub decided_by: String,
    /// The delegation a proxy acted under, if any.
    pub delegation: Option<String>,
    /// The privacy-notice version shown when deciding.
    pub notice_version: String,
    /// A permit a newer operator profile asks the resident to decide again (its purposes, its
    /// recipient or the notice changed): until a newer decision, it permits nothing.
    pub needs_reconsent: bool,
}

impl ConsentDirective {
    /// Whether the directive is in its validity period at `at_utc` (unix seconds).
    pub fn in_force_at(&self, at_utc: i64) -> bool {
        self.valid_from.utc_seconds <= at_utc
            && self.valid_until.is_none_or(|u| at_utc < u.utc_seconds)
    }

    /// Whether it speaks about this recipient, category and purpose (at any time).
    pub fn covers(&self, recipient: &str, category: DataCategory, purpose: &str) -> bool {
        self.recipient == recipient
            && self.categories.contains(&category)
            && self.purposes.iter().any(|p| p == purpose)
    }
}

/// What a front end asks for: a permit or a deny for one recipient, some categories and some
/// purposes, over a period.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRequest {
    pub recipient: String,
    pub categories: Vec<DataCategory>,
    pub purposes: Vec<String>,
    pub effect: Effect,
    /// Defaults to the moment of decision.
    #[serde(default)]
    pub valid_from: Option<Stamp>,
    /// `None`: until changed or withdrawn.
    #[serde(default)]
    pub valid_until: Option<Stamp>,
    /// The notice version shown; defaults to the profile's current one.
    #[serde(default)]
    pub notice_version: Option<String>,
}

impl ConsentRequest {
    /// A permit from now on, until withdrawn.
    pub fn permit(recipient: &str, categories: &[DataCategory], purposes: &[&str]) -> Self {
        ConsentRequest {
            recipient: recipient.to_owned(),
            categories: categories.to_vec(),
            purposes: purposes.iter().map(|p| (*p).to_owned()).collect(),
            effect: Effect::Permit,
            valid_from: None,
            valid_until: None,
            notice_version: None,
        }
    }

    /// A deny from now on, until changed.
    pub fn deny(recipient: &str, categories: &[DataCategory], purposes: &[&str]) -> Self {
        ConsentRequest {
            effect: Effect::Deny,
            ..Self::permit(recipient, categories, purposes)
        }
    }

    pub fn until(mut self, until: Stamp) -> Self {
        self.valid_until = Some(until);
        self
    }
}
