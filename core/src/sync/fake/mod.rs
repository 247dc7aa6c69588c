//! An in-memory FHIR R4 server good enough for sync, as a [`Transport`]: sync's rules run
//! against it in plain `cargo test`, in milliseconds. Test code: compiled only into the crate's
//! own tests and with the `test-hooks` feature, never into the library the apps ship.
//!
//! It keeps resources with `meta.versionId` and `meta.lastUpdated` (its own clock, moving on
//! with every write); answers `batch` and `transaction` Bundles of PUT / POST / DELETE / GET
//! entries with one response each (`ifMatch` honoured); reads, writes and deletes single
//! resources; searches with the parameters sync uses ([`search`]); requires a bearer token
//! when asked to (401 otherwise); and fails on purpose ([`Fault`]): scripted for the next
//! matching requests, or seeded random at a rate. A handle is cheap to clone and every clone
//! is the same server, so a test keeps one to look inside while sync uses another.

mod data;
mod faults;
mod search;
mod server;

pub use data::BASE;
pub use faults::{Fault, On};

use super::transport::{Method, Request, Response, Transport, Unreachable};
use data::{Answer, Data};
use faults::RandomFaults;
use serde_json::{Value, json};
use server::Interaction;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How the fake behaves as a server (what a real one may or may not do).
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// Honour `_tag:not` (a server that ignores it returns sync's own copies).
    pub honour_tag_not: bool,
    /// Honour `_include` (else a report's results must be fetched by `_id`).
    pub honour_include: bool,
    /// Give `next` links when a search has more pages.
    pub paging_links: bool,
    /// The largest page the server gives, whatever `_count` asks.
    pub max_count: usize,
    /// How far the server clock moves with each write (0: every write at the same instant).
    pub tick_ms: i64,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            honour_tag_not: true,
            honour_include: true,
            paging_links: true,
            max_count: 1000,
            tick_ms: 1,
        }
    }
}

/// One request as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub bearer: Option<String>,
    /// For a Bundle: each entry as `METHOD url`.
    pub entries: Vec<String>,
    /// The status answered; `None` when no answer came back.
    pub status: Option<u16>,
}

type Hook = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Server {
    data: Data,
    behaviour: Behaviour,
    token: Option<String>,
    scripted: Vec<(On, Fault, usize)>,
    random: Option<RandomFaults>,
    rejects: HashMap<String, u16>,
    hooks: Vec<(On, Hook)>,
    seen: Vec<Seen>,
    pauses: Vec<Duration>,
}

/// The fake server (a handle; clones share it).
#[derive(Clone, Default)]
pub struct FakeFhir(Arc<Mutex<Server>>);

impl FakeFhir {
    pub fn new() -> FakeFhir {
        FakeFhir::default()
    }

    fn lock(&self) -> MutexGuard<'_, Server> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Change how the server behaves.
    pub fn behave(&self, f: impl FnOnce(&mut Behaviour)) {
        f(&mut self.lock().behaviour);
    }

    /// From now on, FHIR requests need `Bearer <token>` (`None`: no auth).
    pub fn require_token(&self, token: Option<&str>) {
        self.lock().token = token.map(str::to_owned);
    }

    /// `fault` for the next `times` requests that match `on` (before any random fault).
    pub fn inject(&self, on: On, fault: Fault, times: usize) {
        self.lock().scripted.push((on, fault, times));
    }

    /// Seeded random faults, each request faulted with probability `rate` (0: none).
    pub fn random_faults(&self, seed: u64, rate: f64) {
        self.lock().random = (rate > 0.0).then(|| RandomFaults::new(seed, rate));
    }

    /// Entries writing or deleting resource `id` are answered `status` (a partial batch
    /// failure), until [`FakeFhir::accept`].
    pub fn reject(&self, id: &str, status: u16) {
        self.lock().rejects.insert(id.to_owned(), status);
    }

    pub fn accept(&self, id: &str) {
        self.lock().rejects.remove(id);
    }

    /// Run `f` while the next request matching `on` is in flight: after the server applied it,
    /// before its answer reaches the client (no lock of the fake is held).
    pub fn during_next(&self, on: On, f: impl FnOnce() + Send + 'static) {
        self.lock().hooks.push((on, Box::new(f)));
    }

    /// Write `resource` as the platform would (new version, server `meta`); returns it stored.
    pub fn put(&self, resource: Value) -> Value {
        let address = format!(
            "{}/{}",
            resource["resourceType"].as_str().unwrap_or_default(),
            resource["id"].as_str().unwrap_or_default()
        );
        let mut s = self.lock();
        let tick = s.behaviour.tick_ms;
        s.data
            .write(&address, resource, tick)
            .resource
            .unwrap_or_default()
    }

    /// Delete `address` as the platform would.
    pub fn remove(&self, address: &str) {
        let mut s = self.lock();
        let tick = s.behaviour.tick_ms;
        s.data.delete(address, tick);
    }

    /// The current version of `address` (`Type/id`), if it exists and is not deleted.
    pub fn resource(&self, address: &str) -> Option<Value> {
        self.lock().data.resources.get(address)?.current().cloned()
    }

    /// How many versions `address` has had (deletions included).
    pub fn versions(&self, address: &str) -> usize {
        self.lock()
            .data
            .resources
            .get(address)
            .map_or(0, |s| s.versions.len())
    }

    /// Ids of the live resources of `rtype`, sorted.
    pub fn ids(&self, rtype: &str) -> Vec<String> {
        let prefix = format!("{rtype}/");
        self.lock()
            .data
            .resources
            .iter()
            .filter(|(a, s)| a.starts_with(&prefix) && s.current().is_some())
            .map(|(a, _)| a[prefix.len()..].to_owned())
            .collect()
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Seen> {
        self.lock().seen.clone()
    }

    /// The waits the client asked for between attempts (the fake does not sleep them).
    pub fn pauses(&self) -> Vec<Duration> {
        self.lock().pauses.clone()
    }

    /// Forget the requests and pauses seen so far.
    pub fn forget_requests(&self) {
        let mut s = self.lock();
        s.seen.clear();
        s.pauses.clear();
    }
}

/// What one exchange comes to once the server's lock is let go.
struct Served {
    answer: Option<Response>,
    hook: Option<Hook>,
    delay: Option<Duration>,
}

impl Server {
    fn take_fault(&mut self, kind: On) -> Option<Fault> {
        if let Some(i) = self
            .scripted
            .iter()
            .position(|(on, _, n)| *n > 0 && on.matches(kind))
        {
            let (_, fault, n) = &mut self.scripted[i];
            *n -= 1;
            let fault = fault.clone();
            self.scripted.retain(|(_, _, n)| *n > 0);
            return Some(fault);
        }
        self.random.as_mut().and_then(RandomFaults::draw)
    }

    fn take_hook(&mut self, kind: On) -> Option<Hook> {
        let i = self.hooks.iter().position(|(on, _)| on.matches(kind))?;
        Some(self.hooks.remove(i).1)
    }

    /// Apply `r` as the server (no faults).
    fn apply(&mut self, r: &Request<'_>) -> Answer {
        if self.token.is_some() && r.bearer != self.token.as_deref() {
            return Answer::error(401, "bearer token required");
        }
        let body: Option<Value> = match r.body.map(serde_json::from_slice) {
            Some(Ok(v)) => Some(v),
            Some(Err(_)) => return Answer::error(400, "the body is not JSON"),
            None => None,
        };
        let path = r.path.trim_start_matches('/');
        if r.method == Method::Post && path.is_empty() {
            let bundle = body.unwrap_or_default();
            return server::bundle(&mut self.data, &self.behaviour, &self.rejects, &bundle);
        }
        let i = Interaction {
            method: r.method.as_str(),
            url: path,
            resource: body.as_ref(),
            if_match: None,
        };
        server::interact(&mut self.data, &self.behaviour, &self.rejects, &i)
    }

    fn serve(&mut self, r: &Request<'_>) -> Served {
        let kind = On::of(r);
        let fault = self.take_fault(kind);
        let hook = self.take_hook(kind);
        let answer = match &fault {
            Some(f) if f.stops_before() => before(f, r),
            _ => {
                let a = self.apply(r);
                match &fault {
                    Some(Fault::Duplicate) => Some(to_response(&self.apply(r))),
                    Some(Fault::DropAfter) => None,
                    Some(Fault::ShortBatchResponse) => Some(short(a)),
                    Some(Fault::Garbage) => Some(Response {
                        status: 200,
                        headers: vec![],
                        body: b"<html>gateway</html>".to_vec(),
                    }),
                    _ => Some(to_response(&a)),
                }
            }
        };
        self.seen.push(Seen {
            method: r.method,
            path: r.path.to_owned(),
            bearer: r.bearer.map(str::to_owned),
            entries: entries_of(r),
            status: answer.as_ref().map(|a| a.status),
        });
        let delay = match fault {
            Some(Fault::Slow(d)) => Some(d),
            _ => None,
        };
        Served {
            answer,
            hook,
            delay,
        }
    }
}

/// The answer to a fault that stops the request before the server applies it.
fn before(f: &Fault, r: &Request<'_>) -> Option<Response> {
    match f {
        Fault::Status(s) => Some(Response::json(
            *s,
            &data::outcome("error", "injected fault"),
        )),
        Fault::TooManyRequests { retry_after_s } => {
            let mut resp = Response::json(429, &data::outcome("error", "slow down"));
            resp.headers
                .push(("retry-after".into(), retry_after_s.to_string()));
            Some(resp)
        }
        Fault::ClaimWithoutApplying => {
            let n = r
                .body
                .and_then(|b| serde_json::from_slice::<Value>(b).ok())
                .and_then(|b| b["entry"].as_array().map(Vec::len))
                .unwrap_or(0);
            let entry: Vec<Value> = (0..n)
                .map(|_| json!({ "response": { "status": "200 OK" } }))
                .collect();
            Some(Response::json(
                200,
                &json!({ "resourceType": "Bundle", "type": "batch-response", "entry": entry }),
            ))
        }
        Fault::Answer(resp) => Some(resp.clone()),
        _ => None,
    }
}

fn short(a: Answer) -> Response {
    let mut body = a.resource.unwrap_or_default();
    if let Some(entries) = body["entry"].as_array_mut() {
        entries.pop();
    }
    to_response(&Answer::ok(a.status, body))
}

fn to_response(a: &Answer) -> Response {
    let body = a.resource.clone().unwrap_or(Value::Null);
    let mut resp = Response::json(a.status, &body);
    if let Some(v) = body["meta"]["versionId"].as_str() {
        resp.headers.push(("etag".into(), format!("W/\"{v}\"")));
    }
    resp
}

fn entries_of(r: &Request<'_>) -> Vec<String> {
    let Some(bundle) = r.body.and_then(|b| serde_json::from_slice::<Value>(b).ok()) else {
        return vec![];
    };
    bundle["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let req = &e["request"];
            format!(
                "{} {}",
                req["method"].as_str().unwrap_or(""),
                req["url"].as_str().unwrap_or("")
            )
        })
        .collect()
}

impl Transport for FakeFhir {
    fn exchange(&mut self, request: &Request<'_>) -> Result<Response, Unreachable> {
        let served = self.lock().serve(request);
        if let Some(hook) = served.hook {
            hook();
        }
        if let Some(d) = served.delay {
            std::thread::sleep(d);
        }
        served.answer.ok_or(Unreachable)
    }

    fn pause(&mut self, d: Duration) {
        self.lock().pauses.push(d);
    }
}
