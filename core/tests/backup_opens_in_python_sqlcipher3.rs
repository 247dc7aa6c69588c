//! A backup is a standard SQLCipher 4 database: another SQLCipher client (Python's
//! `sqlcipher3`) opens it with the backup passphrase alone and reads the rows back.
//!
//! Needs `python3` with `sqlcipher3`: run `scripts/install-test-deps.sh`. Missing tools fail
//! this test; they never skip it.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{PASS, kdf, write_row};
use phr_core::Store;
use std::process::Command;

const BACKUP_PASS: &str = "backup pass 'quoted' 合言葉";

const READER: &str = r#"
import json, os, sys
import sqlcipher3
conn = sqlcipher3.connect(sys.argv[1])
key = os.environ["PHR_BACKUP_PASS"].replace("'", "''")
conn.execute("PRAGMA key = '" + key + "'")
rows = conn.execute("SELECT id, body FROM t ORDER BY id").fetchall()
app = conn.execute("PRAGMA application_id").fetchone()[0]
version = conn.execute("PRAGMA user_version").fetchone()[0]
audit = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
print(json.dumps({"rows": rows, "application_id": app, "user_version": version, "audit": audit}))
"#;

#[test]
#[cfg_attr(
    not(feature = "validators"),
    ignore = "needs the Python and Node validators: scripts/test.sh installs them and runs this with --features phr-core/validators"
)]
fn backup_opens_in_python_sqlcipher3_with_the_passphrase_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path().join("store"), PASS, kdf()).unwrap();
    let bodies = [
        "MARKER-高血圧-7731",
        "MARKER-ascii-5519",
        "血圧 128/82 mmHg",
    ];
    for (i, b) in bodies.iter().enumerate() {
        write_row(&store, i as i64 + 1, b);
    }
    let backup = dir.path().join("phr.backup");
    store.backup(&backup, BACKUP_PASS).unwrap();

    let out = Command::new("python3")
        .arg("-c")
        .arg(READER)
        .arg(&backup)
        .env("PHR_BACKUP_PASS", BACKUP_PASS)
        .output()
        .unwrap_or_else(|e| {
            panic!("python3 could not be run ({e}); run scripts/install-test-deps.sh")
        });
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("No module named 'sqlcipher3'"),
        "python3 has no sqlcipher3: run scripts/install-test-deps.sh"
    );
    assert!(out.status.success(), "python3 sqlcipher3 failed: {stderr}");
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected: Vec<serde_json::Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| serde_json::json!([i + 1, b]))
        .collect();
    assert_eq!(got["rows"], serde_json::Value::Array(expected));
    assert_eq!(got["application_id"], phr_core::store::APPLICATION_ID);
    assert_eq!(got["user_version"], phr_core::store::SCHEMA_VERSION);
    assert!(got["audit"].as_i64().unwrap() >= 4);

    // And the wrong passphrase does not open it there either.
    let wrong = Command::new("python3")
        .arg("-c")
        .arg(READER)
        .arg(&backup)
        .env("PHR_BACKUP_PASS", "not the backup passphrase")
        .output()
        .unwrap();
    assert!(
        !wrong.status.success(),
        "a wrong passphrase opened the backup"
    );
}
