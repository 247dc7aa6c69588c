//! Crash points: named steps of the key and file operations (init, passphrase change, backup,
//! restore, rotation) where a test can have the process killed with SIGKILL, as a power cut or
//! the OS killing the app would.
//!
//! Only with the `test-hooks` feature: a process started with `PHR_CRASH_AT=<step>` sends itself
//! SIGKILL when it reaches that step. Without the feature (the library the apps ship) every
//! point is an empty inline function.

/// The environment variable naming the step to die at.
#[cfg(feature = "test-hooks")]
pub const CRASH_AT_ENV: &str = "PHR_CRASH_AT";

/// Every crash point, in the order each operation reaches them.
pub const STEPS: &[&str] = &[
    "init.staged",
    "init.database_moved",
    "init.keyring_moved",
    "passphrase.pending_saved",
    "passphrase.committed",
    "backup.exported",
    "backup.linked",
    "backup.committed",
    "restore.staged",
    "restore.database_moved",
    "restore.keyring_moved",
];

/// Die here (SIGKILL, no destructor runs) if this process was told to.
#[cfg(feature = "test-hooks")]
pub(crate) fn point(step: &'static str) {
    debug_assert!(STEPS.contains(&step), "unlisted crash point {step}");
    if std::env::var(CRASH_AT_ENV).as_deref() != Ok(step) {
        return;
    }
    let me = std::process::id().to_string();
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &me])
        .status();
    // `kill` missing: the next best thing to SIGKILL (no destructor, no flush).
    std::process::abort();
}

#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub(crate) fn point(_step: &'static str) {}
