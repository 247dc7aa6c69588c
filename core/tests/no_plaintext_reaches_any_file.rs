//! Health data written through the store never appears in the clear in any file the store
//! or its backup ever creates: database, WAL, shared memory, journals, keyring, temporary
//! files, backups. A watcher thread copies the folder continuously while the store works, so
//! short-lived files are seen too.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use phr_core::store::testing::RawStore;

mod common;

use common::{PASS, kdf, snapshot};
use phr_core::{InMemoryKeyStore, Store, Unlock};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

const MARKERS: [&str; 3] = [
    "MARKER-高血圧-7731",
    "MARKER-ascii-hypertension-5519",
    "MARKER-糖尿病-ＨｂＡ１ｃ-0042",
];

fn count(hay: &[u8], needle: &[u8]) -> usize {
    let first = needle[0];
    let mut hits = 0;
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        if hay[i] == first && &hay[i..i + needle.len()] == needle {
            hits += 1;
        }
        i += 1;
    }
    hits
}

/// Every distinct (file, contents) seen, keyed by content hash.
#[derive(Default)]
struct Seen {
    contents: BTreeMap<Vec<u8>, (PathBuf, Vec<u8>)>,
    names: BTreeSet<PathBuf>,
}

impl Seen {
    fn add(&mut self, dir: &Path) {
        for (path, bytes) in snapshot(dir) {
            let h = ring::digest::digest(&ring::digest::SHA256, &bytes)
                .as_ref()
                .to_vec();
            self.names.insert(path.clone());
            self.contents.entry(h).or_insert((path, bytes));
        }
    }

    /// (file, marker) pairs where a marker was found in the clear.
    fn hits(&self) -> Vec<(PathBuf, &'static str)> {
        let mut out = vec![];
        for (path, bytes) in self.contents.values() {
            for m in MARKERS {
                if count(bytes, m.as_bytes()) > 0 {
                    out.push((path.clone(), m));
                }
            }
        }
        out
    }
}

fn insert_markers(tx: &rusqlite::Transaction<'_>, from: i64) -> rusqlite::Result<()> {
    tx.execute_batch("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")?;
    for i in 0..60 {
        let m = MARKERS[i as usize % MARKERS.len()];
        tx.execute(
            "INSERT INTO t (id, note) VALUES (?1, ?2)",
            rusqlite::params![from + i, format!("{m} measured at visit {i}")],
        )?;
    }
    Ok(())
}

fn write_markers(store: &Store, from: i64) {
    store
        .raw_write("tester", |w| {
            insert_markers(w.tx(), from)?;
            common::record_written(w, from)
        })
        .unwrap();
}

#[test]
fn scan_finds_markers_in_a_plain_sqlite_file_written_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = rusqlite::Connection::open(dir.path().join("plain.db")).unwrap();
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .unwrap();
    let tx = conn.transaction().unwrap();
    insert_markers(&tx, 0).unwrap();
    tx.commit().unwrap();
    let mut seen = Seen::default();
    seen.add(dir.path());
    let found: BTreeSet<&str> = seen.hits().into_iter().map(|(_, m)| m).collect();
    assert_eq!(
        found.len(),
        MARKERS.len(),
        "the scan must find every marker"
    );
}

#[test]
fn no_plaintext_reaches_any_file() {
    let root = tempfile::tempdir().unwrap();
    let store_dir = root.path().join("store");
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (seen, stop, root) = (seen.clone(), stop.clone(), root.path().to_path_buf());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                seen.lock().unwrap().add(&root);
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        })
    };
    let checkpoint = || seen.lock().unwrap().add(root.path());

    let platform = InMemoryKeyStore::new();
    let store = Store::create(&store_dir, PASS, kdf()).unwrap();
    write_markers(&store, 0);
    checkpoint(); // open store: the rows are in the WAL
    store
        .change_passphrase(PASS, "another passphrase", kdf())
        .unwrap();
    store.enroll_platform_key(&platform).unwrap();
    write_markers(&store, 100);
    checkpoint();
    store
        .rotate_data_key(&phr_core::Unlock::Passphrase("another passphrase"))
        .unwrap();
    checkpoint();
    write_markers(&store, 200);
    std::fs::create_dir(root.path().join("backups")).unwrap();
    store
        .backup(&root.path().join("backups/one.backup"), "backup passphrase")
        .unwrap();
    checkpoint();
    store.lock().unwrap();
    checkpoint();
    let store = Store::unlock(&store_dir, Unlock::Platform(&platform)).unwrap();
    let n: i64 = store
        .raw_read(|c| Ok(c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(n, 180, "the markers were really written");
    checkpoint();
    let restored = Store::restore(
        &root.path().join("backups/one.backup"),
        "backup passphrase",
        root.path().join("restored"),
        PASS,
        kdf(),
    )
    .unwrap();
    write_markers(&restored, 300);
    checkpoint();
    restored.lock().unwrap();
    store.lock().unwrap();
    checkpoint();
    stop.store(true, Ordering::SeqCst);
    watcher.join().unwrap();

    let seen = seen.lock().unwrap();
    let names: Vec<String> = seen.names.iter().map(|p| p.display().to_string()).collect();
    eprintln!(
        "files scanned: {names:?}, distinct versions: {}",
        seen.contents.len()
    );
    for must in [
        "store/phr.db",
        "store/phr.db-wal",
        "store/phr.db-shm",
        "store/phr.keyring",
        "backups/one.backup",
        "restored/phr.db",
        "restored/phr.keyring",
    ] {
        assert!(seen.names.contains(Path::new(must)), "never saw {must}");
    }
    let hits = seen.hits();
    assert!(
        hits.is_empty(),
        "plaintext found in: {:?}",
        hits.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
}
