#!/usr/bin/env bash
# The test hooks of phr-core (a fixed clock, crash points, fault injection, store internals) are
# compiled only into the project's own tests: the library the apps ship (phr-ffi) and the `phr`
# binary are built without the `test-hooks` feature. Fails, naming the crate, if a normal build
# of either would turn it on.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for crate in phr-ffi phr-cli; do
  tree="$(cargo tree -p "$crate" -e normal,features -i phr-core --locked)"
  if grep -q 'feature "test-hooks"' <<<"$tree"; then
    echo "check-test-hooks-off: a normal build of $crate enables phr-core's test-hooks:" >&2
    echo "$tree" >&2
    status=1
  else
    echo "check-test-hooks-off: $crate ships without phr-core's test-hooks"
  fi
done
exit $status
