//! `phr stats` and `phr chart`.

use super::Ctx;
use crate::output::{CliError, CliResult};
use chrono::Duration;
use clap::Args;
use phr_core::records::{
    AggregateQuery, Aggregation, Bucket, Granularity, ObservationType, parse_date, summary,
};
use std::path::PathBuf;

#[derive(Args)]
pub struct StatsArgs {
    /// Observation type (steps, weight, bp, …).
    observation_type: String,
    /// day, week or month.
    #[arg(long, default_value = "month")]
    by: String,
    /// First local date (YYYY-MM-DD); default one year ago.
    #[arg(long)]
    from: Option<String>,
    /// Last local date; default today.
    #[arg(long)]
    to: Option<String>,
}

#[derive(Args)]
pub struct ChartArgs {
    /// What to chart: weight, bmi, bp, pulse, glucose, hba1c, steps, sleep, …
    observation_type: String,
    /// PNG file to write.
    #[arg(long)]
    out: PathBuf,
    /// How many days back (daily points).
    #[arg(long, default_value_t = 90)]
    days: i64,
    /// Language of the title and legend: ja or en.
    #[arg(long, default_value = "ja")]
    lang: String,
}

pub fn query(
    ctx: &Ctx,
    today: chrono::NaiveDate,
    ty: ObservationType,
    g: Granularity,
    from: Option<&str>,
    to: Option<&str>,
    default_days: i64,
) -> CliResult<AggregateQuery> {
    let to = to
        .map(|s| parse_date("to", s))
        .transpose()?
        .unwrap_or(today);
    let from = from
        .map(|s| parse_date("from", s))
        .transpose()?
        .unwrap_or(to - Duration::days(default_days - 1));
    Ok(AggregateQuery {
        observation_type: ty,
        granularity: g,
        from,
        to,
        time_zone: Some(ctx.tz.clone()),
    })
}

/// One line per bucket, in the shape the type aggregates to.
pub fn print_buckets(ty: ObservationType, g: Granularity, buckets: &[Bucket]) {
    let unit = summary::display_unit(ty);
    let fmt = |v: Option<f64>| {
        v.map(|v| summary::format_value(ty, v))
            .unwrap_or_else(|| "-".into())
    };
    for b in buckets {
        let label = match g {
            Granularity::Month => b.start.format("%Y-%m").to_string(),
            _ => b.start.format("%Y-%m-%d").to_string(),
        };
        if b.count == 0 {
            println!("  {label}  -");
            continue;
        }
        match (ty.aggregation(), ty) {
            (Aggregation::Sum, _) => println!(
                "  {label}  total {} {unit}  ({} entries)",
                fmt(b.sum),
                b.count
            ),
            (_, ObservationType::BloodPressure) => println!(
                "  {label}  mean {}/{} {unit}  (systolic {}–{}, {} readings)",
                fmt(b.mean),
                fmt(b.mean2),
                fmt(b.min),
                fmt(b.max),
                b.count
            ),
            _ => println!(
                "  {label}  mean {} {unit}  (min {}, max {}, {} entries)",
                fmt(b.mean),
                fmt(b.min),
                fmt(b.max),
                b.count
            ),
        }
    }
}

pub fn stats(ctx: &Ctx, a: StatsArgs) -> CliResult {
    let ty = ObservationType::parse(&a.observation_type)?;
    let g = Granularity::parse(&a.by)?;
    let o = ctx.open()?;
    let q = query(
        ctx,
        o.session.today(),
        ty,
        g,
        a.from.as_deref(),
        a.to.as_deref(),
        365,
    )?;
    let buckets = o.session.aggregate(&o.subject, &q)?;
    println!("{} by {} ({}):", ty.label(), a.by, ctx.tz);
    print_buckets(ty, g, &buckets);
    Ok(())
}

pub fn chart(ctx: &Ctx, a: ChartArgs) -> CliResult {
    let ty = ObservationType::parse(&a.observation_type)?;
    let lang = crate::lang::Lang::parse(&a.lang, "the chart")?;
    if !(7..=3660).contains(&a.days) {
        return Err(phr_core::Error::invalid("days", "must be between 7 and 3660").into());
    }
    let o = ctx.open()?;
    let person = o.session.person_details(&o.subject)?;
    let sex = person.details.sex;
    let g = if a.days > 400 {
        Granularity::Week
    } else {
        Granularity::Day
    };
    let q = query(ctx, o.session.today(), ty, g, None, None, a.days)?;
    let buckets = o.session.aggregate(&o.subject, &q)?;
    // Axes around nothing would mean nothing (a BMI of −2): say so, and write no file.
    if buckets.iter().all(|b| b.count == 0) {
        return Err(CliError::Core(phr_core::Error::not_found(format!(
            "{} in the last {} days (nothing to chart; try a longer --days)",
            a.observation_type, a.days
        ))));
    }
    let who = person.display_name();
    let of = crate::chart::Of {
        who: &who,
        lang,
        ty,
        sex: Some(sex),
        from: q.from,
        to: q.to,
        granularity: g,
    };
    crate::chart::draw(&a.out, &of, &buckets)?;
    println!("wrote {}", a.out.display());
    Ok(())
}
