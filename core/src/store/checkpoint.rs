//! The WAL checkpoint, moved off the writing call's path.
//!
//! SQLite's automatic checkpoint runs inside the COMMIT of whichever write pushes the WAL past
//! 1000 frames: that call then waits while the frames are copied into the database file and both
//! files are fsynced (about 45 ms after a 10,000-resource import, mostly fsync). SQLite's advice
//! for latency-sensitive applications is to switch it off and checkpoint from another thread;
//! this is that thread.
//!
//! - The writer has `wal_autocheckpoint = 0` and `journal_size_limit = WAL_THRESHOLD`
//!   (`connection.rs`). After each commit it calls [`Checkpointer::after_commit`], which `stat`s
//!   the `-wal` file. After a complete checkpoint SQLite writes the WAL again from its start but
//!   never shrinks the file by itself; with the size limit, the first commit after that restart
//!   cuts the file back to the threshold (or to what that commit wrote, if more). So "longer than
//!   the threshold" means "about 1000 frames appended since the last restart": SQLite's own
//!   trigger, for the price of a `stat`.
//! - At most one checkpoint thread at a time, on a connection of its own (a pooled reader: any
//!   connection of the database may checkpoint). The write returns without waiting for it. A
//!   PASSIVE checkpoint never waits for a lock, so readers and the writer carry on meanwhile.
//! - Never unbounded: when no thread or connection can be had, the committing call checkpoints
//!   itself, as SQLite would have. Past [`WAL_HARD_LIMIT`] it waits for a running checkpoint, and
//!   checkpoints itself if the last one failed or left frames behind. Behaviour degrades to
//!   SQLite's own, never to a WAL that grows because nothing checkpoints it. (A reader that keeps
//!   an old snapshot open holds back every checkpoint, ours or SQLite's, as before.)
//! - A failed checkpoint loses nothing: the WAL still holds every committed frame, and the next
//!   commit tries again. Nothing is logged and nothing panics.
//! - Lock, key rotation, backup and dropping the store [`wait`](Checkpointer::wait) for the thread
//!   first: no thread, nor its connection (which holds the key inside SQLCipher), outlives the
//!   unlocked store, and a rotation never switches journal modes under a running checkpoint.
//!
//! The I/O is the same as before, only no longer on the writing call's path. Durability is
//! unchanged: with `synchronous = NORMAL` in WAL mode a commit was never synced by itself. (The
//! one commit that crossed the threshold used to be on disk when its call returned, because the
//! checkpoint synced the WAL first; it now is a few milliseconds later, when the thread has run.)

use super::connection::PAGE_SIZE;
use crate::error::Result;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// SQLite's default automatic checkpoint: when the WAL holds 1000 frames.
const AUTOCHECKPOINT_FRAMES: u64 = 1000;
/// A WAL file is a 32-byte header, then frames of a 24-byte header and one page.
const WAL_HEADER: u64 = 32;
const FRAME_HEADER: u64 = 24;

/// A WAL file longer than this holds more than 1000 frames since its last restart.
pub const WAL_THRESHOLD: u64 = WAL_HEADER + AUTOCHECKPOINT_FRAMES * (FRAME_HEADER + PAGE_SIZE);

/// Past this the committing call waits for a running checkpoint, and checkpoints itself if the
/// last one did not finish. Sixteen thresholds (about 66 MB) leave room for one large import
/// without slowing its commit.
pub const WAL_HARD_LIMIT: u64 = 16 * WAL_THRESHOLD;

/// The longest a test hold keeps a checkpoint back, so that a test that forgets to release it
/// fails instead of hanging in `lock()` or in the store's drop.
const LONGEST_HOLD: Duration = Duration::from_secs(30);

/// Decides after each commit whether the WAL needs a checkpoint, and runs it on its own thread.
pub(crate) struct Checkpointer {
    wal: PathBuf,
    state: Mutex<State>,
    hooks: Arc<Hooks>,
}

#[derive(Default)]
struct State {
    running: Option<JoinHandle<Finished>>,
    /// The last checkpoint failed or left frames behind (a reader still needed them).
    behind: bool,
    /// Background checkpoints started since unlock (read by tests).
    started: u64,
}

/// What a checkpoint thread hands back when it ends.
struct Finished {
    conn: Connection,
    complete: bool,
}

impl Checkpointer {
    pub(crate) fn new(database: &Path) -> Checkpointer {
        let mut wal = database.as_os_str().to_owned();
        wal.push("-wal");
        Checkpointer {
            wal: PathBuf::from(wal),
            state: Mutex::new(State::default()),
            hooks: Arc::new(Hooks::default()),
        }
    }

    /// Called by the writer right after a commit, with the writer connection still held.
    /// `take_connection` gives the thread its connection; `give_back` returns that of a finished
    /// thread to the pool. Never fails: the commit has happened, and a checkpoint that does not
    /// run now is retried by the next commit.
    pub(crate) fn after_commit(
        &self,
        writer: &Connection,
        take_connection: impl FnOnce() -> Result<Connection>,
        give_back: impl FnOnce(Connection),
    ) {
        // No WAL file (or no access to it): nothing is waiting that a later commit would not see.
        let Ok(size) = std::fs::metadata(&self.wal).map(|m| m.len()) else {
            return;
        };
        if size <= WAL_THRESHOLD {
            return;
        }
        let over_limit = size > WAL_HARD_LIMIT;
        let mut state = lock(&self.state);
        // A thread that has ended is collected; past the hard limit the writer also waits for
        // one still running (back-pressure, as SQLite's own checkpoint in the commit was).
        if (over_limit || state.running.as_ref().is_some_and(JoinHandle::is_finished))
            && let Some(conn) = self.join(&mut state)
        {
            give_back(conn);
        }
        if state.running.is_some() {
            // One at a time. What it does not copy, a checkpoint after a later commit will.
            return;
        }
        if over_limit && state.behind {
            state.behind = !checkpoint(writer);
            return;
        }
        let spawned = if self.hooks.refuses_threads() {
            None
        } else {
            take_connection()
                .ok()
                .and_then(|conn| self.spawn(conn).ok())
        };
        match spawned {
            Some(handle) => {
                state.running = Some(handle);
                state.started += 1;
            }
            None => state.behind = !checkpoint(writer),
        }
    }

    fn spawn(&self, conn: Connection) -> std::io::Result<JoinHandle<Finished>> {
        let hooks = Arc::clone(&self.hooks);
        // If the thread cannot be started the closure, and the connection with it, is dropped.
        thread::Builder::new()
            .name("phr-checkpoint".into())
            .spawn(move || {
                let complete = hooks.pass() && checkpoint(&conn);
                Finished { conn, complete }
            })
    }

    /// Wait for the running checkpoint, if any, and return its connection (the caller pools or
    /// closes it). After this no checkpoint thread exists until the next commit starts one.
    pub(crate) fn wait(&self) -> Option<Connection> {
        self.join(&mut lock(&self.state))
    }

    fn join(&self, state: &mut State) -> Option<Connection> {
        if state.running.as_ref().is_some_and(|h| !h.is_finished()) {
            self.hooks.note_wait();
        }
        state.join()
    }

    /// Background checkpoints started since unlock.
    pub(crate) fn started(&self) -> u64 {
        lock(&self.state).started
    }

    pub(crate) fn hooks(&self) -> Arc<Hooks> {
        Arc::clone(&self.hooks)
    }
}

impl State {
    fn join(&mut self) -> Option<Connection> {
        let handle = self.running.take()?;
        match handle.join() {
            Ok(finished) => {
                self.behind = !finished.complete;
                Some(finished.conn)
            }
            // The thread only runs a pragma; were it to panic, its connection is gone and the
            // frames are still in the WAL for the next checkpoint.
            Err(_) => {
                self.behind = true;
                None
            }
        }
    }
}

/// A PASSIVE checkpoint on `conn`: copies every frame no reader still needs, waits for no lock.
/// Whether the whole WAL is now in the database file.
fn checkpoint(conn: &Connection) -> bool {
    // The row: busy (1 if another checkpoint held the lock), frames in the WAL, frames copied.
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })
    .is_ok_and(|(busy, frames, copied)| busy == 0 && frames >= 0 && copied == frames)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing here leaves the state half-changed across a panic; carry on with it.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Test hooks (`store::testing`): hold checkpoints before they start, make them fail, refuse to
/// start threads. All off in production, where they cost one uncontended lock per checkpoint.
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
    /// Where a checkpoint thread starts: waits while held; false if checkpoints are to fail.
    fn pass(&self) -> bool {
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
        !s.fail
    }

    fn note_wait(&self) {
        lock(&self.state).waits += 1;
        self.changed.notify_all();
    }

    fn refuses_threads(&self) -> bool {
        lock(&self.state).refuse_threads
    }

    pub(crate) fn set_hold(&self, hold: bool) {
        lock(&self.state).hold = hold;
        self.changed.notify_all();
    }

    pub(crate) fn set_fail(&self, fail: bool) {
        lock(&self.state).fail = fail;
    }

    pub(crate) fn set_refuse_threads(&self, refuse: bool) {
        lock(&self.state).refuse_threads = refuse;
    }

    /// Wait until a checkpoint thread is being held, at most `timeout`.
    pub(crate) fn wait_until_held(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |s| s.held > 0)
    }

    /// Wait until some call has begun to wait for a running checkpoint, at most `timeout`.
    pub(crate) fn wait_until_waited_for(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |s| s.waits > 0)
    }

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
