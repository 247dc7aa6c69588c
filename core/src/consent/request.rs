//! A consent request checked against the operator profile before it is recorded, and a
//! release target (recipient × purpose) checked before anything is selected for it.

use super::{ConsentRequest, Effect, OperatorProfile};
use crate::error::{Error, Result};
use crate::records::Stamp;

/// `items` without repeats, first occurrence kept.
pub(crate) fn dedup<T: PartialEq + Clone>(items: &[T]) -> Vec<T> {
    let mut out: Vec<T> = vec![];
    for i in items {
        if !out.contains(i) {
            out.push(i.clone());
        }
    }
    out
}

/// Check a request against the profile; returns it with duplicates removed, its period and
/// notice version filled in.
pub(crate) fn check_request(
    p: &OperatorProfile,
    req: &ConsentRequest,
    now: Stamp,
) -> Result<ConsentRequest> {
    if p.recipient(&req.recipient).is_none() {
        return Err(Error::invalid(
            "recipient",
            "is not a recipient of this operator",
        ));
    }
    if req.categories.is_empty() {
        return Err(Error::invalid("categories", "name at least one category"));
    }
    if req.purposes.is_empty() {
        return Err(Error::invalid("purposes", "name at least one purpose"));
    }
    let categories = dedup(&req.categories);
    let purposes = dedup(&req.purposes);
    for (i, code) in purposes.iter().enumerate() {
        let Some(purpose) = p.purpose(code) else {
            return Err(Error::invalid(
                format!("purposes[{i}]"),
                "is not a purpose of this operator",
            ));
        };
        if req.effect == Effect::Permit {
            if !purpose.recipients.contains(&req.recipient) {
                return Err(Error::invalid(
                    format!("purposes[{i}]"),
                    "is not offered for this recipient",
                ));
            }
            if let Some(j) = categories
                .iter()
                .position(|c| !purpose.categories.contains(c))
            {
                return Err(Error::invalid(
                    format!("categories[{j}]"),
                    format!("is not needed for purpose {}", purpose.code),
                ));
            }
        }
    }
    let from = req.valid_from.unwrap_or(now);
    if let Some(until) = req.valid_until {
        if until.utc_seconds <= from.utc_seconds {
            return Err(Error::invalid("valid_until", "must be after valid_from"));
        }
        if until.utc_seconds <= now.utc_seconds {
            return Err(Error::invalid("valid_until", "must be in the future"));
        }
    }
    let notice = match &req.notice_version {
        Some(v) => p
            .notice(v)
            .ok_or_else(|| Error::invalid("notice_version", "is not a notice of this operator"))?,
        None => p.current_notice()?,
    };
    Ok(ConsentRequest {
        recipient: req.recipient.clone(),
        categories,
        purposes,
        effect: req.effect,
        valid_from: Some(from),
        valid_until: req.valid_until,
        notice_version: Some(notice.id.clone()),
    })
}

/// The recipient and the purpose are the operator's.
pub(crate) fn check_target(
    profile: &OperatorProfile,
    recipient: &str,
    purpose: &str,
) -> Result<()> {
    if profile.recipient(recipient).is_none() {
        return Err(Error::invalid(
            "recipient",
            "is not a recipient of this operator",
        ));
    }
    if profile.purpose(purpose).is_none() {
        return Err(Error::invalid(
            "purpose",
            "is not a purpose of this operator",
        ));
    }
    Ok(())
}
