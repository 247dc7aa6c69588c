//! The encrypted offline store: SQLCipher 4 opened with a random data key, the keyring that
//! holds that key wrapped, schema migrations, key changes, and the standard backup.

mod backup;
mod check;
mod checkpoint;
mod checkpoint_hooks;
mod connection;
pub mod crash;
mod files;
mod keyring;
mod open;
mod platform;
mod rotate;
mod schema;
mod staging;
mod vault;
mod wal_counts;

pub use check::IntegrityReport;
pub use files::{StoreFiles, Unlock};
pub use keyring::KEYRING_FORMAT;
pub use platform::{InMemoryKeyStore, PlatformKeyError, PlatformKeyStore};
pub use schema::{APPLICATION_ID, SCHEMA_VERSION};
pub use vault::Store;
pub use vault::WriteCtx;

/// Test hooks (fault injection, old schema versions, tampering, the store's internals for
/// behaviour tests). Only with the `test-hooks` feature: never in the library the apps ship.
#[cfg(feature = "test-hooks")]
pub mod testing;
