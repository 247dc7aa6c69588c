//! The audit chain: who did what to whose record, when — ids only, never values.
//!
//! Each entry's MAC covers its own fields and the previous entry's MAC (HMAC-SHA256 under a key
//! derived from the data key), so editing, deleting, inserting or reordering entries breaks the
//! chain at a point `verify` names. The head row is MAC'd as well, so cutting entries off the end
//! is detected too. Entries are appended inside the caller's transaction: the change and its
//! entry commit together or not at all.

mod chain;

pub use chain::{AuditAction, AuditEntry, AuditReport, BrokenLink, NewAuditEntry};
pub(crate) use chain::{AuditKeys, append, list, verify};
