#!/usr/bin/env bash
# Build libphr_ffi.so for Android (arm64-v8a, armeabi-v7a, x86_64) into the :phr module's
# jniLibs, then regenerate the Kotlin bindings. For a developer machine with the Android NDK
# (ANDROID_NDK_HOME) and `cargo install cargo-ndk`; OpenSSL is compiled from source for SQLCipher.
#   scripts/build-android.sh [--debug]        then: cd android && ./gradlew :app:assembleDebug
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
[ "${1:-}" = "--debug" ] && profile=debug
command -v cargo-ndk >/dev/null || { echo "build-android: install cargo-ndk (cargo install cargo-ndk)" >&2; exit 1; }
[ -n "${ANDROID_NDK_HOME:-}" ] || { echo "build-android: set ANDROID_NDK_HOME to the NDK folder" >&2; exit 1; }
rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android

flags=(-p phr-ffi --locked --features phr-core/vendored-openssl)
[ "$profile" = release ] && flags+=(--release)
cargo ndk -t arm64-v8a -t armeabi-v7a -t x86_64 --platform 26 \
  -o android/phr/src/main/jniLibs build "${flags[@]}"

# The bindings come from the host library (same Rust source, same metadata).
PHR_PROFILE="$profile" scripts/gen-bindings.sh
echo "build-android: android/phr/src/main/jniLibs/{arm64-v8a,armeabi-v7a,x86_64}/libphr_ffi.so"
