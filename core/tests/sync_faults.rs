//! Sync against a server that fails, lies or wants a token, on the in-memory FHIR server
//! (`phr_core::sync::fake`): retries, the request budget, partial batch failures, answers that
//! do not add up, 401 → one refresh, the token kept and forgotten, convergence through random
//! faults. Milliseconds each, in plain `cargo test`.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_support;

use phr_core::Error;
use phr_core::consent::DataCategory;
use phr_core::records::{ObservationType, RecordKind};
use phr_core::sync::fake::{FakeFhir, Fault, On};
use std::collections::BTreeSet;
use std::sync::Arc;
use sync_support::*;

#[test]
fn transient_failures_are_retried_until_they_pass_and_nothing_is_held_twice() {
    let (_d, s, h, ids) = seeded(30, 0);
    let fake = FakeFhir::new();
    fake.inject(On::Bundle, Fault::DropBefore, 1);
    fake.inject(On::Bundle, Fault::DropAfter, 1);
    fake.inject(On::Bundle, Fault::Status(503), 1);
    fake.inject(On::Bundle, Fault::TooManyRequests { retry_after_s: 2 }, 1);
    fake.inject(On::Bundle, Fault::Duplicate, 1);
    fake.inject(On::Bundle, Fault::Garbage, 1);
    fake.inject(On::Search, Fault::Status(500), 2);
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.pushed, r.remaining), (30, 0), "{r:?}");
    // Every fault but the duplicate (answered) costs one retry.
    assert_eq!(r.retries, 7, "{r:?}");
    assert_eq!(fake.pauses().len(), 7, "a backoff before every retry");
    let held: BTreeSet<String> = fake.ids("Observation").into_iter().collect();
    assert_eq!(held, ids.iter().cloned().collect());
}

#[test]
fn a_server_down_for_longer_than_the_attempts_is_offline_and_loses_nothing() {
    let (_d, s, h, _) = seeded(10, 0);
    let fake = FakeFhir::new();
    let opts = options();
    fake.inject(On::Any, Fault::DropBefore, opts.max_attempts as usize);
    assert!(matches!(sync(&s, &h, &fake), Err(Error::Offline)));
    assert_eq!(s.pending_outbox(&h).unwrap().len(), 10);
    assert!(fake.ids("Observation").is_empty());

    fake.inject(On::Any, Fault::Status(503), opts.max_attempts as usize);
    assert!(matches!(
        sync(&s, &h, &fake),
        Err(Error::ServerRejected { status: 503 })
    ));
    assert_eq!(s.pending_outbox(&h).unwrap().len(), 10);

    // Back up: the next sync sends everything.
    assert_eq!(sync(&s, &h, &fake).unwrap().pushed, 10);
}

#[test]
fn the_request_budget_ends_a_sync_and_keeps_what_was_confirmed() {
    let (_d, s, h, _) = seeded(30, 0);
    let fake = FakeFhir::new();
    let mut opts = options();
    opts.max_requests = 2;
    assert!(matches!(
        sync_with(&s, &h, &fake, &opts),
        Err(Error::Offline)
    ));
    // The Patient the records point at, then one batch of records.
    assert_eq!(fake.requests().len(), 2);
    assert_eq!(fake.ids("Patient").len(), 1);
    assert_eq!(fake.ids("Observation").len(), 10);
    assert_eq!(s.pending_outbox(&h).unwrap().len(), 20);
}

#[test]
fn one_refused_entry_is_reported_and_kept_while_the_rest_go_through() {
    let (_d, s, h, ids) = seeded(30, 0);
    let fake = FakeFhir::new();
    fake.reject(&ids[7], 422);
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!(r.pushed, 29, "{r:?}");
    assert_eq!(r.rejected.len(), 1);
    assert_eq!(
        (r.rejected[0].record_id.as_str(), r.rejected[0].status),
        (ids[7].as_str(), 422)
    );
    assert_eq!(fake.ids("Observation").len(), 29);
    let pending = s.pending_outbox(&h).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].record_id.as_deref(), Some(ids[7].as_str()));
    assert_eq!(pending[0].last_status, Some(422));
}

#[test]
fn an_entry_the_server_failed_is_deferred_to_the_next_sync() {
    let (_d, s, h, ids) = seeded(10, 0);
    let fake = FakeFhir::new();
    fake.reject(&ids[3], 500);
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.pushed, r.deferred, r.remaining), (9, 1, 1), "{r:?}");
    assert!(r.rejected.is_empty());
    fake.accept(&ids[3]);
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.pushed, r.remaining), (1, 0), "{r:?}");
}

#[test]
fn a_batch_response_that_does_not_add_up_defers_the_batch_and_loses_nothing() {
    let (_d, s, h, ids) = seeded(10, 0);
    let fake = FakeFhir::new();
    fake.inject(On::Bundle, Fault::ShortBatchResponse, 1);
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.pushed, r.deferred, r.remaining), (0, 10, 10), "{r:?}");
    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.pushed, r.remaining), (10, 0), "{r:?}");
    assert_eq!(fake.ids("Observation").len(), ids.len());
}

#[test]
fn a_whole_bundle_refused_is_the_servers_refusal_and_nothing_leaves_the_outbox() {
    let (_d, s, h, _) = seeded(10, 0);
    let fake = FakeFhir::new();
    fake.inject(On::Bundle, Fault::Status(400), 1);
    assert!(matches!(
        sync(&s, &h, &fake),
        Err(Error::ServerRejected { status: 400 })
    ));
    // The Patient's batch went through; the records' batch was refused, and not retried.
    assert_eq!(fake.requests().len(), 2, "a 4xx is not retried");
    assert_eq!(s.pending_outbox(&h).unwrap().len(), 10);
}

#[test]
fn a_sync_cut_off_after_the_server_applied_a_batch_resends_it_and_converges() {
    let (_d, s, h, ids) = seeded(30, 0);
    let fake = FakeFhir::new();
    // The syncing thread dies while the second batch is in flight (applied, unanswered).
    fake.during_next(On::Bundle, || {});
    fake.during_next(On::Bundle, || {
        panic!("the syncing thread dies here, on purpose")
    });
    let died = std::thread::scope(|sc| sc.spawn(|| sync(&s, &h, &fake)).join().is_err());
    assert!(died);
    assert_eq!(fake.ids("Observation").len(), 20, "two batches applied");
    assert_eq!(s.pending_outbox(&h).unwrap().len(), 20, "one confirmed");

    let r = sync(&s, &h, &fake).unwrap();
    assert_eq!((r.pushed, r.remaining), (20, 0), "{r:?}");
    let held: BTreeSet<String> = fake.ids("Observation").into_iter().collect();
    assert_eq!(held, ids.iter().cloned().collect());
}

#[test]
fn a_401_refreshes_the_token_once_then_fails_typed() {
    let (_d, s, h, _) = seeded(5, 0);
    let fake = FakeFhir::new();
    fake.require_token(Some("fresh"));
    let good = Arc::new(Tokens::new("stale", "fresh"));
    let mut opts = options();
    opts.tokens = Some(good.clone());
    let r = sync_with(&s, &h, &fake, &opts).unwrap();
    assert_eq!(r.pushed, 5);
    assert_eq!(good.refreshes(), 1);
    let seen = fake.requests();
    assert_eq!(seen[0].bearer.as_deref(), Some("stale"));
    assert!(
        seen[1..]
            .iter()
            .all(|r| r.bearer.as_deref() == Some("fresh"))
    );

    let (_d2, s2, h2, _) = seeded(5, 0);
    let bad = Arc::new(Tokens::new("stale", "still-stale"));
    opts.tokens = Some(bad.clone());
    let err = sync_with(&s2, &h2, &fake, &opts).unwrap_err();
    assert!(matches!(err, Error::AuthRequired), "{err:?}");
    assert_eq!(bad.refreshes(), 1);
    assert_eq!(s2.pending_outbox(&h2).unwrap().len(), 5);
}

#[test]
fn the_accepted_token_is_kept_for_the_next_sync_and_forgotten_on_sign_out() {
    let (_d, s, h, _) = seeded(5, 0);
    let fake = FakeFhir::new();
    fake.require_token(Some("fresh"));
    let mut opts = options();
    opts.tokens = Some(Arc::new(Tokens::new("stale", "fresh")));
    sync_with(&s, &h, &fake, &opts).unwrap();

    // No provider now: the kept token is sent.
    opts.tokens = None;
    fake.forget_requests();
    sync_with(&s, &h, &fake, &opts).unwrap();
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.bearer.as_deref() == Some("fresh"))
    );

    // The app's own token, when it has one, wins over the kept one and replaces it.
    fake.require_token(Some("newer"));
    opts.tokens = Some(Arc::new(Tokens::new("newer", "newer")));
    fake.forget_requests();
    sync_with(&s, &h, &fake, &opts).unwrap();
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.bearer.as_deref() == Some("newer"))
    );
    opts.tokens = None;
    sync_with(&s, &h, &fake, &opts).unwrap();

    // Signing out of the platform forgets it.
    assert!(s.forget_sync_token(RECIPIENT).unwrap());
    fake.forget_requests();
    let err = sync_with(&s, &h, &fake, &opts).unwrap_err();
    assert!(matches!(err, Error::AuthRequired), "{err:?}");
    assert_eq!(fake.requests()[0].bearer, None);
}

#[test]
fn a_kept_token_is_never_sent_to_another_origin() {
    // Issue #16 item 4: a token is bound to (recipient, origin). A server at another origin
    // (another port of a loopback test server here; a changed endpoint in real life) gets no
    // bearer until it is given its own, and the first server's token is still the one it gets.
    let (_d, s, h, _) = seeded(3, 0);
    let fake = FakeFhir::new();
    let at = |url: &str| {
        let mut o = options();
        o.server_url = Some(url.to_owned());
        o.allow_insecure_loopback = true;
        o
    };
    let first = "http://127.0.0.1:18081/fhir/R4";
    let other = "http://127.0.0.1:18082/fhir/R4";
    fake.require_token(Some("for-the-first"));
    let mut opts = at(first);
    opts.tokens = Some(Arc::new(Tokens::new("for-the-first", "for-the-first")));
    sync_with(&s, &h, &fake, &opts).unwrap();

    fake.forget_requests();
    let err = sync_with(&s, &h, &fake, &at(other)).unwrap_err();
    assert!(matches!(err, Error::AuthRequired), "{err:?}");
    assert!(
        fake.requests().iter().all(|r| r.bearer.is_none()),
        "the other origin got a bearer: {:?}",
        fake.requests()
    );

    fake.forget_requests();
    sync_with(&s, &h, &fake, &at(first)).unwrap();
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.bearer.as_deref() == Some("for-the-first"))
    );
}

#[test]
fn a_token_the_server_refused_is_never_kept() {
    let (_d, s, h, _) = seeded(30, 0);
    let fake = FakeFhir::new();
    fake.require_token(Some("first"));
    // After the first batch the server wants another token, which the refresh does not give.
    let server = fake.clone();
    fake.during_next(On::Bundle, move || server.require_token(Some("other")));
    let mut opts = options();
    opts.tokens = Some(Arc::new(Tokens::new("first", "refused")));
    let err = sync_with(&s, &h, &fake, &opts).unwrap_err();
    assert!(matches!(err, Error::AuthRequired), "{err:?}");
    // The kept token is the one the server last accepted, not the refused refresh.
    fake.require_token(Some("first"));
    opts.tokens = None;
    fake.forget_requests();
    assert_eq!(sync_with(&s, &h, &fake, &opts).unwrap().pushed, 20);
    assert_eq!(fake.requests()[0].bearer.as_deref(), Some("first"));
}

#[test]
fn a_refreshed_token_is_kept_even_when_a_later_step_fails() {
    let (_d, s, h, _) = seeded(5, 0);
    let fake = FakeFhir::new();
    fake.require_token(Some("fresh"));
    let mut opts = options();
    opts.tokens = Some(Arc::new(Tokens::new("stale", "fresh")));
    // The budget runs out in the pull, after the push went through with the new token.
    opts.max_requests = 3;
    assert!(matches!(
        sync_with(&s, &h, &fake, &opts),
        Err(Error::Offline)
    ));
    assert!(s.pending_outbox(&h).unwrap().is_empty());
    let mut plain = options();
    plain.tokens = None;
    sync_with(&s, &h, &fake, &plain).unwrap();
}

#[test]
fn a_sync_through_random_faults_converges_to_exactly_the_consented_set() {
    let (_d, s, h, ids) = seeded(200, 100);
    let pulses = &ids[..200];
    let fake = FakeFhir::new();
    fake.random_faults(20_261_124, 0.3);
    let mut opts = options();
    opts.max_attempts = 12;
    let until_done = |opts: &phr_core::sync::SyncOptions| {
        for _ in 0..20 {
            if let Ok(r) = sync_with(&s, &h, &fake, opts) {
                return r;
            }
        }
        panic!("no sync got through");
    };
    until_done(&opts);
    let faulted = fake.pauses().len();
    assert!(faulted >= 5, "too few faults injected: {faulted}");

    for id in &pulses[..20] {
        s.update_record(&h, id, observation(ObservationType::Pulse, 123.0, 2))
            .unwrap();
    }
    for id in &pulses[20..40] {
        s.delete_record(&h, id).unwrap();
    }
    for id in &pulses[40..45] {
        s.erase_record(&h, id).unwrap();
    }
    s.withdraw(&h, RECIPIENT, &[DataCategory::Body], &[GUIDANCE])
        .unwrap();
    fake.put(platform_weight(&h, "platform-weight-1", 58.5));
    publish_checkup(&fake, &h);
    publish_immunization(&fake, &h);
    until_done(&opts);
    fake.random_faults(0, 0.0);
    let last = until_done(&opts);
    assert_eq!(
        (last.pushed, last.deleted, last.remaining),
        (0, 0, 0),
        "{last:?}"
    );

    let expected: BTreeSet<String> = pulses[..20]
        .iter()
        .chain(&pulses[45..])
        .cloned()
        .chain(["platform-weight-1".to_owned()])
        .chain((1..=6).map(|n| format!("line-{n}")))
        .collect();
    let held: BTreeSet<String> = fake.ids("Observation").into_iter().collect();
    assert_eq!(held, expected);
    let edited = fake
        .resource(&format!("Observation/{}", pulses[0]))
        .unwrap();
    assert_eq!(edited["valueQuantity"]["value"], 123.0);
    assert!(s.pending_outbox(&h).unwrap().is_empty());
    assert_eq!(of_kind(&s, &h, RecordKind::Checkup).records.len(), 1);
    assert_eq!(of_kind(&s, &h, RecordKind::Immunization).records.len(), 1);
    assert_eq!(of_type(&s, &h, ObservationType::Weight).len(), 100 + 1);
}
