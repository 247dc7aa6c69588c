# shellcheck shell=bash
# Shared helpers for scripts/toolchains/*.sh. Source it; do not run it.
#
# Conventions:
#   PHR_TOOLCHAIN_CACHE  cache root (default: $HOME/.cache/phr-toolchains)
#   Each script logs its steps to $PHR_TOOLCHAIN_CACHE/logs/<name>.log (overwritten
#   per run) and prints nothing on success apart from its documented output; on a
#   failure it prints the failing step and the tail of that log to stderr.

PHR_TOOLCHAIN_CACHE="${PHR_TOOLCHAIN_CACHE:-${HOME:-/root}/.cache/phr-toolchains}"
export PHR_TOOLCHAIN_CACHE

# phr_log_init NAME: start a fresh log file for this run.
phr_log_init() {
  mkdir -p "$PHR_TOOLCHAIN_CACHE/logs"
  PHR_LOG="$PHR_TOOLCHAIN_CACHE/logs/$1.log"
  : >"$PHR_LOG"
  printf '== %s %s\n' "$(date -u +%FT%TZ)" "$1" >>"$PHR_LOG"
}

# phr_die MESSAGE: print the message and the log's tail, then exit 1.
phr_die() {
  printf '%s: error: %s\n' "${0##*/}" "$1" >&2
  if [[ -n "${PHR_LOG:-}" && -s "$PHR_LOG" ]]; then
    printf -- '--- last lines of %s ---\n' "$PHR_LOG" >&2
    tail -n "${PHR_LOG_TAIL:-40}" "$PHR_LOG" >&2
  fi
  exit 1
}

# phr_run CMD...: run a command with its output appended to the log; die on failure.
phr_run() {
  printf '+ %s\n' "$*" >>"$PHR_LOG"
  local rc=0
  "$@" </dev/null >>"$PHR_LOG" 2>&1 || rc=$?
  if ((rc != 0)); then
    phr_die "step failed (exit $rc): $*"
  fi
}

phr_require_root() {
  if [[ "$(id -u)" != 0 ]]; then
    phr_die "must run as root (apt-get, debootstrap, mount, chroot)"
  fi
}

# phr_deb_installed PKG: true if the Debian package is installed on the host.
phr_deb_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

# phr_apt_ensure PKG...: install the missing ones; 'apt-get update' only if any is missing.
phr_apt_ensure() {
  local missing=() p
  for p in "$@"; do
    phr_deb_installed "$p" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  local apt_opts=(-q -y -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0)
  phr_run env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update
  phr_run env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" \
    install --no-install-recommends "${missing[@]}"
}
