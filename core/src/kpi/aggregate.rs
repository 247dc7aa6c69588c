//! The municipality's side (issue #19 item 5): contributions in, published figures out.
//!
//! Streaming: each document is parsed on its own (a MeasureReport, or a Bundle of them as a
//! search page or a file holds them; `report_shape`) and kept only as a compact row — the KPI
//! and period as indexes, the pseudonym's 32 bytes, the band and breakdown as interned indexes
//! — keyed so a contribution seen twice (sent again, or in two files) counts once, the last one
//! winning. Memory grows with the number of distinct contributions (about 60 bytes each), never
//! with the input's size. What may be published of the counts is `suppression`'s.

use super::report_shape::Resource;
use super::suppression::publish;
use crate::consent::{KpiDefinition, KpiPeriod};
use crate::fhir::measure_report::{BAND, KPI_SYSTEM, Published, SummaryStratum, pseudonym_system};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Skipped {
    NotJson,
    NotAContribution,
    UnknownKpi,
    UnknownPeriod,
    NoPseudonym,
    Malformed,
}

impl Skipped {
    pub fn as_str(self) -> &'static str {
        match self {
            Skipped::NotJson => "not JSON",
            Skipped::NotAContribution => "not an individual MeasureReport",
            Skipped::UnknownKpi => "a KPI the profile does not define",
            Skipped::UnknownPeriod => "a period the KPI does not define",
            Skipped::NoPseudonym => "no pseudonym of the KPI's programme",
            Skipped::Malformed => "populations or strata not as a contribution has them",
        }
    }
}

/// A contribution's identity: the KPI and period (indexes) and the pseudonym's bytes.
type Key = (u16, u16, [u8; 32]);

#[derive(Clone, Copy)]
struct Row {
    meets: bool,
    band: u32,
    /// Index of the breakdown values (one per KPI group, in the KPI's order).
    groups: u32,
}

/// Strings seen, by index.
#[derive(Default)]
struct Interner {
    by_text: HashMap<String, u32>,
    texts: Vec<String>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(i) = self.by_text.get(s) {
            return *i;
        }
        let i = self.texts.len() as u32;
        self.texts.push(s.to_owned());
        self.by_text.insert(s.to_owned(), i);
        i
    }
}

/// Contributions read so far.
pub struct Aggregator<'k> {
    kpis: Vec<&'k KpiDefinition>,
    by_measure: HashMap<String, u16>,
    rows: HashMap<Key, Row>,
    bands: Interner,
    groups: Interner,
    pub read: u64,
    pub duplicates: u64,
    pub skipped: BTreeMap<Skipped, u64>,
}

/// The published figures of one KPI over one period.
#[derive(Debug, Clone)]
pub struct KpiFigures<'k> {
    pub kpi: &'k KpiDefinition,
    pub period: &'k KpiPeriod,
    pub total: Published,
    pub strata: Vec<SummaryStratum>,
}

impl<'k> Aggregator<'k> {
    /// An aggregator of the contributions to `kpis` (the profile's; anything else is skipped).
    pub fn new(kpis: &'k [KpiDefinition]) -> Self {
        let kpis: Vec<&KpiDefinition> = kpis.iter().collect();
        let by_measure = kpis
            .iter()
            .enumerate()
            .map(|(i, k)| (k.measure_url(), i as u16))
            .collect();
        Aggregator {
            kpis,
            by_measure,
            rows: HashMap::new(),
            bands: Interner::default(),
            groups: Interner::default(),
            read: 0,
            duplicates: 0,
            skipped: BTreeMap::new(),
        }
    }

    /// The number of distinct contributions counted.
    pub fn counted(&self) -> usize {
        self.rows.len()
    }

    /// Read one JSON document: a contribution, or a Bundle of them.
    pub fn add_json(&mut self, bytes: &[u8]) {
        match serde_json::from_slice::<Resource>(bytes) {
            Ok(r) => self.add(r),
            Err(_) => self.skip(Skipped::NotJson),
        }
    }

    fn skip(&mut self, why: Skipped) {
        self.read += 1;
        *self.skipped.entry(why).or_insert(0) += 1;
    }

    fn add(&mut self, r: Resource) {
        if r.resource_type == "Bundle" {
            for e in r.entry {
                if let Some(res) = e.resource {
                    self.add(res);
                }
            }
            return;
        }
        match self.row_of(&r) {
            Ok((key, row)) => {
                self.read += 1;
                if self.rows.insert(key, row).is_some() {
                    self.duplicates += 1;
                }
            }
            Err(why) => self.skip(why),
        }
    }

    fn row_of(&mut self, r: &Resource) -> Result<(Key, Row), Skipped> {
        if r.resource_type != "MeasureReport"
            || r.kind.as_deref() != Some("individual")
            || r.status.as_deref() != Some("complete")
        {
            return Err(Skipped::NotAContribution);
        }
        let ki = *r
            .measure
            .as_ref()
            .and_then(|m| self.by_measure.get(m))
            .ok_or(Skipped::UnknownKpi)?;
        let k = self.kpis[ki as usize];
        let period = r.period.as_ref().ok_or(Skipped::UnknownPeriod)?;
        let pi = k
            .periods
            .iter()
            .position(|p| {
                period.start.as_deref() == Some(p.from.to_string().as_str())
                    && period.end.as_deref() == Some(p.to.to_string().as_str())
            })
            .ok_or(Skipped::UnknownPeriod)? as u16;
        let id = r
            .subject
            .as_ref()
            .and_then(|s| s.identifier.as_ref())
            .filter(|i| i.system.as_deref() == Some(pseudonym_system(&k.programme).as_str()))
            .and_then(|i| i.value.as_deref())
            .ok_or(Skipped::NoPseudonym)?;
        let mut pseudonym = [0u8; 32];
        hex::decode_to_slice(id, &mut pseudonym).map_err(|_| Skipped::NoPseudonym)?;
        let [g] = r.group.as_slice() else {
            return Err(Skipped::Malformed);
        };
        let is_kpi =
            g.code.coding.iter().any(|c| {
                c.system.as_deref() == Some(KPI_SYSTEM) && c.code.as_deref() == Some(&k.id)
            });
        if !is_kpi {
            return Err(Skipped::Malformed);
        }
        let count = |name: &str| {
            g.population
                .iter()
                .find(|p| {
                    p.code
                        .coding
                        .iter()
                        .any(|c| c.code.as_deref() == Some(name))
                })
                .and_then(|p| p.count)
        };
        let meets = match (count("denominator"), count("numerator")) {
            (Some(1), Some(n @ (0 | 1))) => n == 1,
            _ => return Err(Skipped::Malformed),
        };
        let stratum = |name: &str| -> Option<&str> {
            let s = g.stratifier.iter().find(|s| {
                s.code
                    .iter()
                    .any(|c| c.coding.iter().any(|x| x.code.as_deref() == Some(name)))
            })?;
            let [one] = s.stratum.as_slice() else {
                return None;
            };
            one.value.coding.first()?.code.as_deref()
        };
        let band = match k.band_width() {
            Some(_) => stratum(BAND).ok_or(Skipped::Malformed)?,
            None => "",
        };
        let mut combo = String::new();
        for grp in &k.groups {
            let v = stratum(grp.as_str()).ok_or(Skipped::Malformed)?;
            if v.contains('\u{1f}') {
                return Err(Skipped::Malformed);
            }
            combo.push_str(v);
            combo.push('\u{1f}');
        }
        let band = self.bands.id(band);
        let groups = self.groups.id(&combo);
        Ok((
            (ki, pi, pseudonym),
            Row {
                meets,
                band,
                groups,
            },
        ))
    }

    /// The figures of every KPI and period of the profile, suppressed as the KPI requires.
    pub fn finish(&self) -> Vec<KpiFigures<'k>> {
        // (kpi, period) -> (stratifier, value) -> (participants, meeting)
        type Cells = BTreeMap<(String, String), (u64, u64)>;
        let mut tallies: HashMap<(u16, u16), ((u64, u64), Cells)> = HashMap::new();
        let combos: Vec<Vec<&str>> = self
            .groups
            .texts
            .iter()
            .map(|c| c.split('\u{1f}').filter(|s| !s.is_empty()).collect())
            .collect();
        for ((ki, pi, _), row) in &self.rows {
            let k = self.kpis[*ki as usize];
            let (total, cells) = tallies.entry((*ki, *pi)).or_default();
            let m = u64::from(row.meets);
            total.0 += 1;
            total.1 += m;
            let mut bump = |s: &str, v: &str| {
                let c = cells.entry((s.to_owned(), v.to_owned())).or_default();
                c.0 += 1;
                c.1 += m;
            };
            if k.band_width().is_some() {
                bump(BAND, &self.bands.texts[row.band as usize]);
            }
            for (g, v) in k.groups.iter().zip(&combos[row.groups as usize]) {
                bump(g.as_str(), v);
            }
        }
        let mut out = vec![];
        for (ki, k) in self.kpis.iter().enumerate() {
            for (pi, p) in k.periods.iter().enumerate() {
                let ((n, m), cells) = tallies.remove(&(ki as u16, pi as u16)).unwrap_or_default();
                out.push(publish(k, p, (n, m), cells));
            }
        }
        out
    }
}
