//! Search as sync uses it: `subject` / `patient`, `_id`, `_lastUpdated` (with prefixes),
//! `_tag` and `_tag:not`, `_include`, `_sort=_lastUpdated`, `_count`, `_offset` with `next`
//! links. Any other parameter is refused (400): a test learns at once that sync asked for
//! something this server does not know.

use super::Behaviour;
use super::data::{BASE, Data};
use chrono::{DateTime, FixedOffset};
use serde_json::{Value, json};
use std::collections::HashSet;

/// Default page size when `_count` is absent.
const DEFAULT_COUNT: usize = 100;

type Filter = Box<dyn Fn(&Value) -> bool>;

/// A `searchset` Bundle for `rtype?query`, or why the search is refused.
pub(super) fn search(
    data: &Data,
    behaviour: &Behaviour,
    rtype: &str,
    query: &str,
) -> Result<Value, String> {
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let mut filters: Vec<Filter> = vec![];
    let (mut count, mut offset, mut descending) = (DEFAULT_COUNT, 0, false);
    let mut includes: Vec<String> = vec![];
    for (name, value) in &params {
        match name.as_str() {
            "_id" => {
                let ids: HashSet<String> = value.split(',').map(str::to_owned).collect();
                filters.push(Box::new(move |r| {
                    r["id"].as_str().is_some_and(|i| ids.contains(i))
                }));
            }
            "_lastUpdated" => filters.push(last_updated(value)?),
            "_tag" => {
                let tag = value.clone();
                filters.push(Box::new(move |r| has_tag(r, &tag)));
            }
            "_tag:not" if behaviour.honour_tag_not => {
                let tag = value.clone();
                filters.push(Box::new(move |r| !has_tag(r, &tag)));
            }
            "_tag:not" => {}
            "subject" | "patient" if behaviour.ignore_subject => {}
            "subject" | "patient" => {
                let (field, want) = (name.clone(), value.clone());
                filters.push(Box::new(move |r| {
                    let of = |f: &str| r[f]["reference"].as_str().map(str::to_owned);
                    let got = if field == "patient" {
                        of("patient").or_else(|| of("subject"))
                    } else {
                        of("subject")
                    };
                    got.as_deref() == Some(want.as_str())
                }));
            }
            "_include" if behaviour.honour_include => includes.push(value.clone()),
            "_include" => {}
            "_sort" if value == "_lastUpdated" => descending = false,
            "_sort" if value == "-_lastUpdated" => descending = true,
            "_count" => count = value.parse().map_err(|_| "_count is not a number")?,
            "_offset" => offset = value.parse().map_err(|_| "_offset is not a number")?,
            _ => return Err(format!("unknown search parameter {name}={value}")),
        }
    }
    let count = count.min(behaviour.max_count);
    let prefix = format!("{rtype}/");
    let mut matches: Vec<&Value> = data
        .resources
        .iter()
        .filter(|(a, _)| a.starts_with(&prefix))
        .filter_map(|(_, s)| s.current())
        .filter(|r| filters.iter().all(|f| f(r)))
        .collect();
    matches.sort_by(|a, b| {
        let key = |r: &Value| {
            (
                r["meta"]["lastUpdated"].as_str().unwrap_or("").to_owned(),
                r["id"].as_str().unwrap_or("").to_owned(),
            )
        };
        if descending {
            key(b).cmp(&key(a))
        } else {
            key(a).cmp(&key(b))
        }
    });
    let total = matches.len();
    let page: Vec<&Value> = matches.into_iter().skip(offset).take(count).collect();
    let mut entry: Vec<Value> = page.iter().map(|r| entry_of(r, "match")).collect();
    entry.extend(
        included(data, rtype, &page, &includes)
            .iter()
            .map(|r| entry_of(r, "include")),
    );
    let mut link = vec![json!({ "relation": "self", "url": format!("{BASE}/{rtype}?{query}") })];
    if behaviour.paging_links && offset + count < total {
        let rest: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter().filter(|(n, _)| n != "_offset"))
            .append_pair("_offset", &(offset + count).to_string())
            .finish();
        link.push(json!({ "relation": "next", "url": format!("{BASE}/{rtype}?{rest}") }));
    }
    Ok(
        json!({ "resourceType": "Bundle", "type": "searchset", "total": total, "link": link, "entry": entry }),
    )
}

fn entry_of(r: &Value, mode: &str) -> Value {
    let address = format!(
        "{}/{}",
        r["resourceType"].as_str().unwrap_or(""),
        r["id"].as_str().unwrap_or("")
    );
    json!({ "fullUrl": format!("{BASE}/{address}"), "resource": r, "search": { "mode": mode } })
}

fn has_tag(r: &Value, tag: &str) -> bool {
    let (system, code) = tag.split_once('|').unwrap_or(("", tag));
    r["meta"]["tag"].as_array().is_some_and(|tags| {
        tags.iter()
            .any(|t| t["code"] == code && (system.is_empty() || t["system"] == system))
    })
}

/// `_lastUpdated=[prefix]instant`: eq (default), ne, gt, lt, ge, le.
fn last_updated(value: &str) -> Result<Filter, String> {
    let (prefix, at) = match value.get(..2) {
        Some(p @ ("eq" | "ne" | "gt" | "lt" | "ge" | "le")) => (p.to_owned(), &value[2..]),
        _ => ("eq".to_owned(), value),
    };
    let at = parse(at).ok_or_else(|| format!("_lastUpdated: not an instant: {at}"))?;
    Ok(Box::new(move |r| {
        let Some(u) = r["meta"]["lastUpdated"].as_str().and_then(parse) else {
            return false;
        };
        match prefix.as_str() {
            "ne" => u != at,
            "gt" => u > at,
            "lt" => u < at,
            "ge" => u >= at,
            "le" => u <= at,
            _ => u == at,
        }
    }))
}

fn parse(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s).ok()
}

/// Resources the page's matches reference through `_include=Type:field`, each once and not
/// already a match.
fn included(data: &Data, rtype: &str, page: &[&Value], includes: &[String]) -> Vec<Value> {
    let mut seen: HashSet<String> = page
        .iter()
        .map(|r| {
            format!(
                "{}/{}",
                r["resourceType"].as_str().unwrap_or(""),
                r["id"].as_str().unwrap_or("")
            )
        })
        .collect();
    let mut out = vec![];
    for inc in includes {
        let Some((t, field)) = inc.split_once(':') else {
            continue;
        };
        if t != rtype {
            continue;
        }
        for r in page {
            let refs: Vec<&Value> = match &r[field] {
                Value::Array(a) => a.iter().collect(),
                v @ Value::Object(_) => vec![v],
                _ => vec![],
            };
            for address in refs.iter().filter_map(|x| x["reference"].as_str()) {
                if let Some(found) = data.resources.get(address).and_then(|s| s.current())
                    && seen.insert(address.to_owned())
                {
                    out.push(found.clone());
                }
            }
        }
    }
    out
}
