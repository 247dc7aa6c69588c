//! The consent state a UI draws: for each purpose of the operator, one toggle per recipient ×
//! category it offers, each with the directive that decided it.

use super::category::DataCategory;
use super::decide::deciding;
use super::directive::{ConsentDirective, Effect};
use super::profile::OperatorProfile;
use crate::records::Stamp;
use serde::Serialize;

/// One switch: may `recipient` receive `category` for this purpose now?
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentToggle {
    pub recipient: String,
    pub recipient_name: String,
    pub category: DataCategory,
    pub permitted: bool,
    /// The directive that decided (`None`: nothing decided yet, so default deny).
    pub directive_id: Option<String>,
    /// When the deciding directive ends, if it does.
    pub until: Option<Stamp>,
    /// The deciding permit waits for the resident to decide again (a newer profile changed
    /// what it covers): nothing is shared meanwhile ([`crate::Session::reconsent_needed`]).
    pub awaiting_reconsent: bool,
    /// A recipient outside Japan: the country, its protection regime and the recipient's
    /// measures, to show before the resident decides (APPI art. 28).
    pub abroad: Option<super::Abroad>,
}

/// One purpose with its toggles.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurposeState {
    pub code: String,
    pub label_ja: String,
    pub label_en: String,
    pub statutory_basis: Option<String>,
    pub toggles: Vec<ConsentToggle>,
}

/// The whole picture for one subject at one instant.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentState {
    pub subject_id: String,
    pub at: Stamp,
    pub operator: String,
    pub current_notice: String,
    pub purposes: Vec<PurposeState>,
}

impl ConsentState {
    /// Build the state from the profile and the subject's directive history.
    pub fn build(
        profile: &OperatorProfile,
        directives: &[ConsentDirective],
        subject: &str,
        at: Stamp,
    ) -> ConsentState {
        let purposes = profile
            .purposes
            .iter()
            .map(|p| {
                let mut toggles = vec![];
                for r in &p.recipients {
                    let entry = profile.recipient(r);
                    let name = entry.map(|x| x.name.clone()).unwrap_or_default();
                    let abroad = entry.and_then(|x| x.abroad.clone());
                    for c in &p.categories {
                        let d = deciding(directives, subject, r, *c, &p.code, at.utc_seconds);
                        toggles.push(ConsentToggle {
                            recipient: r.clone(),
                            recipient_name: name.clone(),
                            category: *c,
                            permitted: d
                                .is_some_and(|d| d.effect == Effect::Permit && !d.needs_reconsent),
                            awaiting_reconsent: d
                                .is_some_and(|d| d.effect == Effect::Permit && d.needs_reconsent),
                            directive_id: d.map(|d| d.id.clone()),
                            until: d.and_then(|d| d.valid_until),
                            abroad: abroad.clone(),
                        });
                    }
                }
                PurposeState {
                    code: p.code.clone(),
                    label_ja: p.label_ja.clone(),
                    label_en: p.label_en.clone(),
                    statutory_basis: p.statutory_basis.clone(),
                    toggles,
                }
            })
            .collect();
        ConsentState {
            subject_id: subject.to_owned(),
            at,
            operator: profile.name.clone(),
            current_notice: profile
                .current_notice()
                .map(|n| n.id.clone())
                .unwrap_or_default(),
            purposes,
        }
    }

    /// Every permitted (purpose, recipient, category), for summaries.
    pub fn permitted(&self) -> Vec<(&PurposeState, &ConsentToggle)> {
        self.purposes
            .iter()
            .flat_map(|p| {
                p.toggles
                    .iter()
                    .filter(|t| t.permitted)
                    .map(move |t| (p, t))
            })
            .collect()
    }
}
