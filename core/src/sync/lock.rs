//! One sync at a time per subject × recipient: a background worker and a "sync now" button
//! must not push the same outbox twice. A second call waits for the first, then finds only
//! what is left.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// (subject, recipient).
type SyncKey = (String, String);

/// A lock per subject × recipient, made on first use (a session holds one).
#[derive(Default)]
pub(crate) struct Locks(Mutex<HashMap<SyncKey, Arc<Mutex<()>>>>);

impl Locks {
    /// Run `f` while no other sync of `subject` with `recipient` runs in this session. A
    /// poisoned lock is fine: the state is in the database.
    pub(crate) fn one_at_a_time<T>(
        &self,
        subject: &str,
        recipient: &str,
        f: impl FnOnce() -> T,
    ) -> T {
        let lock = {
            let mut all = self.0.lock().unwrap_or_else(|p| p.into_inner());
            all.entry((subject.to_owned(), recipient.to_owned()))
                .or_default()
                .clone()
        };
        let _held = lock.lock().unwrap_or_else(|p| p.into_inner());
        f()
    }
}
