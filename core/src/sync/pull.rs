//! Pulling what a recipient's server holds for the subject, through the FHIR importer.

use super::importer::{self, PULLED, PageEntry, Searched, missing_results, page_entries};
use super::resources::{ORIGIN_SYSTEM, patient_address};
use super::{Pulled, Run, SyncPhase, SyncReport, provenance_of, state};
use crate::error::{Error, Result};
use rusqlite::Connection;
use std::collections::{HashMap, HashSet};

/// Servers may cap `_count` lower; the loop does not rely on getting PAGE entries.
const PAGE: usize = 500;
/// Pages per type and call: no loop is unbounded.
const MAX_PAGES: usize = 400;

/// The search for one page of `kind` after `cursor`, leaving out this store's own copies.
fn search_path(kind: &Searched, patient: &str, origin: &str, cursor: Option<&str>) -> String {
    let mut path = format!(
        "{}?{}={patient}&_sort=_lastUpdated&_count={PAGE}",
        kind.rtype, kind.patient_param
    );
    // Our own copies are left out by the server (`_tag:not`); the pull also skips every
    // address we pushed, for a server that ignores the modifier.
    path.push_str(&format!("&_tag:not={ORIGIN_SYSTEM}%7C{origin}"));
    if let Some(include) = kind.include {
        path.push_str(&format!("&_include={include}"));
    }
    if let Some(c) = cursor {
        path.push_str(&format!("&_lastUpdated=ge{c}"));
    }
    path
}

/// The server versions of `entries` already imported from `recipient`, in one read.
fn imported_versions<'e>(
    conn: &Connection,
    recipient: &str,
    entries: &'e [PageEntry<'_>],
) -> Result<HashMap<&'e str, String>> {
    let mut m = HashMap::new();
    for e in entries {
        if let Some(v) = state::imported_version(conn, recipient, &e.address)? {
            m.insert(e.address.as_str(), v);
        }
    }
    Ok(m)
}

/// What a page brings: the newest `lastUpdated` of its matches, how many of them were not
/// seen before in this call, and the entries to import.
struct Sorted<'p, 'e> {
    newest: Option<String>,
    fresh: usize,
    take: Vec<&'p PageEntry<'e>>,
}

/// Whether `resource` is about the subject: its `subject` (or, for the types that name it so,
/// `patient`) is the subject's Patient at this server, `Patient/<id>` or that under the
/// server's origin. A server's answer to a search is not taken on trust.
fn about_subject(resource: &serde_json::Value, patient: &str, server_origin: &str) -> bool {
    let field = match resource["resourceType"].as_str() {
        Some("Immunization" | "AllergyIntolerance") => "patient",
        _ => "subject",
    };
    match resource[field]["reference"].as_str() {
        Some(r) if r == patient => true,
        Some(r) => r
            .strip_suffix(patient)
            .and_then(|base| base.strip_suffix('/'))
            .is_some_and(|base| {
                base == server_origin || base.starts_with(&format!("{server_origin}/"))
            }),
        None => false,
    }
}

/// Who the pulled resources must be about, and what of them is known already.
struct Filter<'a> {
    /// `Patient/<id>` of the subject.
    patient: &'a str,
    /// `scheme://host[:port]` of the server (an absolute reference must be under it).
    server_origin: &'a str,
    /// Addresses this store pushed.
    ours: &'a HashSet<String>,
}

/// Sort a page: entries already seen in this call are dropped (the page boundary repeats what
/// `ge` already gave); our own copies and versions already imported are counted as skipped;
/// resources about anyone but the subject are refused.
fn sort_page<'p, 'e>(
    entries: &'p [PageEntry<'e>],
    cursor: Option<&str>,
    seen: &mut HashSet<String>,
    filter: &Filter<'_>,
    known: &HashMap<&str, String>,
    report: &mut SyncReport,
) -> Sorted<'p, 'e> {
    let mut out = Sorted {
        newest: cursor.map(str::to_owned),
        fresh: 0,
        take: vec![],
    };
    for e in entries {
        if !e.included
            && let Some(u) = e.last_updated
            && out.newest.as_deref().is_none_or(|n| u > n)
        {
            out.newest = Some(u.to_owned());
        }
        if !seen.insert(e.address.clone()) {
            continue;
        }
        out.fresh += usize::from(!e.included);
        report.pulled += 1;
        let imported = known.get(e.address.as_str()) == Some(&e.version);
        if filter.ours.contains(&e.address) || imported {
            report.skipped += 1;
            continue;
        }
        if !about_subject(e.resource, filter.patient, filter.server_origin) {
            report.foreign += 1;
            continue;
        }
        out.take.push(e);
    }
    out
}

impl Run<'_, '_> {
    /// Read what the server holds for the subject since each type's cursor and import what is
    /// new through the FHIR importer (skipping our own copies and versions already imported).
    pub(super) fn pull(&mut self) -> Result<()> {
        let recipient = self.recipient().to_owned();
        let ours: HashSet<String> = self
            .job
            .store
            .read(|c| state::all_addresses(c, &recipient))?
            .into_iter()
            .collect();
        let updatable: HashSet<String> = self
            .job
            .store
            .read(|c| state::imported_records(c, &recipient))?;
        let origin = self.origin()?;
        let patient = patient_address(self.job.person);
        let filter = Filter {
            patient: &patient,
            server_origin: self.job.origin,
            ours: &ours,
        };
        let mut seen: HashSet<String> = HashSet::new();
        for kind in PULLED {
            self.pull_kind(kind, &origin, &filter, &updatable, &mut seen)?;
        }
        Ok(())
    }

    /// The pages of one type, from its cursor on. Paging is by `_lastUpdated=ge` (Medplum has
    /// no next links): it stops when a page brings nothing new or the cursor cannot move.
    fn pull_kind(
        &mut self,
        kind: &Searched,
        origin: &str,
        filter: &Filter<'_>,
        updatable: &HashSet<String>,
        seen: &mut HashSet<String>,
    ) -> Result<()> {
        let (store, recipient) = (self.job.store, self.job.recipient.id.as_str());
        let subject = self.job.person.id.as_str();
        let mut cursor = store.read(|c| state::cursor(c, subject, recipient, kind.rtype))?;
        for _ in 0..MAX_PAGES {
            let path = search_path(kind, filter.patient, origin, cursor.as_deref());
            let page = self.client.get(&path)?;
            let mut entries = page_entries(&page);
            // A report's results must reach the importer in the same Bundle as the report.
            let fetched = match kind.include {
                Some(_) => self.fetch_by_id("Observation", &missing_results(&entries))?,
                None => vec![],
            };
            for f in &fetched {
                entries.extend(page_entries(f).into_iter().map(|mut e| {
                    e.included = true;
                    e
                }));
            }
            let known = store.read(|c| imported_versions(c, recipient, &entries))?;
            let report = &mut self.report;
            let page = sort_page(&entries, cursor.as_deref(), seen, filter, &known, report);
            if !page.take.is_empty() {
                self.import_pulled(&page.take, updatable)?;
            }
            if let Some(n) = &page.newest {
                store.write_as(self.job.actor, |w| {
                    state::set_cursor(w.tx, subject, recipient, kind.rtype, n)
                })?;
            }
            let pulled = self.report.pulled;
            self.job.progress.progress(SyncPhase::Pull, pulled, pulled);
            if page.fresh == 0 || entries.is_empty() || page.newest == cursor {
                break;
            }
            cursor = page.newest;
        }
        Ok(())
    }

    /// Search pages holding the resources of `rtype` with these ids, 100 ids per request.
    fn fetch_by_id(&mut self, rtype: &str, ids: &[String]) -> Result<Vec<serde_json::Value>> {
        ids.chunks(100)
            .map(|chunk| {
                let path = format!("{rtype}?_id={}&_count=100", chunk.join(","));
                self.client.get(&path)
            })
            .collect()
    }

    /// Import pulled resources as one Bundle (one transaction), then remember each server
    /// version imported. A Bundle the importer refuses is retried resource by resource, so one
    /// resource it cannot take never blocks the others; that one is counted as skipped and
    /// remembered at its version (a corrected version on the server is tried again).
    fn import_pulled(
        &mut self,
        take: &[&PageEntry<'_>],
        updatable: &HashSet<String>,
    ) -> Result<()> {
        let (store, recipient) = (self.job.store, self.job.recipient.id.as_str());
        let target = self.job.recipient;
        let bytes = importer::collection(take);
        let from = Pulled {
            provenance: provenance_of(target.kind),
            source: &target.name,
            recipient,
            updatable,
        };
        match self.job.host.import(&bytes, &from) {
            Ok(r) => {
                self.report.imported += r.new;
                self.report.updated += r.updated;
                self.report.skipped += r.skipped;
                self.report.conflicts += r.conflicts;
                store.write_as(self.job.actor, |w| {
                    for (n, e) in take.iter().enumerate() {
                        let path = format!("entry[{n}].resource");
                        let record = r.records.get(&path).map_or("", String::as_str);
                        state::mark_imported(w.tx, recipient, &e.address, &e.version, record)?;
                    }
                    Ok(())
                })
            }
            Err(Error::InvalidInput { .. }) if take.len() > 1 => {
                for e in take {
                    self.import_pulled(&[*e], updatable)?;
                }
                Ok(())
            }
            Err(Error::InvalidInput { .. }) => {
                self.report.skipped += 1;
                let e = take[0];
                store.write_as(self.job.actor, |w| {
                    state::mark_imported(w.tx, recipient, &e.address, &e.version, "")
                })
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::about_subject;
    use serde_json::json;

    #[test]
    fn only_resources_that_name_the_subjects_patient_at_this_server_are_about_the_subject() {
        let (p, o) = ("Patient/abc", "https://fhir.example.jp");
        let with = |field: &str, r: &str| json!({ "resourceType": "Observation", field: { "reference": r } });
        assert!(about_subject(&with("subject", "Patient/abc"), p, o));
        assert!(about_subject(
            &with("subject", "https://fhir.example.jp/r4/Patient/abc"),
            p,
            o
        ));
        assert!(!about_subject(&with("subject", "Patient/abd"), p, o));
        assert!(!about_subject(
            &with("subject", "https://evil.example/r4/Patient/abc"),
            p,
            o
        ));
        assert!(!about_subject(
            &with("subject", "https://fhir.example.jp.evil/Patient/abc"),
            p,
            o
        ));
        assert!(!about_subject(&with("patient", "Patient/abc"), p, o));
        assert!(!about_subject(
            &json!({ "resourceType": "Observation" }),
            p,
            o
        ));
        let shot =
            json!({ "resourceType": "Immunization", "patient": { "reference": "Patient/abc" } });
        assert!(about_subject(&shot, p, o));
    }
}
