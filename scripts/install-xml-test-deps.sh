#!/usr/bin/env bash
# Idempotent (a second run does nothing): xmllint from libxml2-utils, which
# core/tests/checkup_xml_fixtures_match_the_xsd.rs shells out to in order to validate our own
# health-checkup fixtures against the official MHLW hc08 XSD.
set -euo pipefail
if command -v xmllint >/dev/null; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libxml2-utils >/dev/null
command -v xmllint >/dev/null || { echo "install-xml-test-deps: xmllint still missing" >&2; exit 1; }
