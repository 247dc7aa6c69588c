//! Creating, unlocking, locking and re-keying a store.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use phr_core::{Error, InMemoryKeyStore, KdfParams, Store, Unlock};

fn kdf() -> KdfParams {
    KdfParams::cheap()
}

#[test]
fn create_then_unlock_with_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), "correct horse", kdf()).unwrap();
    store.lock().unwrap();
    let store = Store::unlock(dir.path(), Unlock::Passphrase("correct horse")).unwrap();
    assert_eq!(store.verify_audit().unwrap().broken, None);
}

#[test]
fn wrong_passphrase_is_its_own_error() {
    let dir = tempfile::tempdir().unwrap();
    Store::create(dir.path(), "correct horse", kdf())
        .unwrap()
        .lock()
        .unwrap();
    assert!(matches!(
        Store::unlock(dir.path(), Unlock::Passphrase("wrong horse")),
        Err(Error::WrongPassphrase)
    ));
}

#[test]
fn locked_store_refuses_every_operation() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), "correct horse", kdf()).unwrap();
    store.lock().unwrap();
    assert!(store.is_locked());
    assert!(matches!(store.verify_audit(), Err(Error::Locked)));
    assert!(matches!(store.lock(), Err(Error::Locked)));
}

#[test]
fn platform_key_unlocks_and_a_forgotten_platform_key_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let platform = InMemoryKeyStore::new();
    let store = Store::create(dir.path(), "correct horse", kdf()).unwrap();
    store.enroll_platform_key(&platform).unwrap();
    let alias = format!("phr-core.{}.owner.bio", store.store_id());
    store.lock().unwrap();
    Store::unlock(dir.path(), Unlock::Platform(&platform))
        .unwrap()
        .lock()
        .unwrap();
    platform.forget(&alias);
    assert!(matches!(
        Store::unlock(dir.path(), Unlock::Platform(&platform)),
        Err(Error::PlatformKeyRejected)
    ));
    Store::unlock(dir.path(), Unlock::Passphrase("correct horse")).unwrap();
}

#[test]
fn change_passphrase_rewraps() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), "correct horse", kdf()).unwrap();
    assert!(matches!(
        store.change_passphrase("nope nope", "battery staple", kdf()),
        Err(Error::WrongPassphrase)
    ));
    store
        .change_passphrase("correct horse", "battery staple", kdf())
        .unwrap();
    store.lock().unwrap();
    assert!(matches!(
        Store::unlock(dir.path(), Unlock::Passphrase("correct horse")),
        Err(Error::WrongPassphrase)
    ));
    let s = Store::unlock(dir.path(), Unlock::Passphrase("battery staple")).unwrap();
    assert_eq!(s.verify_audit().unwrap().broken, None);
}

#[test]
fn rotate_data_key_keeps_data_and_audit_chain() {
    let dir = tempfile::tempdir().unwrap();
    let platform = InMemoryKeyStore::new();
    let store = Store::create(dir.path(), "correct horse", kdf()).unwrap();
    store.enroll_platform_key(&platform).unwrap();
    store
        .rotate_data_key(&phr_core::Unlock::Passphrase("correct horse"))
        .unwrap();
    assert_eq!(store.verify_audit().unwrap().broken, None);
    store.lock().unwrap();
    let s = Store::unlock(dir.path(), Unlock::Platform(&platform)).unwrap();
    let r = s.verify_audit().unwrap();
    assert_eq!(r.broken, None);
    let actions: Vec<String> = s
        .audit_entries(None, 100, None)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.contains(&"data_key_rotated".to_string()),
        "{actions:?}"
    );
}
