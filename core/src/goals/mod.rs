//! Step goals (issue #19 item 1): a daily goal per person — their own, or the guideline's for
//! their age — and how the days measure up to it (today, this week, the current streak).
//!
//! A goal holds from the local date it was set until the next change, so a past day is always
//! judged by the goal that held that day: raising the goal today does not break yesterday's
//! streak, and the points of issue #19 can be recomputed from the records and this history.

mod guideline;
mod progress;
pub(crate) mod repo;

pub use guideline::{
    ADULT_DAILY_STEPS, GUIDELINE_SOURCE, GoalSource, MAX_DAILY_STEPS, MIN_DAILY_STEPS,
    OLDER_ADULT_DAILY_STEPS, OLDER_ADULT_FROM_AGE, StepGoal, guideline_goal, validate_daily_steps,
};
pub use progress::{DayProgress, GoalHistory, StepProgress, streak_ending, whole_steps};
pub use repo::GoalChange;
