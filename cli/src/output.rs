//! Errors as the command prints them: one line naming what is wrong and what to do, and an exit
//! code per kind of failure.

use phr_core::Error;
use std::fmt;

pub enum CliError {
    Core(Error),
    Usage(String),
    Io(std::io::Error),
    /// A file named on the command line could not be read or written.
    File {
        path: std::path::PathBuf,
        doing: &'static str,
        error: std::io::Error,
    },
}

/// `map_err` for an operation on a file the user named: the error names the file, what was
/// being done and what to do.
pub fn on_file(
    path: &std::path::Path,
    doing: &'static str,
) -> impl FnOnce(std::io::Error) -> CliError {
    let path = path.to_path_buf();
    move |error| CliError::File { path, doing, error }
}

impl CliError {
    /// 1 = refused input or not found, 2 = usage, 3 = wrong passphrase or locked, 4 = damaged store,
    /// 5 = not permitted, 6 = storage or I/O failure (disk full, read-only store), 7 = busy (another
    /// process held the store; nothing changed, try again).
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Io(_) => 6,
            CliError::File { error, .. } => match error.kind() {
                // The name given is wrong (no such file or folder, not allowed): refused input.
                std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => 1,
                _ => 6,
            },
            CliError::Core(e) => match e {
                Error::WrongPassphrase
                | Error::PlatformKeyRejected
                | Error::Locked
                | Error::TooManyAttempts { .. } => 3,
                Error::CorruptStore { .. }
                | Error::AuditRollback { .. }
                | Error::KeyringMismatch
                | Error::UnsupportedVersion { .. } => 4,
                Error::NotPermitted { .. } => 5,
                Error::Storage(_) | Error::DiskFull | Error::ReadOnly => 6,
                Error::Busy => 7,
                _ => 1,
            },
        }
    }
}

/// What the user can do, for the errors whose message does not already say it.
fn hint(e: &Error) -> Option<&'static str> {
    Some(match e {
        Error::WrongPassphrase => "check the passphrase (PHR_PASSPHRASE) and try again",
        Error::Locked => "unlock the store and try again",
        Error::AuditRollback { .. } => {
            "nothing was changed; the store's files were put back to an older copy: restore your latest backup, or ask for help"
        }
        Error::CorruptStore { .. } => {
            "nothing was changed; run `phr check` to see the damage, or restore a backup with `phr restore`"
        }
        Error::KeyringMismatch => {
            "put back this store's own phr.keyring, or restore a backup with `phr restore`"
        }
        Error::UnsupportedVersion { .. } => "use a newer version of phr",
        Error::Storage(_) => {
            "check that the store's disk and folder are healthy and writable, then try again"
        }
        _ => return None,
    })
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Core(e) => match hint(e) {
                Some(h) => write!(f, "{e}; {h}"),
                None => write!(f, "{e}"),
            },
            CliError::Usage(m) => write!(f, "{m}"),
            CliError::Io(e) => write!(f, "{e}"),
            CliError::File { path, doing, error } => {
                let what = match error.kind() {
                    std::io::ErrorKind::NotFound => "no such file or folder; check the path",
                    std::io::ErrorKind::PermissionDenied => {
                        "not allowed; check the file's permissions"
                    }
                    std::io::ErrorKind::StorageFull => "the disk is full; free some space",
                    _ => return write!(f, "cannot {doing} {}: {error}", path.display()),
                };
                write!(f, "cannot {doing} {}: {what}", path.display())
            }
        }
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError::Core(e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io(e)
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;

/// Exit code of a process whose output pipe was closed (128 + SIGPIPE), as shells report it.
pub const CLOSED_PIPE: i32 = 141;

/// `phr list | head -1`: when the reader closes the pipe, `println!` panics with "failed
/// printing to stdout: Broken pipe". End quietly with [`CLOSED_PIPE`] instead of a panic
/// message and exit 101; every other panic still reports as before. Printing comes after the
/// core's transaction committed, so nothing is left half-done.
pub fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to std") && message.contains("Broken pipe") {
            std::process::exit(CLOSED_PIPE);
        }
        default(info);
    }));
}
