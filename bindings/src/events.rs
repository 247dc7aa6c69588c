//! Walking events across the FFI: the operator's events with this person's progress, joining
//! (a consent permit) and leaving (a withdrawal). The rules and the progress are the core's.

use crate::error::Result;
use crate::session::PhrSession;
use phr_core::consent::ConsentDirective;
use phr_core::events::EventProgress;

#[uniffi::export]
impl PhrSession {
    /// The operator's walking events with this person's part in each, newest first.
    pub fn walking_events(&self, subject: String) -> Result<Vec<EventProgress>> {
        Ok(self.session().walking_events(&subject)?)
    }

    /// Progress in one event, from the daily step totals on the device.
    pub fn event_progress(&self, subject: String, event_id: String) -> Result<EventProgress> {
        Ok(self.session().event_progress(&subject, &event_id)?)
    }

    /// Join an event (alone, or in one of its teams): a consent permit for its organiser to
    /// receive daily step totals for its purpose. Its receipt is `consent_receipt`.
    pub fn join_event(
        &self,
        subject: String,
        event_id: String,
        team: Option<String>,
    ) -> Result<ConsentDirective> {
        Ok(self
            .session()
            .join_event(&subject, &event_id, team.as_deref())?)
    }

    /// Leave an event: a withdrawal of that permit.
    pub fn leave_event(&self, subject: String, event_id: String) -> Result<ConsentDirective> {
        Ok(self.session().leave_event(&subject, &event_id)?)
    }
}
