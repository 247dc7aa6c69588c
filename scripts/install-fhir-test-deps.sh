#!/usr/bin/env bash
# Idempotent: installs the two independent FHIR R4 validators the FHIR export tests shell out to.
#  - PyPI fhir.resources 6.4.0 with pydantic<2 (the last release whose models are R4 4.0.1),
#    into the machine's python3;
#  - npm fhir@4.12.0 (FHIR.js, bundled R4 StructureDefinitions) and @lhncbc/ucum-lhc@7.1.10
#    (the NLM UCUM validator, for the units the export writes) into
#    ${PHR_TOOLCHAIN_CACHE:-$HOME/.cache/phr-toolchains}/fhir-node.
# Prints nothing on success. The tests find the node folder through PHR_FHIR_NODE_DIR or that path.
set -euo pipefail

log=$(mktemp)
trap 'rm -f "$log"' EXIT
fail() { echo "install-fhir-test-deps: $1" >&2; cat "$log" >&2; exit 1; }

command -v python3 >/dev/null || fail "python3 is required (scripts/install-test-deps.sh installs it)"
if ! python3 - >/dev/null 2>&1 <<'PY'
import fhir.resources, pydantic
assert fhir.resources.__version__ == "6.4.0"
assert pydantic.VERSION.startswith("1.")
PY
then
  python3 -m pip --version >/dev/null 2>&1 || {
    apt-get update -qq >"$log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >>"$log" 2>&1
  } || fail "could not install pip"
  python3 -m pip install -q --disable-pip-version-check 'fhir.resources==6.4.0' 'pydantic<2' >"$log" 2>&1 \
    || python3 -m pip install -q --disable-pip-version-check --break-system-packages 'fhir.resources==6.4.0' 'pydantic<2' >"$log" 2>&1 \
    || fail "pip install fhir.resources==6.4.0 failed"
fi

node_dir="${PHR_FHIR_NODE_DIR:-${PHR_TOOLCHAIN_CACHE:-$HOME/.cache/phr-toolchains}/fhir-node}"
if ! [ -f "$node_dir/node_modules/fhir/package.json" ] \
  || ! grep -q '"version": "4.12.0"' "$node_dir/node_modules/fhir/package.json" \
  || ! [ -f "$node_dir/node_modules/@lhncbc/ucum-lhc/package.json" ] \
  || ! grep -q '"version": "7.1.10"' "$node_dir/node_modules/@lhncbc/ucum-lhc/package.json"; then
  if ! command -v npm >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; } >"$log" 2>&1 \
      || fail "could not install nodejs and npm"
  fi
  mkdir -p "$node_dir"
  [ -f "$node_dir/package.json" ] || echo '{"name":"phr-fhir-validators","private":true}' >"$node_dir/package.json"
  (cd "$node_dir" && npm install --silent --no-audit --no-fund --no-save fhir@4.12.0 @lhncbc/ucum-lhc@7.1.10) >"$log" 2>&1 \
    || fail "npm install fhir@4.12.0 @lhncbc/ucum-lhc@7.1.10 failed"
fi
