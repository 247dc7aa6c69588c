//! The WAL checkpoint, moved off the writing call's path.
//!
//! SQLite's automatic checkpoint runs inside the COMMIT of whichever write pushes the WAL past
//! 1000 frames: that call then waits while the frames are copied into the database file and both
//! files are fsynced (about 45 ms after a 10,000-resource import, mostly fsync). SQLite's advice
//! for latency-sensitive applications is to switch it off and checkpoint from another thread;
//! this is that thread.
//!
//! - The writer has `wal_autocheckpoint = 0` (`connection.rs`). After each commit it calls
//!   [`Checkpointer::after_commit`], which reads the wal-index header (`wal_index.rs`, one small
//!   read of the `-shm` file): a checkpoint is due when 1000 frames wait to be copied, SQLite's
//!   own trigger. (The WAL file's length alone cannot say it: SQLite writes the WAL again from its
//!   beginning after a complete checkpoint but never shrinks the file, so once long it stays
//!   long; a size limit that makes SQLite cut it back moves a truncation of the whole tail onto
//!   the next write.)
//! - At most one checkpoint thread at a time, on a connection of its own (a pooled reader: any
//!   connection of the database may checkpoint). The write returns without waiting for it. A
//!   PASSIVE checkpoint never waits for a lock, so readers and the writer carry on meanwhile.
//! - Never unbounded: when no thread or connection can be had, the committing call checkpoints
//!   itself, as SQLite would have. When checkpoints have run on a WAL that still holds more than
//!   [`HARD_LIMIT_FRAMES`] (they fail, a reader holds them back, or writes come faster than they
//!   finish, so SQLite never gets the moment it needs to start the WAL again), the committing
//!   call waits for a running one and copies the rest itself, and the next write starts the WAL
//!   from its beginning. Behaviour degrades to SQLite's own, never to a WAL that grows because
//!   nothing checkpoints it. (A reader that keeps an old snapshot open holds back every
//!   checkpoint, ours or SQLite's, as before.)
//! - A failed checkpoint loses nothing: the WAL still holds every committed frame, still waiting
//!   to be copied, and the next commit tries again. Nothing is logged and nothing panics.
//! - Lock, key rotation, backup and dropping the store [`wait`](Checkpointer::wait) for the thread
//!   first: no thread, nor its connection (which holds the key inside SQLCipher), outlives the
//!   unlocked store, and a rotation never switches journal modes under a running checkpoint.
//!
//! The I/O is the same as before, only no longer on the writing call's path. Durability is
//! unchanged: with `synchronous = NORMAL` in WAL mode a commit was never synced by itself. (The
//! one commit that crossed the threshold used to be on disk when its call returned, because the
//! checkpoint synced the WAL first; it now is a few milliseconds later, when the thread has run.)

use super::checkpoint_hooks::{Hooks, lock};
use super::connection::PAGE_SIZE;
use super::wal_index;
use crate::error::Result;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

/// SQLite's default automatic checkpoint: when 1000 frames wait to be copied.
pub const CHECKPOINT_FRAMES: u32 = 1000;

/// A WAL that checkpoints have already run on and that still holds more frames than this (about
/// 66 MB) is copied by the committing call itself. It leaves room for a large import that finds
/// the WAL not yet started again, without slowing its commit.
pub const HARD_LIMIT_FRAMES: u32 = 16 * CHECKPOINT_FRAMES;

/// A WAL file holding [`CHECKPOINT_FRAMES`] frames: a 32-byte header, then frames of a 24-byte
/// header and one page. Used only when the wal-index cannot be read.
const WAL_BYTES_AT_TRIGGER: u64 = 32 + CHECKPOINT_FRAMES as u64 * (24 + PAGE_SIZE);

/// Decides after each commit whether the WAL needs a checkpoint, and runs it on its own thread.
pub(crate) struct Checkpointer {
    wal: PathBuf,
    shm: PathBuf,
    state: Mutex<State>,
    /// Test hooks (checkpoint_hooks.rs); inert unless a test sets them.
    hooks: Arc<Hooks>,
}

#[derive(Default)]
struct State {
    running: Option<JoinHandle<Connection>>,
    /// The generation of the WAL the last checkpoint started on.
    last_generation: Option<[u8; 8]>,
    /// Background checkpoints started since unlock (read by tests).
    started: u64,
}

impl Checkpointer {
    pub(crate) fn new(database: &Path) -> Checkpointer {
        let beside = |suffix: &str| {
            let mut name = database.as_os_str().to_owned();
            name.push(suffix);
            PathBuf::from(name)
        };
        Checkpointer {
            wal: beside("-wal"),
            shm: beside("-shm"),
            state: Mutex::new(State::default()),
            hooks: Arc::new(Hooks::default()),
        }
    }

    /// Called by the writer right after a commit, with the writer connection still held.
    /// `take_connection` gives the thread its connection; `give_back` returns that of a finished
    /// thread to the pool. Never fails: the commit has happened, and a checkpoint that does not
    /// run now is retried by a later commit.
    pub(crate) fn after_commit(
        &self,
        writer: &Connection,
        take_connection: impl FnOnce() -> Result<Connection>,
        give_back: impl FnOnce(Connection),
    ) {
        let Some(wal) = wal_index::read(&self.shm) else {
            self.without_wal_index(writer);
            return;
        };
        if wal.waiting() < CHECKPOINT_FRAMES && wal.frames <= HARD_LIMIT_FRAMES {
            return;
        }
        let mut state = lock(&self.state);
        // Checkpoints have run on this generation of the WAL, yet it holds this much.
        let over_limit =
            wal.frames > HARD_LIMIT_FRAMES && state.last_generation == Some(wal.generation);
        // A thread that has ended is collected; past the hard limit the writer also waits for
        // one still running (back-pressure, as SQLite's own checkpoint in the commit was).
        if (over_limit || state.running.as_ref().is_some_and(JoinHandle::is_finished))
            && let Some(conn) = self.join(&mut state)
        {
            give_back(conn);
        }
        if state.running.is_some() {
            // One at a time. What it does not copy, a later checkpoint will.
            return;
        }
        state.last_generation = Some(wal.generation);
        if over_limit {
            // Copy the rest here, as SQLite would have, so that the next write starts the WAL
            // again from its beginning.
            checkpoint(writer);
            return;
        }
        if wal.waiting() < CHECKPOINT_FRAMES {
            // Long, but copied: it starts again at the next write that finds it so.
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
            None => checkpoint(writer),
        }
    }

    /// No wal-index we can read (never expected while the store is unlocked): do what SQLite's
    /// automatic checkpoint would have done in this commit.
    fn without_wal_index(&self, writer: &Connection) {
        let long = std::fs::metadata(&self.wal).is_ok_and(|m| m.len() > WAL_BYTES_AT_TRIGGER);
        if long {
            checkpoint(writer);
        }
    }

    fn spawn(&self, conn: Connection) -> std::io::Result<JoinHandle<Connection>> {
        let hooks = Arc::clone(&self.hooks);
        // If the thread cannot be started the closure, and the connection with it, is dropped.
        thread::Builder::new()
            .name("phr-checkpoint".into())
            .spawn(move || {
                hooks.pass();
                if !hooks.fails() {
                    checkpoint(&conn);
                }
                conn
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
        // The thread only runs a pragma; were it to panic, its connection is gone and the frames
        // still wait in the WAL for the next checkpoint.
        self.running.take()?.join().ok()
    }
}

/// A PASSIVE checkpoint on `conn`: copies every frame no reader still needs, waits for no lock.
/// What it could not copy, or an error, leaves those frames waiting in the WAL: a later commit
/// finds them and tries again, so neither needs handling here (nor may be logged).
fn checkpoint(conn: &Connection) {
    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
}
