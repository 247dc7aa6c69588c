#!/usr/bin/env bash
# Build PHRCoreFFI.xcframework (static libphr_ffi.a for iOS devices, the arm64 simulator and the
# x86_64 simulator, with the UniFFI headers and module map) for the ios/PHRCore Swift package.
# macOS with Xcode only. OpenSSL is compiled from source for SQLCipher.
#   scripts/build-ios.sh [--debug]     then open ios/App in Xcode (PHRCore as a local package)
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(uname)" = Darwin ] || { echo "build-ios: needs macOS with Xcode" >&2; exit 1; }
profile=release
[ "${1:-}" = "--debug" ] && profile=debug
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
rustup target add "${targets[@]}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
for t in "${targets[@]}"; do
  flags=(-p phr-ffi --locked --lib --target "$t" --features phr-core/vendored-openssl)
  [ "$profile" = release ] && flags+=(--release)
  cargo build "${flags[@]}"
done

# Regenerate the Swift sources and headers (host build: library mode reads the metadata).
PHR_PROFILE="$profile" scripts/gen-bindings.sh

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
headers="$out/headers"
mkdir -p "$headers"
cp ios/PHRCore/Sources/PHRCoreFFI/include/*.h "$headers/"
# The XCFramework's module map has no `link` line: Xcode links the static library itself.
cat > "$headers/module.modulemap" <<'MAP'
module PHRCoreFFI {
    header "phr_coreFFI.h"
    header "phr_ffiFFI.h"
    export *
}
MAP
lib() { echo "$CARGO_TARGET_DIR/$1/$profile/libphr_ffi.a"; }
# Both simulator architectures go into one fat library.
mkdir -p "$out/sim"
lipo -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" -output "$out/sim/libphr_ffi.a"
rm -rf ios/PHRCore/PHRCoreFFI.xcframework
xcodebuild -create-xcframework \
  -library "$(lib aarch64-apple-ios)" -headers "$headers" \
  -library "$out/sim/libphr_ffi.a" -headers "$headers" \
  -output ios/PHRCore/PHRCoreFFI.xcframework
echo "build-ios: ios/PHRCore/PHRCoreFFI.xcframework"
