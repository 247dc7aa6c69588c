//! Shared checks for free-text and coded fields.

use crate::error::{Error, Result};
use chrono::{Datelike, NaiveDate};

/// A required text field: trimmed of ASCII and ideographic (U+3000) spaces at the ends, not
/// empty, at most `max` characters. Inner spaces, kanji and kana are kept as they are.
pub fn required(field: &str, s: &str, max: usize) -> Result<String> {
    let t = s.trim_matches(|c: char| c.is_whitespace());
    if t.is_empty() {
        return Err(Error::invalid(field, "is required"));
    }
    if t.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(t.to_owned())
}

/// An optional text field: `None` or empty stays `None`.
pub fn optional(field: &str, s: Option<&str>, max: usize) -> Result<Option<String>> {
    match s {
        Some(v) if !v.trim_matches(|c: char| c.is_whitespace()).is_empty() => {
            required(field, v, max).map(Some)
        }
        _ => Ok(None),
    }
}

/// A date that is not in the future (beyond `today`).
pub fn past_date(field: &str, d: NaiveDate, today: NaiveDate) -> Result<NaiveDate> {
    if d > today {
        return Err(Error::invalid(field, "must not be in the future"));
    }
    if d.year() < 1900 {
        return Err(Error::invalid(field, "must be after 1900"));
    }
    Ok(d)
}

/// Parse `YYYY-MM-DD`.
pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| Error::invalid(field, "must be a date YYYY-MM-DD"))
}

/// A code made of ASCII letters, digits, dots and hyphens (LOINC, JLAC10, YJ, HOT, OIDs).
pub fn code(field: &str, s: Option<&str>) -> Result<Option<String>> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if s.len() > 64
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
    {
        return Err(Error::invalid(
            field,
            "must be a code of letters, digits, '.', '-'",
        ));
    }
    Ok(Some(s.to_owned()))
}
