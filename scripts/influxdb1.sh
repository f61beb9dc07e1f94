#!/usr/bin/env bash
# InfluxDB 1.8, the second engine the InfluxDB store is tested on (beside the 2.x of scripts/influxdb.sh).
#
#   scripts/influxdb1.sh install   build influxd 1.8 from the Go module proxy once, cache it, print its path
#   scripts/influxdb1.sh path      print the path of the cached influxd 1.8 (fails when it is not installed)
#
# The tests start their own throwaway server from it (test/helpers/influxdb1-server.ts).
#
# Environment (all optional):
#   NODE_WOT_VO_CACHE    cache root (default ~/.cache/node-wot-vo); binary goes to
#                        $NODE_WOT_VO_CACHE/influxdb/<version>/influxd
#   INFLUXDB1_VERSION    github.com/influxdata/influxdb module version to build (default v1.8.10)
set -euo pipefail

INFLUXDB1_VERSION="${INFLUXDB1_VERSION:-v1.8.10}"
CACHE_ROOT="${NODE_WOT_VO_CACHE:-${HOME:-/root}/.cache/node-wot-vo}/influxdb"
INFLUXD="$CACHE_ROOT/$INFLUXDB1_VERSION/influxd"

log() { echo "influxdb1.sh: $*" >&2; }
die() { echo "influxdb1.sh: error: $*" >&2; exit 1; }

binary_ok() { [ -x "$INFLUXD" ] && "$INFLUXD" version >/dev/null 2>&1; }

cmd_install() {
  if binary_ok; then
    log "cached: $INFLUXD ($("$INFLUXD" version))"
    echo "$INFLUXD"
    return 0
  fi
  mkdir -p "$CACHE_ROOT"
  # Serialize concurrent installs (e.g. parallel CI jobs) so only one builds; its own lock, so it never
  # waits behind the long 2.x build.
  exec 9>"$CACHE_ROOT/.install1.lock"
  flock 9
  if binary_ok; then exec 9>&-; echo "$INFLUXD"; return 0; fi
  command -v go >/dev/null || die "Go toolchain not found (need Go on PATH to build influxd $INFLUXDB1_VERSION)"

  local start_ts bin_dir secs
  start_ts=$(date +%s)
  bin_dir=$(mktemp -d "${TMPDIR:-/tmp}/influxd1-build.XXXXXX")
  # shellcheck disable=SC2064 # expand now: the temp dir is local
  trap "rm -rf '$bin_dir'" EXIT
  log "building influxd $INFLUXDB1_VERSION from the Go module proxy (cold: ~2 min on 2 cores)"
  # Pure Go (1.x has no Flux engine written in Rust): no C toolchain needed. The version goes in by ldflags
  # (upstream's release build does the same): /ping's X-Influxdb-Version header, which clients read, says it.
  GOBIN="$bin_dir" CGO_ENABLED=0 GO111MODULE=on \
    go install -ldflags "-s -w -X main.version=${INFLUXDB1_VERSION#v} -X main.commit=module-proxy -X main.branch=${INFLUXDB1_VERSION}" \
    "github.com/influxdata/influxdb/cmd/influxd@$INFLUXDB1_VERSION" >&2 ||
    die "building influxd $INFLUXDB1_VERSION failed (see above)"
  mkdir -p "$(dirname "$INFLUXD")"
  mv -f "$bin_dir/influxd" "$INFLUXD.tmp" && mv -f "$INFLUXD.tmp" "$INFLUXD"
  rm -rf "$bin_dir"; trap - EXIT
  exec 9>&-
  secs=$(( $(date +%s) - start_ts ))
  log "built $INFLUXD ($("$INFLUXD" version)) in ${secs}s ($((secs / 60))m$((secs % 60))s)"
  echo "$INFLUXD"
}

cmd_path() {
  binary_ok || die "influxd $INFLUXDB1_VERSION is not installed; run: $0 install"
  echo "$INFLUXD"
}

case "${1:-}" in
  install) cmd_install ;;
  path) cmd_path ;;
  -h|--help|help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) echo "usage: $0 {install|path}" >&2; exit 2 ;;
esac
