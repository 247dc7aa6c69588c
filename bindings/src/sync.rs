//! Sync with a recipient's FHIR server across the FFI: the app supplies bearer tokens through
//! the [`SyncTokenProvider`] foreign trait and hears progress through [`SyncListener`]. The
//! call blocks (run it off the main thread); everything else is the core's `Session::sync`.

use crate::error::Result;
use crate::progress::ProgressError;
use crate::session::PhrSession;
use phr_core::sync::{RejectedItem, SyncOptions, SyncPhase, SyncReport, TokenProvider};
use std::sync::Arc;
use std::time::Duration;

/// Why the app could not supply a token (sign-in cancelled, no network for the auth server).
/// Sync then fails with `AuthRequired`; nothing is lost.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum TokenError {
    #[error("no token available: {reason}")]
    Unavailable { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for TokenError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        TokenError::Unavailable { reason: e.reason }
    }
}

/// Implemented by the app (its OAuth client). Tokens are secrets: the core never logs them; the
/// one a server accepts is kept in the encrypted store for the next sync with that recipient at
/// that origin. A token is only ever sent to `origin` (`https://host[:port]` of the recipient's
/// endpoint in the operator profile).
#[uniffi::export(with_foreign)]
pub trait SyncTokenProvider: Send + Sync {
    /// The token for `recipient`'s server at `origin`; `None` = use the one kept from an
    /// earlier sync with that origin.
    fn token(
        &self,
        recipient: String,
        origin: String,
    ) -> std::result::Result<Option<String>, TokenError>;
    /// The server refused the token (401): a fresh one, or `None` if the user must sign in.
    /// Asked at most once per sync.
    fn refresh(
        &self,
        recipient: String,
        origin: String,
    ) -> std::result::Result<Option<String>, TokenError>;
}

/// Implemented by the app: where a sync is. Called on the syncing thread, never while a
/// database lock is held; a failing listener never stops the sync.
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    fn on_sync_progress(
        &self,
        phase: SyncPhase,
        done: u64,
        total: u64,
    ) -> std::result::Result<(), ProgressError>;
}

/// How to sync. `SyncSettings::default()` on the app side is the production setting.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncSettings {
    /// Only a test server on loopback (127.0.0.1, ::1, localhost) may replace the recipient's
    /// endpoint in the operator profile; `None` (production) = that endpoint.
    #[uniffi(default = None)]
    pub server_url: Option<String>,
    /// Accept plain http to 127.0.0.1/::1/localhost (tests and local demos only).
    #[uniffi(default = false)]
    pub allow_insecure_loopback: bool,
    /// Requests per FHIR batch Bundle.
    #[uniffi(default = 100)]
    pub batch_size: u32,
    /// Whole-request timeout in milliseconds.
    #[uniffi(default = 30000)]
    pub timeout_ms: u64,
    /// Attempts per request before `Offline`.
    #[uniffi(default = 6)]
    pub max_attempts: u32,
    /// Pull what the platform holds for the subject after pushing.
    #[uniffi(default = true)]
    pub pull: bool,
}

/// What one sync did (counts and refused record ids only, no health data).
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncSummary {
    pub pushed: u64,
    /// Walking events' daily step totals the organiser's server confirmed.
    pub totals_sent: u64,
    /// KPI contributions the recipient's server confirmed.
    pub contributions_sent: u64,
    pub deleted: u64,
    pub withdrawals: u64,
    /// Copies the recipient keeps, now labelled withdrawn.
    pub marked: u64,
    pub withheld: u64,
    /// Items held back until the resident decides again (a new profile version).
    pub awaiting_reconsent: u64,
    /// The subject's Patient (only the released details) was sent / removed there.
    pub patient_sent: bool,
    pub patient_removed: bool,
    /// Deleted copies whose history the server removed too, and those whose history it
    /// keeps under its own retention policy (it offers no `$expunge`).
    pub expunged: u64,
    pub history_kept: u64,
    pub rejected: Vec<RejectedItem>,
    pub deferred: u64,
    pub pulled: u64,
    pub imported: u64,
    pub updated: u64,
    pub skipped: u64,
    /// Pulled resources refused as not about the subject.
    pub foreign: u64,
    /// Pulled resources kept beside a record entered here or from another source.
    pub conflicts: u64,
    pub requests: u32,
    pub retries: u32,
    /// Outbox items still waiting for this recipient.
    pub remaining: u64,
}

impl From<SyncReport> for SyncSummary {
    fn from(r: SyncReport) -> Self {
        SyncSummary {
            pushed: r.pushed as u64,
            totals_sent: r.totals_sent as u64,
            contributions_sent: r.contributions_sent as u64,
            deleted: r.deleted as u64,
            withdrawals: r.withdrawals as u64,
            marked: r.marked as u64,
            withheld: r.withheld as u64,
            awaiting_reconsent: r.awaiting_reconsent as u64,
            patient_sent: r.patient_sent,
            patient_removed: r.patient_removed,
            expunged: r.expunged as u64,
            history_kept: r.history_kept as u64,
            rejected: r.rejected,
            deferred: r.deferred as u64,
            pulled: r.pulled as u64,
            imported: r.imported as u64,
            updated: r.updated as u64,
            skipped: r.skipped as u64,
            foreign: r.foreign as u64,
            conflicts: r.conflicts as u64,
            requests: r.requests,
            retries: r.retries,
            remaining: r.remaining as u64,
        }
    }
}

/// The app's provider seen as the core's. A provider that throws gives no token.
struct ForeignTokens(Arc<dyn SyncTokenProvider>);

impl TokenProvider for ForeignTokens {
    fn token(&self, recipient: &str, origin: &str) -> Option<String> {
        self.0
            .token(recipient.to_owned(), origin.to_owned())
            .ok()
            .flatten()
    }
    fn refresh(&self, recipient: &str, origin: &str) -> Option<String> {
        self.0
            .refresh(recipient.to_owned(), origin.to_owned())
            .ok()
            .flatten()
    }
}

struct ForeignProgress(Option<Arc<dyn SyncListener>>);

impl phr_core::sync::SyncProgress for ForeignProgress {
    fn progress(&self, phase: SyncPhase, done: usize, total: usize) {
        if let Some(l) = &self.0 {
            let _ignored = l.on_sync_progress(phase, done as u64, total as u64);
        }
    }
}

#[uniffi::export]
impl PhrSession {
    /// Push `subject`'s outbox for `recipient` through the consent gate, delete what was
    /// withdrawn or erased there, pull what the platform holds. Blocking, resumable,
    /// idempotent. Errors to act on: `Offline` (retry later), `AuthRequired` (sign in),
    /// `ServerRejected`.
    pub fn sync(
        &self,
        subject: String,
        recipient: String,
        settings: SyncSettings,
        tokens: Option<Arc<dyn SyncTokenProvider>>,
        listener: Option<Arc<dyn SyncListener>>,
    ) -> Result<SyncSummary> {
        let options = SyncOptions {
            server_url: settings.server_url,
            allow_insecure_loopback: settings.allow_insecure_loopback,
            batch_size: settings.batch_size.max(1) as usize,
            timeout: Duration::from_millis(settings.timeout_ms.max(1)),
            max_attempts: settings.max_attempts.max(1),
            pull: settings.pull,
            tokens: tokens.map(|t| Arc::new(ForeignTokens(t)) as Arc<dyn TokenProvider>),
            ..SyncOptions::default()
        };
        let progress = ForeignProgress(listener);
        Ok(self
            .session()
            .sync(&subject, &recipient, &options, &progress)?
            .into())
    }

    /// Forget the token kept for `recipient`'s server (sign out). Device owner only.
    pub fn forget_sync_token(&self, recipient: String) -> Result<bool> {
        Ok(self.session().forget_sync_token(&recipient)?)
    }
}
