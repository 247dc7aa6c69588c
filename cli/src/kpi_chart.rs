//! The KPI chart as PNG: one bar per KPI and period, the share meeting the target, with its
//! group size; a figure withheld for a small group is drawn as an empty bar marked so.

use crate::lang::Lang;
use crate::output::{CliError, CliResult};
use phr_core::kpi::KpiFigures;
use plotters::prelude::*;
use std::path::Path;

fn draw_err<E: std::fmt::Display>(e: E) -> CliError {
    CliError::Usage(format!("could not draw the chart: {e}"))
}

pub fn draw(out: &Path, l: Lang, figures: &[KpiFigures<'_>]) -> CliResult {
    crate::chart::ensure_font();
    let rows = figures.len().max(1);
    let height = (120 + 46 * rows) as u32;
    let root = BitMapBackend::new(out, (1400, height)).into_drawing_area();
    root.fill(&WHITE).map_err(draw_err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            l.pick(
                "評価指標：目標を満たした参加者の割合",
                "KPIs: share of participants meeting the target",
            ),
            ("sans-serif", 28),
        )
        .margin(20)
        .x_label_area_size(40)
        .y_label_area_size(320)
        .build_cartesian_2d(0f64..100f64, 0..rows)
        .map_err(draw_err)?;
    let label = |i: &usize| {
        figures
            .get(*i)
            .map_or_else(String::new, |f| format!("{} {}", f.kpi.id, f.period.id))
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(rows)
        .y_label_formatter(&label)
        .x_label_formatter(&|x| format!("{x:.0}%"))
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(draw_err)?;
    let blue = RGBColor(66, 133, 244);
    for (i, f) in figures.iter().enumerate() {
        let min = f.kpi.min_group();
        match (f.total.participants, f.total.meeting) {
            (Some(n), Some(m)) if n > 0 => {
                let share = m as f64 * 100.0 / n as f64;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(0.0, i), (share, i + 1)],
                        blue.mix(0.8).filled(),
                    )))
                    .map_err(draw_err)?;
                // A white edge between bars (rows are whole units on this axis).
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(0.0, i), (share, i + 1)],
                        WHITE.stroke_width(6),
                    )))
                    .map_err(draw_err)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!("{share:.1}% (n={n})"),
                        (share + 1.0, i),
                        ("sans-serif", 16),
                    )))
                    .map_err(draw_err)?;
            }
            _ => {
                let note = match l {
                    Lang::Ja => format!("非公表（{min}人未満の集団）"),
                    Lang::En => format!("withheld (a group under {min})"),
                };
                chart
                    .draw_series(std::iter::once(Text::new(
                        note,
                        (1.0, i),
                        ("sans-serif", 16),
                    )))
                    .map_err(draw_err)?;
            }
        }
    }
    root.present().map_err(draw_err)?;
    Ok(())
}
