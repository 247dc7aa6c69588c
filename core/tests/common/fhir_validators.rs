//! The two independent FHIR R4 validators the export tests shell out to, installed by
//! scripts/install-fhir-test-deps.sh. A missing validator FAILS the test (never skips it).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

const INSTALL: &str = "run scripts/install-fhir-test-deps.sh";

/// PyPI fhir.resources 6.4.0 (pydantic 1, R4 4.0.1 models): parse the whole Bundle.
const PYTHON: &str = r#"
import json, sys
import fhir.resources, pydantic
assert fhir.resources.__version__ == "6.4.0", fhir.resources.__version__
assert pydantic.VERSION.startswith("1."), pydantic.VERSION
from fhir.resources.bundle import Bundle
data = json.load(open(sys.argv[1], encoding="utf-8"))
try:
    b = Bundle.parse_obj(data)
except pydantic.ValidationError as e:
    print(e, file=sys.stderr)
    sys.exit(1)
print(len(b.entry or []))
"#;

/// npm fhir@4.12.0 (FHIR.js): validate the Bundle and every entry resource; errors only.
const NODE: &str = r#"
const { Fhir } = require('fhir');
const fs = require('fs');
const version = require('fhir/package.json').version;
if (version !== '4.12.0') { console.error('fhir ' + version + ' is not 4.12.0'); process.exit(2); }
const bundle = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
const fhir = new Fhir();
const errors = [];
const check = (label, resource) => {
  for (const m of fhir.validate(resource).messages || []) {
    if (m.severity === 'error') errors.push(label + ' ' + m.location + ': ' + m.message);
  }
};
check('Bundle', bundle);
(bundle.entry || []).forEach((e, i) => check('entry[' + i + '] ' + e.resource.resourceType, e.resource));
if (errors.length) { console.error(errors.join('\n')); process.exit(1); }
console.log((bundle.entry || []).length);
"#;

fn node_dir() -> PathBuf {
    if let Ok(d) = std::env::var("PHR_FHIR_NODE_DIR") {
        return PathBuf::from(d);
    }
    let cache = std::env::var("PHR_TOOLCHAIN_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()))
                .join(".cache/phr-toolchains")
        });
    cache.join("fhir-node")
}

/// What a validator said: `Ok(entry count)` or `Err(its error messages)`.
pub type Verdict = Result<usize, String>;

fn run(mut cmd: Command, what: &str) -> Verdict {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what} could not start ({e}): {INSTALL}"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    match out.status.code() {
        Some(0) => Ok(String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{what} printed no entry count"))),
        Some(1) => Err(stderr),
        _ => panic!("{what} is not installed or broke: {INSTALL}\n{stderr}"),
    }
}

pub fn python_fhir_resources(bundle_file: &Path) -> Verdict {
    let python = std::env::var("PHR_FHIR_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut cmd = Command::new(python);
    cmd.arg("-c").arg(PYTHON).arg(bundle_file);
    run(cmd, "python3 with fhir.resources==6.4.0")
}

pub fn node_fhir_js(bundle_file: &Path) -> Verdict {
    let dir = node_dir();
    let modules = dir.join("node_modules");
    assert!(
        modules.join("fhir/package.json").exists(),
        "npm fhir@4.12.0 not found under {}: {INSTALL}",
        dir.display()
    );
    let mut cmd = Command::new("node");
    cmd.env("NODE_PATH", &modules)
        .arg("-e")
        .arg(NODE)
        .arg(bundle_file);
    run(cmd, "node with npm fhir@4.12.0")
}

/// npm @lhncbc/ucum-lhc@7.1.10 (NLM's UCUM validator): every code in `codes` (one per line in
/// the file) must be a valid UCUM unit; the invalid ones are the error.
const UCUM: &str = r#"
const ucum = require('@lhncbc/ucum-lhc');
const fs = require('fs');
const version = require('@lhncbc/ucum-lhc/package.json').version;
if (version !== '7.1.10') { console.error('ucum-lhc ' + version + ' is not 7.1.10'); process.exit(2); }
const utils = ucum.UcumLhcUtils.getInstance();
const codes = fs.readFileSync(process.argv[1], 'utf8').split('\n').filter(c => c.length);
const bad = codes.filter(c => utils.validateUnitString(c, true).status !== 'valid');
if (bad.length) { console.error('not UCUM: ' + bad.join(' | ')); process.exit(1); }
console.log(codes.length);
"#;

pub fn ucum_lhc(codes_file: &Path) -> Verdict {
    let modules = node_dir().join("node_modules");
    assert!(
        modules.join("@lhncbc/ucum-lhc/package.json").exists(),
        "npm @lhncbc/ucum-lhc@7.1.10 not found under {}: {INSTALL}",
        modules.display()
    );
    let mut cmd = Command::new("node");
    cmd.env("NODE_PATH", &modules)
        .arg("-e")
        .arg(UCUM)
        .arg(codes_file);
    run(cmd, "node with npm @lhncbc/ucum-lhc@7.1.10")
}
