//! Points (issue #19 item 3): the operator profile's rules ([`crate::consent::PointsProgram`])
//! turned into an append-only ledger on the device. What is earned is recomputed from the
//! records, the goal history, the event memberships and the consent history every time the
//! ledger is read ([`earned`]); the ledger only ever gains entries that bring it in line
//! ([`reconcile`]): an award when an occasion is earned, a reversal (negative, with its reason)
//! when data or consent behind an award is gone. Nothing in it is ever rewritten.

mod earned;
mod ledger;
pub(crate) mod repo;

pub use crate::consent::{Confirmation, Earn, PointRule, PointsProgram};
pub use earned::{EventOutcome, Facts, Occasion, earned, fiscal_year};
pub use ledger::{EntryReason, LedgerEntry, NewEntry, PointsLedger, reconcile};
