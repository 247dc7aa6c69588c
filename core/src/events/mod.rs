//! Walking events run by the operator (issue #19 item 2): declared in the operator profile
//! ([`crate::consent::WalkingEvent`]), joined by a resident as a consent decision (organiser ×
//! lifelog × the event's purpose, a purpose that takes lifelog as daily step totals only), left
//! by a withdrawal, and followed on the device from the daily roll-ups.

mod progress;
pub(crate) mod repo;

pub use crate::consent::{EVENT_DATA, EventTeam, WalkingEvent};
pub use progress::{EventDay, EventPhase, EventProgress, phase};
