//! The eCheckup (健診結果報告書) and municipal screening document import: arbitrary bytes,
//! seeded with FHIR document Bundles, into the plan (Composition → one checkup) and the reading
//! of the Patient that `--new-person` makes a person from. Never a panic; a checkup planned from
//! a document respects the record model's shape (17-character item codes, finite values).
#![no_main]

use libfuzzer_sys::fuzz_target;
use phr_core::fhir::import::{Outcome, patient_of, plan};
use phr_core::records::{CheckupCodeSystem, ClinicalInput};

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = plan(data) {
        for item in &p.items {
            if let Outcome::Record(r) = &item.outcome
                && let ClinicalInput::Checkup(c) = &r.input
            {
                for x in &c.results {
                    if x.code_system != CheckupCodeSystem::Loinc && item.resource_type == "Composition" {
                        assert_eq!(x.code.len(), 17);
                    }
                    assert!(x.value_num.is_none_or(f64::is_finite));
                }
            }
        }
    }
    if let Ok(Some(f)) = patient_of(data) {
        let _ = f.new_person("fuzz");
    }
});
