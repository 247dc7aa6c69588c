//! What every `phr` end-to-end test shares: the real binary on a fixed clock.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::Path;

/// The instant every test's `phr` runs at: 00:30 in Tokyo, the hour that once broke the demo
/// (it logged "today's" 07:00 weight). The binary reads it through the core's test hooks.
pub const NOW: &str = "2026-11-19T15:30:00Z";

/// The `phr` binary on the fixed clock, with no store or secrets from the caller's environment.
pub fn bare() -> Command {
    let mut c = Command::cargo_bin("phr").unwrap();
    c.env("PHR_TEST_NOW", NOW)
        .env("PHR_KDF_MEMORY_KIB", "64")
        .env_remove("PHR_STORE")
        .env_remove("PHR_PASSPHRASE")
        .env_remove("PHR_TIME_ZONE")
        .env_remove("PHR_BACKUP_PASSPHRASE")
        .env_remove("PHR_NEW_PASSPHRASE")
        .env_remove("PHR_OPERATOR_PROFILE");
    c
}

/// `phr` on `store` with the tests' passphrase.
pub fn phr(store: &Path) -> Command {
    let mut c = bare();
    c.env("PHR_STORE", store)
        .env("PHR_PASSPHRASE", "correct horse");
    c
}

/// A new store `dir/s` whose owner is hanako (born 1975-05-03); returns its path.
pub fn store_of_hanako(dir: &Path) -> std::path::PathBuf {
    let s = dir.join("s");
    phr(&s).arg("init").assert().success();
    phr(&s)
        .args([
            "person",
            "add",
            "--nickname",
            "hanako",
            "--family",
            "山田",
            "--given",
            "花子",
            "--birth",
            "1975-05-03",
            "--sex",
            "female",
        ])
        .assert()
        .success();
    s
}
