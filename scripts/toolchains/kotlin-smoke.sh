#!/usr/bin/env bash
# Smoke test of the Kotlin toolchain (scripts/toolchains/kotlin.sh):
#   1. builds tests/toolchains/native/phr_smoke_add.c into a shared library with gcc
#      (a stand-in for the Rust cdylib libphr_ffi.so),
#   2. compiles tests/toolchains/kotlin-smoke/src/**/*.kt in one kotlinc call (cached by
#      a hash of the sources, so a warm run skips it),
#   3. runs the JUnit 4 suite with org.junit.runner.JUnitCore and with the JUnit 5
#      console launcher (vintage engine): it calls a suspend function under runBlocking,
#      and loads JNA and the shared library (-Djna.library.path),
#   4. runs both again with PHR_SMOKE_EXPECT_FAILURE=1 and requires a non-zero exit.
# Prints a summary on success; on failure, the tail of the log.
# Log: $PHR_TOOLCHAIN_CACHE/logs/kotlin-smoke.log
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

phr_log_init kotlin-smoke
"$here/kotlin.sh"
# shellcheck source=/dev/null
source "$PHR_TOOLCHAIN_CACHE/kotlin.env"
phr_apt_ensure gcc libc6-dev

src="$repo/tests/toolchains/kotlin-smoke/src"
native_src="$repo/tests/toolchains/native/phr_smoke_add.c"
state="$PHR_TOOLCHAIN_CACHE/kotlin-smoke"
native_dir="$state/native"
mkdir -p "$native_dir"
phr_run gcc -shared -fPIC -O2 -Wall -Werror -o "$native_dir/libphr_smoke_add.so" "$native_src"

# --- compile (skipped when sources, compiler and classpath are unchanged) ----------------
mapfile -t kt_files < <(find "$src" -name '*.kt' | LC_ALL=C sort)
((${#kt_files[@]} > 0)) || phr_die "no Kotlin sources under $src"
key="$({
  printf '%s\n' "$KOTLINC" "$PHR_KOTLIN_CP"
  for f in "${kt_files[@]}"; do printf '%s\n' "${f#"$src"/}"; cat "$f"; done
} | sha256sum | cut -c1-16)"
classes="$state/classes-$key"
if [[ ! -d "$classes" ]]; then
  rm -rf "$state"/classes-* "$state"/tmp-classes
  phr_run "$KOTLINC" -nowarn -cp "$PHR_KOTLIN_CP" -d "$state/tmp-classes" "${kt_files[@]}"
  mv "$state/tmp-classes" "$classes"
  compiled="compiled ${#kt_files[@]} files"
else
  compiled="classes cached"
fi

java_cmd=(java -Djna.library.path="$native_dir" -cp "$classes:$PHR_KOTLIN_CP")
junit4=("${java_cmd[@]}" org.junit.runner.JUnitCore phr.smoke.SmokeTest)
junit5=(java -Djna.library.path="$native_dir" -jar "$JUNIT5_CONSOLE_JAR" --disable-banner
  --details=summary -cp "$classes:$PHR_KOTLIN_CP" --select-class phr.smoke.SmokeTest)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# run_tests OUT_FILE [VAR=VALUE...] -- CMD...: run, keep the output, echo the exit status.
run_tests() {
  local out="$1" rc=0
  shift
  local vars=()
  while [[ "$1" != -- ]]; do vars+=("$1"); shift; done
  shift
  printf '+ %s %s\n' "${vars[*]}" "$*" >>"$PHR_LOG"
  env "${vars[@]}" "$@" </dev/null >"$out" 2>&1 || rc=$?
  cat "$out" >>"$PHR_LOG"
  echo "$rc"
}

rc="$(run_tests "$work/j4-pass" -- "${junit4[@]}")"
[[ "$rc" == 0 ]] || phr_die "JUnit 4 suite failed (exit $rc)"
passed="$(sed -n 's/^OK (\([0-9]*\) tests\{0,1\})$/\1/p' "$work/j4-pass")"
[[ -n "$passed" ]] || phr_die "JUnitCore exited 0 without 'OK (N tests)'"
((passed >= 4)) || phr_die "expected at least 4 tests, JUnitCore ran $passed"

rc="$(run_tests "$work/j4-fail" PHR_SMOKE_EXPECT_FAILURE=1 -- "${junit4[@]}")"
[[ "$rc" != 0 ]] || phr_die "a failing assertion did not make JUnitCore exit non-zero"
grep -q 'Failures: 1' "$work/j4-fail" || phr_die "JUnitCore exited $rc without reporting the deliberate failure"
j4_fail_rc="$rc"

rc="$(run_tests "$work/j5-pass" -- "${junit5[@]}")"
[[ "$rc" == 0 ]] || phr_die "JUnit 5 console launcher failed (exit $rc)"
grep -qE "\[ +$passed tests successful +\]" "$work/j5-pass" ||
  phr_die "JUnit 5 console launcher did not report $passed successful tests"

rc="$(run_tests "$work/j5-fail" PHR_SMOKE_EXPECT_FAILURE=1 -- "${junit5[@]}")"
[[ "$rc" != 0 ]] || phr_die "a failing assertion did not make the JUnit 5 console launcher exit non-zero"
j5_fail_rc="$rc"

printf 'kotlin-smoke: Kotlin %s (%s); deliberate failure exited %s (JUnitCore) and %s (JUnit 5 console) as required\n' \
  "$(sed -n 's/^version=//p' "$KOTLIN_HOME/.phr-ready")" "$compiled" "$j4_fail_rc" "$j5_fail_rc"
printf 'kotlin-smoke: %s passed, 0 failed\n' "$passed"
