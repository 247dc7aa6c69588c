//! The one clock. Every "now" in the core (a reading's default time, "not in the future", a
//! delegation's or consent's validity, audit timestamps) is read here, so a test can fix it and
//! no rule depends on the hour a test happens to run.
//!
//! The shipped library reads the system clock. With the `test-hooks` feature (the project's own
//! tests), a clock can be fixed, and a process started with `PHR_TEST_NOW=<RFC 3339 instant>`
//! runs on that instant (how the CLI's end-to-end tests fix the `phr` binary's clock).

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

/// Where "now" comes from: the system clock, or (test hooks only) a fixed instant.
#[derive(Debug)]
pub struct Clock {
    /// A fixed "now" in unix seconds; `i64::MIN` means the system clock.
    fixed: AtomicI64,
}

const SYSTEM: i64 = i64::MIN;

impl Clock {
    /// The clock a store opens with: the system clock (or `PHR_TEST_NOW` under test hooks).
    pub fn from_environment() -> Clock {
        Clock {
            fixed: AtomicI64::new(test_now_from_env().unwrap_or(SYSTEM)),
        }
    }

    /// The system clock.
    pub fn system() -> Clock {
        Clock {
            fixed: AtomicI64::new(SYSTEM),
        }
    }

    /// Now, in UTC.
    pub fn now(&self) -> DateTime<Utc> {
        match self.fixed.load(Ordering::SeqCst) {
            SYSTEM => Utc::now(),
            at => DateTime::from_timestamp(at, 0).unwrap_or_default(),
        }
    }

    /// Now, in unix seconds.
    pub fn now_seconds(&self) -> i64 {
        self.now().timestamp()
    }

    /// Test hook: read `at` (unix seconds) from now on, or the system clock again.
    #[cfg(feature = "test-hooks")]
    pub fn set(&self, at: Option<i64>) {
        self.fixed.store(at.unwrap_or(SYSTEM), Ordering::SeqCst);
    }

    /// Test hook: a clock fixed at `at` (unix seconds).
    #[cfg(feature = "test-hooks")]
    pub fn fixed(at: i64) -> Clock {
        Clock {
            fixed: AtomicI64::new(at),
        }
    }
}

/// The environment variable that fixes a test process's clock.
#[cfg(feature = "test-hooks")]
pub const TEST_NOW_ENV: &str = "PHR_TEST_NOW";

#[cfg(feature = "test-hooks")]
fn test_now_from_env() -> Option<i64> {
    let v = std::env::var(TEST_NOW_ENV).ok()?;
    // A test that sets it wrongly must fail loudly, not run on the wall clock.
    match DateTime::parse_from_rfc3339(&v) {
        Ok(t) => Some(t.timestamp()),
        Err(_) => panic!("{TEST_NOW_ENV} must be an RFC 3339 instant, got {v:?}"),
    }
}

#[cfg(not(feature = "test-hooks"))]
fn test_now_from_env() -> Option<i64> {
    None
}

#[cfg(all(test, feature = "test-hooks"))]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_reads_its_instant_until_released() {
        let c = Clock::fixed(1_000_000_000);
        assert_eq!(c.now_seconds(), 1_000_000_000);
        c.set(Some(5));
        assert_eq!(c.now_seconds(), 5);
        c.set(None);
        assert!(c.now_seconds() > 1_700_000_000);
    }
}
