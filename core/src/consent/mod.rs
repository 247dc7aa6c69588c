//! Dynamic consent (ARCHITECTURE.md decision 4): the operator profile and its rules, consent
//! directives as append-only history with default deny, the consent state a UI draws, receipts
//! (ISO/IEC 29184 JSON, Japanese and English text, FHIR R4 `Consent`), the outbox, and the
//! release gate, the one path by which records leave the device. See docs/CONSENT.md.

mod category;
mod decide;
mod decision;
mod directive;
mod effect;
pub mod fhir;
mod gate;
mod kpi_definition;
mod kpi_release;
mod operator_about;
mod outbox;
mod points_program;
mod profile;
pub mod receipt;
mod release;
pub(crate) mod repo;
mod request;
mod retention;
pub mod samples;
mod standing;
mod state;
mod step_totals;
mod validate;
mod versions;
mod walking_event;

pub use category::{CATEGORY_SYSTEM, DataCategory};
pub use decide::{awaits_reconsent, deciding, is_permitted};
pub use directive::{ConsentDirective, ConsentRequest, Effect};
pub use gate::{ReleasedRecords, offered, released_details, select};
pub use kpi_definition::{
    DEFAULT_MIN_GROUP, KpiDefinition, KpiGroup, KpiMeasure, KpiPeriod, MIN_GROUP_FLOOR, Tenths,
};
pub use kpi_release::ReleasedContributions;
pub use operator_about::{Abroad, OperatorAbout};
pub use outbox::{OutboxItem, OutboxKind};
pub use points_program::{Confirmation, Earn, MAX_RULE_POINTS, PointRule, PointsProgram};
pub use profile::{
    InquiryWindow, LifelogRelease, NoticeVersion, OnWithdrawal, OperatorKind, OperatorProfile,
    Purpose, PurposeNature, Recipient, RecipientKind, sha256_hex,
};
pub use retention::{MAX_RETENTION_YEARS, RetentionRule};
pub use state::{ConsentState, ConsentToggle, PurposeState};
pub use step_totals::{DayTotal, ReleasedStepTotals};
pub use walking_event::{EVENT_DATA, EventTeam, WalkingEvent};

pub use receipt::ConsentReceipt;
pub use versions::{InstalledProfile, Reconsent};

pub(crate) use decision::{DecidedBy, record as record_decision};
pub(crate) use effect::apply_due;
pub(crate) use kpi_release::release_contributions;
pub(crate) use outbox::{pending, queue_record};
pub(crate) use release::release;
pub(crate) use request::{check_request, check_target, dedup};
pub(crate) use retention::apply as apply_retention;
pub(crate) use standing::queue_written;
pub(crate) use step_totals::release_step_totals;
pub(crate) use versions::{
    install as install_profile, latest as installed_profile, pending_reconsent,
};
