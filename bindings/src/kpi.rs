//! KPI contributions across the FFI: what this person contributes to each KPI of the operator,
//! as the consent gate releases it now, so a screen can show exactly what would leave and for
//! whom. The rules, the bands and the gate are the core's; this file only copies fields out.

use crate::error::Result;
use crate::session::PhrSession;
use phr_core::consent::{KpiMeasure, ReleasedContributions};

/// One contribution, as it would leave: the period, the value band, whether the target was met,
/// and the breakdowns (`age_band=50-59`, `sex=female`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct KpiContributionLine {
    pub period: String,
    pub band: Option<String>,
    pub meets: bool,
    pub groups: Vec<String>,
}

/// One KPI of the operator with this person's part in it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct KpiContributionView {
    pub kpi_id: String,
    pub name_ja: String,
    pub name_en: String,
    pub measure: KpiMeasure,
    pub recipient: String,
    pub purpose: String,
    /// Whether consent for the evaluation purpose lets the contributions leave now.
    pub permitted: bool,
    /// Empty unless permitted (and a period is over with the data the measure needs).
    pub contributions: Vec<KpiContributionLine>,
}

impl From<&ReleasedContributions> for KpiContributionView {
    fn from(r: &ReleasedContributions) -> Self {
        let k = r.kpi();
        KpiContributionView {
            kpi_id: k.id.clone(),
            name_ja: k.name_ja.clone(),
            name_en: k.name_en.clone(),
            measure: k.measure,
            recipient: k.recipient.clone(),
            purpose: k.purpose.clone(),
            permitted: r.permitted(),
            contributions: r
                .contributions()
                .iter()
                .map(|c| KpiContributionLine {
                    period: c.period.clone(),
                    band: c.band.clone(),
                    meets: c.meets,
                    groups: c
                        .groups
                        .iter()
                        .map(|(g, v)| format!("{}={v}", g.as_str()))
                        .collect(),
                })
                .collect(),
        }
    }
}

#[uniffi::export]
impl PhrSession {
    /// What this person contributes to each KPI of the operator profile in force, as the
    /// consent gate judges it now (nothing leaves by this call).
    pub fn kpi_contributions(&self, subject: String) -> Result<Vec<KpiContributionView>> {
        let all = self.session().kpi_contributions(&subject)?;
        Ok(all.iter().map(KpiContributionView::from).collect())
    }
}
