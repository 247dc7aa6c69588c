//! `phr-ffi`: the UniFFI surface of PHR Core for the Kotlin (Android) and Swift (iOS) apps.
//!
//! Only objects ([`PhrStore`], [`PhrSession`]), foreign traits ([`PlatformKeyStore`],
//! [`ProgressListener`], [`SyncTokenProvider`], [`SyncListener`]), the one error mapping ([`PhrError`]) and thin exports of the core's
//! formatters live here. Plain data types (records, persons, aggregates, audit entries) are
//! `phr-core`'s own, derived behind its `uniffi` feature. No rule lives here.

mod consent;
mod error;
mod events;
mod exchange;
mod family;
mod format;
mod kpi;
mod platform;
mod progress;
mod rights;
mod session;
mod store;
mod sync;

pub use error::PhrError;
pub use format::*;
pub use platform::{PlatformKeyError, PlatformKeyStore};
pub use progress::{ProgressError, ProgressListener};
pub use session::PhrSession;
pub use store::PhrStore;
pub use sync::{SyncListener, SyncTokenProvider, TokenError};

uniffi::setup_scaffolding!("phr_ffi");

// Local dates cross as ISO text, by the conversion `phr-core` defines behind its `uniffi` feature.
use chrono::NaiveDate;
uniffi::use_remote_type!(phr_core::NaiveDate);
