#!/usr/bin/env bash
# Run the core's whole test suite: first the tools some tests need, then cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
cargo test -p phr-core "$@"
