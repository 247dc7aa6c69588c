//! PHR Core: the shared core of a resident-facing Personal Health Record app for Japan.
//!
//! Every rule lives here: the encrypted offline store, the records, the audit chain, and (as
//! they land) family access, consent, FHIR and sync. Front ends (the `phr` CLI, the UniFFI
//! bindings) hold no rules.
#![forbid(unsafe_code)]

pub mod access;
pub mod audit;
pub mod consent;
pub mod crypto;
pub mod error;
pub mod family;
pub mod fhir;
pub mod guidance;
pub mod records;
pub mod session;
pub mod store;

pub use crypto::KdfParams;
pub use error::{Error, Result};
pub use session::{
    AccessGrant, ClinicalInput, ConsentReceipt, ImportReport, ImportedResource, Session,
};
pub use store::{InMemoryKeyStore, PlatformKeyError, PlatformKeyStore, Store, StoreFiles, Unlock};
