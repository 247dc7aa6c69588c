#!/usr/bin/env bash
# Kotlin binding tests on the JVM: the generated Kotlin, the android/phr wrapper (PhrClient) and
# tests/kotlin compiled in ONE kotlinc call with the real Kotlin 2.4.20 compiler, run with JUnit 4
# over JNA against the host build of libphr_ffi.so. Last line: `kotlin: N passed, M failed`;
# exits non-zero on any failure or if the toolchain cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cache="${PHR_TOOLCHAIN_CACHE:-$HOME/.cache/phr-toolchains}"

scripts/toolchains/kotlin.sh || { echo "test-kotlin: the Kotlin toolchain could not be installed" >&2; exit 1; }
# shellcheck disable=SC1091
. "$cache/kotlin.env"

cargo build -p phr-ffi --locked --quiet
libdir="$CARGO_TARGET_DIR/debug"

mapfile -t sources < <(find android/phr/src/main/kotlin tests/kotlin/src -name '*.kt' | sort)
# Compiled classes are cached by the hash of the sources (kotlinc start-up dominates).
hash="$(cat "${sources[@]}" | sha256sum | cut -c1-16)"
classes="$CARGO_TARGET_DIR/kotlin/classes-$hash"
if [ ! -f "$classes/.done" ]; then
  rm -rf "$classes"
  mkdir -p "$classes"
  "$KOTLINC" -nowarn -cp "$PHR_KOTLIN_CP" -d "$classes" "${sources[@]}"
  touch "$classes/.done"
fi

# PHR_JAVA_OPTS: extra JVM flags (the benchmark runs once with an app-sized young generation).
run_main() {
  # shellcheck disable=SC2086
  java ${PHR_JAVA_OPTS:-} -Djna.library.path="$libdir" -cp "$classes:$PHR_KOTLIN_CP" "$@"
}
if [ "${1:-}" = "--bench" ]; then
  shift
  run_main jp.phr.core.bench.FfiBenchKt "$@"
else
  run_main jp.phr.core.test.RunAllKt
fi
