//! The eCheckup (健診結果報告書) and municipal screening document import: arbitrary bytes,
//! seeded with FHIR document Bundles, into the plan (Composition → one checkup) and the reading
//! of the Patient that `--new-person` makes a person from. Never a panic; a checkup planned from
//! a document that the record model's validation accepts has its shape (17-character item
//! codes, finite values): the plan itself is not validated (a refused checkup is kept as a
//! document), so the property is checked after the validation every write goes through.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phr_core::fhir::import::{Outcome, patient_of, plan};
use phr_core::records::{
    CheckupCodeSystem, ClinicalInput, DEFAULT_ZONE, RecordBody, Stamp, Validation,
};

fuzz_target!(|data: &[u8]| {
    let check = Validation {
        now: Stamp {
            utc_seconds: 1_795_000_000,
            offset_seconds: 9 * 3600,
        },
        zone: DEFAULT_ZONE,
    };
    if let Ok(p) = plan(data) {
        for item in p.items {
            if let Outcome::Record(r) = item.outcome
                && let ClinicalInput::Checkup(_) = &r.input
                && let Ok((RecordBody::Checkup(c), _)) = check.prepare(r.input)
            {
                for x in &c.results {
                    if x.code_system != CheckupCodeSystem::Loinc {
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
