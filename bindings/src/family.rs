//! Family management across the FFI: delegations are records, the rules stay in the core
//! (`Session::grant` and the one `authorize`).

use crate::error::Result;
use crate::session::PhrSession;
use phr_core::AccessGrant;
use phr_core::family::{Delegation, NewDelegation};

#[uniffi::export]
impl PhrSession {
    /// Let someone act on `subject`'s record within scopes and a period. The subject grants for
    /// themself; a legal representative grants with a basis (a parent's grant ends at 18).
    pub fn grant(&self, subject: String, delegation: NewDelegation) -> Result<Delegation> {
        Ok(self.session().grant(&subject, delegation)?)
    }

    /// End a delegation now (its grantor or its subject).
    pub fn revoke(&self, delegation_id: String) -> Result<()> {
        Ok(self.session().revoke(&delegation_id)?)
    }

    /// A subject who came of age (or recovered) takes their record back: every representative's
    /// grant on it ends. Returns the ids of the delegations ended.
    pub fn take_control(&self, subject: String) -> Result<Vec<String>> {
        Ok(self.session().take_control(&subject)?)
    }

    /// "Who can see my record, with which rights, until when".
    pub fn who_can_access(&self, subject: String) -> Result<Vec<AccessGrant>> {
        Ok(self.session().who_can_access(&subject)?)
    }

    /// Every delegation on `subject`'s record, revoked and expired ones included.
    pub fn delegations(&self, subject: String) -> Result<Vec<Delegation>> {
        Ok(self.session().delegations(&subject)?)
    }

    /// The person ids the acting member may act for now, themself first (the family switcher).
    pub fn subjects_of(&self) -> Result<Vec<String>> {
        Ok(self.session().subjects_of()?)
    }
}
