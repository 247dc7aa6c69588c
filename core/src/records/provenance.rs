//! Where a record came from.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Typed in by the resident (or a family manager).
    SelfEntered,
    /// Measured by a connected device (scale, blood-pressure monitor, phone sensor).
    Device,
    /// From a clinic or hospital.
    Clinic,
    /// Obtained through Mynaportal (マイナポータル).
    Mynaportal,
    /// From an imported file (FHIR bundle, checkup XML).
    ImportedFile,
    /// Computed by the core from other records (BMI).
    Derived,
}

impl Provenance {
    pub const ALL: [Provenance; 6] = [
        Provenance::SelfEntered,
        Provenance::Device,
        Provenance::Clinic,
        Provenance::Mynaportal,
        Provenance::ImportedFile,
        Provenance::Derived,
    ];

    /// A result someone else made official (a clinic, Mynaportal, a checkup or clinic file): it
    /// is not edited here, only annotated (S-21); it can still be deleted or erased.
    pub fn is_official(self) -> bool {
        matches!(
            self,
            Provenance::Clinic | Provenance::Mynaportal | Provenance::ImportedFile
        )
    }

    /// Where the record came from, in words people read (the CLI's lists).
    pub fn label_en(self) -> &'static str {
        match self {
            Provenance::SelfEntered => "entered",
            Provenance::Device => "device",
            Provenance::Clinic => "clinic",
            Provenance::Mynaportal => "Mynaportal",
            Provenance::ImportedFile => "file",
            Provenance::Derived => "computed",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::SelfEntered => "self_entered",
            Provenance::Device => "device",
            Provenance::Clinic => "clinic",
            Provenance::Mynaportal => "mynaportal",
            Provenance::ImportedFile => "imported_file",
            Provenance::Derived => "derived",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| Error::invalid("provenance", "unknown provenance"))
    }
}
