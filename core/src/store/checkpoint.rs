//! The WAL checkpoint, moved off the writing call's path.
//!
//! SQLite's automatic checkpoint runs inside the COMMIT of whichever write pushes the WAL past
//! 1000 frames: that call then waits while the frames are copied into the database file and both
//! files are fsynced (about 45 ms after a 10,000-resource import, mostly fsync). SQLite's advice
//! for latency-sensitive applications is to switch it off and checkpoint from another thread;
//! this is that thread.
//!
//! - The writer has `wal_autocheckpoint = 0` (`connection.rs`) and our own wal hook
//!   ([`Checkpointer::install`]): SQLite tells it, inside each commit, how many frames the WAL
//!   holds; each checkpoint tells how many it copied (`wal_counts.rs`). After each commit the
//!   writer calls [`Checkpointer::after_commit`]: a checkpoint is due when 1000 frames wait to be
//!   copied, SQLite's own trigger. Nothing reads the `-wal` or `-shm` file itself: a process
//!   that opens and closes a file SQLite has open drops its own locks on it (STYLE.md 16), which
//!   once let another process reset the wal-index under this one (SIGBUS). (The WAL file's
//!   length could not say it either: SQLite writes the WAL again from its beginning after a
//!   complete checkpoint but never shrinks the file.)
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
use super::wal_counts::WalCounts;
use crate::error::Result;
use rusqlite::Connection;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

/// SQLite's default automatic checkpoint: when 1000 frames wait to be copied.
pub const CHECKPOINT_FRAMES: u32 = 1000;

/// A WAL that checkpoints have already run on and that still holds more frames than this (about
/// 66 MB) is copied by the committing call itself. It leaves room for a large import that finds
/// the WAL not yet started again, without slowing its commit.
pub const HARD_LIMIT_FRAMES: u32 = 16 * CHECKPOINT_FRAMES;

/// Decides after each commit whether the WAL needs a checkpoint, and runs it on its own thread.
pub(crate) struct Checkpointer {
    /// What SQLite said about the WAL (the writer's wal hook, each checkpoint's result).
    counts: Arc<WalCounts>,
    state: Mutex<State>,
    /// Test hooks (checkpoint_hooks.rs); inert unless a test sets them.
    hooks: Arc<Hooks>,
}

#[derive(Default)]
struct State {
    running: Option<JoinHandle<Connection>>,
    /// The generation of the WAL the last checkpoint started on.
    last_generation: Option<u64>,
    /// Background checkpoints started since unlock (read by tests).
    started: u64,
}

impl Checkpointer {
    pub(crate) fn new() -> Checkpointer {
        Checkpointer {
            counts: Arc::new(WalCounts::default()),
            state: Mutex::new(State::default()),
            hooks: Arc::new(Hooks::default()),
        }
    }

    /// Give the writer connection our wal hook. Call again after anything that sets
    /// `wal_autocheckpoint` (that pragma replaces the hook).
    pub(crate) fn install(&self, writer: &mut Connection) -> Result<()> {
        let counts = Arc::clone(&self.counts);
        writer.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, frames| {
            if wal.name() == c"main" {
                counts.committed(frames);
            }
            Ok(())
        }))?;
        Ok(())
    }

    /// The WAL as last seen through SQLite.
    #[cfg(feature = "test-hooks")]
    pub(crate) fn wal(&self) -> super::wal_counts::WalIndex {
        self.counts.get()
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
        let wal = self.counts.get();
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
            self.checkpoint(writer, wal.generation);
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
                .and_then(|conn| self.spawn(conn, wal.generation).ok())
        };
        match spawned {
            Some(handle) => {
                state.running = Some(handle);
                state.started += 1;
            }
            None => self.checkpoint(writer, wal.generation),
        }
    }

    /// A checkpoint here, on `conn`, of WAL `generation`; its result updates the counts.
    fn checkpoint(&self, conn: &Connection, generation: u64) {
        if let Some((log, copied)) = checkpoint(conn) {
            self.counts.checkpointed(generation, log, copied);
        }
    }

    fn spawn(&self, conn: Connection, generation: u64) -> std::io::Result<JoinHandle<Connection>> {
        let hooks = Arc::clone(&self.hooks);
        let counts = Arc::clone(&self.counts);
        // If the thread cannot be started the closure, and the connection with it, is dropped.
        thread::Builder::new()
            .name("phr-checkpoint".into())
            .spawn(move || {
                hooks.pass();
                if !hooks.fails()
                    && let Some((log, copied)) = checkpoint(&conn)
                {
                    counts.checkpointed(generation, log, copied);
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
    #[cfg(feature = "test-hooks")]
    pub(crate) fn started(&self) -> u64 {
        lock(&self.state).started
    }

    #[cfg(feature = "test-hooks")]
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
/// Returns SQLite's report (frames in the WAL, frames copied). What it could not copy, or an
/// error, leaves those frames waiting in the WAL: a later commit finds them and tries again, so
/// neither needs handling here (nor may be logged).
fn checkpoint(conn: &Connection) -> Option<(i32, i32)> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get(1)?, r.get(2)?))
    })
    .ok()
}
