//! The FHIR R4 `Consent` of each directive validates against the R4 models of PyPI
//! `fhir.resources==6.4.0` (pydantic 1). Install with scripts/install-consent-test-deps.sh;
//! this test fails, never skips, when the validator is missing. That library checks types,
//! cardinality and unknown elements but not required bindings or invariants, so the script
//! checks the codes and invariants (ppc-1, ppc-2) this resource relies on itself.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use phr_core::consent::{ConsentRequest, DataCategory, samples};
use phr_core::records::Stamp;
use std::process::Command;

const VALIDATOR: &str = r#"
import json, sys
try:
    import fhir.resources
    from fhir.resources.consent import Consent
except ImportError as e:
    print("MISSING: " + str(e))
    sys.exit(3)
if fhir.resources.__version__ != "6.4.0" or fhir.resources.__fhir_version__ != "4.0.1":
    print("WRONG VERSION: fhir.resources %s (FHIR %s)" % (fhir.resources.__version__, fhir.resources.__fhir_version__))
    sys.exit(3)
failed = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    try:
        c = Consent.parse_obj(data)
        assert c.status in ("active", "inactive"), c.status
        assert c.scope.coding[0].code == "patient-privacy"
        assert c.category[0].coding[0].code == "59284-0"
        # fhir.resources checks types, cardinality and unknown elements but not required
        # bindings or invariants: check those we rely on here.
        assert c.provision.type in ("permit", "deny"), c.provision.type
        assert c.policy or c.policyRule, "ppc-1: policy or policyRule"
        assert c.patient is not None, "ppc-2: patient-privacy needs a patient"
        assert c.provision.actor[0].role.coding[0].code == "IRCP"
        print("OK " + path)
    except Exception as e:
        failed += 1
        print("INVALID %s: %s" % (path, e))
sys.exit(1 if failed else 0)
"#;

#[test]
#[cfg_attr(
    not(feature = "validators"),
    ignore = "needs the Python and Node validators: scripts/test.sh installs them and runs this with --features phr-core/validators"
)]
fn every_consent_resource_validates_as_fhir_r4() {
    let (dir, s, hanako, _) = common::session_with_two();
    let h = hanako.id.as_str();
    s.set_operator_profile(samples::municipality()).unwrap();
    let in_a_year = Stamp {
        utc_seconds: phr_core::clock::Clock::from_environment().now().timestamp() + 365 * 86_400,
        offset_seconds: 9 * 3600,
    };
    let a = s
        .set_consent(
            h,
            ConsentRequest::permit(
                "health-dept",
                &[DataCategory::Checkup, DataCategory::Vitals],
                &["specific_health_guidance"],
            )
            .until(in_a_year),
        )
        .unwrap();
    let b = s
        .set_consent(
            h,
            ConsentRequest::permit(
                "walking-campaign",
                &[DataCategory::Lifelog],
                &["walking_campaign"],
            ),
        )
        .unwrap();
    let c = s
        .withdraw(
            h,
            "walking-campaign",
            &[DataCategory::Lifelog],
            &["walking_campaign"],
        )
        .unwrap();
    let mut files = vec![];
    for d in [&a, &b, &c] {
        let r = s.consent_receipt(h, &d.id).unwrap();
        let path = dir.path().join(format!("consent-{}.json", d.id));
        std::fs::write(&path, serde_json::to_vec_pretty(&r.fhir).unwrap()).unwrap();
        files.push(path);
    }
    let out = Command::new("python3")
        .arg("-c")
        .arg(VALIDATOR)
        .args(&files)
        .output()
        .expect("python3 is required: run scripts/install-consent-test-deps.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(
        out.status.code(),
        Some(3),
        "the FHIR validator is missing: run scripts/install-consent-test-deps.sh\n{stdout}{stderr}"
    );
    assert!(
        out.status.success(),
        "FHIR validation failed:\n{stdout}{stderr}"
    );
    assert_eq!(stdout.matches("OK ").count(), 3, "{stdout}");
}
