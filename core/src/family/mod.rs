//! Family-manager mode: delegations that let one person act on another's record, with scopes,
//! a validity period and revocation — and the pure rule deciding whether one permits an action.
//!
//! Family decides what a delegation is and what a new grant may be; whether an actor may act
//! at all is [`crate::access`]'s, which reads the delegations through this module.
//!
//! The rule is a pure function of the delegation, the subject's birth date and the instant, so
//! expiry and coming of age take effect at their instant with no job running.

mod access_list;
mod delegation;
mod grant;
pub(crate) mod repo;

pub use access_list::AccessGrant;
pub(crate) use access_list::who_can_access;
pub use delegation::{
    Delegation, Grantee, GrantorKind, NewDelegation, RepresentativeBasis, Scope, adulthood_starts,
    is_active,
};
pub(crate) use grant::{Grantor, check_grantee, check_request, new_delegation};
