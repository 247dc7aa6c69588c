//! Consent receipts: what the resident keeps after each decision. A machine-readable JSON
//! receipt carrying the notice elements of ISO/IEC 29184 (controller, contact, purposes, data
//! categories, recipients, period, how to withdraw, notice version), and the same content as
//! human-readable text in Japanese and English. No health values and no names of the subject.

use super::directive::{ConsentDirective, Effect};
use super::profile::{OperatorKind, OperatorProfile};
use crate::error::{Error, Result};
use crate::records::Stamp;
use serde::Serialize;
use serde_json::{Value, json};

/// RFC 3339 at the stamp's own offset, seconds precision.
pub fn rfc3339(s: Stamp) -> String {
    s.to_rfc3339()
}

fn local_date(s: Stamp) -> String {
    s.to_fixed().format("%Y-%m-%d %H:%M").to_string()
}

fn regime(kind: OperatorKind) -> &'static str {
    match kind {
        OperatorKind::Municipality => {
            "個人情報の保護に関する法律 第5章（行政機関等の義務） / APPI chapter 5 (public bodies)"
        }
        _ => "個人情報の保護に関する法律 第4章 / APPI chapter 4 (private sector)",
    }
}

const WITHDRAW_JA: &str = "アプリの「同意の管理」からいつでも撤回できます（phr consent withdraw）。撤回は直ちに有効となり、送信待ちの情報は削除され、提供先に撤回が通知されます。";
const WITHDRAW_EN: &str = "You can withdraw at any time under \"Manage consent\" in the app (phr consent withdraw). Withdrawal takes effect at once: items waiting to be sent are deleted and the recipient is told.";

/// After a deny: nothing is shared until the person decides otherwise.
const SHARE_AGAIN_JA: &str = "提供を再開するには、アプリの「同意の管理」で改めて同意してください（phr consent grant）。同意するまで、この提供先には何も送られません。";
const SHARE_AGAIN_EN: &str = "To share again, agree under \"Manage consent\" in the app (phr consent grant). Until you do, nothing is sent to this recipient.";

/// After a withdrawal, when the recipient's server cannot remove the history of what it deleted
/// (no `$expunge` in its CapabilityStatement, or not known yet).
const HISTORY_KEPT_JA: &str = "提供先のサーバーは削除した情報の履歴（以前の版）を消去する機能を備えていないため、提供先がその保存方針に従って履歴の写しを保管することがあります。";
const HISTORY_KEPT_EN: &str = "The recipient's server cannot remove the history (earlier versions) of what it deletes: the recipient may keep a history copy under its own retention policy.";
const HISTORY_GONE_JA: &str = "提供先のサーバーは削除した情報の履歴も消去します。";
const HISTORY_GONE_EN: &str =
    "The recipient's server removes the history of what it deletes as well.";

/// What happens to the history of the recipient's copies after a withdrawal: kept by the
/// recipient (`kept`), or removed with them.
fn history_note(kept: bool) -> (&'static str, &'static str) {
    if kept {
        (HISTORY_KEPT_JA, HISTORY_KEPT_EN)
    } else {
        (HISTORY_GONE_JA, HISTORY_GONE_EN)
    }
}

/// The machine-readable receipt (JSON). For a deny, `history_kept` says whether the recipient's
/// server keeps a history copy of what it deletes.
pub fn receipt_json(
    profile: &OperatorProfile,
    d: &ConsentDirective,
    issued: Stamp,
    history_kept: bool,
) -> Value {
    let notice = profile.notice(&d.notice_version);
    let recipient = profile.recipient(&d.recipient);
    let purposes: Vec<Value> = d
        .purposes
        .iter()
        .map(|code| match profile.purpose(code) {
            Some(p) => json!({
                "code": p.code, "label_ja": p.label_ja, "label_en": p.label_en,
                "nature": p.nature.as_str(), "statutory_basis": p.statutory_basis,
            }),
            None => json!({ "code": code }),
        })
        .collect();
    let categories: Vec<Value> = d
        .categories
        .iter()
        .map(|c| json!({ "code": c.as_str(), "label_ja": c.label_ja(), "label_en": c.label_en() }))
        .collect();
    let mut receipt = json!({
        "receipt_version": "phr-core-consent-receipt/1",
        "receipt_id": d.id,
        "standard": "ISO/IEC 29184:2020 notice elements",
        "language": ["ja", "en"],
        "jurisdiction": "JP",
        "issued_at": rfc3339(issued),
        "controller": {
            "name": profile.name,
            "kind": profile.kind.as_str(),
            "legal_regime": regime(profile.kind),
        },
        "contact": profile.inquiry,
        "pii_principal": d.subject_id,
        "notice": {
            "version": d.notice_version,
            "date": notice.map(|n| n.date.to_string()),
            "sha256": notice.map(|n| n.digest.clone()),
            "url": notice.and_then(|n| n.url.clone()),
        },
        "decision": {
            "effect": d.effect.as_str(),
            "decided_at": rfc3339(d.decided_at),
            "decided_by": d.decided_by,
            "delegation": d.delegation,
            "collection_method": "in-app dynamic consent",
        },
        "purposes": purposes,
        "categories": categories,
        "recipients": [{
            "id": d.recipient,
            "name": recipient.map(|r| r.name.clone()),
            "kind": recipient.map(|r| r.kind),
            "fhir_endpoint": recipient.and_then(|r| r.fhir_endpoint.clone()),
            "abroad": recipient.and_then(|r| r.abroad.clone()),
        }],
        "period": {
            "from": rfc3339(d.valid_from),
            "until": d.valid_until.map(rfc3339),
        },
        "withdrawal": { "ja": WITHDRAW_JA, "en": WITHDRAW_EN },
    });
    if d.effect == Effect::Deny {
        let (ja, en) = history_note(history_kept);
        receipt["recipient_history"] = json!({ "kept": history_kept, "ja": ja, "en": en });
    }
    receipt
}

/// The human-readable receipt in Japanese.
pub fn receipt_text_ja(
    profile: &OperatorProfile,
    d: &ConsentDirective,
    history_kept: bool,
) -> String {
    let recipient = profile
        .recipient(&d.recipient)
        .map_or(d.recipient.as_str(), |r| r.name.as_str());
    let mut t = String::from("【同意の記録（控え）】\n");
    t += &format!("受付番号: {}\n", d.id);
    t += &format!(
        "内容: {}\n",
        match d.effect {
            Effect::Permit => "提供に同意しました",
            Effect::Deny => "提供しません（同意の撤回・拒否）",
        }
    );
    t += &format!("運営主体: {}\n", profile.name);
    t += &format!("提供先: {recipient}\n");
    if let Some(a) = profile
        .recipient(&d.recipient)
        .and_then(|r| r.abroad.as_ref())
    {
        t += &format!(
            "提供先の国: {}（個人情報保護制度: {}／提供先の措置: {}）\n",
            a.country, a.protection_regime, a.recipient_measures
        );
    }
    t += "利用目的:\n";
    for code in &d.purposes {
        match profile.purpose(code) {
            Some(p) => {
                t += &format!("  ・{}", p.label_ja);
                if let Some(b) = &p.statutory_basis {
                    t += &format!("（根拠: {b}）");
                }
                t += "\n";
            }
            None => t += &format!("  ・{code}\n"),
        }
    }
    let cats: Vec<&str> = d.categories.iter().map(|c| c.label_ja()).collect();
    t += &format!("項目: {}\n", cats.join("、"));
    t += &format!(
        "期間: {} から {}\n",
        local_date(d.valid_from),
        d.valid_until.map_or_else(
            || match d.effect {
                Effect::Permit => "撤回するまで".to_owned(),
                Effect::Deny => "改めて同意するまで".to_owned(),
            },
            |u| format!("{} まで", local_date(u))
        )
    );
    t += &format!("決定日時: {}\n", local_date(d.decided_at));
    if d.delegation.is_some() {
        t += "決定者: 代理人（家族管理）\n";
    }
    t += &format!("確認したプライバシーポリシー: 第{}版\n", d.notice_version);
    match d.effect {
        Effect::Permit => t += &format!("撤回の方法: {WITHDRAW_JA}\n"),
        Effect::Deny => t += &format!("再開の方法: {SHARE_AGAIN_JA}\n"),
    }
    if d.effect == Effect::Deny {
        t += &format!("提供先の履歴: {}\n", history_note(history_kept).0);
    }
    t += &format!(
        "お問い合わせ: {} {}",
        profile.inquiry.phone, profile.inquiry.hours
    );
    if let Some(u) = &profile.inquiry.url {
        t += &format!(" {u}");
    }
    t += "\n";
    t
}

/// The human-readable receipt in English.
pub fn receipt_text_en(
    profile: &OperatorProfile,
    d: &ConsentDirective,
    history_kept: bool,
) -> String {
    let recipient = profile
        .recipient(&d.recipient)
        .map_or(d.recipient.as_str(), |r| r.name.as_str());
    let mut t = String::from("CONSENT RECEIPT\n");
    t += &format!("Receipt: {}\n", d.id);
    t += &format!(
        "Decision: {}\n",
        match d.effect {
            Effect::Permit => "you agreed to share",
            Effect::Deny => "you do not share (withdrawn or refused)",
        }
    );
    t += &format!("Controller: {}\n", profile.name);
    t += &format!("Recipient: {recipient}\n");
    if let Some(a) = profile
        .recipient(&d.recipient)
        .and_then(|r| r.abroad.as_ref())
    {
        t += &format!(
            "Recipient's country: {} (protection regime: {}; the recipient's measures: {})\n",
            a.country, a.protection_regime, a.recipient_measures
        );
    }
    t += "Purposes:\n";
    for code in &d.purposes {
        match profile.purpose(code) {
            Some(p) => {
                t += &format!("  - {}", p.label_en);
                if let Some(b) = &p.statutory_basis {
                    t += &format!(" (legal basis: {b})");
                }
                t += "\n";
            }
            None => t += &format!("  - {code}\n"),
        }
    }
    let cats: Vec<&str> = d.categories.iter().map(|c| c.label_en()).collect();
    t += &format!("Data: {}\n", cats.join("; "));
    t += &format!(
        "Period: from {} {}\n",
        local_date(d.valid_from),
        d.valid_until.map_or_else(
            || match d.effect {
                Effect::Permit => "until you withdraw".to_owned(),
                Effect::Deny => "until you agree again".to_owned(),
            },
            |u| format!("until {}", local_date(u))
        )
    );
    t += &format!("Decided: {}\n", local_date(d.decided_at));
    if d.delegation.is_some() {
        t += "Decided by: a proxy (family manager)\n";
    }
    t += &format!("Privacy notice version: {}\n", d.notice_version);
    match d.effect {
        Effect::Permit => t += &format!("How to withdraw: {WITHDRAW_EN}\n"),
        Effect::Deny => t += &format!("How to share again: {SHARE_AGAIN_EN}\n"),
    }
    if d.effect == Effect::Deny {
        t += &format!("Recipient's history: {}\n", history_note(history_kept).1);
    }
    t += &format!(
        "Contact: {} ({})",
        profile.inquiry.phone, profile.inquiry.hours
    );
    if let Some(u) = &profile.inquiry.url {
        t += &format!(" {u}");
    }
    t += "\n";
    t
}

/// Everything the resident keeps about one decision.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentReceipt {
    pub directive: ConsentDirective,
    /// ISO/IEC 29184 notice elements, machine-readable.
    pub json: serde_json::Value,
    pub text_ja: String,
    pub text_en: String,
    /// FHIR R4 `Consent`.
    pub fhir: serde_json::Value,
}

impl ConsentReceipt {
    /// The receipt of the decision `directive_id` of `history`, issued at `now`; for a deny,
    /// `history_kept` says whether the recipient's server keeps a history copy of what it
    /// deletes (true when not known).
    pub fn of(
        profile: &OperatorProfile,
        history: &[ConsentDirective],
        directive_id: &str,
        now: Stamp,
        history_kept: bool,
    ) -> Result<ConsentReceipt> {
        let d = history
            .iter()
            .find(|d| d.id == directive_id)
            .ok_or_else(|| Error::not_found("consent directive"))?
            .clone();
        Ok(ConsentReceipt {
            json: receipt_json(profile, &d, now, history_kept),
            text_ja: receipt_text_ja(profile, &d, history_kept),
            text_en: receipt_text_en(profile, &d, history_kept),
            fhir: super::fhir::consent_resource(profile, &d, history, now.utc_seconds),
            directive: d,
        })
    }
}
