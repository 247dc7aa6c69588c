//! FHIR R4 `date`, `dateTime` and `instant` values, read as FHIR writes them: a `date` is
//! `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; a `dateTime` is one of those or a full date and time to
//! the second with a zone (`2021-10-19T10:00:00+09:00`, fractions allowed); an `instant` is
//! always full (R4 datatypes, §2.24.0.1). A partial value stands for its whole span: it is
//! read as the span's first and last day, with its precision.

use crate::records::{AsGiven, DatePrecision, Stamp};
use chrono::{DateTime, NaiveDate};

/// The forms a `date` takes, for error messages.
pub const DATE_FORMS: &str = "expected a FHIR date: YYYY, YYYY-MM or YYYY-MM-DD";
/// The forms a `dateTime` takes, for error messages.
pub const DATE_TIME_FORMS: &str =
    "expected a FHIR dateTime: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a zone";
/// The form an `instant` takes, for error messages.
pub const INSTANT_FORMS: &str = "expected a FHIR instant: YYYY-MM-DDThh:mm:ss with a zone";

/// A date as FHIR gave it: the first and last day it may be, and how precise it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FhirDate {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub precision: DatePrecision,
}

impl FhirDate {
    /// Whether `d` is a day this date may be.
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.first <= d && d <= self.last
    }
}

fn digits(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn last_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next?.pred_opt()
}

/// An R4 `date`: `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (ASCII digits, year 0001–9999).
pub fn parse_date(s: &str) -> Option<FhirDate> {
    let parts: Vec<&str> = s.split('-').collect();
    let year = match parts.first() {
        Some(y) if y.len() == 4 => digits(y).filter(|&y| y >= 1)?,
        _ => return None,
    };
    let year = i32::try_from(year).ok()?;
    let two = |p: &str| if p.len() == 2 { digits(p) } else { None };
    match parts.as_slice() {
        [_] => Some(FhirDate {
            first: NaiveDate::from_ymd_opt(year, 1, 1)?,
            last: NaiveDate::from_ymd_opt(year, 12, 31)?,
            precision: DatePrecision::Year,
        }),
        [_, m] => {
            let m = two(m)?;
            Some(FhirDate {
                first: NaiveDate::from_ymd_opt(year, m, 1)?,
                last: last_of_month(year, m)?,
                precision: DatePrecision::Month,
            })
        }
        [_, m, d] => {
            let day = NaiveDate::from_ymd_opt(year, two(m)?, two(d)?)?;
            Some(FhirDate {
                first: day,
                last: day,
                precision: DatePrecision::Day,
            })
        }
        _ => None,
    }
}

/// A time as FHIR gave it: its earliest instant (a partial one at 00:00 of its first day at the
/// offset given to dates), its precision and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FhirTime {
    pub earliest: Stamp,
    pub precision: DatePrecision,
    /// The local date of `earliest` (a partial value's first day).
    pub date: NaiveDate,
    /// The last day the value may be (a partial value's last day; a full one's own day).
    pub last_date: NaiveDate,
}

impl FhirTime {
    /// What a record keeps beside `earliest` when the value is not a full instant.
    pub fn as_given(&self, text: &str) -> Option<AsGiven> {
        (self.precision != DatePrecision::Second).then(|| AsGiven {
            precision: self.precision,
            text: text.to_owned(),
        })
    }
}

/// A full date and time with seconds and a zone (an `instant`, or a `dateTime` with a time).
pub fn parse_instant(s: &str) -> Option<FhirTime> {
    // RFC 3339 as R4 restricts it: `T` (not a space), seconds present, a zone.
    let b = s.as_bytes();
    if b.len() < 20 || b.get(10) != Some(&b'T') || b.get(16) != Some(&b':') {
        return None;
    }
    parse_date(s.get(..10)?)?;
    let t = DateTime::parse_from_rfc3339(s).ok()?;
    let date = t.date_naive();
    Some(FhirTime {
        earliest: Stamp::from_fixed(t),
        precision: DatePrecision::Second,
        date,
        last_date: date,
    })
}

/// An R4 `dateTime`; a partial one begins at 00:00 at `date_offset` (seconds east).
pub fn parse_date_time(s: &str, date_offset: i32) -> Option<FhirTime> {
    if s.len() > 10 {
        return parse_instant(s);
    }
    let d = parse_date(s)?;
    let midnight = d.first.and_hms_opt(0, 0, 0)?.and_utc().timestamp();
    Some(FhirTime {
        earliest: Stamp {
            utc_seconds: midnight - i64::from(date_offset),
            offset_seconds: date_offset,
        },
        precision: d.precision,
        date: d.first,
        last_date: d.last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn partial_dates_span_their_year_or_month() {
        let y = parse_date("2015").unwrap();
        assert_eq!(
            (y.first, y.last, y.precision),
            (ymd(2015, 1, 1), ymd(2015, 12, 31), DatePrecision::Year)
        );
        let m = parse_date("2024-02").unwrap();
        assert_eq!((m.first, m.last), (ymd(2024, 2, 1), ymd(2024, 2, 29)));
        assert_eq!(parse_date("2022-12").unwrap().last, ymd(2022, 12, 31));
        assert_eq!(
            parse_date("2021-10-19").unwrap().precision,
            DatePrecision::Day
        );
    }

    #[test]
    fn malformed_dates_are_refused() {
        for bad in [
            "",
            "15",
            "20150",
            "0000",
            "2015-1",
            "2015-13",
            "2015-02-30",
            "2015-00",
            "２０１５",
            "2015-01-01-01",
            "2015/01",
            "+2015",
            "2015-",
            "-2015",
            "2015-01-1",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn date_times_keep_their_offset_and_partial_ones_begin_at_local_midnight() {
        let t = parse_date_time("2021-10-19T10:00:00+09:00", 0).unwrap();
        assert_eq!(t.earliest.offset_seconds, 9 * 3600);
        assert_eq!(t.precision, DatePrecision::Second);
        assert!(t.as_given("x").is_none());
        let p = parse_date_time("2015", 9 * 3600).unwrap();
        assert_eq!(p.earliest.to_rfc3339(), "2015-01-01T00:00:00+09:00");
        assert_eq!(p.last_date, ymd(2015, 12, 31));
        assert_eq!(p.as_given("2015").unwrap().precision, DatePrecision::Year);
        assert!(parse_date_time("2021-10-19T10:00:00.123Z", 0).is_some());
        for bad in [
            "2021-10-19T10:00",
            "2021-10-19T10:00:00",
            "2021-10-19 10:00:00+09:00",
            "2021-10-19T25:00:00Z",
            "昨日",
            "2021-10-19T10:00:00+09:00x",
        ] {
            assert_eq!(parse_date_time(bad, 0), None, "{bad:?}");
        }
    }
}
