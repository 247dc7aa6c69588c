#!/usr/bin/env bash
# Installs what the Rust test suites need beyond cargo, idempotently (a second run does nothing):
# - C build inputs for SQLCipher (libssl-dev, pkg-config) when missing;
# - Python's sqlcipher3 (SQLCipher 4 with its own OpenSSL), used by
#   core/tests/backup_opens_in_python_sqlcipher3.rs to prove that a backup opens in another
#   SQLCipher client with the passphrase alone.
set -euo pipefail

PYTHON="${PYTHON:-python3}"
SQLCIPHER3_VERSION="0.6.4"

command -v cargo >/dev/null || { echo "install-test-deps: cargo (rustup) is required" >&2; exit 1; }
need_apt=()
command -v "$PYTHON" >/dev/null || need_apt+=(python3 python3-pip)
[ -e /usr/include/openssl/ssl.h ] || need_apt+=(libssl-dev)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

installed="$("$PYTHON" -c 'import importlib.metadata as m; print(m.version("sqlcipher3"))' 2>/dev/null || true)"
if [ "$installed" != "$SQLCIPHER3_VERSION" ] || ! "$PYTHON" -c 'import sqlcipher3' 2>/dev/null; then
  # Only one of sqlcipher3 / sqlcipher3-binary / sqlcipher3-wheels may be installed: they share
  # the import name.
  "$PYTHON" -m pip install --quiet "sqlcipher3==$SQLCIPHER3_VERSION"
fi
