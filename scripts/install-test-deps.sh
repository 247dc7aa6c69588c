#!/usr/bin/env bash
# Install what the core's tests need beyond cargo: Python's sqlcipher3 (SQLCipher 4, its own
# OpenSSL), used by core/tests/backup_opens_in_python_sqlcipher3.rs to prove a backup opens
# in another SQLCipher client with the passphrase alone. Idempotent: does nothing when the
# pinned version is already installed (pip's own cache makes a reinstall quick).
set -euo pipefail

PYTHON="${PYTHON:-python3}"
SQLCIPHER3_VERSION="0.6.4"

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "install-test-deps: $PYTHON not found; install Python 3 first" >&2
    exit 1
fi

installed="$("$PYTHON" -c 'import importlib.metadata as m; print(m.version("sqlcipher3"))' 2>/dev/null || true)"
if [ "$installed" = "$SQLCIPHER3_VERSION" ] && "$PYTHON" -c 'import sqlcipher3' 2>/dev/null; then
    echo "install-test-deps: sqlcipher3 $SQLCIPHER3_VERSION already installed"
    exit 0
fi

# Only one of sqlcipher3 / sqlcipher3-binary / sqlcipher3-wheels may be installed: they share
# the import name.
"$PYTHON" -m pip install --quiet "sqlcipher3==$SQLCIPHER3_VERSION"
"$PYTHON" -c 'import sqlcipher3; print("install-test-deps: sqlcipher3", sqlcipher3.sqlite_version if hasattr(sqlcipher3, "sqlite_version") else "ok")'
