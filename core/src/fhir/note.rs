//! Note → DocumentReference with the text as a `text/plain; charset=utf-8` attachment.
//!
//! Why DocumentReference: a note is free text the person wrote, not a measurement; an Observation
//! would need a code claiming what was observed, and its `valueString` invites receivers to treat
//! it as a result. A DocumentReference keeps the text byte for byte (base64 of its UTF-8) and says
//! only "here is a document the person wrote". JP Core 1.1.2 has no DocumentReference profile.

use super::codes::system;
use super::context::{Ctx, Mapped};
use super::datatypes::obj;
use super::datatypes::{coding, concept_of, date_time, meta, reference, uuid_identifier};
use crate::records::{Note, RecordMeta};
use base64::Engine as _;
use serde_json::Value;

pub(crate) fn note(ctx: &Ctx<'_>, m: &RecordMeta, n: &Note, id: String) -> Mapped {
    let data = base64::engine::general_purpose::STANDARD.encode(n.text.as_bytes());
    let r = obj! {
        "resourceType" => "DocumentReference",
        "id" => id.as_str(),
        "meta" => meta(None, Some(m.updated)),
        "identifier" => uuid_identifier(&id),
        "status" => "current",
        // LOINC 34109-9 "Note" (document ontology).
        "type" => concept_of(vec![coding(system::LOINC, "34109-9")], Some("メモ")),
        "subject" => reference(&ctx.patient),
        "date" => date_time(m.effective),
        "content" => Value::Array(vec![obj! {
            "attachment" => obj! {
                "contentType" => "text/plain; charset=utf-8",
                "data" => data,
            },
        }]),
    };
    // A correction note points at the result it corrects, when that result travels with it.
    let mut r = r;
    if let Some(about) = n.about.as_deref().filter(|a| ctx.exported.contains(*a)) {
        r["context"] = obj! {
            "related" => Value::Array(vec![reference(&super::datatypes::resource_id(about))]),
        };
    }
    Mapped { id, resource: r }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::fixtures;
    use crate::records::RecordBody;

    #[test]
    fn the_text_is_a_base64_utf8_attachment() {
        let rec = fixtures::note();
        let RecordBody::Note(n) = &rec.body else {
            unreachable!()
        };
        let r = note(&fixtures::ctx(), &rec.meta, n, rec.meta.id.clone()).resource;
        let data = r["content"][0]["attachment"]["data"].as_str().unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap();
        assert_eq!(String::from_utf8(bytes).unwrap(), n.text);
        assert_eq!(r["date"], "2026-11-01T21:00:00+09:00");
    }
}
