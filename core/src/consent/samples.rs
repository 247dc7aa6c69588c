//! The two sample operator profiles shipped with the core (`core/profiles/*.json`), embedded in
//! the binary so a front end has a working default.

use super::profile::OperatorProfile;

/// A ward's health department (municipality, APPI chapter 5).
pub const MUNICIPALITY_JSON: &str = include_str!("../../profiles/municipality-sample.json");
/// A PHR app business (APPI chapter 4).
pub const BUSINESS_JSON: &str = include_str!("../../profiles/business-sample.json");
/// The privacy-notice texts whose digests the samples carry.
pub const MUNICIPALITY_NOTICE: &str =
    include_str!("../../profiles/notices/municipality-2026-10.txt");
pub const BUSINESS_NOTICE: &str = include_str!("../../profiles/notices/business-2025-06.txt");

/// The municipal sample, validated.
#[allow(clippy::expect_used)]
pub fn municipality() -> OperatorProfile {
    // Invariant: the embedded sample is checked by the tests below on every build.
    OperatorProfile::from_json(MUNICIPALITY_JSON).expect("the embedded municipal sample is valid")
}

/// The business sample, validated.
#[allow(clippy::expect_used)]
pub fn business() -> OperatorProfile {
    // Invariant: the embedded sample is checked by the tests below on every build.
    OperatorProfile::from_json(BUSINESS_JSON).expect("the embedded business sample is valid")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::profile::{OperatorKind, PurposeNature};

    #[test]
    fn municipal_sample_validates_and_cites_a_law_for_every_purpose() {
        let p = OperatorProfile::from_json(MUNICIPALITY_JSON).unwrap();
        assert_eq!(p.kind, OperatorKind::Municipality);
        assert!(p.purposes.iter().all(|x| x.statutory_basis.is_some()));
        let guidance = p.purpose("specific_health_guidance").unwrap();
        assert!(
            guidance
                .statutory_basis
                .as_deref()
                .unwrap()
                .contains("第24条")
        );
        assert!(p.current_notice().unwrap().matches(MUNICIPALITY_NOTICE));
    }

    #[test]
    fn business_sample_validates_and_may_improve_its_service() {
        let p = OperatorProfile::from_json(BUSINESS_JSON).unwrap();
        assert_eq!(p.kind, OperatorKind::Business);
        assert!(
            p.purposes
                .iter()
                .any(|x| x.nature == PurposeNature::ServiceImprovement)
        );
        assert!(p.current_notice().unwrap().matches(BUSINESS_NOTICE));
    }

    #[test]
    fn business_purposes_are_refused_if_the_operator_were_a_municipality() {
        let mut p = business();
        p.kind = OperatorKind::Municipality;
        assert!(p.validate().is_err());
    }
}
