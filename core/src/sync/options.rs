//! What a caller passes to sync and gets back: options, the token provider, progress, report.

use std::sync::Arc;
use std::time::Duration;

/// Supplies bearer tokens for a recipient's server (a UniFFI foreign trait in the bindings).
/// Tokens are secrets: the core never logs them. A token is asked for, and sent to, one
/// recipient at one origin (`https://host[:port]` of its endpoint): never anywhere else.
pub trait TokenProvider: Send + Sync {
    /// The token to send to `recipient`'s server at `origin`; `None` sends the one this device
    /// kept from an earlier sync with that origin, if any.
    fn token(&self, recipient: &str, origin: &str) -> Option<String>;
    /// The server answered 401 to the token: a fresh one, or `None` if none can be had.
    /// Sync asks at most once per call, then fails with [`crate::Error::AuthRequired`].
    fn refresh(&self, recipient: &str, origin: &str) -> Option<String>;
}

/// A fixed token (tests, the CLI's `--token`): refreshing gives the same token again.
pub struct StaticToken(pub String);

impl TokenProvider for StaticToken {
    fn token(&self, _recipient: &str, _origin: &str) -> Option<String> {
        Some(self.0.clone())
    }
    fn refresh(&self, _recipient: &str, _origin: &str) -> Option<String> {
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
    /// Only for a test server on loopback (127.0.0.1, ::1, localhost): its FHIR base URL in
    /// place of the recipient's `fhir_endpoint`. Sync goes to the endpoint the operator profile
    /// names for the recipient; any other override is refused before a connection is made.
    pub server_url: Option<String>,
    /// Accept plain `http://` to 127.0.0.1, ::1 or localhost (tests only). Never anything else.
    pub allow_insecure_loopback: bool,
    /// Requests per FHIR batch Bundle.
    pub batch_size: usize,
    /// Time cap of one exchange: the answer must begin and be complete within it.
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
    /// Size cap of one answer, in bytes.
    pub max_response_bytes: usize,
    /// Count cap: the most entries one search page may hold (its matches and includes).
    pub max_page_entries: usize,
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
            max_response_bytes: 32 * 1024 * 1024,
            max_page_entries: 5_000,
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
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_page_entries", &self.max_page_entries)
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
    /// Walking events' daily step totals the server confirmed (new, grown, or now final).
    pub totals_sent: usize,
    /// KPI contributions the server confirmed (new, or changed by late data).
    pub contributions_sent: usize,
    /// Remote copies deleted: tombstones, records no longer permitted, withdrawals.
    pub deleted: usize,
    /// Copies a recipient keeps (`on_withdrawal: mark`) replaced by the same resource labelled
    /// withdrawn.
    pub marked: usize,
    /// Withdrawal notices completed.
    pub withdrawals: usize,
    /// Outbox records the gate held back (and that the recipient did not hold).
    pub withheld: usize,
    /// Outbox records held back until the resident decides again on a permit a new profile
    /// version asked about: kept in the outbox, neither sent nor withdrawn.
    pub awaiting_reconsent: usize,
    /// Whether the subject's Patient (only the details consent released) was sent, and
    /// whether a Patient copy was deleted or labelled because demographics were withdrawn.
    pub patient_sent: bool,
    pub patient_removed: bool,
    /// Deleted copies whose history the server removed too (`$expunge`).
    pub expunged: usize,
    /// Deleted copies whose history the server keeps (it offers no `$expunge`): the
    /// recipient keeps a history copy under its own retention policy.
    pub history_kept: usize,
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
    /// Pulled resources refused because they are not about the subject (another Patient, or
    /// none): never imported.
    pub foreign: usize,
    /// Pulled resources that would have overwritten a record entered here or from another
    /// source: kept beside it as documents, the record unchanged.
    pub conflicts: usize,
    /// HTTP requests sent (retries included) and how many were retries.
    pub requests: u32,
    pub retries: u32,
    /// Outbox items still pending for this recipient after the call.
    pub remaining: usize,
}
