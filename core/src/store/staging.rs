//! Staging folders: `init` and `restore` build a whole store in `.init-*` / `.restore-*` inside
//! the store's folder, then move it in, database first (a hard link, which never replaces a
//! store that appeared meanwhile), keyring second. A crash leaves either no database (nothing:
//! `init` may run again) or a whole one; a staging folder left behind by a crash is cleaned by
//! the next command ([`clean`]), which first finishes a move that had placed the database but
//! not yet its keyring.

use super::connection::read_db_salt;
use super::files::StoreFiles;
use super::keyring::KeyringFile;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

const PREFIXES: [&str; 2] = [".init-", ".restore-"];
const LOCK: &str = "lock";

/// A staging folder, removed with everything in it when dropped (on every path but a crash).
/// While it exists its `lock` file is locked (flock, not a SQLite file), so that [`clean`] in
/// another process leaves a staging folder that is still being built alone.
pub(crate) struct Staging {
    path: PathBuf,
    _lock: std::fs::File,
}

impl Staging {
    /// A new, empty staging folder for `what` (`init` or `restore`) inside `dir`.
    pub(crate) fn new(dir: &Path, what: &str) -> Result<Staging> {
        let path = dir.join(format!(".{what}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir(&path)?;
        let lock = std::fs::File::create(path.join(LOCK))?;
        lock.lock()?;
        Ok(Staging { path, _lock: lock })
    }

    pub(crate) fn files(&self) -> StoreFiles {
        StoreFiles::in_dir(&self.path)
    }

    /// Move the staged store into `files`: database (never replacing one), then keyring.
    /// `steps` names the crash points after each move.
    pub(crate) fn move_in(&self, files: &StoreFiles, steps: [&'static str; 2]) -> Result<()> {
        let staged = self.files();
        match std::fs::hard_link(&staged.database, &files.database) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(Error::AlreadyExists {
                    what: "store".into(),
                });
            }
            other => other?,
        }
        super::crash::point(steps[0]);
        if let Err(e) = std::fs::rename(&staged.keyring, &files.keyring) {
            // Another command may have finished this move for us (`clean`).
            if !keyring_names_database(files) {
                let _ = std::fs::remove_file(&files.database);
                return Err(e.into());
            }
        }
        super::crash::point(steps[1]);
        sync_dir(&files.dir)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// fsync a folder, so the renames and links in it are on disk.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

fn keyring_names_database(files: &StoreFiles) -> bool {
    let Ok(keyring) = KeyringFile::load(&files.keyring) else {
        return false;
    };
    read_db_salt(&files.database).is_ok_and(|salt| keyring.db_salt_bytes() == Some(salt))
}

/// Remove staging folders left in `files.dir` by a crashed `init` or `restore`. One whose
/// database is already in place but whose keyring is not gets its keyring moved in first.
/// Returns how many were removed. Errors (a read-only folder) are left for the operation itself
/// to report.
pub(crate) fn clean(files: &StoreFiles) -> usize {
    let Ok(entries) = std::fs::read_dir(&files.dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !PREFIXES.iter().any(|p| name.starts_with(p)) || !entry.path().is_dir() {
            continue;
        }
        // Locked: a live init or restore (in this or another process) is still building it.
        if let Ok(lock) = std::fs::File::open(entry.path().join(LOCK))
            && lock.try_lock().is_err()
        {
            continue;
        }
        let staged = StoreFiles::in_dir(entry.path());
        if staged.keyring.exists() && files.database.exists() && !keyring_names_database(files) {
            let theirs = KeyringFile::load(&staged.keyring).ok();
            let salt = read_db_salt(&files.database).ok();
            if theirs.is_some_and(|k| salt.is_some() && k.db_salt_bytes() == salt) {
                let _ = std::fs::rename(&staged.keyring, &files.keyring);
                let _ = sync_dir(&files.dir);
            }
        }
        if std::fs::remove_dir_all(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}
