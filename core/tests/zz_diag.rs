#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;
use phr_core::consent::{ConsentRequest, DataCategory, samples};
use phr_core::records::*;
#[test]
fn diag() {
    let (_d, s, hanako, _) = common::session_with_two();
    let me = hanako.id.clone();
    s.set_operator_profile(samples::municipality()).unwrap();
    s.set_consent(
        &me,
        ConsentRequest::permit(
            "health-dept",
            &[DataCategory::Vitals],
            &["specific_health_guidance"],
        ),
    )
    .unwrap();
    let at = Stamp {
        utc_seconds: s.now().utc_seconds - 60,
        offset_seconds: 9 * 3600,
    };
    for _ in 0..4 {
        eprintln!("-- log");
        s.log_observation(
            &me,
            ObservationInput::blood_pressure(128.0, 82.0, Some(64.0), at),
        )
        .unwrap();
    }
}
