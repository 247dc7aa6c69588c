//! `phr`: the desktop front end over phr-core. It holds no rules: every check, conversion and
//! formatter is in the core; this file parses arguments and prints.

mod chart;
mod commands;
mod kpi_chart;
mod lang;
mod output;
mod qr;
mod unlock;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "phr",
    version,
    about = "PHR Core: your encrypted, offline health record"
)]
pub struct Cli {
    /// Folder of the store (created by `phr init`).
    #[arg(long, global = true, env = "PHR_STORE", default_value = "phr-store")]
    store: PathBuf,
    /// Act as this person (nickname); defaults to the device owner.
    #[arg(long = "as", global = true, value_name = "NICKNAME")]
    actor: Option<String>,
    /// Whose record (nickname); defaults to the acting person.
    #[arg(long = "for", global = true, value_name = "NICKNAME")]
    subject: Option<String>,
    /// Time zone for local dates and daily buckets.
    #[arg(
        long,
        global = true,
        env = "PHR_TIME_ZONE",
        default_value = "Asia/Tokyo"
    )]
    tz: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new encrypted store (passphrase from PHR_PASSPHRASE or a prompt).
    Init,
    /// Add or list persons (the first one added is the device owner).
    #[command(subcommand)]
    Person(commands::person::PersonCmd),
    /// Log a measurement or a note.
    #[command(subcommand)]
    Log(commands::log::LogCmd),
    /// The morning summary: latest values with their level, steps against the goal, checkups,
    /// what is shared with whom, what waits to sync.
    Summary(commands::summary::SummaryArgs),
    /// The daily step goal (the guideline's for the age, or your own with --set) and how today,
    /// this week and the streak measure up to it.
    Goal(commands::goal::GoalArgs),
    /// Points of the operator's programme: every award and reversal with its reason, and the
    /// balance.
    Points(commands::points::PointsArgs),
    /// Walking events of the operator: list, join (consent for daily step totals), leave,
    /// status day by day.
    Event(commands::event::EventArgs),
    /// KPI contributions: what --for contributes (through the consent gate), and the
    /// municipality's aggregation of contributions into figures that withhold small groups.
    Kpi(commands::kpi::KpiArgs),
    /// Checkups with every result and its level against 保健指導判定値 / 受診勧奨判定値, the
    /// doctor's judgement, メタボ判定 and 保健指導レベル; --compare for year over year.
    Checkups(commands::checkups::CheckupsArgs),
    /// List records, newest first.
    List(commands::list::ListArgs),
    /// Every record across types, newest first.
    Timeline(commands::list::TimelineArgs),
    /// Correct a record you logged: a new version, the earlier one kept (`phr history ID`).
    /// Official results are annotated instead (`phr annotate`).
    Correct(commands::edit::CorrectArgs),
    /// Add a correction note to a record: the way to correct an official result (a checkup, a
    /// clinic's or Mynaportal's), which is kept as its source gave it.
    Annotate(commands::edit::AnnotateArgs),
    /// Delete a record: no longer shown; recipients holding it delete it at the next sync.
    Delete {
        /// The record's id, as `phr list` shows it.
        id: String,
    },
    /// Erase a record (or --all of a person's) from this device, history included.
    Erase(commands::edit::EraseArgs),
    /// A record's versions: the current one, then each it replaced.
    History {
        /// The record's id, as `phr list` shows it.
        id: String,
    },
    /// Daily, weekly or monthly aggregates of one type.
    Stats(commands::stats::StatsArgs),
    /// Draw a trend chart to a PNG file.
    Chart(commands::stats::ChartArgs),
    /// Write an encrypted backup any SQLCipher 4 client can open (PHR_BACKUP_PASSPHRASE or prompt).
    Backup {
        /// The backup file to write (a new file; PHR_BACKUP_PASSPHRASE encrypts it).
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup into --store (which must not exist yet).
    Restore {
        /// The backup file (PHR_BACKUP_PASSPHRASE opens it; PHR_PASSPHRASE protects the store).
        file: PathBuf,
    },
    /// Change the store passphrase (PHR_NEW_PASSPHRASE or a prompt).
    #[command(subcommand)]
    Passphrase(commands::keys::PassphraseCmd),
    /// Family-manager mode: grant, revoke, list who can access, history.
    #[command(subcommand)]
    Family(commands::family::FamilyCmd),
    /// Check the whole database file (every table, index and page); exits 4 if damaged.
    Check,
    /// Show or verify the audit trail.
    #[command(subcommand)]
    Audit(commands::audit::AuditCmd),
    /// Import a file into the record (a health-checkup XML, detected by content).
    Import(commands::import::ImportArgs),
    /// Dynamic consent: show, grant, withdraw, history, receipt.
    Consent(commands::consent::ConsentArgs),
    /// Export the record of --for (default: you) to a file, e.g. `--format fhir --out r.json`;
    /// with --recipient and --purpose only what consent releases to that recipient.
    Export(commands::export::ExportArgs),
    /// The provision log of --for: every release that left the device (date, recipient,
    /// purpose, categories, count, the consent that allowed it); kept after erasure.
    Provisions(commands::provisions::ProvisionsArgs),
    /// Sync --for's outbox with a recipient's FHIR server (consent-gated), then pull.
    Sync(commands::sync::SyncArgs),
    /// Your requests to the operator, done at once and recorded with their outcome: disclosure
    /// (the whole record and the provision log), correction, stop of provision, erasure.
    Request(commands::request::RequestArgs),
    /// The guideline self-check: each item of GUIDELINE.md probed now on fresh temporary
    /// stores under the operator profile; exits non-zero on a FAIL.
    Compliance(commands::compliance::ComplianceArgs),
    /// A patient summary (IPS, FHIR R4 document) for a recipient, under a one-off permit that
    /// ends by itself at --until; `phr share end ID` ends it early.
    Share(commands::share::ShareArgs),
    /// Who runs the service and how to reach them (APPI art. 32): address, representative,
    /// purposes with their legal basis, request procedure, safety measures, inquiry window.
    About(commands::about::AboutArgs),
    /// Run the whole product on a demo store: two persons, a year of data, a summary, a chart.
    Demo(commands::demo::DemoArgs),
}

fn main() -> ExitCode {
    output::quiet_on_closed_pipe();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn run(cli: Cli) -> Result<(), output::CliError> {
    use Command::*;
    let ctx = commands::Ctx {
        store: cli.store.clone(),
        actor: cli.actor.clone(),
        subject: cli.subject.clone(),
        tz: cli.tz.clone(),
    };
    match cli.command {
        Init => commands::keys::init(&ctx),
        Person(c) => commands::person::run(&ctx, c),
        Log(c) => commands::log::run(&ctx, c),
        Summary(a) => commands::summary::run(&ctx, a),
        Goal(a) => commands::goal::run(&ctx, a),
        Event(a) => commands::event::run(&ctx, a),
        Kpi(a) => commands::kpi::run(&ctx, a),
        Points(a) => commands::points::run(&ctx, a),
        Checkups(a) => commands::checkups::run(&ctx, a),
        List(a) => commands::list::list(&ctx, a),
        Timeline(a) => commands::list::timeline(&ctx, a),
        Correct(a) => commands::edit::correct(&ctx, a),
        Annotate(a) => commands::edit::annotate(&ctx, a),
        Delete { id } => commands::edit::delete(&ctx, &id),
        Erase(a) => commands::edit::erase(&ctx, a),
        History { id } => commands::edit::history(&ctx, &id),
        Stats(a) => commands::stats::stats(&ctx, a),
        Chart(a) => commands::stats::chart(&ctx, a),
        Backup { out } => commands::keys::backup(&ctx, &out),
        Restore { file } => commands::keys::restore(&ctx, &file),
        Passphrase(c) => commands::keys::passphrase(&ctx, c),
        Check => commands::check::run(&ctx),
        Audit(c) => commands::audit::run(&ctx, c),
        Family(c) => commands::family::run(&ctx, c),
        Import(a) => commands::import::run(&ctx, a),
        Consent(a) => commands::consent::run(&ctx, a),
        Export(a) => commands::export::run(&ctx, a),
        Sync(a) => commands::sync::run(&ctx, a),
        Provisions(a) => commands::provisions::run(&ctx, a),
        Demo(a) => commands::demo::run(&ctx, a),
        About(a) => commands::about::run(&ctx, a),
        Compliance(a) => commands::compliance::run(a),
        Share(a) => commands::share::run(&ctx, a),
        Request(a) => commands::request::run(&ctx, a),
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every command, option and argument says what it is in `--help` (issue #17 item 6).
    #[test]
    fn help_describes_every_command_and_option() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for a in cmd.get_arguments() {
                let id = a.get_id().as_str();
                if id != "help" && id != "version" && a.get_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                let path = format!("{path} {}", sub.get_name());
                if sub.get_about().is_none() {
                    missing.push(format!("{path} (the command)"));
                }
                walk(sub, &path, missing);
            }
        }
        let mut missing = vec![];
        walk(&Cli::command(), "phr", &mut missing);
        assert!(missing.is_empty(), "no description: {missing:#?}");
    }
}
