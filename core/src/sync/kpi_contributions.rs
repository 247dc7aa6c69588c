//! KPI contributions reaching the KPI's recipient (issue #19 item 4): only what the gate
//! released at send time ([`ReleasedContributions`]), as one `MeasureReport` per KPI and period
//! with an id derived from the pseudonym, reconciled like every derived copy (`derived.rs`): a
//! contribution whose band or result changed (late data) is sent again, one no longer computed
//! is deleted. Nothing about the Patient goes with it, and it points at none.

use super::Run;
use super::derived::{Scope, Wanted};
use crate::consent::ReleasedContributions;
use crate::error::Result;
use crate::fhir::measure_report::contribution_report;

/// What a copy was sent at: the first 8 bytes of the SHA-256 of its body, as a non-negative
/// number (a negative version marks a copy erasure deletes, `state::mark_derived_erased`).
fn version_of(body: &serde_json::Value) -> i64 {
    let d = ring::digest::digest(&ring::digest::SHA256, body.to_string().as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d.as_ref()[..8]);
    i64::from_be_bytes(b) & i64::MAX
}

impl Run<'_, '_> {
    /// The contributions to the KPIs this recipient receives, through the gate.
    pub(super) fn push_contributions(&mut self) -> Result<()> {
        let recipient = self.recipient().to_owned();
        let released: Vec<ReleasedContributions> = self
            .job
            .host
            .kpi_contributions(&recipient)?
            .into_iter()
            .filter(ReleasedContributions::permitted)
            .collect();
        for r in &released {
            let wanted = r
                .contributions()
                .iter()
                .filter_map(|c| {
                    let body = contribution_report(r, c)?;
                    let id = body["id"].as_str()?.to_owned();
                    Some(Wanted {
                        key: r.key_of(c),
                        address: format!("MeasureReport/{id}"),
                        version: version_of(&body),
                        body,
                    })
                })
                .collect();
            let prefix = format!("kpi:{}:", r.kpi().id);
            let scope = Scope {
                purpose: r.purpose(),
                key_prefix: &prefix,
                category: r.kpi().measure.category(),
                form: crate::provision::Form::KpiContributions,
            };
            let done = self.reconcile_derived(&scope, wanted)?;
            self.report.contributions_sent += done.sent;
        }
        Ok(())
    }
}
