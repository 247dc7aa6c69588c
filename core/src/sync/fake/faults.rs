//! What can go wrong between sync and the fake server, on purpose: scripted faults for the
//! next matching requests, or seeded random ones at a rate (like tests/fhir-server/fault-proxy.js).

use crate::sync::transport::{Method, Request, Response};
use std::time::Duration;

/// Which requests a fault (or a hook) applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    Any,
    /// `POST [base]` of a batch or transaction Bundle of records (anything but the Patient's).
    Bundle,
    /// `POST [base]` of the batch that brings the subject's Patient in line (sent on its own,
    /// before the records that point at it).
    PatientBundle,
    /// `GET Type?…`.
    Search,
    /// `GET Type/id`.
    Read,
    /// `PUT`, `POST` or `DELETE` of one resource.
    Write,
    /// `GET metadata`.
    Metadata,
}

impl On {
    /// What kind of request `r` is.
    pub(super) fn of(r: &Request<'_>) -> On {
        let path = r.path.trim_start_matches('/');
        match r.method {
            Method::Post if path.is_empty() && only_the_patient(r.body) => On::PatientBundle,
            Method::Post if path.is_empty() => On::Bundle,
            Method::Get if path == "metadata" || path.starts_with("metadata?") => On::Metadata,
            Method::Get if path.contains('?') || !path.contains('/') => On::Search,
            Method::Get => On::Read,
            _ => On::Write,
        }
    }

    pub(super) fn matches(self, kind: On) -> bool {
        self == On::Any || self == kind
    }
}

/// Whether a Bundle's entries all address the Patient.
fn only_the_patient(body: Option<&[u8]>) -> bool {
    let Some(v) = body.and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok()) else {
        return false;
    };
    v["entry"].as_array().is_some_and(|entries| {
        !entries.is_empty()
            && entries.iter().all(|e| {
                e["request"]["url"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("Patient/"))
            })
    })
}

/// One injected fault.
#[derive(Debug, Clone)]
pub enum Fault {
    /// The connection drops before the server reads the request: nothing applied, no answer.
    DropBefore,
    /// The server applies the request, then the connection drops: applied, no answer (also
    /// what a client timeout looks like when the server was merely slow).
    DropAfter,
    /// Answer this status (500, 503, 408, 400 …) without applying the request.
    Status(u16),
    /// `429 Too Many Requests` with `Retry-After: <seconds>`, not applied.
    TooManyRequests { retry_after_s: u64 },
    /// Apply the request, then answer after this long (real time).
    Slow(Duration),
    /// The request arrives twice (a duplicated delivery): applied twice, the second answered.
    Duplicate,
    /// Lie: apply, then answer a batch-response missing its last entry.
    ShortBatchResponse,
    /// Lie: answer every entry of a Bundle `200 OK` without applying any of it.
    ClaimWithoutApplying,
    /// Lie: apply, then answer `200` with a body that is not JSON.
    Garbage,
    /// Answer exactly this, without applying the request (a hostile server's answer).
    Answer(Response),
}

impl Fault {
    /// Whether the server never sees the request.
    pub(super) fn stops_before(&self) -> bool {
        matches!(
            self,
            Fault::DropBefore
                | Fault::Status(_)
                | Fault::TooManyRequests { .. }
                | Fault::ClaimWithoutApplying
                | Fault::Answer(_)
        )
    }
}

/// Seeded random faults: each request draws one with probability `rate`.
#[derive(Debug, Clone)]
pub(super) struct RandomFaults {
    state: u64,
    rate: f64,
}

/// The faults random ones are drawn from: each one survivable by a correct client.
const DRAWN: &[fn() -> Fault] = &[
    || Fault::DropBefore,
    || Fault::DropAfter,
    || Fault::Status(500),
    || Fault::Status(503),
    || Fault::TooManyRequests { retry_after_s: 1 },
    || Fault::Duplicate,
    || Fault::ShortBatchResponse,
    || Fault::Garbage,
];

impl RandomFaults {
    pub(super) fn new(seed: u64, rate: f64) -> RandomFaults {
        RandomFaults {
            state: seed.max(1),
            rate,
        }
    }

    /// xorshift64*: small, seeded, good enough for choosing faults.
    fn next(&mut self) -> f64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        (self.state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(super) fn draw(&mut self) -> Option<Fault> {
        if self.next() >= self.rate {
            return None;
        }
        let i = ((self.next() * DRAWN.len() as f64) as usize).min(DRAWN.len() - 1);
        Some(DRAWN[i]())
    }
}
