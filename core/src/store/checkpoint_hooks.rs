//! Test hooks for the checkpointer (`store::testing`): hold a checkpoint thread before it
//! starts, make checkpoints fail, refuse to start threads, and see who waited. They can be set
//! only with the `test-hooks` feature; without it every check returns at once.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The longest a hold keeps a checkpoint thread, so that a test that forgets to release it fails
/// instead of hanging in `lock()` or in the store's drop.
const LONGEST_HOLD: Duration = Duration::from_secs(30);

#[derive(Default)]
pub(crate) struct Hooks {
    state: Mutex<HookState>,
    changed: Condvar,
}

#[derive(Default)]
struct HookState {
    hold: bool,
    held: usize,
    /// Calls that began to wait for a running checkpoint.
    waits: usize,
    fail: bool,
    refuse_threads: bool,
}

impl Hooks {
    /// Where a checkpoint thread starts: waits while held.
    pub(crate) fn pass(&self) {
        if !cfg!(feature = "test-hooks") {
            return;
        }
        let deadline = Instant::now() + LONGEST_HOLD;
        let mut s = lock(&self.state);
        s.held += 1;
        self.changed.notify_all();
        while s.hold {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            s = self
                .changed
                .wait_timeout(s, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        s.held -= 1;
    }

    pub(crate) fn fails(&self) -> bool {
        if !cfg!(feature = "test-hooks") {
            return false;
        }
        lock(&self.state).fail
    }

    pub(crate) fn note_wait(&self) {
        lock(&self.state).waits += 1;
        self.changed.notify_all();
    }

    pub(crate) fn refuses_threads(&self) -> bool {
        if !cfg!(feature = "test-hooks") {
            return false;
        }
        lock(&self.state).refuse_threads
    }

    #[cfg(feature = "test-hooks")]
    pub(crate) fn set_hold(&self, hold: bool) {
        lock(&self.state).hold = hold;
        self.changed.notify_all();
    }

    #[cfg(feature = "test-hooks")]
    pub(crate) fn set_fail(&self, fail: bool) {
        lock(&self.state).fail = fail;
    }

    #[cfg(feature = "test-hooks")]
    pub(crate) fn set_refuse_threads(&self, refuse: bool) {
        lock(&self.state).refuse_threads = refuse;
    }

    /// Wait until a checkpoint thread is being held, at most `timeout`.
    #[cfg(feature = "test-hooks")]
    pub(crate) fn wait_until_held(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |s| s.held > 0)
    }

    /// Wait until some call has begun to wait for a running checkpoint, at most `timeout`.
    #[cfg(feature = "test-hooks")]
    pub(crate) fn wait_until_waited_for(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |s| s.waits > 0)
    }

    #[cfg(feature = "test-hooks")]
    fn wait_until(&self, timeout: Duration, done: impl Fn(&HookState) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut s = lock(&self.state);
        while !done(&s) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            s = self
                .changed
                .wait_timeout(s, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing here leaves the state half-changed across a panic; carry on with it.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
