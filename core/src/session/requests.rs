//! The resident's requests ([`crate::requests`]): authorize as the operation itself would, record
//! the request as received, do it through the ordinary operation (so its rules, audit and sync
//! effects are the usual ones), then record its outcome. A request that is refused is recorded
//! as refused, with the error's words (which never hold a value).

use super::Session;
use crate::access::{Access, Action};
use crate::audit::AuditAction;
use crate::consent::{ConsentRequest, DataCategory};
use crate::error::{Error, Result, StorageFailure};
use crate::provision::{self, Provision};
use crate::requests::{self, Correction, RequestKind, RequestStatus, ResidentRequest};
use serde::Serialize;
use std::path::Path;

/// What a disclosure wrote.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, Serialize)]
pub struct Disclosure {
    pub request: ResidentRequest,
    /// FHIR resources in `record.fhir.json`.
    pub resources: u64,
    /// Entries in `provisions.json` / `provisions.csv`.
    pub provisions: u64,
    /// The files written in the folder, by name.
    pub files: Vec<String>,
}

/// The files of a disclosure folder.
pub const DISCLOSURE_FILES: [&str; 4] = [
    "record.fhir.json",
    "provisions.json",
    "provisions.csv",
    "request.json",
];

impl Session {
    /// 開示: `subject`'s whole record (FHIR R4) and provision log written to the new folder
    /// `dir`, with the request's record for the operator. Needs Export (the subject's own, or a
    /// representative holding the `export` scope). On failure the folder is removed.
    pub fn request_disclosure(&self, subject: &str, dir: &Path) -> Result<Disclosure> {
        let (d, request) = self.handle(
            subject,
            RequestKind::Disclosure,
            Action::Export,
            None,
            || {
                let d = self.write_disclosure(subject, dir)?;
                let outcome = format!(
                    "wrote {} FHIR resources and {} provision(s) to {}",
                    d.0,
                    d.1.len(),
                    dir.file_name()
                        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
                );
                Ok((d, outcome))
            },
        )?;
        // The disclosure is made: a request file that cannot be written is left out, not
        // reported as a failure of what happened.
        let profile = self.operator_profile()?;
        let file = dir.join(DISCLOSURE_FILES[3]);
        let with_request = write_new(
            &file,
            requests::to_operator_json(&request, &profile).as_bytes(),
        )
        .is_ok();
        let files = DISCLOSURE_FILES
            .iter()
            .take(if with_request { 4 } else { 3 });
        Ok(Disclosure {
            request,
            resources: d.0 as u64,
            provisions: d.1.len() as u64,
            files: files.map(|f| (*f).to_owned()).collect(),
        })
    }

    /// The record and the log in the new folder `dir`, removed again (it is ours) on failure.
    fn write_disclosure(&self, subject: &str, dir: &Path) -> Result<(usize, Vec<Provision>)> {
        create_private_dir(dir)?;
        self.fill_disclosure(subject, dir).inspect_err(|_| {
            let _ = std::fs::remove_dir_all(dir);
        })
    }

    fn fill_disclosure(&self, subject: &str, dir: &Path) -> Result<(usize, Vec<Provision>)> {
        let file = create_new(&dir.join(DISCLOSURE_FILES[0]))?;
        let mut out = std::io::BufWriter::new(file);
        let resources = self.export_fhir_to(subject, self.now(), &mut out)?;
        std::io::Write::flush(&mut out).map_err(io("disclosure"))?;
        let log = self.provision_log(subject)?;
        write_new(
            &dir.join(DISCLOSURE_FILES[1]),
            provision::to_json(&log).as_bytes(),
        )?;
        write_new(
            &dir.join(DISCLOSURE_FILES[2]),
            provision::to_csv(&log).as_bytes(),
        )?;
        Ok((resources, log))
    }

    /// 訂正: a note on record `id` (an official result is corrected only this way), or new
    /// content for a record the resident entered.
    pub fn request_correction(
        &self,
        subject: &str,
        id: &str,
        correction: Correction,
    ) -> Result<ResidentRequest> {
        let kind = RequestKind::Correction;
        let (_, r) = self.handle(
            subject,
            kind,
            Action::Record,
            Some(id),
            || match correction {
                Correction::Note(text) => {
                    let note = self.annotate_record(subject, id, &text)?;
                    Ok(((), format!("correction note {} added", note.meta.id)))
                }
                Correction::Replace(input) => {
                    let r = self.update_record(subject, id, input)?;
                    Ok((
                        (),
                        format!("record corrected to version {}", r.meta.version),
                    ))
                }
            },
        )?;
        Ok(r)
    }

    /// 第三者提供の停止: a deny, from now on, of every category and purpose the operator offers
    /// `recipient`; what it holds is withdrawn at its next sync.
    pub fn request_stop_of_provision(
        &self,
        subject: &str,
        recipient: &str,
    ) -> Result<ResidentRequest> {
        let kind = RequestKind::StopOfProvision;
        let target = Some(recipient);
        let (_, r) = self.handle(subject, kind, Action::ManageConsent, target, || {
            let profile = self.operator_profile()?;
            let offered: Vec<_> = profile
                .purposes
                .iter()
                .filter(|p| p.recipients.iter().any(|r| r == recipient))
                .collect();
            if offered.is_empty() {
                return Err(Error::invalid(
                    "recipient",
                    "is not a recipient of the operator profile",
                ));
            }
            let mut categories: Vec<DataCategory> =
                offered.iter().flat_map(|p| p.categories.clone()).collect();
            categories.sort_by_key(|c| c.as_str());
            categories.dedup();
            let purposes: Vec<&str> = offered.iter().map(|p| p.code.as_str()).collect();
            let deny = ConsentRequest::deny(recipient, &categories, &purposes);
            let d = self.set_consent(subject, deny)?;
            Ok((
                (),
                format!(
                    "deny {} in force for {} purpose(s); copies withdrawn at the next sync",
                    d.id,
                    purposes.len()
                ),
            ))
        })?;
        Ok(r)
    }

    /// 消去: record `id`, or every record of `subject` (`None`), erased here; recipients delete
    /// their copies at their next sync.
    pub fn request_erasure(&self, subject: &str, id: Option<&str>) -> Result<ResidentRequest> {
        let kind = RequestKind::Erasure;
        let (_, r) = self.handle(subject, kind, Action::Erase, id, || match id {
            Some(id) => {
                self.erase_record(subject, id)?;
                Ok(((), "1 record erased".to_owned()))
            }
            None => {
                let n = self.erase_all_records(subject)?;
                Ok(((), format!("{n} record(s) erased")))
            }
        })?;
        Ok(r)
    }

    /// `subject`'s requests and their outcomes, oldest first.
    pub fn resident_requests(&self, subject: &str) -> Result<Vec<ResidentRequest>> {
        let access = self.authorize(subject, Action::View)?;
        self.store().read(|c| requests::list(c, access.subject()))
    }

    /// The record of request `request_id` of `subject` as the JSON file for the operator.
    pub fn request_for_operator(&self, subject: &str, request_id: &str) -> Result<String> {
        let all = self.resident_requests(subject)?;
        let r = all
            .iter()
            .find(|r| r.id == request_id)
            .ok_or_else(|| Error::not_found("request"))?;
        let profile = self.operator_profile()?;
        Ok(requests::to_operator_json(r, &profile))
    }

    /// Authorize `action`, record the request, run `op`, record its outcome. The outcome not
    /// recorded (the disk filled after the operation) leaves the request "received": `op`
    /// happened, so its result is returned.
    fn handle<T>(
        &self,
        subject: &str,
        kind: RequestKind,
        action: Action,
        target: Option<&str>,
        op: impl FnOnce() -> Result<(T, String)>,
    ) -> Result<(T, ResidentRequest)> {
        let access = self.authorize(subject, action)?;
        let now = self.now();
        let received = self.write(&access, AuditAction::RequestHandled, |w| {
            let who = (kind, access.subject(), access.actor());
            let r = requests::receive(w.tx, who, target, now)?;
            let ids = vec![r.id.clone()];
            Ok((r, ids))
        })?;
        match op() {
            Ok((value, outcome)) => {
                let done = self.complete(&access, &received, RequestStatus::Done, &outcome);
                Ok((value, done.unwrap_or(received)))
            }
            Err(e) => {
                let _ = self.complete(&access, &received, RequestStatus::Refused, &e.to_string());
                Err(e)
            }
        }
    }

    fn complete(
        &self,
        access: &Access,
        r: &ResidentRequest,
        status: RequestStatus,
        outcome: &str,
    ) -> Result<ResidentRequest> {
        let at = self.now();
        self.write(access, AuditAction::RequestHandled, |w| {
            let done = requests::complete(w.tx, &r.id, status, outcome, at)?;
            Ok((done, vec![r.id.clone()]))
        })
    }
}

fn io(what: &'static str) -> impl Fn(std::io::Error) -> Error {
    move |e| Error::Storage(StorageFailure::new(what, e.to_string()))
}

/// A new folder only the user can read (0700); an existing one is refused.
fn create_private_dir(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Error::invalid(
            "dir",
            "already exists: name a new folder for the disclosure",
        ),
        _ => io("disclosure")(e),
    })
}

/// A new file only the user can read (0600).
fn create_new(path: &Path) -> Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path).map_err(io("disclosure"))
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = create_new(path)?;
    std::io::Write::write_all(&mut f, bytes).map_err(io("disclosure"))?;
    f.sync_all().map_err(io("disclosure"))
}
