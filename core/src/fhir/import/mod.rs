//! FHIR R4 (JSON) → what the record model stores: the pure parse/map step of the import.
//!
//! [`plan`] takes the bytes of a Bundle (collection, transaction, document, searchset, batch)
//! or of a single resource and says, for every resource, what it becomes: a record input
//! ([`crate::records::ClinicalInput`]) with the identities to deduplicate it by, the subject's Patient
//! (to check it is this person), a document kept as it came, or a skip with the reason. It
//! touches no store and knows no clock, so sync and the fuzz harness call it directly;
//! [`crate::Session::import_fhir`] validates, deduplicates and writes the plan in one transaction.
//!
//! Malformed input (a string where FHIR has a number, a bad date, an unknown Bundle type) is an
//! error naming the JSON path and nothing is imported. Input and nesting depth are capped.

mod checkup;
mod clinical;
mod document;
pub(crate) mod json;
mod observation;
mod parallel;
mod patient;
mod prepare;

use crate::error::{Error, Result};
use crate::records::{AsGiven, ClinicalInput};
use json::{Obj, Path};
use parallel::{each_in_order, in_order};
pub use patient::{PatientFacts, patient_of};
pub(crate) use prepare::prepare;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// Largest input accepted (bytes).
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;
/// Deepest JSON nesting accepted (FHIR resources nest about 10 deep).
pub const MAX_DEPTH: usize = 64;
/// Most Bundle entries accepted.
pub const MAX_ENTRIES: usize = 500_000;

/// Offset given to a date without a time (`2021-10-19` = 00:00 in Japan).
pub(crate) const DEFAULT_OFFSET: i32 = crate::records::JST_OFFSET_SECONDS;

/// How an existing record may be recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// A UUID: the resource id or a `urn:uuid:` identifier (what our export writes).
    Uuid(String),
    /// Anything else (`Observation/blood-pressure`, `system|value`): turned into a stable record
    /// id per subject by the importer.
    Foreign(String),
}

/// A resource that becomes a record.
#[derive(Debug, Clone)]
pub struct PlannedRecord {
    pub input: ClinicalInput,
    /// Ways to recognise the record already stored, best first.
    pub identity: Vec<Identity>,
    /// Record-model field name → JSON path, to name what a refused value was.
    pub fields: Vec<(String, String)>,
    /// `meta.lastUpdated` as it came: an unchanged export of the stored version is identical.
    pub last_updated: Option<String>,
    /// The clinical time as given, when it is not a full instant (`2015`): the input holds its
    /// earliest instant.
    pub as_given: Option<AsGiven>,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Record(Box<PlannedRecord>),
    /// A Patient: imported records belong to the subject, so it must be the subject.
    Patient(Box<PatientFacts>),
    /// Kept as it came, with the reason.
    Document {
        reason: String,
    },
    /// Not imported, with the reason.
    Skipped {
        reason: String,
    },
    /// A result line of the checkup planned at the given path.
    LineOf {
        checkup: String,
    },
}

/// One resource of the input and what it becomes.
#[derive(Debug, Clone)]
pub struct PlannedItem<'a> {
    /// JSON path of the resource (`entry[3].resource`, `$` for a single resource).
    pub path: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    /// The Bundle entry's `fullUrl`: other resources of the file may refer to it by that.
    pub full_url: Option<String>,
    /// The resource as it came, borrowed from the input (a checkup: `[report, line, …]`), kept
    /// beside the row.
    pub original: Cow<'a, str>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Default)]
pub struct ImportPlan<'a> {
    pub items: Vec<PlannedItem<'a>>,
}

/// Whether `[` and `{` outside strings nest at most `limit` deep; malformed text is left to the
/// parser. One pass with a byte-class table: most bytes are neither structural nor quotes, and
/// skip with one load and one test (`memchr` per string was no faster: FHIR strings are short).
fn within_depth(bytes: &[u8], limit: usize) -> bool {
    const QUOTE: u8 = 1;
    const OPEN: u8 = 2;
    const CLOSE: u8 = 3;
    const ESCAPE: u8 = 4;
    const CLASS: [u8; 256] = {
        let mut t = [0u8; 256];
        t[b'"' as usize] = QUOTE;
        t[b'[' as usize] = OPEN;
        t[b'{' as usize] = OPEN;
        t[b']' as usize] = CLOSE;
        t[b'}' as usize] = CLOSE;
        t[b'\\' as usize] = ESCAPE;
        t
    };
    let (mut depth, mut in_str, mut i) = (0usize, false, 0usize);
    while let Some(&b) = bytes.get(i) {
        i += 1;
        match (in_str, CLASS[usize::from(b)]) {
            (_, 0) => {}
            (true, QUOTE) => in_str = false,
            (true, ESCAPE) => i += 1, // the escaped character
            (true, _) => {}
            (false, QUOTE) => in_str = true,
            (false, OPEN) => {
                depth += 1;
                if depth > limit {
                    return false;
                }
            }
            (false, CLOSE) => depth = depth.saturating_sub(1),
            (false, _) => {}
        }
    }
    true
}

/// Inputs from this size on are scanned for depth and read for their Bundle head at once.
const SCAN_IN_PARALLEL_FROM: usize = 1024 * 1024;

/// Whether `bytes` nests too deeply, and its Bundle head ([`BundleHead::read`]): two independent
/// passes over the whole input, run side by side for a large one. The head is only used when the
/// depth is within the limit, so the depth error still comes first.
fn depth_and_head(bytes: &[u8]) -> (bool, Option<Vec<&RawValue>>) {
    if bytes.len() < SCAN_IN_PARALLEL_FROM {
        let deep = !within_depth(bytes, MAX_DEPTH);
        return (deep, if deep { None } else { BundleHead::read(bytes) });
    }
    std::thread::scope(|s| {
        let depth = std::thread::Builder::new()
            .name("phr-fhir-depth".into())
            .spawn_scoped(s, || within_depth(bytes, MAX_DEPTH));
        let head = BundleHead::read(bytes);
        let within = match depth {
            Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            Err(_) => within_depth(bytes, MAX_DEPTH),
        };
        (!within, head.filter(|_| within))
    })
}

/// Parse and map FHIR R4 JSON. Pure: no store, no clock.
///
/// A Bundle is read entry by entry: each resource is parsed on its own from the raw text, mapped,
/// and dropped, so no tree of the whole Bundle is ever built; the original JSON kept beside a
/// record is the resource's text exactly as it came.
pub fn plan(bytes: &[u8]) -> Result<ImportPlan<'_>> {
    let mut plan = ImportPlan::default();
    plan_chunks(bytes, &|item| item, &mut |items, _| {
        plan.items.extend(items);
        Ok(())
    })?;
    Ok(plan)
}

/// [`plan`], with each item passed through `then` on the thread that mapped it and handed to
/// `sink` in input order a chunk at a time, together with the number of items the whole input
/// has: a large Bundle is mapped on other threads while `sink` (the import's writer) works
/// through the first chunks. The result is that of [`plan`]: malformed input anywhere is the
/// error, even when `sink` already failed on an earlier chunk (its error comes only if the whole
/// input is well formed).
pub fn plan_chunks<'a, X: Send>(
    bytes: &'a [u8],
    then: &(dyn Fn(PlannedItem<'a>) -> X + Sync),
    sink: &mut dyn FnMut(Vec<X>, usize) -> Result<()>,
) -> Result<()> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(Error::invalid("$", "the file is too large to import"));
    }
    let (deep, head) = depth_and_head(bytes);
    if deep {
        return Err(Error::invalid("$", "nested too deeply"));
    }
    let root = Path::root();
    let entries = match head {
        Some(entries) => entries,
        None => {
            let top: BTreeMap<String, &RawValue> =
                serde_json::from_slice(bytes).map_err(|e| json_error(&root, &e))?;
            match string_at(&top, "resourceType", &root)? {
                Some(t) if t == "Bundle" => bundle_entries(&top, &root)?,
                Some(_) => {
                    // One resource: parsed whole only here, a Bundle never is.
                    let whole: &RawValue =
                        serde_json::from_slice(bytes).map_err(|e| json_error(&root, &e))?;
                    let raw = Raw::read(whole, root, None)?;
                    return sink(vec![then(raw.plan(&[], &Refs::default())?)], 1);
                }
                None => return Err(root.key("resourceType").err("is required")),
            }
        }
    };
    plan_entries(entries, &root.key("entry"), then, sink)
}

/// A JSON error at `p`: its position and category, never the text around it.
fn json_error(p: &Path, e: &serde_json::Error) -> Error {
    match e.classify() {
        serde_json::error::Category::Data => p.err("expected an object"),
        c => p.err(&format!(
            "not valid JSON ({c:?} at line {} column {})",
            e.line(),
            e.column()
        )),
    }
}

/// The string under `k` of a raw object, type-checked.
fn string_at(m: &BTreeMap<String, &RawValue>, k: &str, p: &Path) -> Result<Option<String>> {
    match m.get(k) {
        None => Ok(None),
        Some(raw) => match serde_json::from_str::<Value>(raw.get()) {
            Ok(Value::Null) => Ok(None),
            Ok(Value::String(s)) => Ok(Some(s)),
            _ => Err(p.key(k).err("expected a string")),
        },
    }
}

/// A resource of the input, not parsed yet: its raw text, where it sits, its type and id.
pub(crate) struct Raw<'a> {
    pub raw: &'a RawValue,
    pub path: Path,
    pub full_url: Option<String>,
    pub rtype: String,
    pub id: Option<String>,
}

impl<'a> Raw<'a> {
    fn read(raw: &'a RawValue, path: Path, full_url: Option<String>) -> Result<Self> {
        if let Some(ResourceHead {
            resource_type: Some(rtype),
            id,
        }) = head::<ResourceHead<'a>>(raw)
        {
            return Ok(Raw {
                raw,
                path,
                full_url,
                rtype: rtype.into_owned(),
                id: id.map(Cow::into_owned),
            });
        }
        let head: BTreeMap<String, &RawValue> =
            serde_json::from_str(raw.get()).map_err(|e| json_error(&path, &e))?;
        let rtype = string_at(&head, "resourceType", &path)?
            .ok_or_else(|| path.key("resourceType").err("is required"))?;
        let id = string_at(&head, "id", &path)?;
        Ok(Raw {
            raw,
            path,
            full_url,
            rtype,
            id,
        })
    }

    /// Parse and map this resource: what it becomes, with its original borrowed from the input.
    fn plan(&self, entries: &[Raw<'_>], refs: &Refs) -> Result<PlannedItem<'a>> {
        let value = self.parse()?;
        let r = self.resource(&value);
        let outcome = r.outcome(entries, refs)?;
        let original = match &outcome {
            Outcome::Record(rec) if matches!(rec.input, ClinicalInput::Checkup(_)) => {
                Cow::Owned(r.checkup_original(entries, refs)?)
            }
            _ => Cow::Borrowed(self.raw.get()),
        };
        Ok(PlannedItem {
            path: self.path.as_str().to_owned(),
            resource_type: self.rtype.clone(),
            resource_id: self.id.clone(),
            full_url: self.full_url.clone(),
            original,
            outcome,
        })
    }

    /// The resource as a JSON tree (it was checked to be an object).
    pub fn parse(&self) -> Result<Value> {
        serde_json::from_str(self.raw.get()).map_err(|e| json_error(&self.path, &e))
    }

    fn resource<'v>(&'v self, value: &'v Value) -> Resource<'v> {
        Resource {
            value,
            raw: self.raw.get(),
            path: &self.path,
            full_url: self.full_url.as_deref(),
            rtype: &self.rtype,
            id: self.id.as_deref(),
        }
    }
}

/// One resource, parsed, with where it sits.
pub(crate) struct Resource<'a> {
    pub value: &'a Value,
    pub raw: &'a str,
    pub path: &'a Path,
    pub full_url: Option<&'a str>,
    pub rtype: &'a str,
    pub id: Option<&'a str>,
}

impl<'a> Resource<'a> {
    fn obj(&self) -> Result<Obj<'a, 'a>> {
        Obj::new(self.value, self.path)
    }

    /// Ways to recognise this resource in the store.
    pub fn identity(&self) -> Result<Vec<Identity>> {
        let mut out = vec![];
        if let Some(u) = self.id.and_then(as_uuid) {
            out.push(Identity::Uuid(u));
        }
        if let Some(u) = self
            .full_url
            .and_then(|f| f.strip_prefix("urn:uuid:"))
            .and_then(as_uuid)
        {
            out.push(Identity::Uuid(u));
        }
        let o = self.obj()?;
        // `identifier` is a list, except on Composition and Bundle (0..1).
        let identifiers = match o.child("identifier") {
            Ok(Some(one)) => vec![one],
            _ => o.array("identifier")?,
        };
        for (i, ip) in identifiers {
            let i = Obj::new(i, &ip)?;
            let (system, value) = (i.str("system")?, i.str("value")?);
            if let Some(u) = value
                .and_then(|v| v.strip_prefix("urn:uuid:"))
                .and_then(as_uuid)
            {
                out.push(Identity::Uuid(u));
            } else if let Some(v) = value {
                out.push(Identity::Foreign(format!(
                    "identifier {}|{v}",
                    system.unwrap_or("")
                )));
            }
        }
        // A UUID id is already the first identity; any other id names the resource in its server.
        if let Some(id) = self.id.filter(|id| as_uuid(id).is_none()) {
            out.push(Identity::Foreign(format!("id {}/{id}", self.rtype)));
        }
        out.dedup();
        Ok(out)
    }

    /// The result lines of a checkup this resource is (a DiagnosticReport or a Composition).
    fn lines(&self, entries: &[Raw<'_>], refs: &Refs) -> Result<Option<Vec<checkup::Line>>> {
        match self.rtype {
            "DiagnosticReport" => checkup::lines_of(self, entries, refs),
            "Composition" => document::lines_of(self, entries, refs),
            _ => Ok(None),
        }
    }

    /// A checkup's original: the report and its result lines, `[report, line, …]`.
    fn checkup_original(&self, entries: &[Raw<'_>], refs: &Refs) -> Result<String> {
        let mut all = format!("[{}", self.raw);
        for line in self.lines(entries, refs)?.unwrap_or_default() {
            if let Some(i) = line.entry {
                all.push(',');
                all.push_str(entries[i].raw.get());
            }
        }
        all.push(']');
        Ok(all)
    }

    fn outcome(&self, entries: &[Raw<'_>], refs: &Refs) -> Result<Outcome> {
        let o = self.obj()?;
        let status = o.str("status")?;
        if status == Some("entered-in-error") {
            return Ok(skip("status is entered-in-error"));
        }
        Ok(match self.rtype {
            "Patient" => Outcome::Patient(Box::new(patient::read(&o)?)),
            "Observation" => observation::observation(&o)?,
            "DiagnosticReport" => checkup::report(self, entries, refs)?,
            "Composition" => document::composition(self, entries, refs)?,
            "Immunization" => clinical::immunization(&o)?,
            "MedicationStatement" | "MedicationRequest" => clinical::medication(&o, self.rtype)?,
            "Condition" => clinical::condition(&o)?,
            "AllergyIntolerance" => clinical::allergy(&o)?,
            "DocumentReference" => clinical::document_reference(&o)?,
            other => Outcome::Document {
                reason: format!("{other} is not a record type"),
            },
        })
        .map(|out| match out {
            Outcome::Record(mut r) => {
                r.identity = self.identity().unwrap_or_default();
                r.last_updated = self
                    .value
                    .get("meta")
                    .and_then(|m| m.get("lastUpdated"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                Outcome::Record(r)
            }
            other => other,
        })
    }
}

pub(crate) fn skip(reason: &str) -> Outcome {
    Outcome::Skipped {
        reason: reason.to_owned(),
    }
}

pub(crate) fn document(reason: &str) -> Outcome {
    Outcome::Document {
        reason: reason.to_owned(),
    }
}

pub(crate) fn record(input: ClinicalInput, fields: Vec<(String, String)>) -> Outcome {
    record_given(input, fields, None)
}

/// [`record`] whose clinical time was given as `as_given`.
pub(crate) fn record_given(
    input: ClinicalInput,
    fields: Vec<(String, String)>,
    as_given: Option<AsGiven>,
) -> Outcome {
    Outcome::Record(Box::new(PlannedRecord {
        input,
        identity: vec![],
        fields,
        last_updated: None,
        as_given,
    }))
}

fn as_uuid(s: &str) -> Option<String> {
    uuid::Uuid::try_parse(s)
        .ok()
        .map(|u| u.hyphenated().to_string())
}

/// How references find entries: by `fullUrl`, by `Type/id`, by `urn:uuid:` of the id.
#[derive(Default)]
pub(crate) struct Refs {
    by_ref: HashMap<String, usize>,
}

impl Refs {
    fn build(entries: &[Raw<'_>]) -> Self {
        let mut by_ref = HashMap::with_capacity(entries.len() * 2);
        for (i, e) in entries.iter().enumerate() {
            if let Some(f) = &e.full_url {
                by_ref.entry(f.clone()).or_insert(i);
            }
            if let Some(id) = &e.id {
                by_ref.entry(format!("{}/{id}", e.rtype)).or_insert(i);
            }
        }
        Refs { by_ref }
    }

    pub fn find(&self, reference: &str) -> Option<usize> {
        self.by_ref.get(reference).copied().or_else(|| {
            // An absolute URL ending in Type/id.
            let mut parts = reference.rsplitn(3, '/');
            let (id, ty) = (parts.next()?, parts.next()?);
            self.by_ref.get(&format!("{ty}/{id}")).copied()
        })
    }
}

const BUNDLE_TYPES: &[&str] = &[
    "collection",
    "transaction",
    "document",
    "searchset",
    "batch",
    "transaction-response",
    "batch-response",
    "history",
];

/// A Bundle entry, read: its resource, or the item saying it has none.
enum Read<'a> {
    Resource(Raw<'a>),
    Empty(PlannedItem<'a>),
}

/// The top of a Bundle, read in one typed pass that allocates nothing for what it skips.
#[derive(Deserialize)]
struct BundleHead<'a> {
    #[serde(rename = "resourceType", borrow)]
    resource_type: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow)]
    ty: Option<Cow<'a, str>>,
    #[serde(borrow)]
    entry: Option<Vec<&'a RawValue>>,
}

impl<'a> BundleHead<'a> {
    /// The entries of a well-formed Bundle of a type this import reads; `None` for anything
    /// else (another resource, a malformed Bundle, duplicate keys), which the general reading
    /// then handles, with its errors naming the path.
    fn read(bytes: &'a [u8]) -> Option<Vec<&'a RawValue>> {
        // serde would also read a struct from an array: only objects take this way.
        if bytes.trim_ascii_start().first() != Some(&b'{') {
            return None;
        }
        let head: BundleHead<'a> = serde_json::from_slice(bytes).ok()?;
        let bundle = head.resource_type.as_deref() == Some("Bundle")
            && head.ty.is_some_and(|t| BUNDLE_TYPES.contains(&t.as_ref()));
        bundle.then(|| head.entry.unwrap_or_default())
    }
}

/// The parts of a Bundle entry the plan reads, as [`BundleHead`] reads the Bundle.
#[derive(Deserialize)]
struct EntryHead<'a> {
    #[serde(rename = "fullUrl", borrow)]
    full_url: Option<Cow<'a, str>>,
    #[serde(borrow)]
    resource: Option<&'a RawValue>,
}

/// The type and id of a resource, as [`BundleHead`] reads the Bundle.
#[derive(Deserialize)]
struct ResourceHead<'a> {
    #[serde(rename = "resourceType", borrow)]
    resource_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
}

/// `T` read from an object's raw text, or `None` (not an object, malformed, duplicate keys).
fn head<'a, T: Deserialize<'a>>(raw: &'a RawValue) -> Option<T> {
    if !raw.get().starts_with('{') {
        return None;
    }
    serde_json::from_str(raw.get()).ok()
}

/// The entries of a Bundle read the general way: its type checked, `entry` an array.
fn bundle_entries<'a>(
    top: &BTreeMap<String, &'a RawValue>,
    root: &Path,
) -> Result<Vec<&'a RawValue>> {
    let ty = string_at(top, "type", root)?.ok_or_else(|| root.key("type").err("is required"))?;
    if !BUNDLE_TYPES.contains(&ty.as_str()) {
        return Err(root
            .key("type")
            .err("is not a Bundle type this import reads"));
    }
    let entry_path = root.key("entry");
    Ok(match top.get("entry") {
        None => vec![],
        Some(r) if r.get() == "null" => vec![],
        Some(r) => serde_json::from_str(r.get()).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => entry_path.err("expected an array"),
            _ => json_error(&entry_path, &e),
        })?,
    })
}

/// One entry: its resource's type and id, or the item saying it has none.
fn read_entry<'a>(raw: &'a RawValue, ep: Path) -> Result<Read<'a>> {
    let (full_url, resource) = match head::<EntryHead<'a>>(raw) {
        Some(h) => (h.full_url.map(Cow::into_owned), h.resource),
        None => {
            let eo: BTreeMap<String, &RawValue> =
                serde_json::from_str(raw.get()).map_err(|e| json_error(&ep, &e))?;
            let full_url = string_at(&eo, "fullUrl", &ep)?;
            (full_url, eo.get("resource").copied())
        }
    };
    Ok(match resource.filter(|r| r.get() != "null") {
        Some(r) => Read::Resource(Raw::read(r, ep.key("resource"), full_url)?),
        None => Read::Empty(PlannedItem {
            path: ep.as_str().to_owned(),
            resource_type: String::new(),
            resource_id: None,
            full_url: None,
            original: Cow::Borrowed(""),
            outcome: skip("the entry has no resource"),
        }),
    })
}

/// Plan the entries of a Bundle: every entry is read (type, id) before any is mapped, so the
/// references between them resolve; then the resources are mapped in chunks, handed to `sink`
/// in input order (entries without a resource first).
fn plan_entries<'a, X: Send>(
    raw: Vec<&'a RawValue>,
    entry_path: &Path,
    then: &(dyn Fn(PlannedItem<'a>) -> X + Sync),
    sink: &mut dyn FnMut(Vec<X>, usize) -> Result<()>,
) -> Result<()> {
    if raw.len() > MAX_ENTRIES {
        return Err(entry_path.err("has too many entries"));
    }
    let read = in_order(&raw, |i, e| read_entry(e, entry_path.index(i)))?;
    let mut entries = Vec::with_capacity(raw.len());
    let mut empty = vec![];
    for r in read {
        match r {
            Read::Resource(raw) => entries.push(raw),
            Read::Empty(item) => empty.push(item),
        }
    }
    // Only a DiagnosticReport or a Composition follows references (to its result lines).
    let follows = |e: &Raw<'_>| matches!(e.rtype.as_str(), "DiagnosticReport" | "Composition");
    let refs = if entries.iter().any(follows) {
        Refs::build(&entries)
    } else {
        Refs::default()
    };
    // Checkups first: their result lines are consumed, not imported on their own.
    let mut consumed: HashMap<usize, String> = HashMap::new();
    for e in &entries {
        if follows(e) {
            let value = e.parse()?;
            for line in e
                .resource(&value)
                .lines(&entries, &refs)?
                .unwrap_or_default()
            {
                if let Some(i) = line.entry {
                    consumed
                        .entry(i)
                        .or_insert_with(|| e.path.as_str().to_owned());
                }
            }
        }
    }
    let total = empty.len() + entries.len();
    // `sink`'s error waits until every entry is known to be well formed (see `plan_chunks`).
    let mut failed = None;
    let mut deliver = |items: Vec<X>| {
        if failed.is_none() && !items.is_empty() {
            failed = sink(items, total).err();
        }
        Ok(())
    };
    deliver(empty.into_iter().map(then).collect())?;
    each_in_order(
        &entries,
        |i, e| {
            Ok(then(match consumed.get(&i) {
                Some(c) => PlannedItem {
                    path: e.path.as_str().to_owned(),
                    resource_type: e.rtype.clone(),
                    resource_id: e.id.clone(),
                    full_url: None,
                    original: Cow::Borrowed(""),
                    outcome: Outcome::LineOf { checkup: c.clone() },
                },
                None => e.plan(&entries, &refs)?,
            }))
        },
        &mut deliver,
    )?;
    failed.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests;
