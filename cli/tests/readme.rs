//! The README's `phr` commands work exactly as written (issue #17 item 7): every command of its
//! "Using `phr`" section, in order, through bash, with the env vars it names, on a fixed clock.
//! Only the placeholders are filled in: `'…'` (a passphrase), `ID` (a record's id, from the
//! `list` before it), `<grant-id>` (from `family list`), and the files `checkup.xml` and
//! `bundle.json` (fixtures for the README's hanako). The sync block needs a server: it runs in
//! scripts/test-sync.sh.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

const PASS: &str = "paper lantern river seventeen";
const NEW_PASS: &str = "violet harbor quietly tumbles";
const BACKUP_PASS: &str = "orchid tundra marble cascade";

/// The shell lines of the README's "Using `phr`" section, sync block left out.
fn readme_lines() -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let section = readme
        .split_once("## Using `phr`")
        .unwrap()
        .1
        .split_once("\n## ")
        .unwrap()
        .0;
    let mut lines = vec![];
    for (i, block) in section.split("```").enumerate() {
        // Odd pieces are inside fences.
        if i % 2 == 0 || block.contains("phr sync") {
            continue;
        }
        lines.extend(
            block
                .lines()
                .skip(1)
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned),
        );
    }
    lines
}

/// One line may hold several commands separated by wide gaps (`phr audit show    phr audit verify`).
fn commands(line: &str) -> Vec<String> {
    let code = match line.find("  #") {
        Some(i) => &line[..i],
        None => line,
    };
    let mut out = vec![];
    let mut rest = code.trim();
    while let Some(i) = rest.find("    phr ").or_else(|| rest.find("   phr ")) {
        out.push(rest[..i].trim().to_owned());
        rest = rest[i..].trim_start();
    }
    if !rest.is_empty() {
        out.push(rest.to_owned());
    }
    out
}

fn fixture(dir: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures")
        .join(dir)
        .join(name)
}

#[test]
fn every_readme_command_runs_as_written() {
    let home = tempfile::tempdir().unwrap();
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    // `phr` on PATH is the binary under test.
    std::os::unix::fs::symlink(assert_cmd::cargo::cargo_bin("phr"), bin.join("phr")).unwrap();
    // The README's hanako (female, born 1975-05-03) receives the files it imports.
    let xml = std::fs::read_to_string(fixture("checkup", "tokutei_complete.xml"))
        .unwrap()
        .replace("19700415", "19750503");
    std::fs::write(home.path().join("checkup.xml"), xml).unwrap();
    std::fs::copy(
        fixture("fhir", "single-heart-rate.json"),
        home.path().join("bundle.json"),
    )
    .unwrap();

    let mut script = String::from("set -uo pipefail\n");
    let mut ran = 0;
    for line in readme_lines() {
        for cmd in commands(&line) {
            let cmd = cmd
                .replace("'…'", &format!("'{PASS}'"))
                .replace("<grant-id>", "\"$GRANT\"")
                .replace(" ID ", " \"$ID\" ");
            let cmd = if cmd.ends_with(" ID") {
                format!("{}\"$ID\"", &cmd[..cmd.len() - 2])
            } else {
                cmd
            };
            script.push_str(&format!(
                "echo '+ {quoted}'\n{cmd} || {{ echo 'README command failed: {quoted}' >&2; exit 1; }}\n",
                quoted = cmd.replace('\'', "'\\''")
            ));
            ran += 1;
            // What the README leaves to the reader: an id from the list above, a grant's id, and
            // the new passphrase from here on.
            if cmd.starts_with("phr list --type bp") {
                script.push_str("ID=$(phr list --type bp | grep -o '\\[[0-9a-f-]*\\]$' | head -1 | tr -d '[]')\n[ -n \"$ID\" ] || { echo 'no record id listed' >&2; exit 1; }\n");
            }
            if cmd.contains("--as taro family grant") {
                script.push_str("GRANT=$(PHR_PASSPHRASE=\"$TARO\" phr --as taro family list | grep -o '\\[[0-9a-f-]*\\]$' | head -1 | tr -d '[]')\n[ -n \"$GRANT\" ] || { echo 'no grant id listed' >&2; exit 1; }\n");
            }
            if cmd.starts_with("phr passphrase change") {
                script.push_str("export PHR_PASSPHRASE=\"$PHR_NEW_PASSPHRASE\"\n");
            }
        }
    }
    assert!(
        ran >= 30,
        "only {ran} commands found: has the README's layout changed?"
    );
    let run = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(home.path())
        .env("HOME", home.path())
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .env("PHR_TEST_NOW", common::NOW)
        .env("PHR_KDF_MEMORY_KIB", "64")
        .env("PHR_BACKUP_PASSPHRASE", BACKUP_PASS)
        .env("PHR_NEW_PASSPHRASE", NEW_PASS)
        .env_remove("PHR_STORE")
        .env_remove("PHR_PASSPHRASE")
        .env_remove("PHR_TIME_ZONE")
        .env_remove("PHR_OPERATOR_PROFILE")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr),
    );
    assert!(run.status.success(), "{stderr}\n--- output ---\n{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The end of the run was reached: the last command of the section printed its report.
    assert!(stdout.contains("+ phr import bundle.json"), "{stdout}");
}
