//! One `observation` read as a checkup result, checked against the item table.

use super::catalog;
use super::item::{Item, ValueType};
use super::path::Path;
use super::tree::Element;
use crate::error::{Error, Result};
use crate::records::{CheckupCodeSystem, CheckupResult};

/// The item code system (OID) of `observation/code`.
pub const ITEM_CODE_OID: &str = "1.2.392.200119.6.1005";
const MAX_TEXT_CHARS: usize = 1000;

/// Read one observation. `Ok(None)` when it records no value (an item not done:
/// no `value`, or a `value` with `nullFlavor`).
pub fn read(obs: &Element, path: &Path) -> Result<Option<CheckupResult>> {
    let cp = path.child("code");
    let code_el = obs.require(path, "code")?;
    let code = code_el
        .attr("code")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| Error::invalid(cp.attr("code"), "is required"))?;
    if code.len() != 17 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::invalid(
            cp.attr("code"),
            "must be a 17-character item code",
        ));
    }
    if let Some(cs) = code_el.attr("codeSystem")
        && cs.trim() != ITEM_CODE_OID
    {
        return Err(Error::invalid(
            cp.attr("codeSystem"),
            "must be 1.2.392.200119.6.1005",
        ));
    }
    let item = catalog::lookup(code).ok_or_else(|| {
        Error::invalid(
            cp.attr("code"),
            "is not an item of the 2024 特定健診 item table",
        )
    })?;
    let mut values = obs.children_named("value");
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let vp = path.child("value");
    if values.next().is_some() {
        return Err(Error::invalid(vp.to_string(), "must occur once"));
    }
    if value.attr("nullFlavor").is_some() {
        return Ok(None);
    }
    let ty = value
        .attr("xsi:type")
        .ok_or_else(|| Error::invalid(vp.attr("xsi:type"), "is required"))?;
    let ty = ValueType::parse(ty)
        .ok_or_else(|| Error::invalid(vp.attr("xsi:type"), "must be PQ, CD, CO or ST"))?;
    if ty != item.value_type {
        return Err(Error::invalid(
            vp.attr("xsi:type"),
            format!(
                "does not match the item table, which gives {} for this item",
                item.value_type.as_str()
            ),
        ));
    }
    let mut r = CheckupResult {
        code_system: CheckupCodeSystem::Tokutei,
        code: item.code.to_owned(),
        name: item.name.to_owned(),
        value_num: None,
        value_code: None,
        value_system: None,
        value_text: None,
        unit: None,
        ref_low: None,
        ref_high: None,
        flag: None,
    };
    match ty {
        ValueType::Pq => {
            r.value_num = Some(number(&vp.attr("value"), value.attr("value"))?);
            r.unit = unit(item, &vp, value)?;
        }
        ValueType::Cd | ValueType::Co => {
            r.value_code = Some(result_code(item, &vp, value)?);
        }
        ValueType::St => {
            let Some(text) = value.trimmed_text() else {
                return Ok(None);
            };
            if text.chars().count() > MAX_TEXT_CHARS {
                return Err(Error::invalid(
                    vp.to_string(),
                    format!("must be at most {MAX_TEXT_CHARS} characters"),
                ));
            }
            if text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t')
            {
                return Err(Error::invalid(
                    vp.to_string(),
                    "must not contain control characters",
                ));
            }
            r.value_text = Some(text.to_owned());
        }
    }
    r.flag = interpretation(obs, path)?;
    if let Some((low, high)) = reference_range(item, obs, path)? {
        r.ref_low = low;
        r.ref_high = high;
    }
    Ok(Some(r))
}

/// A decimal number (`real`): digits with an optional sign, point and exponent; finite.
fn number(field: &str, v: Option<&str>) -> Result<f64> {
    let v = v
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::invalid(field, "is required"))?;
    let ok_chars = v.len() <= 32
        && v.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    match v.parse::<f64>() {
        Ok(n) if ok_chars && n.is_finite() => Ok(n),
        _ => Err(Error::invalid(field, "must be a number")),
    }
}

fn unit(item: &Item, vp: &Path, value: &Element) -> Result<Option<String>> {
    match catalog::match_unit(item, value.attr("unit")) {
        Some(u) => Ok(u.map(str::to_owned)),
        None if item.unit.is_empty() => Err(Error::invalid(
            vp.attr("unit"),
            "must be absent: the item has no unit",
        )),
        None if value.attr("unit").is_none() => Err(Error::invalid(
            vp.attr("unit"),
            format!("is required ({})", item.unit),
        )),
        None => Err(Error::invalid(
            vp.attr("unit"),
            format!("must be the item's unit {}", item.unit),
        )),
    }
}

fn result_code(item: &Item, vp: &Path, value: &Element) -> Result<String> {
    let code = value
        .attr("code")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| Error::invalid(vp.attr("code"), "is required"))?;
    if code.len() > 16 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::invalid(vp.attr("code"), "must be a result code"));
    }
    if let Some(cs) = value.attr("codeSystem").map(str::trim)
        && !item.result_code_system.is_empty()
        && cs != item.result_code_system
    {
        return Err(Error::invalid(
            vp.attr("codeSystem"),
            format!(
                "must be the item's result-code system {}",
                item.result_code_system
            ),
        ));
    }
    Ok(code.to_owned())
}

/// `interpretationCode@code`: H, L, N or A (HH, LL and AA fold into H, L and A).
fn interpretation(obs: &Element, path: &Path) -> Result<Option<String>> {
    let Some(ic) = obs.child("interpretationCode") else {
        return Ok(None);
    };
    if ic.attr("nullFlavor").is_some() {
        return Ok(None);
    }
    let ip = path.child("interpretationCode");
    let flag = match ic.attr("code").map(str::trim) {
        Some("H" | "HH") => "H",
        Some("L" | "LL") => "L",
        Some("N") => "N",
        Some("A" | "AA") => "A",
        Some(_) => return Err(Error::invalid(ip.attr("code"), "must be H, L, N or A")),
        None => return Err(Error::invalid(ip.attr("code"), "is required")),
    };
    Ok(Some(flag.to_owned()))
}

type Range = (Option<f64>, Option<f64>);

/// The first `referenceRange/observationRange/value` of type IVL_PQ, as low and high.
fn reference_range(item: &Item, obs: &Element, path: &Path) -> Result<Option<Range>> {
    for (i, rr) in obs.children_named("referenceRange").enumerate() {
        let rp = path.nth("referenceRange", i + 1).child("observationRange");
        let Some(value) = rr
            .require(&path.nth("referenceRange", i + 1), "observationRange")?
            .child("value")
        else {
            continue;
        };
        let vp = rp.child("value");
        match value
            .attr("xsi:type")
            .map(|t| t.rsplit(':').next().unwrap_or(t))
        {
            Some("IVL_PQ") => {}
            // Text ranges (ST) and coded normals carry no numbers to keep.
            _ => continue,
        }
        if item.value_type != ValueType::Pq {
            return Err(Error::invalid(
                vp.attr("xsi:type"),
                "a numeric range belongs to a PQ item",
            ));
        }
        let bound = |name: &str| -> Result<Option<f64>> {
            let Some(b) = value.child(name) else {
                return Ok(None);
            };
            if b.attr("nullFlavor").is_some() {
                return Ok(None);
            }
            let bp = vp.child(name);
            let n = number(&bp.attr("value"), b.attr("value"))?;
            if b.attr("unit").is_some() {
                unit(item, &bp, b)?;
            }
            Ok(Some(n))
        };
        let (low, high) = (bound("low")?, bound("high")?);
        if let (Some(l), Some(h)) = (low, high)
            && l > h
        {
            return Err(Error::invalid(
                vp.child("low").attr("value"),
                "must not exceed high",
            ));
        }
        if low.is_some() || high.is_some() {
            return Ok(Some((low, high)));
        }
    }
    Ok(None)
}
