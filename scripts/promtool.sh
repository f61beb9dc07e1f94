#!/usr/bin/env bash
# Prometheus's promtool, for the test that checks the VO's /metrics exposition.
#
#   scripts/promtool.sh install   build promtool from the Go module proxy once, cache it, print its path
#   scripts/promtool.sh path      print the path of the cached promtool (fails when it is not installed)
#
# Environment (all optional):
#   NODE_WOT_VO_CACHE    cache root (default ~/.cache/node-wot-vo); binary goes to
#                        $NODE_WOT_VO_CACHE/promtool/<version>/promtool
#   PROMETHEUS_VERSION   github.com/prometheus/prometheus module version (default v0.316.0, i.e. Prometheus
#                        3.16; the module's versions are v0.3xx.y because its v3 tags are not Go module versions)
set -euo pipefail

PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-v0.316.0}"
CACHE_ROOT="${NODE_WOT_VO_CACHE:-${HOME:-/root}/.cache/node-wot-vo}/promtool"
PROMTOOL="$CACHE_ROOT/$PROMETHEUS_VERSION/promtool"

log() { echo "promtool.sh: $*" >&2; }
die() { echo "promtool.sh: error: $*" >&2; exit 1; }

binary_ok() { [ -x "$PROMTOOL" ] && "$PROMTOOL" --version >/dev/null 2>&1; }

cmd_install() {
  if binary_ok; then
    log "cached: $PROMTOOL"
    echo "$PROMTOOL"
    return 0
  fi
  mkdir -p "$CACHE_ROOT"
  # Serialize concurrent installs (e.g. parallel CI jobs) so only one builds.
  exec 9>"$CACHE_ROOT/.install.lock"
  flock 9
  if binary_ok; then exec 9>&-; echo "$PROMTOOL"; return 0; fi
  command -v go >/dev/null || die "Go toolchain not found (need the Go version github.com/prometheus/prometheus@$PROMETHEUS_VERSION asks for on PATH)"

  local start_ts bin_dir secs
  start_ts=$(date +%s)
  bin_dir=$(mktemp -d "${TMPDIR:-/tmp}/promtool-build.XXXXXX")
  # shellcheck disable=SC2064 # expand now: the temp dir is local
  trap "rm -rf '$bin_dir'" EXIT
  log "building promtool $PROMETHEUS_VERSION from the Go module proxy (cold: ~5 min on 2 idle cores, 15 on a busy machine)"
  # Pure Go: no C toolchain needed.
  GOBIN="$bin_dir" CGO_ENABLED=0 GO111MODULE=on \
    go install "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION" >&2 ||
    die "building promtool $PROMETHEUS_VERSION failed (see above)"
  mkdir -p "$(dirname "$PROMTOOL")"
  mv -f "$bin_dir/promtool" "$PROMTOOL.tmp" && mv -f "$PROMTOOL.tmp" "$PROMTOOL"
  rm -rf "$bin_dir"; trap - EXIT
  exec 9>&-
  secs=$(( $(date +%s) - start_ts ))
  log "built $PROMTOOL in ${secs}s ($((secs / 60))m$((secs % 60))s)"
  echo "$PROMTOOL"
}

cmd_path() {
  binary_ok || die "promtool $PROMETHEUS_VERSION is not installed; run: $0 install"
  echo "$PROMTOOL"
}

case "${1:-}" in
  install) cmd_install ;;
  path) cmd_path ;;
  -h|--help|help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) echo "usage: $0 {install|path}" >&2; exit 2 ;;
esac
