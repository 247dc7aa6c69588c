#!/usr/bin/env bash
# FFI round-trip benchmark from Kotlin on the JVM (docs/PERFORMANCE.md, "FFI round trip").
# Builds phr-ffi in the debug profile (dependencies at opt-level 3, our own crates unoptimised,
# as the workspace sets it), then runs jp.phr.core.bench.FfiBench on JNA twice:
#   1. the JVM's defaults on this machine (G1, a young generation sized for a 24 GB host);
#   2. an app-sized young generation (-Xmn8m), closer to a phone's heap: JNA tracks every
#      native allocation (UniFFI's per-call status struct) in a map until the GC frees it, so
#      the per-call cost grows with how long garbage waits for a collection.
#   scripts/bench-kotlin.sh [TRIVIAL_ITERATIONS [AGGREGATE_ITERATIONS]]
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== JVM defaults"
scripts/test-kotlin.sh --bench "$@"
echo "== -Xmn8m (app-sized young generation)"
PHR_JAVA_OPTS="-Xmn8m" scripts/test-kotlin.sh --bench "$@"
