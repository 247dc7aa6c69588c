//! KPI contributions: computed from the record for every KPI of the profile in force, and let
//! through the gate ([`consent::release_contributions`]) under the programme's pseudonym, in
//! one audited transaction per KPI (`kpi_contributions_released`, naming the keys released).

use super::Session;
use crate::access::{Access, Action};
use crate::audit::AuditAction;
use crate::consent::{self, KpiDefinition, KpiMeasure, OperatorProfile, ReleasedContributions};
use crate::error::Result;
use crate::kpi::{self, CheckupFacts, KpiFacts};
use crate::records::{AggregateQuery, Granularity, ObservationType, checkup_series};
use std::collections::BTreeMap;

impl Session {
    /// What `subject` contributes to each KPI of the profile in force, as the gate judges it
    /// now: the resident sees exactly what would leave (and for whom) before it does.
    pub fn kpi_contributions(&self, subject: &str) -> Result<Vec<ReleasedContributions>> {
        let access = self.authorize(subject, Action::View)?;
        self.release_kpi_contributions(&access, None)
    }

    /// The contributions of the KPIs `recipient` receives (all KPIs with `None`), through the
    /// gate. A programme's key is made on its first release; on a store that cannot be written
    /// a programme with no key yet releases nothing.
    pub(crate) fn release_kpi_contributions(
        &self,
        access: &Access,
        recipient: Option<&str>,
    ) -> Result<Vec<ReleasedContributions>> {
        let Some(installed) = self.installed_profile() else {
            return Ok(vec![]);
        };
        let profile = &installed.profile;
        let kpis: Vec<&KpiDefinition> = profile
            .kpis
            .iter()
            .filter(|k| recipient.is_none_or(|r| k.recipient == r))
            .collect();
        if kpis.is_empty() {
            return Ok(vec![]);
        }
        let facts = self.kpi_facts(access, &kpis)?;
        let today = self.today();
        let subject = access.subject();
        let mut out = vec![];
        for k in kpis {
            let computed: Vec<kpi::Contribution> = k
                .periods
                .iter()
                .filter_map(|p| kpi::contribution(k, p, &facts, today))
                .collect();
            let now = self.now();
            let released = if self.is_read_only() {
                let key = self
                    .store()
                    .read(|c| kpi::pseudonym::key(c, &k.programme))?;
                let Some(key) = key else { continue };
                let history = self.store().read(|c| consent::repo::all_for(c, subject))?;
                release(profile, &history, subject, &key, k, computed, now)
            } else {
                self.write(access, AuditAction::KpiContributionsReleased, |w| {
                    let key = kpi::pseudonym::key_or_make(w.tx, &k.programme, now.utc_seconds)?;
                    let history = consent::repo::all_for(w.tx, subject)?;
                    let r = release(profile, &history, subject, &key, k, computed, now);
                    let keys = r.contributions().iter().map(|c| r.key_of(c)).collect();
                    Ok((r, keys))
                })?
            };
            out.push(released);
        }
        Ok(out)
    }

    /// What the KPIs look at, over the union of their periods.
    fn kpi_facts(&self, access: &Access, kpis: &[&KpiDefinition]) -> Result<KpiFacts> {
        let subject = access.subject();
        let person = self.person(subject)?;
        let mut facts = KpiFacts {
            birth_date: Some(person.details.birth_date),
            sex: Some(person.details.sex),
            ..KpiFacts::default()
        };
        let span = |m: fn(KpiMeasure) -> bool| {
            let ps = kpis
                .iter()
                .filter(|k| m(k.measure))
                .flat_map(|k| &k.periods);
            let from = ps.clone().map(|p| p.from).min()?;
            Some((from, ps.map(|p| p.to).max()?))
        };
        if let Some((from, to)) = span(|m| m == KpiMeasure::StepsAverage) {
            self.daily_steps(subject, from, to, &mut facts.daily_steps)?;
        }
        if let Some((from, to)) = span(|m| m == KpiMeasure::WeightChange) {
            let q = AggregateQuery {
                observation_type: ObservationType::Weight,
                granularity: Granularity::Day,
                from,
                to,
                time_zone: None,
            };
            facts.daily_weight = self
                .aggregate(subject, &q)?
                .into_iter()
                .filter_map(|b| Some((b.start, b.mean?)))
                .collect::<BTreeMap<_, _>>();
        }
        let checkups = |m: KpiMeasure| {
            matches!(
                m,
                KpiMeasure::CheckupAttendance
                    | KpiMeasure::Hba1cChange
                    | KpiMeasure::SystolicBpChange
            )
        };
        if span(checkups).is_some() {
            facts.checkups = self
                .live_checkups(access)?
                .iter()
                .map(|c| {
                    let series = checkup_series(c);
                    let of = |t: ObservationType| {
                        series.iter().find(|(x, _, _)| *x == t).map(|(_, v, _)| *v)
                    };
                    CheckupFacts {
                        date: c.date,
                        hba1c: of(ObservationType::Hba1c),
                        systolic: of(ObservationType::BloodPressure),
                    }
                })
                .collect();
        }
        Ok(facts)
    }
}

fn release(
    profile: &OperatorProfile,
    history: &[consent::ConsentDirective],
    subject: &str,
    key: &crate::crypto::SecretKey,
    k: &KpiDefinition,
    computed: Vec<kpi::Contribution>,
    now: crate::records::Stamp,
) -> ReleasedContributions {
    let pseudonym = kpi::pseudonym(key, subject);
    consent::release_contributions(profile, history, (subject, pseudonym), k, computed, now)
}
