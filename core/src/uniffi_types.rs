//! How core types that are not plain data cross the FFI (only with the `uniffi` feature).
//!
//! A local date (`chrono::NaiveDate`) crosses as its ISO 8601 text `YYYY-MM-DD`, which both
//! `java.time.LocalDate` and Swift's `Date` formatters read and write. The Kotlin and Swift
//! wrappers always format dates themselves, so a malformed string can only come from code that
//! bypasses them; UniFFI then reports it as an internal error (an exception, never a panic).

use chrono::NaiveDate;

uniffi::custom_type!(NaiveDate, String, {
    remote,
    lower: |d| d.format("%Y-%m-%d").to_string(),
    try_lift: |s| crate::records::parse_date("date", &s)
        .map_err(|_| uniffi::deps::anyhow::anyhow!("a date must be YYYY-MM-DD")),
});
