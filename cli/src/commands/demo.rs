//! `phr demo`: the whole product on a demo store — a resident and her father, a year of
//! realistic data, a summary, and charts. Data come from a fixed seed so every run tells the
//! same story.

use crate::commands::stats::print_buckets;
use crate::output::{CliError, CliResult};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use phr_core::consent::{ConsentRequest, DataCategory, samples};
use phr_core::family::{Grantee, NewDelegation, Scope};
use phr_core::guidance;
use phr_core::records::*;
use phr_core::{ClinicalInput, Session, Unlock};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct DemoArgs {
    /// Folder for the demo store (replaced on every run if it holds an earlier demo).
    #[arg(long, default_value = "phr-demo")]
    dir: PathBuf,
    /// Also sync the shared records with this FHIR server (the health department's). Plain
    /// http:// is accepted for a loopback test server only.
    #[arg(long)]
    server: Option<String>,
}

const MARKER: &str = ".phr-demo";
const DEMO_PASSPHRASE: &str = "demo-passphrase";
/// Her father's own passphrase (he is a member of the store, not managed).
const TARO_PASSPHRASE: &str = "demo-passphrase-taro";

/// A small deterministic generator (xorshift64*), so the demo needs no randomness crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Roughly normal (sum of uniforms).
    fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let s: f64 = (0..6).map(|_| self.next()).sum::<f64>() - 3.0;
        mean + s * sd * std::f64::consts::SQRT_2
    }
}

fn prepare_dir(dir: &Path) -> CliResult {
    if dir.exists() {
        if !dir.join(MARKER).exists() {
            return Err(CliError::Usage(format!(
                "{} exists and is not a demo store; choose another --dir",
                dir.display()
            )));
        }
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(MARKER), "created by `phr demo`; safe to delete\n")?;
    Ok(())
}

/// The instant the demo tells its story up to, in the zone of `--tz`: its "today" is the last
/// day whose morning readings (up to 07:10) are already past, so nothing is logged after now
/// whatever the hour the demo runs.
struct Story {
    zone: Tz,
    now: i64,
    today: NaiveDate,
}

impl Story {
    fn new(session: &Session) -> CliResult<Story> {
        let zone: Tz = session
            .time_zone()
            .parse()
            .map_err(|_| CliError::Usage("--tz: not an IANA time zone".into()))?;
        let now = session.now().utc_seconds;
        let local = DateTime::from_timestamp(now, 0)
            .unwrap_or_default()
            .with_timezone(&zone);
        let morning_done = local.time() >= NaiveTime::from_hms_opt(7, 10, 0).unwrap_or_default();
        let today = if morning_done {
            local.date_naive()
        } else {
            local.date_naive() - Duration::days(1)
        };
        Ok(Story { zone, now, today })
    }

    /// `d` at `h:m` local time (the earlier instant where a clock change repeats it, the hour
    /// after where one skips it).
    fn at(&self, d: NaiveDate, h: u32, m: u32) -> Stamp {
        let naive = d.and_hms_opt(h, m, 0).unwrap_or_default();
        let t = self
            .zone
            .from_local_datetime(&naive)
            .earliest()
            .or_else(|| {
                self.zone
                    .from_local_datetime(&(naive + Duration::hours(1)))
                    .earliest()
            });
        match t {
            Some(t) => Stamp::from_fixed(t.fixed_offset()),
            None => Stamp {
                utc_seconds: naive.and_utc().timestamp(),
                offset_seconds: 0,
            },
        }
    }

    /// Whether `t` is not after the demo's now (the core refuses readings from the future).
    fn past(&self, t: Stamp) -> bool {
        t.utc_seconds <= self.now
    }
}

fn person(
    nick: &str,
    family: &str,
    given: &str,
    fk: &str,
    gk: &str,
    birth: (i32, u32, u32),
    sex: Sex,
) -> NewPerson {
    NewPerson {
        nickname: nick.into(),
        family_name: family.into(),
        given_name: given.into(),
        family_name_kana: Some(fk.into()),
        given_name_kana: Some(gk.into()),
        birth_date: NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2).unwrap_or_default(),
        sex,
        insurer_number: Some("06130012".into()),
        insured_symbol: None,
        insured_number: None,
        municipality_code: Some("131130".into()),
    }
}

/// A year of one person's self-measured data, one batch per month.
fn year_of_vitals(
    rng: &mut Rng,
    story: &Story,
    bp_base: f64,
    weight_base: f64,
    steps_base: f64,
) -> Vec<Vec<ClinicalInput>> {
    let today = story.today;
    let start = today - Duration::days(364);
    let mut months: Vec<Vec<ClinicalInput>> = vec![];
    let mut weight = weight_base;
    for i in 0..365 {
        let d = start + Duration::days(i);
        if months.is_empty() || d.day() == 1 {
            months.push(vec![]);
        }
        let Some(batch) = months.last_mut() else {
            continue;
        };
        // Blood pressure drifts down after the medication starts (day 120), as it should.
        let trend = if i > 120 {
            -8.0 * ((i - 120) as f64 / 245.0)
        } else {
            0.0
        };
        let sys = rng.normal(bp_base + trend, 6.0).round();
        let dia = rng
            .normal(bp_base * 0.62 + trend * 0.5, 4.0)
            .round()
            .min(sys - 25.0);
        let pulse = rng.normal(68.0, 4.0).round();
        if i < 364 || d < today {
            batch.push(ClinicalInput::Observation(
                ObservationInput::blood_pressure(sys, dia, Some(pulse), story.at(d, 6, 45)),
            ));
        }
        let weekend = d.weekday().num_days_from_monday() >= 5;
        let steps = rng
            .normal(
                if weekend {
                    steps_base * 1.3
                } else {
                    steps_base
                },
                steps_base * 0.2,
            )
            .max(300.0)
            .round();
        if d < today {
            batch.push(ClinicalInput::Observation(ObservationInput::simple(
                ObservationType::Steps,
                steps,
                story.at(d, 23, 30),
            )));
        }
        if i % 7 == 0 {
            weight += rng.normal(-0.05, 0.3);
            let mut w = ObservationInput::simple(
                ObservationType::Weight,
                (weight * 10.0).round() / 10.0,
                story.at(d, 7, 0),
            );
            w.unit = None;
            batch.push(ClinicalInput::Observation(w));
        }
    }
    for batch in &mut months {
        batch.retain(|c| match c {
            ClinicalInput::Observation(o) => story.past(o.effective),
            _ => true,
        });
    }
    months
}

fn checkup(date: NaiveDate) -> Checkup {
    let r = |code: &str, name: &str, v: f64, unit: &str, flag: Option<&str>| CheckupResult {
        code_system: CheckupCodeSystem::Tokutei,
        code: code.into(),
        name: name.into(),
        value_num: Some(v),
        value_code: None,
        value_system: None,
        value_text: None,
        unit: Some(unit.into()),
        ref_low: None,
        ref_high: None,
        flag: flag.map(str::to_owned),
    };
    Checkup {
        date,
        program: "specific_health_checkup".into(),
        institution: "港区立健診センター".into(),
        institution_code: Some("1310000001".into()),
        judgement: Some("血圧がやや高めです。家庭血圧の記録を続けてください。".into()),
        results: vec![
            r("9N001000000000001", "身長", 158.0, "cm", None),
            r("9N006000000000001", "体重", 61.2, "kg", None),
            r("9N011000000000001", "BMI", 24.5, "kg/m2", None),
            r(
                "9A751000000000001",
                "収縮期血圧(その他)",
                136.0,
                "mm[Hg]",
                Some("H"),
            ),
            r(
                "9A761000000000001",
                "拡張期血圧(その他)",
                84.0,
                "mm[Hg]",
                None,
            ),
            r(
                "3F015000002327101",
                "中性脂肪（トリグリセリド）",
                142.0,
                "mg/dL",
                None,
            ),
            r("3D046000001906202", "HbA1c（NGSP値）", 5.7, "%", Some("H")),
        ],
    }
}

/// Build the demo in `--dir`; on any failure remove what was half-built, so the folder holds
/// either a whole demo or nothing.
pub fn run(ctx: &crate::commands::Ctx, a: DemoArgs) -> CliResult {
    if ctx.tz.parse::<Tz>().is_err() {
        return Err(CliError::Usage(format!(
            "--tz {}: not an IANA time zone (e.g. Asia/Tokyo)",
            ctx.tz
        )));
    }
    prepare_dir(&a.dir)?;
    let built = build(ctx, &a.dir, a.server.as_deref());
    if built.is_err() {
        let _ = std::fs::remove_dir_all(&a.dir);
    }
    built
}

fn build(ctx: &crate::commands::Ctx, dir: &Path, server: Option<&str>) -> CliResult {
    // The demo's own passphrase, never one taken from the environment (it is printed below).
    let pass = DEMO_PASSPHRASE;
    println!(
        "PHR Core demo — store: {} (passphrase: {pass})",
        dir.display()
    );
    let mut session = Session::create(dir, pass, crate::unlock::kdf()?)?;
    session.set_time_zone(&ctx.tz)?;
    let hanako = session.add_person(person(
        "hanako",
        "山田",
        "花子",
        "ヤマダ",
        "ハナコ",
        (1975, 5, 3),
        Sex::Female,
    ))?;
    // Her father is a member: he unlocks the store as himself with his own passphrase.
    let taro = session.add_member(
        person(
            "taro",
            "山田",
            "太郎",
            "ヤマダ",
            "タロウ",
            (1948, 1, 20),
            Sex::Male,
        ),
        &Unlock::Passphrase(TARO_PASSPHRASE),
        crate::unlock::kdf()?,
    )?;
    let taro_session = session.switch_to("taro", Unlock::Passphrase(TARO_PASSPHRASE))?;
    println!(
        "persons: {} (owner) and her father {}",
        hanako.display_name(),
        taro.display_name()
    );

    let story = Story::new(&session)?;
    let today = story.today;
    let mut rng = Rng(0x5048_5231_2026);
    let h = hanako.id.as_str();
    let t = taro.id.as_str();
    // Who acts: each on their own record, hanako on her father's through his grant.
    let by = |who: &str| if who == t { &taro_session } else { &session };
    session.log_observation(
        h,
        ObservationInput::simple(
            ObservationType::Height,
            158.0,
            story.at(today - Duration::days(364), 7, 0),
        ),
    )?;
    by(t).log_observation(
        t,
        ObservationInput::simple(
            ObservationType::Height,
            165.0,
            story.at(today - Duration::days(364), 7, 0),
        ),
    )?;
    let plans = [
        (h, year_of_vitals(&mut rng, &story, 134.0, 61.5, 7500.0)),
        (t, year_of_vitals(&mut rng, &story, 142.0, 66.0, 4200.0)),
    ];
    let total: u64 = plans
        .iter()
        .flat_map(|(_, m)| m.iter())
        .map(|b| b.len() as u64)
        .sum();
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("logging a year of data {bar:40} {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    for (who, months) in plans {
        for batch in months {
            let n = batch.len() as u64;
            by(who).add_records(who, batch, Provenance::Device, Some("デモ血圧計・歩数計"))?;
            bar.inc(n);
        }
    }
    bar.finish_and_clear();
    let clinical = |who: &str, input: ClinicalInput, p: Provenance, src: &str| {
        by(who).add_record(who, input, p, Some(src))
    };
    clinical(
        h,
        ClinicalInput::Checkup(checkup(today - Duration::days(150))),
        Provenance::Mynaportal,
        "マイナポータル",
    )?;
    for (vaccine, days, dose) in [
        ("インフルエンザHAワクチン", 30, 1),
        ("新型コロナワクチン（オミクロン対応）", 60, 7),
    ] {
        let i = Immunization {
            vaccine: vaccine.into(),
            code_system: None,
            code: None,
            date: today - Duration::days(days),
            dose_number: Some(dose),
            lot: Some(format!("LOT-{days:03}")),
            place: Some("山田内科クリニック".into()),
        };
        clinical(
            h,
            ClinicalInput::Immunization(i),
            Provenance::Mynaportal,
            "マイナポータル",
        )?;
    }
    let med = Medication {
        drug_name: "アムロジピン錠5mg".into(),
        code_system: Some("yj".into()),
        code: Some("2171022F1020".into()),
        dose: Some("1錠".into()),
        frequency: Some("1日1回朝食後".into()),
        start_date: today - Duration::days(244),
        end_date: None,
        prescriber: Some("山田内科クリニック".into()),
        pharmacy: Some("さくら薬局".into()),
    };
    // Family-manager mode: taro lets his daughter manage his record; she records his
    // medication from the お薬手帳 and this morning's blood pressure on his behalf. `share`
    // lets her release what his consent permits; `export` gives her a copy of his whole record.
    let grant = NewDelegation {
        grantee: Grantee::Person(hanako.id.clone()),
        scopes: vec![
            Scope::View,
            Scope::Record,
            Scope::ManageConsent,
            Scope::Share,
            Scope::Export,
        ],
        valid_from: None,
        valid_until: None,
        representative_basis: None,
        basis_note: None,
    };
    by(t).grant(t, grant)?;
    session.add_record(
        t,
        ClinicalInput::Medication(med),
        Provenance::Clinic,
        Some("さくら薬局"),
    )?;
    session.log_observation(
        t,
        ObservationInput::blood_pressure(138.0, 86.0, Some(72.0), story.at(today, 6, 50)),
    )?;
    clinical(
        h,
        ClinicalInput::Note {
            text: "健診で血圧を指摘された。朝の散歩を始める。".into(),
            at: Some(story.at(today - Duration::days(149), 20, 0)),
        },
        Provenance::SelfEntered,
        "",
    )?;

    for (p, who) in [(&hanako, h), (&taro, t)] {
        summary_of(&session, who, p, today)?;
    }
    println!("\nwho can access {}'s record:", taro.details.nickname);
    crate::commands::family::print_access(&by(t).who_can_access(t)?, &ctx.zone()?)?;
    let proxy = taro_session
        .access_history(t, 1000)?
        .into_iter()
        .filter(|e| e.delegation.is_some())
        .count();
    println!(
        "  {proxy} action(s) on it were taken by hanako on his behalf, each audited with its grant"
    );
    let out_bp = dir.join("hanako-blood-pressure.png");
    let out_steps = dir.join("taro-steps.png");
    let q = |ty, who: &str, g| -> CliResult<Vec<Bucket>> {
        let q = AggregateQuery {
            observation_type: ty,
            granularity: g,
            from: today - Duration::days(364),
            to: today,
            time_zone: None,
        };
        Ok(by(who).aggregate(who, &q)?)
    };
    let of = |who, ty, sex| crate::chart::Of {
        who,
        lang: crate::lang::Lang::Ja,
        ty,
        sex: Some(sex),
        from: today - Duration::days(364),
        to: today,
        granularity: Granularity::Week,
    };
    crate::chart::draw(
        &out_bp,
        &of(
            "山田\u{3000}花子",
            ObservationType::BloodPressure,
            Sex::Female,
        ),
        &q(ObservationType::BloodPressure, h, Granularity::Week)?,
    )?;
    crate::chart::draw(
        &out_steps,
        &of("山田\u{3000}太郎", ObservationType::Steps, Sex::Male),
        &q(ObservationType::Steps, t, Granularity::Week)?,
    )?;
    println!("\ncharts: {} and {}", out_bp.display(), out_steps.display());
    share(&session, h)?;
    if let Some(url) = server {
        sync_with(&session, h, url)?;
    }
    let report = session.verify_audit()?;
    println!(
        "audit: {} entries, chain {}",
        report.entries,
        if report.broken.is_none() {
            "intact"
        } else {
            "BROKEN"
        }
    );
    println!(
        "\nexplore: PHR_STORE={} PHR_PASSPHRASE={pass} phr timeline --for taro   (taro's own: --as taro with PHR_PASSPHRASE={TARO_PASSPHRASE})",
        dir.display()
    );
    session.lock()?;
    Ok(())
}

fn summary_of(s: &Session, who: &str, p: &Person, today: NaiveDate) -> CliResult {
    println!(
        "\n== {} ({}, {} years) ==",
        p.display_name(),
        p.details.nickname,
        p.age_on(today)
    );
    println!("latest:");
    for r in s.latest_observations(who)? {
        if let RecordBody::Observation(o) = &r.body {
            let level = guidance::assess(o, Some(p.details.sex))
                .map(|l| format!("  [{}]", l.label()))
                .unwrap_or_default();
            println!(
                "  {}  {}{level}",
                r.meta.effective.to_fixed().format("%Y-%m-%d"),
                summary::observation(o)
            );
        }
    }
    for ty in [ObservationType::BloodPressure, ObservationType::Steps] {
        let q = AggregateQuery {
            observation_type: ty,
            granularity: Granularity::Month,
            from: today - Duration::days(150),
            to: today,
            time_zone: None,
        };
        println!("{} by month:", ty.label());
        print_buckets(ty, Granularity::Month, &s.aggregate(who, &q)?);
    }
    let mut others = vec![];
    for kind in RecordKind::ALL
        .into_iter()
        .filter(|k| *k != RecordKind::Observation)
    {
        let filter = RecordFilter {
            kind: Some(kind),
            ..Default::default()
        };
        others.extend(
            s.list_records(who, &filter, &PageRequest::first(50))?
                .records,
        );
    }
    others.sort_by_key(|r| std::cmp::Reverse(r.meta.effective));
    if !others.is_empty() {
        println!("records:");
        for r in others {
            println!(
                "  {}  {}",
                r.meta.effective.to_fixed().format("%Y-%m-%d"),
                summary::record(&r.body)
            );
        }
    }
    Ok(())
}

/// Dynamic consent: the resident shares her checkup with the ward's health department for
/// specific health guidance and her steps with the walking campaign, then withdraws the
/// steps. Everything leaves only through the release gate.
fn share(s: &Session, h: &str) -> CliResult {
    const GUIDANCE: &str = "specific_health_guidance";
    const WALKING: &str = "walking_campaign";
    s.set_operator_profile(samples::municipality())?;
    println!("\nconsent (operator: {}):", s.operator_profile()?.name);
    let d = s.set_consent(
        h,
        ConsentRequest::permit("health-dept", &[DataCategory::Checkup], &[GUIDANCE]),
    )?;
    println!("  {}", crate::commands::consent::describe(&d));
    let d = s.set_consent(
        h,
        ConsentRequest::permit("walking-campaign", &[DataCategory::Lifelog], &[WALKING]),
    )?;
    println!("  {}", crate::commands::consent::describe(&d));
    let listed = |filter: RecordFilter| -> CliResult<Vec<Record>> {
        Ok(s.list_records(h, &filter, &PageRequest::first(60))?.records)
    };
    let mut batch = listed(RecordFilter {
        kind: Some(RecordKind::Checkup),
        ..Default::default()
    })?;
    batch.extend(s.latest_observations(h)?);
    let out = s.release(h, "health-dept", GUIDANCE, &batch)?;
    println!(
        "  release gate -> health-dept: {} checkup record(s) released, {} other record(s) withheld",
        out.permitted().len(),
        out.withheld_count()
    );
    println!(
        "  provision log: {} entry — when, to whom, for what, under which consent (phr provisions)",
        s.provision_log(h)?.len()
    );
    // Standing consent: each permit queued the records it covers, as later writes will be.
    let queued = |to: &str| -> CliResult<usize> {
        Ok(s.pending_outbox(h)?
            .iter()
            .filter(|i| i.recipient == to)
            .count())
    };
    println!(
        "  outbox: {} record(s) queued for walking-campaign, {} for health-dept (by consent, as written)",
        queued("walking-campaign")?,
        queued("health-dept")?
    );
    let d = s.withdraw(h, "walking-campaign", &[DataCategory::Lifelog], &[WALKING])?;
    println!(
        "  {} -> outbox now holds {} item(s) for walking-campaign (the withdrawal notice)",
        crate::commands::consent::describe(&d),
        queued("walking-campaign")?
    );
    let state = s.consent_state(h)?;
    let shared = state.permitted();
    println!("\nsharing (everything else stays on this device; default deny):");
    if shared.is_empty() {
        println!("  nothing is shared");
    }
    for (p, t) in shared {
        println!(
            "  {} -> {} ({}) for {}",
            t.category.label_en(),
            t.recipient_name,
            t.recipient,
            p.label_en
        );
    }
    Ok(())
}

/// With `--server` (a loopback test server): the resident also shares her vitals and body
/// measurements for guidance (the permit queues what it covers), and syncs.
fn sync_with(s: &Session, h: &str, url: &str) -> CliResult {
    const GUIDANCE: &str = "specific_health_guidance";
    s.set_consent(
        h,
        ConsentRequest::permit(
            "health-dept",
            &[
                DataCategory::Checkup,
                DataCategory::Vitals,
                DataCategory::Body,
            ],
            &[GUIDANCE],
        ),
    )?;
    let ids = crate::commands::sync::all_record_ids(s, h)?;
    let queued = s
        .pending_outbox(h)?
        .iter()
        .filter(|i| i.recipient == "health-dept")
        .count();
    println!(
        "\nsync with {url}:\n  outbox: {queued} of {} record(s) queued for health-dept (the rest is not consented)",
        ids.len()
    );
    let options = phr_core::sync::SyncOptions {
        server_url: Some(url.to_owned()),
        allow_insecure_loopback: true,
        ..Default::default()
    };
    let bar = crate::commands::sync::Bar::new();
    let report = s.sync(h, "health-dept", &options, &bar);
    bar.finish();
    println!("  {}", crate::commands::sync::describe(&report?));
    Ok(())
}
