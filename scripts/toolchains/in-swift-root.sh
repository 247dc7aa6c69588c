#!/usr/bin/env bash
# Run a command inside the Swift (Debian trixie) root made by scripts/toolchains/swift.sh.
#
# Usage: scripts/toolchains/in-swift-root.sh HOST_DIR COMMAND [ARG...]
#   HOST_DIR is bind-mounted at /work inside the root and is the command's working folder;
#   /proc, /dev and /sys are bind-mounted too. The command's exit status is returned.
#   Everything is unmounted afterwards: the mounts live in a private mount namespace
#   (unshare -m) that vanishes with the process, and a trap unmounts them as well.
#   PATH and HOME are reset for the root (HOME=/root); TMPDIR is dropped; the rest of the
#   environment passes through. Paths inside the root: the package under test is at /work.
# Example:
#   scripts/toolchains/in-swift-root.sh tests/toolchains/swift-smoke swift test
set -euo pipefail

prog="${0##*/}"
if (($# < 2)); then
  printf 'usage: %s HOST_DIR COMMAND [ARG...]\n' "$prog" >&2
  exit 2
fi
if [[ "$(id -u)" != 0 ]]; then
  printf '%s: must run as root (mount, chroot)\n' "$prog" >&2
  exit 2
fi
if [[ ! -d "$1" ]]; then
  printf '%s: not a folder: %s\n' "$prog" "$1" >&2
  exit 2
fi
host_dir="$(cd "$1" && pwd -P)"
shift

cache="${PHR_TOOLCHAIN_CACHE:-${HOME:-/root}/.cache/phr-toolchains}"
root="$cache/swift-root"
if [[ ! -f "$root/.phr-ready" && "${PHR_SWIFT_ROOT_ALLOW_UNREADY:-}" != 1 ]]; then
  printf '%s: no Swift root at %s: run scripts/toolchains/swift.sh first\n' "$prog" "$root" >&2
  exit 2
fi

# Re-run ourselves in a private mount namespace when the kernel allows it: concurrent
# runs then cannot see each other's /work, and nothing stays mounted even after a kill.
if [[ -z "${PHR_SWIFT_ROOT_IN_NS:-}" ]] && unshare --mount --propagation private true 2>/dev/null; then
  export PHR_SWIFT_ROOT_IN_NS=1
  exec unshare --mount --propagation private "$BASH" "${BASH_SOURCE[0]}" "$host_dir" "$@"
fi
if [[ -z "${PHR_SWIFT_ROOT_IN_NS:-}" ]]; then
  # No namespace: the mounts are shared with the host, so run one at a time.
  exec 8>"$cache/swift-root.run.lock"
  flock 8
fi

mounted=()
# shellcheck disable=SC2317  # reached through the EXIT trap
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -R "${mounted[i]}" 2>/dev/null || umount -l -R "${mounted[i]}" 2>/dev/null ||
      printf '%s: warning: could not unmount %s\n' "$prog" "${mounted[i]}" >&2
  done
  mounted=()
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# bind SRC DST [--rbind]
bind() {
  mkdir -p "$2"
  mount "${3:---bind}" "$1" "$2"
  mounted+=("$2")
  # A slave copy: unmounting it later can never propagate back to the host's /dev or /sys.
  mount --make-rslave "$2"
}

bind /proc "$root/proc"
bind /dev "$root/dev" --rbind
bind /sys "$root/sys" --rbind
bind "$host_dir" "$root/work"

rc=0
chroot "$root" /usr/bin/env -u TMPDIR \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  /bin/bash -c 'cd /work && exec "$@"' in-swift-root "$@" || rc=$?
exit "$rc"
