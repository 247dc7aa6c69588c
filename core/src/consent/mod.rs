//! Dynamic consent (ARCHITECTURE.md decision 4): the operator profile and its rules, consent
//! directives as append-only history with default deny, the consent state a UI draws, receipts
//! (ISO/IEC 29184 JSON, Japanese and English text, FHIR R4 `Consent`), the outbox, and the
//! release gate, the one path by which records leave the device. See docs/CONSENT.md.

mod category;
mod decide;
mod decision;
mod directive;
pub mod fhir;
mod gate;
mod outbox;
mod profile;
pub mod receipt;
mod release;
pub(crate) mod repo;
mod request;
pub mod samples;
mod state;
mod validate;

pub use category::{CATEGORY_SYSTEM, DataCategory};
pub use decide::{deciding, is_permitted};
pub use directive::{ConsentDirective, ConsentRequest, Effect};
pub use gate::{ReleasedRecords, offered, select};
pub use outbox::{OutboxItem, OutboxKind};
pub use profile::{
    InquiryWindow, NoticeVersion, OnWithdrawal, OperatorKind, OperatorProfile, Purpose,
    PurposeNature, Recipient, RecipientKind, sha256_hex,
};
pub use state::{ConsentState, ConsentToggle, PurposeState};

pub use receipt::ConsentReceipt;

pub(crate) use decision::{DecidedBy, record as record_decision};
pub(crate) use outbox::{pending, queue_record};
pub(crate) use release::{queue, release};
pub(crate) use request::{check_request, check_target, dedup};
