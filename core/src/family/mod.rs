//! Family-manager mode: delegations that let one person act on another's record, with scopes,
//! a validity period and revocation — and the pure rule deciding whether one permits an action.
//!
//! The rule is a pure function of the delegation, the subject's birth date and the instant, so
//! expiry and coming of age take effect at their instant with no job running.

mod delegation;
pub(crate) mod repo;

pub use delegation::{
    Delegation, Grantee, GrantorKind, NewDelegation, RepresentativeBasis, Scope, adulthood_starts,
    is_active, permits, scope_for,
};
