#!/usr/bin/env bash
# Swift binding tests on Linux: the ios/PHRCore package (generated Swift + PHRClient) and its
# XCTest suite, built with Swift 6.0.3 in a Debian trixie root (scripts/toolchains/swift.sh) and
# linked against the host build of libphr_ffi.so. Last line: `swift: N passed, M failed`;
# exits non-zero on any failure or if the toolchain cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

scripts/toolchains/swift.sh || { echo "test-swift: the Swift toolchain could not be installed" >&2; exit 1; }
cargo build -p phr-ffi --locked --quiet

# The repository is mounted at /work inside the root; the library must be under it.
case "$CARGO_TARGET_DIR" in
  "$root"/*) libdir="/work/${CARGO_TARGET_DIR#"$root"/}/debug" ;;
  *) echo "test-swift: CARGO_TARGET_DIR must be inside the repository ($root)" >&2; exit 1 ;;
esac

# The Swift root has no CA store. The core's HTTP client (rustls-platform-verifier, which on
# Linux reads the system store) cannot be built without one, and sync then fails as Offline
# before it asks the token provider. Hand the root the host's bundle through the mounted
# repository (the host's own SSL_CERT_FILE, if set, names a path the root does not have).
for ca in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt; do
  if [ -f "$ca" ]; then
    cp "$ca" "$CARGO_TARGET_DIR/swift-root-ca.pem"
    export SSL_CERT_FILE="/work/${CARGO_TARGET_DIR#"$root"/}/swift-root-ca.pem"
    break
  fi
done

# SwiftPM's build folder lives in the root's /tmp (kept between runs, outside the repository),
# one per checkout so that worktrees testing at the same time do not share it.
scratch="/tmp/phr-swift-build-$(printf '%s' "$root" | sha256sum | cut -c1-12)"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
scripts/toolchains/in-swift-root.sh "$root" swift test --disable-swift-testing \
  --package-path ios/PHRCore --scratch-path "$scratch" \
  -Xlinker -L"$libdir" -Xlinker -rpath -Xlinker "$libdir" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# XCTest's closing summary: "Executed N tests, with M failures (...)".
summary="$(grep -E 'Executed [0-9]+ tests?, with [0-9]+ failures?' "$log" | tail -1 || true)"
if [ -z "$summary" ]; then
  echo "swift: 0 passed, 0 failed (the suite did not run; swift test exited $status)"
  exit 1
fi
total="$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")"
failed="$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$summary")"
echo "swift: $((total - failed)) passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$total" -gt 0 ]
