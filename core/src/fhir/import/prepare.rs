//! What the writer is to do with each planned resource, decided on the thread that mapped it:
//! a record validated by the same rules as every other write ([`Validation`]), the Patient
//! checked against the person the import is for, the identities turned into record ids.

use super::{Identity, Outcome, PlannedItem, PlannedRecord};
use crate::error::Error;
use crate::records::import::{Kept, Prepared, Ready};
use crate::records::{Person, Validation, derived_id};

/// Where a refused field sits in the JSON: the exact field, else the longest prefix
/// (`results[3].code` → the line's path).
fn field_path(fields: &[(String, String)], path: &str, field: &str) -> String {
    if let Some((_, p)) = fields.iter().find(|(f, _)| f == field) {
        return p.clone();
    }
    fields
        .iter()
        .filter(|(f, _)| field.starts_with(f.as_str()))
        .max_by_key(|(f, _)| f.len())
        .map(|(f, p)| format!("{p} ({})", field[f.len()..].trim_start_matches('.')))
        .unwrap_or_else(|| format!("{path} ({field})"))
}

/// The record id an identity names for `subject`: a UUID as is, anything else derived.
fn candidate(subject: &str, i: &Identity) -> String {
    match i {
        Identity::Uuid(u) => u.clone(),
        Identity::Foreign(k) => derived_id(&[b"fhir-import", subject.as_bytes(), k.as_bytes()]),
    }
}

/// What the writer is to do with a planned resource, decided on the thread that mapped it:
/// a record validated by the same rules as every other write, the Patient checked against
/// `person`. What the writer does not need (the model input, the field paths) is dropped here.
pub(crate) fn prepare<'a>(
    item: PlannedItem<'a>,
    subject: &str,
    person: &Person,
    check: &Validation,
) -> Prepared<'a> {
    let PlannedItem {
        path,
        resource_type,
        resource_id,
        full_url,
        original,
        outcome,
    } = item;
    let r = match outcome {
        Outcome::Record(r) => r,
        Outcome::Patient(facts) => {
            // A partial birth date (`1960`) is checked as far as it goes.
            return match facts.birth_date {
                Some(d) if !d.contains(person.details.birth_date) => {
                    Prepared::Failed(Error::invalid(
                        format!("{path}.birthDate"),
                        "this Patient is not the person the import is for",
                    ))
                }
                _ => Prepared::Skipped((path, resource_type), "the Patient is this person".into()),
            };
        }
        Outcome::Document { reason } => {
            let kept = Kept {
                path,
                resource_type,
                resource_id,
                full_url,
                original,
                reason,
            };
            return kept.prepared(None);
        }
        Outcome::Skipped { reason } => return Prepared::Skipped((path, resource_type), reason),
        Outcome::LineOf { .. } => return Prepared::Line,
    };
    let PlannedRecord {
        input,
        identity,
        fields,
        last_updated,
        as_given,
    } = *r;
    match check.prepare(input) {
        Ok((body, effective)) => Prepared::Record(Ready {
            candidates: identity.iter().map(|i| candidate(subject, i)).collect(),
            named: (path, resource_type),
            full_url,
            original,
            last_updated,
            body,
            effective,
            as_given,
        }),
        Err(Error::InvalidInput { field, reason }) => {
            let why = format!("{}: {reason}", field_path(&fields, &path, &field));
            let reason = format!("refused by the record model: {why}");
            let kept = Kept {
                path,
                resource_type,
                resource_id,
                full_url,
                original,
                reason,
            };
            kept.prepared(Some(why))
        }
        Err(e) => Prepared::Failed(e),
    }
}
