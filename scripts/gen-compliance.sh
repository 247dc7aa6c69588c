#!/usr/bin/env bash
# Regenerate docs/COMPLIANCE.md (English) and docs/COMPLIANCE.ja.md (Japanese): the output of
# `phr compliance` on the embedded municipal sample profile. The test suite fails when they
# are stale (cli/tests/compliance.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run -q -p phr-cli -- compliance --lang en --out docs/COMPLIANCE.md
cargo run -q -p phr-cli -- compliance --lang ja --out docs/COMPLIANCE.ja.md
