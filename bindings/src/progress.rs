//! Progress of long operations (a batch add, a backup), reported to the app.

/// What an app's listener threw. The operation goes on regardless: a progress display failing
/// must not abort an import or a backup.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum ProgressError {
    #[error("progress listener failed: {reason}")]
    ListenerFailed { reason: String },
}

/// Declaring the error is what keeps an exception thrown by the app's listener from becoming a
/// Rust panic (UniFFI turns it into this value instead).
impl From<uniffi::UnexpectedUniFFICallbackError> for ProgressError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        ProgressError::ListenerFailed { reason: e.reason }
    }
}

/// Implemented by the app. Called from the thread running the operation, between steps and
/// never while a database lock is held; keep it quick (post to the UI thread).
#[uniffi::export(with_foreign)]
pub trait ProgressListener: Send + Sync {
    /// `done` of `total` units finished (records for a batch add; 0 of 1 then 1 of 1 for a backup).
    fn on_progress(&self, done: u64, total: u64) -> Result<(), ProgressError>;
}

/// Tell `listener`, ignoring its failure (see [`ProgressError`]).
pub(crate) fn report(listener: &dyn ProgressListener, done: u64, total: u64) {
    let _ignored = listener.on_progress(done, total);
}

/// The core's progress callback for an optional listener (nothing to tell when `None`).
pub(crate) fn teller(
    listener: &Option<std::sync::Arc<dyn ProgressListener>>,
) -> impl Fn(usize, usize) + Sync + '_ {
    move |done, total| {
        if let Some(l) = listener {
            report(l.as_ref(), done as u64, total as u64);
        }
    }
}
