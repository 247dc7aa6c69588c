//! Shared helpers for the behaviour tests.
#![allow(dead_code)]

use chrono::NaiveDate;
use phr_core::records::{NewPerson, Person, Sex, Stamp};
use phr_core::{KdfParams, Session};

pub fn kdf() -> KdfParams {
    KdfParams::with_iterations(10_000).unwrap()
}

pub fn person(
    nick: &str,
    family: &str,
    given: &str,
    birth: (i32, u32, u32),
    sex: Sex,
) -> NewPerson {
    NewPerson {
        nickname: nick.into(),
        family_name: family.into(),
        given_name: given.into(),
        family_name_kana: None,
        given_name_kana: None,
        birth_date: NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2).unwrap(),
        sex,
        insurer_number: None,
        insured_symbol: None,
        insured_number: None,
        municipality_code: None,
    }
}

/// A fresh store with an owner (hanako) and a second person (taro).
pub fn session_with_two() -> (tempfile::TempDir, Session, Person, Person) {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::create(dir.path(), "correct horse", kdf()).unwrap();
    let hanako = s
        .add_person(
            None,
            person("hanako", "山田", "花子", (1975, 5, 3), Sex::Female),
        )
        .unwrap();
    let taro = s
        .add_person(
            Some(&hanako.id),
            person("taro", "山田", "太郎", (1945, 1, 20), Sex::Male),
        )
        .unwrap();
    (dir, s, hanako, taro)
}

/// `days_ago` days before now, in Japan time.
pub fn jst_days_ago(days_ago: i64) -> Stamp {
    Stamp {
        utc_seconds: chrono::Utc::now().timestamp() - days_ago * 86_400,
        offset_seconds: 9 * 3600,
    }
}
