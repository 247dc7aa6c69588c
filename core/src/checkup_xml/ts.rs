//! HL7 `TS` values (`YYYYMMDD`, optionally followed by a time) read as dates.

use crate::error::{Error, Result};
use chrono::NaiveDate;

/// The date part of a TS value. `field` names the attribute in errors; the value is never
/// repeated.
pub fn date(field: &str, value: Option<&str>) -> Result<NaiveDate> {
    let v = value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::invalid(field, "is required"))?;
    let bad = || Error::invalid(field, "must be a date YYYYMMDD");
    // TS: YYYYMMDD[hhmm[ss[.fff]]][+zzzz]; only the date is used, the rest must be well formed.
    let (digits, zone) = match v.find(['+', '-']) {
        Some(i) => (&v[..i], Some(&v[i + 1..])),
        None => (v, None),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole)
        || !matches!(whole.len(), 8 | 10 | 12 | 14)
        || fraction.is_some_and(|f| whole.len() != 14 || !all_digits(f) || f.len() > 6)
        || zone.is_some_and(|z| !all_digits(z) || z.len() != 4)
    {
        return Err(bad());
    }
    NaiveDate::parse_from_str(&whole[..8], "%Y%m%d").map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dates_and_refuses_the_rest() {
        let d = NaiveDate::from_ymd_opt(2024, 6, 12).unwrap();
        assert_eq!(date("t", Some("20240612")).unwrap(), d);
        assert_eq!(date("t", Some("20240612093000+0900")).unwrap(), d);
        for bad in [
            "2024061",
            "20241301",
            "2024-06-12",
            "99999999",
            "20240612x",
            "",
        ] {
            assert!(date("t", Some(bad)).is_err(), "{bad}");
        }
        assert!(date("t", None).is_err());
    }
}
