//! Trend charts as PNG (plotters, bitmap backend, an embedded DejaVu Sans so no system fonts
//! are needed). The guidance band comes from the core's `guidance` module.

use crate::output::{CliError, CliResult};
use chrono::NaiveDate;
use phr_core::guidance;
use phr_core::records::{Aggregation, Bucket, ObservationType, Sex, summary};
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

/// Draw `buckets` of `ty` to `out` (PNG).
pub fn draw(out: &Path, ty: ObservationType, sex: Option<Sex>, buckets: &[Bucket]) -> CliResult {
    ensure_font();
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
    let root = BitMapBackend::new(out, (1200, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(draw_err)?;
    let title = format!(
        "{} ({}), {} to {}",
        ty.label(),
        if unit.is_empty() { "kg/m²" } else { unit },
        first.start,
        last.start
    );
    let mut chart = ChartBuilder::on(&root)
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
    if let Some(b) = band {
        let top = b.doctor_from.unwrap_or(y1).min(y1);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(first.start, b.guidance_from), (last.start, top)],
                RGBColor(255, 236, 179).filled(),
            )))
            .map_err(draw_err)?
            .label(format!("health guidance from {}", b.guidance_from))
            .legend(|(x, y)| {
                Rectangle::new(
                    [(x, y - 6), (x + 18, y + 6)],
                    RGBColor(255, 236, 179).filled(),
                )
            });
        if let Some(d) = b.doctor_from.filter(|d| *d < y1) {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(first.start, d), (last.start, y1)],
                    RGBColor(255, 205, 210).filled(),
                )))
                .map_err(draw_err)?
                .label(format!("see a doctor from {d}"))
                .legend(|(x, y)| {
                    Rectangle::new(
                        [(x, y - 6), (x + 18, y + 6)],
                        RGBColor(255, 205, 210).filled(),
                    )
                });
        }
    }
    let main_label = match (ty.aggregation(), ty) {
        (Aggregation::Sum, _) => "total".to_string(),
        (_, ObservationType::BloodPressure) => "systolic (mean)".to_string(),
        _ => "mean".to_string(),
    };
    chart
        .draw_series(LineSeries::new(
            points.iter().copied(),
            BLUE.stroke_width(3),
        ))
        .map_err(draw_err)?
        .label(main_label)
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLUE.stroke_width(3)));
    chart
        .draw_series(points.iter().map(|p| Circle::new(*p, 3, BLUE.filled())))
        .map_err(draw_err)?;
    if !lower.is_empty() {
        chart
            .draw_series(LineSeries::new(
                lower.iter().copied(),
                GREEN.stroke_width(3),
            ))
            .map_err(draw_err)?
            .label("diastolic (mean)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], GREEN.stroke_width(3)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 18))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(draw_err)?;
    root.present().map_err(draw_err)?;
    Ok(())
}
