//! `phr log …`: one measurement or note.

use super::Ctx;
use crate::output::{CliError, CliResult};
use chrono::DateTime;
use clap::{Args, Subcommand};
use phr_core::ClinicalInput;
use phr_core::records::{
    GlucoseTiming, ObservationInput, ObservationType, Provenance, Stamp, summary,
};

#[derive(Args, Clone)]
pub struct When {
    /// When it was measured (RFC 3339, e.g. 2026-11-24T07:30:00+09:00); default now.
    #[arg(long)]
    pub(super) at: Option<String>,
    /// Unit of the value if not the stored one (lb, [degF], mmol/L, min, …).
    #[arg(long)]
    unit: Option<String>,
}

#[derive(Subcommand)]
pub enum LogCmd {
    /// Body weight (kg).
    Weight {
        /// The weight, in kg unless --unit says otherwise.
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// Body height (cm).
    Height {
        /// The height, in cm unless --unit says otherwise.
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// Body fat (%).
    BodyFat {
        /// The body fat percentage.
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// Waist circumference (cm).
    Waist {
        /// The waist circumference, in cm unless --unit says otherwise.
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// Blood pressure as SYSTOLIC/DIASTOLIC (mmHg), e.g. 128/82.
    Bp {
        /// SYSTOLIC/DIASTOLIC in mmHg, e.g. 128/82.
        reading: String,
        /// The pulse the monitor showed (beats per minute); it counts as a pulse too.
        #[arg(long)]
        pulse: Option<f64>,
        #[command(flatten)]
        when: When,
    },
    /// Pulse (beats per minute).
    Pulse {
        /// Beats per minute.
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// Body temperature (°C).
    Temp {
        /// The temperature, in °C unless --unit says otherwise.
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// Blood glucose (mg/dL) with --timing fasting|after_meal|random.
    Glucose {
        /// The glucose, in mg/dL unless --unit says otherwise (mmol/L).
        value: f64,
        /// When it was measured against meals: fasting, after_meal or random (levels need fasting).
        #[arg(long)]
        timing: String,
        #[command(flatten)]
        when: When,
    },
    /// HbA1c (NGSP %).
    Hba1c {
        /// HbA1c in NGSP %.
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// Oxygen saturation (%).
    Spo2 {
        /// Oxygen saturation in %.
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// Steps.
    Steps {
        /// The number of steps.
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// Sleep duration (hours).
    Sleep {
        /// Hours slept, unless --unit says otherwise (min).
        value: f64,
        #[command(flatten)]
        when: When,
    },
    /// A free-text note.
    Note {
        /// The note, in your words.
        text: String,
    },
}

/// `--at`, parsed; `None` = now (the session's clock, read after unlocking).
pub(super) fn parse_at(at: &Option<String>) -> CliResult<Option<Stamp>> {
    at.as_deref()
        .map(|s| {
            DateTime::parse_from_rfc3339(s)
                .map(Stamp::from_fixed)
                .map_err(|_| {
                    CliError::Core(phr_core::Error::invalid(
                        "at",
                        "must be RFC 3339, e.g. 2026-11-24T07:30:00+09:00",
                    ))
                })
        })
        .transpose()
}

fn simple(ty: ObservationType, value: f64, when: &When, at: Stamp) -> ObservationInput {
    let mut o = ObservationInput::simple(ty, value, at);
    o.unit = when.unit.clone();
    o
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

impl LogCmd {
    pub(super) fn when(&self) -> Option<&When> {
        use LogCmd::*;
        match self {
            Weight { when, .. }
            | Height { when, .. }
            | BodyFat { when, .. }
            | Waist { when, .. }
            | Bp { when, .. }
            | Pulse { when, .. }
            | Temp { when, .. }
            | Glucose { when, .. }
            | Hba1c { when, .. }
            | Spo2 { when, .. }
            | Steps { when, .. }
            | Sleep { when, .. } => Some(when),
            Note { .. } => None,
        }
    }
}

/// The observation `cmd` describes, taken at `at`.
pub(super) fn observation(cmd: &LogCmd, at: Stamp) -> CliResult<ObservationInput> {
    use ObservationType as T;
    let input = match cmd {
        LogCmd::Weight { value, when } => simple(T::Weight, *value, when, at),
        LogCmd::Height { value, when } => simple(T::Height, *value, when, at),
        LogCmd::BodyFat { value, when } => simple(T::BodyFat, *value, when, at),
        LogCmd::Waist { value, when } => simple(T::Waist, *value, when, at),
        LogCmd::Bp {
            reading,
            pulse,
            when,
        } => {
            let (sys, dia) = parse_bp(reading)?;
            let mut o = ObservationInput::blood_pressure(sys, dia, *pulse, at);
            o.unit = when.unit.clone();
            o
        }
        LogCmd::Pulse { value, when } => simple(T::Pulse, *value, when, at),
        LogCmd::Temp { value, when } => simple(T::BodyTemperature, *value, when, at),
        LogCmd::Glucose {
            value,
            timing,
            when,
        } => {
            let mut o = simple(T::BloodGlucose, *value, when, at);
            o.glucose_timing = Some(GlucoseTiming::parse(timing)?);
            o
        }
        LogCmd::Hba1c { value, when } => simple(T::Hba1c, *value, when, at),
        LogCmd::Spo2 { value, when } => simple(T::Spo2, *value, when, at),
        LogCmd::Steps { value, when } => simple(T::Steps, *value, when, at),
        LogCmd::Sleep { value, when } => simple(T::Sleep, *value, when, at),
        LogCmd::Note { .. } => {
            return Err(CliError::Usage("a note is not a measurement".into()));
        }
    };
    Ok(input)
}

pub fn run(ctx: &Ctx, cmd: LogCmd) -> CliResult {
    if let LogCmd::Note { text } = &cmd {
        let o = ctx.open()?;
        let r = o.session.add_record(
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
    // Malformed input is refused before the (deliberately slow) unlock.
    let at = cmd.when().map(|w| parse_at(&w.at)).transpose()?.flatten();
    observation(&cmd, Stamp::from_fixed(DateTime::UNIX_EPOCH.fixed_offset()))?;
    let o = ctx.open()?;
    let input = observation(&cmd, at.unwrap_or_else(|| o.session.now()))?;
    let r = o.session.log_observation(&o.subject, input)?;
    println!("logged {} ({})", summary::record(&r.body), r.meta.id);
    Ok(())
}
