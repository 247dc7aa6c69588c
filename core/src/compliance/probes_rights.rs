//! Probes of the person's rights and of portability (S-01, S-02, S-18 … S-23, S-26), through
//! the Session calls a resident's request makes.

use super::lab::{Lab, MARKER, PASSPHRASE, contains};
use super::report::Seen;
use crate::consent::{ConsentRequest, DataCategory};
use crate::error::{Error, Result};
use crate::family::{Grantee, NewDelegation, RepresentativeBasis, Scope};
use crate::records::{NewPerson, ObservationInput, ObservationType, Provenance, Sex};
use crate::requests::{Correction, RequestStatus};
use crate::{ClinicalInput, KdfParams, Session};
use std::collections::BTreeMap;

fn weight(s: &Session, v: f64) -> ClinicalInput {
    let at = crate::records::Stamp {
        utc_seconds: s.now().utc_seconds - 3_600,
        offset_seconds: 9 * 3600,
    };
    ClinicalInput::Observation(ObservationInput::simple(ObservationType::Weight, v, at))
}

/// S-01 / S-02: every record has a data category (by its kind) and keeps its source.
pub(super) fn categories_and_provenance(id: &str, lab: &mut Lab<'_>) -> Result<Seen> {
    let b = lab.bench()?;
    let clinic = b.s.add_record(
        &b.me,
        weight(&b.s, 57.9),
        Provenance::Clinic,
        Some("検査内科"),
    )?;
    let mut all = b.records.clone();
    all.push(clinic.meta.id.clone());
    let mut categories = vec![];
    let mut sources = vec![];
    for r in &all {
        let r = b.s.get_record(&b.me, r)?;
        categories.push(DataCategory::of(&r).as_str());
        sources.push(r.meta.provenance.as_str());
    }
    let kept = b.s.get_record(&b.me, &clinic.meta.id)?;
    let source_kept = kept.meta.provenance == Provenance::Clinic;
    Ok(if id == "S-01" {
        Seen::pass(
            format!(
                "記録 {} 件を書き込み、すべてにデータ区分（{}）があり、要配慮個人情報として同じ暗号化と同意の規則に従う",
                all.len(),
                categories.join(", ")
            ),
            format!(
                "wrote {} records: each has a data category ({}) and is under the same encryption and consent rules",
                all.len(),
                categories.join(", ")
            ),
        )
    } else {
        Seen::check(
            source_kept,
            format!("記録ごとの出所を保持：{}", sources.join(", ")),
            format!("each record keeps its source: {}", sources.join(", ")),
        )
    })
}

/// S-18: a disclosure writes the whole record (every record, the note with the marker too) and
/// the provision log, as FHIR R4 JSON.
pub(super) fn disclosure(lab: &mut Lab<'_>) -> Result<Seen> {
    let b = lab.bench()?;
    let dir = lab.folder("disclosure");
    let d = b.s.request_disclosure(&b.me, &dir)?;
    let bytes = std::fs::read(dir.join("record.fhir.json")).unwrap_or_default();
    let bundle: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let ids: Vec<&str> = bundle["entry"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|x| x["resource"]["id"].as_str())
                .collect()
        })
        .unwrap_or_default();
    let every = b.records.iter().all(|r| ids.contains(&r.as_str()));
    let ok = bundle["resourceType"] == "Bundle" && every && d.request.status == RequestStatus::Done;
    Ok(Seen::check(
        ok,
        format!(
            "開示の請求：FHIR R4 Bundle に資源 {} 件（書き込んだ記録 {} 件すべてを含む）と提供記録 {} 件をファイル {} に書き出し、請求と結果を記録",
            d.resources,
            b.records.len(),
            d.provisions,
            d.files.join(", ")
        ),
        format!(
            "a disclosure request wrote a FHIR R4 Bundle of {} resources (all {} records written) and {} provision(s) as {}, and recorded the request with its outcome",
            d.resources,
            b.records.len(),
            d.provisions,
            d.files.join(", ")
        ),
    ))
}

/// S-19: a release is logged with date, recipient, purpose, categories, count and the directive
/// that allowed it; no value is in the log; it outlives erasure.
pub(super) fn provision_log(lab: &mut Lab<'_>) -> Result<Seen> {
    let Some(f) = lab.flow() else {
        return Ok(Seen::fail("提供の流れがありません", "no flow declared"));
    };
    let b = lab.bench()?;
    let req = ConsentRequest::permit(&f.recipient, &[f.category], &[f.purpose.as_str()]);
    let d = b.s.set_consent(&b.me, req)?;
    b.s.export_fhir_for_json(&b.me, &f.recipient, &f.purpose, b.s.now())?;
    let log = b.s.provision_log(&b.me)?;
    let entry_ok = log.len() == 1
        && log[0].recipient == f.recipient
        && log[0].purpose == f.purpose
        && log[0].categories.contains(&f.category)
        && log[0].item_count == 1
        && log[0].directive_ids == vec![d.id.clone()];
    let json = crate::provision::to_json(&log);
    // Values that cannot occur by chance in an id or a time (a decimal point, a slash).
    let no_value = !json.contains(MARKER) && !json.contains("58.3") && !json.contains("128/82");
    b.s.erase_all_records(&b.me)?;
    let kept = b.s.provision_log(&b.me)? == log;
    let years = crate::provision::KEEP_YEARS;
    Ok(Seen::check(
        entry_ok && no_value && kept,
        format!(
            "同意の上で書き出し：提供記録 {} 件（日時、提供先 {}、目的、区分、件数 1、根拠の同意）。値は含まず、記録の消去後も残り、{years} 年以上保存。本人が閲覧・書き出し可能",
            log.len(),
            f.recipient
        ),
        format!(
            "a consented export: {} provision entry (date, recipient {}, purpose, categories, count 1, the consent that allowed it); no value in it; kept after the records were erased, at least {years} years; the resident views and exports it",
            log.len(),
            f.recipient
        ),
    ))
}

/// S-20 / S-23: a stop of provision and an erasure, each one request, done at once.
pub(super) fn erasure(id: &str, lab: &mut Lab<'_>) -> Result<Seen> {
    let b = lab.bench()?;
    let note = b.records[2].clone();
    let stop = match lab.flow() {
        Some(f) => {
            let r = b.s.request_stop_of_provision(&b.me, &f.recipient)?;
            let state = b.s.consent_state(&b.me)?;
            let off = state
                .purposes
                .iter()
                .flat_map(|p| &p.toggles)
                .filter(|t| t.recipient == f.recipient)
                .all(|t| !t.permitted);
            r.status == RequestStatus::Done && off
        }
        None => true,
    };
    let one = b.s.request_erasure(&b.me, Some(&note))?;
    let gone = matches!(b.s.get_record(&b.me, &note), Err(Error::NotFound { .. }));
    let all = b.s.request_erasure(&b.me, None)?;
    let left = b.s.latest_observations(&b.me)?.len();
    let export = b.s.export_fhir_json(&b.me, b.s.now())?;
    let ok = stop
        && gone
        && left == 0
        && !contains(&export.json, &note)
        && one.status == RequestStatus::Done
        && all.status == RequestStatus::Done;
    let ja = format!(
        "提供停止の請求：提供先への同意をすべて拒否に（{}）。消去の請求：記録 1 件、続いて全件を消去し、読めるものは 0 件、書き出しにも残らず。提供先の写しは次の同期で削除",
        if stop { "確認" } else { "未確認" }
    );
    let en = format!(
        "a stop-of-provision request turned every consent to the recipient off ({}); erasure requests erased one record, then all: none readable, none in an export; recipients delete their copies at the next sync",
        if stop { "checked" } else { "not confirmed" }
    );
    Ok(if id == "S-20" {
        Seen::check(ok, ja, en)
    } else {
        Seen::check(ok && gone, ja, en)
    })
}

/// S-21: an official result is corrected by a note, a self-entered record by an edit.
pub(super) fn correction(lab: &mut Lab<'_>) -> Result<Seen> {
    let b = lab.bench()?;
    let clinic = b.s.add_record(
        &b.me,
        weight(&b.s, 57.9),
        Provenance::Clinic,
        Some("検査内科"),
    )?;
    let refused =
        b.s.request_correction(
            &b.me,
            &clinic.meta.id,
            Correction::Replace(weight(&b.s, 50.0)),
        )
        .is_err();
    let noted =
        b.s.request_correction(&b.me, &clinic.meta.id, Correction::Note("測り直し".into()))?;
    let edited = b.s.request_correction(
        &b.me,
        &b.records[0],
        Correction::Replace(weight(&b.s, 58.0)),
    )?;
    let unchanged = b.s.get_record(&b.me, &clinic.meta.id)? == clinic;
    Ok(Seen::check(
        refused
            && unchanged
            && noted.status == RequestStatus::Done
            && edited.status == RequestStatus::Done,
        "訂正の請求：医療機関の結果は書き換えず拒否し注記で訂正、本人入力の記録は新しい版に（旧版は履歴に保持）",
        "correction requests: a clinic's result is not rewritten (refused) and is corrected by a note; a self-entered record gets a new version (the old one kept in its history)",
    ))
}

/// S-22: a parent acts for a managed child under a recorded basis, and each act is audited
/// with the delegation.
pub(super) fn representative(lab: &mut Lab<'_>) -> Result<Seen> {
    let b = lab.bench()?;
    let child = b.s.add_person(NewPerson {
        nickname: "child".into(),
        family_name: "検査".into(),
        given_name: "雪".into(),
        family_name_kana: None,
        given_name_kana: None,
        birth_date: chrono::NaiveDate::from_ymd_opt(2018, 5, 1).unwrap_or_default(),
        sex: Sex::Female,
        insurer_number: None,
        insured_symbol: None,
        insured_number: None,
        municipality_code: None,
    })?;
    let grant = NewDelegation {
        grantee: Grantee::Person(b.me.clone()),
        scopes: vec![Scope::View, Scope::Record, Scope::ManageConsent],
        valid_from: None,
        valid_until: None,
        representative_basis: Some(RepresentativeBasis::ParentOfMinor),
        basis_note: Some("戸籍謄本で確認".into()),
    };
    let d = b.s.grant(&child.id, grant)?;
    b.s.add_record(&child.id, weight(&b.s, 21.5), Provenance::SelfEntered, None)?;
    let history = b.s.access_history(&child.id, 20)?;
    let audited = history
        .iter()
        .any(|e| e.action == "record_written" && e.delegation.as_deref() == Some(d.id.as_str()));
    let adult = crate::family::adulthood_starts(child.details.birth_date);
    let ends =
        b.s.who_can_access(&child.id)?.iter().any(|g| {
            g.delegation_id.as_deref() == Some(d.id.as_str()) && g.valid_until == Some(adult)
        });
    Ok(Seen::check(
        audited && ends,
        "管理対象の子に親権者（parent_of_minor、根拠の記載あり）として委任を記録：18歳で自動終了、代理の操作はその委任とともに監査証跡に記録。任意代理人の請求は運営者の手続による",
        "a parent's delegation for a managed child (parent_of_minor, with its basis noted): it ends at 18 by itself, and each act under it is audited with the delegation; an appointed agent's requests follow the operator's procedure",
    ))
}

/// S-26: the whole record exports as FHIR R4, imports into a fresh store as a new person, and
/// exports again with the same resources.
pub(super) fn portability(lab: &mut Lab<'_>) -> Result<Seen> {
    let b = lab.bench()?;
    let first = b.s.export_fhir_json(&b.me, b.s.now())?;
    let dir = lab.folder("imported");
    let other = Session::create(&dir, PASSPHRASE, KdfParams::cheap())?;
    let (person, _) = other.import_fhir_new_person(
        "resident",
        &first.json,
        Provenance::ImportedFile,
        Some("phr export"),
        &|_, _| {},
    )?;
    let second = other.export_fhir_json(&person.id, other.now())?;
    // (type, id) of every resource but the Patient (a new person gets a new id).
    let resources = |json: &[u8]| -> BTreeMap<(String, String), ()> {
        let v: serde_json::Value = serde_json::from_slice(json).unwrap_or_default();
        let mut m = BTreeMap::new();
        for e in v["entry"].as_array().into_iter().flatten() {
            let r = &e["resource"];
            let t = r["resourceType"].as_str().unwrap_or("?").to_owned();
            if t != "Patient" {
                m.insert((t, r["id"].as_str().unwrap_or("").to_owned()), ());
            }
        }
        m
    };
    let (a, z) = (resources(&first.json), resources(&second.json));
    let kept = a.keys().all(|k| z.contains_key(k));
    let added: Vec<&(String, String)> = z.keys().filter(|k| !a.contains_key(*k)).collect();
    let only_provenance = added.iter().all(|(t, _)| t == "Provenance");
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for (t, _) in a.keys() {
        *kinds.entry(t.as_str()).or_insert(0) += 1;
    }
    let kinds: Vec<String> = kinds.iter().map(|(t, n)| format!("{t} {n}")).collect();
    Ok(Seen::check(
        kept && only_provenance && !a.is_empty(),
        format!(
            "記録全体を FHIR R4（JP Core）で書き出し、新しいストアに新しい人として取り込み、再び書き出し：元の資源（{}）がすべて同じ id で残り、追加は取り込みの来歴（Provenance）{} 件のみ。特定健診 XML（CDA R2）と健診結果報告書 FHIR の取り込みはテストで検証",
            kinds.join(", "),
            added.len()
        ),
        format!(
            "exported the whole record as FHIR R4 (JP Core), imported it into a fresh store as a new person, exported again: every resource ({}) is there with its id, the only addition is {} Provenance of the import; the checkup XML (CDA R2) and eCheckupReport imports are checked by the test suite",
            kinds.join(", "),
            added.len()
        ),
    ))
}

/// S-24: a record older than its category's period is erased by the core when the profile is
/// installed (and at each unlock), audited. A profile that sets no period is probed with a
/// one-year period for body; setting the periods is the operator's.
pub(super) fn retention(lab: &mut Lab<'_>) -> Result<Seen> {
    let b = lab.bench()?;
    let mut profile = lab.profile.clone();
    let declared = profile.retention.len();
    let rule = match profile.retention.first() {
        Some(r) => r.clone(),
        None => {
            let r = crate::consent::RetentionRule {
                category: DataCategory::Body,
                years: 1,
                basis: None,
            };
            profile.retention.push(r.clone());
            r
        }
    };
    let days = i64::from(rule.years) * 366 + 1;
    let old = crate::records::Stamp {
        utc_seconds: b.s.now().utc_seconds - days * 86_400,
        offset_seconds: 9 * 3600,
    };
    let input = match rule.category {
        DataCategory::Lifelog => ObservationInput::simple(ObservationType::Steps, 5000.0, old),
        DataCategory::Vitals => ObservationInput::simple(ObservationType::Pulse, 64.0, old),
        _ => ObservationInput::simple(ObservationType::Weight, 58.0, old),
    };
    let id =
        b.s.add_record(
            &b.me,
            ClinicalInput::Observation(input),
            Provenance::SelfEntered,
            None,
        )?
        .meta
        .id;
    let categorised = DataCategory::of(&b.s.get_record(&b.me, &id)?) == rule.category;
    b.s.set_operator_profile(profile)?;
    let gone = matches!(b.s.get_record(&b.me, &id), Err(Error::NotFound { .. }));
    let audited =
        b.s.access_history(&b.me, 10)?
            .iter()
            .any(|e| e.action == "retention_applied" && e.record_ids.contains(&id));
    let kept = b.s.get_record(&b.me, &b.records[0]).is_ok();
    let works = categorised && gone && audited && kept;
    let ja = format!(
        "保存期間 {} 年（{}）を過ぎた記録はプロファイルの導入時と解錠のたびに消去され、監査に記録、期間内の記録は残る（{}）。プロファイルが定める期間：{declared} 区分",
        rule.years,
        rule.category.as_str(),
        if works { "確認" } else { "確認できず" }
    );
    let en = format!(
        "a record past a {}-year period ({}) is erased when the profile is installed and at each unlock, audited; records within it stay ({}); categories the profile sets a period for: {declared}",
        rule.years,
        rule.category.as_str(),
        if works { "checked" } else { "not confirmed" }
    );
    Ok(match (works, declared) {
        (false, _) => Seen::fail(ja, en),
        (true, 0) => Seen::operator(
            format!("{ja}。期間の設定は運営者の責務"),
            format!("{en}; setting the periods is the operator's"),
        ),
        (true, _) => Seen::pass(ja, en),
    })
}
