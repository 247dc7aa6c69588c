//! Health-checkup XML import (issue "FHIR R4 (JP Core) export and import, and the
//! health-checkup XML import"): parse throughput for a 40-result 特定健診 document, in
//! documents/s and results/s (criterion's throughput is set to the result count, so its
//! "elem/s" is results/s; documents/s = results/s ÷ 40).

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use phr_core::checkup_xml;
use std::hint::black_box;

const FORTY: &[u8] = include_bytes!("../tests/fixtures/checkup/tokutei_40_results.xml");

fn parse(c: &mut Criterion) {
    let results = checkup_xml::parse(FORTY).unwrap().checkup.results.len();
    assert_eq!(results, 40);
    let mut g = c.benchmark_group("checkup_xml");
    g.throughput(Throughput::Elements(results as u64));
    g.bench_function("parse_40_results", |b| {
        b.iter(|| checkup_xml::parse(black_box(FORTY)).unwrap())
    });
    g.throughput(Throughput::Bytes(FORTY.len() as u64));
    g.bench_function("parse_40_results_bytes", |b| {
        b.iter(|| checkup_xml::parse(black_box(FORTY)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
