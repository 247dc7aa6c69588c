//! `phr about`: the operator as APPI art. 32 asks it to be known to residents — name, address,
//! representative, purposes with their legal basis, recipients (with country and regime when
//! abroad), how to make a request, safety measures, the inquiry and complaint window — from the
//! profile in the store (or `--profile FILE`, read without a store).

use super::Ctx;
use crate::lang::Lang;
use crate::output::{CliError, CliResult};
use clap::Args;
use phr_core::consent::{OperatorProfile, samples};
use std::path::PathBuf;

#[derive(Args)]
pub struct AboutArgs {
    /// Read this operator profile (JSON) instead of the one in the store; no store is opened.
    #[arg(long)]
    profile: Option<PathBuf>,
    /// Language of the labels: ja or en.
    #[arg(long, default_value = "ja")]
    lang: String,
}

pub fn run(ctx: &Ctx, a: AboutArgs) -> CliResult {
    let l = Lang::parse(&a.lang, "the operator's details")?;
    let profile = match &a.profile {
        Some(path) => read_profile(path)?,
        None => {
            let s = ctx.unlock()?;
            match s.operator_profile() {
                Ok(p) => (*p).clone(),
                Err(_) => samples::municipality(),
            }
        }
    };
    print!("{}", words(l, &profile));
    if profile.about.is_none() {
        return Err(CliError::Usage(
            "the operator profile has no `about` (address, representative, request procedure, safety measures): APPI art. 32 asks for them".into(),
        ));
    }
    Ok(())
}

pub fn read_profile(path: &std::path::Path) -> CliResult<OperatorProfile> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("{}: cannot read ({e})", path.display())))?;
    Ok(OperatorProfile::from_json(&text)?)
}

/// The operator's details as text, in `l`.
pub fn words(l: Lang, p: &OperatorProfile) -> String {
    let mut t = String::new();
    let mut line = |label: &str, value: &str| t.push_str(&format!("{label}: {value}\n"));
    line(l.pick("運営主体", "Operator"), &p.name);
    line(l.pick("区分", "Kind"), p.kind.as_str());
    if let Some(a) = &p.about {
        line(l.pick("住所", "Address"), &a.address);
        line(l.pick("代表者", "Representative"), &a.representative);
    }
    let window = format!(
        "{} ({}){}",
        p.inquiry.phone,
        p.inquiry.hours,
        p.inquiry
            .url
            .as_deref()
            .map(|u| format!(" {u}"))
            .unwrap_or_default()
    );
    line(
        l.pick("苦情・問い合わせ窓口", "Inquiries and complaints"),
        &window,
    );
    if let Ok(n) = p.current_notice() {
        let url = n.url.as_deref().unwrap_or("");
        let notice = format!("{} ({}) sha256:{} {url}", n.id, n.date, n.digest);
        line(
            l.pick("プライバシーポリシー", "Privacy notice"),
            notice.trim_end(),
        );
    }
    t.push_str(l.pick("利用目的:\n", "Purposes:\n"));
    for purpose in &p.purposes {
        let label = match l {
            Lang::Ja => &purpose.label_ja,
            Lang::En => &purpose.label_en,
        };
        let basis = purpose
            .statutory_basis
            .as_deref()
            .map(|b| format!(" [{}: {b}]", l.pick("根拠", "basis")))
            .unwrap_or_default();
        let to: Vec<String> = purpose
            .recipients
            .iter()
            .map(|r| p.recipient(r).map_or(r.clone(), |x| x.name.clone()))
            .collect();
        t.push_str(&format!(
            "  - {label}{basis}\n    {} {}\n",
            l.pick("提供先:", "to:"),
            to.join("、")
        ));
    }
    for r in p.recipients.iter().filter(|r| r.abroad.is_some()) {
        if let Some(a) = &r.abroad {
            t.push_str(&format!(
                "{} {} — {} {} / {} {} / {} {}\n",
                l.pick("外国の提供先:", "Recipient abroad:"),
                r.name,
                l.pick("国", "country"),
                a.country,
                l.pick("制度", "regime"),
                a.protection_regime,
                l.pick("措置", "measures"),
                a.recipient_measures
            ));
        }
    }
    if let Some(a) = &p.about {
        t.push_str(&format!(
            "{}\n  {}\n",
            l.pick(
                "開示・訂正・利用停止・消去の請求:",
                "Requests (disclosure, correction, stop, erasure):"
            ),
            a.request_procedure
        ));
        if let Some(u) = &a.request_url {
            t.push_str(&format!("  {u}\n"));
        }
        t.push_str(l.pick("安全管理措置:\n", "Safety measures:\n"));
        for m in &a.safety_measures {
            t.push_str(&format!("  - {m}\n"));
        }
        if !a.certifications.is_empty() {
            t.push_str(&format!(
                "{} {}\n",
                l.pick("認証:", "Certifications:"),
                a.certifications.join("、")
            ));
        }
    }
    t
}
