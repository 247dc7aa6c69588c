//! Trust (issue #15), through the real store: the person who unlocked is the person who acts;
//! a PIN can never be tried from the files alone; guessing is slowed and counted; a format-1
//! keyring is upgraded; a rolled-back store is noticed; an old keyring copy opens nothing after
//! a key rotation; setting the clock back revives nothing; a crafted backup is refused.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{jst_days_ago, kdf, person};
use phr_core::access::Action;
use phr_core::family::{Grantee, NewDelegation, Scope};
use phr_core::records::*;
use phr_core::store::FREE_ATTEMPTS;
use phr_core::{Error, InMemoryKeyStore, Session, Store, Unlock};
use std::path::Path;

const OWNER_PASS: &str = "plum blossom river lantern";
const TARO_PASS: &str = "green tea on a winter porch";

fn family() -> (tempfile::TempDir, Session, Person, Person) {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::create(dir.path(), OWNER_PASS, kdf()).unwrap();
    let hanako = s
        .add_person(person("hanako", "山田", "花子", (1975, 5, 3), Sex::Female))
        .unwrap();
    let taro = s
        .add_member(
            person("taro", "山田", "太郎", (1948, 1, 20), Sex::Male),
            &Unlock::Passphrase(TARO_PASS),
            kdf(),
        )
        .unwrap();
    (dir, s, hanako, taro)
}

fn bp() -> ObservationInput {
    ObservationInput::blood_pressure(128.0, 82.0, None, jst_days_ago(1))
}

#[test]
fn each_member_unlocks_as_themself_and_acts_only_as_themself() {
    let (dir, s, hanako, taro) = family();
    s.lock().unwrap();
    let t = Session::unlock_as(dir.path(), "taro", Unlock::Passphrase(TARO_PASS)).unwrap();
    assert_eq!(t.actor().unwrap(), taro.id);
    t.log_observation(&taro.id, bp()).unwrap();
    // taro acts as taro: hanako's record is not his.
    assert!(matches!(
        t.log_observation(&hanako.id, bp()),
        Err(Error::NotPermitted { .. })
    ));
    t.lock().unwrap();
    // The owner's passphrase does not open taro's seat, nor taro's the owner's.
    assert!(matches!(
        Session::unlock_as(dir.path(), "taro", Unlock::Passphrase(OWNER_PASS)),
        Err(Error::WrongPassphrase)
    ));
    assert!(matches!(
        Session::unlock(dir.path(), Unlock::Passphrase(TARO_PASS)),
        Err(Error::WrongPassphrase)
    ));
    let h = Session::unlock_as(dir.path(), "hanako", Unlock::Passphrase(OWNER_PASS)).unwrap();
    assert_eq!(h.actor().unwrap(), hanako.id);
    // Another member takes the device: their own passphrase, the same open store.
    let t2 = h.switch_to("taro", Unlock::Passphrase(TARO_PASS)).unwrap();
    assert_eq!(t2.actor().unwrap(), taro.id);
    assert!(matches!(
        h.switch_to("taro", Unlock::Passphrase(OWNER_PASS)),
        Err(Error::WrongPassphrase)
    ));
}

#[test]
fn a_managed_person_has_no_seat_and_is_acted_for_only_through_grants() {
    let (dir, s, hanako, _) = family();
    let yuki = s
        .add_person(person("yuki", "山田", "雪", (2015, 4, 2), Sex::Female))
        .unwrap();
    assert!(matches!(
        s.log_observation(&yuki.id, bp()),
        Err(Error::NotPermitted { .. })
    ));
    s.lock().unwrap();
    assert!(Session::unlock_as(dir.path(), "yuki", Unlock::Passphrase(OWNER_PASS)).is_err());
    let s = Session::unlock(dir.path(), Unlock::Passphrase(OWNER_PASS)).unwrap();
    s.grant(
        &yuki.id,
        NewDelegation {
            grantee: Grantee::Person(hanako.id.clone()),
            scopes: vec![Scope::View, Scope::Record],
            valid_from: None,
            valid_until: None,
            representative_basis: Some(phr_core::family::RepresentativeBasis::ParentOfMinor),
            basis_note: Some("戸籍謄本 確認済み".into()),
        },
    )
    .unwrap();
    s.log_observation(&yuki.id, bp()).unwrap();
}

#[test]
fn weak_passphrases_are_refused_with_a_hint_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
    for weak in ["123456", "password1", "hanako1975"] {
        match Session::create(&store, weak, kdf()) {
            Err(Error::WeakPassphrase { field, hint }) => {
                assert_eq!(field, "passphrase");
                assert!(hint.contains("PIN"), "{hint}");
            }
            other => panic!("{weak:?}: {:?}", other.map(|_| ())),
        }
        assert!(!store.join("phr.db").exists());
    }
    let (_d, s, _, _) = family();
    assert!(matches!(
        s.change_passphrase(OWNER_PASS, "111111", kdf()),
        Err(Error::WeakPassphrase { .. })
    ));
    assert!(matches!(
        s.add_member(
            person("jiro", "山田", "次郎", (1980, 1, 1), Sex::Male),
            &Unlock::Passphrase("jiro1980"),
            kdf()
        ),
        Err(Error::WeakPassphrase { .. })
    ));
}

#[test]
fn a_pin_works_only_with_the_platform_secret() {
    let dir = tempfile::tempdir().unwrap();
    let platform = InMemoryKeyStore::new();
    let s = Session::create_with(dir.path(), &Unlock::Pin("246813", &platform), kdf()).unwrap();
    s.add_person(person("hanako", "山田", "花子", (1975, 5, 3), Sex::Female))
        .unwrap();
    s.lock().unwrap();
    Session::unlock(dir.path(), Unlock::Pin("246813", &platform))
        .unwrap()
        .lock()
        .unwrap();
    assert!(matches!(
        Session::unlock(dir.path(), Unlock::Pin("135791", &platform)),
        Err(Error::WrongPassphrase)
    ));
    // The PIN alone (the files without the device's keystore) opens nothing: there is no
    // credential a PIN can be tried against offline.
    assert!(matches!(
        Session::unlock(dir.path(), Unlock::Passphrase("246813")),
        Err(Error::WrongPassphrase)
    ));
    let keyring = std::fs::read_to_string(dir.path().join("phr.keyring")).unwrap();
    assert!(
        !keyring.contains("\"kind\": \"passphrase\""),
        "no PIN-only wrap"
    );
    let other_device = InMemoryKeyStore::new();
    assert!(matches!(
        Session::unlock(dir.path(), Unlock::Pin("246813", &other_device)),
        Err(Error::PlatformKeyRejected)
    ));
    // A short PIN is never a passphrase on its own.
    assert!(matches!(
        Session::create(tempfile::tempdir().unwrap().path(), "246813", kdf()),
        Err(Error::WeakPassphrase { .. })
    ));
}

#[test]
fn repeated_wrong_passphrases_are_delayed_before_any_kdf_and_the_count_resets_on_success() {
    let (dir, s, _, _) = family();
    s.lock().unwrap();
    for _ in 0..FREE_ATTEMPTS {
        assert!(matches!(
            Session::unlock(dir.path(), Unlock::Passphrase("not this one at all")),
            Err(Error::WrongPassphrase)
        ));
    }
    // From now on even the right passphrase waits (the clock here is fixed: the wait holds).
    for pass in ["not this one at all", OWNER_PASS] {
        match Session::unlock(dir.path(), Unlock::Passphrase(pass)) {
            Err(Error::TooManyAttempts { retry_after }) => assert!(retry_after > 0),
            other => panic!("{:?}", other.map(|_| ())),
        }
    }
    // Another member's count is their own.
    Session::unlock_as(dir.path(), "taro", Unlock::Passphrase(TARO_PASS))
        .unwrap()
        .lock()
        .unwrap();
    // The counter file holds no secret and nothing else of the store.
    let counter = std::fs::read_to_string(dir.path().join("phr.attempts")).unwrap();
    assert!(counter.contains("\"failed\":5"), "{counter}");
}

#[test]
fn a_format_1_keyring_is_upgraded_at_the_next_passphrase_unlock() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), OWNER_PASS, kdf()).unwrap();
    phr_core::store::testing::rewrite_keyring_as_format_1(&store, OWNER_PASS).unwrap();
    store.lock().unwrap();
    let format = |d: &Path| -> i64 {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("phr.keyring")).unwrap()).unwrap();
        v["format"].as_i64().unwrap()
    };
    assert_eq!(format(dir.path()), 1);
    assert!(matches!(
        Store::unlock(dir.path(), Unlock::Passphrase("wrong wrong wrong")),
        Err(Error::WrongPassphrase)
    ));
    assert_eq!(format(dir.path()), 1, "a refusal rewrites nothing");
    Store::unlock(dir.path(), Unlock::Passphrase(OWNER_PASS))
        .unwrap()
        .lock()
        .unwrap();
    assert_eq!(format(dir.path()), 2);
    let keyring = std::fs::read_to_string(dir.path().join("phr.keyring")).unwrap();
    assert!(keyring.contains("memory_kib") && !keyring.contains("pbkdf2"));
    Store::unlock(dir.path(), Unlock::Passphrase(OWNER_PASS)).unwrap();
}

/// Copies `from`'s store files into `to`.
fn copy_store(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn a_database_put_back_to_an_older_copy_is_refused_as_rolled_back() {
    let (dir, s, hanako, _) = family();
    s.log_observation(&hanako.id, bp()).unwrap();
    s.lock().unwrap();
    let old = tempfile::tempdir().unwrap();
    copy_store(dir.path(), old.path());
    let s = Session::unlock(dir.path(), Unlock::Passphrase(OWNER_PASS)).unwrap();
    s.log_observation(&hanako.id, bp()).unwrap();
    s.lock().unwrap();
    // The database (not the keyring) goes back: the keyring's anchor is ahead of its chain.
    std::fs::copy(old.path().join("phr.db"), dir.path().join("phr.db")).unwrap();
    match Store::unlock(dir.path(), Unlock::Passphrase(OWNER_PASS)) {
        Err(Error::AuditRollback { anchored, found }) => assert!(anchored > found),
        other => panic!("{:?}", other.map(|_| ())),
    }
}

#[test]
fn an_empty_audit_trail_does_not_verify() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), OWNER_PASS, kdf()).unwrap();
    assert!(store.verify_audit().unwrap().broken.is_none());
    phr_core::store::testing::raw_sql(&store, "DELETE FROM audit_log; DELETE FROM audit_head;")
        .unwrap();
    let report = store.verify_audit().unwrap();
    assert_eq!(report.broken.unwrap().reason, "the audit trail is empty");
}

#[test]
fn after_a_key_rotation_an_old_keyring_copy_opens_nothing() {
    let (dir, s, _, taro) = family();
    s.lock().unwrap();
    let old_keyring = std::fs::read(dir.path().join("phr.keyring")).unwrap();
    let s = Session::unlock(dir.path(), Unlock::Passphrase(OWNER_PASS)).unwrap();
    s.change_passphrase(OWNER_PASS, "a brand new owner passphrase", kdf())
        .unwrap();
    s.rotate_data_key(&Unlock::Passphrase("a brand new owner passphrase"))
        .unwrap();
    s.lock().unwrap();
    // Every member keeps their own credential through the rotation.
    Session::unlock_as(dir.path(), "taro", Unlock::Passphrase(TARO_PASS))
        .unwrap()
        .lock()
        .unwrap();
    let _ = taro;
    // The old keyring with the old passphrase: the database is under another key now.
    std::fs::write(dir.path().join("phr.keyring"), old_keyring).unwrap();
    assert!(Store::unlock(dir.path(), Unlock::Passphrase(OWNER_PASS)).is_err());
}

#[test]
fn setting_the_clock_back_revives_no_expired_grant_and_is_recorded() {
    let (dir, s, hanako, taro) = family();
    let t = s.as_person(&taro.id);
    let now = s.now().utc_seconds;
    t.grant(
        &taro.id,
        NewDelegation {
            grantee: Grantee::Person(hanako.id.clone()),
            scopes: vec![Scope::View],
            valid_from: None,
            valid_until: Some(now + 3600),
            representative_basis: None,
            basis_note: None,
        },
    )
    .unwrap();
    assert!(s.can(&taro.id, Action::View).unwrap());
    // Two hours pass; then the phone's date is set back a day.
    s.set_clock_for_tests(Some(now + 7200));
    assert!(!s.can(&taro.id, Action::View).unwrap());
    s.set_device_clock_for_tests(Some(now - 86_400));
    assert!(
        !s.can(&taro.id, Action::View).unwrap(),
        "the store remembers the latest instant it saw"
    );
    s.log_observation(&hanako.id, bp()).unwrap();
    s.lock().unwrap();
    // Opened again with the device clock still behind: reported and recorded.
    s.set_device_clock_for_tests(None);
    let again = Session::unlock(dir.path(), Unlock::Passphrase(OWNER_PASS)).unwrap();
    assert!(again.clock_behind().is_some_and(|b| b > 600));
    assert!(!again.can(&taro.id, Action::View).unwrap());
    let entries = again.audit_entries(50, None).unwrap();
    assert!(entries.iter().any(|e| e.action == "clock_behind"));
}

#[test]
fn a_backup_with_a_crafted_trigger_is_refused_naming_it_and_backups_carry_no_tokens() {
    let (dir, s, hanako, _) = family();
    s.log_observation(&hanako.id, bp()).unwrap();
    let backup = dir.path().join("b.backup");
    s.backup(&backup, "a long backup passphrase here").unwrap();
    // Tamper with the backup as any SQLCipher client can: a trigger that drops withdrawals.
    let conn = rusqlite::Connection::open(&backup).unwrap();
    conn.execute_batch("PRAGMA key = 'a long backup passphrase here';")
        .unwrap();
    assert_eq!(
        conn.query_row("SELECT count(*) FROM sync_token", [], |r| r
            .get::<_, i64>(0))
            .unwrap(),
        0
    );
    conn.execute_batch(
        "CREATE TRIGGER no_withdrawals AFTER INSERT ON consent_directive BEGIN DELETE FROM consent_directive WHERE effect = 'deny'; END;",
    )
    .unwrap();
    drop(conn);
    let target = tempfile::tempdir().unwrap();
    let into = target.path().join("restored");
    match Store::restore(
        &backup,
        "a long backup passphrase here",
        &into,
        "a fresh store passphrase",
        kdf(),
    ) {
        Err(Error::InvalidInput { field, reason }) => {
            assert_eq!(field, "backup");
            assert!(reason.contains("trigger no_withdrawals"), "{reason}");
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    assert!(!into.join("phr.db").exists());
    assert!(matches!(
        s.backup(&dir.path().join("weak.backup"), "backup1"),
        Err(Error::WeakPassphrase { .. })
    ));
}

#[test]
fn lock_drops_the_keys_even_when_its_audit_entry_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), OWNER_PASS, kdf()).unwrap();
    phr_core::store::testing::raw_sql(&store, "DROP TABLE audit_head").unwrap();
    assert!(store.lock().is_err());
    assert!(store.is_locked());
    assert!(matches!(store.verify_audit(), Err(Error::Locked)));
}

#[cfg(unix)]
#[test]
fn the_store_folder_and_its_key_files_are_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, s, _, _) = family();
    s.lock().unwrap();
    let _ = Session::unlock(dir.path(), Unlock::Passphrase("not the passphrase"));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir.path()), 0o700);
    assert_eq!(mode(&dir.path().join("phr.keyring")), 0o600);
    assert_eq!(mode(&dir.path().join("phr.attempts")), 0o600);
}

/// Every file of a store, a restored store and a backup is readable by its owner only.
#[cfg(unix)]
#[test]
fn store_restored_store_and_backup_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
    let session = Session::create(&store, OWNER_PASS, kdf()).unwrap();
    session
        .add_person(person("hanako", "山田", "花子", (1975, 5, 3), Sex::Female))
        .unwrap();
    let backup = dir.path().join("b.db");
    session.backup(&backup, TARO_PASS).unwrap();
    drop(session);
    let restored = dir.path().join("r");
    drop(Store::restore(&backup, TARO_PASS, &restored, OWNER_PASS, kdf()).unwrap());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&backup), 0o600, "backup");
    for folder in [&store, &restored] {
        assert_eq!(mode(folder), 0o700, "{}", folder.display());
        for entry in std::fs::read_dir(folder).unwrap() {
            let p = entry.unwrap().path();
            assert_eq!(mode(&p), 0o600, "{}", p.display());
        }
    }
}

/// A managed child who comes of age gets a passphrase of their own from the owner, unlocks as
/// themself and takes their record back: the parent's representative grant ends.
#[test]
fn a_managed_person_enrolled_as_a_member_unlocks_and_takes_control() {
    let (dir, s, hanako, _) = family();
    let kenta = s
        .add_person(person("kenta", "山田", "健太", (2008, 4, 1), Sex::Male))
        .unwrap();
    let grant = s
        .grant(
            &kenta.id,
            NewDelegation {
                grantee: Grantee::Person(hanako.id.clone()),
                scopes: vec![Scope::View, Scope::Record],
                valid_from: None,
                valid_until: None,
                representative_basis: Some(phr_core::family::RepresentativeBasis::Guardian),
                basis_note: Some("家庭裁判所 令和8年(家)第123号".into()),
            },
        )
        .unwrap();
    const KENTA_PASS: &str = "kenta picks a phrase of his own";
    s.enroll_member("kenta", &Unlock::Passphrase(KENTA_PASS), kdf())
        .unwrap();
    // Once is enough: a second enrolment, or one for the owner, is refused.
    for nick in ["kenta", "hanako"] {
        assert!(matches!(
            s.enroll_member(nick, &Unlock::Passphrase(KENTA_PASS), kdf()),
            Err(Error::AlreadyExists { .. })
        ));
    }
    s.lock().unwrap();
    let k = Session::unlock_as(dir.path(), "kenta", Unlock::Passphrase(KENTA_PASS)).unwrap();
    assert_eq!(k.actor().unwrap(), kenta.id);
    assert_eq!(k.take_control(&kenta.id).unwrap(), vec![grant.id]);
}

/// A backup holds no credentials: after a restore the owner gives each member a passphrase
/// again, and the member unlocks as the same person with the same record.
#[test]
fn after_a_restore_a_member_is_enrolled_again_as_the_same_person() {
    let (dir, s, _, taro) = family();
    s.as_person(&taro.id)
        .log_observation(&taro.id, bp())
        .unwrap();
    let backup = dir.path().join("b.db");
    s.backup(&backup, TARO_PASS).unwrap();
    drop(s);
    let restored = dir.path().join("r");
    drop(Store::restore(&backup, TARO_PASS, &restored, OWNER_PASS, kdf()).unwrap());
    assert!(matches!(
        Session::unlock_as(&restored, "taro", Unlock::Passphrase(TARO_PASS)),
        Err(Error::WrongPassphrase)
    ));
    let owner = Session::unlock(&restored, Unlock::Passphrase(OWNER_PASS)).unwrap();
    owner
        .enroll_member("taro", &Unlock::Passphrase(TARO_PASS), kdf())
        .unwrap();
    owner.lock().unwrap();
    let t = Session::unlock_as(&restored, "taro", Unlock::Passphrase(TARO_PASS)).unwrap();
    assert_eq!(t.actor().unwrap(), taro.id);
    assert_eq!(t.latest_observations(&taro.id).unwrap().len(), 1);
    t.lock().unwrap();
    // Each unlock names who unlocked.
    let owner = Session::unlock(&restored, Unlock::Passphrase(OWNER_PASS)).unwrap();
    let unlocks: Vec<String> = owner
        .audit_entries(100, None)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "unlock")
        .map(|e| e.actor)
        .collect();
    let owner_id = owner.actor().unwrap();
    assert!(unlocks.contains(&taro.id), "{unlocks:?}");
    assert!(unlocks.contains(&owner_id), "{unlocks:?}");
}
