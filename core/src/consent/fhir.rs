//! A consent directive as an HL7 FHIR R4 `Consent` resource (built as JSON).
//!
//! scope `patient-privacy`, category LOINC 59284-0 (Patient Consent), policy = the privacy
//! notice version shown, provision type permit/deny with its period, actor = the recipient in
//! role IRCP (information recipient), purposes and data classes as codings.

use super::category::CATEGORY_SYSTEM;
use super::decide::deciding;
use super::directive::{ConsentDirective, Effect};
use super::profile::OperatorProfile;
use serde_json::{Value, json};

/// Code system of the operator's purpose codes.
pub const PURPOSE_SYSTEM: &str = "urn:phr-core:consent:purpose";
/// Identifier system of recipient ids.
pub const RECIPIENT_SYSTEM: &str = "urn:phr-core:consent:recipient";

/// Whether a directive still decides something: at least one of its (category, purpose) cells
/// is decided by it now, or at its start if it starts later. Expired or fully superseded
/// directives are inactive.
pub fn is_active(d: &ConsentDirective, history: &[ConsentDirective], now_utc: i64) -> bool {
    if d.valid_until.is_some_and(|u| u.utc_seconds <= now_utc) {
        return false;
    }
    let at = now_utc.max(d.valid_from.utc_seconds);
    d.categories.iter().any(|c| {
        d.purposes.iter().any(|p| {
            deciding(history, &d.subject_id, &d.recipient, *c, p, at).is_some_and(|x| x.id == d.id)
        })
    })
}

/// The FHIR R4 Consent for `d`; `history` is the subject's directives (for the status).
pub fn consent_resource(
    profile: &OperatorProfile,
    d: &ConsentDirective,
    history: &[ConsentDirective],
    now_utc: i64,
) -> Value {
    let recipient_name = profile
        .recipient(&d.recipient)
        .map_or(d.recipient.as_str(), |r| r.name.as_str());
    let policy_uri = match profile
        .notice(&d.notice_version)
        .and_then(|n| n.url.clone())
    {
        Some(url) => url,
        None => format!("urn:phr-core:privacy-notice:{}", d.notice_version),
    };
    let performer = if d.decided_by == d.subject_id {
        format!("Patient/{}", d.decided_by)
    } else {
        format!("RelatedPerson/{}", d.decided_by)
    };
    let purposes: Vec<Value> = d
        .purposes
        .iter()
        .map(|code| {
            let mut c = json!({ "system": PURPOSE_SYSTEM, "code": code });
            if let Some(p) = profile.purpose(code) {
                c["display"] = json!(p.label_ja);
            }
            c
        })
        .collect();
    let classes: Vec<Value> = d
        .categories
        .iter()
        .map(|c| json!({ "system": CATEGORY_SYSTEM, "code": c.as_str(), "display": c.label_en() }))
        .collect();
    let mut period = json!({ "start": d.valid_from.to_rfc3339() });
    if let Some(u) = d.valid_until {
        period["end"] = json!(u.to_rfc3339());
    }
    let (rule, rule_display) = match d.effect {
        Effect::Permit => ("OPTIN", "opt-in"),
        Effect::Deny => ("OPTOUT", "opt-out"),
    };
    json!({
        "resourceType": "Consent",
        "id": d.id,
        "status": if is_active(d, history, now_utc) { "active" } else { "inactive" },
        "scope": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/consentscope",
            "code": "patient-privacy",
            "display": "Privacy Consent"
        }]},
        "category": [{ "coding": [{
            "system": "http://loinc.org",
            "code": "59284-0",
            "display": "Patient Consent"
        }]}],
        "patient": { "reference": format!("Patient/{}", d.subject_id) },
        "dateTime": d.decided_at.to_rfc3339(),
        "performer": [{ "reference": performer }],
        "organization": [{ "display": profile.name }],
        "policy": [{ "uri": policy_uri }],
        "policyRule": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": rule,
            "display": rule_display
        }]},
        "provision": {
            "type": d.effect.as_str(),
            "period": period,
            "actor": [{
                "role": { "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                    "code": "IRCP",
                    "display": "information recipient"
                }]},
                "reference": {
                    "identifier": { "system": RECIPIENT_SYSTEM, "value": d.recipient },
                    "display": recipient_name
                }
            }],
            "purpose": purposes,
            "class": classes
        }
    })
}
