//! The probes' bench: fresh stores in the caller's work folder, each with a resident, three
//! records (one carrying a marker text) and the operator profile under test. Cheap KDF
//! parameters: the probes are about behaviour; the report states the shipped parameters.

use crate::consent::{DataCategory, OperatorProfile};
use crate::error::Result;
use crate::records::{NewPerson, ObservationInput, ObservationType, Provenance, Sex, Stamp};
use crate::{ClinicalInput, KdfParams, Session};
use std::path::{Path, PathBuf};

/// The probe resident's passphrase (strong enough for the product's own policy).
pub(super) const PASSPHRASE: &str = "compliance probe: seven herons over the Sumida at dawn";
/// Text written into a note: it must never be found in a file, an export before consent, or
/// the provision log.
pub(super) const MARKER: &str = "PHRCOMPLIANCEMARKER7f3a";
pub(super) const FAMILY_NAME: &str = "検査";
pub(super) const BIRTH_DATE: &str = "1970-04-15";
pub(super) const INSURER: &str = "06131234";

pub(super) struct Lab<'p> {
    root: PathBuf,
    made: usize,
    pub profile: &'p OperatorProfile,
}

/// One fresh store.
pub(super) struct Bench {
    pub dir: PathBuf,
    pub s: Session,
    /// The resident (the owner).
    pub me: String,
    /// Ids of the records written: weight, blood pressure, the marker note.
    pub records: Vec<String>,
}

/// A flow the profile declares: a recipient, a purpose, and a category the bench's records have.
pub(super) struct Flow {
    pub recipient: String,
    pub purpose: String,
    pub category: DataCategory,
}

impl<'p> Lab<'p> {
    pub fn new(root: &Path, profile: &'p OperatorProfile) -> Lab<'p> {
        Lab {
            root: root.to_owned(),
            made: 0,
            profile,
        }
    }

    /// A new folder in the work folder.
    pub fn folder(&mut self, name: &str) -> PathBuf {
        self.made += 1;
        self.root.join(format!("{}-{name}", self.made))
    }

    /// A fresh store with the resident, three records and the profile installed.
    pub fn bench(&mut self) -> Result<Bench> {
        let dir = self.folder("store");
        let s = Session::create(&dir, PASSPHRASE, KdfParams::cheap())?;
        let me = s.add_person(resident())?.id;
        s.set_operator_profile(self.profile.clone())?;
        let yesterday = Stamp {
            utc_seconds: s.now().utc_seconds - 86_400,
            offset_seconds: 9 * 3600,
        };
        let inputs = vec![
            ClinicalInput::Observation(ObservationInput::simple(
                ObservationType::Weight,
                58.3,
                yesterday,
            )),
            ClinicalInput::Observation(ObservationInput::blood_pressure(
                128.0, 82.0, None, yesterday,
            )),
            ClinicalInput::Note {
                text: format!("体調メモ {MARKER}"),
                at: Some(yesterday),
            },
        ];
        let records = s.add_records(&me, inputs, Provenance::SelfEntered, None)?;
        Ok(Bench {
            dir,
            s,
            me,
            records,
        })
    }

    /// The first declared flow that may carry records of a category the bench has (vitals or
    /// body), if the profile declares one.
    pub fn flow(&self) -> Option<Flow> {
        self.profile
            .purposes
            .iter()
            .filter(|p| !p.contributions_only)
            .find_map(|p| {
                let category = [DataCategory::Vitals, DataCategory::Body]
                    .into_iter()
                    .find(|c| p.releases_records_of(*c))?;
                Some(Flow {
                    recipient: p.recipients.first()?.clone(),
                    purpose: p.code.clone(),
                    category,
                })
            })
    }
}

fn resident() -> NewPerson {
    NewPerson {
        nickname: "resident".into(),
        family_name: FAMILY_NAME.into(),
        given_name: "花子".into(),
        family_name_kana: Some("ケンサ".into()),
        given_name_kana: Some("ハナコ".into()),
        birth_date: chrono::NaiveDate::from_ymd_opt(1970, 4, 15).unwrap_or_default(),
        sex: Sex::Female,
        insurer_number: Some(INSURER.into()),
        insured_symbol: None,
        insured_number: None,
        municipality_code: None,
    }
}

/// Whether `needle` occurs in `haystack`.
pub(super) fn contains(haystack: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    haystack.windows(n.len()).any(|w| w == n)
}
