//! The fake's stored state: resources with every version and `lastUpdated`, the server's
//! clock, and the answers reads, writes and deletes give. Searching it is `search.rs`; the
//! requests and Bundles that change it, `server.rs`.

use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The base URL the fake pretends to live at (in `fullUrl`s and paging links).
pub const BASE: &str = "https://fhir.fake.test/r4";

/// 2026-11-19T15:00:00Z: the fake's clock starts here and moves on with every write.
const START_MS: i64 = 1_795_100_400_000;

/// One resource, with every version of it (`None`: deleted at that version).
#[derive(Debug, Clone, Default)]
pub(super) struct Stored {
    pub versions: Vec<Option<Value>>,
}

impl Stored {
    pub fn current(&self) -> Option<&Value> {
        self.versions.last().and_then(Option::as_ref)
    }
}

/// The answer to one interaction (a request, or an entry of a Bundle).
#[derive(Debug, Clone)]
pub(super) struct Answer {
    pub status: u16,
    pub resource: Option<Value>,
}

impl Answer {
    pub fn ok(status: u16, resource: Value) -> Answer {
        Answer {
            status,
            resource: Some(resource),
        }
    }

    pub fn error(status: u16, text: &str) -> Answer {
        Answer::ok(status, outcome("error", text))
    }
}

pub(super) fn outcome(severity: &str, text: &str) -> Value {
    json!({ "resourceType": "OperationOutcome",
        "issue": [{ "severity": severity, "code": "processing", "details": { "text": text } }] })
}

/// The resources and the server clock (what a transaction copies and restores).
#[derive(Debug, Clone)]
pub(super) struct Data {
    pub resources: BTreeMap<String, Stored>,
    pub clock_ms: i64,
    next_id: u64,
}

impl Default for Data {
    fn default() -> Self {
        Data {
            resources: BTreeMap::new(),
            clock_ms: START_MS,
            next_id: 1,
        }
    }
}

pub(super) fn instant(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// `Type/id` → (Type, id), if it is one.
pub(super) fn split_address(address: &str) -> Option<(&str, &str)> {
    let (t, id) = address.split_once('/')?;
    let type_ok = t.starts_with(|c: char| c.is_ascii_uppercase())
        && t.bytes().all(|b| b.is_ascii_alphanumeric());
    let id_ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    (type_ok && id_ok).then_some((t, id))
}

impl Data {
    /// Store `resource` as the next version of `address`, stamped by the server.
    pub fn write(&mut self, address: &str, mut resource: Value, tick_ms: i64) -> Answer {
        let stored = self.resources.entry(address.to_owned()).or_default();
        let created = stored.current().is_none();
        self.clock_ms += tick_ms;
        let version = stored.versions.len() + 1;
        if !resource["meta"].is_object() {
            resource["meta"] = json!({});
        }
        resource["meta"]["versionId"] = json!(version.to_string());
        resource["meta"]["lastUpdated"] = json!(instant(self.clock_ms));
        stored.versions.push(Some(resource.clone()));
        Answer::ok(if created { 201 } else { 200 }, resource)
    }

    pub fn read(&self, address: &str) -> Answer {
        match self.resources.get(address) {
            Some(s) => match s.current() {
                Some(r) => Answer::ok(200, r.clone()),
                None => Answer::error(410, "deleted"),
            },
            None => Answer::error(404, "no such resource"),
        }
    }

    pub fn delete(&mut self, address: &str, tick_ms: i64) -> Answer {
        match self.resources.get_mut(address) {
            Some(s) if s.current().is_some() => {
                self.clock_ms += tick_ms;
                s.versions.push(None);
                Answer::ok(200, outcome("information", "deleted"))
            }
            _ => Answer::error(404, "no such resource"),
        }
    }

    pub(super) fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("fake-{}", self.next_id - 1)
    }

    /// The version of `address` now (0: none).
    pub(super) fn version(&self, address: &str) -> usize {
        self.resources.get(address).map_or(0, |s| s.versions.len())
    }
}
