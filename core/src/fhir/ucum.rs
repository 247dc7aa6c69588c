//! UCUM codes for `Quantity.code`. A unit goes out UCUM-coded (`system` + `code`) only when it
//! is a valid UCUM code; the MHLW item table spells a few units its own way, which are written
//! as the UCUM code of the same unit (checked against the UCUM validator `@lhncbc/ucum-lhc` in
//! `core/tests/fhir_conformance.rs`). Any other unit (`回`, `bpm`) travels as display text only.

/// The MHLW 2024 item table's spellings that are not valid UCUM, and the UCUM code of the unit
/// they mean.
const TABLE_SPELLINGS: &[(&str, &str)] = &[
    ("ml/min/1.73m2", "mL/min/{1.73_m2}"),
    ("mg/g*CR", "mg/g{Cre}"),
    ("mg/day", "mg/d"),
    ("Kg", "kg"),
];

/// Valid UCUM codes the export writes: the units of every observation type and of what an
/// observation may be entered in, and every unit of the item table (once spelled as UCUM).
const VALID: &[&str] = &[
    // Observation types and entered units.
    "kg",
    "cm",
    "kg/m2",
    "%",
    "mm[Hg]",
    "/min",
    "Cel",
    "mg/dL",
    "{steps}",
    "h",
    "[lb_av]",
    "g",
    "m",
    "mm",
    "[in_i]",
    "[degF]",
    "mmol/L",
    "min",
    // The item table (XMLhc24tab / XMLhc24ext), as UCUM.
    "U/L",
    "g/cm3",
    "ng/mL",
    "g/dL",
    "mg/L",
    "U/mL",
    "meq/L",
    "umol/L",
    "ug/L",
    "ueq/L",
    "s",
    "pg/ml",
    "pg/mL",
    "mg/g{Cre}",
    "mg/d",
    "U",
    "L",
    "10*4/mm3",
    "/mm3",
    "{times}",
    "{times-dilution}",
    "{permil}",
    "{h`b}/min",
    "ug/dL",
    "u[iU]/mL",
    "pg",
    "ng/dL",
    "mL/min/{1.73_m2}",
    "m/s",
    "fl",
    "fL",
    "cm2",
    "[pH]",
    // Common spellings in files from elsewhere.
    "mg/dl",
    "U/l",
    "mL",
    "/uL",
    "10*3/uL",
    "10*4/uL",
    "10*6/uL",
    "{beats}/min",
    "mmol/mol",
    "[iU]/L",
    "mU/L",
    "ng/dL",
    "pmol/L",
    "nmol/L",
    "mL/min",
    "{ratio}",
    "1",
];

/// The UCUM code of `unit`, or `None` when it is not one (then it is display text only).
pub fn ucum_code(unit: &str) -> Option<&str> {
    let unit = unit.trim();
    if let Some((_, ucum)) = TABLE_SPELLINGS.iter().find(|(t, _)| *t == unit) {
        return Some(ucum);
    }
    VALID.contains(&unit).then_some(unit)
}

/// Every unit the item table and the observation types give, for the conformance test.
#[doc(hidden)]
pub fn known_units() -> impl Iterator<Item = &'static str> {
    VALID
        .iter()
        .copied()
        .chain(TABLE_SPELLINGS.iter().map(|(_, u)| *u))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_of_the_item_table_has_a_ucum_code() {
        for item in crate::checkup_xml::all_items() {
            if !item.unit.is_empty() {
                assert!(
                    ucum_code(item.unit).is_some(),
                    "{} {}",
                    item.code,
                    item.unit
                );
            }
        }
        for ty in crate::records::ObservationType::ALL {
            assert_eq!(ucum_code(ty.unit()), Some(ty.unit()));
        }
        assert_eq!(ucum_code("回"), None);
        assert_eq!(ucum_code("bpm"), None);
        assert_eq!(ucum_code("ml/min/1.73m2"), Some("mL/min/{1.73_m2}"));
    }
}
