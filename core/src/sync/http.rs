//! The production [`Transport`]: reqwest (blocking) over rustls with the ring provider, with
//! the whole-request and connect timeouts of [`SyncOptions`], no redirects followed, and
//! `https://` only unless the caller allowed plain loopback (the endpoint check comes first).

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
        Ok(HttpTransport { http, base })
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
        let resp = req.send().map_err(|_| Unreachable)?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let body = match resp.bytes() {
            Ok(b) => Vec::from(b),
            // A success whose body broke off is as unreachable as one that never came; for
            // another status the status is the answer.
            Err(_) if (200..300).contains(&status) => return Err(Unreachable),
            Err(_) => vec![],
        };
        Ok(Response {
            status,
            headers,
            body,
        })
    }
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
        assert_eq!(t.exchange(&Request::capabilities()), Err(Unreachable));
    }
}
