//! Probes of notice and consent (S-04 … S-10, S-27, S-32, S-33): each on a fresh store under the
//! profile being checked, through the same Session calls the apps make.

use super::lab::{BIRTH_DATE, Bench, FAMILY_NAME, Flow, INSURER, Lab, MARKER, contains};
use super::report::Seen;
use crate::consent::{ConsentRequest, DataCategory, Effect, OutboxKind};
use crate::error::{Error, Result};

fn no_flow() -> Result<Seen> {
    Ok(Seen::fail(
        "プロファイルに記録を提供できる目的と提供先の組がありません",
        "the profile declares no purpose and recipient that records could go to",
    ))
}

fn permit(b: &Bench, f: &Flow) -> Result<crate::consent::ConsentDirective> {
    let req = ConsentRequest::permit(&f.recipient, &[f.category], &[f.purpose.as_str()]);
    b.s.set_consent(&b.me, req)
}

/// S-04: a permit's receipt names the notice version with its digest, the time, the actor and
/// the scope, and its FHIR form is a Consent for the patient.
pub(super) fn consent_record(lab: &mut Lab<'_>) -> Result<Seen> {
    let Some(f) = lab.flow() else {
        return no_flow();
    };
    let b = lab.bench()?;
    let d = permit(&b, &f)?;
    let r = b.s.consent_receipt(&b.me, &d.id)?;
    let notice = lab.profile.current_notice()?;
    let fhir_ok = r.fhir["resourceType"] == "Consent"
        && r.fhir["status"] == "active"
        && r.fhir["patient"]["reference"].is_string();
    let json_ok = r.json["notice"]["sha256"] == notice.digest.as_str()
        && r.json["decision"]["decided_by"] == b.me.as_str()
        && r.json["decision"]["decided_at"].is_string()
        && !r.text_ja.is_empty()
        && !r.text_en.is_empty();
    let none_preticked = b.s.consent_history(&b.me)?.iter().all(|x| x.id == d.id);
    Ok(Seen::check(
        fhir_ok && json_ok && none_preticked,
        format!(
            "{} の {} への同意を記録し控えを取得：告知 {}（SHA-256 一致）、日時と行為者あり、FHIR Consent（active）、日英の文面あり。事前に記録された同意は0件（{}）",
            f.purpose,
            f.recipient,
            notice.id,
            if none_preticked {
                "初期値で同意済みなし"
            } else {
                "既定の同意あり"
            }
        ),
        format!(
            "recorded a permit for {} to {} and read its receipt: notice {} (SHA-256 matches), time and actor present, FHIR Consent (active), Japanese and English text; directives before it: none ({})",
            f.purpose,
            f.recipient,
            notice.id,
            if none_preticked {
                "nothing pre-ticked"
            } else {
                "a default consent exists"
            }
        ),
    ))
}

/// S-05: the consent state shows the purposes and the notice in force before any decision, and
/// a decision naming a notice the operator never published is refused.
pub(super) fn notice_before_consent(lab: &mut Lab<'_>) -> Result<Seen> {
    let Some(f) = lab.flow() else {
        return no_flow();
    };
    let b = lab.bench()?;
    let state = b.s.consent_state(&b.me)?;
    let shown = state.purposes.len() == lab.profile.purposes.len()
        && state.current_notice == lab.profile.current_notice()?.id;
    let mut req = ConsentRequest::permit(&f.recipient, &[f.category], &[f.purpose.as_str()]);
    req.notice_version = Some("never-published".into());
    let refused = matches!(b.s.set_consent(&b.me, req), Err(Error::InvalidInput { ref field, .. }) if field == "notice_version");
    Ok(Seen::check(
        shown && refused,
        format!(
            "同意画面の状態に目的 {} 件と現行の告知 {} を表示。公表されていない告知版での同意は notice_version として拒否",
            state.purposes.len(),
            state.current_notice
        ),
        format!(
            "the consent state shows {} purposes and the notice in force ({}); a decision naming an unpublished notice is refused (notice_version)",
            state.purposes.len(),
            state.current_notice
        ),
    ))
}

/// S-06 / S-07: before consent, a recipient export holds nothing about the subject (no record,
/// no name, birth date or insurer number); with a permit, only the permitted category.
pub(super) fn default_deny(id: &str, lab: &mut Lab<'_>) -> Result<Seen> {
    let Some(f) = lab.flow() else {
        return no_flow();
    };
    let b = lab.bench()?;
    let now = b.s.now();
    let before =
        b.s.export_fhir_for_json(&b.me, &f.recipient, &f.purpose, now)?;
    let leaks: Vec<&str> = [MARKER, FAMILY_NAME, BIRTH_DATE, INSURER, b.me.as_str()]
        .into_iter()
        .filter(|x| contains(&before.json, x))
        .collect();
    let queued_before = b.s.pending_outbox(&b.me)?.len();
    permit(&b, &f)?;
    let after =
        b.s.export_fhir_for_json(&b.me, &f.recipient, &f.purpose, now)?;
    // The note (no category the permit covers) stays: its id is nowhere in the release.
    let marker_after = contains(&after.json, &b.records[2]);
    let ok = leaks.is_empty()
        && before.resources <= 1
        && queued_before == 0
        && after.resources >= 1
        && !marker_after;
    let flows = lab.profile.purposes.len();
    let extra = if id == "S-07" {
        format!("。端末の外へ出る流れはプロファイルの {flows} 目的だけ")
    } else {
        String::new()
    };
    let extra_en = if id == "S-07" {
        format!("; the only flows off the device are the profile's {flows} purposes")
    } else {
        String::new()
    };
    Ok(Seen::check(
        ok,
        format!(
            "同意前の {} 向け書き出し：資源 {} 件、本人の情報 {} 件、送信待ち {} 件。{} の同意後：資源 {} 件、同意のない記録（メモ）は含まず{extra}",
            f.recipient,
            before.resources,
            leaks.len(),
            queued_before,
            f.category.as_str(),
            after.resources
        ),
        format!(
            "recipient export to {} before consent: {} resource(s), {} detail(s) of the subject, {} item(s) queued; after a permit for {}: {} resource(s), the unconsented note absent{extra_en}",
            f.recipient,
            before.resources,
            leaks.len(),
            queued_before,
            f.category.as_str(),
            after.resources
        ),
    ))
}

/// S-09: a new profile version that changes a purpose marks the permits it covered; the gate
/// withholds them until the resident decides again.
pub(super) fn purpose_change(lab: &mut Lab<'_>) -> Result<Seen> {
    let Some(f) = lab.flow() else {
        return no_flow();
    };
    let b = lab.bench()?;
    permit(&b, &f)?;
    let mut changed = lab.profile.clone();
    if let Some(p) = changed.purposes.iter_mut().find(|p| p.code == f.purpose) {
        p.label_ja.push_str("（改定）");
        p.label_en.push_str(" (revised)");
    }
    b.s.set_operator_profile(changed)?;
    let asked = b.s.reconsent_needed(&b.me)?;
    let now = b.s.now();
    let out =
        b.s.export_fhir_for_json(&b.me, &f.recipient, &f.purpose, now)?;
    let withheld = !contains(&out.json, "\"Observation\"");
    Ok(Seen::check(
        !asked.is_empty() && withheld,
        format!(
            "目的 {} の文言を改定した新版を導入：再同意の依頼 {} 件、再同意まで記録を提供せず（書き出しの資源 {} 件）",
            f.purpose,
            asked.len(),
            out.resources
        ),
        format!(
            "installed a version revising purpose {}: {} re-consent request(s); records withheld until the resident decides (export: {} resource(s))",
            f.purpose,
            asked.len(),
            out.resources
        ),
    ))
}

/// S-10: a withdrawal is in force at once: the queued records are purged and a withdrawal
/// notice waits for the recipient.
pub(super) fn withdrawal(lab: &mut Lab<'_>) -> Result<Seen> {
    let Some(f) = lab.flow() else {
        return no_flow();
    };
    let b = lab.bench()?;
    permit(&b, &f)?;
    let queued = b.s.pending_outbox(&b.me)?.len();
    b.s.withdraw(&b.me, &f.recipient, &[f.category], &[f.purpose.as_str()])?;
    let after = b.s.pending_outbox(&b.me)?;
    let records_left = after
        .iter()
        .filter(|i| i.kind != OutboxKind::Withdrawal)
        .count();
    let notices = after
        .iter()
        .filter(|i| i.kind == OutboxKind::Withdrawal)
        .count();
    let now = b.s.now();
    let out =
        b.s.export_fhir_for_json(&b.me, &f.recipient, &f.purpose, now)?;
    let released = contains(&out.json, "\"Observation\"");
    Ok(Seen::check(
        queued > 0 && records_left == 0 && notices == 1 && !released,
        format!(
            "同意で {queued} 件が送信待ち→撤回：送信待ちの記録 {records_left} 件、提供先への撤回通知 {notices} 件、撤回後の書き出しに記録なし"
        ),
        format!(
            "a permit queued {queued} item(s); after withdrawal: {records_left} record item(s) left, {notices} withdrawal notice for the recipient, nothing released by an export"
        ),
    ))
}

/// S-27: the server is the recipient's declared endpoint; another one is refused before any
/// connection (only a loopback test server may replace it).
pub(super) fn unlisted_endpoint(lab: &mut Lab<'_>) -> Result<Seen> {
    let Some(r) = lab.profile.recipients.first() else {
        return no_flow();
    };
    let b = lab.bench()?;
    let options = crate::sync::SyncOptions {
        server_url: Some("https://elsewhere.example.com/fhir".into()),
        ..Default::default()
    };
    let refused =
        b.s.sync(&b.me, &r.id, &options, &crate::sync::NoProgress)
            .is_err_and(|e| matches!(e, Error::InvalidInput { .. }));
    let seen_ja = format!(
        "宣言されていない送信先 https://elsewhere.example.com への同期は接続前に拒否（{}）。提供先の自己チェック日（ガイドライン遵守の確認）を記録する項目はプロファイルにまだありません",
        if refused { "拒否" } else { "拒否されず" }
    );
    let seen_en = format!(
        "a sync to an undeclared server (https://elsewhere.example.com) is refused before connecting ({}); the profile has no field yet for a recipient's attested self-check",
        if refused { "refused" } else { "not refused" }
    );
    Ok(if refused {
        Seen::gap(seen_ja, seen_en)
    } else {
        Seen::fail(seen_ja, seen_en)
    })
}

/// S-32: a consent for a flow the profile does not declare is refused.
pub(super) fn undeclared_flow(lab: &mut Lab<'_>) -> Result<Seen> {
    let b = lab.bench()?;
    let req = ConsentRequest::permit("undeclared-recipient", &[DataCategory::Vitals], &["any"]);
    let refused = b.s.set_consent(&b.me, req).is_err();
    let Some(f) = lab.flow() else {
        return no_flow();
    };
    let req = ConsentRequest::permit(&f.recipient, &[f.category], &["undeclared_purpose"]);
    let refused_purpose = b.s.set_consent(&b.me, req).is_err();
    Ok(Seen::check(
        refused && refused_purpose,
        "プロファイルにない提供先・目的への同意はどちらも拒否",
        "a consent for an undeclared recipient, and for an undeclared purpose, are both refused",
    ))
}

/// S-33: a fresh store shares nothing: every toggle is off and nothing is queued.
pub(super) fn no_opt_out(lab: &mut Lab<'_>) -> Result<Seen> {
    let b = lab.bench()?;
    let state = b.s.consent_state(&b.me)?;
    let toggles: Vec<_> = state.purposes.iter().flat_map(|p| &p.toggles).collect();
    let on = toggles.iter().filter(|t| t.permitted).count();
    let queued = b.s.pending_outbox(&b.me)?.len();
    let permits =
        b.s.consent_history(&b.me)?
            .iter()
            .filter(|d| d.effect == Effect::Permit)
            .count();
    Ok(Seen::check(
        on == 0 && queued == 0 && permits == 0,
        format!(
            "新しいストア：同意の切替 {} 件のうち有効 {on} 件、送信待ち {queued} 件（既定は拒否、オプトアウト方式なし）",
            toggles.len()
        ),
        format!(
            "a fresh store: {on} of {} toggles on, {queued} item(s) queued (default deny; no opt-out mode exists)",
            toggles.len()
        ),
    ))
}
