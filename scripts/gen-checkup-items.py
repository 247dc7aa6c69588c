#!/usr/bin/env python3
"""Generate core/src/checkup_xml/items.rs from the MHLW 2024 特定健診 XML item tables.

Usage (from the repository root):
    python3 scripts/gen-checkup-items.py ../shared/data/mhlw-tokutei-kenshin > core/src/checkup_xml/items.rs

Inputs: XMLhc24tab.csv (UTF-8 with BOM, the 322 standard items) and XMLhc24ext.csv (Shift_JIS,
the additional items). Columns used: XMLITEM_17CODE, XMLITEM_NAME, XMLITEM_TYPE, XMLITEM_UNIT
(UCUM), XMLITEM_CODEOID (result-code OID of CD/CO items). When a code is in both tables the
standard table wins. Only facts (codes, names, types, units, OIDs) are copied.
"""
import csv
import io
import os
import sys


def rows(path, encoding):
    with open(path, "rb") as f:
        text = f.read().decode(encoding)
    data = list(csv.reader(io.StringIO(text)))
    header = data[1]
    col = {name: i for i, name in enumerate(header)}
    for r in data[3:] if data[2][0] == "区分番号" else data[2:]:
        if len(r) < len(header) or len(r[col["XMLITEM_17CODE"]].strip()) != 17:
            continue
        yield (
            r[col["XMLITEM_17CODE"]].strip(),
            " ".join(r[col["XMLITEM_NAME"]].split()),
            r[col["XMLITEM_TYPE"]].strip(),
            r[col["XMLITEM_UNIT"]].strip(),
            r[col["XMLITEM_CODEOID"]].strip(),
        )


def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    folder = sys.argv[1]
    items = {}
    for source, enc in (("XMLhc24tab.csv", "utf-8-sig"), ("XMLhc24ext.csv", "cp932")):
        for code, name, typ, unit, oid in rows(os.path.join(folder, source), enc):
            if typ not in ("PQ", "CD", "CO", "ST"):
                raise SystemExit(f"{code}: unknown type {typ}")
            items.setdefault(code, (name, typ, unit, oid))
    out = [
        "//! The 特定健診 item table: name, value type, UCUM unit and result-code OID per 17-digit",
        "//! item code (OID 1.2.392.200119.6.1005).",
        "//!",
        "//! GENERATED — do not edit by hand. Made by `scripts/gen-checkup-items.py` from the MHLW",
        "//! 2024 XML item tables XMLhc24tab.csv (standard items) and XMLhc24ext.csv (additional",
        "//! items) in `../shared/data/mhlw-tokutei-kenshin/`; rerun it when MHLW publishes a new table.",
        "",
        "use super::item::{Item, ValueType};",
        "",
        f"/// {len(items)} items, sorted by code (looked up by binary search).",
        "pub(crate) static ITEMS: &[Item] = &[",
    ]
    for code in sorted(items):
        name, typ, unit, oid = items[code]
        vt = {"PQ": "Pq", "CD": "Cd", "CO": "Co", "ST": "St"}[typ]
        out.append(
            f"    Item {{ code: {rust_str(code)}, name: {rust_str(name)}, value_type: ValueType::{vt}, "
            f"unit: {rust_str(unit)}, result_code_system: {rust_str(oid)} }},"
        )
    out.append("];")
    print("\n".join(out))


main()
