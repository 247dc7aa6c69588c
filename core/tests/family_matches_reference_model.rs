//! Property test: random sequences of grants (plain, representative, passed on), revocations,
//! take-overs, expiries, coming of age and checks, run through the real Session (SQLCipher
//! store); every outcome must equal a reference model written here from the rules' statement
//! (docs/FAMILY.md), not from the crate's code:
//!
//! 1. A person may do anything on their own record but manage the device (the owner's) and
//!    take control of another's record (nobody's).
//! 2. Anyone else acts through a grant to them on that record that is in force (not revoked,
//!    begun, not ended; a parent's grant, and every grant made from it, ends at the subject's
//!    18th birthday) and carries the action's scope.
//! 3. A grant is made by the subject (no basis), by the device owner as the first
//!    representative of a managed person (a basis and its evidence; a parent's only for a
//!    minor), or through a grant in force carrying `manage_delegations`: then it carries no scope
//!    the maker holds nowhere, begins no earlier and ends no later than that grant, and keeps
//!    its basis. Nothing else can make a grant: no escalation.
//! 4. A grant is revoked by its maker, its subject, or the holder of a grant in force with
//!    `manage_delegations` it was (indirectly) made from; revoking it revokes all made from it.
//! 5. Taking control of one's record ends every representative grant on it.
//!
//! `PHR_FAMILY_CASES` sets the case count (2,000 by default, what CI runs; docs/PERFORMANCE.md
//! records a 100,000-case run).

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

const SCOPES: [Scope; 5] = [
    Scope::View,
    Scope::Record,
    Scope::ManageConsent,
    Scope::Share,
    Scope::ManageDelegations,
];
const MANAGE: u8 = 1 << 4;
const ACTIONS: [Action; 10] = [
    Action::View,
    Action::Record,
    Action::Erase,
    Action::ViewAudit,
    Action::ManageConsent,
    Action::Share,
    Action::ManageDelegations,
    Action::ManagePersons,
    Action::ManageStore,
    Action::TakeControl,
];
const BASES: [RepresentativeBasis; 3] = [
    RepresentativeBasis::ParentOfMinor,
    RepresentativeBasis::Guardian,
    RepresentativeBasis::WrittenConsent,
];
const HALF_DAY: i64 = 43_200;

// ---------- the reference model ----------

#[derive(Clone, Debug)]
struct MGrant {
    subject: usize,
    grantee: usize,
    maker: usize,
    /// Index into BASES; None for the subject's own grants (and those made from them).
    basis: Option<usize>,
    parent: Option<usize>,
    scopes: u8,
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
    members: Vec<bool>,
    owner: usize,
    gs: Vec<MGrant>,
}

/// Days from 1970-01-01 to `d` (proleptic Gregorian), by counting — no date library.
fn days_from_epoch(d: NaiveDate) -> i64 {
    let leap = |y: i32| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut days = 0i64;
    for y in 1970..d.year() {
        days += if leap(y) { 366 } else { 365 };
    }
    let feb = if leap(d.year()) { 29 } else { 28 };
    let month_len = [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
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

/// The scope bit an action needs from a grant; None when no grant can give it.
fn needed_bit(a: Action) -> Option<u8> {
    match a {
        Action::View | Action::ViewAudit => Some(0),
        Action::Record | Action::Erase => Some(1),
        Action::ManageConsent => Some(2),
        Action::Share => Some(3),
        Action::ManageDelegations => Some(4),
        Action::ManagePersons | Action::ManageStore | Action::TakeControl => None,
    }
}

impl Model {
    /// Rule 2: in force for `who` at `t`.
    fn in_force(&self, g: &MGrant, who: usize, t: i64) -> bool {
        let ends_at_18 = g.basis == Some(0);
        g.grantee == who
            && !g.revoked
            && g.from <= t
            && g.until.is_none_or(|u| t < u)
            && !(ends_at_18 && t >= adult_at(self.births[g.subject]))
    }

    fn first_with(&self, who: usize, subject: usize, bits: u8, t: i64) -> Option<usize> {
        (0..self.gs.len()).find(|&i| {
            let g = &self.gs[i];
            g.subject == subject && self.in_force(g, who, t) && g.scopes & bits == bits
        })
    }

    /// Rules 1 and 2.
    fn permits(&self, who: usize, subject: usize, a: Action, t: i64) -> bool {
        match (a, needed_bit(a)) {
            (Action::TakeControl, _) => who == subject,
            (_, None) => who == self.owner,
            (_, Some(_)) if who == subject => true,
            (_, Some(bit)) => self.first_with(who, subject, 1 << bit, t).is_some(),
        }
    }

    /// Rule 3.
    #[allow(clippy::too_many_arguments)]
    fn grant(
        &mut self,
        maker: usize,
        subject: usize,
        grantee: usize,
        scopes: u8,
        (from, until): (Option<i64>, Option<i64>),
        basis: Option<usize>,
        evidence: bool,
        now: i64,
    ) -> Outcome {
        let from = from.unwrap_or(now);
        if until.is_some_and(|u| u <= from || u <= now) || grantee == subject {
            return Outcome::Invalid;
        }
        let through = self.first_with(maker, subject, MANAGE, now);
        let (basis, parent, until) = if maker == subject {
            if basis.is_some() {
                return Outcome::Invalid;
            }
            (None, None, until)
        } else if basis.is_some() && maker == self.owner && through.is_none() {
            // Only a managed person is represented; the basis has its evidence; a parent's
            // only for a minor.
            if self.members[subject]
                || !evidence
                || (basis == Some(0) && now >= adult_at(self.births[subject]))
            {
                return Outcome::Invalid;
            }
            (basis, None, until)
        } else {
            let Some(p) = through else {
                return Outcome::Denied;
            };
            let pg = self.gs[p].clone();
            if basis.is_some() && basis != pg.basis {
                return Outcome::Invalid;
            }
            let held = self
                .gs
                .iter()
                .filter(|g| g.subject == subject && self.in_force(g, maker, now))
                .fold(0u8, |m, g| m | g.scopes);
            if scopes & !held != 0 || from < pg.from {
                return Outcome::Denied;
            }
            let mut end = match (until, pg.until) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if pg.basis == Some(0) {
                let adult = adult_at(self.births[subject]);
                end = Some(end.map_or(adult, |e| e.min(adult)));
            }
            if end.is_some_and(|e| e <= from) {
                return Outcome::Denied;
            }
            (pg.basis, Some(p), end)
        };
        self.gs.push(MGrant {
            subject,
            grantee,
            maker,
            basis,
            parent,
            scopes,
            from,
            until,
            revoked: false,
        });
        Outcome::Ok
    }

    /// Rule 4.
    fn revoke(&mut self, who: usize, i: usize, now: i64) -> Outcome {
        let g = self.gs[i].clone();
        let mut above = vec![];
        let mut next = g.parent;
        while let Some(p) = next {
            above.push(p);
            next = self.gs[p].parent;
        }
        let manages = above
            .iter()
            .any(|&p| self.in_force(&self.gs[p], who, now) && self.gs[p].scopes & MANAGE != 0);
        if who != g.maker && who != g.subject && !manages {
            return Outcome::Denied;
        }
        if g.revoked {
            return Outcome::Missing;
        }
        // Everything made from it, however deep.
        let mut gone = vec![i];
        let mut k = 0;
        while k < gone.len() {
            let cur = gone[k];
            for (j, c) in self.gs.iter().enumerate() {
                if c.parent == Some(cur) && !gone.contains(&j) {
                    gone.push(j);
                }
            }
            k += 1;
        }
        for j in gone {
            self.gs[j].revoked = true;
        }
        Outcome::Ok
    }

    /// Rule 5.
    fn take_control(&mut self, who: usize, subject: usize) -> Outcome {
        if who != subject {
            return Outcome::Denied;
        }
        for g in self
            .gs
            .iter_mut()
            .filter(|g| g.subject == subject && g.basis.is_some())
        {
            g.revoked = true;
        }
        Outcome::Ok
    }
}

// ---------- the system under test ----------

#[derive(Clone, Debug)]
enum Op {
    Grant {
        maker: usize,
        subject: usize,
        grantee: usize,
        scopes: u8,
        from: Option<i64>,
        until: Option<i64>,
        basis: Option<usize>,
        evidence: bool,
    },
    Revoke {
        who: usize,
        which: usize,
    },
    TakeControl {
        who: usize,
        subject: usize,
    },
    Check {
        who: usize,
        subject: usize,
        action: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let p = 0usize..4;
    prop_oneof![
        4 => (p.clone(), p.clone(), p.clone(), 1u8..32, prop::option::of(-2i64..3), prop::option::of(-1i64..9), prop::option::of(0usize..3), any::<bool>())
            // Offsets in half days, so periods begin and end exactly at the instants checked.
            .prop_map(|(maker, subject, grantee, scopes, from, until, basis, evidence)| Op::Grant {
                maker, subject, grantee, scopes, from: from.map(|f| f * HALF_DAY), until: until.map(|u| u * HALF_DAY), basis, evidence
            }),
        1 => (p.clone(), 0usize..16).prop_map(|(who, which)| Op::Revoke { who, which }),
        1 => (p.clone(), p.clone()).prop_map(|(who, subject)| Op::TakeControl { who, subject }),
        5 => (p.clone(), p, 0usize..ACTIONS.len()).prop_map(|(who, subject, action)| Op::Check { who, subject, action }),
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
        let session = Session::create(dir.path(), "correct horse battery", common::kdf()).unwrap();
        let owner = session
            .add_person(common::person(
                "owner",
                "所有",
                "者",
                (1970, 1, 1),
                Sex::Female,
            ))
            .unwrap()
            .id;
        Mutex::new(World {
            session,
            owner,
            _dir: dir,
        })
    })
}

fn cases() -> u32 {
    std::env::var("PHR_FAMILY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

static CASES: AtomicUsize = AtomicUsize::new(0);

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn authorization_matches_the_reference_model(
        people in prop::collection::vec((prop::option::of(0i64..4), any::<bool>()), 3),
        ops in prop::collection::vec(op(), 1..16),
    ) {
        let w = world().lock().unwrap_or_else(|p| p.into_inner());
        let s = &w.session;
        let n = CASES.fetch_add(1, Ordering::SeqCst);
        // Cases start at a Japanese midnight, and ops are half a day apart: checks fall exactly on
        // period ends and on 18th birthdays (which begin at Japanese midnight).
        let t0 = (phr_core::clock::Clock::from_environment().now().timestamp() / 86_400 - 10) * 86_400 - 9 * 3600;
        s.set_clock_for_tests(Some(t0));
        // Persons: the shared owner, then three new ones (members or managed); a minor turns 18
        // within the case.
        let today = chrono::DateTime::from_timestamp(t0 + 9 * 3600, 0).unwrap().date_naive();
        let mut births = vec![NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()];
        let mut members = vec![true];
        let mut ids = vec![w.owner.clone()];
        for (i, (minor, member)) in people.iter().enumerate() {
            let birth = match minor {
                Some(days) => {
                    let d = today + chrono::Duration::days(*days);
                    NaiveDate::from_ymd_opt(d.year() - 18, d.month(), d.day()).unwrap_or(NaiveDate::from_ymd_opt(d.year() - 18, 3, 1).unwrap())
                }
                None => NaiveDate::from_ymd_opt(1960, 6, 15).unwrap(),
            };
            let p = s.add_person(common::person(&format!("p{n}x{i}"), "山田", "某", (birth.year(), birth.month(), birth.day()), Sex::Other)).unwrap();
            if *member {
                // Membership is a keyring credential; its database mark is all the rules read.
                phr_core::store::testing::session_raw_sql(s, &format!("INSERT INTO member (person_id) VALUES ('{}')", p.id)).unwrap();
            }
            births.push(birth);
            members.push(*member);
            ids.push(p.id);
        }
        let mut model = Model { births, members, owner: 0, gs: vec![] };
        let mut real_ids: Vec<String> = vec![];
        for (k, op) in ops.iter().enumerate() {
            let now = t0 + k as i64 * HALF_DAY;
            s.set_clock_for_tests(Some(now));
            match op.clone() {
                Op::Grant { maker, subject, grantee, scopes, from, until, basis, evidence } => {
                    let req = NewDelegation {
                        grantee: Grantee::Person(ids[grantee].clone()),
                        scopes: (0..5).filter(|b| scopes & (1 << b) != 0).map(|b| SCOPES[b]).collect(),
                        valid_from: from.map(|f| now + f),
                        valid_until: until.map(|u| now + u),
                        representative_basis: basis.map(|b| BASES[b]),
                        basis_note: evidence.then(|| "家庭裁判所 令和8年(家)第123号".to_owned()),
                    };
                    let real = s.as_person(&ids[maker]).grant(&ids[subject], req);
                    let expected = model.grant(maker, subject, grantee, scopes, (from.map(|f| now + f), until.map(|u| now + u)), basis, evidence, now);
                    if let Ok(d) = &real {
                        real_ids.push(d.id.clone());
                        let m = model.gs.last().unwrap();
                        prop_assert_eq!(d.valid_until, m.until, "granted period");
                        prop_assert_eq!(d.parent.is_some(), m.parent.is_some(), "parent link");
                    }
                    prop_assert_eq!(outcome(real), expected, "op {} {:?}", k, op);
                }
                Op::Revoke { who, which } => {
                    if which < real_ids.len() {
                        let real = outcome(s.as_person(&ids[who]).revoke(&real_ids[which]));
                        prop_assert_eq!(real, model.revoke(who, which, now), "op {} {:?}", k, op);
                    }
                }
                Op::TakeControl { who, subject } => {
                    let real = outcome(s.as_person(&ids[who]).take_control(&ids[subject]));
                    prop_assert_eq!(real, model.take_control(who, subject), "op {} {:?}", k, op);
                }
                Op::Check { who, subject, action } => {
                    // Every action for this pair, starting from the drawn one.
                    let acting = s.as_person(&ids[who]);
                    for i in 0..ACTIONS.len() {
                        let a = ACTIONS[(action + i) % ACTIONS.len()];
                        let real = acting.can(&ids[subject], a).unwrap();
                        prop_assert_eq!(real, model.permits(who, subject, a, now), "op {} {:?} {:?}", k, op, a);
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
