//! The core's formatters and guidance, exported so that no UI re-implements them.
//! Their output is for the resident's own screen: never log it.

use phr_core::consent::DataCategory;
use phr_core::family::Scope;
use phr_core::guidance::{self, Band, Level};
use phr_core::records::{
    Aggregation, Observation, ObservationCategory, ObservationType, RecordBody, Sex, summary,
};

/// The version of PHR Core in this library (also the cheapest call across the FFI).
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// One line describing a record, e.g. `Blood pressure 128/82 mmHg, pulse 64 bpm`.
#[uniffi::export]
pub fn record_summary(body: RecordBody) -> String {
    summary::record(&body)
}

/// One line describing an observation.
#[uniffi::export]
pub fn observation_summary(observation: Observation) -> String {
    summary::observation(&observation)
}

/// A unit as people read it (`mmHg`, `°C`, `kg`); empty for BMI.
#[uniffi::export]
pub fn display_unit(observation_type: ObservationType) -> String {
    summary::display_unit(observation_type).to_owned()
}

/// A value rounded for display (integers for steps and pressure, one decimal otherwise).
#[uniffi::export]
pub fn format_value(observation_type: ObservationType, value: f64) -> String {
    summary::format_value(observation_type, value)
}

/// The English label of a type (`Blood pressure`); apps translate by the type's name.
#[uniffi::export]
pub fn observation_type_label(observation_type: ObservationType) -> String {
    observation_type.label().to_owned()
}

/// Every observation type, in the order the dashboard shows them.
#[uniffi::export]
pub fn observation_types() -> Vec<ObservationType> {
    ObservationType::ALL.to_vec()
}

#[uniffi::export]
pub fn observation_category(observation_type: ObservationType) -> ObservationCategory {
    observation_type.category()
}

/// Whether a type's daily value is a sum (steps, sleep) or statistics (min/mean/max).
#[uniffi::export]
pub fn observation_aggregation(observation_type: ObservationType) -> Aggregation {
    observation_type.aggregation()
}

/// Where a value stands against the 特定健診 thresholds; `None` when there is no threshold.
#[uniffi::export]
pub fn assess(observation: Observation, sex: Option<Sex>) -> Option<Level> {
    guidance::assess(&observation, sex)
}

/// The thresholds of a type's primary value, for drawing the guidance band on a chart.
#[uniffi::export]
pub fn guidance_band(observation_type: ObservationType, sex: Option<Sex>) -> Option<Band> {
    guidance::band(observation_type, sex)
}

/// The English label of a level; apps translate by the level's name.
#[uniffi::export]
pub fn level_label(level: Level) -> String {
    level.label().to_owned()
}

/// The Japanese label of a consent data category (`健診結果`), for the consent screen.
#[uniffi::export]
pub fn data_category_label_ja(category: DataCategory) -> String {
    category.label_ja().to_owned()
}

/// The English label of a consent data category (`Checkup results`).
#[uniffi::export]
pub fn data_category_label_en(category: DataCategory) -> String {
    category.label_en().to_owned()
}

/// The Japanese label of a family grant's scope (`閲覧`), for the summary and family screens.
#[uniffi::export]
pub fn scope_label_ja(scope: Scope) -> String {
    scope.label_ja().to_owned()
}

/// The English label of a family grant's scope.
#[uniffi::export]
pub fn scope_label_en(scope: Scope) -> String {
    scope.label_en().to_owned()
}

/// The Japanese name of an observation type (`血圧`), as the charts word it.
#[uniffi::export]
pub fn observation_type_label_ja(observation_type: ObservationType) -> String {
    observation_type.label_ja().to_owned()
}

/// The days a dashboard tile's trend line covers, today included.
#[uniffi::export]
pub fn trend_days() -> u32 {
    phr_core::today::TREND_DAYS
}

/// A person's name as written in Japan (family name first, ideographic space), for the switcher.
#[uniffi::export]
pub fn person_display_name(person: phr_core::records::Person) -> String {
    person.display_name()
}

/// The glucose timings a form offers, in order (a glucose reading needs one).
#[uniffi::export]
pub fn glucose_timings() -> Vec<phr_core::records::GlucoseTiming> {
    phr_core::records::GlucoseTiming::ALL.to_vec()
}

/// A glucose timing's label for the form: 空腹時, 食後, 随時.
#[uniffi::export]
pub fn glucose_timing_label(timing: phr_core::records::GlucoseTiming) -> String {
    timing.label_ja().into()
}
