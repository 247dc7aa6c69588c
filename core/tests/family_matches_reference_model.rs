//! Property test: random sequences of persons, grants, revocations, take-overs, expiries and
//! checks, run through the real Session (SQLCipher store); every outcome must equal a small
//! reference model written here independently of the crate's rules. 10,000 cases.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Datelike, NaiveDate};
use phr_core::access::Action;
use phr_core::family::{Grantee, NewDelegation, RepresentativeBasis, Scope};
use phr_core::records::Sex;
use phr_core::{Error, Session};
use proptest::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

const SCOPES: [Scope; 6] = [
    Scope::View,
    Scope::Record,
    Scope::ManageConsent,
    Scope::Share,
    Scope::ManageDelegations,
    Scope::Export,
];
const ACTIONS: [Action; 10] = [
    Action::View,
    Action::Record,
    Action::Erase,
    Action::ViewAudit,
    Action::ManageConsent,
    Action::Share,
    Action::Export,
    Action::ManageDelegations,
    Action::ManagePersons,
    Action::TakeControl,
];
const HALF_DAY: i64 = 43_200;

// ---------- the reference model ----------

#[derive(Clone, Debug)]
struct MDelegation {
    subject: usize,
    grantee: usize,
    granted_by: usize,
    representative: bool,
    parent: bool,
    scopes: u8, // bit i = SCOPES[i]
    from: i64,
    until: Option<i64>,
    revoked: bool,
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Outcome {
    Ok,
    Invalid,
    Denied,
    Missing,
}

struct Model {
    births: Vec<NaiveDate>,
    owner: usize,
    ds: Vec<MDelegation>,
}

/// Days from 1970-01-01 to `d` (proleptic Gregorian), by counting — no date library.
fn days_from_epoch(d: NaiveDate) -> i64 {
    let leap = |y: i32| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut days = 0i64;
    for y in 1970..d.year() {
        days += if leap(y) { 366 } else { 365 };
    }
    let month_len = [
        31,
        if leap(d.year()) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    days += month_len[..d.month0() as usize].iter().sum::<i64>();
    days + i64::from(d.day0())
}

/// Start of the 18th birthday in Japan (UTC+9, no daylight saving); 29 Feb → 1 Mar.
fn adult_at(birth: NaiveDate) -> i64 {
    let y = birth.year() + 18;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let day = if birth.month() == 2 && birth.day() == 29 && !leap {
        NaiveDate::from_ymd_opt(y, 3, 1).unwrap()
    } else {
        NaiveDate::from_ymd_opt(y, birth.month(), birth.day()).unwrap()
    };
    days_from_epoch(day) * 86_400 - 9 * 3600
}

fn needed_bit(a: Action) -> Option<u8> {
    match a {
        Action::View | Action::ViewAudit => Some(0),
        Action::Record | Action::Erase => Some(1),
        Action::ManageConsent => Some(2),
        Action::Share => Some(3),
        Action::ManageDelegations => Some(4),
        // The whole record, ungated: a scope of its own, not implied by share.
        Action::Export => Some(5),
        Action::ManagePersons | Action::TakeControl => None,
    }
}

impl Model {
    fn active(&self, d: &MDelegation, actor: usize, t: i64) -> bool {
        d.grantee == actor
            && !d.revoked
            && d.from <= t
            && d.until.is_none_or(|u| t < u)
            && !(d.parent && t >= adult_at(self.births[d.subject]))
    }

    fn first_with(&self, actor: usize, subject: usize, bit: u8, t: i64) -> Option<usize> {
        (0..self.ds.len()).find(|&i| {
            let d = &self.ds[i];
            d.subject == subject && self.active(d, actor, t) && d.scopes & (1 << bit) != 0
        })
    }

    fn permits(&self, actor: usize, subject: usize, a: Action, t: i64) -> bool {
        match needed_bit(a) {
            // Taking control of a record is its subject's alone.
            None if a == Action::TakeControl => actor == subject,
            None => actor == self.owner,
            Some(_) if actor == subject => true,
            Some(bit) => self.first_with(actor, subject, bit, t).is_some(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn grant(
        &mut self,
        actor: usize,
        subject: usize,
        grantee: usize,
        scopes: u8,
        from: Option<i64>,
        until: Option<i64>,
        basis: Option<usize>,
        now: i64,
    ) -> Outcome {
        let from = from.unwrap_or(now);
        if until.is_some_and(|u| u <= from || u <= now) {
            return Outcome::Invalid;
        }
        if grantee == subject {
            return Outcome::Invalid;
        }
        let (representative, parent, until) = match basis {
            None => {
                if actor == subject {
                    (false, false, until)
                } else {
                    let Some(own) = self.first_with(actor, subject, 4, now) else {
                        return Outcome::Denied;
                    };
                    let held = self
                        .ds
                        .iter()
                        .filter(|d| d.subject == subject && self.active(d, actor, now))
                        .fold(0u8, |m, d| m | d.scopes);
                    if scopes & !held != 0 {
                        return Outcome::Denied;
                    }
                    let o = &self.ds[own];
                    let until = match (until, o.until) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    (o.representative, o.parent, until)
                }
            }
            Some(b) => {
                if actor == subject {
                    return Outcome::Invalid;
                }
                if actor != self.owner && self.first_with(actor, subject, 4, now).is_none() {
                    return Outcome::Denied;
                }
                let parent = b == 0;
                if parent && now >= adult_at(self.births[subject]) {
                    return Outcome::Invalid;
                }
                (true, parent, until)
            }
        };
        self.ds.push(MDelegation {
            subject,
            grantee,
            granted_by: actor,
            representative,
            parent,
            scopes,
            from,
            until,
            revoked: false,
        });
        Outcome::Ok
    }

    fn revoke(&mut self, actor: usize, i: usize) -> Outcome {
        let d = &mut self.ds[i];
        if actor != d.granted_by && actor != d.subject {
            return Outcome::Denied;
        }
        if d.revoked {
            return Outcome::Missing;
        }
        d.revoked = true;
        Outcome::Ok
    }

    fn take_control(&mut self, actor: usize, subject: usize) -> Outcome {
        if actor != subject {
            return Outcome::Denied;
        }
        for d in self
            .ds
            .iter_mut()
            .filter(|d| d.subject == subject && d.representative)
        {
            d.revoked = true;
        }
        Outcome::Ok
    }
}

// ---------- the system under test ----------

#[derive(Clone, Debug)]
enum Op {
    Grant {
        actor: usize,
        subject: usize,
        grantee: usize,
        scopes: u8,
        from: Option<i64>,
        until: Option<i64>,
        basis: Option<usize>,
    },
    Revoke {
        actor: usize,
        which: usize,
    },
    TakeControl {
        actor: usize,
        subject: usize,
    },
    Check {
        actor: usize,
        subject: usize,
        action: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let p = 0usize..4;
    prop_oneof![
        3 => (p.clone(), p.clone(), p.clone(), 1u8..64, prop::option::of(-2i64..3), prop::option::of(-1i64..9), prop::option::of(0usize..3))
            // Offsets in half days, so periods begin and end exactly at the instants checked.
            .prop_map(|(actor, subject, grantee, scopes, from, until, basis)| Op::Grant {
                actor, subject, grantee, scopes, from: from.map(|f| f * HALF_DAY), until: until.map(|u| u * HALF_DAY), basis
            }),
        1 => (p.clone(), 0usize..16).prop_map(|(actor, which)| Op::Revoke { actor, which }),
        1 => (p.clone(), p.clone()).prop_map(|(actor, subject)| Op::TakeControl { actor, subject }),
        5 => (p.clone(), p, 0usize..ACTIONS.len()).prop_map(|(actor, subject, action)| Op::Check { actor, subject, action }),
    ]
}

fn outcome<T>(r: phr_core::Result<T>) -> Outcome {
    match r {
        Ok(_) => Outcome::Ok,
        Err(Error::InvalidInput { .. }) => Outcome::Invalid,
        Err(Error::NotPermitted { .. }) => Outcome::Denied,
        Err(Error::NotFound { .. }) => Outcome::Missing,
        Err(e) => panic!("unexpected error {e:?}"),
    }
}

struct World {
    session: Session,
    owner: String,
    _dir: tempfile::TempDir,
}

fn world() -> &'static Mutex<World> {
    static W: OnceLock<Mutex<World>> = OnceLock::new();
    W.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let session = Session::create(dir.path(), "correct horse", common::kdf()).unwrap();
        let owner = session
            .add_person(
                None,
                common::person("owner", "所有", "者", (1970, 1, 1), Sex::Female),
            )
            .unwrap()
            .id;
        Mutex::new(World {
            session,
            owner,
            _dir: dir,
        })
    })
}

static CASES: AtomicUsize = AtomicUsize::new(0);
static CHECKS: AtomicUsize = AtomicUsize::new(0);

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn authorization_matches_the_reference_model(
        minors in prop::collection::vec(prop::option::of(0i64..4), 3),
        ops in prop::collection::vec(op(), 1..14),
    ) {
        let w = world().lock().unwrap_or_else(|p| p.into_inner());
        let s = &w.session;
        let n = CASES.fetch_add(1, Ordering::SeqCst);
        // Cases start at a Japanese midnight, and ops are half a day apart: checks fall exactly on
        // period ends and on 18th birthdays (which begin at Japanese midnight).
        let t0 = (phr_core::clock::Clock::from_environment().now().timestamp() / 86_400 - 10) * 86_400 - 9 * 3600;
        s.set_clock_for_tests(Some(t0));
        // Persons: the shared owner, then three new ones; a minor turns 18 within the case.
        let today = chrono::DateTime::from_timestamp(t0 + 9 * 3600, 0).unwrap().date_naive();
        let mut births = vec![NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()];
        let mut ids = vec![w.owner.clone()];
        for (i, m) in minors.iter().enumerate() {
            let birth = match m {
                Some(days) => {
                    let d = today + chrono::Duration::days(*days);
                    NaiveDate::from_ymd_opt(d.year() - 18, d.month(), d.day()).unwrap_or(NaiveDate::from_ymd_opt(d.year() - 18, 3, 1).unwrap())
                }
                None => NaiveDate::from_ymd_opt(1960, 6, 15).unwrap(),
            };
            let p = s.add_person(Some(&w.owner), common::person(&format!("p{n}x{i}"), "山田", "某", (birth.year(), birth.month(), birth.day()), Sex::Other)).unwrap();
            births.push(birth);
            ids.push(p.id);
        }
        let mut model = Model { births, owner: 0, ds: vec![] };
        let mut real_ids: Vec<String> = vec![];
        for (k, op) in ops.iter().enumerate() {
            let now = t0 + k as i64 * HALF_DAY;
            s.set_clock_for_tests(Some(now));
            match op.clone() {
                Op::Grant { actor, subject, grantee, scopes, from, until, basis } => {
                    let bases = [RepresentativeBasis::ParentOfMinor, RepresentativeBasis::Guardian, RepresentativeBasis::WrittenConsent];
                    let req = NewDelegation {
                        grantee: Grantee::Person(ids[grantee].clone()),
                        scopes: (0..6).filter(|b| scopes & (1 << b) != 0).map(|b| SCOPES[b]).collect(),
                        valid_from: from.map(|f| now + f),
                        valid_until: until.map(|u| now + u),
                        representative_basis: basis.map(|b| bases[b]),
                        basis_note: None,
                    };
                    let real = s.grant(&ids[actor], &ids[subject], req);
                    let expected = model.grant(actor, subject, grantee, scopes, from.map(|f| now + f), until.map(|u| now + u), basis, now);
                    if let Ok(d) = &real {
                        real_ids.push(d.id.clone());
                        let m = model.ds.last().unwrap();
                        prop_assert_eq!(d.valid_until, m.until, "granted period");
                    }
                    prop_assert_eq!(outcome(real), expected, "op {} {:?}", k, op);
                }
                Op::Revoke { actor, which } => {
                    if which < real_ids.len() {
                        let real = outcome(s.revoke(&ids[actor], &real_ids[which]));
                        prop_assert_eq!(real, model.revoke(actor, which), "op {} {:?}", k, op);
                    }
                }
                Op::TakeControl { actor, subject } => {
                    let real = outcome(s.take_control(&ids[actor], &ids[subject]));
                    prop_assert_eq!(real, model.take_control(actor, subject), "op {} {:?}", k, op);
                }
                Op::Check { actor, subject, action } => {
                    // Every action for this pair, starting from the drawn one.
                    for i in 0..ACTIONS.len() {
                        CHECKS.fetch_add(1, Ordering::Relaxed);
                        let a = ACTIONS[(action + i) % ACTIONS.len()];
                        let real = s.can(&ids[actor], &ids[subject], a).unwrap();
                        prop_assert_eq!(real, model.permits(actor, subject, a, now), "op {} {:?} {:?}", k, op, a);
                    }
                }
            }
        }
        s.set_clock_for_tests(None);
    }
}

#[test]
fn the_model_knows_when_japanese_minors_come_of_age() {
    // Cross-check the model's own calendar against a date library once.
    for (y, m, d) in [(2008, 4, 2), (2008, 2, 29), (2000, 12, 31), (1990, 1, 1)] {
        let birth = NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            adult_at(birth),
            phr_core::family::adulthood_starts(birth),
            "{birth}"
        );
    }
}
