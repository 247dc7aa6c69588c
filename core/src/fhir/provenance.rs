//! Where records came from → Provenance resources, one per source (kind × source name) targeting
//! every resource made from that source's records. One per source rather than one per record keeps
//! a 50,000-reading export from doubling in size; the `recorded` time is the latest change among
//! the targets, so it only moves when they do.
//!
//! The agent says who stands behind the data: the person (self-entered, imported file), the
//! device, the clinic, Mynaportal, or the core itself (derived BMI). An imported file or a named
//! Mynaportal source is also an `entity` with role `source`.

use super::codes::system;
use super::datatypes::obj;
use super::datatypes::{coding, date_time, derived_id, display_reference, reference};
use super::typed::UrnUuid;
use crate::records::{Provenance, Stamp};
use serde::Serialize;
use serde_json::Value;

/// The records of one source, gathered while mapping.
pub(crate) struct Source {
    pub provenance: Provenance,
    pub name: Option<String>,
    /// Resource ids made from the source's records.
    pub targets: Vec<String>,
    pub latest: Stamp,
}

fn agent(kind: &str, who: Value) -> Value {
    obj! {
        "type" => obj! {
            "coding" => Value::Array(vec![coding(system::PROVENANCE_PARTICIPANT, kind)]),
        },
        "who" => who,
    }
}

/// A Provenance resource; its `target` list is written straight from the ids (an export's
/// Provenance lists every resource of its source). Fields in byte order: see `typed.rs`.
#[derive(Debug, Serialize)]
pub(crate) struct ProvenanceResource {
    agent: [Value; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    entity: Option<[Value; 1]>,
    id: String,
    recorded: String,
    #[serde(rename = "resourceType")]
    resource_type: &'static str,
    #[serde(serialize_with = "references")]
    target: Vec<String>,
}

#[derive(Serialize)]
struct Target<'a> {
    reference: UrnUuid<'a>,
}

fn references<S: serde::Serializer>(ids: &[String], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(ids.iter().map(|id| Target {
        reference: UrnUuid(id),
    }))
}

/// The Provenance of one source as a JSON tree (see [`provenance_resource`]).
#[cfg(test)]
pub(crate) fn provenance(patient: &str, s: &Source) -> (String, Value) {
    let s = Source {
        provenance: s.provenance,
        name: s.name.clone(),
        targets: s.targets.clone(),
        latest: s.latest,
    };
    let (id, r) = provenance_resource(patient, s);
    (id, serde_json::to_value(r).unwrap())
}

/// The Provenance resource of one source, and its id.
pub(crate) fn provenance_resource(patient: &str, s: Source) -> (String, ProvenanceResource) {
    let name = s.name.as_deref();
    let id = derived_id(&[
        b"provenance",
        patient.as_bytes(),
        s.provenance.as_str().as_bytes(),
        name.unwrap_or("").as_bytes(),
    ]);
    let named = |fallback: &str| display_reference(name.unwrap_or(fallback));
    let (agent, entity) = match s.provenance {
        Provenance::SelfEntered => (agent("enterer", reference(patient)), None),
        Provenance::Device => (agent("performer", named("device")), None),
        Provenance::Clinic => (agent("author", named("clinic")), None),
        Provenance::Mynaportal => (
            agent("informant", display_reference("マイナポータル")),
            name.map(display_reference),
        ),
        Provenance::ImportedFile => (
            agent("enterer", reference(patient)),
            Some(named("imported file")),
        ),
        Provenance::Derived => (agent("assembler", display_reference("PHR Core")), None),
    };
    let r = ProvenanceResource {
        agent: [agent],
        entity: entity.map(|what| [obj! { "role" => "source", "what" => what }]),
        id: id.clone(),
        recorded: date_time(s.latest),
        resource_type: "Provenance",
        target: s.targets,
    };
    (id, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(p: Provenance, name: Option<&str>) -> Source {
        Source {
            provenance: p,
            name: name.map(str::to_owned),
            targets: vec!["a".into(), "b".into()],
            latest: Stamp {
                utc_seconds: 1_800_000_000,
                offset_seconds: 9 * 3600,
            },
        }
    }

    #[test]
    fn each_source_kind_names_its_agent() {
        let (_, r) = provenance("p1", &source(Provenance::SelfEntered, None));
        assert_eq!(r["agent"][0]["who"]["reference"], "urn:uuid:p1");
        assert_eq!(r["target"][1]["reference"], "urn:uuid:b");
        let (_, r) = provenance("p1", &source(Provenance::Device, Some("Omron HCR-7601T")));
        assert_eq!(r["agent"][0]["who"]["display"], "Omron HCR-7601T");
        assert_eq!(r["agent"][0]["type"]["coding"][0]["code"], "performer");
        let (_, r) = provenance("p1", &source(Provenance::Clinic, Some("やまだ内科")));
        assert_eq!(r["agent"][0]["type"]["coding"][0]["code"], "author");
        let (_, r) = provenance("p1", &source(Provenance::Mynaportal, None));
        assert_eq!(r["agent"][0]["who"]["display"], "マイナポータル");
        let (_, r) = provenance("p1", &source(Provenance::ImportedFile, Some("kenshin.xml")));
        assert_eq!(r["entity"][0]["what"]["display"], "kenshin.xml");
        assert_eq!(r["entity"][0]["role"], "source");
    }

    #[test]
    fn ids_depend_on_the_source_only() {
        let a = provenance("p1", &source(Provenance::Device, Some("x"))).0;
        let b = provenance("p1", &source(Provenance::Device, Some("y"))).0;
        assert_ne!(a, b);
        assert_eq!(
            a,
            provenance("p1", &source(Provenance::Device, Some("x"))).0
        );
    }
}
