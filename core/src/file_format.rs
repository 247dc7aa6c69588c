//! What an imported file is, told by its content, never its name or MIME type (a share sheet
//! hands over `application/octet-stream`, a clinic's file may be called `result.txt`).

use crate::checkup_xml;
use serde::Serialize;

/// A file the core can import.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// HL7 FHIR R4 JSON: a Bundle or one resource.
    FhirJson,
    /// The MHLW health-checkup XML (特定健診, `<ClinicalDocument>`).
    CheckupXml,
}

/// The format of `bytes`, or `None` when it is neither.
pub fn detect(bytes: &[u8]) -> Option<FileFormat> {
    // JSON first: a FHIR resource may well quote XML text (a narrative, an attachment).
    let start = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if start.trim_ascii_start().first() == Some(&b'{') {
        return Some(FileFormat::FhirJson);
    }
    if checkup_xml::looks_like_checkup_xml(bytes) {
        return Some(FileFormat::CheckupXml);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content_not_by_name() {
        assert_eq!(
            detect(b"\xef\xbb\xbf  {\"resourceType\":\"Bundle\"}"),
            Some(FileFormat::FhirJson)
        );
        assert_eq!(
            detect(
                b"<?xml version=\"1.0\"?>\n<!-- c -->\n<ClinicalDocument xmlns=\"urn:hl7-org:v3\">"
            ),
            Some(FileFormat::CheckupXml)
        );
        assert_eq!(
            detect(b"{\"note\":\"<ClinicalDocument>\"}"),
            Some(FileFormat::FhirJson)
        );
        assert_eq!(detect(b"<html><body>"), None);
        assert_eq!(detect(b""), None);
    }
}
