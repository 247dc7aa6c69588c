//! Our well-formed health-checkup fixtures are valid against the official MHLW hc08 XSD.
//!
//! Needs `xmllint` (libxml2-utils; `scripts/install-xml-test-deps.sh` installs it) and the
//! shared reference data beside the repository (`../shared/data/mhlw-tokutei-kenshin/XSD`).
//! The test fails, never skips, when either is missing: a skipped validation looks like
//! coverage and is none.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("core/ sits in the repository root")
        .to_path_buf()
}

#[test]
#[cfg_attr(
    not(feature = "validators"),
    ignore = "needs the Python and Node validators: scripts/test.sh installs them and runs this with --features phr-core/validators"
)]
fn well_formed_fixtures_validate_against_the_official_xsd() {
    let xsd = repo_root().join("../shared/data/mhlw-tokutei-kenshin/XSD/hc08_V08.xsd");
    assert!(
        xsd.is_file(),
        "the official XSD is missing at {} (the shared reference data must sit beside the \
         repository: ../shared/data/mhlw-tokutei-kenshin/XSD/hc08_V08.xsd)",
        xsd.display()
    );
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/checkup");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "expected at least three fixtures");
    for file in files {
        let out = Command::new("xmllint")
            .arg("--noout")
            .arg("--nonet")
            .arg("--schema")
            .arg(&xsd)
            .arg(&file)
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "xmllint could not be run ({e}); install it with \
                     scripts/install-xml-test-deps.sh (Debian package libxml2-utils)"
                )
            });
        assert!(
            out.status.success(),
            "{} does not validate against hc08_V08.xsd:\n{}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
