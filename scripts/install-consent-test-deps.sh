#!/usr/bin/env bash
# Idempotent: the Python FHIR R4 validator the consent tests shell out to
# (fhir.resources 6.4.0 is the last release whose models are R4; it needs pydantic 1), and the
# JOSE library the SMART Health Link decoder test opens the link's file with (jwcrypto).
set -euo pipefail
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 1; }
if python3 -c 'import fhir.resources, pydantic, jwcrypto, sys; sys.exit(0 if fhir.resources.__version__ == "6.4.0" and pydantic.VERSION.startswith("1.") else 1)' 2>/dev/null; then
  exit 0
fi
pkgs=("fhir.resources==6.4.0" "pydantic<2" "jwcrypto==1.5.6")
python3 -m pip install --quiet --disable-pip-version-check "${pkgs[@]}" \
  || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${pkgs[@]}"
