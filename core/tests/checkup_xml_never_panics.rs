//! A structured mutation fuzzer on stable, run with every `cargo test`: our fixtures mutated
//! by byte flips, truncation, element deletion and duplication, attribute swaps, huge numbers
//! and deep nesting. The parser must return (never panic) and stay fast on each input. The
//! coverage-guided fuzzer is `fuzz/` target `checkup_xml` (cargo-fuzz, nightly); crashes it finds become
//! tests in `checkup_xml_fuzz_regressions.rs`.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use phr_core::checkup_xml;
use proptest::prelude::*;
use std::time::{Duration, Instant};

const FIXTURES: [&str; 3] = [
    include_str!("fixtures/checkup/tokutei_complete.xml"),
    include_str!("fixtures/checkup/tokutei_minimal.xml"),
    include_str!("fixtures/checkup/tokutei_40_results.xml"),
];

/// Byte offsets of every `<` that opens an element (not `</`, `<?`, `<!`).
fn element_starts(s: &str) -> Vec<usize> {
    s.match_indices('<')
        .map(|(i, _)| i)
        .filter(|&i| !matches!(s.as_bytes().get(i + 1), Some(b'/' | b'?' | b'!')))
        .collect()
}

/// The byte range of the element starting at `start` (to its matching end, by depth count).
fn element_range(s: &str, start: usize) -> Option<std::ops::Range<usize>> {
    let mut depth = 0i32;
    let mut i = start;
    while let Some(off) = s[i..].find('<') {
        let at = i + off;
        let close = at + s[at..].find('>')?;
        let tag = &s[at..=close];
        if tag.starts_with("</") {
            depth -= 1;
        } else if !tag.ends_with("/>") && !tag.starts_with("<?") && !tag.starts_with("<!") {
            depth += 1;
        }
        i = close + 1;
        if depth <= 0 {
            return Some(start..i);
        }
    }
    None
}

#[derive(Debug, Clone)]
enum Mutation {
    FlipByte(usize, u8),
    Truncate(usize),
    DeleteElement(usize),
    DuplicateElement(usize),
    SwapAttributeValues(usize, usize),
    HugeNumber(usize),
    DeepNesting(usize, usize),
    InsertBytes(usize, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::FlipByte(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        any::<usize>().prop_map(Mutation::DeleteElement),
        any::<usize>().prop_map(Mutation::DuplicateElement),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapAttributeValues(a, b)),
        any::<usize>().prop_map(Mutation::HugeNumber),
        (any::<usize>(), 1usize..200).prop_map(|(i, n)| Mutation::DeepNesting(i, n)),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(i, b)| Mutation::InsertBytes(i, b)),
    ]
}

fn apply(doc: &str, m: &Mutation) -> Vec<u8> {
    let bytes = doc.as_bytes();
    let starts = element_starts(doc);
    let pick = |i: usize| starts[i % starts.len()];
    let attr_values: Vec<std::ops::Range<usize>> = doc
        .match_indices("=\"")
        .filter_map(|(i, _)| {
            let from = i + 2;
            doc[from..].find('"').map(|len| from..from + len)
        })
        .collect();
    // Earlier mutations may have left no element or no attribute to work on.
    let needs_element = matches!(
        m,
        Mutation::DeleteElement(_) | Mutation::DuplicateElement(_) | Mutation::DeepNesting(..)
    );
    let needs_attribute = matches!(
        m,
        Mutation::SwapAttributeValues(..) | Mutation::HugeNumber(_)
    );
    if (needs_element && starts.is_empty()) || (needs_attribute && attr_values.is_empty()) {
        return bytes.to_vec();
    }
    match m {
        Mutation::FlipByte(i, b) => {
            let mut out = bytes.to_vec();
            let i = i % out.len();
            out[i] ^= b | 1;
            out
        }
        Mutation::Truncate(i) => bytes[..i % bytes.len()].to_vec(),
        Mutation::DeleteElement(i) => match element_range(doc, pick(*i)) {
            Some(r) => [&bytes[..r.start], &bytes[r.end..]].concat(),
            None => bytes.to_vec(),
        },
        Mutation::DuplicateElement(i) => match element_range(doc, pick(*i)) {
            Some(r) => [&bytes[..r.end], &bytes[r.clone()], &bytes[r.end..]].concat(),
            None => bytes.to_vec(),
        },
        Mutation::SwapAttributeValues(a, b) => {
            let (a, b) = (
                attr_values[a % attr_values.len()].clone(),
                attr_values[b % attr_values.len()].clone(),
            );
            let (first, second) = if a.start <= b.start { (a, b) } else { (b, a) };
            if first.end > second.start {
                return bytes.to_vec();
            }
            [
                &bytes[..first.start],
                &bytes[second.clone()],
                &bytes[first.end..second.start],
                &bytes[first.clone()],
                &bytes[second.end..],
            ]
            .concat()
        }
        Mutation::HugeNumber(i) => {
            let r = attr_values[i % attr_values.len()].clone();
            let huge = format!("9{}e99999", "9".repeat(400));
            [&bytes[..r.start], huge.as_bytes(), &bytes[r.end..]].concat()
        }
        Mutation::DeepNesting(i, n) => {
            let at = pick(*i);
            let open = "<text>".repeat(*n);
            let close = "</text>".repeat(*n);
            let r = element_range(doc, at).unwrap_or(at..at);
            [
                &bytes[..r.start],
                open.as_bytes(),
                &bytes[r.clone()],
                close.as_bytes(),
                &bytes[r.end..],
            ]
            .concat()
        }
        Mutation::InsertBytes(i, b) => {
            let i = i % bytes.len();
            [&bytes[..i], b.as_slice(), &bytes[i..]].concat()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn mutated_fixtures_never_panic_and_parse_quickly(
        which in 0usize..FIXTURES.len(),
        ms in proptest::collection::vec(mutation(), 1..4),
    ) {
        let mut doc = FIXTURES[which].as_bytes().to_vec();
        for m in &ms {
            // Mutations work on text; a mutation that broke UTF-8 is fed to the parser as is.
            match std::str::from_utf8(&doc) {
                Ok(s) if !s.is_empty() => doc = apply(s, m),
                _ => break,
            }
        }
        let started = Instant::now();
        let result = checkup_xml::parse(&doc);
        // Debug build on a shared machine: generous, but catches anything super-linear.
        prop_assert!(started.elapsed() < Duration::from_secs(2), "slow input: {ms:?}");
        if let Ok(c) = result {
            prop_assert!(!c.checkup.results.is_empty());
            prop_assert!(c.checkup.results.iter().all(|r| r.code.len() == 17));
        }
    }
}

#[test]
fn many_indented_entries_do_not_hit_the_text_limit() {
    // 500 copies of an observation whose item is not done (no value): indentation between
    // thousands of siblings must not count as the section's text.
    let min = FIXTURES[1];
    let filler = "\n          <entry>\n            <observation classCode=\"OBS\" moodCode=\"EVN\">\n              <code code=\"9N001000000000001\"/>\n            </observation>\n          </entry>".repeat(5000);
    let doc = min.replacen("<section>", &format!("<section>{filler}"), 1);
    let c = checkup_xml::parse(doc.as_bytes()).unwrap();
    assert_eq!(c.not_done, 5000);
}
