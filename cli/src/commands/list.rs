//! `phr list` and `phr timeline`: a page of records, newest first, optionally within dates.

use super::Ctx;
use crate::output::{CliError, CliResult};
use chrono::{NaiveDate, TimeZone};
use clap::Args;
use phr_core::records::{
    ObservationType, Page, PageRequest, Record, RecordFilter, RecordKind, summary,
};

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
    #[command(flatten)]
    window: Window,
}

#[derive(Args)]
pub struct TimelineArgs {
    #[command(flatten)]
    window: Window,
}

/// Which records of the list: dates (local, in --tz, both ends included) and a page.
#[derive(Args)]
pub struct Window {
    /// Only records on or after this local date (YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    /// Only records on or before this local date (YYYY-MM-DD).
    #[arg(long)]
    to: Option<String>,
    /// Records per page (1 to 1000).
    #[arg(long, default_value_t = 20)]
    limit: u32,
    /// Which page, 1 being the newest.
    #[arg(long, default_value_t = 1)]
    page: u32,
}

fn local_date(field: &str, s: &str) -> CliResult<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        CliError::Core(phr_core::Error::invalid(
            field,
            "must be a date, e.g. 2026-11-01",
        ))
    })
}

impl Window {
    /// `--from`/`--to` as the filter's instants: local midnight of --from, and of the day after
    /// --to (exclusive), in `zone` (--tz). Checked before the (slow) unlock.
    fn bounds(&self, zone: &chrono_tz::Tz) -> CliResult<(Option<i64>, Option<i64>)> {
        let midnight = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|t| zone.from_local_datetime(&t).earliest())
                .map(|t| t.timestamp())
        };
        let from = self
            .from
            .as_deref()
            .map(|s| local_date("from", s))
            .transpose()?;
        let to = self
            .to
            .as_deref()
            .map(|s| local_date("to", s))
            .transpose()?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(CliError::Core(phr_core::Error::invalid(
                "from",
                "must not be after --to",
            )));
        }
        if self.page == 0 {
            return Err(CliError::Core(phr_core::Error::invalid(
                "page",
                "must be 1 or more",
            )));
        }
        Ok((
            from.and_then(midnight),
            to.and_then(|t| t.succ_opt()).and_then(midnight),
        ))
    }

    /// Page `self.page` of `list`, walking the pages before it (keyset paging).
    fn fetch(&self, list: impl Fn(&PageRequest) -> phr_core::Result<Page>) -> CliResult<Page> {
        let mut request = PageRequest::first(self.limit);
        let mut page = list(&request)?;
        for _ in 1..self.page {
            match page.next.take() {
                Some(next) => {
                    request.after = Some(next);
                    page = list(&request)?;
                }
                None => {
                    page.records.clear();
                    break;
                }
            }
        }
        Ok(page)
    }

    fn print(&self, page: &Page, zone: &chrono_tz::Tz) {
        for r in &page.records {
            print_record(r, zone);
        }
        if page.records.is_empty() {
            println!("no records");
        } else if page.next.is_some() {
            println!("(more: --page {})", self.page + 1);
        }
    }
}

pub fn print_record(r: &Record, zone: &chrono_tz::Tz) {
    // As given when the time is partial (`2015`), else to the minute in --tz, with the zone.
    let at = r.meta.effective_label_in(zone);
    println!(
        "{at:<20}  {:<10} {}  [{}]",
        r.meta.provenance.label_en(),
        summary::record(&r.body),
        r.meta.id
    );
}

pub fn list(ctx: &Ctx, a: ListArgs) -> CliResult {
    let zone = ctx.zone()?;
    let (from_utc, to_utc) = a.window.bounds(&zone)?;
    let observation_type = a
        .observation_type
        .as_deref()
        .map(ObservationType::parse)
        .transpose()?;
    let kind = a.kind.as_deref().map(RecordKind::parse).transpose()?;
    let o = ctx.open()?;
    if let Some(q) = &a.search {
        for r in o.session.search(&o.subject, q, a.window.limit)? {
            print_record(&r, &zone);
        }
        return Ok(());
    }
    let filter = RecordFilter {
        // A type names an observation.
        kind: kind.or(observation_type.map(|_| RecordKind::Observation)),
        observation_type,
        from_utc,
        to_utc,
    };
    let page = a
        .window
        .fetch(|p| o.session.list_records(&o.subject, &filter, p))?;
    a.window.print(&page, &zone);
    Ok(())
}

pub fn timeline(ctx: &Ctx, a: TimelineArgs) -> CliResult {
    let zone = ctx.zone()?;
    let (from_utc, to_utc) = a.window.bounds(&zone)?;
    let o = ctx.open()?;
    let filter = RecordFilter {
        from_utc,
        to_utc,
        ..RecordFilter::default()
    };
    let page = a
        .window
        .fetch(|p| o.session.list_records(&o.subject, &filter, p))?;
    a.window.print(&page, &zone);
    Ok(())
}
