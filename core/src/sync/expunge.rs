//! Withdrawal that means gone (item 8 of issue #16): a FHIR `DELETE` leaves the earlier versions
//! readable through `_history` on most servers. After the deletes of a sync, when the server's
//! CapabilityStatement offers `$expunge`, each deleted resource's history is removed with it;
//! otherwise the report (and the consent receipt) say the recipient keeps a history copy under
//! its own retention policy. What the server offers is kept (`sync_capability`).

use super::batch::{batch_bundle, entry_statuses, expunge};
use super::{Run, state};
use crate::error::{Error, Result};
use serde_json::Value;

/// Whether a CapabilityStatement offers the `expunge` operation (system-wide or on a type).
pub(crate) fn offers_expunge(caps: &Value) -> bool {
    let named = |ops: &Value| {
        ops.as_array()
            .into_iter()
            .flatten()
            .any(|o| o["name"] == "expunge")
    };
    caps["rest"].as_array().into_iter().flatten().any(|rest| {
        named(&rest["operation"])
            || rest["resource"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|r| named(&r["operation"]))
    })
}

impl Run<'_, '_> {
    /// Remove the history of what this call deleted, where the server can.
    pub(super) fn expunge(&mut self) -> Result<()> {
        if self.gone.is_empty() {
            return Ok(());
        }
        let offered = match self.client.capabilities() {
            Ok(caps) => offers_expunge(&caps),
            // Not known: the copies are counted as kept; the deletes themselves are done.
            Err(Error::Offline | Error::ServerRejected { .. }) => false,
            Err(e) => return Err(e),
        };
        let (store, at) = (self.job.store, (self.recipient(), self.job.origin));
        let now = self.job.host.now().utc_seconds;
        store.write_as(self.job.actor, |w| {
            state::keep_capability(w.tx, at, offered, now)
        })?;
        let gone = std::mem::take(&mut self.gone);
        if !offered {
            self.report.history_kept += gone.len();
            return Ok(());
        }
        for chunk in gone.chunks(self.job.options.batch_size.max(1)) {
            let requests: Vec<Value> = chunk.iter().map(|a| expunge(a)).collect();
            let n = requests.len();
            let statuses = entry_statuses(&self.client.batch(&batch_bundle(requests))?, n);
            let done = statuses.iter().filter(|s| (200..300).contains(*s)).count();
            self.report.expunged += done;
            self.report.history_kept += n - done;
        }
        Ok(())
    }
}
