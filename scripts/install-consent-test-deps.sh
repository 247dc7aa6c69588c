#!/usr/bin/env bash
# Idempotent: the Python FHIR R4 validator the consent tests shell out to
# (fhir.resources 6.4.0 is the last release whose models are R4; it needs pydantic 1).
set -euo pipefail
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 1; }
if python3 -c 'import fhir.resources, pydantic, sys; sys.exit(0 if fhir.resources.__version__ == "6.4.0" and pydantic.VERSION.startswith("1.") else 1)' 2>/dev/null; then
  exit 0
fi
python3 -m pip install --quiet --disable-pip-version-check "fhir.resources==6.4.0" "pydantic<2"
