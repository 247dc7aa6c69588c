//! Offline-first sync with a recipient's FHIR R4 server (docs/SYNC.md).
//!
//! The outbox is the state: sync pushes what it holds for one recipient through the release
//! gate as FHIR `batch` Bundles of idempotent requests (PUT `Type/id` with the record's stable
//! id, DELETE `Type/id`), writes each confirmed outcome in a transaction AFTER the network call,
//! and pulls what the server holds for the subject since its cursor. The orchestration is
//! [`crate::Session::sync`]; this module holds its parts.

mod client;
mod endpoint;
#[cfg(any(test, feature = "test-hooks"))]
pub mod fake;
mod http;
pub(crate) mod importer;
mod options;
pub(crate) mod resources;
pub(crate) mod state;
mod transport;

pub use http::HttpTransport;

pub use options::{
    NoProgress, RejectedItem, StaticToken, SyncOptions, SyncPhase, SyncProgress, SyncReport,
    TokenProvider,
};
pub use transport::{Method, Request, Response, Transport, Unreachable};

pub(crate) use client::Client;
pub(crate) use endpoint::checked_base;
