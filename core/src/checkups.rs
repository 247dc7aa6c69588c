//! A checkup as a resident reads it (issue #17 item 2): every result with its unit, reference
//! range and level against 保健指導判定値 / 受診勧奨判定値, the doctor's judgement, メタボ判定 and
//! 保健指導レベル in words; and the last checkups side by side, item by item. One rule for the
//! CLI and both apps; [`crate::Session::checkups`] reads the records.

use crate::guidance::{Level, checkup_level};
use crate::records::{Checkup, CheckupCodeSystem, CheckupResult, Record, RecordBody, Sex};
use chrono::NaiveDate;
use serde::Serialize;

/// メタボリックシンドローム判定 (item 9N501…, code system 1.2.392.200119.6.1008).
const METABOLIC_SYNDROME: &str = "9N501000000000011";
/// 保健指導レベル (item 9N506…, code system 1.2.392.200119.6.3001).
const GUIDANCE_LEVEL: &str = "9N506000000000011";

/// One result as shown: the value in words or digits, with what it is measured against.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResultReading {
    pub code: String,
    pub name: String,
    /// The value as people read it: `5.7`, `基準該当`, `特記事項なし`.
    pub value: String,
    pub value_num: Option<f64>,
    pub unit: Option<String>,
    pub ref_low: Option<f64>,
    pub ref_high: Option<f64>,
    /// The laboratory's flag against its reference range: H, L, N or A.
    pub flag: Option<String>,
    /// Against the 特定健診 thresholds (only items that have them).
    pub level: Option<Level>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckupReading {
    pub record_id: String,
    pub date: NaiveDate,
    /// `specific_health_checkup` (特定健診), `general`, `other`.
    pub program: String,
    pub institution: String,
    /// 医師の判断.
    pub judgement: Option<String>,
    /// メタボ判定 in words (基準該当, 予備群該当, 非該当, 判定不能).
    pub metabolic_syndrome: Option<String>,
    /// 保健指導レベル in words (積極的支援, 動機付け支援, なし（情報提供）, 判定不能).
    pub guidance_level: Option<String>,
    /// Every result but the two judgements above, in the checkup's order.
    pub results: Vec<ResultReading>,
    /// The worst level among the results (none when no result has thresholds).
    pub worst_level: Option<Level>,
    /// The person's correction notes on this checkup, oldest first (it is never edited: S-21).
    pub corrections: Vec<Correction>,
}

/// A correction note beside a checkup: the note's record, what it says, when it was written.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correction {
    pub note_id: String,
    pub text: String,
    pub written: crate::records::Stamp,
}

/// The last checkups side by side: one row per item, one cell per checkup (newest first).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckupComparison {
    pub dates: Vec<NaiveDate>,
    pub rows: Vec<ComparisonRow>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonRow {
    pub name: String,
    pub unit: Option<String>,
    /// `cells[i]` is the value in the checkup of `dates[i]`, if it had the item.
    pub cells: Vec<Option<ComparisonCell>>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonCell {
    pub value: String,
    pub level: Option<Level>,
}

/// The reading of a checkup record, with the notes among `notes` that annotate it; `None` for
/// any other kind of record.
pub fn read(record: &Record, sex: Option<Sex>, notes: &[Record]) -> Option<CheckupReading> {
    let RecordBody::Checkup(c) = &record.body else {
        return None;
    };
    let mut reading = read_checkup(&record.meta.id, c, sex);
    reading.corrections = notes
        .iter()
        .filter_map(|n| match &n.body {
            RecordBody::Note(note) if note.about.as_deref() == Some(record.meta.id.as_str()) => {
                Some(Correction {
                    note_id: n.meta.id.clone(),
                    text: note.text.clone(),
                    written: n.meta.effective,
                })
            }
            _ => None,
        })
        .collect();
    Some(reading)
}

fn read_checkup(record_id: &str, c: &Checkup, sex: Option<Sex>) -> CheckupReading {
    let judgement_of = |code: &str| c.results.iter().find(|r| r.code == code).map(value_words);
    let results: Vec<ResultReading> = c
        .results
        .iter()
        .filter(|r| r.code != METABOLIC_SYNDROME && r.code != GUIDANCE_LEVEL)
        .map(|r| read_result(r, sex))
        .collect();
    CheckupReading {
        record_id: record_id.to_owned(),
        date: c.date,
        program: c.program.clone(),
        institution: c.institution.clone(),
        judgement: c.judgement.clone(),
        metabolic_syndrome: judgement_of(METABOLIC_SYNDROME),
        guidance_level: judgement_of(GUIDANCE_LEVEL),
        worst_level: results.iter().filter_map(|r| r.level).max(),
        results,
        corrections: vec![],
    }
}

fn read_result(r: &CheckupResult, sex: Option<Sex>) -> ResultReading {
    // The 17-character item codes carry the analyte; LOINC codes have no thresholds here.
    let coded = matches!(
        r.code_system,
        CheckupCodeSystem::Tokutei | CheckupCodeSystem::Jlac10
    );
    ResultReading {
        code: r.code.clone(),
        name: r.name.clone(),
        value: value_words(r),
        value_num: r.value_num,
        unit: r.unit.clone(),
        ref_low: r.ref_low,
        ref_high: r.ref_high,
        flag: r.flag.clone(),
        level: r
            .value_num
            .filter(|_| coded)
            .and_then(|v| checkup_level(&r.code, v, sex)),
    }
}

/// A number as measured (`128`, `5.7`), a code in its words, or the text.
fn value_words(r: &CheckupResult) -> String {
    if let Some(v) = r.value_num {
        return format!("{v}");
    }
    if let Some(code) = &r.value_code {
        return r
            .value_text
            .clone()
            .or_else(|| {
                crate::checkup_xml::words_of_answer(&r.code, r.value_system.as_deref(), code)
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| code.clone());
    }
    r.value_text.clone().unwrap_or_default()
}

/// The same item across years: its code's first nine characters (analyte and fasting state,
/// whatever the measuring method) and its name.
fn item_key(r: &ResultReading) -> (String, String) {
    let code = r.code.get(..9).unwrap_or(&r.code).to_owned();
    (code, r.name.clone())
}

/// The checkups side by side, in the order given (newest first): items in the order of the
/// newest checkup that has them, then those only older ones have.
pub fn compare(readings: &[CheckupReading]) -> CheckupComparison {
    let mut rows: Vec<((String, String), ComparisonRow)> = Vec::new();
    for (column, reading) in readings.iter().enumerate() {
        for r in &reading.results {
            let key = item_key(r);
            let i = match rows.iter().position(|(k, _)| *k == key) {
                Some(i) => i,
                None => {
                    rows.push((
                        key,
                        ComparisonRow {
                            name: r.name.clone(),
                            unit: r.unit.clone(),
                            cells: vec![None; readings.len()],
                        },
                    ));
                    rows.len() - 1
                }
            };
            // Two results of one item in one checkup: the first, as the checkup lists it.
            rows[i].1.cells[column].get_or_insert_with(|| ComparisonCell {
                value: r.value.clone(),
                level: r.level,
            });
        }
    }
    CheckupComparison {
        dates: readings.iter().map(|r| r.date).collect(),
        rows: rows.into_iter().map(|(_, row)| row).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(code: &str, name: &str, v: Option<f64>, vc: Option<&str>) -> CheckupResult {
        CheckupResult {
            code_system: CheckupCodeSystem::Tokutei,
            code: code.into(),
            name: name.into(),
            value_num: v,
            value_code: vc.map(Into::into),
            value_system: None,
            value_text: None,
            unit: v.map(|_| "mg/dL".into()),
            ref_low: None,
            ref_high: None,
            flag: None,
        }
    }

    fn checkup(date: (i32, u32, u32), results: Vec<CheckupResult>) -> Checkup {
        Checkup {
            date: NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap_or_default(),
            program: "specific_health_checkup".into(),
            institution: "さくら健診センター".into(),
            institution_code: None,
            judgement: Some("要経過観察".into()),
            results,
        }
    }

    #[test]
    fn judgements_are_words_and_results_are_levelled() {
        let c = checkup(
            (2026, 6, 10),
            vec![
                result("3D046000001906202", "HbA1c(NGSP値)", Some(5.7), None),
                result("3F070000002327101", "HDLコレステロール", Some(62.0), None),
                result(
                    METABOLIC_SYNDROME,
                    "メタボリックシンドローム判定",
                    None,
                    Some("2"),
                ),
                result(GUIDANCE_LEVEL, "保健指導レベル", None, Some("2")),
            ],
        );
        let r = read_checkup("id", &c, None);
        assert_eq!(r.metabolic_syndrome.as_deref(), Some("予備群該当"));
        assert_eq!(r.guidance_level.as_deref(), Some("動機付け支援"));
        assert_eq!(r.results.len(), 2, "the judgements are not listed again");
        assert_eq!(r.results[0].value, "5.7");
        assert_eq!(r.results[0].level, Some(Level::Guidance));
        assert_eq!(r.results[1].level, Some(Level::Normal));
        assert_eq!(r.worst_level, Some(Level::Guidance));
    }

    #[test]
    fn the_same_item_by_another_method_lines_up_across_years() {
        let new = read_checkup(
            "a",
            &checkup(
                (2026, 6, 10),
                vec![result(
                    "3D046000001920402",
                    "HbA1c(NGSP値)",
                    Some(5.7),
                    None,
                )],
            ),
            None,
        );
        let old = read_checkup(
            "b",
            &checkup(
                (2025, 6, 12),
                vec![
                    result("3D046000001906202", "HbA1c(NGSP値)", Some(5.4), None),
                    result("3F077000002327101", "LDLコレステロール", Some(150.0), None),
                ],
            ),
            None,
        );
        let cmp = compare(&[new, old]);
        assert_eq!(cmp.dates.len(), 2);
        assert_eq!(cmp.rows.len(), 2);
        assert_eq!(cmp.rows[0].name, "HbA1c(NGSP値)");
        let cells: Vec<_> = cmp.rows[0]
            .cells
            .iter()
            .map(|c| c.as_ref().map(|c| c.value.as_str()))
            .collect();
        assert_eq!(cells, [Some("5.7"), Some("5.4")]);
        assert_eq!(cmp.rows[1].cells[0], None, "LDL was not measured this year");
        assert_eq!(
            cmp.rows[1].cells[1].as_ref().and_then(|c| c.level),
            Some(Level::SeeDoctor)
        );
    }
}
