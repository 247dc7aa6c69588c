//! The provision log (提供記録; APPI arts. 29 and 33(5), GUIDELINE.md S-19): one entry for
//! every release that left the device — when, to whom, for which purpose, which categories and
//! which details of the subject, how many items, through which channel, and the consent
//! directives that allowed it.
//!
//! It is written where the release becomes a provision: in the transaction that records a
//! recipient's confirmation of a sync (nothing is logged for a send the server did not
//! accept), and in the gate's own transaction for a consent-gated export handed to the caller.
//! An entry holds no health value, so it outlives what it describes: erasing records or
//! removing a person leaves it. The core never removes an entry; `keep_until` says how long the
//! operator must keep its copy at least (three years).

mod entry;
mod file;
mod log;

pub use entry::{Channel, Form, Provision};
pub use file::{to_csv, to_json};
pub(crate) use log::{Provided, list, record};

/// How long an entry is kept at least (APPI rule 20: three years for a provision).
pub const KEEP_YEARS: i32 = 3;
