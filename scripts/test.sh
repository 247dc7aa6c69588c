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
scripts/install-xml-test-deps.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings
# The workspace builds phr-core with its uniffi feature (generated code needs unsafe impls);
# alone, without it, phr-core must still build under #![forbid(unsafe_code)].
cargo clippy -p phr-core --all-targets --locked -- -D warnings
cargo clippy -p phr-core --all-targets --locked --features sync-tests,validators -- -D warnings

step "test hooks are off in the shipped library and binary"
scripts/check-test-hooks-off.sh

step "Rust tests (unit, behaviour, CLI end to end; crash, stress and full-disk suites included)"
cargo test --workspace --locked --features phr-core/validators

step "sync against a real FHIR server on loopback, through a fault-injecting proxy"
scripts/test-sync.sh

step "generated Kotlin and Swift bindings are up to date"
scripts/gen-bindings.sh --check

step "Kotlin bindings on the JVM (real kotlinc, JUnit 4, JNA)"
scripts/test-kotlin.sh

step "Swift bindings on Linux (Swift 6 in a Debian trixie root, XCTest)"
scripts/test-swift.sh

step "benchmarks compile"
cargo bench --workspace --locked --no-run

echo
echo "all tests passed"
