//! The production [`Transport`]: reqwest (blocking) over rustls with the ring provider, with
//! the connect timeout of [`SyncOptions`], an answer that must begin within `timeout` and be
//! complete within it too (a server dripping bytes is cut off), at most `max_response_bytes`
//! of it, no redirects followed, and `https://` only unless the caller allowed plain loopback
//! (the endpoint check comes first).

use super::options::SyncOptions;
use super::transport::{Method, Request, Response, Transport, Unreachable};
use crate::error::{Error, Result};
use reqwest::blocking::Client as Http;
use reqwest::header::{ACCEPT, CONTENT_TYPE};

const FHIR_JSON: &str = "application/fhir+json";

/// HTTPS to one FHIR base URL.
pub struct HttpTransport {
    http: Http,
    base: String,
    timeout: std::time::Duration,
    max_body: usize,
}

impl HttpTransport {
    /// A transport to `base` (already checked by `endpoint::checked_base`). Fails with
    /// `TlsUnavailable` when the TLS stack cannot be set up (no trust store): retrying would
    /// not help, so it is not `Offline`.
    pub(crate) fn new(base: String, opts: &SyncOptions) -> Result<HttpTransport> {
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
        Ok(HttpTransport {
            http,
            base,
            timeout: opts.timeout,
            max_body: opts.max_response_bytes,
        })
    }
}

impl Transport for HttpTransport {
    fn exchange(&mut self, r: &Request<'_>) -> std::result::Result<Response, Unreachable> {
        let method = match r.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        };
        let url = format!("{}/{}", self.base, r.path.trim_start_matches('/'));
        let mut req = self.http.request(method, url).header(ACCEPT, FHIR_JSON);
        if let Some(b) = r.body {
            req = req.header(CONTENT_TYPE, FHIR_JSON).body(b.to_vec());
        }
        if let Some(t) = r.bearer {
            req = req.bearer_auth(t);
        }
        let started = std::time::Instant::now();
        let resp = req.send().map_err(|_| Unreachable::Lost)?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        if resp
            .content_length()
            .is_some_and(|n| n > self.max_body as u64)
        {
            return Err(Unreachable::Misbehaved(TOO_LARGE));
        }
        let body = match read_capped(resp, started, self.timeout, self.max_body) {
            Ok(b) => b,
            Err(Unreachable::Lost) if !(200..300).contains(&status) => vec![],
            // A success whose body broke off is as unreachable as one that never came; for
            // another status the status is the answer.
            Err(e) => return Err(e),
        };
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

const TOO_LARGE: &str = "answer too large";
const TOO_SLOW: &str = "answer too slow";

/// The body, read in pieces: never more than `max` bytes kept, and the whole of it within
/// `timeout` of `started` (each read also waits at most `timeout`: reqwest's own limit).
fn read_capped(
    mut resp: reqwest::blocking::Response,
    started: std::time::Instant,
    timeout: std::time::Duration,
    max: usize,
) -> std::result::Result<Vec<u8>, Unreachable> {
    use std::io::Read;
    let mut body = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match resp.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut || is_timeout(&e) => {
                return Err(Unreachable::Misbehaved(TOO_SLOW));
            }
            Err(_) => return Err(Unreachable::Lost),
        };
        if n == 0 {
            return Ok(body);
        }
        if body.len() + n > max {
            return Err(Unreachable::Misbehaved(TOO_LARGE));
        }
        body.extend_from_slice(&buf[..n]);
        if started.elapsed() > timeout {
            return Err(Unreachable::Misbehaved(TOO_SLOW));
        }
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
        .is_some_and(reqwest::Error::is_timeout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn an_https_transport_builds_with_the_ring_provider_and_a_closed_port_is_unreachable() {
        let opts = SyncOptions {
            timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(2),
            ..SyncOptions::default()
        };
        // Loopback port 9 (discard) is closed here: the TLS stack is set up, the connect fails.
        let mut t = HttpTransport::new("https://127.0.0.1:9/fhir".into(), &opts).unwrap();
        assert_eq!(t.exchange(&Request::capabilities()), Err(Unreachable::Lost));
    }
}
