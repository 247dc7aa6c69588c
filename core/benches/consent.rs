//! Standing consent at write time (issue #16): logging one blood pressure with no consent
//! given (nothing queued) against the same with permits whose cells cover it for two
//! recipients (queued for both in the write's own transaction). Goal: queueing adds ≤ 10%.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use phr_core::consent::{ConsentRequest, DataCategory, samples};
use phr_core::records::*;
use phr_core::{KdfParams, Session};

fn person() -> NewPerson {
    NewPerson {
        nickname: "hanako".into(),
        family_name: "山田".into(),
        given_name: "花子".into(),
        family_name_kana: None,
        given_name_kana: None,
        birth_date: chrono::NaiveDate::from_ymd_opt(1975, 5, 3).unwrap(),
        sex: Sex::Female,
        insurer_number: None,
        insured_symbol: None,
        insured_number: None,
        municipality_code: None,
    }
}

/// A store with the municipal profile installed and, if `consented`, vitals permitted to the
/// health department (guidance) and to community care (coordination).
fn store(consented: bool) -> (tempfile::TempDir, Session, String) {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::create(dir.path(), "bench passphrase", KdfParams::cheap()).unwrap();
    let me = s.add_person(person()).unwrap().id;
    s.set_operator_profile(samples::municipality()).unwrap();
    if consented {
        for (r, p) in [
            ("health-dept", "specific_health_guidance"),
            ("community-care", "community_care_coordination"),
        ] {
            s.set_consent(
                &me,
                ConsentRequest::permit(r, &[DataCategory::Vitals], &[p]),
            )
            .unwrap();
        }
    }
    (dir, s, me)
}

fn bench_queueing(c: &mut Criterion) {
    let mut g = c.benchmark_group("log one blood pressure");
    for consented in [false, true] {
        let (_dir, s, me) = store(consented);
        let at = Stamp {
            utc_seconds: s.now().utc_seconds - 60,
            offset_seconds: 9 * 3600,
        };
        let name = if consented {
            "queued for 2 recipients"
        } else {
            "no consent (nothing queued)"
        };
        g.bench_function(name, |b| {
            b.iter(|| {
                s.log_observation(
                    &me,
                    ObservationInput::blood_pressure(128.0, 82.0, Some(64.0), at),
                )
                .unwrap()
            })
        });
        if consented {
            assert!(!s.pending_outbox(&me).unwrap().is_empty());
        }
    }
    g.finish();
}

criterion_group!(benches, bench_queueing);
criterion_main!(benches);
