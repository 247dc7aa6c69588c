//! `phr list` and `phr timeline`.

use super::Ctx;
use crate::output::CliResult;
use clap::Args;
use phr_core::records::{ObservationType, PageRequest, Record, RecordFilter, RecordKind, summary};

#[derive(Args)]
pub struct ListArgs {
    /// Only this observation type (weight, bp, steps, glucose, temp, …).
    #[arg(long = "type")]
    observation_type: Option<String>,
    /// Only this record kind (observation, checkup, immunization, medication, condition, allergy, note).
    #[arg(long)]
    kind: Option<String>,
    /// Text search in notes and medication names.
    #[arg(long)]
    search: Option<String>,
    #[arg(long, default_value_t = 20)]
    limit: u32,
}

#[derive(Args)]
pub struct TimelineArgs {
    #[arg(long, default_value_t = 20)]
    limit: u32,
}

pub fn print_record(r: &Record) {
    // As given when the time is partial (`2015`), else to the minute at its own offset.
    let at = r.meta.effective_label();
    println!(
        "{at:<16}  {:<12} {}  [{}]",
        r.meta.provenance.as_str(),
        summary::record(&r.body),
        r.meta.id
    );
}

pub fn list(ctx: &Ctx, a: ListArgs) -> CliResult {
    let o = ctx.open()?;
    if let Some(q) = &a.search {
        for r in o.session.search(&o.subject, q, a.limit)? {
            print_record(&r);
        }
        return Ok(());
    }
    let filter = RecordFilter {
        observation_type: a
            .observation_type
            .as_deref()
            .map(ObservationType::parse)
            .transpose()?,
        kind: a.kind.as_deref().map(RecordKind::parse).transpose()?,
        ..Default::default()
    };
    let filter = if filter.observation_type.is_some() && filter.kind.is_none() {
        RecordFilter {
            kind: Some(RecordKind::Observation),
            ..filter
        }
    } else {
        filter
    };
    let page = o
        .session
        .list_records(&o.subject, &filter, &PageRequest::first(a.limit))?;
    for r in &page.records {
        print_record(r);
    }
    if page.records.is_empty() {
        println!("no records");
    }
    Ok(())
}

pub fn timeline(ctx: &Ctx, a: TimelineArgs) -> CliResult {
    let o = ctx.open()?;
    let page = o
        .session
        .timeline(&o.subject, &PageRequest::first(a.limit))?;
    for r in &page.records {
        print_record(r);
    }
    if page.records.is_empty() {
        println!("no records");
    }
    Ok(())
}
