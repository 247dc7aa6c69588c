//! KPI contributions (issue #19 items 4 and 5): what the device computes for each KPI the
//! operator profile defines (`contribution`, pure), the programme pseudonym that pairs a
//! resident's contributions without naming them (`pseudonym`), and the municipality's side
//! that reads contributions (files, or its FHIR server's search: `search`) and publishes
//! suppressed figures (`aggregate`). The gate that lets
//! a contribution leave is [`crate::consent::ReleasedContributions`]; the FHIR form is
//! [`crate::fhir::measure_report`]. See docs/ENGAGEMENT.md.

pub mod aggregate;
mod contribution;
mod figures_csv;
pub(crate) mod pseudonym;
mod report_shape;
mod search;
mod suppression;

pub use aggregate::{Aggregator, KpiFigures, Skipped};
pub use contribution::{CheckupFacts, Contribution, KpiFacts, age_band, band_of, contribution};
pub use figures_csv::to_csv;
pub use pseudonym::pseudonym;
pub use search::read_server;
pub use suppression::suppress;
