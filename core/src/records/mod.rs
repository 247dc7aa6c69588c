//! The health record: persons, observations (vitals, body, lifelog), checkups, immunizations,
//! medications, conditions, allergies and notes, with their queries.

mod aggregate;
pub(crate) mod bmi;
mod checkup_points;
mod clinical;
pub(crate) mod document;
mod ids;
pub(crate) mod import;
pub(crate) mod imported;
mod input;
mod observation;
mod observation_type;
mod person;
pub(crate) mod person_removal;
mod provenance;
mod query;
mod record;
pub(crate) mod repo;
mod rollup;
pub mod summary;
mod text;
mod time;
mod units;
pub(crate) mod write;

pub use aggregate::{AggregateQuery, Bucket, DEFAULT_TIME_ZONE, DEFAULT_ZONE, Granularity};
pub use clinical::{
    Allergy, Checkup, CheckupCodeSystem, CheckupResult, Condition, Immunization, Medication, Note,
};
pub use document::{CheckupImport, DocumentOutcome};
pub use ids::{derived_id, uuid_from_digest};
pub use import::{ImportReport, ImportedResource, MAX_KEPT_DOCUMENT_BYTES};
pub use imported::StoredDocument;
pub use input::{ClinicalInput, Validation, date_stamp};
pub use observation::{Observation, ObservationInput, Reading, bmi};
pub use observation_type::{Aggregation, GlucoseTiming, ObservationCategory, ObservationType};
pub use person::{NewPerson, Person, PersonDetail, PersonId, Sex};
pub use provenance::Provenance;
pub use query::{Page, PageRequest, PageToken, RecordFilter};
pub use record::{Record, RecordBody, RecordKind, RecordMeta, RecordVersion};
pub(crate) use text::optional as optional_text;
pub use text::parse_date;
pub use time::{AsGiven, DatePrecision, JST_OFFSET_SECONDS, Stamp};

pub(crate) use aggregate::{aggregate, parse_zone};
pub(crate) use checkup_points::points as checkup_series;
pub(crate) use observation::normalise;
pub(crate) use query::{all_live, latest, list, search};
pub(crate) use rollup::Batch as RollupBatch;
pub(crate) use rollup::erase_subject as erase_subject_rollups;
pub(crate) mod persons;
