//! Sync benchmark: 10,000 consented records pushed to the loopback FHIR server of
//! scripts/test-sync.sh (no fault proxy), then the pull that follows. Run it with
//! `scripts/test-sync.sh bench` (which starts the server, builds this in release mode and
//! stops the server), or by hand with PHR_SYNC_FHIR_URL and PHR_SYNC_ADMIN_URL set:
//! `cargo run -p phr-core --release --example bench_sync`.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use phr_core::consent::{ConsentRequest, DataCategory, samples};
use phr_core::records::{NewPerson, ObservationInput, ObservationType, Provenance, Sex, Stamp};
use phr_core::sync::{SyncOptions, SyncPhase, SyncProgress};
use phr_core::{ClinicalInput, KdfParams, Session};
use std::cell::Cell;
use std::time::{Duration, Instant};

const N: usize = 10_000;

struct Clock {
    start: Instant,
    push_done: Cell<Option<Duration>>,
}

impl SyncProgress for Clock {
    fn progress(&self, phase: SyncPhase, done: usize, total: usize) {
        if phase == SyncPhase::Push && done == total {
            self.push_done.set(Some(self.start.elapsed()));
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |k: &str| {
        std::env::var(k).map_err(|_| format!("{k} is not set: run scripts/test-sync.sh bench"))
    };
    let fhir = var("PHR_SYNC_FHIR_URL")?;
    let admin = var("PHR_SYNC_ADMIN_URL")?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::new()
        .post(format!("{admin}/__admin/reset"))
        .body("{}")
        .send()?;

    let dir = tempfile::tempdir()?;
    let s = Session::create(dir.path(), "bench passphrase", KdfParams::cheap())?;
    let p = s.add_person(NewPerson {
        nickname: "hanako".into(),
        family_name: "山田".into(),
        given_name: "花子".into(),
        family_name_kana: None,
        given_name_kana: None,
        birth_date: chrono::NaiveDate::from_ymd_opt(1975, 5, 3).ok_or("date")?,
        sex: Sex::Female,
        insurer_number: None,
        insured_symbol: None,
        insured_number: None,
        municipality_code: None,
    })?;
    let h = p.id.as_str();
    s.set_operator_profile(samples::municipality())?;
    // The session's clock (fixed under the test hooks a cargo example is built with), not the
    // system's: a record may not be dated after the store's now.
    let now = s.now().utc_seconds;
    let inputs: Vec<ClinicalInput> = (0..N)
        .map(|i| {
            let at = Stamp {
                utc_seconds: now - 3600 * (1 + i as i64),
                offset_seconds: 9 * 3600,
            };
            let (t, v) = if i % 2 == 0 {
                (ObservationType::Pulse, 55.0 + (i % 40) as f64)
            } else {
                (
                    ObservationType::BodyTemperature,
                    36.0 + (i % 10) as f64 / 10.0,
                )
            };
            ClinicalInput::Observation(ObservationInput::simple(t, v, at))
        })
        .collect();
    let ids = s.add_records(h, inputs, Provenance::Device, None)?;
    s.set_consent(
        h,
        ConsentRequest::permit(
            "health-dept",
            &[DataCategory::Vitals],
            &["specific_health_guidance"],
        ),
    )?;
    let queued = s.queue_for_release(h, "health-dept", "specific_health_guidance", &ids)?;
    assert_eq!(queued, N);

    let options = SyncOptions {
        server_url: Some(fhir.clone()),
        allow_insecure_loopback: true,
        ..SyncOptions::default()
    };
    let clock = Clock {
        start: Instant::now(),
        push_done: Cell::new(None),
    };
    let report = s.sync(h, "health-dept", &options, &clock)?;
    let total = clock.start.elapsed();
    let push = clock.push_done.get().unwrap_or(total);
    let held: serde_json::Value = serde_json::from_slice(
        &reqwest::blocking::Client::new()
            .get(format!("{admin}/__admin/ids?type=Observation"))
            .send()?
            .bytes()?,
    )?;
    assert_eq!(report.pushed, N);
    assert_eq!(held["count"], N);
    assert_eq!(report.remaining, 0);
    println!(
        "bench_sync: {N} records, batch {} -> push {:.2} s ({:.0} records/s, {} requests), \
         pull of {} resources {:.2} s, sync call {:.2} s; server holds {}",
        options.batch_size,
        push.as_secs_f64(),
        N as f64 / push.as_secs_f64(),
        report.requests,
        report.pulled,
        (total - push).as_secs_f64(),
        total.as_secs_f64(),
        held["count"]
    );
    Ok(())
}
