#!/usr/bin/env bash
# Every test of PHR Core, from a fresh Debian machine: installs what it needs, then runs
# formatting and lint checks, the Rust suites (unit, behaviour, CLI end to end) and the
# cross-language suites as they land. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "installing test dependencies"
scripts/install-test-deps.sh
scripts/install-consent-test-deps.sh
scripts/install-fhir-test-deps.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Rust tests (unit, behaviour, CLI end to end)"
cargo test --workspace --locked

step "benchmarks compile"
cargo bench --workspace --locked --no-run

echo
echo "all tests passed"
