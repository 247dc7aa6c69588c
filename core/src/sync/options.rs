//! What a caller passes to sync and gets back: options, the token provider, progress, report.

use std::sync::Arc;
use std::time::Duration;

/// Supplies bearer tokens for a recipient's server (a UniFFI foreign trait in the bindings).
/// Tokens are secrets: the core never logs or stores them.
pub trait TokenProvider: Send + Sync {
    /// The token to send to `recipient`'s server; `None` sends no `Authorization` header.
    fn token(&self, recipient: &str) -> Option<String>;
    /// The server answered 401 to the token: a fresh one, or `None` if none can be had.
    /// Sync asks at most once per call, then fails with [`crate::Error::AuthRequired`].
    fn refresh(&self, recipient: &str) -> Option<String>;
}

/// A fixed token (tests, the CLI's `--token`): refreshing gives the same token again.
pub struct StaticToken(pub String);

impl TokenProvider for StaticToken {
    fn token(&self, _recipient: &str) -> Option<String> {
        Some(self.0.clone())
    }
    fn refresh(&self, _recipient: &str) -> Option<String> {
        Some(self.0.clone())
    }
}

/// The step sync is in, for a progress display.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPhase {
    /// Withdrawal notices: deleting the recipient's copies.
    Withdrawals,
    /// Outbox records: pushing (or deleting) through the gate.
    Push,
    /// Reading what the server holds for the subject since the last sync.
    Pull,
}

/// Progress callbacks; called on the syncing thread, never while a database lock is held.
pub trait SyncProgress {
    /// `done` of `total` items of `phase` are settled (total may grow during Pull).
    fn progress(&self, phase: SyncPhase, done: usize, total: usize);
}

/// Progress nobody watches.
pub struct NoProgress;

impl SyncProgress for NoProgress {
    fn progress(&self, _phase: SyncPhase, _done: usize, _total: usize) {}
}

/// How to sync.
#[derive(Clone)]
pub struct SyncOptions {
    /// The server's FHIR base URL; `None` = the recipient's `fhir_endpoint` in the profile.
    pub server_url: Option<String>,
    /// Accept plain `http://` to 127.0.0.1, ::1 or localhost (tests only). Never anything else.
    pub allow_insecure_loopback: bool,
    /// Requests per FHIR batch Bundle.
    pub batch_size: usize,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// TCP/TLS connect timeout.
    pub connect_timeout: Duration,
    /// Attempts per request (the first try included) before giving up with `Offline`.
    pub max_attempts: u32,
    /// Backoff before retry n is a random time in [d/2, d], d = min(backoff_max, base·2ⁿ⁻¹).
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Upper bound on requests one call may send (retries included), so no loop is unbounded.
    pub max_requests: u32,
    /// Pull what the server holds after pushing.
    pub pull: bool,
    pub tokens: Option<Arc<dyn TokenProvider>>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            server_url: None,
            allow_insecure_loopback: false,
            batch_size: 100,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_attempts: 6,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(8),
            max_requests: 10_000,
            pull: true,
            tokens: None,
        }
    }
}

impl std::fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncOptions")
            .field("server_url", &self.server_url)
            .field("allow_insecure_loopback", &self.allow_insecure_loopback)
            .field("batch_size", &self.batch_size)
            .field("timeout", &self.timeout)
            .field("max_attempts", &self.max_attempts)
            .field("max_requests", &self.max_requests)
            .field("pull", &self.pull)
            .field("tokens", &self.tokens.as_ref().map(|_| "<provider>"))
            .finish()
    }
}

/// An outbox record the server refused (it stays in the outbox with this status).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedItem {
    pub record_id: String,
    /// The HTTP status of the refused entry (4xx).
    pub status: u16,
}

/// What one sync call did. Counts only: no health data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Records the server confirmed (created or updated).
    pub pushed: usize,
    /// Remote copies deleted: tombstones, records no longer permitted, withdrawals.
    pub deleted: usize,
    /// Copies a recipient keeps (`on_withdrawal: mark`) replaced by the same resource labelled
    /// withdrawn.
    pub marked: usize,
    /// Withdrawal notices completed.
    pub withdrawals: usize,
    /// Outbox records the gate held back (and that the recipient did not hold).
    pub withheld: usize,
    /// Records the server refused, one by one.
    pub rejected: Vec<RejectedItem>,
    /// Entries that failed on the server's side (5xx inside a batch): left for the next sync.
    pub deferred: usize,
    /// Resources read by the pull.
    pub pulled: usize,
    /// Pulled resources imported as new records (or kept as documents).
    pub imported: usize,
    /// Pulled resources that updated a record imported earlier (the server changed them).
    pub updated: usize,
    /// Pulled resources not imported (ours, already imported, or of a kind not imported).
    pub skipped: usize,
    /// HTTP requests sent (retries included) and how many were retries.
    pub requests: u32,
    pub retries: u32,
    /// Outbox items still pending for this recipient after the call.
    pub remaining: usize,
}
