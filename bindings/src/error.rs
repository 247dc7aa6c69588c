//! The one FFI error type, mapped 1:1 from `phr_core::Error` in ONE place ([`From`] below).
//! Messages carry field names, kinds and counts only, never health values or names.

use phr_core::Error;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum PhrError {
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// A new passphrase is too easy to guess; `hint` says what to do.
    #[error("{field} is too weak: {hint}")]
    WeakPassphrase { field: String, hint: String },
    /// Too many wrong credentials in a row: wait `retry_after` seconds.
    #[error("too many failed attempts; try again in {retry_after} seconds")]
    TooManyAttempts { retry_after: i64 },
    /// The audit trail is shorter than its anchor (the database was rolled back).
    #[error("the audit trail was rolled back (entry {anchored} was anchored, {found} found)")]
    AuditRollback { anchored: i64, found: i64 },
    #[error("the platform key could not unlock this store")]
    PlatformKeyRejected,
    #[error("the store is locked")]
    Locked,
    #[error("the store is damaged or is not a PHR Core store: {reason}")]
    CorruptStore { reason: String },
    #[error("the keyring does not belong to this database")]
    KeyringMismatch,
    #[error("unsupported store version {found} (this build supports up to {supported})")]
    UnsupportedVersion { found: i64, supported: i64 },
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: String, reason: String },
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("{what} already exists")]
    AlreadyExists { what: String },
    #[error("not permitted: {action}")]
    NotPermitted { action: String },
    /// The server could not be reached (no network, timeouts, resets after every retry).
    #[error("offline: the server could not be reached")]
    Offline,
    /// The server refused the request as a whole (HTTP status).
    #[error("the server refused the request (HTTP {status})")]
    ServerRejected { status: u16 },
    /// The server wants new credentials (a refreshed token was refused too).
    #[error("the server needs new credentials")]
    AuthRequired,
    /// The device cannot verify HTTPS servers (no trust store / TLS set-up): not a network
    /// problem, retrying does not help.
    #[error("this device cannot verify secure connections")]
    TlsUnavailable,
    /// Another process held the store past the busy timeout: nothing changed; try again.
    #[error("the store is busy in another process; try again")]
    Busy,
    /// The store cannot be written (read-only folder, file system or store): reads work.
    #[error("the store is read-only")]
    ReadOnly,
    /// The disk is full: nothing changed; free some space and try again.
    #[error("the disk is full")]
    DiskFull,
    /// `kind` is `sqlite`, `io`, `keyring`, `crypto` (or `unknown` for a core error this build
    /// of the bindings does not know yet); `detail` is for logs and support, not for users.
    /// (Not `message`: that name clashes with the exception's own in Kotlin.)
    #[error("storage failure: {detail}")]
    Storage { kind: String, detail: String },
}

impl From<Error> for PhrError {
    fn from(e: Error) -> Self {
        match e {
            Error::WrongPassphrase => PhrError::WrongPassphrase,
            Error::WeakPassphrase { field, hint } => PhrError::WeakPassphrase { field, hint },
            Error::TooManyAttempts { retry_after } => PhrError::TooManyAttempts { retry_after },
            Error::AuditRollback { anchored, found } => PhrError::AuditRollback { anchored, found },
            Error::PlatformKeyRejected => PhrError::PlatformKeyRejected,
            Error::Locked => PhrError::Locked,
            Error::CorruptStore { reason } => PhrError::CorruptStore {
                reason: reason.to_owned(),
            },
            Error::KeyringMismatch => PhrError::KeyringMismatch,
            Error::UnsupportedVersion { found, supported } => {
                PhrError::UnsupportedVersion { found, supported }
            }
            Error::InvalidInput { field, reason } => PhrError::InvalidInput { field, reason },
            Error::NotFound { what } => PhrError::NotFound { what },
            Error::AlreadyExists { what } => PhrError::AlreadyExists { what },
            Error::NotPermitted { action } => PhrError::NotPermitted { action },
            Error::Offline => PhrError::Offline,
            Error::ServerRejected { status } => PhrError::ServerRejected { status },
            Error::AuthRequired => PhrError::AuthRequired,
            Error::TlsUnavailable => PhrError::TlsUnavailable,
            Error::Busy => PhrError::Busy,
            Error::ReadOnly => PhrError::ReadOnly,
            Error::DiskFull => PhrError::DiskFull,
            Error::Storage(f) => PhrError::Storage {
                kind: f.kind().to_owned(),
                detail: f.to_string(),
            },
            // `phr_core::Error` is non-exhaustive: a variant added later is still reported,
            // never a panic. Add it above when it lands.
            other => PhrError::Storage {
                kind: "unknown".to_owned(),
                detail: other.to_string(),
            },
        }
    }
}

pub(crate) type Result<T, E = PhrError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_variant_maps_to_its_namesake() {
        let cases = [
            (Error::WrongPassphrase, PhrError::WrongPassphrase),
            (
                Error::WeakPassphrase {
                    field: "passphrase".into(),
                    hint: "longer".into(),
                },
                PhrError::WeakPassphrase {
                    field: "passphrase".into(),
                    hint: "longer".into(),
                },
            ),
            (
                Error::TooManyAttempts { retry_after: 30 },
                PhrError::TooManyAttempts { retry_after: 30 },
            ),
            (
                Error::AuditRollback {
                    anchored: 9,
                    found: 4,
                },
                PhrError::AuditRollback {
                    anchored: 9,
                    found: 4,
                },
            ),
            (Error::Locked, PhrError::Locked),
            (
                Error::invalid("value", "must be a number"),
                PhrError::InvalidInput {
                    field: "value".into(),
                    reason: "must be a number".into(),
                },
            ),
            (
                Error::NotPermitted {
                    action: "view".into(),
                },
                PhrError::NotPermitted {
                    action: "view".into(),
                },
            ),
            (
                Error::UnsupportedVersion {
                    found: 9,
                    supported: 2,
                },
                PhrError::UnsupportedVersion {
                    found: 9,
                    supported: 2,
                },
            ),
            (Error::Offline, PhrError::Offline),
            (
                Error::ServerRejected { status: 503 },
                PhrError::ServerRejected { status: 503 },
            ),
            (Error::AuthRequired, PhrError::AuthRequired),
            (Error::TlsUnavailable, PhrError::TlsUnavailable),
            (Error::Busy, PhrError::Busy),
            (Error::ReadOnly, PhrError::ReadOnly),
            (Error::DiskFull, PhrError::DiskFull),
            (Error::PlatformKeyRejected, PhrError::PlatformKeyRejected),
            (Error::KeyringMismatch, PhrError::KeyringMismatch),
            (
                Error::CorruptStore {
                    reason: "the database file phr.db is truncated",
                },
                PhrError::CorruptStore {
                    reason: "the database file phr.db is truncated".into(),
                },
            ),
            (
                Error::not_found("store"),
                PhrError::NotFound {
                    what: "store".into(),
                },
            ),
            (
                Error::AlreadyExists {
                    what: "store".into(),
                },
                PhrError::AlreadyExists {
                    what: "store".into(),
                },
            ),
        ];
        for (core, ffi) in cases {
            assert_eq!(PhrError::from(core), ffi);
        }
    }
}
