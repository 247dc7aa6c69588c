//! Where records came from → Provenance resources, one per source (kind × source name) targeting
//! every resource made from that source's records. One per source rather than one per record keeps
//! a 50,000-reading export from doubling in size; the `recorded` time is the latest change among
//! the targets, so it only moves when they do.
//!
//! The agent says who stands behind the data: the person (self-entered, imported file), the
//! device, the clinic, Mynaportal, or the core itself (derived BMI). An imported file or a named
//! Mynaportal source is also an `entity` with role `source`.

use super::codes::system;
use super::datatypes::{coding, date_time, derived_id, display_reference, full_url, reference};
use crate::records::{Provenance, Stamp};
use serde_json::{Value, json};

/// The records of one source, gathered while mapping.
pub(crate) struct Source {
    pub provenance: Provenance,
    pub name: Option<String>,
    /// Resource ids made from the source's records.
    pub targets: Vec<String>,
    pub latest: Stamp,
}

fn agent(kind: &str, who: Value) -> Value {
    json!({
        "type": { "coding": [coding(system::PROVENANCE_PARTICIPANT, kind)] },
        "who": who,
    })
}

pub(crate) fn provenance(patient: &str, s: &Source) -> (String, Value) {
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
    let mut r = json!({
        "resourceType": "Provenance",
        "id": id,
        "target": s.targets.iter().map(|t| json!({ "reference": full_url(t) })).collect::<Vec<_>>(),
        "recorded": date_time(s.latest),
        "agent": [agent],
    });
    if let Some(what) = entity {
        r["entity"] = json!([{ "role": "source", "what": what }]);
    }
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
