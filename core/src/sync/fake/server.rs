//! The fake's FHIR side: resources with versions and `lastUpdated`, reads, writes, deletes,
//! `batch` and `transaction` Bundles with their per-entry answers, and the CapabilityStatement.

use super::Behaviour;
use super::data::{Answer, Data, split_address};
use serde_json::{Value, json};
use std::collections::HashMap;

/// One interaction: `method` on `url` (relative, `Type`, `Type/id`, `Type?query`).
pub(super) struct Interaction<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub resource: Option<&'a Value>,
    pub if_match: Option<&'a str>,
}

/// Everything but the Bundle itself: read, search, create, update, delete.
pub(super) fn interact(
    data: &mut Data,
    behaviour: &Behaviour,
    rejects: &HashMap<String, u16>,
    i: &Interaction<'_>,
) -> Answer {
    let (path, query) = i.url.split_once('?').unwrap_or((i.url, ""));
    let path = path.trim_start_matches('/');
    if i.method == "GET" && path == "metadata" {
        return Answer::ok(200, capabilities(behaviour));
    }
    if let Some(address) = path.strip_suffix("/_history").filter(|_| i.method == "GET") {
        return history(data, address);
    }
    if let Some(address) = path
        .strip_suffix("/$expunge")
        .filter(|_| i.method == "POST")
    {
        return match (behaviour.offers_expunge, data.resources.get(address)) {
            (false, _) => Answer::error(404, "unknown operation $expunge"),
            (true, None) => Answer::error(404, "no such resource"),
            (true, Some(s)) if s.current().is_some() => {
                Answer::error(409, "only a deleted resource is expunged")
            }
            (true, Some(_)) => {
                data.resources.remove(address);
                Answer::ok(200, super::data::outcome("information", "expunged"))
            }
        };
    }
    if i.method == "GET" && !path.contains('/') {
        return match super::search::search(data, behaviour, path, query) {
            Ok(bundle) => Answer::ok(200, bundle),
            Err(text) => Answer::error(400, &text),
        };
    }
    let (rtype, id) = match split_address(path) {
        Some((t, id)) => (t, Some(id)),
        None if i.method == "POST" && !path.contains('/') => (path, None),
        None => return Answer::error(404, "not a FHIR address"),
    };
    let body_id = i.resource.and_then(|r| r["id"].as_str());
    let refused = id.or(body_id).and_then(|x| rejects.get(x));
    if let (Some(&status), false) = (refused, i.method == "GET") {
        return Answer::error(status, "refused by the test's rule");
    }
    if let Some(want) = i.if_match {
        let have = format!("W/\"{}\"", data.version(path));
        if want != have {
            return Answer::error(412, "version mismatch");
        }
    }
    let tick = behaviour.tick_ms;
    match (i.method, id) {
        ("GET", Some(_)) => data.read(path),
        ("DELETE", Some(_)) => data.delete(path, tick),
        ("PUT", Some(id)) => match i.resource {
            Some(r) if r["resourceType"] == rtype && r["id"] == id => {
                data.write(path, r.clone(), tick)
            }
            _ => Answer::error(400, "the body is not this resource"),
        },
        ("PATCH", Some(_)) => {
            let Some(current) = data.resources.get(path).and_then(|s| s.current()).cloned() else {
                return Answer::error(404, "no such resource");
            };
            match i
                .resource
                .and_then(json_patch)
                .and_then(|p| apply_patch(current, &p))
            {
                Some(patched) => data.write(path, patched, tick),
                None => Answer::error(400, "not a JSON Patch this server applies"),
            }
        }
        ("POST", None) => match i.resource {
            Some(r) if r["resourceType"] == rtype => {
                let id = data.new_id();
                let mut r = r.clone();
                r["id"] = json!(id);
                data.write(&format!("{rtype}/{id}"), r, tick)
            }
            _ => Answer::error(400, "the body is not a resource of this type"),
        },
        _ => Answer::error(405, "method not allowed here"),
    }
}

/// The versions of `address` still readable, newest first, as a `history` Bundle.
fn history(data: &Data, address: &str) -> Answer {
    let Some(stored) = data.resources.get(address) else {
        return Answer::error(404, "no such resource");
    };
    let entry: Vec<Value> = stored
        .versions
        .iter()
        .rev()
        .flatten()
        .map(|r| json!({ "resource": r }))
        .collect();
    Answer::ok(
        200,
        json!({ "resourceType": "Bundle", "type": "history", "total": entry.len(), "entry": entry }),
    )
}

/// The JSON Patch a batch entry carries: a `Binary` of `application/json-patch+json`.
fn json_patch(resource: &Value) -> Option<Vec<Value>> {
    use base64::Engine;
    if resource["resourceType"] != "Binary"
        || resource["contentType"] != "application/json-patch+json"
    {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(resource["data"].as_str()?)
        .ok()?;
    serde_json::from_slice::<Value>(&bytes)
        .ok()?
        .as_array()
        .cloned()
}

/// `add`, `replace` and `remove` on object members (what sync sends), or `None`.
fn apply_patch(mut doc: Value, ops: &[Value]) -> Option<Value> {
    for op in ops {
        let path = op["path"].as_str()?;
        let (parent, key) = path.rsplit_once('/')?;
        let target = doc.pointer_mut(parent)?.as_object_mut()?;
        match op["op"].as_str()? {
            "add" | "replace" => {
                target.insert(key.to_owned(), op.get("value")?.clone());
            }
            "remove" => {
                target.remove(key)?;
            }
            _ => return None,
        }
    }
    Some(doc)
}

fn capabilities(behaviour: &Behaviour) -> Value {
    let types = [
        "Observation",
        "DiagnosticReport",
        "Immunization",
        "MedicationStatement",
        "MedicationRequest",
        "Condition",
        "AllergyIntolerance",
        "DocumentReference",
    ];
    let resource: Vec<Value> = types
        .iter()
        .map(|t| {
            json!({ "type": t, "searchParam": [
                { "name": "_lastUpdated" }, { "name": "_tag" }, { "name": "_id" }] })
        })
        .collect();
    let mut caps = json!({ "resourceType": "CapabilityStatement", "status": "active",
        "kind": "instance", "fhirVersion": "4.0.1", "format": ["json"], "date": "2026-01-01",
        "rest": [{ "mode": "server", "resource": resource,
            "interaction": [{ "code": "batch" }, { "code": "transaction" }] }] });
    if behaviour.offers_expunge {
        caps["rest"][0]["operation"] = json!([{ "name": "expunge",
            "definition": "http://hapifhir.io/fhir/OperationDefinition/expunge" }]);
    }
    caps
}

/// A `batch` or `transaction` Bundle: one answer per entry, in order. A transaction applies
/// all of its entries or none (`Err`: the failed entry's answer).
pub(super) fn bundle(
    data: &mut Data,
    behaviour: &Behaviour,
    rejects: &HashMap<String, u16>,
    bundle: &Value,
) -> Answer {
    let kind = bundle["type"].as_str().unwrap_or_default();
    let Some(entries) = bundle["entry"]
        .as_array()
        .filter(|_| kind == "batch" || kind == "transaction")
    else {
        return Answer::error(400, "not a batch or transaction Bundle");
    };
    let before = (kind == "transaction").then(|| data.clone());
    let mut entries = entries.clone();
    if kind == "transaction" {
        resolve_placeholders(data, &mut entries);
    }
    let mut out = vec![];
    for e in &entries {
        let req = &e["request"];
        let a = interact(
            data,
            behaviour,
            rejects,
            &Interaction {
                method: req["method"].as_str().unwrap_or_default(),
                url: req["url"].as_str().unwrap_or_default(),
                resource: e.get("resource"),
                if_match: req["ifMatch"].as_str(),
            },
        );
        if let (Some(before), true) = (&before, a.status >= 400) {
            *data = before.clone();
            return a;
        }
        out.push(response_entry(&a));
    }
    Answer::ok(
        200,
        json!({ "resourceType": "Bundle", "type": format!("{kind}-response"), "entry": out }),
    )
}

fn response_entry(a: &Answer) -> Value {
    let reason = match a.status {
        200 => "OK",
        201 => "Created",
        404 => "Not Found",
        410 => "Gone",
        412 => "Precondition Failed",
        _ => "",
    };
    let mut response = json!({ "status": format!("{} {reason}", a.status).trim_end().to_owned() });
    let meta = a.resource.as_ref().map(|r| &r["meta"]);
    if let Some(v) = meta.and_then(|m| m["versionId"].as_str()) {
        response["etag"] = json!(format!("W/\"{v}\""));
        response["lastModified"] = meta.map_or(Value::Null, |m| m["lastUpdated"].clone());
    }
    if a.status >= 400 {
        response["outcome"] = a.resource.clone().unwrap_or(Value::Null);
        return json!({ "response": response });
    }
    match &a.resource {
        Some(r) => json!({ "response": response, "resource": r }),
        None => json!({ "response": response }),
    }
}

/// A transaction's `urn:uuid:` entries get server ids, and references to them follow.
fn resolve_placeholders(data: &mut Data, entries: &mut [Value]) {
    let mut ids: HashMap<String, String> = HashMap::new();
    for e in entries.iter_mut() {
        let Some(full) = e["fullUrl"].as_str().filter(|u| u.starts_with("urn:uuid:")) else {
            continue;
        };
        let full = full.to_owned();
        if e["request"]["method"] == "POST" {
            let rtype = e["resource"]["resourceType"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let id = data.new_id();
            e["request"] = json!({ "method": "PUT", "url": format!("{rtype}/{id}") });
            e["resource"]["id"] = json!(id);
            ids.insert(full, format!("{rtype}/{id}"));
        }
    }
    for e in entries.iter_mut() {
        if let Some(r) = e.get_mut("resource") {
            rewrite(r, &ids);
        }
    }
}

fn rewrite(v: &mut Value, ids: &HashMap<String, String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get_mut("reference")
                && let Some(to) = ids.get(r.as_str())
            {
                *r = to.clone();
            }
            m.values_mut().for_each(|c| rewrite(c, ids));
        }
        Value::Array(a) => a.iter_mut().for_each(|c| rewrite(c, ids)),
        _ => {}
    }
}
