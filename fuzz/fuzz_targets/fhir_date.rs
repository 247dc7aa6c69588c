//! Arbitrary strings into the FHIR date, dateTime and instant readers: never a panic, and what
//! they accept is consistent (a span's first day is not after its last; an earliest instant's
//! local date is its first day; a date's forms are ASCII of at most 10 characters).
#![no_main]

use libfuzzer_sys::fuzz_target;
use phr_core::fhir::date::{parse_date, parse_date_time, parse_instant};
use phr_core::records::DatePrecision;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(d) = parse_date(s) {
        assert!(d.first <= d.last);
        assert!(s.len() <= 10 && s.is_ascii());
        assert_ne!(d.precision, DatePrecision::Second);
    }
    for offset in [0, 9 * 3600, -5 * 3600] {
        if let Some(t) = parse_date_time(s, offset) {
            assert!(t.date <= t.last_date);
            assert_eq!(t.earliest.to_fixed().date_naive(), t.date);
        }
    }
    if let Some(t) = parse_instant(s) {
        assert_eq!(t.precision, DatePrecision::Second);
        assert_eq!(t.date, t.last_date);
    }
});
