//! The one public error type of the core. Each variant is something a UI can act on.
//!
//! Messages never carry health data or names: only field names, record kinds, ids and counts.

use std::fmt;

/// Result alias used throughout the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The passphrase (or PIN) does not unwrap the data key.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// A new passphrase is too easy to guess to protect the files on its own; `hint` says what
    /// to do (a longer passphrase, or a PIN together with the device's biometric key).
    #[error("{field} is too weak: {hint}")]
    WeakPassphrase { field: String, hint: String },
    /// Too many wrong credentials in a row: unlocking is refused for `retry_after` more
    /// seconds (the delay doubles after each further failure).
    #[error("too many failed attempts; try again in {retry_after} seconds")]
    TooManyAttempts { retry_after: i64 },
    /// The audit trail is shorter than its last anchor in the keyring (the database was rolled
    /// back to an older copy, or entries were removed). Nothing was changed.
    #[error("the audit trail was rolled back (entry {anchored} was anchored, {found} found)")]
    AuditRollback { anchored: i64, found: i64 },
    /// The platform keystore could not unwrap the data key (key missing, user not authenticated).
    #[error("the platform key could not unlock this store")]
    PlatformKeyRejected,
    /// The store is locked (or was never unlocked); unlock it first.
    #[error("the store is locked")]
    Locked,
    /// The database or keyring is damaged or is not a PHR Core store. Nothing was changed.
    #[error("the store is damaged or is not a PHR Core store: {reason}")]
    CorruptStore { reason: &'static str },
    /// The keyring names another database (a keyring from another store, or a database file that
    /// was replaced). Detected from SQLCipher's salt before any key is tried.
    #[error("the keyring does not belong to this database")]
    KeyringMismatch,
    /// The store was written by a newer version of PHR Core (or a format we do not know).
    #[error("unsupported store version {found} (this build supports up to {supported})")]
    UnsupportedVersion { found: i64, supported: i64 },
    /// Input was refused; `field` names what is wrong, `reason` says why (never the value).
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: String, reason: String },
    /// The named thing does not exist (or was erased).
    #[error("{what} not found")]
    NotFound { what: String },
    /// The thing to create already exists.
    #[error("{what} already exists")]
    AlreadyExists { what: String },
    /// The acting person may not perform this action on this subject's record.
    #[error("not permitted: {action}")]
    NotPermitted { action: String },
    /// The recipient's server could not be reached (no network, timeouts, dropped connections)
    /// after the retries sync allows. Nothing is lost: the outbox keeps what is left; sync later.
    #[error("the server could not be reached; try again later")]
    Offline,
    /// The recipient's server refused the request as a whole (`status` is its HTTP status).
    /// Items it refused one by one are reported in the sync report instead.
    #[error("the server refused the request (HTTP {status})")]
    ServerRejected { status: u16 },
    /// The server refused the credentials even after one refresh: sign in again.
    #[error("the server needs you to sign in again")]
    AuthRequired,
    /// This device cannot verify HTTPS servers: its trust store (or the TLS set-up the platform
    /// needs) is missing. Not a network problem: retrying does not help; fix the installation.
    #[error("this device cannot verify secure connections (no trusted certificates)")]
    TlsUnavailable,
    /// Another process (or app) held the store for longer than the store waits (10 s): nothing
    /// was changed by this call; try again.
    #[error("the store is busy in another process; nothing was changed, try again")]
    Busy,
    /// The store's files cannot be written (read-only folder or file system, or a store opened
    /// for reading only): reads work, nothing was changed by this call.
    #[error("the store is read-only; nothing was changed (make its folder writable to change it)")]
    ReadOnly,
    /// The disk is full: nothing was changed by this call; free some space and try again.
    #[error("the disk is full; nothing was changed, free some space and try again")]
    DiskFull,
    /// The storage layer failed (I/O error, a database error). Details stay in `StorageFailure`.
    #[error("storage failure: {0}")]
    Storage(StorageFailure),
}

impl Error {
    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::NotFound`].
    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound { what: what.into() }
    }
}

/// Why storage failed, described without any stored values. SQLite's own messages name
/// tables, columns and error codes but never bound parameter values, which is all we pass.
#[derive(Debug)]
pub struct StorageFailure {
    kind: &'static str,
    detail: String,
}

impl StorageFailure {
    pub(crate) fn new(kind: &'static str, detail: impl Into<String>) -> Self {
        StorageFailure {
            kind,
            detail: detail.into(),
        }
    }

    /// A short machine-friendly category: `sqlite`, `io`, `keyring`, `crypto`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }
}

impl fmt::Display for StorageFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.detail)
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(code, _) = &e {
            use rusqlite::ErrorCode as C;
            match code.code {
                // The busy timeout (connection.rs) has run out: a typed, retryable refusal.
                C::DatabaseBusy | C::DatabaseLocked => return Error::Busy,
                C::DiskFull => return Error::DiskFull,
                C::ReadOnly => return Error::ReadOnly,
                // Once a key has been confirmed (connection.rs), a page that fails SQLCipher's
                // HMAC or a malformed b-tree page is damage, never a wrong key.
                C::DatabaseCorrupt | C::NotADatabase => {
                    return Error::CorruptStore {
                        reason: "a page of the database file phr.db is damaged",
                    };
                }
                _ => {}
            }
        }
        // Only the error code and SQLite's message (schema names, never bound values).
        let detail = match &e {
            rusqlite::Error::SqliteFailure(code, msg) => {
                format!(
                    "{:?} ({})",
                    code.code,
                    msg.as_deref().unwrap_or("no message")
                )
            }
            rusqlite::Error::FromSqlConversionFailure(col, ty, _) => {
                format!("column {col} could not be read as {ty}")
            }
            rusqlite::Error::InvalidColumnType(col, name, ty) => {
                format!("column {col} ({name}) has unexpected type {ty}")
            }
            other => {
                let s = other.to_string();
                s.chars().take(200).collect()
            }
        };
        Error::Storage(StorageFailure::new("sqlite", detail))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                return Error::DiskFull;
            }
            std::io::ErrorKind::ReadOnlyFilesystem => return Error::ReadOnly,
            _ => {}
        }
        // io::Error messages carry paths at most, never file contents.
        Error::Storage(StorageFailure::new("io", format!("{:?}: {e}", e.kind())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn busy_full_read_only_and_damage_are_typed_never_storage_failures() {
        use rusqlite::ffi;
        assert!(matches!(Error::from(sqlite(ffi::SQLITE_BUSY)), Error::Busy));
        assert!(matches!(
            Error::from(sqlite(ffi::SQLITE_LOCKED)),
            Error::Busy
        ));
        assert!(matches!(
            Error::from(sqlite(ffi::SQLITE_FULL)),
            Error::DiskFull
        ));
        assert!(matches!(
            Error::from(sqlite(ffi::SQLITE_READONLY)),
            Error::ReadOnly
        ));
        assert!(matches!(
            Error::from(sqlite(ffi::SQLITE_CORRUPT)),
            Error::CorruptStore { .. }
        ));
        assert!(matches!(
            Error::from(std::io::Error::from(std::io::ErrorKind::StorageFull)),
            Error::DiskFull
        ));
        assert!(matches!(
            Error::from(std::io::Error::from(std::io::ErrorKind::ReadOnlyFilesystem)),
            Error::ReadOnly
        ));
    }
}
