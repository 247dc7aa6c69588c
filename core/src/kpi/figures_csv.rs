//! The published figures as CSV, for a spreadsheet or the municipality's open-data page.

use super::aggregate::KpiFigures;
use crate::fhir::measure_report::Published;

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
