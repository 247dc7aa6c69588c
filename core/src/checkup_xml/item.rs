//! One row of the 特定健診 item table (the table itself is `items.rs`, looked up in
//! `catalog.rs`).

/// The value type an item's result is written in (`value xsi:type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// A physical quantity: number and UCUM unit.
    Pq,
    /// A code from the item's result-code system.
    Cd,
    /// An ordinal code (urine dipstick −, ±, +, …).
    Co,
    /// Free text.
    St,
}

impl ValueType {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Pq => "PQ",
            ValueType::Cd => "CD",
            ValueType::Co => "CO",
            ValueType::St => "ST",
        }
    }

    pub fn parse(s: &str) -> Option<ValueType> {
        // `xsi:type` may carry a prefix bound to the HL7 namespace (`hl7:PQ`).
        let local = s.rsplit(':').next().unwrap_or(s).trim();
        match local {
            "PQ" => Some(ValueType::Pq),
            "CD" => Some(ValueType::Cd),
            "CO" => Some(ValueType::Co),
            "ST" => Some(ValueType::St),
            _ => None,
        }
    }
}

/// An item of the MHLW item table (see `items.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// The 17-character item code (OID 1.2.392.200119.6.1005).
    pub code: &'static str,
    pub name: &'static str,
    pub value_type: ValueType,
    /// The UCUM unit of a PQ item; empty when the quantity has no unit (urine specific
    /// gravity, visual acuity, INR).
    pub unit: &'static str,
    /// The result-code system (OID) of a CD or CO item; empty otherwise.
    pub result_code_system: &'static str,
}
