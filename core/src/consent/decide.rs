//! The decision rule, as a pure function over a list of directives:
//!
//! a directive *applies* to (subject, recipient, category, purpose) at instant `t` when it names
//! them all and `valid_from <= t < valid_until`; among the applicable directives the newest
//! (latest `decided_at`, then highest `seq`, then latest in the list) decides; none applies:
//! deny. A deciding permit that a newer operator profile marked "needs re-consent" permits
//! nothing until the resident decides again (GUIDELINE.md S-09). The store and the release gate
//! use exactly this function.

use super::category::DataCategory;
use super::directive::{ConsentDirective, Effect};

/// The directive that decides, if any applies.
pub fn deciding<'a>(
    directives: &'a [ConsentDirective],
    subject: &str,
    recipient: &str,
    category: DataCategory,
    purpose: &str,
    at_utc: i64,
) -> Option<&'a ConsentDirective> {
    directives
        .iter()
        .enumerate()
        .filter(|(_, d)| {
            d.subject_id == subject
                && d.covers(recipient, category, purpose)
                && d.in_force_at(at_utc)
        })
        .max_by_key(|(i, d)| (d.decided_at.utc_seconds, d.seq, *i))
        .map(|(_, d)| d)
}

/// Default deny: permitted only if the deciding directive permits and does not wait for the
/// resident to decide again.
pub fn is_permitted(
    directives: &[ConsentDirective],
    subject: &str,
    recipient: &str,
    category: DataCategory,
    purpose: &str,
    at_utc: i64,
) -> bool {
    deciding(directives, subject, recipient, category, purpose, at_utc)
        .is_some_and(|d| d.effect == Effect::Permit && !d.needs_reconsent)
}

/// Whether the deciding directive is a permit waiting for the resident to decide again: what
/// it covers is held back, neither sent nor withdrawn.
pub fn awaits_reconsent(
    directives: &[ConsentDirective],
    subject: &str,
    recipient: &str,
    category: DataCategory,
    purpose: &str,
    at_utc: i64,
) -> bool {
    deciding(directives, subject, recipient, category, purpose, at_utc)
        .is_some_and(|d| d.effect == Effect::Permit && d.needs_reconsent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Stamp;

    fn st(s: i64) -> Stamp {
        Stamp {
            utc_seconds: s,
            offset_seconds: 0,
        }
    }

    fn d(seq: i64, effect: Effect, from: i64, until: Option<i64>) -> ConsentDirective {
        ConsentDirective {
            id: format!("d{seq}"),
            seq,
            subject_id: "s".into(),
            recipient: "r".into(),
            categories: vec![DataCategory::Checkup],
            purposes: vec!["p".into()],
            effect,
            valid_from: st(from),
            valid_until: until.map(st),
            decided_at: st(seq * 10),
            decided_by: "s".into(),
            delegation: None,
            notice_version: "v1".into(),
            needs_reconsent: false,
        }
    }

    const C: DataCategory = DataCategory::Checkup;

    #[test]
    fn nothing_is_permitted_without_a_directive() {
        assert!(!is_permitted(&[], "s", "r", C, "p", 0));
    }

    #[test]
    fn the_newest_applicable_directive_wins() {
        let ds = [d(1, Effect::Permit, 0, None), d(2, Effect::Deny, 0, None)];
        assert!(!is_permitted(&ds, "s", "r", C, "p", 100));
        let ds = [d(1, Effect::Deny, 0, None), d(2, Effect::Permit, 0, None)];
        assert!(is_permitted(&ds, "s", "r", C, "p", 100));
    }

    #[test]
    fn expiry_is_honoured_at_query_time_and_an_older_directive_applies_again() {
        let ds = [
            d(1, Effect::Permit, 0, None),
            d(2, Effect::Deny, 0, Some(50)),
        ];
        assert!(!is_permitted(&ds, "s", "r", C, "p", 49));
        assert!(is_permitted(&ds, "s", "r", C, "p", 50));
        let ds = [d(1, Effect::Permit, 10, Some(20))];
        assert!(!is_permitted(&ds, "s", "r", C, "p", 9));
        assert!(is_permitted(&ds, "s", "r", C, "p", 10));
        assert!(!is_permitted(&ds, "s", "r", C, "p", 20));
    }

    #[test]
    fn other_subjects_recipients_categories_and_purposes_are_not_covered() {
        let ds = [d(1, Effect::Permit, 0, None)];
        assert!(!is_permitted(&ds, "x", "r", C, "p", 1));
        assert!(!is_permitted(&ds, "s", "x", C, "p", 1));
        assert!(!is_permitted(&ds, "s", "r", DataCategory::Vitals, "p", 1));
        assert!(!is_permitted(&ds, "s", "r", C, "x", 1));
    }

    #[test]
    fn a_permit_waiting_for_reconsent_permits_nothing_and_a_newer_decision_ends_the_wait() {
        let mut flagged = d(1, Effect::Permit, 0, None);
        flagged.needs_reconsent = true;
        let ds = [d(0, Effect::Permit, 0, None), flagged.clone()];
        assert!(!is_permitted(&ds, "s", "r", C, "p", 100));
        assert!(awaits_reconsent(&ds, "s", "r", C, "p", 100));
        let ds = [flagged, d(2, Effect::Permit, 0, None)];
        assert!(is_permitted(&ds, "s", "r", C, "p", 100));
        assert!(!awaits_reconsent(&ds, "s", "r", C, "p", 100));
    }
}
