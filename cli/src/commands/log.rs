//! `phr log …`: one measurement or note.

use super::Ctx;
use crate::output::{CliError, CliResult};
use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};
use clap::{Args, Subcommand};
use phr_core::ClinicalInput;
use phr_core::records::{
    GlucoseTiming, ObservationInput, ObservationType, Provenance, Stamp, summary,
};

#[derive(Args, Clone)]
pub struct When {
    /// When it was measured (RFC 3339, e.g. 2026-11-24T07:30:00+09:00); default now.
    #[arg(long)]
    at: Option<String>,
    /// Unit of the value if not the stored one (lb, [degF], mmol/L, min, …).
    #[arg(long)]
    unit: Option<String>,
}

#[derive(Subcommand)]
pub enum LogCmd {
    /// Body weight (kg).
    Weight {
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// Body height (cm).
    Height {
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// Body fat (%).
    BodyFat {
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// Waist circumference (cm).
    Waist {
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// Blood pressure as SYSTOLIC/DIASTOLIC (mmHg), e.g. 128/82.
    Bp {
        reading: String,
        #[arg(long)]
        pulse: Option<f64>,
        #[command(flatten)]
        when: When,
    },
    /// Pulse (beats per minute).
    Pulse {
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// Body temperature (°C).
    Temp {
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// Blood glucose (mg/dL) with --timing fasting|after_meal|random.
    Glucose {
        value: f64,
        #[arg(long)]
        timing: String,
        #[command(flatten)]
        when: When,
    },
    /// HbA1c (NGSP %).
    Hba1c {
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// Oxygen saturation (%).
    Spo2 {
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// Steps.
    Steps {
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// Sleep duration (hours).
    Sleep {
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// A free-text note.
    Note { text: String },
}

fn stamp(at: &Option<String>, tz: &str) -> CliResult<Stamp> {
    match at {
        Some(s) => {
            let t: DateTime<FixedOffset> = DateTime::parse_from_rfc3339(s).map_err(|_| {
                CliError::Core(phr_core::Error::invalid(
                    "at",
                    "must be RFC 3339, e.g. 2026-11-24T07:30:00+09:00",
                ))
            })?;
            Ok(Stamp::from_fixed(t))
        }
        None => {
            let zone: chrono_tz::Tz = tz
                .parse()
                .map_err(|_| CliError::Core(phr_core::Error::invalid("tz", "unknown time zone")))?;
            let now = Utc::now();
            let offset = zone
                .offset_from_utc_datetime(&now.naive_utc())
                .fix()
                .local_minus_utc();
            Ok(Stamp {
                utc_seconds: now.timestamp(),
                offset_seconds: offset,
            })
        }
    }
}

fn simple(ty: ObservationType, value: f64, when: &When, tz: &str) -> CliResult<ObservationInput> {
    let mut o = ObservationInput::simple(ty, value, stamp(&when.at, tz)?);
    o.unit = when.unit.clone();
    Ok(o)
}

/// Parse `128/82`.
fn parse_bp(s: &str) -> CliResult<(f64, f64)> {
    let bad = || {
        CliError::Core(phr_core::Error::invalid(
            "reading",
            "must be SYSTOLIC/DIASTOLIC, e.g. 128/82",
        ))
    };
    let (a, b) = s.split_once('/').ok_or_else(bad)?;
    Ok((
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    ))
}

pub fn run(ctx: &Ctx, cmd: LogCmd) -> CliResult {
    use ObservationType as T;
    let tz = ctx.tz.as_str();
    let input = match &cmd {
        LogCmd::Weight { value, when } => simple(T::Weight, *value, when, tz)?,
        LogCmd::Height { value, when } => simple(T::Height, *value, when, tz)?,
        LogCmd::BodyFat { value, when } => simple(T::BodyFat, *value, when, tz)?,
        LogCmd::Waist { value, when } => simple(T::Waist, *value, when, tz)?,
        LogCmd::Bp {
            reading,
            pulse,
            when,
        } => {
            let (sys, dia) = parse_bp(reading)?;
            let mut o = ObservationInput::blood_pressure(sys, dia, *pulse, stamp(&when.at, tz)?);
            o.unit = when.unit.clone();
            o
        }
        LogCmd::Pulse { value, when } => simple(T::Pulse, *value, when, tz)?,
        LogCmd::Temp { value, when } => simple(T::BodyTemperature, *value, when, tz)?,
        LogCmd::Glucose {
            value,
            timing,
            when,
        } => {
            let mut o = simple(T::BloodGlucose, *value, when, tz)?;
            o.glucose_timing = Some(GlucoseTiming::parse(timing)?);
            o
        }
        LogCmd::Hba1c { value, when } => simple(T::Hba1c, *value, when, tz)?,
        LogCmd::Spo2 { value, when } => simple(T::Spo2, *value, when, tz)?,
        LogCmd::Steps { value, when } => simple(T::Steps, *value, when, tz)?,
        LogCmd::Sleep { value, when } => simple(T::Sleep, *value, when, tz)?,
        LogCmd::Note { text } => {
            let o = ctx.open()?;
            let r = o.session.add_record(
                &o.actor,
                &o.subject,
                ClinicalInput::Note {
                    text: text.clone(),
                    at: None,
                },
                Provenance::SelfEntered,
                None,
            )?;
            println!("logged note {}", r.meta.id);
            return Ok(());
        }
    };
    let o = ctx.open()?;
    let r = o.session.log_observation(&o.actor, &o.subject, input)?;
    println!("logged {} ({})", summary::record(&r.body), r.meta.id);
    Ok(())
}
