//! Which server URLs sync may talk to: HTTPS, or plain HTTP to loopback when the caller
//! explicitly allows it (tests). Checked before any connection is made.

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

/// The checked FHIR base to sync `target` with: `options.server_url`, else the recipient's
/// `fhir_endpoint` (see [`checked_base`]).
pub(crate) fn base_for(target: &Recipient, options: &SyncOptions) -> Result<String> {
    let url = options
        .server_url
        .as_deref()
        .or(target.fhir_endpoint.as_deref())
        .ok_or_else(|| Error::invalid("server_url", "the recipient has no FHIR endpoint"))?;
    checked_base(url, options.allow_insecure_loopback)
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
}
