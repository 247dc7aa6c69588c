//! Pulling what a recipient's server holds for the subject, through the FHIR importer.

use crate::Session;
use crate::error::{Error, Result};
use crate::records::{Person, Provenance};
use crate::sync::importer::{self, PULLED, PageEntry, missing_results, page_entries};
use crate::sync::resources::ORIGIN_SYSTEM;
use crate::sync::state;
use crate::sync::{Client, SyncPhase, SyncProgress, SyncReport};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Search pages holding the resources of `rtype` with these ids, 100 ids per request.
fn fetch_by_id(client: &mut Client<'_>, rtype: &str, ids: &[String]) -> Result<Vec<Value>> {
    ids.chunks(100)
        .map(|chunk| client.get(&format!("{rtype}?_id={}&_count=100", chunk.join(","))))
        .collect()
}

impl Session {
    /// Read what the server holds for the subject since each type's cursor and import what is
    /// new through the FHIR importer (skipping our own copies and versions already imported).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn pull(
        &self,
        actor: &str,
        person: &Person,
        recipient: &str,
        source: &str,
        provenance: Provenance,
        progress: &dyn SyncProgress,
        client: &mut Client<'_>,
        report: &mut SyncReport,
    ) -> Result<()> {
        // Servers may cap `_count` lower; the loop does not rely on getting PAGE entries.
        const PAGE: usize = 500;
        const MAX_PAGES: usize = 400;
        let subject = person.id.as_str();
        let patient = crate::sync::resources::patient_address(person);
        let ours: HashSet<String> = self
            .store()
            .read(|c| state::all_addresses(c, recipient))?
            .into_iter()
            .collect();
        // Our own copies are left out by the server (`_tag:not`); `ours` is kept for a server
        // that ignores the modifier.
        let not_ours = format!("&_tag:not={ORIGIN_SYSTEM}%7C{}", self.sync_origin()?);
        let mut seen: HashSet<String> = HashSet::new();
        for kind in PULLED {
            let mut cursor = self
                .store()
                .read(|c| state::cursor(c, subject, recipient, kind.rtype))?;
            for _ in 0..MAX_PAGES {
                let mut path = format!(
                    "{}?{}={patient}&_sort=_lastUpdated&_count={PAGE}",
                    kind.rtype, kind.patient_param
                );
                path.push_str(&not_ours);
                if let Some(include) = kind.include {
                    path.push_str(&format!("&_include={include}"));
                }
                if let Some(c) = &cursor {
                    path.push_str(&format!("&_lastUpdated=ge{c}"));
                }
                let page = client.get(&path)?;
                let mut entries = page_entries(&page);
                // A report's results must reach the importer in the same Bundle as the report.
                let fetched = match kind.include {
                    Some(_) => fetch_by_id(client, "Observation", &missing_results(&entries))?,
                    None => vec![],
                };
                for f in &fetched {
                    entries.extend(page_entries(f).into_iter().map(|mut e| {
                        e.included = true;
                        e
                    }));
                }
                // The versions already imported, in one read for the page.
                let known: HashMap<&str, String> = self.store().read(|c| {
                    let mut m = HashMap::new();
                    for e in &entries {
                        if let Some(v) = state::imported_version(c, recipient, &e.address)? {
                            m.insert(e.address.as_str(), v);
                        }
                    }
                    Ok(m)
                })?;
                let mut newest = cursor.clone();
                let mut fresh = 0;
                let mut take: Vec<&PageEntry<'_>> = vec![];
                for e in &entries {
                    if !e.included
                        && let Some(u) = e.last_updated
                        && newest.as_deref().is_none_or(|n| u > n)
                    {
                        newest = Some(u.to_owned());
                    }
                    if !seen.insert(e.address.clone()) {
                        continue; // the page boundary repeats what `ge` already gave
                    }
                    fresh += usize::from(!e.included);
                    report.pulled += 1;
                    let imported = known.get(e.address.as_str()) == Some(&e.version);
                    if ours.contains(&e.address) || imported {
                        report.skipped += 1;
                        continue;
                    }
                    take.push(e);
                }
                if !take.is_empty() {
                    self.import_pulled(
                        actor, subject, recipient, &take, provenance, source, report,
                    )?;
                }
                if let Some(n) = &newest {
                    self.store().write_as(actor, |w| {
                        state::set_cursor(w.tx, subject, recipient, kind.rtype, n)
                    })?;
                }
                progress.progress(SyncPhase::Pull, report.pulled, report.pulled);
                // Paging by `_lastUpdated=ge` (Medplum has no next links): stop when a page
                // brings nothing new or the cursor cannot move.
                if fresh == 0 || entries.is_empty() || newest == cursor {
                    break;
                }
                cursor = newest;
            }
        }
        Ok(())
    }

    /// Import pulled resources as one Bundle (one transaction), then remember each server
    /// version imported. A Bundle the importer refuses is retried resource by resource, so one
    /// resource it cannot take never blocks the others; that one is counted as skipped and
    /// remembered at its version (a corrected version on the server is tried again).
    #[allow(clippy::too_many_arguments)]
    fn import_pulled(
        &self,
        actor: &str,
        subject: &str,
        recipient: &str,
        take: &[&PageEntry<'_>],
        provenance: Provenance,
        source: &str,
        report: &mut SyncReport,
    ) -> Result<()> {
        let bytes = importer::collection(take);
        match self.import_fhir(actor, subject, &bytes, provenance, Some(source)) {
            Ok(r) => {
                report.imported += r.imported.len() + r.documents.len();
                report.updated += r.updated.len();
                report.skipped += r.skipped.len();
                let record_of: HashMap<&str, &str> = r
                    .imported
                    .iter()
                    .chain(&r.updated)
                    .filter_map(|x| Some((x.path.as_str(), x.record_id.as_deref()?)))
                    .collect();
                self.store().write_as(actor, |w| {
                    for (n, e) in take.iter().enumerate() {
                        let path = format!("entry[{n}].resource");
                        let record = record_of.get(path.as_str()).copied().unwrap_or("");
                        state::mark_imported(w.tx, recipient, &e.address, &e.version, record)?;
                    }
                    Ok(())
                })
            }
            Err(Error::InvalidInput { .. }) if take.len() > 1 => {
                for e in take {
                    self.import_pulled(
                        actor,
                        subject,
                        recipient,
                        &[*e],
                        provenance,
                        source,
                        report,
                    )?;
                }
                Ok(())
            }
            Err(Error::InvalidInput { .. }) => {
                report.skipped += 1;
                let e = take[0];
                self.store().write_as(actor, |w| {
                    state::mark_imported(w.tx, recipient, &e.address, &e.version, "")
                })
            }
            Err(e) => Err(e),
        }
    }
}
