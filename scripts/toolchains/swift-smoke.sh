#!/usr/bin/env bash
# Smoke test of the Swift toolchain (scripts/toolchains/swift.sh):
#   1. builds tests/toolchains/native/phr_smoke_add.c into a shared library on the HOST
#      (as the Rust cdylib libphr_ffi.so will be built),
#   2. runs `swift test` on tests/toolchains/swift-smoke inside the trixie root; the
#      package reaches the library through a system-library target (module map) and
#      -Xlinker -L/-rpath, and its XCTest suite must pass,
#   3. checks the test binary really links the host-built library,
#   4. runs the suite again with PHR_SMOKE_EXPECT_FAILURE=1 and requires a non-zero exit.
# Prints one summary line on success; on failure, the tail of the log.
# Log: $PHR_TOOLCHAIN_CACHE/logs/swift-smoke.log
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

phr_log_init swift-smoke
"$here/swift.sh"
phr_apt_ensure gcc libc6-dev binutils

tt="$repo/tests/toolchains"          # mounted at /work inside the root
lib_dir_host="$tt/native/build"
lib_dir_root="/work/native/build"

mkdir -p "$lib_dir_host"
phr_run gcc -shared -fPIC -O2 -Wall -Werror -o "$lib_dir_host/libphr_smoke_add.so" \
  "$tt/native/phr_smoke_add.c"

swift_test=(swift test --disable-swift-testing --package-path swift-smoke
  -Xlinker -L"$lib_dir_root" -Xlinker -rpath -Xlinker "$lib_dir_root")

# run_suite OUT_FILE [VAR=VALUE...]: run the suite, keep its output, echo its exit status.
run_suite() {
  local out="$1" rc=0
  shift
  printf '+ %s in-swift-root.sh %s %s\n' "$*" "$tt" "${swift_test[*]}" >>"$PHR_LOG"
  env "$@" "$here/in-swift-root.sh" "$tt" "${swift_test[@]}" </dev/null >"$out" 2>&1 || rc=$?
  cat "$out" >>"$PHR_LOG"
  echo "$rc"
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

rc="$(run_suite "$work/pass.out")"
[[ "$rc" == 0 ]] || phr_die "swift test failed (exit $rc)"
summary="$(grep -E 'Executed [0-9]+ tests?, with 0 failures' "$work/pass.out" | tail -n 1 || true)"
[[ -n "$summary" ]] || phr_die "swift test exited 0 but printed no 'Executed N tests, with 0 failures'"
passed="$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")"
((passed >= 4)) || phr_die "expected at least 4 XCTest cases, ran $passed"

xctest="$tt/swift-smoke/.build/debug/PhrSwiftSmokePackageTests.xctest"
readelf -d "$xctest" 2>>"$PHR_LOG" | grep -q 'NEEDED.*\[libphr_smoke_add\.so\]' ||
  phr_die "$xctest does not link libphr_smoke_add.so"

rc="$(run_suite "$work/fail.out" PHR_SMOKE_EXPECT_FAILURE=1)"
[[ "$rc" != 0 ]] || phr_die "a failing XCTest assertion did not make swift test exit non-zero"
grep -qE 'with 1 failure' "$work/fail.out" ||
  phr_die "swift test exited $rc without reporting the deliberate failure"

version="$(sed -n "s/^export PHR_SWIFT_VERSION='\(.*\)'$/\1/p" "$PHR_TOOLCHAIN_CACHE/swift.env")"
printf 'swift-smoke: Swift %s; deliberate failure exited %s as required\n' "$version" "$rc"
printf 'swift-smoke: %s passed, 0 failed\n' "$passed"
