//! Arbitrary bytes into the health-checkup XML parser: it must never panic, and what it
//! accepts must respect its limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phr_core::checkup_xml;

fuzz_target!(|data: &[u8]| {
    let _ = checkup_xml::looks_like_checkup_xml(data);
    if let Ok(c) = checkup_xml::parse(data) {
        assert!(!c.checkup.results.is_empty());
        assert!(c.checkup.results.len() <= checkup_xml::MAX_RESULTS);
        for r in &c.checkup.results {
            assert_eq!(r.code.len(), 17);
            assert!(r.value_num.is_none_or(f64::is_finite));
            assert!(checkup_xml::lookup_item(&r.code).is_some());
        }
    }
});
