//! The structured body: every `section/entry/observation` (and observations nested in an
//! `entryRelationship`) read in document order.

use super::path::Path;
use super::result;
use super::tree::Element;
use crate::error::{Error, Result};
use crate::records::CheckupResult;
use std::collections::HashSet;

/// The most results one document may carry (the validation limit of a checkup).
pub const MAX_RESULTS: usize = 2000;

/// The results of the body, and how many observations recorded no value.
#[derive(Debug, Default)]
pub struct Body {
    pub results: Vec<CheckupResult>,
    pub not_done: usize,
}

pub fn read(root: &Element) -> Result<Body> {
    let doc = Path::root("ClinicalDocument");
    let cp = doc.child("component");
    let sbp = cp.child("structuredBody");
    let body = root
        .require(&doc, "component")?
        .require(&cp, "structuredBody")?;
    let mut out = Body::default();
    let mut seen = HashSet::new();
    let mut components = 0;
    for (i, comp) in body.children_named("component").enumerate() {
        components += 1;
        let compp = sbp.nth("component", i + 1);
        let section = comp.require(&compp, "section")?;
        let sp = compp.child("section");
        for (j, entry) in section.children_named("entry").enumerate() {
            let ep = sp.nth("entry", j + 1);
            let obs = entry.require(&ep, "observation")?;
            walk(obs, &ep.child("observation"), &mut out, &mut seen)?;
        }
    }
    if components == 0 {
        return Err(Error::invalid(
            sbp.child("component").to_string(),
            "is required",
        ));
    }
    Ok(out)
}

fn walk(obs: &Element, path: &Path, out: &mut Body, seen: &mut HashSet<String>) -> Result<()> {
    match result::read(obs, path)? {
        Some(r) => {
            if !seen.insert(r.code.clone()) {
                return Err(Error::invalid(
                    path.child("code").attr("code"),
                    "repeats an item code already in this document",
                ));
            }
            if out.results.len() >= MAX_RESULTS {
                return Err(Error::invalid(
                    path.to_string(),
                    format!("is beyond the limit of {MAX_RESULTS} results"),
                ));
            }
            out.results.push(r);
        }
        None => out.not_done += 1,
    }
    for (k, rel) in obs.children_named("entryRelationship").enumerate() {
        let rp = path.nth("entryRelationship", k + 1);
        if let Some(inner) = rel.child("observation") {
            // Depth is bounded by the tree reader's nesting limit.
            walk(inner, &rp.child("observation"), out, seen)?;
        }
    }
    Ok(())
}
