//! The resident's requests to the operator (開示・訂正・利用停止・消去; APPI arts. 33–35,
//! GUIDELINE.md S-18, S-20, S-21, S-23): each is one call that does what it asks on the device
//! — disclosure writes the whole record and the provision log, correction annotates an official
//! result or edits a self-entered one, a stop of provision is a deny for that recipient, erasure
//! erases — and is recorded as received, then with its outcome in words (counts and ids only,
//! never a health value). The record of a request can be handed to the operator as a file.

mod entry;
mod repo;

pub use entry::{Correction, RequestKind, RequestStatus, ResidentRequest, to_operator_json};
pub(crate) use repo::{complete, list, receive};
