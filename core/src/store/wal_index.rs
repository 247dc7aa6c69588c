//! What SQLite's wal-index (the `-shm` file) says about the WAL: how many frames it holds, how
//! many a checkpoint has copied into the database file, and which generation of the WAL it is
//! (SQLite starts a new one each time it writes the WAL again from its beginning).
//!
//! The layout is SQLite's documented WAL-index format (<https://sqlite.org/walformat.html>,
//! "The WAL-Index Header"), shared by every process and SQLite version that opens the database,
//! in native byte order: two copies of a 48-byte header (`iVersion` at 0, `isInit` at 12,
//! `mxFrame` at 16, `aSalt` at 32), then the checkpoint information (`nBackfill` at 96). It holds
//! frame and page counts only, never data. Read right after our own commit, with the writer
//! lock still held: only a running checkpoint changes it meanwhile, and only to raise
//! `nBackfill`.

use std::io::Read;
use std::path::Path;

/// `iVersion` of every wal-index SQLite has written since 3.7.0.
const WAL_INDEX_VERSION: u32 = 3_007_000;
const HEADER: usize = 48;
const MX_FRAME: usize = 16;
const SALT: usize = 32;
const N_BACKFILL: usize = 2 * HEADER;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WalIndex {
    /// The WAL's two salts: they change each time SQLite starts the WAL again.
    pub generation: [u8; 8],
    /// Frames in the WAL since it was last started.
    pub frames: u32,
    /// Of those, the frames a checkpoint has copied into the database file.
    pub copied: u32,
}

impl WalIndex {
    /// Frames not yet in the database file.
    pub fn waiting(&self) -> u32 {
        self.frames.saturating_sub(self.copied)
    }
}

/// The wal-index of the database whose `-shm` file is `shm`; `None` if there is none or it is not
/// one we know (the caller then falls back to SQLite's own behaviour).
pub(crate) fn read(shm: &Path) -> Option<WalIndex> {
    let mut b = [0u8; N_BACKFILL + 4];
    std::fs::File::open(shm)
        .and_then(|mut f| f.read_exact(&mut b))
        .ok()?;
    let u32_at = |o: usize| u32::from_ne_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
    // Two equal copies: a header SQLite was not in the middle of writing.
    let initialised = u32_at(0) == WAL_INDEX_VERSION && b[12] == 1;
    if !initialised || b[..HEADER] != b[HEADER..2 * HEADER] {
        return None;
    }
    let mut generation = [0u8; 8];
    generation.copy_from_slice(&b[SALT..SALT + 8]);
    Some(WalIndex {
        generation,
        frames: u32_at(MX_FRAME),
        copied: u32_at(N_BACKFILL),
    })
}
