//! How sync reaches a recipient's FHIR server: one HTTP exchange at a time, behind a trait.
//!
//! Everything sync decides (what to send, how an answer is read, when to retry, when to ask for a
//! fresh token) sits above this trait, in [`super::client`] and the rules; a transport only moves
//! one request and its answer. The production transport is [`super::HttpTransport`] (reqwest
//! over rustls); the tests use the in-memory FHIR server [`super::fake::FakeFhir`]. A cap on the
//! size of an answer or on the time one exchange may take belongs in the transport: it is the
//! one place that reads the bytes off the wire.

use std::time::Duration;

/// The HTTP methods sync's requests use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// One request to the FHIR server, relative to its base URL.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: Method,
    /// After the base, with its query: `""` (a batch or transaction Bundle), `metadata`,
    /// `Observation?subject=Patient/x&_count=500`, `Observation/abc`.
    pub path: &'a str,
    /// A FHIR JSON body (`application/fhir+json`), if any.
    pub body: Option<&'a [u8]>,
    /// The bearer token to send, if any. A secret: a transport never logs it.
    pub bearer: Option<&'a str>,
}

impl<'a> Request<'a> {
    /// `POST [base]` of a `batch` or `transaction` Bundle.
    pub fn bundle(body: &'a [u8]) -> Request<'a> {
        Request {
            method: Method::Post,
            path: "",
            body: Some(body),
            bearer: None,
        }
    }

    /// `GET [base]/<path>`: a search page (`Type?params`), a read (`Type/id`), `metadata`.
    pub fn get(path: &'a str) -> Request<'a> {
        Request {
            method: Method::Get,
            path,
            body: None,
            bearer: None,
        }
    }

    /// `DELETE [base]/Type/id`.
    pub fn delete(address: &'a str) -> Request<'a> {
        Request {
            method: Method::Delete,
            path: address,
            body: None,
            bearer: None,
        }
    }

    /// `GET [base]/metadata`: the server's CapabilityStatement.
    pub fn capabilities() -> Request<'static> {
        Request::get("metadata")
    }

    /// The same request with `token` as its bearer token.
    pub fn with_bearer(self, token: Option<&'a str>) -> Request<'a> {
        Request {
            bearer: token,
            ..self
        }
    }
}

/// The server's answer: status, headers (names in lower case) and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// An answer with a JSON body and the FHIR content type.
    pub fn json(status: u16, body: &serde_json::Value) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), "application/fhir+json".into())],
            body: serde_json::to_vec(body).unwrap_or_default(),
        }
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why an exchange gave no answer to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreachable {
    /// No connection, reset, timed out before an answer began, or the answer broke off. The
    /// server may or may not have applied the request (every request sync sends is idempotent,
    /// so sending it again is safe).
    Lost,
    /// The answer broke a cap no honest server breaks: larger than the size cap, or still
    /// dripping in when the time cap ran out. Not worth retrying.
    Misbehaved(&'static str),
}

/// Moves one request to the recipient's FHIR server and brings back its answer.
pub trait Transport {
    /// Send `request` and wait for the whole answer.
    fn exchange(&mut self, request: &Request<'_>) -> Result<Response, Unreachable>;

    /// Wait `d` before a retry. The HTTP transport sleeps; a fake may only note it.
    fn pause(&mut self, d: Duration) {
        std::thread::sleep(d);
    }
}
