//! Instants as stored: UTC plus the offset the person was at, so a reading taken at 07:00 in
//! Tokyo still reads 07:00 after the phone travels.

use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A UTC instant with its original UTC offset (seconds east).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Stamp {
    pub utc_seconds: i64,
    pub offset_seconds: i32,
}

impl Stamp {
    pub fn from_fixed(t: DateTime<FixedOffset>) -> Self {
        Stamp {
            utc_seconds: t.timestamp(),
            offset_seconds: t.offset().local_minus_utc(),
        }
    }

    /// A UTC instant as read at `offset_seconds` east.
    pub fn from_utc(t: DateTime<Utc>, offset_seconds: i32) -> Self {
        Stamp {
            utc_seconds: t.timestamp(),
            offset_seconds,
        }
    }

    /// The instant at its original offset. Out-of-range values (never written by us) fall back to UTC.
    pub fn to_fixed(self) -> DateTime<FixedOffset> {
        let offset = FixedOffset::east_opt(self.offset_seconds).unwrap_or(Utc.fix());
        offset
            .timestamp_opt(self.utc_seconds, 0)
            .single()
            .unwrap_or_else(|| DateTime::UNIX_EPOCH.with_timezone(&offset))
    }

    /// RFC 3339 at its original offset, to the second (`2026-11-24T07:30:00+09:00`; `Z` for UTC).
    pub fn to_rfc3339(self) -> String {
        self.to_fixed()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    pub fn to_utc(self) -> DateTime<Utc> {
        self.to_fixed().with_timezone(&Utc)
    }
}

/// Japan Standard Time, the default zone for local dates (no daylight saving).
pub const JST_OFFSET_SECONDS: i32 = 9 * 3600;

/// How precisely a clinical time is known. FHIR allows a `date` or `dateTime` of a year
/// (`2015`), a month (`2022-05`) or a day as well as a full instant; the record keeps the
/// earliest instant of that span as its sort and filter key, and the precision beside it.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    Year,
    Month,
    Day,
    /// A full date and time (to the second).
    #[default]
    Second,
}

impl DatePrecision {
    pub fn as_str(self) -> &'static str {
        match self {
            DatePrecision::Year => "year",
            DatePrecision::Month => "month",
            DatePrecision::Day => "day",
            DatePrecision::Second => "second",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "year" => DatePrecision::Year,
            "month" => DatePrecision::Month,
            "day" => DatePrecision::Day,
            "second" => DatePrecision::Second,
            _ => return None,
        })
    }
}

/// A clinical time as it was given (`2015`, `2022-05`, `2021-10-19`), beside the earliest
/// instant a record keeps for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsGiven {
    pub precision: DatePrecision,
    pub text: String,
}
