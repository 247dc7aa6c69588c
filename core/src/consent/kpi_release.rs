//! The release gate for KPI contributions: the one place that decides which of a resident's
//! contributions may leave for a KPI's recipient. A contribution passes only if the profile in
//! force still declares the KPI as it was computed, its purpose is a `contributions_only` one
//! that offers the measure's category to the recipient, and the newest applicable directive
//! permits it at the instant of release. [`ReleasedContributions`] can only be made here.

use super::decide::is_permitted;
use super::directive::ConsentDirective;
use super::gate::offered;
use super::kpi_definition::KpiDefinition;
use super::profile::OperatorProfile;
use crate::kpi::Contribution;
use crate::records::Stamp;
use serde::Serialize;

/// What the gate let through for one KPI: the resident's contributions under the programme's
/// pseudonym, or nothing (`permitted` false).
#[derive(Debug, Clone, Serialize)]
pub struct ReleasedContributions {
    pub(super) kpi: KpiDefinition,
    pub(super) pseudonym: String,
    pub(super) released_at: Stamp,
    pub(super) permitted: bool,
    pub(super) contributions: Vec<Contribution>,
}

impl ReleasedContributions {
    pub fn kpi(&self) -> &KpiDefinition {
        &self.kpi
    }
    pub fn recipient(&self) -> &str {
        &self.kpi.recipient
    }
    pub fn purpose(&self) -> &str {
        &self.kpi.purpose
    }
    /// HMAC of the person id under the programme key (never the id itself).
    pub fn pseudonym(&self) -> &str {
        &self.pseudonym
    }
    pub fn released_at(&self) -> Stamp {
        self.released_at
    }
    pub fn permitted(&self) -> bool {
        self.permitted
    }
    /// One per period that is over and for which the record holds what the measure needs.
    pub fn contributions(&self) -> &[Contribution] {
        &self.contributions
    }
    /// The key the copy of a contribution is remembered by: `kpi:<kpi>:<period>`.
    pub fn key_of(&self, c: &Contribution) -> String {
        format!("kpi:{}:{}", self.kpi.id, c.period)
    }
}

/// The gate's decision for `subject`'s contributions to `k`: all of them, or none.
pub(crate) fn release_contributions(
    profile: &OperatorProfile,
    directives: &[ConsentDirective],
    (subject, pseudonym): (&str, String),
    k: &KpiDefinition,
    contributions: Vec<Contribution>,
    now: Stamp,
) -> ReleasedContributions {
    let c = k.measure.category();
    let permitted = profile.kpi(&k.id).is_some_and(|x| x == k)
        && profile
            .purpose(&k.purpose)
            .is_some_and(|p| p.contributions_only)
        && offered(profile, &k.recipient, c, &k.purpose)
        && is_permitted(
            directives,
            subject,
            &k.recipient,
            c,
            &k.purpose,
            now.utc_seconds,
        );
    ReleasedContributions {
        kpi: k.clone(),
        pseudonym,
        released_at: now,
        permitted,
        contributions: if permitted {
            contributions
                .into_iter()
                .filter(|x| x.kpi == k.id && k.period(&x.period).is_some())
                .collect()
        } else {
            vec![]
        },
    }
}
