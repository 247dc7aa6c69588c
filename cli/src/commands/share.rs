//! `phr share`: a patient summary (International Patient Summary, FHIR R4 document) for a
//! recipient of the operator profile, under a one-off permit that ends by itself at --until;
//! `phr share end ID` ends it early. The rules are the core's ([`phr_core::Session::share_summary`]).

use super::Ctx;
use crate::output::{CliError, CliResult};
use clap::{Args, Subcommand};
use phr_core::consent::DataCategory;
use std::path::PathBuf;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ShareArgs {
    /// The recipient (an id of the operator profile, e.g. family-clinic).
    #[arg(long, required = true)]
    to: Option<String>,
    /// What the summary holds, e.g. demographics,condition_allergy,medication,immunization,checkup,vitals,body.
    #[arg(long, required = true)]
    categories: Option<String>,
    /// The last day the recipient may use it: YYYY-MM-DD (local to --tz), or +Nd for N days
    /// from today; at most a year ahead.
    #[arg(long, required = true, allow_hyphen_values = true)]
    until: Option<String>,
    /// Write the summary to this new file: FHIR JSON, or with --link-url the encrypted file to
    /// serve there.
    #[arg(long, required = true)]
    out: Option<PathBuf>,
    /// Package it as a SMART Health Link: the HTTPS address where --out will be served (a GET
    /// returns the file); prints the `shlink:/` link, which carries the key.
    #[arg(long)]
    link_url: Option<String>,
    /// With --link-url: also write the link as a QR code to this new PNG file.
    #[arg(long, requires = "link_url")]
    qr: Option<PathBuf>,
    /// With --link-url: the label the receiving app shows (80 characters at most).
    #[arg(long, default_value = "患者サマリー / Patient summary")]
    label: String,
    #[command(subcommand)]
    cmd: Option<ShareCmd>,
}

#[derive(Subcommand)]
enum ShareCmd {
    /// End a summary share before its date (a withdrawal of its permit).
    End {
        /// The share's id, as `phr share` printed it.
        id: String,
    },
}

pub fn run(ctx: &Ctx, a: ShareArgs) -> CliResult {
    if let Some(ShareCmd::End { id }) = a.cmd {
        let o = ctx.open()?;
        let d = o.session.end_summary_share(&o.subject, &id)?;
        println!(
            "ended: nothing more goes to {} under it (withdrawal {})",
            d.recipient, d.id
        );
        return Ok(());
    }
    let (Some(to), Some(categories), Some(until), Some(out)) = (a.to, a.categories, a.until, a.out)
    else {
        return Err(CliError::Usage(
            "--to, --categories, --until and --out are needed".into(),
        ));
    };
    let categories = DataCategory::parse_list(&categories)?;
    let zone = ctx.zone()?;
    let days_ahead = until
        .strip_prefix('+')
        .and_then(|d| d.strip_suffix('d'))
        .map(|n| n.parse::<u32>());
    let fixed = match days_ahead {
        Some(n) => Err(n.map_err(|_| {
            CliError::Usage(format!("--until {until}: +Nd takes a whole number of days"))
        })?),
        None => Ok(
            chrono::NaiveDate::parse_from_str(&until, "%Y-%m-%d").map_err(|_| {
                CliError::Usage(format!("--until {until}: not a date (YYYY-MM-DD or +Nd)"))
            })?,
        ),
    };
    let o = ctx.open()?;
    let day = match fixed {
        Ok(day) => day,
        Err(n) => o.session.today() + chrono::Days::new(u64::from(n)),
    };
    // The share runs to the end of that local day.
    let end = day
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| t.and_local_timezone(zone).earliest())
        .ok_or_else(|| CliError::Usage(format!("--until {until}: not a day in {}", ctx.tz)))?;
    let until = phr_core::records::Stamp::from_fixed(end.fixed_offset());
    if let Some(url) = &a.link_url {
        // A link that cannot be made is refused before anything is recorded.
        phr_core::shl::check_link(url, &a.label)?;
    }
    // The file is made first, so nothing is released for a file that cannot be written.
    let mut written = None;
    super::export::write_new(&out, |w| {
        let s = o
            .session
            .share_summary(&o.subject, &to, &categories, until)?;
        let n = s.document["entry"].as_array().map_or(0, Vec::len);
        let packaged = match &a.link_url {
            Some(url) => Some(phr_core::shl::package(
                &s.document,
                url,
                until.utc_seconds,
                &a.label,
            )?),
            None => None,
        };
        let bytes = match &packaged {
            Some(p) => p.file.clone().into_bytes(),
            None => serde_json::to_vec(&s.document).unwrap_or_default(),
        };
        w.write_all(&bytes)?;
        written = Some((s, packaged));
        Ok(n)
    })?;
    let Some((s, packaged)) = written else {
        return Ok(());
    };
    println!(
        "wrote a patient summary (IPS) of {} record(s) for {to} to {}; it may be used until {} (share {}; end it early: phr share end {})",
        s.records,
        out.display(),
        day,
        s.directive.id,
        s.directive.id
    );
    if let Some(p) = &packaged {
        println!("{}", p.link);
        if let Some(png) = &a.qr {
            crate::qr::write_png(&p.link, png)?;
            println!("wrote the link as a QR code to {}", png.display());
        }
        println!(
            "serve {} at {} (a GET returns it); the link carries its key: hand it only to {to}",
            out.display(),
            p.payload.url
        );
    }
    Ok(())
}
