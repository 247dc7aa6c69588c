//! Trend charts as PNG (plotters, bitmap backend, an embedded DejaVu Sans so no system fonts
//! are needed). The guidance band comes from the core's `guidance` module.

use crate::output::{CliError, CliResult};
use chrono::NaiveDate;
use phr_core::guidance;
use phr_core::records::{Aggregation, Bucket, Granularity, ObservationType, Sex, summary};
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use std::path::Path;
use std::sync::Once;

static FONT: Once = Once::new();

fn ensure_font() {
    FONT.call_once(|| {
        // Invariant: the embedded file is a valid TrueType font.
        let _ = register_font(
            "sans-serif",
            FontStyle::Normal,
            include_bytes!("../assets/DejaVuSans.ttf"),
        );
    });
}

fn draw_err<E: std::fmt::Display>(e: E) -> CliError {
    CliError::Usage(format!("could not draw the chart: {e}"))
}

/// What a chart shows: whose series, of which type, over which local dates, in which buckets.
pub struct Of<'a> {
    pub who: &'a str,
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
    let (ty, sex) = (of.ty, of.sex);
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
    let (plot, side) = root.split_horizontally(1100);
    let title = format!(
        "{}: {} ({}), {} to {}",
        of.who,
        ty.label(),
        if unit.is_empty() { "kg/m²" } else { unit },
        of.from,
        of.to
    );
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
            "systolic: "
        } else {
            ""
        };
        legend.push((
            format!("{what}health guidance from {}", b.guidance_from),
            amber,
            true,
        ));
        if let Some(d) = b.doctor_from.filter(|d| *d < y1) {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(first.start, d), (last.start, y1)],
                    rose.filled(),
                )))
                .map_err(draw_err)?;
            legend.push((format!("{what}see a doctor from {d}"), rose, true));
        }
    }
    // Diastolic thresholds (85 / 90 mmHg) as lines: a second band would hide the first.
    if ty == ObservationType::BloodPressure {
        for (v, colour, text) in [
            (
                85.0,
                RGBColor(255, 160, 0),
                "diastolic: health guidance from 85",
            ),
            (
                90.0,
                RGBColor(211, 47, 47),
                "diastolic: see a doctor from 90",
            ),
        ] {
            chart
                .draw_series(DashedLineSeries::new(
                    [(first.start, v), (last.start, v)],
                    8,
                    6,
                    colour.stroke_width(2),
                ))
                .map_err(draw_err)?;
            legend.push((text.to_owned(), colour, false));
        }
    }
    let main_label = match (ty.aggregation(), ty) {
        (Aggregation::Sum, _) => "total".to_string(),
        (_, ObservationType::BloodPressure) => "systolic (mean)".to_string(),
        _ => "mean".to_string(),
    };
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
        legend.insert(1, ("diastolic (mean)".to_owned(), green, false));
    }
    if points.iter().any(|p| partial(&p.0)) {
        legend.push(("open dot: a partial week or month".to_owned(), blue, false));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
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
