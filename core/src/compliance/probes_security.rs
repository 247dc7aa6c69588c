//! Probes of the safeguards (S-11, S-15, S-16): what is on disk, what a guesser meets, whether
//! the audit trail verifies. Files are read only after the session is locked and dropped
//! (nothing reads a database file outside SQLite while SQLite has it open).

use super::lab::{BIRTH_DATE, FAMILY_NAME, INSURER, Lab, MARKER, PASSPHRASE, contains};
use super::report::Seen;
use crate::error::{Error, Result, StorageFailure};
use crate::store::FREE_ATTEMPTS;
use crate::{KdfParams, Session, Unlock};
use std::path::Path;

const WRONG: &str = "not the passphrase at all, sorry";

/// Every regular file under `dir`, with its bytes.
fn files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let io = |e: std::io::Error| Error::Storage(StorageFailure::new("compliance", e.to_string()));
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        if entry.file_type().map_err(io)?.is_file() {
            let name = entry.file_name().to_string_lossy().into_owned();
            out.push((name, std::fs::read(entry.path()).map_err(io)?));
        }
    }
    out.sort();
    Ok(out)
}

/// S-11: a marker note, the resident's name, birth date and insurer number are found in no
/// file of the store and not in its backup.
pub(super) fn encryption_at_rest(lab: &mut Lab<'_>) -> Result<Seen> {
    let b = lab.bench()?;
    let backup = lab.folder("backup");
    std::fs::create_dir(&backup)
        .map_err(|e| Error::Storage(StorageFailure::new("compliance", e.to_string())))?;
    b.s.backup(&backup.join("store.backup"), PASSPHRASE)?;
    b.s.lock()?;
    drop(b.s);
    let mut all = files(&b.dir)?;
    all.extend(files(&backup)?);
    let needles = [MARKER, FAMILY_NAME, BIRTH_DATE, INSURER];
    let found: Vec<String> = all
        .iter()
        .flat_map(|(name, bytes)| {
            needles
                .iter()
                .filter(|n| contains(bytes, n))
                .map(move |n| format!("{n} in {name}"))
        })
        .collect();
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    let m = KdfParams::DEFAULT_MEMORY_KIB / 1024;
    Ok(Seen::check(
        found.is_empty(),
        format!(
            "目印の文字列・氏名・生年月日・保険者番号を記録し、ストアの全ファイルとバックアップ（{}）を検索：平文の一致 {} 件。SQLCipher 4（AES-256、ページごとの HMAC-SHA512）、鍵は Argon2id（{m} MiB）で包む。通信は証明書を検証する TLS（rustls）",
            names.join(", "),
            found.len()
        ),
        format!(
            "wrote a marker, the name, birth date and insurer number, then searched every file of the store and its backup ({}): {} plaintext match(es). SQLCipher 4 (AES-256, HMAC-SHA512 per page), keys wrapped with Argon2id ({m} MiB); TLS with certificate checks (rustls)",
            names.join(", "),
            found.len()
        ),
    ))
}

/// S-15: after the free attempts, unlock is refused with a delay, even with the right
/// passphrase; each member unlocks with their own credential.
pub(super) fn attempt_limit(lab: &mut Lab<'_>) -> Result<Seen> {
    let b = lab.bench()?;
    b.s.lock()?;
    drop(b.s);
    let mut wrong_answers = 0;
    for _ in 0..FREE_ATTEMPTS {
        let wrong = Unlock::Passphrase(WRONG);
        if matches!(Session::unlock(&b.dir, wrong), Err(Error::WrongPassphrase)) {
            wrong_answers += 1;
        }
    }
    let held = Session::unlock(&b.dir, Unlock::Passphrase(PASSPHRASE));
    let delay = match held {
        Err(Error::TooManyAttempts { retry_after }) => Some(retry_after),
        _ => None,
    };
    // The seconds left depend on when the check ran: the report states the policy, not them.
    let waits = delay.is_some_and(|d| (1..=30).contains(&d));
    Ok(Seen::check(
        wrong_answers == FREE_ATTEMPTS && waits,
        format!(
            "誤ったパスフレーズで {FREE_ATTEMPTS} 回：{wrong_answers} 回とも拒否。次は正しいパスフレーズでも{}（30 秒から失敗ごとに倍、最長1日）。回数は鍵束に MAC 付きで記録",
            if waits {
                "待機を要求"
            } else {
                "待機を要求されず"
            }
        ),
        format!(
            "{FREE_ATTEMPTS} wrong passphrases: {wrong_answers} refused; the next try, even with the right one, {} (30 s, doubling with each failure up to a day); the count is kept in the keyring under a MAC",
            if waits {
                "must wait"
            } else {
                "was not made to wait"
            }
        ),
    ))
}

/// S-16 / S-37: the audit trail is an HMAC chain that verifies, so what happened can be shown
/// after an incident; the data on disk is encrypted (S-11).
pub(super) fn tamper_evident_log(lab: &mut Lab<'_>) -> Result<Seen> {
    let b = lab.bench()?;
    let r = b.s.verify_audit()?;
    let entries = r.entries;
    Ok(Seen::check(
        r.broken.is_none() && entries > 0,
        format!(
            "監査証跡（HMAC 連鎖）を検証：{entries} 件、改ざんなし。保存データは暗号化（S-11）。漏えい時の報告は運営者の責務"
        ),
        format!(
            "verified the audit trail (an HMAC chain): {entries} entries, intact; stored data is encrypted (S-11); reporting a leak is the operator's"
        ),
    ))
}
