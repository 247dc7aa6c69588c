#!/usr/bin/env bash
# Idempotent: installs what the test suites need that a fresh machine lacks.
set -euo pipefail

need_apt=()
command -v cargo >/dev/null || { echo "cargo (rustup) is required" >&2; exit 1; }
command -v python3 >/dev/null || need_apt+=(python3 python3-pip)
[ -e /usr/include/openssl/ssl.h ] || need_apt+=(libssl-dev)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
