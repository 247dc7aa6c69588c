//! What every record mapping needs to know about the export it is part of.

use chrono::NaiveDate;
use serde_json::Value;
use std::collections::HashSet;

pub(crate) struct Ctx<'a> {
    /// The Patient resource id.
    pub patient: String,
    /// Ids of the records in this export: a reference to a record outside it (BMI's weight when
    /// a gated export withholds weights) is left out rather than dangling.
    pub exported: HashSet<&'a str>,
    /// The export's local date (a medication whose end date has passed is `completed`).
    pub today: NaiveDate,
    /// How the references of exported originals find their resources in this export (none
    /// when no original is exported).
    pub renames: Option<super::references::Renames>,
}

/// One resource made from a record, with its id.
pub(crate) struct Mapped {
    pub id: String,
    pub resource: Value,
}
