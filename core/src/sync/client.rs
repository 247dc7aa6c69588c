//! The HTTP side of sync: reqwest (blocking) over rustls with the ring provider, timeouts,
//! bounded retries with exponential backoff and jitter, bearer tokens with one refresh on 401.
//!
//! Every request sync sends is idempotent (GET, DELETE, PUT by id, and batch Bundles made only
//! of those), so a retry after a lost answer is always safe.

use super::options::{SyncOptions, TokenProvider};
use crate::error::{Error, Result};
use reqwest::blocking::Client as Http;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

const FHIR_JSON: &str = "application/fhir+json";

/// Why one attempt failed.
enum Failure {
    /// Worth retrying: connection or timeout problems (`None`), or a 408/429/5xx status.
    Transient(Option<u16>),
    /// Not worth retrying.
    Fatal(Error),
}

pub(crate) struct Client {
    http: Http,
    base: String,
    recipient: String,
    tokens: Option<Arc<dyn TokenProvider>>,
    token: Option<Zeroizing<String>>,
    refreshed: bool,
    /// The server answered 2xx with the current token (sync then keeps it, encrypted).
    accepted: bool,
    max_attempts: u32,
    backoff_base: Duration,
    backoff_max: Duration,
    max_requests: u32,
    rng: ring::rand::SystemRandom,
    pub requests: u32,
    pub retries: u32,
}

impl Client {
    /// A client for `base` (already checked by [`super::checked_base`]).
    /// `stored` is the token this device kept from an earlier sync: used when the app's
    /// provider has none.
    pub(crate) fn new(
        base: String,
        recipient: &str,
        opts: &SyncOptions,
        stored: Option<Zeroizing<String>>,
    ) -> Result<Client> {
        // The process-wide rustls provider is ring (no aws-lc C build); installing it twice is
        // harmless (the second call reports the first one is in place).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = Http::builder()
            .timeout(opts.timeout)
            .connect_timeout(opts.connect_timeout)
            .https_only(!opts.allow_insecure_loopback)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("phr-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| Error::TlsUnavailable)?;
        let token = opts
            .tokens
            .as_ref()
            .and_then(|t| t.token(recipient))
            .map(Zeroizing::new)
            .or(stored);
        Ok(Client {
            http,
            base,
            recipient: recipient.to_owned(),
            tokens: opts.tokens.clone(),
            token,
            refreshed: false,
            accepted: false,
            max_attempts: opts.max_attempts.max(1),
            backoff_base: opts.backoff_base,
            backoff_max: opts.backoff_max,
            max_requests: opts.max_requests,
            rng: ring::rand::SystemRandom::new(),
            requests: 0,
            retries: 0,
        })
    }

    /// GET `path` (relative to the base, with its query) as JSON.
    pub(crate) fn get(&mut self, path: &str) -> Result<Value> {
        self.send(reqwest::Method::GET, path, None)
    }

    /// POST a batch Bundle to the base; returns the batch-response.
    pub(crate) fn batch(&mut self, bundle: &Value) -> Result<Value> {
        let body = serde_json::to_vec(bundle)
            .map_err(|_| Error::invalid("bundle", "could not be serialised"))?;
        self.send(reqwest::Method::POST, "", Some(body))
    }

    fn send(
        &mut self,
        method: reqwest::Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Value> {
        let url = format!("{}/{}", self.base, path.trim_start_matches('/'));
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
            let failure = match self.attempt(&method, &url, body.as_deref()) {
                Ok(v) => {
                    self.accepted = true;
                    return Ok(v);
                }
                Err(Failure::Fatal(Error::AuthRequired)) if !self.refreshed => {
                    // One refresh per call; the retry does not count as an attempt.
                    self.refreshed = true;
                    self.token = self
                        .tokens
                        .as_ref()
                        .and_then(|t| t.refresh(&self.recipient))
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
            std::thread::sleep(self.backoff(attempt));
        }
    }

    fn attempt(
        &self,
        method: &reqwest::Method,
        url: &str,
        body: Option<&[u8]>,
    ) -> Result<Value, Failure> {
        let mut req = self
            .http
            .request(method.clone(), url)
            .header(ACCEPT, FHIR_JSON);
        if let Some(b) = body {
            req = req.header(CONTENT_TYPE, FHIR_JSON).body(b.to_vec());
        }
        if let Some(t) = &self.token {
            req = req.bearer_auth(t.as_str());
        }
        let resp = req.send().map_err(|_| Failure::Transient(None))?;
        let status = resp.status().as_u16();
        match status {
            200..=299 => {
                // A connection dropped mid-body is as transient as one dropped before it.
                let bytes = resp.bytes().map_err(|_| Failure::Transient(None))?;
                serde_json::from_slice(&bytes).map_err(|_| Failure::Transient(Some(status)))
            }
            401 => Err(Failure::Fatal(Error::AuthRequired)),
            408 | 429 | 500..=599 => Err(Failure::Transient(Some(status))),
            _ => Err(Failure::Fatal(Error::ServerRejected { status })),
        }
    }

    /// The token the server last accepted, to keep for the next sync (`None`: no token was
    /// sent, or none was accepted).
    pub(crate) fn accepted_token(&self) -> Option<&Zeroizing<String>> {
        self.token.as_ref().filter(|_| self.accepted)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> SyncOptions {
        SyncOptions {
            max_attempts: 2,
            backoff_base: Duration::from_millis(1),
            backoff_max: Duration::from_millis(2),
            timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(2),
            ..SyncOptions::default()
        }
    }

    #[test]
    fn an_https_client_builds_with_the_ring_provider_and_a_closed_port_is_offline() {
        // Loopback port 9 (discard) is closed here: the TLS stack is set up, the connect fails.
        let mut c = Client::new("https://127.0.0.1:9/fhir".into(), "r", &opts(), None).unwrap();
        assert!(matches!(c.get("metadata"), Err(Error::Offline)));
        assert_eq!((c.requests, c.retries), (2, 1));
    }

    #[test]
    fn the_request_budget_bounds_every_loop() {
        let mut o = opts();
        o.max_requests = 1;
        o.max_attempts = 5;
        let mut c = Client::new("https://127.0.0.1:9/fhir".into(), "r", &o, None).unwrap();
        assert!(matches!(c.get("metadata"), Err(Error::Offline)));
        assert_eq!(c.requests, 1);
    }

    #[test]
    fn backoff_grows_and_stays_within_its_bounds() {
        let mut o = opts();
        o.backoff_base = Duration::from_millis(100);
        o.backoff_max = Duration::from_millis(1000);
        let c = Client::new("https://127.0.0.1:9/fhir".into(), "r", &o, None).unwrap();
        for (attempt, cap) in [(1, 100), (2, 200), (3, 400), (4, 800), (5, 1000), (9, 1000)] {
            let d = c.backoff(attempt).as_millis() as u64;
            assert!(d >= cap / 2 && d <= cap, "attempt {attempt}: {d} ms");
        }
    }
}
