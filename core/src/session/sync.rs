//! `Session::sync`: push the outbox of one recipient through the release gate, propagate
//! withdrawals, pull what the server holds. Blocking, resumable, idempotent (docs/SYNC.md).
//!
//! Shape of every step: read or write locally (short transactions), THEN the network call with
//! no transaction open, THEN the outcome in a new transaction. The outbox is the state: an item
//! leaves it only after the server confirmed it, so a crash anywhere resends at most.

use super::Session;
use crate::access::Action;
use crate::consent::RecipientKind;
use crate::consent::{self, ConsentDirective, DataCategory, OutboxItem, OutboxKind, repo};
use crate::error::{Error, Result};
use crate::records::{Person, Provenance, Record, persons, repo as records_repo};
use crate::sync::importer::{self, PULLED, PageEntry, missing_results, page_entries};
use crate::sync::resources::resources_for;
use crate::sync::state::{self, Remote};
use crate::sync::{
    Client, RejectedItem, SyncOptions, SyncPhase, SyncProgress, SyncReport, checked_base,
};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

/// What one outbox record item becomes in a batch.
enum Plan {
    /// PUT these resources (the gate released the record).
    Put {
        record: Box<Record>,
        resources: Vec<String>,
        category: DataCategory,
    },
    /// DELETE the copies the recipient may hold for this purpose.
    Delete {
        version: i64,
        resources: Vec<String>,
    },
    /// Nothing to send: drop the item (withheld and not held there), or forget this purpose
    /// only (the copy stays for another purpose).
    Local { version: i64, forget: bool },
}

/// How the server answered the requests of one item.
enum Outcome {
    Done,
    Rejected(u16),
    Deferred,
}

fn outcome_of(statuses: &[u16], deleting: bool) -> Outcome {
    let mut out = Outcome::Done;
    for &s in statuses {
        match s {
            200..=299 => {}
            404 | 410 if deleting => {}
            400..=499 => return Outcome::Rejected(s),
            _ => out = Outcome::Deferred,
        }
    }
    out
}

/// The HTTP status of each entry of a batch-response, in request order.
fn entry_statuses(response: &Value, expected: usize) -> Vec<u16> {
    let entries = response["entry"].as_array().cloned().unwrap_or_default();
    if response["type"] != "batch-response" || entries.len() != expected {
        return vec![0; expected]; // unreadable: everything deferred to the next pass
    }
    entries
        .iter()
        .map(|e| {
            e["response"]["status"]
                .as_str()
                .and_then(|s| s.split_whitespace().next())
                .and_then(|s| s.parse().ok())
                .unwrap_or(0)
        })
        .collect()
}

fn batch_bundle(requests: Vec<Value>) -> Value {
    json!({ "resourceType": "Bundle", "type": "batch", "entry": requests })
}

fn put(address: &str, resource: &Value) -> Value {
    json!({ "request": { "method": "PUT", "url": address }, "resource": resource })
}

fn delete(address: &str) -> Value {
    json!({ "request": { "method": "DELETE", "url": address } })
}

/// Search pages holding the resources of `rtype` with these ids, 100 ids per request.
fn fetch_by_id(client: &mut Client, rtype: &str, ids: &[String]) -> Result<Vec<Value>> {
    ids.chunks(100)
        .map(|chunk| client.get(&format!("{rtype}?_id={}&_count=100", chunk.join(","))))
        .collect()
}

impl Session {
    /// Sync `subject`'s outbox for `recipient` with the recipient's FHIR server, then pull what
    /// the server holds for the subject since the last sync.
    ///
    /// Needs the Share permission. The server is `options.server_url` or the recipient's
    /// `fhir_endpoint`; it must be HTTPS (plain HTTP only to loopback with
    /// `allow_insecure_loopback`), checked before any connection. Errors a UI acts on:
    /// `Offline` (retry later; nothing is lost), `AuthRequired`, `ServerRejected`.
    pub fn sync(
        &self,
        actor: &str,
        subject: &str,
        recipient: &str,
        options: &SyncOptions,
        progress: &dyn SyncProgress,
    ) -> Result<SyncReport> {
        let access = self.authorize(actor, subject, Action::Share)?;
        let profile = self.operator_profile()?;
        let target = profile
            .recipient(recipient)
            .ok_or_else(|| Error::invalid("recipient", "is not a recipient of this operator"))?
            .clone();
        let url = options
            .server_url
            .clone()
            .or(target.fhir_endpoint.clone())
            .ok_or_else(|| Error::invalid("server_url", "the recipient has no FHIR endpoint"))?;
        let base = checked_base(&url, options.allow_insecure_loopback)?;
        let stored = self.store().read(|c| state::token(c, recipient))?;
        let mut client = Client::new(base, recipient, options, stored)?;
        let person = self.store().read(|c| {
            persons::get(c, access.subject())?.ok_or_else(|| Error::not_found("person"))
        })?;
        let mut report = SyncReport::default();
        let result = self.sync_with(
            actor,
            &person,
            recipient,
            options,
            progress,
            &mut client,
            &mut report,
        );
        report.requests = client.requests;
        report.retries = client.retries;
        result?;
        if options.pull {
            let provenance = match target.kind {
                RecipientKind::MedicalInstitution => Provenance::Clinic,
                _ => Provenance::ImportedFile,
            };
            let pulled = self.pull(
                actor,
                &person,
                recipient,
                &target.name,
                provenance,
                progress,
                &mut client,
                &mut report,
            );
            report.requests = client.requests;
            report.retries = client.retries;
            pulled?;
        }
        self.keep_accepted_token(recipient, &client)?;
        report.remaining = self.pending_for(subject, recipient)?.len();
        Ok(report)
    }

    /// Keep the token the server accepted (encrypted in the store, like everything), so the
    /// next sync works without asking the app; a refreshed token replaces the old one.
    fn keep_accepted_token(&self, recipient: &str, client: &Client) -> Result<()> {
        let Some(token) = client.accepted_token() else {
            return Ok(());
        };
        let now = self.now().utc_seconds;
        self.store().write_as(recipient, |w| {
            state::keep_token(w.tx, recipient, token, now)
        })
    }

    /// Forget the token kept for `recipient`'s server (signing out of that platform). Only the
    /// device owner: the token is the device's account, not a subject's record.
    pub fn forget_sync_token(&self, actor: &str, recipient: &str) -> Result<bool> {
        let owner = self
            .owner()?
            .ok_or_else(|| Error::not_found("device owner"))?;
        if owner.id != actor {
            return Err(Error::NotPermitted {
                action: Action::Share.as_str().into(),
            });
        }
        self.store()
            .write_as(actor, |w| state::forget_token(w.tx, recipient))
    }

    fn pending_for(&self, subject: &str, recipient: &str) -> Result<Vec<OutboxItem>> {
        let all = self.store().read(|c| consent::pending(c, subject))?;
        Ok(all
            .into_iter()
            .filter(|i| i.recipient == recipient)
            .collect())
    }

    #[allow(clippy::too_many_arguments)]
    fn sync_with(
        &self,
        actor: &str,
        person: &Person,
        recipient: &str,
        options: &SyncOptions,
        progress: &dyn SyncProgress,
        client: &mut Client,
        report: &mut SyncReport,
    ) -> Result<()> {
        let subject = person.id.as_str();
        let pending = self.pending_for(subject, recipient)?;
        let (withdrawals, records): (Vec<OutboxItem>, Vec<OutboxItem>) = pending
            .into_iter()
            .partition(|i| i.kind == OutboxKind::Withdrawal);
        // Withdrawals first: a record item still pending for what was withdrawn was queued
        // after the withdrawal (withdrawing purged the older ones), so it must go after it.
        if !withdrawals.is_empty() {
            let history = self.store().read(|c| repo::all_for(c, subject))?;
            let total = withdrawals.len();
            for (n, w) in withdrawals.iter().enumerate() {
                let d = history
                    .iter()
                    .find(|d| Some(&d.id) == w.directive_id.as_ref())
                    .ok_or(Error::CorruptStore {
                        reason: "a withdrawal names no directive",
                    })?;
                self.sync_withdrawal(w, d, recipient, options, client, report)?;
                progress.progress(SyncPhase::Withdrawals, n + 1, total);
            }
        }
        self.sync_erasures(subject, recipient, options, client, report)?;
        let total = records.len();
        let batch = options.batch_size.max(1);
        for (n, chunk) in records.chunks(batch).enumerate() {
            self.push_chunk(actor, person, recipient, chunk, client, report)?;
            progress.progress(SyncPhase::Push, (n * batch + chunk.len()).min(total), total);
        }
        Ok(())
    }

    /// Delete the recipient's copies a withdrawal covers (unless a purpose still in force holds
    /// the same copy), then drop the notice.
    fn sync_withdrawal(
        &self,
        item: &OutboxItem,
        d: &ConsentDirective,
        recipient: &str,
        options: &SyncOptions,
        client: &mut Client,
        report: &mut SyncReport,
    ) -> Result<()> {
        let covered = self.store().read(|c| {
            let rows =
                state::remotes_covered(c, &d.subject_id, recipient, &d.categories, &d.purposes)?;
            let mut out = vec![];
            for r in rows {
                let others = state::remotes_of_record(c, recipient, &r.record_id)?
                    .into_iter()
                    .any(|o| !d.purposes.contains(&o.purpose));
                out.push((r, others));
            }
            Ok(out)
        })?;
        let mut unfinished = false;
        for chunk in covered.chunks(options.batch_size.max(1)) {
            let sending: Vec<&(Remote, bool)> = chunk.iter().filter(|(_, o)| !*o).collect();
            let requests: Vec<Value> = sending
                .iter()
                .flat_map(|(r, _)| r.resources.iter().map(|a| delete(a)))
                .collect();
            let statuses = if requests.is_empty() {
                vec![]
            } else {
                let n = requests.len();
                entry_statuses(&client.batch(&batch_bundle(requests))?, n)
            };
            self.store().write_as(&item.subject_id, |w| {
                let mut at = 0;
                for (r, others) in chunk {
                    if *others {
                        state::forget(w.tx, recipient, &r.purpose, &r.record_id)?;
                        continue;
                    }
                    let s = &statuses[at..at + r.resources.len()];
                    at += r.resources.len();
                    match outcome_of(s, true) {
                        Outcome::Done => {
                            state::forget(w.tx, recipient, &r.purpose, &r.record_id)?;
                            report.deleted += 1;
                        }
                        Outcome::Rejected(status) => {
                            unfinished = true;
                            report.rejected.push(RejectedItem {
                                record_id: r.record_id.clone(),
                                status,
                            });
                        }
                        Outcome::Deferred => {
                            unfinished = true;
                            report.deferred += 1;
                        }
                    }
                }
                Ok(())
            })?;
        }
        if !unfinished {
            self.store()
                .write_as(&item.subject_id, |w| state::delete_outbox(w.tx, &item.id))?;
            report.withdrawals += 1;
        }
        Ok(())
    }

    /// Delete the recipient's copies of records erased here (deletion on request reaches every
    /// place the record went). The `sync_remote` row is the state: it is forgotten only after
    /// the server confirmed the delete (404/410 count: already gone).
    fn sync_erasures(
        &self,
        subject: &str,
        recipient: &str,
        options: &SyncOptions,
        client: &mut Client,
        report: &mut SyncReport,
    ) -> Result<()> {
        let orphans = self
            .store()
            .read(|c| state::orphans(c, subject, recipient))?;
        for chunk in orphans.chunks(options.batch_size.max(1)) {
            let requests: Vec<Value> = chunk
                .iter()
                .flat_map(|r| r.resources.iter().map(|a| delete(a)))
                .collect();
            let statuses = if requests.is_empty() {
                vec![]
            } else {
                let n = requests.len();
                entry_statuses(&client.batch(&batch_bundle(requests))?, n)
            };
            self.store().write_as(subject, |w| {
                let mut at = 0;
                for r in chunk {
                    let s = &statuses[at..at + r.resources.len()];
                    at += r.resources.len();
                    match outcome_of(s, true) {
                        Outcome::Done => {
                            state::forget(w.tx, recipient, &r.purpose, &r.record_id)?;
                            report.deleted += 1;
                        }
                        Outcome::Rejected(status) => report.rejected.push(RejectedItem {
                            record_id: r.record_id.clone(),
                            status,
                        }),
                        Outcome::Deferred => report.deferred += 1,
                    }
                }
                Ok(())
            })?;
        }
        Ok(())
    }

    /// One batch of record items: gate, intents, one batch request, outcomes.
    fn push_chunk(
        &self,
        actor: &str,
        person: &Person,
        recipient: &str,
        chunk: &[OutboxItem],
        client: &mut Client,
        report: &mut SyncReport,
    ) -> Result<()> {
        let subject = person.id.as_str();
        let ids: Vec<String> = chunk.iter().filter_map(|i| i.record_id.clone()).collect();
        let stored: HashMap<String, Record> = self
            .store()
            .read(|c| records_repo::load_many(c, &ids))?
            .into_iter()
            .map(|r| (r.meta.id.clone(), r))
            .collect();
        // The gate, once per purpose in the chunk (audited as a release).
        let mut released: HashSet<(String, String)> = HashSet::new();
        let mut purposes: Vec<&str> = chunk.iter().filter_map(|i| i.purpose.as_deref()).collect();
        purposes.sort_unstable();
        purposes.dedup();
        for p in purposes {
            let of_purpose: Vec<Record> = chunk
                .iter()
                .filter(|i| i.purpose.as_deref() == Some(p))
                .filter_map(|i| i.record_id.as_ref().and_then(|id| stored.get(id)).cloned())
                .collect();
            if of_purpose.is_empty() {
                continue;
            }
            let r = self.release(actor, subject, recipient, p, &of_purpose)?;
            for id in r.ids() {
                released.insert((p.to_owned(), id));
            }
        }
        let now = self.now();
        let mut plans: Vec<(&OutboxItem, Plan)> = Vec::with_capacity(chunk.len());
        let remotes: HashMap<String, Vec<Remote>> = self.store().read(|c| {
            let mut m = HashMap::new();
            for id in &ids {
                m.insert(id.clone(), state::remotes_of_record(c, recipient, id)?);
            }
            Ok(m)
        })?;
        let mut requests: Vec<Value> = vec![];
        for item in chunk {
            let (Some(id), Some(purpose)) = (item.record_id.as_ref(), item.purpose.as_ref()) else {
                continue;
            };
            let record = stored.get(id);
            let version = record.map_or(0, |r| r.meta.version);
            let plan = match record {
                Some(r) if released.contains(&(purpose.clone(), id.clone())) => {
                    let res = resources_for(person, r, now);
                    let addresses: Vec<String> = res.iter().map(|x| x.address()).collect();
                    for x in &res {
                        requests.push(put(&x.address(), &x.body));
                    }
                    Plan::Put {
                        record: Box::new(r.clone()),
                        resources: addresses,
                        category: DataCategory::of(r),
                    }
                }
                _ => {
                    // Withheld now (deleted, no longer permitted, category changed): the
                    // recipient's copy for this purpose must go, unless another purpose holds it.
                    let rows = remotes.get(id).map(Vec::as_slice).unwrap_or(&[]);
                    match rows.iter().find(|r| &r.purpose == purpose) {
                        None => Plan::Local {
                            version,
                            forget: false,
                        },
                        Some(_) if rows.iter().any(|r| &r.purpose != purpose) => Plan::Local {
                            version,
                            forget: true,
                        },
                        Some(row) => {
                            for a in &row.resources {
                                requests.push(delete(a));
                            }
                            Plan::Delete {
                                version,
                                resources: row.resources.clone(),
                            }
                        }
                    }
                }
            };
            plans.push((item, plan));
        }
        // Intents BEFORE the request: a copy the server may apply is never unknown to us.
        self.store().write_as(actor, |w| {
            for (item, plan) in &plans {
                let (Some(id), Some(purpose)) = (item.record_id.as_ref(), item.purpose.as_ref())
                else {
                    continue;
                };
                match plan {
                    Plan::Put {
                        record,
                        resources,
                        category,
                    } => state::mark_sending(
                        w.tx,
                        recipient,
                        purpose,
                        id,
                        subject,
                        *category,
                        resources,
                        record.meta.version,
                        now.utc_seconds,
                    )?,
                    Plan::Local { version, forget } => {
                        if *forget {
                            state::forget(w.tx, recipient, purpose, id)?;
                        }
                        state::done_if_unchanged(w.tx, &item.id, id, *version)?;
                        report.withheld += 1;
                    }
                    Plan::Delete { .. } => {}
                }
            }
            Ok(())
        })?;
        if requests.is_empty() {
            return Ok(());
        }
        let n = requests.len();
        // The network call, with no transaction open.
        let statuses = entry_statuses(&client.batch(&batch_bundle(requests))?, n);
        self.store().write_as(actor, |w| {
            let mut at = 0;
            for (item, plan) in &plans {
                let (Some(id), Some(purpose)) = (item.record_id.as_ref(), item.purpose.as_ref())
                else {
                    continue;
                };
                let (count, deleting) = match plan {
                    Plan::Put { resources, .. } => (resources.len(), false),
                    Plan::Delete { resources, .. } => (resources.len(), true),
                    Plan::Local { .. } => continue,
                };
                let s = &statuses[at..at + count];
                at += count;
                match (outcome_of(s, deleting), plan) {
                    (
                        Outcome::Done,
                        Plan::Put {
                            record, resources, ..
                        },
                    ) => {
                        state::confirm_held(
                            w.tx,
                            &item.id,
                            recipient,
                            purpose,
                            id,
                            resources,
                            record.meta.version,
                        )?;
                        report.pushed += 1;
                    }
                    (Outcome::Done, Plan::Delete { version, .. }) => {
                        state::forget(w.tx, recipient, purpose, id)?;
                        state::done_if_unchanged(w.tx, &item.id, id, *version)?;
                        report.deleted += 1;
                    }
                    (Outcome::Rejected(status), _) => {
                        state::mark_rejected(w.tx, &item.id, status)?;
                        report.rejected.push(RejectedItem {
                            record_id: id.clone(),
                            status,
                        });
                    }
                    _ => report.deferred += 1,
                }
            }
            Ok(())
        })
    }

    /// Read what the server holds for the subject since each type's cursor and import what is
    /// new through the FHIR importer (skipping our own copies and versions already imported).
    #[allow(clippy::too_many_arguments)]
    fn pull(
        &self,
        actor: &str,
        person: &Person,
        recipient: &str,
        source: &str,
        provenance: Provenance,
        progress: &dyn SyncProgress,
        client: &mut Client,
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
                    let known = self
                        .store()
                        .read(|c| state::imported_version(c, recipient, &e.address))?;
                    if ours.contains(&e.address) || known.as_deref() == Some(e.version.as_str()) {
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
