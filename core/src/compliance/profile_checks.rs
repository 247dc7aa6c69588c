//! Checks of the operator profile itself (S-08, S-17, S-29, S-30) and the operator's duties
//! with what the core supplies for them (S-12, S-13, S-14, S-31).

use super::report::Seen;
use crate::consent::{DataCategory, OperatorKind, OperatorProfile};
use crate::error::{Error, Result};

/// S-17: the items APPI art. 32 asks to keep known are in the profile.
pub(super) fn about(p: &OperatorProfile) -> Result<Seen> {
    let mut missing = vec![];
    match &p.about {
        None => missing.extend([
            "address",
            "representative",
            "request_procedure",
            "safety_measures",
        ]),
        Some(a) => {
            if a.request_url.is_none() {
                missing.push("request_url");
            }
            if a.safety_measures.is_empty() {
                missing.push("safety_measures");
            }
        }
    }
    if p.inquiry.url.is_none() {
        missing.push("inquiry.url");
    }
    let notices_without_url = p.notices.iter().filter(|n| n.url.is_none()).count();
    if notices_without_url > 0 {
        missing.push("notices[].url");
    }
    let present = "運営者名、住所、代表者、利用目的（法的根拠つき）、請求手続、安全管理措置、苦情・問い合わせ窓口（電話、受付時間、URL）、告知の版と SHA-256";
    Ok(Seen::check(
        missing.is_empty(),
        if missing.is_empty() {
            format!("`phr about` がプロファイルから表示：{present}")
        } else {
            format!("プロファイルに不足：{}", missing.join(", "))
        },
        if missing.is_empty() {
            "`phr about` shows from the profile: operator, address, representative, purposes with their basis, request procedure, safety measures, the inquiry and complaint window (phone, hours, URL), notice versions with SHA-256".to_owned()
        } else {
            format!("missing from the profile: {}", missing.join(", "))
        },
    ))
}

/// S-08: every recipient abroad declares its country, regime and measures (the validator
/// refuses one that does not), shown in the consent toggles and the receipt.
pub(super) fn abroad(p: &OperatorProfile) -> Result<Seen> {
    let abroad: Vec<String> = p
        .recipients
        .iter()
        .filter_map(|r| {
            r.abroad
                .as_ref()
                .map(|a| format!("{} ({})", r.id, a.country))
        })
        .collect();
    let mut json = serde_json::to_value(p).unwrap_or_default();
    json["recipients"][0]["abroad"] = serde_json::json!({
        "country": "US", "protection_regime": "", "recipient_measures": "x"
    });
    let refused = matches!(
        OperatorProfile::from_json(&json.to_string()),
        Err(Error::InvalidInput { ref field, .. }) if field.ends_with("abroad.protection_regime")
    );
    Ok(Seen::check(
        refused,
        format!(
            "外国の提供先 {} 件{}。制度の記載がない外国の提供先は検証で拒否。国・制度・措置は同意画面と同意の控えに表示",
            abroad.len(),
            if abroad.is_empty() {
                String::new()
            } else {
                format!("（{}）", abroad.join(", "))
            }
        ),
        format!(
            "{} recipient(s) abroad{}; one without its regime is refused by validation; country, regime and measures are shown in the consent toggles and the receipt",
            abroad.len(),
            if abroad.is_empty() {
                String::new()
            } else {
                format!(" ({})", abroad.join(", "))
            }
        ),
    ))
}

/// S-29 / S-30: the operator's kind picks the rules; a municipality's purposes each cite their
/// statutory basis, and one without it, or a service-improvement purpose, is refused.
pub(super) fn purpose_rules(p: &OperatorProfile) -> Result<Seen> {
    if p.kind != OperatorKind::Municipality {
        return Ok(Seen::pass(
            format!(
                "運営主体は {}：個人情報保護法 第4章の規律（目的の法的根拠は必須でない）",
                p.kind.as_str()
            ),
            format!(
                "the operator is a {}: APPI chapter 4 applies (no statutory basis required)",
                p.kind.as_str()
            ),
        ));
    }
    let cited = p
        .purposes
        .iter()
        .filter(|x| x.statutory_basis.is_some())
        .count();
    let mut without = serde_json::to_value(p).unwrap_or_default();
    if let Some(first) = without["purposes"]
        .get_mut(0)
        .and_then(|x| x.as_object_mut())
    {
        first.remove("statutory_basis");
    }
    let refused_basis = OperatorProfile::from_json(&without.to_string()).is_err();
    let mut improvement = serde_json::to_value(p).unwrap_or_default();
    if let Some(first) = improvement["purposes"].get_mut(0) {
        first["nature"] = "service_improvement".into();
    }
    let refused_nature = OperatorProfile::from_json(&improvement.to_string()).is_err();
    let ok = cited == p.purposes.len() && refused_basis && refused_nature;
    Ok(Seen::check(
        ok,
        format!(
            "地方公共団体（第5章）：目的 {} 件すべてが法令の根拠を記載（{cited} 件）。根拠のない目的、サービス改善目的はどちらも検証で拒否",
            p.purposes.len()
        ),
        format!(
            "a municipality (chapter 5): {cited} of {} purposes cite their statutory basis; a purpose without one, and a service-improvement purpose, are both refused by validation",
            p.purposes.len()
        ),
    ))
}

/// The data inventory: each category, where it is kept, and its regular recipients.
fn inventory(p: &OperatorProfile) -> (String, String) {
    let mut ja = vec![];
    let mut en = vec![];
    for c in DataCategory::ALL {
        let mut to: Vec<&str> = p
            .purposes
            .iter()
            .filter(|x| x.categories.contains(&c))
            .flat_map(|x| x.recipients.iter().map(String::as_str))
            .collect();
        to.sort();
        to.dedup();
        let to = if to.is_empty() {
            "-".to_owned()
        } else {
            to.join("/")
        };
        ja.push(format!("{}→{to}", c.label_ja()));
        en.push(format!("{}→{to}", c.as_str()));
    }
    (ja.join("、"), en.join(", "))
}

/// The operator's duties, with what the core supplies.
pub(super) fn operator_duty(id: &str, p: &OperatorProfile) -> Result<Seen> {
    let (inv_ja, inv_en) = inventory(p);
    Ok(match id {
        "S-12" => Seen::operator(
            "取扱手順の文書化は運営者の責務。コアの各段階：取得＝取り込み（records、fhir、checkup_xml）、保存＝暗号化ストア（store）、利用＝閲覧と集計（session）、提供＝同意ゲートと同期（consent、sync）、消去＝erase、廃棄＝人の削除（docs/ARCHITECTURE.md）",
            "Writing the handling procedure is the operator's; the core's stages: obtain = import (records, fhir, checkup_xml), store = the encrypted store, use = views and aggregates, provide = the consent gate and sync, erase = erase, destroy = person removal (docs/ARCHITECTURE.md)",
        ),
        "S-13" => {
            let held = p
                .about
                .as_ref()
                .map(|a| a.certifications.join("、"))
                .unwrap_or_default();
            Seen::operator(
                format!(
                    "第三者認証は運営者の責務。プロファイルの記載：{}",
                    if held.is_empty() { "なし" } else { &held }
                ),
                format!(
                    "certification is the operator's; the profile lists: {}",
                    if held.is_empty() { "none" } else { &held }
                ),
            )
        }
        "S-14" => Seen::operator(
            format!(
                "基本方針は運営者の責務。コアが出すデータ一覧（区分→経常的な提供先、すべて端末の暗号化ストアに保存）：{inv_ja}"
            ),
            format!(
                "The policy is the operator's; the core's data inventory (category → regular recipients; all kept in the device's encrypted store): {inv_en}"
            ),
        ),
        _ => Seen::operator(
            format!(
                "個人情報ファイル簿の作成は運営者の責務。コアが出す一覧（要配慮個人情報を保有、区分→経常的な提供先）：{inv_ja}"
            ),
            format!(
                "The register is the operator's; the core's inventory (sensitive data held; category → regular recipients): {inv_en}"
            ),
        ),
    })
}
