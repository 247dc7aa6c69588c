//! `phr kpi contributions|aggregate|synthesize`: the resident's KPI contributions as the gate
//! releases them, and the municipality's side that aggregates contributions into suppressed
//! figures (summary MeasureReports, CSV, a PNG chart). The rules are the core's
//! ([`phr_core::kpi`]); this file reads and writes files and words the results.

use super::Ctx;
use super::consent::use_profile;
use crate::lang::Lang;
use crate::output::{CliError, CliResult, on_file};
use clap::{Args, Subcommand};
use phr_core::consent::{KpiDefinition, OperatorProfile, samples};
use phr_core::fhir::measure_report::{contribution_report, contribution_resource, summary_report};
use phr_core::kpi::{Aggregator, Contribution, KpiFigures, to_csv};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct KpiArgs {
    /// The operator profile (JSON) whose KPIs are meant; default: the one installed (or the
    /// embedded municipal sample, also from PHR_OPERATOR_PROFILE).
    #[arg(long, env = "PHR_OPERATOR_PROFILE", global = true)]
    profile: Option<PathBuf>,
    /// Language of the labels: ja or en.
    #[arg(long, default_value = "ja", global = true)]
    lang: String,
    #[command(subcommand)]
    cmd: KpiCmd,
}

#[derive(Subcommand)]
pub enum KpiCmd {
    /// What --for contributes to each KPI, as the consent gate releases it now (nothing leaves).
    Contributions {
        /// Also write the released contributions as NDJSON MeasureReports to this file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Aggregate contributions (files of MeasureReports or Bundles, NDJSON bulk exports, or
    /// folders of them) into figures per KPI, period and group, withholding small groups.
    Aggregate {
        /// Files or folders to read.
        #[arg(required_unless_present = "server")]
        inputs: Vec<PathBuf>,
        /// Also read the contributions held by this FHIR server (a MeasureReport search per
        /// KPI, following its pages): https, or http to loopback with --allow-insecure-loopback.
        #[arg(long)]
        server: Option<String>,
        /// Allow plain http:// to 127.0.0.1, ::1 or localhost (a local test server). Never others.
        #[arg(long)]
        allow_insecure_loopback: bool,
        /// Bearer token for the server.
        #[arg(long, env = "PHR_KPI_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Folder to write kpi-summary.json, kpi.csv and kpi.png into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write synthetic contributions to the profile's KPIs (for sizing and the demo).
    Synthesize {
        /// How many contributions.
        #[arg(long)]
        count: u64,
        /// The NDJSON file to write.
        #[arg(long)]
        out: PathBuf,
        /// Seed of the generator (the same seed writes the same file).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

pub fn run(ctx: &Ctx, a: KpiArgs) -> CliResult {
    let l = Lang::parse(&a.lang, "the KPIs")?;
    match a.cmd {
        KpiCmd::Contributions { out } => contributions(ctx, l, a.profile.as_deref(), out),
        KpiCmd::Aggregate {
            inputs,
            out,
            server,
            allow_insecure_loopback,
            token,
        } => {
            let profile = profile_of(a.profile.as_deref())?;
            let server = server.map(|url| Server {
                url,
                allow_insecure_loopback,
                token: zeroize::Zeroizing::new(token.unwrap_or_default()),
            });
            aggregate(l, &profile, &inputs, server.as_ref(), &out)
        }
        KpiCmd::Synthesize { count, out, seed } => {
            let profile = profile_of(a.profile.as_deref())?;
            synthesize(&profile.kpis, count, &out, seed)
        }
    }
}

fn profile_of(path: Option<&Path>) -> CliResult<OperatorProfile> {
    match path {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(on_file(p, "read the profile"))?;
            Ok(OperatorProfile::from_json(&text)?)
        }
        None => Ok(samples::municipality()),
    }
}

fn contributions(ctx: &Ctx, l: Lang, profile: Option<&Path>, out: Option<PathBuf>) -> CliResult {
    let o = ctx.open()?;
    use_profile(&o.session, profile)?;
    let all = o.session.kpi_contributions(&o.subject)?;
    if all.is_empty() {
        println!(
            "{}",
            l.pick("評価指標はありません", "The operator defines no KPI")
        );
    }
    let mut lines = vec![];
    for r in &all {
        let k = r.kpi();
        println!("{} [{}] → {}", name(l, k), k.id, k.recipient);
        if !r.permitted() {
            println!(
                "  {}",
                l.pick(
                    "同意がないため提供しません",
                    "Not shared: no consent for this purpose"
                )
            );
            continue;
        }
        if r.contributions().is_empty() {
            println!(
                "  {}",
                l.pick(
                    "終了した期間の寄与はまだありません",
                    "No contribution yet (no period over with the data it needs)"
                )
            );
        }
        for c in r.contributions() {
            println!("  {}", line(l, c));
            if let Some(v) = contribution_report(r, c) {
                lines.push(v.to_string());
            }
        }
    }
    if let Some(path) = out {
        let mut text = lines.join("\n");
        text.push('\n');
        std::fs::write(&path, text).map_err(on_file(&path, "write the contributions to"))?;
    }
    Ok(())
}

/// The KPI's name in `l`.
pub fn name(l: Lang, k: &KpiDefinition) -> &str {
    match l {
        Lang::Ja => &k.name_ja,
        Lang::En => &k.name_en,
    }
}

fn line(l: Lang, c: &Contribution) -> String {
    let mut s = format!(
        "{}: {}{}",
        c.period,
        if c.meets {
            l.pick("目標達成", "met")
        } else {
            l.pick("目標未達", "not met")
        },
        c.band
            .as_deref()
            .map(|b| format!(" ({}{b})", l.pick("区分 ", "band ")))
            .unwrap_or_default()
    );
    for (g, v) in &c.groups {
        s.push_str(&format!(" {}={v}", g.as_str()));
    }
    s
}

/// Every file under `p` (sorted, so a run reads in the same order).
fn files_of(p: &Path, into: &mut Vec<PathBuf>) -> CliResult {
    let meta = std::fs::metadata(p).map_err(on_file(p, "read"))?;
    if !meta.is_dir() {
        into.push(p.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
        .map_err(on_file(p, "list"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for e in entries {
        files_of(&e, into)?;
    }
    Ok(())
}

fn read_into(agg: &mut Aggregator<'_>, path: &Path) -> CliResult {
    let file = std::fs::File::open(path).map_err(on_file(path, "read"))?;
    let ndjson = path
        .extension()
        .is_some_and(|e| e == "ndjson" || e == "jsonl");
    let mut r = BufReader::with_capacity(1 << 20, file);
    if ndjson {
        let mut buf = Vec::with_capacity(4096);
        loop {
            buf.clear();
            if r.read_until(b'\n', &mut buf)
                .map_err(on_file(path, "read"))?
                == 0
            {
                break;
            }
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            agg.add_json(&buf);
        }
    } else {
        let mut buf = vec![];
        std::io::Read::read_to_end(&mut r, &mut buf).map_err(on_file(path, "read"))?;
        agg.add_json(&buf);
    }
    Ok(())
}

/// A FHIR server to read contributions from.
struct Server {
    url: String,
    allow_insecure_loopback: bool,
    token: zeroize::Zeroizing<String>,
}

fn aggregate(
    l: Lang,
    profile: &OperatorProfile,
    inputs: &[PathBuf],
    server: Option<&Server>,
    out: &Path,
) -> CliResult {
    let mut files = vec![];
    for i in inputs {
        files_of(i, &mut files)?;
    }
    let mut agg = Aggregator::new(&profile.kpis);
    for f in &files {
        read_into(&mut agg, f)?;
    }
    if let Some(s) = server {
        let opts = phr_core::sync::SyncOptions {
            allow_insecure_loopback: s.allow_insecure_loopback,
            ..phr_core::sync::SyncOptions::default()
        };
        let token = (!s.token.is_empty()).then_some(s.token.as_str());
        phr_core::kpi::read_server(&mut agg, &s.url, &profile.kpis, &opts, token)?;
    }
    let figures = agg.finish();
    std::fs::create_dir_all(out).map_err(on_file(out, "create"))?;
    // The core's one clock (fixed by the tests), not the system's directly.
    let generated = phr_core::clock::Clock::from_environment()
        .now()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let entries: Vec<serde_json::Value> = figures
        .iter()
        .map(|f| {
            serde_json::json!({ "resource":
                summary_report(f.kpi, f.period, &f.total, &f.strata, &generated) })
        })
        .collect();
    let bundle = serde_json::json!({ "resourceType": "Bundle", "type": "collection",
                                     "entry": entries });
    let summary = out.join("kpi-summary.json");
    std::fs::write(
        &summary,
        serde_json::to_vec_pretty(&bundle).unwrap_or_default(),
    )
    .map_err(on_file(&summary, "write"))?;
    let csv = out.join("kpi.csv");
    std::fs::write(&csv, to_csv(&figures)).map_err(on_file(&csv, "write"))?;
    let png = out.join("kpi.png");
    crate::kpi_chart::draw(&png, l, &figures)?;
    println!(
        "{} {}, {} {} ({} {})",
        l.pick("読み込み", "Read"),
        agg.read,
        l.pick("集計", "counted"),
        agg.counted(),
        l.pick("重複", "duplicates"),
        agg.duplicates
    );
    for (why, n) in &agg.skipped {
        println!("  {} {n}: {}", l.pick("除外", "skipped"), why.as_str());
    }
    for f in &figures {
        println!("{}", figure_line(l, f));
    }
    println!(
        "→ {}, {}, {}",
        summary.display(),
        csv.display(),
        png.display()
    );
    Ok(())
}

fn figure_line(l: Lang, f: &KpiFigures<'_>) -> String {
    let min = f.kpi.min_group();
    let share = match (f.total.participants, f.total.meeting) {
        (Some(n), Some(m)) if n > 0 => format!("{:.1}%", m as f64 * 100.0 / n as f64),
        _ => l.pick("非公表", "withheld").to_owned(),
    };
    let n = f
        .total
        .participants
        .map_or(format!("<{min}"), |n| n.to_string());
    format!("  {} {}: n={n} {share}", f.kpi.id, f.period.id)
}

/// A small deterministic generator (xorshift64*): synthetic data needs no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn synthesize(kpis: &[KpiDefinition], count: u64, out: &Path, seed: u64) -> CliResult {
    if kpis.is_empty() {
        return Err(CliError::Usage("the profile defines no KPI".into()));
    }
    let file = std::fs::File::create(out).map_err(on_file(out, "write"))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let mut rng = Rng(seed.max(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let ages = ["20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80+"];
    let sexes = ["male", "female"];
    for i in 0..count {
        let k = &kpis[(i % kpis.len() as u64) as usize];
        let p = &k.periods[rng.below(k.periods.len() as u64) as usize];
        let pseudonym = format!(
            "{:016x}{:016x}{:016x}{:016x}",
            rng.next(),
            rng.next(),
            i,
            seed
        );
        let band = k.band_width().map(|w| {
            let w = i64::from(w.0);
            let (lo, hi) = k.measure.clamp();
            let v = lo + i64::try_from(rng.below((hi - lo) as u64)).unwrap_or(0);
            phr_core::kpi::band_of(k.measure, w, v - v.rem_euclid(w))
        });
        let groups = k
            .groups
            .iter()
            .map(|g| {
                let v = match g {
                    phr_core::consent::KpiGroup::AgeBand => ages[rng.below(7) as usize],
                    phr_core::consent::KpiGroup::Sex => sexes[rng.below(2) as usize],
                };
                (*g, v.to_owned())
            })
            .collect();
        let c = Contribution {
            kpi: k.id.clone(),
            period: p.id.clone(),
            band,
            meets: rng.below(100) < 40,
            groups,
        };
        if let Some(v) = contribution_resource(k, &pseudonym, &c) {
            serde_json::to_writer(&mut w, &v).map_err(|e| CliError::Io(e.into()))?;
            w.write_all(b"\n").map_err(on_file(out, "write"))?;
        }
    }
    w.flush().map_err(on_file(out, "write"))?;
    Ok(())
}
