//! The operator profile kept in the store, one row per version (GUIDELINE.md S-05, S-09): a
//! front end installs the profile once and every later session uses it. Installing a version
//! whose purposes, recipients or notice changed marks the permits it affects "needs
//! re-consent": the gate withholds what they cover until the resident decides again, and the
//! resident is shown what changed ([`pending_reconsent`]).

use super::directive::{ConsentDirective, Effect};
use super::profile::{OperatorProfile, sha256_hex};
use super::repo;
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::collections::BTreeMap;

/// A profile as installed: its version in this store.
#[derive(Debug, Clone, PartialEq)]
pub struct InstalledProfile {
    pub version: i64,
    pub profile: OperatorProfile,
}

/// A permit the resident is asked to decide again, with what changed since.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconsent {
    pub directive_id: String,
    pub recipient: String,
    pub purposes: Vec<String>,
    pub categories: Vec<super::DataCategory>,
    /// The profile version that asked for it.
    pub profile_version: i64,
    /// What changed, as codes a UI words: `notice`, `purpose.<code>.<field>`,
    /// `recipient.<id>.<field>` (`removed` for a purpose or recipient no longer offered).
    pub changes: Vec<String>,
}

fn corrupt() -> Error {
    Error::CorruptStore {
        reason: "a stored operator profile is unreadable",
    }
}

/// The profile in force: the newest version installed, if any.
pub(crate) fn latest(conn: &Connection) -> Result<Option<InstalledProfile>> {
    let row: Option<(i64, String)> = conn
        .prepare_cached("SELECT version, json FROM operator_profile ORDER BY version DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((version, json)) = row else {
        return Ok(None);
    };
    let profile = OperatorProfile::from_json(&json).map_err(|_| corrupt())?;
    Ok(Some(InstalledProfile { version, profile }))
}

/// Install `profile` (validated by the caller) as the profile in force. The same profile as the
/// newest one installed is not a new version. A new version marks the permits it affects.
pub(crate) fn install(
    conn: &Connection,
    profile: &OperatorProfile,
    now_utc: i64,
) -> Result<InstalledProfile> {
    let json = serde_json::to_string(profile)
        .map_err(|_| Error::invalid("operator_profile", "unwritable"))?;
    let digest = sha256_hex(json.as_bytes());
    let previous = latest(conn)?;
    if let Some(p) = &previous {
        let stored: String = conn.query_row(
            "SELECT digest FROM operator_profile WHERE version = ?1",
            [p.version],
            |r| r.get(0),
        )?;
        if stored == digest {
            return Ok(p.clone());
        }
    }
    let version = previous.as_ref().map_or(1, |p| p.version + 1);
    conn.execute(
        "INSERT INTO operator_profile (version, json, digest, installed_utc)
         VALUES (?1, ?2, ?3, ?4)",
        params![version, json, digest, now_utc],
    )?;
    if let Some(old) = previous {
        mark_affected(conn, &Changes::between(&old.profile, profile), version)?;
    }
    Ok(InstalledProfile {
        version,
        profile: profile.clone(),
    })
}

/// What a new version changed that a resident consented to.
#[derive(Debug, Default)]
struct Changes {
    notice: bool,
    /// Purpose code → the fields that changed (`removed` when the purpose is gone).
    purposes: BTreeMap<String, Vec<&'static str>>,
    /// Recipient id → the fields that changed (`removed` when the recipient is gone).
    recipients: BTreeMap<String, Vec<&'static str>>,
}

impl Changes {
    fn between(old: &OperatorProfile, new: &OperatorProfile) -> Changes {
        let mut c = Changes::default();
        let notice = |p: &OperatorProfile| {
            p.current_notice()
                .map(|n| (n.id.clone(), n.digest.clone()))
                .ok()
        };
        c.notice = notice(old) != notice(new);
        for p in &old.purposes {
            let fields: Vec<&'static str> = match new.purpose(&p.code) {
                None => vec!["removed"],
                Some(n) => [
                    ("label_ja", p.label_ja != n.label_ja),
                    ("label_en", p.label_en != n.label_en),
                    ("nature", p.nature != n.nature),
                    ("statutory_basis", p.statutory_basis != n.statutory_basis),
                    ("recipients", p.recipients != n.recipients),
                    ("categories", p.categories != n.categories),
                    ("demographics", p.demographics != n.demographics),
                ]
                .into_iter()
                .filter(|(_, changed)| *changed)
                .map(|(f, _)| f)
                .collect(),
            };
            if !fields.is_empty() {
                c.purposes.insert(p.code.clone(), fields);
            }
        }
        for r in &old.recipients {
            // The endpoint is where the recipient's server lives, not whom the resident chose.
            let fields: Vec<&'static str> = match new.recipient(&r.id) {
                None => vec!["removed"],
                Some(n) => [
                    ("name", r.name != n.name),
                    ("kind", r.kind != n.kind),
                    ("on_withdrawal", r.on_withdrawal != n.on_withdrawal),
                    ("abroad", r.abroad != n.abroad),
                ]
                .into_iter()
                .filter(|(_, changed)| *changed)
                .map(|(f, _)| f)
                .collect(),
            };
            if !fields.is_empty() {
                c.recipients.insert(r.id.clone(), fields);
            }
        }
        c
    }

    /// The codes of what changed for `d`, empty if it is not affected.
    fn of(&self, d: &ConsentDirective) -> Vec<String> {
        let mut out = vec![];
        if self.notice {
            out.push("notice".to_owned());
        }
        for p in &d.purposes {
            for f in self.purposes.get(p).into_iter().flatten() {
                out.push(format!("purpose.{p}.{f}"));
            }
        }
        for f in self.recipients.get(&d.recipient).into_iter().flatten() {
            out.push(format!("recipient.{}.{f}", d.recipient));
        }
        out
    }
}

/// Mark every permit the changes affect (and not marked yet) as needing re-consent.
fn mark_affected(conn: &Connection, changes: &Changes, version: i64) -> Result<()> {
    let subjects: Vec<String> = conn
        .prepare("SELECT DISTINCT subject_id FROM consent_directive")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for subject in subjects {
        for d in repo::all_for(conn, &subject)? {
            if d.effect != Effect::Permit || d.needs_reconsent {
                continue;
            }
            let codes = changes.of(&d);
            if codes.is_empty() {
                continue;
            }
            conn.execute(
                "INSERT INTO consent_reconsent (directive_id, profile_version, changes)
                 VALUES (?1, ?2, ?3)",
                params![d.id, version, codes.join(" ")],
            )?;
        }
    }
    Ok(())
}

/// The permits of `subject` waiting for a new decision that still decide something the profile
/// offers (now, or from their start), with what changed.
pub(crate) fn pending_reconsent(
    conn: &Connection,
    profile: &OperatorProfile,
    subject: &str,
    now_utc: i64,
) -> Result<Vec<Reconsent>> {
    let history = repo::all_for(conn, subject)?;
    let mut stmt = conn.prepare_cached(
        "SELECT profile_version, changes FROM consent_reconsent WHERE directive_id = ?1",
    )?;
    let mut out = vec![];
    for d in history.iter().filter(|d| d.needs_reconsent) {
        if !still_decides(profile, d, &history, now_utc) {
            continue;
        }
        let (profile_version, changes): (i64, String) =
            stmt.query_row([&d.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        out.push(Reconsent {
            directive_id: d.id.clone(),
            recipient: d.recipient.clone(),
            purposes: d.purposes.clone(),
            categories: d.categories.clone(),
            profile_version,
            changes: changes.split_whitespace().map(str::to_owned).collect(),
        });
    }
    Ok(out)
}

/// Whether `d` decides, now or from its start, a cell the profile still offers.
fn still_decides(
    profile: &OperatorProfile,
    d: &ConsentDirective,
    history: &[ConsentDirective],
    now_utc: i64,
) -> bool {
    if d.valid_until.is_some_and(|u| u.utc_seconds <= now_utc) {
        return false;
    }
    let at = now_utc.max(d.valid_from.utc_seconds);
    d.categories.iter().any(|c| {
        d.purposes.iter().any(|p| {
            super::gate::offered(profile, &d.recipient, *c, p)
                && super::decide::deciding(history, &d.subject_id, &d.recipient, *c, p, at)
                    .is_some_and(|x| x.id == d.id)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::samples;

    #[test]
    fn the_changes_a_resident_consented_to_are_named_and_endpoints_are_not_among_them() {
        let old = samples::municipality();
        let mut new = old.clone();
        assert!(Changes::between(&old, &new).purposes.is_empty());
        new.purposes[0].label_ja.push_str("（改定）");
        new.purposes[1].categories.pop();
        new.recipients[0].fhir_endpoint = Some("https://elsewhere.example.jp/r4".into());
        new.recipients[1].name.push_str("（新）");
        new.purposes.remove(3);
        let c = Changes::between(&old, &new);
        assert!(!c.notice);
        assert_eq!(c.purposes[&old.purposes[0].code], ["label_ja"]);
        assert_eq!(c.purposes[&old.purposes[1].code], ["categories"]);
        assert_eq!(c.purposes[&old.purposes[3].code], ["removed"]);
        assert!(!c.recipients.contains_key(&old.recipients[0].id));
        assert_eq!(c.recipients[&old.recipients[1].id], ["name"]);
    }
}
