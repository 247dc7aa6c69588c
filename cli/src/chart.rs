//! Trend charts as PNG (plotters, bitmap backend), worded in Japanese by default or English.
//! The embedded font is IPAexGothic (IPA Font License v1.0, cli/assets/IPAexGothic.LICENSE):
//! kana, kanji of any name (JIS X 0213) and Latin, so no system fonts are needed. The guidance
//! bands come from the core's `guidance` module.

use crate::lang::Lang;
use crate::output::{CliError, CliResult};
use chrono::NaiveDate;
use phr_core::guidance;
use phr_core::records::{Aggregation, Bucket, Granularity, ObservationType, Sex, summary};
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use std::path::Path;
use std::sync::Once;

static FONT: Once = Once::new();

pub fn ensure_font() {
    FONT.call_once(|| {
        // Invariant: the embedded file is a valid TrueType font.
        let _ = register_font(
            "sans-serif",
            FontStyle::Normal,
            include_bytes!("../assets/ipaexg.ttf"),
        );
    });
}

fn draw_err<E: std::fmt::Display>(e: E) -> CliError {
    CliError::Usage(format!("could not draw the chart: {e}"))
}

/// What a chart shows: whose series (their name as written), of which type, over which local
/// dates, in which buckets, worded in which language.
pub struct Of<'a> {
    pub who: &'a str,
    pub lang: Lang,
    pub ty: ObservationType,
    pub sex: Option<Sex>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub granularity: Granularity,
}

/// The last local date of the bucket starting at `start`.
fn bucket_end(g: Granularity, start: NaiveDate) -> NaiveDate {
    match g {
        Granularity::Day => start,
        Granularity::Week => start + chrono::Duration::days(6),
        Granularity::Month => start
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(start),
    }
}

/// Draw `buckets` of `of.ty` to `out` (PNG): the person and the period in the title, the
/// guidance bands (both for blood pressure), the legend beside the plot (never over the data),
/// and a week or month only partly inside the period drawn as an open dot.
pub fn draw(out: &Path, of: &Of<'_>, buckets: &[Bucket]) -> CliResult {
    ensure_font();
    let (ty, sex, l) = (of.ty, of.sex, of.lang);
    let value = |b: &Bucket| match ty.aggregation() {
        Aggregation::Sum => b.sum,
        Aggregation::Stats => b.mean,
    };
    let points: Vec<(NaiveDate, f64)> = buckets
        .iter()
        .filter_map(|b| value(b).map(|v| (b.start, v)))
        .collect();
    let lower: Vec<(NaiveDate, f64)> = buckets
        .iter()
        .filter_map(|b| b.mean2.map(|v| (b.start, v)))
        .collect();
    let (Some(first), Some(last)) = (buckets.first(), buckets.last()) else {
        return Err(CliError::Usage("nothing to draw".into()));
    };
    let band = guidance::band(ty, sex);
    let mut lo = points
        .iter()
        .chain(&lower)
        .map(|p| p.1)
        .fold(f64::MAX, f64::min);
    let mut hi = points
        .iter()
        .chain(&lower)
        .map(|p| p.1)
        .fold(f64::MIN, f64::max);
    if points.is_empty() {
        (lo, hi) = (0.0, 1.0);
    }
    if let Some(b) = band {
        hi = hi.max(b.doctor_from.unwrap_or(b.guidance_from) * 1.05);
    }
    let pad = ((hi - lo) * 0.1).max(1.0);
    let (y0, y1) = (
        if ty.aggregation() == Aggregation::Sum {
            0.0
        } else {
            lo - pad
        },
        hi + pad,
    );
    let unit = summary::display_unit(ty);

    // The drawing library reports a missing folder only as a debug dump, after the work.
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::metadata(dir).map_err(crate::output::on_file(dir, "write the chart into"))?;
    }
    let root = BitMapBackend::new(out, (1400, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(draw_err)?;
    let (plot, side) = root.split_horizontally(1040);
    let unit_shown = if unit.is_empty() { "kg/m²" } else { unit };
    let title = match l {
        Lang::Ja => format!(
            "{}さん　{}（{unit_shown}）　{}〜{}",
            of.who,
            ty.label_ja(),
            of.from,
            of.to
        ),
        Lang::En => format!(
            "{}: {} ({unit_shown}), {} to {}",
            of.who,
            ty.label(),
            of.from,
            of.to
        ),
    };
    let mut chart = ChartBuilder::on(&plot)
        .caption(title, ("sans-serif", 30))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(first.start..last.start, y0..y1)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&|d| d.format("%Y-%m-%d").to_string())
        .y_desc(unit)
        .label_style(("sans-serif", 18))
        .axis_desc_style(("sans-serif", 20))
        .draw()
        .map_err(draw_err)?;
    let amber = RGBColor(255, 236, 179);
    let rose = RGBColor(255, 205, 210);
    let mut legend: Vec<(String, RGBColor, bool)> = vec![];
    if let Some(b) = band {
        let top = b.doctor_from.unwrap_or(y1).min(y1);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(first.start, b.guidance_from), (last.start, top)],
                amber.filled(),
            )))
            .map_err(draw_err)?;
        let what = if ty == ObservationType::BloodPressure {
            l.pick("収縮期: ", "systolic: ")
        } else {
            ""
        };
        legend.push((guidance_words(l, what, b.guidance_from), amber, true));
        if let Some(d) = b.doctor_from.filter(|d| *d < y1) {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(first.start, d), (last.start, y1)],
                    rose.filled(),
                )))
                .map_err(draw_err)?;
            legend.push((doctor_words(l, what, d), rose, true));
        }
    }
    // Diastolic thresholds (85 / 90 mmHg) as lines: a second band would hide the first.
    if ty == ObservationType::BloodPressure {
        let what = l.pick("拡張期: ", "diastolic: ");
        for (v, colour, text) in [
            (85.0, RGBColor(255, 160, 0), guidance_words(l, what, 85.0)),
            (90.0, RGBColor(211, 47, 47), doctor_words(l, what, 90.0)),
        ] {
            chart
                .draw_series(DashedLineSeries::new(
                    [(first.start, v), (last.start, v)],
                    8,
                    6,
                    colour.stroke_width(2),
                ))
                .map_err(draw_err)?;
            legend.push((text, colour, false));
        }
    }
    let main_label = match (ty.aggregation(), ty) {
        (Aggregation::Sum, _) => l.pick("合計", "total"),
        (_, ObservationType::BloodPressure) => l.pick("収縮期（平均）", "systolic (mean)"),
        _ => l.pick("平均", "mean"),
    }
    .to_owned();
    // A bucket only partly inside the period (a week or month cut by --from/--to) is an open
    // dot: its total or mean is of fewer days, not a drop.
    let partial = |d: &NaiveDate| *d < of.from || bucket_end(of.granularity, *d) > of.to;
    let dots = |series: &[(NaiveDate, f64)], colour: RGBColor| {
        series
            .iter()
            .map(|p| {
                if partial(&p.0) {
                    Circle::new(*p, 5, colour.stroke_width(2))
                } else {
                    Circle::new(*p, 3, colour.filled())
                }
            })
            .collect::<Vec<_>>()
    };
    let blue = RGBColor(21, 101, 192);
    let green = RGBColor(46, 125, 50);
    chart
        .draw_series(LineSeries::new(
            points.iter().copied(),
            blue.stroke_width(3),
        ))
        .map_err(draw_err)?;
    chart.draw_series(dots(&points, blue)).map_err(draw_err)?;
    legend.insert(0, (main_label, blue, false));
    if !lower.is_empty() {
        chart
            .draw_series(LineSeries::new(
                lower.iter().copied(),
                green.stroke_width(3),
            ))
            .map_err(draw_err)?;
        chart.draw_series(dots(&lower, green)).map_err(draw_err)?;
        legend.insert(
            1,
            (
                l.pick("拡張期（平均）", "diastolic (mean)").to_owned(),
                green,
                false,
            ),
        );
    }
    if points.iter().any(|p| partial(&p.0)) {
        let open = l.pick(
            "白抜きの点: 期間に一部だけ入る週・月",
            "open dot: a partial week or month",
        );
        legend.push((open.to_owned(), blue, false));
    }
    // The legend beside the plot, never over the data.
    for (i, (text, colour, filled)) in legend.iter().enumerate() {
        let y = 80 + 34 * i as i32;
        let mark = if *filled {
            Rectangle::new([(10, y - 8), (34, y + 8)], colour.filled())
        } else {
            Rectangle::new([(10, y - 2), (34, y + 2)], colour.filled())
        };
        side.draw(&mark).map_err(draw_err)?;
        side.draw(&Text::new(
            text.clone(),
            (42, y - 9),
            ("sans-serif", 16).into_font().color(&BLACK),
        ))
        .map_err(draw_err)?;
    }
    root.present().map_err(draw_err)?;
    Ok(())
}

/// 保健指導判定値: the value from which health guidance applies.
fn guidance_words(l: Lang, what: &str, from: f64) -> String {
    match l {
        Lang::Ja => format!("{what}保健指導判定値 {from}以上"),
        Lang::En => format!("{what}health guidance from {from}"),
    }
}

/// 受診勧奨判定値: the value from which a doctor should be seen.
fn doctor_words(l: Lang, what: &str, from: f64) -> String {
    match l {
        Lang::Ja => format!("{what}受診勧奨判定値 {from}以上"),
        Lang::En => format!("{what}see a doctor from {from}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    /// Every Japanese word a chart draws, and names as Japan writes them (異体字 included), has a
    /// glyph in the embedded font: a missing one would be drawn as nothing.
    #[test]
    fn the_embedded_font_draws_every_japanese_label_and_name() {
        let font = ttf_parser::Face::parse(include_bytes!("../assets/ipaexg.ttf"), 0).unwrap();
        let mut text = String::from("山田　花子さん 髙橋 﨑 齋藤 渡邊 邉 ヤマダ ハナコ（）〜");
        for ty in [
            ObservationType::Weight,
            ObservationType::Height,
            ObservationType::Bmi,
            ObservationType::BodyFat,
            ObservationType::Waist,
            ObservationType::BloodPressure,
            ObservationType::Pulse,
            ObservationType::BodyTemperature,
            ObservationType::BloodGlucose,
            ObservationType::Hba1c,
            ObservationType::Spo2,
            ObservationType::Steps,
            ObservationType::Sleep,
        ] {
            text.push_str(ty.label_ja());
        }
        for w in [
            guidance_words(Lang::Ja, "収縮期: ", 130.0),
            doctor_words(Lang::Ja, "拡張期: ", 90.0),
            "合計 平均 収縮期（平均） 拡張期（平均） 白抜きの点: 期間に一部だけ入る週・月".into(),
        ] {
            text.push_str(&w);
        }
        let missing: Vec<char> = text
            .chars()
            .filter(|c| font.glyph_index(*c).is_none())
            .collect();
        assert!(missing.is_empty(), "no glyph for {missing:?}");
    }

    #[test]
    fn a_bucket_ends_on_the_last_day_of_its_week_or_month() {
        assert_eq!(bucket_end(Granularity::Day, d(2026, 2, 27)), d(2026, 2, 27));
        assert_eq!(
            bucket_end(Granularity::Week, d(2026, 11, 30)),
            d(2026, 12, 6)
        );
        assert_eq!(
            bucket_end(Granularity::Month, d(2026, 2, 1)),
            d(2026, 2, 28)
        );
        assert_eq!(
            bucket_end(Granularity::Month, d(2028, 2, 1)),
            d(2028, 2, 29)
        );
    }
}
