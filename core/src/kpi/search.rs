//! The municipality reading contributions from its own FHIR server: a `MeasureReport` search per
//! KPI, following the server's `next` links page by page (each page is aggregated and dropped,
//! so memory stays the aggregator's). A `next` link to anywhere but the same base is refused:
//! a server that lies about its paging does not send the reader elsewhere. Same transport rules
//! as sync: https only (plain http only to loopback when allowed), timeouts, a size cap, no
//! redirects.

use super::aggregate::Aggregator;
use crate::consent::KpiDefinition;
use crate::error::{Error, Result};
use crate::sync::{HttpTransport, Request, SyncOptions, Transport};

/// More pages than this is a server paging in circles (10 million contributions at 1,000 a page).
const MAX_PAGES: usize = 10_000;

/// Read every contribution the server at `base` holds for `kpis` into `agg`; the pages read.
pub fn read_server(
    agg: &mut Aggregator<'_>,
    base: &str,
    kpis: &[KpiDefinition],
    opts: &SyncOptions,
    token: Option<&str>,
) -> Result<usize> {
    let base = crate::sync::checked_base(base, opts.allow_insecure_loopback)?;
    let mut t = HttpTransport::new(base.clone(), opts)?;
    read_pages(agg, &base, kpis, &mut t, token)
}

fn read_pages(
    agg: &mut Aggregator<'_>,
    base: &str,
    kpis: &[KpiDefinition],
    t: &mut dyn Transport,
    token: Option<&str>,
) -> Result<usize> {
    let mut pages = 0;
    for k in kpis {
        let mut path = format!("MeasureReport?measure={}&_count=1000", k.measure_url());
        loop {
            let r = t
                .exchange(&Request::get(&path).with_bearer(token))
                .map_err(|_| Error::Offline)?;
            if r.status != 200 {
                return Err(Error::invalid(
                    "server",
                    format!("the MeasureReport search answered HTTP {}", r.status),
                ));
            }
            agg.add_json(&r.body);
            pages += 1;
            let page: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
            let next = page["link"].as_array().and_then(|links| {
                links
                    .iter()
                    .find(|l| l["relation"] == "next")
                    .and_then(|l| l["url"].as_str())
                    .map(str::to_owned)
            });
            let Some(next) = next else { break };
            let Some(rest) = next.strip_prefix(&format!("{base}/")) else {
                return Err(Error::invalid(
                    "server",
                    "a next link leads away from the server searched",
                ));
            };
            if rest == path || pages >= MAX_PAGES {
                return Err(Error::invalid(
                    "server",
                    "the search's paging does not end (a page repeats, or too many pages)",
                ));
            }
            path = rest.to_owned();
        }
    }
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::{Response, Unreachable};
    use serde_json::json;

    /// A server whose every page says the next one is `next`.
    struct Lying(String);

    impl Transport for Lying {
        fn exchange(&mut self, _: &Request<'_>) -> std::result::Result<Response, Unreachable> {
            let page = json!({ "resourceType": "Bundle", "type": "searchset", "entry": [],
                               "link": [{ "relation": "next", "url": &self.0 }] });
            Ok(Response::json(200, &page))
        }
    }

    #[test]
    fn a_server_that_lies_about_its_paging_is_refused() {
        let kpis = crate::consent::samples::municipality().kpis;
        let mut agg = Aggregator::new(&kpis);
        let base = "https://fhir.example.jp/r4";
        for next in [
            "https://evil.example.com/r4/MeasureReport?page=2",
            "https://fhir.example.jp/r4/MeasureReport?measure=urn:phr-core:kpi:kenko-plan-2026:steps-8000&_count=1000",
        ] {
            let e = read_pages(&mut agg, base, &kpis, &mut Lying(next.into()), None).unwrap_err();
            assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
        }
    }
}
