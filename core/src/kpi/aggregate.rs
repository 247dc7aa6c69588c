//! The municipality's side (issue #19 item 5): contributions in, published figures out.
//!
//! Streaming: each document is parsed on its own (a MeasureReport, or a Bundle of them as a
//! search page or a file holds them) and kept only as a compact row — the KPI and period as
//! indexes, the pseudonym's 32 bytes, the band and breakdown as interned indexes — keyed so a
//! contribution seen twice (sent again, or in two files) counts once, the last one winning.
//! Memory grows with the number of distinct contributions (about 60 bytes each), never with
//! the input's size.
//!
//! Figures are published only for groups of at least the KPI's minimum size: a count from 1
//! to `min_group - 1` is withheld (primary suppression), and where a withheld count could be
//! worked out from its total and the other published counts, the smallest other count is
//! withheld too (secondary suppression). A count of those meeting the target is withheld the
//! same way, and also when those not meeting it are too few (else "all but 3" would tell).

use crate::consent::{KpiDefinition, KpiPeriod};
use crate::fhir::measure_report::{BAND, KPI_SYSTEM, Published, SummaryStratum, pseudonym_system};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Deserialize)]
struct Coding {
    #[serde(default)]
    system: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

#[derive(Deserialize, Default)]
struct Concept {
    #[serde(default)]
    coding: Vec<Coding>,
}

#[derive(Deserialize)]
struct Population {
    #[serde(default)]
    code: Concept,
    #[serde(default)]
    count: Option<u64>,
}

#[derive(Deserialize)]
struct Stratum {
    #[serde(default)]
    value: Concept,
}

#[derive(Deserialize)]
struct Stratifier {
    #[serde(default)]
    code: Vec<Concept>,
    #[serde(default)]
    stratum: Vec<Stratum>,
}

#[derive(Deserialize)]
struct Group {
    #[serde(default)]
    code: Concept,
    #[serde(default)]
    population: Vec<Population>,
    #[serde(default)]
    stratifier: Vec<Stratifier>,
}

#[derive(Deserialize)]
struct Identifier {
    #[serde(default)]
    system: Option<String>,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Deserialize)]
struct Subject {
    #[serde(default)]
    identifier: Option<Identifier>,
}

#[derive(Deserialize)]
struct Period {
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    resource: Option<Resource>,
}

/// The fields of a MeasureReport (or a Bundle's entries) aggregation reads; the rest is skipped
/// unparsed.
#[derive(Deserialize)]
struct Resource {
    #[serde(rename = "resourceType")]
    resource_type: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    measure: Option<String>,
    #[serde(default)]
    subject: Option<Subject>,
    #[serde(default)]
    period: Option<Period>,
    #[serde(default)]
    group: Vec<Group>,
    #[serde(default)]
    entry: Vec<Entry>,
}

/// Why an input was not counted.
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

/// Withheld where small (see the module's comment).
fn publish<'k>(
    k: &'k KpiDefinition,
    p: &'k KpiPeriod,
    (n, m): (u64, u64),
    cells: BTreeMap<(String, String), (u64, u64)>,
) -> KpiFigures<'k> {
    let min = u64::from(k.min_group());
    let small = |x: u64| x > 0 && x < min;
    if n < min {
        return KpiFigures {
            kpi: k,
            period: p,
            total: Published {
                participants: (n == 0).then_some(0),
                meeting: (n == 0).then_some(0),
            },
            strata: vec![],
        };
    }
    let total = Published {
        participants: Some(n),
        meeting: (!small(m) && !small(n - m)).then_some(m),
    };
    let mut by: BTreeMap<String, Vec<(String, u64, u64)>> = BTreeMap::new();
    for ((s, v), (cn, cm)) in cells {
        by.entry(s).or_default().push((v, cn, cm));
    }
    let mut strata = vec![];
    for (s, cells) in by {
        let counts: Vec<u64> = cells.iter().map(|c| c.1).collect();
        let shown_n = suppress(&counts, min, true);
        let meets: Vec<u64> = cells.iter().map(|c| c.2).collect();
        let mut shown_m: Vec<bool> = cells
            .iter()
            .zip(&shown_n)
            .map(|(c, shown)| *shown && !small(c.2) && !small(c.1 - c.2))
            .collect();
        secondary(&meets, &mut shown_m, total.meeting.is_some());
        for ((v, cn, cm), (sn, sm)) in cells.into_iter().zip(shown_n.into_iter().zip(shown_m)) {
            strata.push(SummaryStratum {
                stratifier: s.clone(),
                value: v,
                counts: Published {
                    participants: sn.then_some(cn),
                    meeting: (sn && sm).then_some(cm),
                },
            });
        }
    }
    KpiFigures {
        kpi: k,
        period: p,
        total,
        strata,
    }
}

/// Which of `counts` (a partition of a published total) may be shown.
pub fn suppress(counts: &[u64], min: u64, total_shown: bool) -> Vec<bool> {
    let mut shown: Vec<bool> = counts.iter().map(|c| *c == 0 || *c >= min).collect();
    secondary(counts, &mut shown, total_shown);
    shown
}

/// With the total shown, one withheld count is the total minus the rest: withhold the smallest
/// other non-zero one too.
fn secondary(counts: &[u64], shown: &mut [bool], total_shown: bool) {
    let withheld = shown
        .iter()
        .zip(counts)
        .filter(|(s, c)| !**s && **c > 0)
        .count();
    if total_shown && withheld == 1 {
        let next = counts
            .iter()
            .enumerate()
            .filter(|(i, c)| shown[*i] && **c > 0)
            .min_by_key(|(_, c)| **c)
            .map(|(i, _)| i);
        if let Some(i) = next {
            shown[i] = false;
        }
    }
}

/// The figures as CSV: one row for the whole group and one per stratum; a withheld count reads
/// `<min` (e.g. `<10`), its share empty.
pub fn to_csv(figures: &[KpiFigures<'_>]) -> String {
    let mut out = String::from(
        "programme,kpi,period,period_from,period_to,stratifier,stratum,participants,meeting_target,share\n",
    );
    for f in figures {
        let min = f.kpi.min_group();
        let mut row = |s: &str, v: &str, c: &Published| {
            let n = c.participants.map_or(format!("<{min}"), |n| n.to_string());
            let m = c.meeting.map_or(format!("<{min}"), |m| m.to_string());
            let share = match (c.participants, c.meeting) {
                (Some(n), Some(m)) if n > 0 => format!("{:.4}", m as f64 / n as f64),
                _ => String::new(),
            };
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{}\n",
                csv(&f.kpi.programme),
                csv(&f.kpi.id),
                csv(&f.period.id),
                f.period.from,
                f.period.to,
                csv(s),
                csv(v),
                n,
                m,
                share
            ));
        };
        row("all", "all", &f.total);
        for s in &f.strata {
            row(&s.stratifier, &s.value, &s.counts);
        }
    }
    out
}

fn csv(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_small_count_takes_the_next_smallest_with_it() {
        assert_eq!(
            suppress(&[40, 3, 12, 20], 10, true),
            [true, false, false, true]
        );
        assert_eq!(
            suppress(&[40, 3, 4, 20], 10, true),
            [true, false, false, true]
        );
        assert_eq!(suppress(&[40, 30], 10, true), [true, true]);
        assert_eq!(suppress(&[40, 0, 12], 10, true), [true, true, true]);
    }
}
