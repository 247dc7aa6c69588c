//! The encrypted offline store: SQLCipher 4 opened with a random data key, the keyring that
//! holds that key wrapped, schema migrations, key changes, and the standard backup.

mod anchor;
mod attempts;
mod backup;
mod check;
mod checkpoint;
mod checkpoint_hooks;
mod connection;
pub mod crash;
mod credential;
mod files;
mod keyring;
mod legacy;
mod members;
mod open;
mod platform;
mod rotate;
mod schema;
mod staging;
mod upgrade;
mod vault;
mod wal_counts;

pub use attempts::FREE_ATTEMPTS;
pub use check::IntegrityReport;
pub use credential::{MIN_PASSPHRASE_SCORE, MIN_PIN_LEN, check_strength};
pub use files::{StoreFiles, Unlock};
pub use keyring::{KEYRING_FORMAT, OWNER as OWNER_MEMBER};
pub(crate) use members::with_tag as members_with_tag;
pub(crate) use open::check_new_credential;
pub use platform::{InMemoryKeyStore, PlatformKeyError, PlatformKeyStore};
pub use schema::{APPLICATION_ID, SCHEMA_VERSION};
pub use vault::Store;
pub use vault::WriteCtx;

/// Test hooks (fault injection, old schema versions, tampering, the store's internals for
/// behaviour tests). Only with the `test-hooks` feature: never in the library the apps ship.
#[cfg(feature = "test-hooks")]
pub mod testing;
