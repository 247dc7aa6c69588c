#!/usr/bin/env bash
# FFI round-trip benchmark from Kotlin on the JVM (docs/PERFORMANCE.md, "FFI round trip").
# Builds phr-ffi in the debug profile (dependencies at opt-level 3, our own crates unoptimised,
# as the workspace sets it), then runs jp.phr.core.bench.FfiBench on JNA.
#   scripts/bench-kotlin.sh [TRIVIAL_ITERATIONS [AGGREGATE_ITERATIONS]]
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/test-kotlin.sh --bench "$@"
