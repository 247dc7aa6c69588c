//! Which server sync talks to: the recipient's own endpoint in the operator profile (HTTPS), or
//! a test server on loopback named by the caller (plain HTTP only when explicitly allowed).
//! Nothing else: a front end cannot send a subject's data, or a recipient's token, to a server
//! of its choosing. Checked before any connection is made.

use super::options::SyncOptions;
use crate::consent::{OperatorProfile, Recipient};
use crate::error::{Error, Result};
use reqwest::Url;
use std::net::IpAddr;

/// `id`'s entry in the operator profile: sync only talks to the operator's recipients.
pub(crate) fn recipient(profile: &OperatorProfile, id: &str) -> Result<Recipient> {
    profile
        .recipient(id)
        .cloned()
        .ok_or_else(|| Error::invalid("recipient", "is not a recipient of this operator"))
}

/// The checked FHIR base to sync `target` with: the recipient's `fhir_endpoint`, or
/// `options.server_url` when that is a loopback test server (see [`checked_base`]).
pub(crate) fn base_for(target: &Recipient, options: &SyncOptions) -> Result<String> {
    match options.server_url.as_deref() {
        Some(url) => {
            let base = checked_base(url, options.allow_insecure_loopback)?;
            let loopback = Url::parse(&base).is_ok_and(|u| is_loopback(&u));
            if !loopback {
                return Err(Error::invalid(
                    "server_url",
                    "only a test server on loopback may replace the recipient's endpoint",
                ));
            }
            Ok(base)
        }
        None => {
            let url = target.fhir_endpoint.as_deref().ok_or_else(|| {
                Error::invalid("server_url", "the recipient has no FHIR endpoint")
            })?;
            checked_base(url, false)
        }
    }
}

/// `scheme://host[:port]` of a checked base: what a token is bound to.
pub(crate) fn origin_of(base: &str) -> String {
    Url::parse(base).map_or_else(|_| base.to_owned(), |u| u.origin().ascii_serialization())
}

/// The FHIR base URL, checked, without a trailing slash.
pub(crate) fn checked_base(url: &str, allow_insecure_loopback: bool) -> Result<String> {
    let parsed = Url::parse(url).map_err(|_| Error::invalid("server_url", "is not a valid URL"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::invalid("server_url", "must not carry credentials"));
    }
    match parsed.scheme() {
        "https" => {}
        "http" if allow_insecure_loopback && is_loopback(&parsed) => {}
        "http" => {
            return Err(Error::invalid(
                "server_url",
                "must use https (plain http only to loopback, in tests)",
            ));
        }
        _ => return Err(Error::invalid("server_url", "must use https")),
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(a)) => IpAddr::V4(a).is_loopback(),
        Some(url::Host::Ipv6(a)) => IpAddr::V6(a).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_accepted_and_trailing_slash_dropped() {
        assert_eq!(
            checked_base("https://fhir.example.jp/r4/", false).unwrap(),
            "https://fhir.example.jp/r4"
        );
    }

    #[test]
    fn plain_http_is_refused_unless_loopback_and_allowed() {
        for url in [
            "http://fhir.example.jp/r4",
            "http://10.0.0.1/r4",
            "http://127.0.0.1.example.jp/r4",
        ] {
            assert!(checked_base(url, true).is_err(), "{url}");
        }
        assert!(checked_base("http://127.0.0.1:8080/r4", false).is_err());
        for url in [
            "http://127.0.0.1:8080/r4",
            "http://[::1]:8080/r4",
            "http://localhost:9/r4",
        ] {
            assert!(checked_base(url, true).is_ok(), "{url}");
        }
        assert!(checked_base("ftp://127.0.0.1/", true).is_err());
        assert!(checked_base("https://u:p@fhir.example.jp/", false).is_err());
    }

    #[test]
    fn the_destination_is_the_recipients_unless_a_loopback_test_server_is_named() {
        let profile = crate::consent::samples::municipality();
        let target = recipient(&profile, "health-dept").unwrap();
        let mut o = SyncOptions::default();
        assert_eq!(
            base_for(&target, &o).unwrap(),
            "https://phr.city.sample.example.jp/fhir/r4"
        );
        for url in ["https://fhir.example.jp/r4", "https://10.0.0.1/r4"] {
            o.server_url = Some(url.into());
            let e = base_for(&target, &o).unwrap_err();
            assert!(matches!(e, Error::InvalidInput { ref field, .. } if field == "server_url"));
        }
        o.server_url = Some("http://127.0.0.1:8080/fhir".into());
        assert!(
            base_for(&target, &o).is_err(),
            "plain http needs the explicit allowance"
        );
        o.allow_insecure_loopback = true;
        assert_eq!(base_for(&target, &o).unwrap(), "http://127.0.0.1:8080/fhir");
        assert_eq!(
            origin_of("http://127.0.0.1:8080/fhir"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            origin_of("https://phr.city.sample.example.jp/fhir/r4"),
            "https://phr.city.sample.example.jp"
        );
        let mut nowhere = target.clone();
        nowhere.fhir_endpoint = None;
        assert!(base_for(&nowhere, &SyncOptions::default()).is_err());
    }
}
