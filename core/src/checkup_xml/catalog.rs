//! The 特定健診 item table looked up: an item by its code, and a file's unit checked against
//! the item's.

use super::item::Item;
use super::items::ITEMS;

/// The item with this code, if the table has it.
pub fn lookup(code: &str) -> Option<&'static Item> {
    ITEMS
        .binary_search_by(|i| i.code.cmp(code))
        .ok()
        .map(|i| &ITEMS[i])
}

/// Spellings of a unit seen in files that mean the table's UCUM unit.
const ALIASES: &[(&str, &str)] = &[
    ("mmHg", "mm[Hg]"),
    ("mm Hg", "mm[Hg]"),
    ("/uL", "/mm3"),
    ("/μL", "/mm3"),
    ("10*4/uL", "10*4/mm3"),
    ("10^4/uL", "10*4/mm3"),
    ("10^4/mm3", "10*4/mm3"),
    ("mL/min/{1.73_m2}", "ml/min/1.73m2"),
    ("/min", "{h`b}/min"),
    ("{beats}/min", "{h`b}/min"),
];

/// Check a PQ unit from the file against the item's unit. Returns the unit to store (the
/// table's spelling), or `None` when the unit is of another kind. Case differences
/// (`mg/dl` for `mg/dL`) and a few common spellings (`mmHg`) are accepted.
pub fn match_unit(item: &Item, unit: Option<&str>) -> Option<Option<&'static str>> {
    let unit = unit.map(str::trim).filter(|u| !u.is_empty() && *u != "1");
    match (item.unit, unit) {
        ("", None) => Some(None),
        ("", Some(_)) | (_, None) => None,
        (expected, Some(u)) => {
            let same = |a: &str| a.eq_ignore_ascii_case(expected);
            let aliased = ALIASES
                .iter()
                .any(|(alias, to)| alias.eq_ignore_ascii_case(u) && same(to));
            (same(u) || aliased).then_some(Some(expected))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkup_xml::ValueType;

    #[test]
    fn the_table_is_sorted_and_unique() {
        assert!(ITEMS.windows(2).all(|w| w[0].code < w[1].code));
        assert!(ITEMS.iter().all(|i| i.code.len() == 17));
    }

    #[test]
    fn looks_up_known_items() {
        let height = lookup("9N001000000000001").unwrap();
        assert_eq!((height.value_type, height.unit), (ValueType::Pq, "cm"));
        let hba1c = lookup("3D046000001906202").unwrap();
        assert_eq!(hba1c.unit, "%");
        let metabo = lookup("9N501000000000011").unwrap();
        assert_eq!(metabo.result_code_system, "1.2.392.200119.6.1008");
        assert!(lookup("00000000000000000").is_none());
    }

    #[test]
    fn units_match_by_case_and_alias_but_not_by_kind() {
        let tg = lookup("3F015000002327101").unwrap();
        assert_eq!(match_unit(tg, Some("mg/dl")), Some(Some("mg/dL")));
        assert_eq!(match_unit(tg, Some("mmol/L")), None);
        assert_eq!(match_unit(tg, None), None);
        let sbp = lookup("9A751000000000001").unwrap();
        assert_eq!(match_unit(sbp, Some("mmHg")), Some(Some("mm[Hg]")));
        let sg = lookup("1A030000000190301").unwrap();
        assert_eq!(match_unit(sg, None), Some(None));
        assert_eq!(match_unit(sg, Some("1")), Some(None));
        assert_eq!(match_unit(sg, Some("kg")), None);
    }
}
