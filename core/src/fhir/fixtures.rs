//! Hand-written records for the mapping unit tests (the behaviour tests build theirs through the
//! Session API).

use super::context::Ctx;
use crate::records::*;
use chrono::{DateTime, NaiveDate};

pub const PERSON_ID: &str = "5b0e7f4c-2f1a-4c55-9a77-0d9c8e1f2a10";
pub const WEIGHT_ID: &str = "1f3c1a9e-7b2d-4e0a-8c55-3a1b2c3d4e01";

fn stamp(rfc3339: &str) -> Stamp {
    Stamp::from_fixed(DateTime::parse_from_rfc3339(rfc3339).unwrap())
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn person() -> Person {
    Person {
        id: PERSON_ID.into(),
        is_owner: true,
        version: 1,
        details: NewPerson {
            nickname: "hanako".into(),
            family_name: "山田".into(),
            given_name: "花子".into(),
            family_name_kana: Some("ヤマダ".into()),
            given_name_kana: Some("ハナコ".into()),
            birth_date: day(1975, 5, 3),
            sex: Sex::Female,
            insurer_number: Some("06130001".into()),
            insured_symbol: Some("12-34".into()),
            insured_number: Some("5678".into()),
            municipality_code: None,
        },
    }
}

pub fn ctx() -> Ctx<'static> {
    Ctx {
        patient: "p1".into(),
        exported: [WEIGHT_ID].into_iter().collect(),
        today: day(2026, 11, 24),
        renames: None,
    }
}

fn record(id: &str, at: Stamp, provenance: Provenance, body: RecordBody) -> Record {
    Record {
        meta: RecordMeta {
            id: id.into(),
            subject_id: PERSON_ID.into(),
            kind: body.kind(),
            effective: at,
            effective_precision: Default::default(),
            effective_text: None,
            version: 1,
            created: at,
            updated: at,
            provenance,
            source: None,
            deleted_utc: None,
        },
        body,
    }
}

fn obs(id: &str, ty: ObservationType, value: f64, at: &str) -> Record {
    let at = stamp(at);
    record(
        id,
        at,
        Provenance::Device,
        RecordBody::Observation(Observation {
            observation_type: ty,
            code: ty.loinc().into(),
            unit: ty.unit().into(),
            value,
            value2: None,
            value3: None,
            glucose_timing: None,
            effective: at,
            derived_from: None,
            entered_value: None,
            entered_unit: None,
        }),
    )
}

pub fn blood_pressure() -> Record {
    let mut r = obs(
        "2a000000-0000-4000-8000-000000000001",
        ObservationType::BloodPressure,
        128.0,
        "2026-11-01T07:30:00+09:00",
    );
    if let RecordBody::Observation(o) = &mut r.body {
        o.value2 = Some(82.0);
        o.value3 = Some(64.0);
    }
    r
}

pub fn weight() -> Record {
    obs(
        WEIGHT_ID,
        ObservationType::Weight,
        52.3,
        "2026-11-01T07:00:00+09:00",
    )
}

pub fn bmi() -> Record {
    let mut r = obs(
        "2a000000-0000-4000-8000-000000000003",
        ObservationType::Bmi,
        20.4,
        "2026-11-01T07:00:00+09:00",
    );
    r.meta.provenance = Provenance::Derived;
    if let RecordBody::Observation(o) = &mut r.body {
        o.derived_from = Some(WEIGHT_ID.into());
    }
    r
}

pub fn steps() -> Record {
    obs(
        "2a000000-0000-4000-8000-000000000004",
        ObservationType::Steps,
        8432.0,
        "2026-11-01T12:00:00Z",
    )
}

pub fn glucose() -> Record {
    let mut r = obs(
        "2a000000-0000-4000-8000-000000000005",
        ObservationType::BloodGlucose,
        98.0,
        "2026-11-02T07:00:00+09:00",
    );
    if let RecordBody::Observation(o) = &mut r.body {
        o.glucose_timing = Some(GlucoseTiming::Fasting);
        o.code = "1558-6".into();
    }
    r
}

fn line(code: &str, name: &str) -> CheckupResult {
    CheckupResult {
        code_system: CheckupCodeSystem::Tokutei,
        code: code.into(),
        name: name.into(),
        value_num: None,
        value_code: None,
        value_system: None,
        value_text: None,
        unit: None,
        ref_low: None,
        ref_high: None,
        flag: None,
    }
}

pub fn checkup() -> Record {
    let results = vec![
        CheckupResult {
            value_num: Some(158.2),
            unit: Some("cm".into()),
            ..line("9N001000000000001", "身長")
        },
        CheckupResult {
            value_num: Some(128.0),
            unit: Some("mm[Hg]".into()),
            ..line("9A751000000000001", "収縮期血圧(1回目)")
        },
        CheckupResult {
            value_num: Some(180.0),
            unit: Some("mg/dL".into()),
            ref_low: Some(30.0),
            ref_high: Some(149.0),
            flag: Some("H".into()),
            ..line("3F015000002327101", "中性脂肪(空腹時)")
        },
        CheckupResult {
            value_code: Some("1".into()),
            value_system: None,
            value_text: Some("基準該当".into()),
            ..line("9N501000000000011", "メタボリックシンドローム判定")
        },
        CheckupResult {
            value_text: Some("特記事項なし".into()),
            ..line("9N076000000000049", "視診(口腔内含む)")
        },
    ];
    let mut r = record(
        "2a000000-0000-4000-8000-000000000006",
        stamp("2026-06-10T00:00:00+09:00"),
        Provenance::Mynaportal,
        RecordBody::Checkup(Checkup {
            date: day(2026, 6, 10),
            program: "specific_health_checkup".into(),
            institution: "さくら健診センター".into(),
            institution_code: Some("1312345678".into()),
            judgement: Some("要経過観察（脂質）".into()),
            results,
        }),
    );
    r.meta.source = Some("特定健診 2026".into());
    r
}

pub fn immunization() -> Record {
    record(
        "2a000000-0000-4000-8000-000000000007",
        stamp("2025-10-20T00:00:00+09:00"),
        Provenance::Clinic,
        RecordBody::Immunization(Immunization {
            vaccine: "インフルエンザHAワクチン".into(),
            code_system: Some("hot".into()),
            code: Some("123456701".into()),
            date: day(2025, 10, 20),
            dose_number: Some(1),
            lot: Some("AB1234".into()),
            place: Some("やまだ内科クリニック".into()),
        }),
    )
}

pub fn medication() -> Record {
    record(
        "2a000000-0000-4000-8000-000000000008",
        stamp("2026-01-15T00:00:00+09:00"),
        Provenance::SelfEntered,
        RecordBody::Medication(Medication {
            drug_name: "アムロジピン錠5mg".into(),
            code_system: Some("yj".into()),
            code: Some("2171022F1022".into()),
            dose: Some("1錠".into()),
            frequency: Some("1日1回朝食後".into()),
            start_date: day(2026, 1, 15),
            end_date: None,
            prescriber: Some("山田 一郎".into()),
            pharmacy: Some("あおば薬局".into()),
        }),
    )
}

pub fn condition() -> Record {
    record(
        "2a000000-0000-4000-8000-000000000009",
        stamp("2025-12-01T00:00:00+09:00"),
        Provenance::SelfEntered,
        RecordBody::Condition(Condition {
            name: "急性気管支炎".into(),
            code_system: Some("icd10".into()),
            code: Some("J20.9".into()),
            onset_date: Some(day(2025, 12, 1)),
            end_date: Some(day(2025, 12, 20)),
            status: "resolved".into(),
        }),
    )
}

pub fn allergy() -> Record {
    record(
        "2a000000-0000-4000-8000-00000000000a",
        stamp("2026-03-01T10:00:00+09:00"),
        Provenance::ImportedFile,
        RecordBody::Allergy(Allergy {
            substance: "そば".into(),
            code_system: None,
            code: None,
            reaction: Some("じんましん".into()),
            severity: Some("severe".into()),
        }),
    )
}

pub fn note() -> Record {
    record(
        "2a000000-0000-4000-8000-00000000000b",
        stamp("2026-11-01T21:00:00+09:00"),
        Provenance::SelfEntered,
        RecordBody::Note(Note {
            text: "朝の散歩\u{3000}30分。気分良好".into(),
            about: None,
        }),
    )
}

pub fn all_records() -> Vec<Record> {
    vec![
        blood_pressure(),
        weight(),
        bmi(),
        steps(),
        glucose(),
        checkup(),
        immunization(),
        medication(),
        condition(),
        allergy(),
        note(),
    ]
}
