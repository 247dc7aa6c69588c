//! phr-ffi from Rust: the foreign-trait adapters and the chunked import behave as the Kotlin and
//! Swift suites expect (those suites drive the real library; this checks the Rust side alone).

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use phr_core::ClinicalInput;
use phr_core::records::{NewPerson, ObservationInput, ObservationType, Provenance, Sex, Stamp};
use phr_ffi::{
    PhrError, PhrStore, PlatformKeyError, PlatformKeyStore, ProgressError, ProgressListener,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

fn person(nickname: &str) -> NewPerson {
    NewPerson {
        nickname: nickname.into(),
        family_name: "山田".into(),
        given_name: "花子".into(),
        family_name_kana: None,
        given_name_kana: None,
        birth_date: chrono::NaiveDate::from_ymd_opt(1980, 4, 1).unwrap(),
        sex: Sex::Female,
        insurer_number: None,
        insured_symbol: None,
        insured_number: None,
        municipality_code: None,
    }
}

/// A test double: "wraps" by storing the secret under a random handle. Not cryptography.
#[derive(Default)]
struct HandleKeyStore(Mutex<HashMap<Vec<u8>, Vec<u8>>>);

impl PlatformKeyStore for HandleKeyStore {
    fn wrap(&self, _alias: String, secret: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError> {
        let mut m = self.0.lock().unwrap();
        let handle = vec![m.len() as u8 + 1; 4];
        m.insert(handle.clone(), secret);
        Ok(handle)
    }
    fn unwrap(&self, _alias: String, blob: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError> {
        self.0
            .lock()
            .unwrap()
            .get(&blob)
            .cloned()
            .ok_or(PlatformKeyError::KeyMissing)
    }
}

#[derive(Default)]
struct Recorder(Mutex<Vec<(u64, u64)>>);

impl ProgressListener for Recorder {
    fn on_progress(&self, done: u64, total: u64) -> Result<(), ProgressError> {
        self.0.lock().unwrap().push((done, total));
        Err(ProgressError::ListenerFailed {
            reason: "ignored by design".into(),
        })
    }
}

#[test]
fn chunked_import_reports_each_chunk_and_a_foreign_key_store_unlocks() {
    let dir = tempfile::tempdir().unwrap();
    let store = PhrStore::new(dir.path().to_string_lossy().into_owned());
    let session = store.create("correct horse".into(), Some(64)).unwrap();
    let me = session.add_person(person("hanako")).unwrap().id;
    let now = session.now();
    let inputs: Vec<ClinicalInput> = (0..7)
        .map(|i| {
            ClinicalInput::Observation(ObservationInput::simple(
                ObservationType::Steps,
                1000.0,
                Stamp {
                    utc_seconds: now.utc_seconds - 3600 * (i + 1),
                    offset_seconds: now.offset_seconds,
                },
            ))
        })
        .collect();
    let recorder = Arc::new(Recorder::default());
    let ids = session
        .add_records_with_progress(
            me.clone(),
            inputs,
            Provenance::Device,
            None,
            3,
            recorder.clone(),
        )
        .unwrap();
    assert_eq!(ids.len(), 7);
    assert_eq!(
        *recorder.0.lock().unwrap(),
        vec![(0, 7), (3, 7), (6, 7), (7, 7)]
    );

    let keys: Arc<HandleKeyStore> = Arc::default();
    session.enroll_platform_key(keys.clone()).unwrap();
    session.lock().unwrap();
    assert_eq!(
        session.latest_observations(me.clone()),
        Err(PhrError::Locked)
    );
    let again = store.unlock_with_platform_key(None, keys.clone()).unwrap();
    assert_eq!(again.latest_observations(me).unwrap().len(), 1);
    again.lock().unwrap();
    keys.0.lock().unwrap().clear();
    assert_eq!(
        store.unlock_with_platform_key(None, keys).err(),
        Some(PhrError::PlatformKeyRejected)
    );
    assert_eq!(
        store.unlock(None, "wrong passphrase".into()).err(),
        Some(PhrError::WrongPassphrase)
    );
}
