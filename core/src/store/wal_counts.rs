//! What SQLite tells us about the WAL, asked of SQLite itself: the frame count its wal hook
//! passes after each of our commits (`sqlite3_wal_hook`), and what each checkpoint reports
//! (`PRAGMA wal_checkpoint`: frames in the WAL, frames copied into the database file).
//!
//! Nothing here opens, reads or closes the database, WAL or `-shm` file: POSIX locks belong to
//! the process, and closing any descriptor of a file SQLite has open drops every lock the process
//! holds on it, so another process may then reset the wal-index under this one's mapping
//! (SIGBUS). STYLE.md 16; SQLite's "How To Corrupt", section 2.2.
//!
//! The counts are what this process has seen. Another process's commits and checkpoints show at
//! our next commit (the hook reports the whole WAL) or checkpoint (which reports what it found):
//! until then the counts may say more frames wait than do, which costs at most one checkpoint
//! with little to copy.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// The WAL as last seen through SQLite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalIndex {
    /// Counts up each time SQLite is seen to have started the WAL again from its beginning.
    pub generation: u64,
    /// Frames in the WAL since it was last started.
    pub frames: u32,
    /// Of those, the frames a checkpoint has been seen to copy into the database file.
    pub copied: u32,
}

impl WalIndex {
    /// Frames not yet in the database file.
    pub fn waiting(&self) -> u32 {
        self.frames.saturating_sub(self.copied)
    }
}

/// The counts, shared by the writer's wal hook, the checkpointer and its thread.
pub(crate) struct WalCounts(Mutex<WalIndex>);

impl Default for WalCounts {
    fn default() -> Self {
        WalCounts(Mutex::new(WalIndex {
            generation: 0,
            frames: 0,
            copied: 0,
        }))
    }
}

impl WalCounts {
    fn state(&self) -> MutexGuard<'_, WalIndex> {
        // Plain numbers, never left half-changed: carry on after a panic elsewhere.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The wal hook: a commit left `frames` frames in the WAL. Fewer than before means SQLite
    /// started the WAL again (nothing of the new one is copied yet).
    pub(crate) fn committed(&self, frames: i32) {
        let frames = u32::try_from(frames).unwrap_or(0);
        let mut s = self.state();
        if frames < s.frames {
            s.generation += 1;
            s.copied = 0;
        }
        s.frames = frames;
    }

    /// A checkpoint started on WAL `generation` found `log` frames and copied `copied` of them.
    /// Ignored if SQLite has started the WAL again since (those numbers are of the old one), or
    /// if the checkpoint did not run (SQLite reports -1).
    pub(crate) fn checkpointed(&self, generation: u64, log: i32, copied: i32) {
        let (Ok(log), Ok(copied)) = (u32::try_from(log), u32::try_from(copied)) else {
            return;
        };
        let mut s = self.state();
        if s.generation != generation {
            return;
        }
        if log < s.frames {
            // Started again by another process since our last commit.
            s.generation += 1;
        }
        s.frames = log;
        s.copied = copied.min(log);
    }

    pub(crate) fn get(&self) -> WalIndex {
        *self.state()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shorter_wal_is_a_new_generation_with_nothing_copied() {
        let c = WalCounts::default();
        c.committed(1500);
        c.checkpointed(0, 1500, 1500);
        assert_eq!(c.get().waiting(), 0);
        c.committed(3);
        let w = c.get();
        assert_eq!((w.generation, w.frames, w.copied), (1, 3, 0));
    }

    #[test]
    fn a_checkpoint_of_an_older_generation_is_ignored() {
        let c = WalCounts::default();
        c.committed(1500);
        c.committed(10);
        c.checkpointed(0, 1500, 1500);
        assert_eq!(c.get().waiting(), 10);
        c.checkpointed(1, -1, -1);
        assert_eq!(c.get().waiting(), 10);
    }
}
