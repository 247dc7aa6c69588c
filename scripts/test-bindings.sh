#!/usr/bin/env bash
# Every binding check: the core without the `uniffi` feature still forbids `unsafe` and lints
# clean; clippy with the feature; the committed generated bindings equal a fresh generation;
# the Kotlin suite (JVM) and the Swift suite (Linux). Installs its toolchains; if one cannot be
# installed, it FAILS (never skips). Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

step() { printf '\n==> %s\n' "$*"; }

step "phr-core alone (no uniffi feature: #![forbid(unsafe_code)] applies)"
cargo clippy -p phr-core --all-targets --locked -- -D warnings

step "clippy with phr-core/uniffi (the workspace as the bindings build it)"
cargo clippy --workspace --all-targets --locked --features phr-core/uniffi -- -D warnings

step "phr-ffi unit tests"
cargo test -p phr-ffi --locked --quiet

step "generated bindings are up to date"
scripts/gen-bindings.sh --check

step "Kotlin bindings (JVM, JUnit 4)"
scripts/test-kotlin.sh

step "Swift bindings (Linux, XCTest)"
scripts/test-swift.sh

echo
echo "bindings: all checks passed"
