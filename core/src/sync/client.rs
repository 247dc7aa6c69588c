//! Sync's side of every exchange, over any [`Transport`]: bounded retries with exponential
//! backoff and jitter, bearer tokens with one refresh on 401, a request budget, and how an
//! answer is read (JSON on 2xx; 408/429/5xx and a lost connection are worth retrying). The
//! server is trusted with nothing: an answer over the size, count or time cap, a redirect, a
//! 2xx that is not FHIR JSON or not the resource asked for is `ServerMisbehaved`, never
//! retried and never used.
//!
//! Every request sync sends is idempotent (GET, DELETE, PUT by id, and batch Bundles made only
//! of those), so a retry after a lost answer is always safe.

use super::options::{SyncOptions, TokenProvider};
use super::transport::{Request, Transport, Unreachable};
use crate::error::{Error, Result};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// Why one attempt failed.
enum Failure {
    /// Worth retrying: connection or timeout problems (`None`), or a 408/429/5xx status.
    Transient(Option<u16>),
    /// Not worth retrying.
    Fatal(Error),
}

/// What a 2xx answer must be.
#[derive(Clone, Copy)]
enum Expect {
    /// A Bundle (a searchset, a batch-response).
    Bundle,
    /// The server's CapabilityStatement.
    Capabilities,
}

impl Expect {
    fn resource_type(self) -> &'static str {
        match self {
            Expect::Bundle => "Bundle",
            Expect::Capabilities => "CapabilityStatement",
        }
    }
}

pub(crate) struct Client<'t> {
    transport: &'t mut dyn Transport,
    recipient: String,
    /// `scheme://host[:port]` of the server: tokens are asked for and kept for it only.
    origin: String,
    tokens: Option<Arc<dyn TokenProvider>>,
    token: Option<Zeroizing<String>>,
    refreshed: bool,
    /// The token the server last answered 2xx to (sync then keeps it, encrypted).
    accepted: Option<Zeroizing<String>>,
    max_attempts: u32,
    backoff_base: Duration,
    backoff_max: Duration,
    max_requests: u32,
    timeout: Duration,
    max_body: usize,
    max_entries: usize,
    rng: ring::rand::SystemRandom,
    pub requests: u32,
    pub retries: u32,
}

impl<'t> Client<'t> {
    /// A client for `recipient`'s server at `origin` over `transport`. `stored` is the token
    /// this device kept from an earlier sync with that origin: used when the app's provider
    /// has none.
    pub(crate) fn new(
        transport: &'t mut dyn Transport,
        (recipient, origin): (&str, &str),
        opts: &SyncOptions,
        stored: Option<Zeroizing<String>>,
    ) -> Client<'t> {
        let token = opts
            .tokens
            .as_ref()
            .and_then(|t| t.token(recipient, origin))
            .map(Zeroizing::new)
            .or(stored);
        Client {
            transport,
            recipient: recipient.to_owned(),
            origin: origin.to_owned(),
            tokens: opts.tokens.clone(),
            token,
            refreshed: false,
            accepted: None,
            max_attempts: opts.max_attempts.max(1),
            backoff_base: opts.backoff_base,
            backoff_max: opts.backoff_max,
            max_requests: opts.max_requests,
            timeout: opts.timeout,
            max_body: opts.max_response_bytes,
            max_entries: opts.max_page_entries,
            rng: ring::rand::SystemRandom::new(),
            requests: 0,
            retries: 0,
        }
    }

    /// GET a search page `path` (relative to the base, with its query): a Bundle of at most
    /// `max_page_entries` entries.
    pub(crate) fn get(&mut self, path: &str) -> Result<Value> {
        let page = self.send(Request::get(path), Expect::Bundle)?;
        let entries = page["entry"].as_array().map_or(0, Vec::len);
        if entries > self.max_entries {
            return Err(misbehaved("a page over the count cap"));
        }
        Ok(page)
    }

    /// GET the server's CapabilityStatement.
    pub(crate) fn capabilities(&mut self) -> Result<Value> {
        self.send(Request::capabilities(), Expect::Capabilities)
    }

    /// POST a batch Bundle to the base; returns the batch-response.
    pub(crate) fn batch(&mut self, bundle: &Value) -> Result<Value> {
        let body = serde_json::to_vec(bundle)
            .map_err(|_| Error::invalid("bundle", "could not be serialised"))?;
        self.send(Request::bundle(&body), Expect::Bundle)
    }

    fn send(&mut self, request: Request<'_>, expect: Expect) -> Result<Value> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            if self.requests >= self.max_requests {
                return Err(Error::Offline);
            }
            self.requests += 1;
            if attempt > 1 {
                self.retries += 1;
            }
            let failure = match self.attempt(&request, expect) {
                Ok(v) => {
                    if self.accepted != self.token {
                        self.accepted.clone_from(&self.token);
                    }
                    return Ok(v);
                }
                Err(Failure::Fatal(Error::AuthRequired)) if !self.refreshed => {
                    // One refresh per call; the retry does not count as an attempt.
                    self.refreshed = true;
                    self.token = self
                        .tokens
                        .as_ref()
                        .and_then(|t| t.refresh(&self.recipient, &self.origin))
                        .map(Zeroizing::new);
                    if self.token.is_none() {
                        return Err(Error::AuthRequired);
                    }
                    attempt -= 1;
                    continue;
                }
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Transient(status)) => status,
            };
            if attempt >= self.max_attempts {
                return Err(match failure {
                    Some(status) => Error::ServerRejected { status },
                    None => Error::Offline,
                });
            }
            let wait = self.backoff(attempt);
            self.transport.pause(wait);
        }
    }

    fn attempt(&mut self, request: &Request<'_>, expect: Expect) -> Result<Value, Failure> {
        let request = request.with_bearer(self.token.as_deref().map(String::as_str));
        let started = std::time::Instant::now();
        let resp = self.transport.exchange(&request).map_err(|e| match e {
            Unreachable::Lost => Failure::Transient(None),
            Unreachable::Misbehaved(what) => Failure::Fatal(misbehaved(what)),
        })?;
        let fatal = |what| Err(Failure::Fatal(misbehaved(what)));
        match resp.status {
            s @ 200..=299 => {
                // Caps the transport enforces as it reads; checked again for any transport.
                if resp.body.len() > self.max_body {
                    return fatal("answer too large");
                }
                if started.elapsed() > self.timeout {
                    return fatal("answer too slow");
                }
                if resp.header("content-type").is_some_and(|t| !is_json(t)) {
                    return fatal("an answer that is not FHIR JSON");
                }
                let v: Value =
                    serde_json::from_slice(&resp.body).map_err(|_| Failure::Transient(Some(s)))?;
                if v["resourceType"] != expect.resource_type() {
                    return fatal(match v["resourceType"].as_str() {
                        Some("OperationOutcome") => "an OperationOutcome where a resource belongs",
                        _ => "not the resource asked for",
                    });
                }
                Ok(v)
            }
            300..=399 => fatal("a redirect (never followed)"),
            401 => Err(Failure::Fatal(Error::AuthRequired)),
            s @ (408 | 429 | 500..=599) => Err(Failure::Transient(Some(s))),
            status => Err(Failure::Fatal(Error::ServerRejected { status })),
        }
    }

    /// The token the server last accepted, to keep for the next sync (`None`: no token was
    /// sent, or none was accepted). Never a token it refused: a refresh the server then
    /// answered 401 to is not kept.
    pub(crate) fn accepted_token(&self) -> Option<&Zeroizing<String>> {
        self.accepted.as_ref()
    }

    /// Full jitter in the upper half: a random time in [d/2, d].
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .backoff_base
            .saturating_mul(1u32 << (attempt - 1).min(16))
            .min(self.backoff_max);
        let mut b = [0u8; 4];
        let r = match ring::rand::SecureRandom::fill(&self.rng, &mut b) {
            Ok(()) => u32::from_le_bytes(b) as f64 / u32::MAX as f64,
            Err(_) => 0.5,
        };
        exp.mul_f64(0.5 + 0.5 * r)
    }
}

fn misbehaved(what: &str) -> Error {
    Error::ServerMisbehaved { what: what.into() }
}

/// `application/fhir+json`, `application/json` (with parameters, any case).
fn is_json(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    media == "application/fhir+json" || media == "application/json"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::fake::{FakeFhir, Fault, On};

    fn opts() -> SyncOptions {
        SyncOptions {
            max_attempts: 2,
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(1000),
            ..SyncOptions::default()
        }
    }

    #[test]
    fn a_server_that_never_answers_is_offline_after_the_attempts() {
        let mut fake = FakeFhir::new();
        fake.inject(On::Any, Fault::DropBefore, 10);
        let mut c = Client::new(&mut fake, ("r", "https://o"), &opts(), None);
        assert!(matches!(c.capabilities(), Err(Error::Offline)));
        assert_eq!((c.requests, c.retries), (2, 1));
    }

    #[test]
    fn the_last_5xx_is_reported_as_the_servers_refusal() {
        let mut fake = FakeFhir::new();
        fake.inject(On::Any, Fault::Status(503), 10);
        let mut c = Client::new(&mut fake, ("r", "https://o"), &opts(), None);
        assert!(matches!(
            c.capabilities(),
            Err(Error::ServerRejected { status: 503 })
        ));
    }

    #[test]
    fn the_request_budget_bounds_every_loop() {
        let mut o = opts();
        o.max_requests = 1;
        o.max_attempts = 5;
        let mut fake = FakeFhir::new();
        fake.inject(On::Any, Fault::DropBefore, 10);
        let mut c = Client::new(&mut fake, ("r", "https://o"), &o, None);
        assert!(matches!(c.capabilities(), Err(Error::Offline)));
        assert_eq!(c.requests, 1);
    }

    #[test]
    fn backoff_grows_and_stays_within_its_bounds() {
        let mut fake = FakeFhir::new();
        let c = Client::new(&mut fake, ("r", "https://o"), &opts(), None);
        for (attempt, cap) in [(1, 100), (2, 200), (3, 400), (4, 800), (5, 1000), (9, 1000)] {
            let d = c.backoff(attempt).as_millis() as u64;
            assert!(d >= cap / 2 && d <= cap, "attempt {attempt}: {d} ms");
        }
    }

    #[test]
    fn retries_wait_between_attempts_through_the_transport() {
        let mut o = opts();
        o.max_attempts = 4;
        let mut fake = FakeFhir::new();
        fake.inject(On::Any, Fault::Status(500), 3);
        let server = fake.clone();
        let mut c = Client::new(&mut fake, ("r", "https://o"), &o, None);
        assert_eq!(
            c.capabilities().unwrap()["resourceType"],
            "CapabilityStatement"
        );
        let waits: Vec<u128> = server.pauses().iter().map(|d| d.as_millis()).collect();
        assert_eq!(waits.len(), 3);
        for (w, cap) in waits.iter().zip([100, 200, 400]) {
            assert!(*w >= cap / 2 && *w <= cap, "{waits:?}");
        }
    }
}
