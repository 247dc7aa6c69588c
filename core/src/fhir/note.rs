//! Note → DocumentReference with the text as a `text/plain; charset=utf-8` attachment.
//!
//! Why DocumentReference: a note is free text the person wrote, not a measurement; an Observation
//! would need a code claiming what was observed, and its `valueString` invites receivers to treat
//! it as a result. A DocumentReference keeps the text byte for byte (base64 of its UTF-8) and says
//! only "here is a document the person wrote". JP Core 1.1.2 has no DocumentReference profile.

use super::codes::system;
use super::context::{Ctx, Mapped};
use super::datatypes::{coding, concept_of, date_time, meta, reference, uuid_identifier};
use crate::records::{Note, RecordMeta};
use base64::Engine as _;
use serde_json::json;

pub(crate) fn note(ctx: &Ctx<'_>, m: &RecordMeta, n: &Note, id: String) -> Mapped {
    let data = base64::engine::general_purpose::STANDARD.encode(n.text.as_bytes());
    let r = json!({
        "resourceType": "DocumentReference",
        "id": id,
        "meta": meta(None, Some(m.updated)),
        "identifier": uuid_identifier(&id),
        "status": "current",
        // LOINC 34109-9 "Note" (document ontology).
        "type": concept_of(vec![coding(system::LOINC, "34109-9")], Some("メモ")),
        "subject": reference(&ctx.patient),
        "date": date_time(m.effective),
        "content": [{ "attachment": {
            "contentType": "text/plain; charset=utf-8",
            "data": data,
        } }],
    });
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
