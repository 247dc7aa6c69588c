//! The resident's view of the provision log ([`crate::provision`]): what left, to whom, for
//! what, under which consent. Reading it is audited like any access to the subject's record.

use super::Session;
use crate::access::Action;
use crate::audit::AuditAction;
use crate::error::Result;
use crate::provision::{self, Provision};

impl Session {
    /// Every provision of `subject`'s data, oldest first (the subject, or a proxy with View).
    /// Kept after the data it describes is erased: it holds no health value.
    pub fn provision_log(&self, subject: &str) -> Result<Vec<Provision>> {
        let access = self.authorize(subject, Action::View)?;
        self.read_audited(
            &access,
            AuditAction::ProvisionLogRead,
            |c| provision::list(c, access.subject()),
            |_| vec![],
        )
    }
}
