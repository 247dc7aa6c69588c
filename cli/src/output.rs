//! Errors as the command prints them: one line, and an exit code per kind of failure.

use phr_core::Error;
use std::fmt;

pub enum CliError {
    Core(Error),
    Usage(String),
    Io(std::io::Error),
}

impl CliError {
    /// 1 = refused input or not found, 2 = usage, 3 = wrong passphrase or locked, 4 = damaged store,
    /// 5 = not permitted, 6 = storage or I/O failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Io(_) => 6,
            CliError::Core(e) => match e {
                Error::WrongPassphrase | Error::PlatformKeyRejected | Error::Locked => 3,
                Error::CorruptStore { .. }
                | Error::KeyringMismatch
                | Error::UnsupportedVersion { .. } => 4,
                Error::NotPermitted { .. } => 5,
                Error::Storage(_) => 6,
                _ => 1,
            },
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Core(e) => write!(f, "{e}"),
            CliError::Usage(m) => write!(f, "{m}"),
            CliError::Io(e) => write!(f, "{e}"),
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
