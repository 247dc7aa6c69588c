//! `phr sync --recipient ID`: push the outbox of --for to the recipient's FHIR server (its
//! endpoint in the operator profile) through the consent gate, then pull; with a progress bar.
//! Records are queued as they are written, by consent; every rule is in phr-core.

use super::Ctx;
use crate::output::{CliError, CliResult};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use phr_core::Session;
use phr_core::records::{PageRequest, RecordFilter};
use phr_core::sync::{StaticToken, SyncOptions, SyncPhase, SyncProgress, SyncReport};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Args)]
pub struct SyncArgs {
    /// Recipient id from the operator profile.
    #[arg(long)]
    recipient: String,
    /// A test server on loopback (127.0.0.1, ::1, localhost) in place of the recipient's
    /// endpoint in the operator profile; any other server is refused.
    #[arg(long)]
    server: Option<String>,
    /// Allow plain http:// to 127.0.0.1, ::1 or localhost (a local test server). Never others.
    #[arg(long)]
    allow_insecure_loopback: bool,
    /// Bearer token for the server. The token a server accepts is kept in the encrypted store
    /// and used by later syncs without --token.
    #[arg(long, env = "PHR_SYNC_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Forget the token kept for this recipient (sign out) instead of syncing.
    #[arg(long, conflicts_with_all = ["token", "server"])]
    forget_token: bool,
    /// Install this operator profile (JSON); default: the one in the store.
    #[arg(long, env = "PHR_OPERATOR_PROFILE")]
    profile: Option<PathBuf>,
}

/// A terminal progress bar for sync.
pub struct Bar(ProgressBar);

impl Bar {
    pub fn new() -> Self {
        let bar = ProgressBar::new(0).with_style(
            ProgressStyle::with_template("sync {msg:12} {bar:40} {pos}/{len}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Bar(bar)
    }
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl SyncProgress for Bar {
    fn progress(&self, phase: SyncPhase, done: usize, total: usize) {
        let name = match phase {
            SyncPhase::Withdrawals => "withdrawals",
            SyncPhase::Push => "push",
            SyncPhase::Pull => "pull",
        };
        self.0.set_message(name);
        self.0.set_length(total as u64);
        self.0.set_position(done as u64);
    }
}

/// Every live record id of `subject` (paged).
pub fn all_record_ids(s: &Session, subject: &str) -> CliResult<Vec<String>> {
    let mut ids = vec![];
    let mut page = PageRequest::first(1000);
    loop {
        let p = s.list_records(subject, &RecordFilter::default(), &page)?;
        ids.extend(p.records.iter().map(|r| r.meta.id.clone()));
        match p.next {
            Some(t) => page.after = Some(t),
            None => return Ok(ids),
        }
    }
}

pub fn describe(r: &SyncReport) -> String {
    let mut out = format!(
        "pushed {}, deleted {}, marked withdrawn {}, withdrawals {}, withheld {}, pulled {}, imported {}, updated {}; {} request(s), {} retried; {} item(s) left in the outbox",
        r.pushed,
        r.deleted,
        r.marked,
        r.withdrawals,
        r.withheld,
        r.pulled,
        r.imported,
        r.updated,
        r.requests,
        r.retries,
        r.remaining
    );
    if r.totals_sent > 0 {
        out.push_str(&format!(
            "; {} daily step total(s) sent for walking events",
            r.totals_sent
        ));
    }
    if r.contributions_sent > 0 {
        out.push_str(&format!(
            "; {} KPI contribution(s) sent (pseudonymous)",
            r.contributions_sent
        ));
    }
    if r.awaiting_reconsent > 0 {
        out.push_str(&format!(
            "; {} item(s) wait until you decide again (phr consent show)",
            r.awaiting_reconsent
        ));
    }
    if r.history_kept > 0 {
        out.push_str(&format!(
            "; the server keeps a history copy of {} deleted resource(s) under its own retention policy",
            r.history_kept
        ));
    }
    if r.expunged > 0 {
        out.push_str(&format!(
            "; history removed for {} deleted resource(s)",
            r.expunged
        ));
    }
    if r.foreign > 0 || r.conflicts > 0 {
        out.push_str(&format!(
            "; refused {} pulled resource(s) about someone else, kept {} beside records entered here",
            r.foreign, r.conflicts
        ));
    }
    if !r.rejected.is_empty() {
        out.push_str(&format!(
            "; the server refused {} record(s) (kept in the outbox)",
            r.rejected.len()
        ));
    }
    out
}

pub fn run(ctx: &Ctx, a: SyncArgs) -> CliResult {
    let o = ctx.open()?;
    super::consent::use_profile(&o.session, a.profile.as_deref())?;
    let (s, subject) = (&o.session, o.subject.as_str());
    if a.forget_token {
        let had = s.forget_sync_token(&a.recipient)?;
        println!(
            "{}",
            if had {
                "the token kept for this recipient was forgotten"
            } else {
                "no token was kept for this recipient"
            }
        );
        return Ok(());
    }
    let options = SyncOptions {
        server_url: a.server,
        allow_insecure_loopback: a.allow_insecure_loopback,
        tokens: a
            .token
            .map(|t| Arc::new(StaticToken(t)) as Arc<dyn phr_core::sync::TokenProvider>),
        ..SyncOptions::default()
    };
    let bar = Bar::new();
    let report = s.sync(subject, &a.recipient, &options, &bar);
    bar.finish();
    let report = report.map_err(CliError::from)?;
    println!("sync -> {}: {}", a.recipient, describe(&report));
    Ok(())
}
