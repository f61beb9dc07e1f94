#!/usr/bin/env bash
# Throwaway InfluxDB 2.x server for node-wot-vo's tests.
#
#   scripts/influxdb.sh install   build influxd from source (Go module proxy + crates.io) once, cache it
#   scripts/influxdb.sh start     install, start on 127.0.0.1 with a temp data dir, onboard, write env file
#   scripts/influxdb.sh stop      stop the server started by `start`, delete its data dir and token
#   scripts/influxdb.sh env       print `export INFLUX_...=...` lines for the running server
#
# Why build from source: no prebuilt InfluxDB 2.x can be downloaded here (only package
# registries are reachable; Debian ships 1.6.7 without the v2 API).
#
# Environment (all optional):
#   NODE_WOT_VO_CACHE    cache root (default ~/.cache/node-wot-vo); binary goes to
#                        $NODE_WOT_VO_CACHE/influxdb/<version>/influxd
#   INFLUXDB_VERSION     influxdb/v2 module version to build (default v2.8.0)
#   INFLUXD_PORT         port to listen on (default 18086; if unset and 18086 is busy, the next free one)
#   INFLUXD_RUN_DIR      where pid/env/token/log files go (default $NODE_WOT_VO_CACHE/influxdb/run)
#   INFLUX_ORG, INFLUX_BUCKET, INFLUX_USERNAME   onboarding values (default wot / wot / wot)
#
# The token is never printed; it is only written to $INFLUXD_RUN_DIR/token (mode 0600).
set -euo pipefail

INFLUXDB_VERSION="${INFLUXDB_VERSION:-v2.8.0}"
CACHE_ROOT="${NODE_WOT_VO_CACHE:-${HOME:-/root}/.cache/node-wot-vo}/influxdb"
INFLUXD="$CACHE_ROOT/$INFLUXDB_VERSION/influxd"
RUN_DIR="${INFLUXD_RUN_DIR:-$CACHE_ROOT/run}"
HOST=127.0.0.1
DEFAULT_PORT=18086
ORG="${INFLUX_ORG:-wot}"
BUCKET="${INFLUX_BUCKET:-wot}"
USERNAME="${INFLUX_USERNAME:-wot}"
# Build tags used by upstream's Makefile, minus `assets` (the web UI is not needed; without
# the tag the static package compiles a stub and needs no generated files).
GO_TAGS="sqlite_foreign_keys,sqlite_json"

PID_FILE="$RUN_DIR/influxd.pid"
DATA_FILE="$RUN_DIR/datadir"   # holds the path of the mktemp data dir
ENV_FILE="$RUN_DIR/env"
TOKEN_FILE="$RUN_DIR/token"
PASSWORD_FILE="$RUN_DIR/password"
LOG_FILE="$RUN_DIR/influxd.log"

log() { echo "influxdb.sh: $*" >&2; }
die() { echo "influxdb.sh: error: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# install
# ---------------------------------------------------------------------------------------------

# Install Debian packages only when missing (CI runs as root with no stdin).
ensure_debs() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages (${missing[*]}) and no apt-get to install them"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "missing packages (${missing[*]}); run as root or install them"
    sudo=(sudo -n)
  fi
  log "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2 </dev/null
}

binary_ok() { [ -x "$INFLUXD" ] && "$INFLUXD" version >/dev/null 2>&1; }

# Print upstream go.mod's replace directives as `go mod edit` flags (handles both forms:
# `replace a v => b v` and a `replace ( ... )` block).
replace_flags() {
  awk '
    /^replace[ \t]*\(/ { blk = 1; next }
    blk && /^\)/      { blk = 0; next }
    /^replace[ \t]/   { sub(/^replace[ \t]+/, ""); line($0); next }
    blk && NF         { line($0) }
    function line(s,   parts, o, n) {
      sub(/[ \t]*\/\/.*$/, "", s)
      split(s, parts, /[ \t]*=>[ \t]*/)
      o = parts[1]; n = parts[2]
      gsub(/^[ \t]+|[ \t]+$/, "", o); gsub(/^[ \t]+|[ \t]+$/, "", n)
      sub(/[ \t]+/, "@", o); sub(/[ \t]+/, "@", n)
      print "-replace=" o "=" n
    }' "$1"
}

# Build influxd into $1/bin/influxd (runs in a subshell: its cd/exports stay local).
build_influxd() (
  set -euo pipefail
  cd "$1"
  local build_dir=$1 gets="$1/go-get.log"
  export GO111MODULE=on CGO_ENABLED=1
  # `go install .../cmd/influxd@v2.x` is refused (upstream go.mod has replace directives), so
  # build through a tiny wrapper module that requires influxdb and copies its replaces.
  go mod init influxd-build 2>/dev/null
  local upstream_mod
  upstream_mod=$(go mod download -json "github.com/influxdata/influxdb/v2@$INFLUXDB_VERSION" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
  [ -f "$upstream_mod" ] || die "cannot download github.com/influxdata/influxdb/v2@$INFLUXDB_VERSION"
  replace_flags "$upstream_mod" > replaces
  if [ -s replaces ]; then xargs go mod edit < replaces; fi
  # Pruned module graph + MVS: the wrapper resolves exactly upstream's dependency versions.
  go get "github.com/influxdata/influxdb/v2/cmd/influxd@$INFLUXDB_VERSION" > "$gets" 2>&1 || { cat "$gets" >&2; exit 1; }

  # flux's cgo code says `#cgo pkg-config: flux`; influxdata's pkg-config wrapper (at the version
  # upstream requires) builds libflux with cargo and hands everything else to the real pkg-config.
  local pc_version
  pc_version=$(go list -m -f '{{.Version}}' github.com/influxdata/pkg-config)
  go get "github.com/influxdata/pkg-config@$pc_version" > "$gets" 2>&1 || { cat "$gets" >&2; exit 1; }
  mkdir -p bin
  go build -o bin/pkg-config github.com/influxdata/pkg-config
  export PKG_CONFIG="$build_dir/bin/pkg-config"

  # flux pins rust 1.72 in rust-toolchain.toml, which rustup cannot download here (only
  # registries are reachable): override it with rustup's default toolchain (e.g. stable).
  if [ -z "${RUSTUP_TOOLCHAIN:-}" ] && command -v rustup >/dev/null; then
    RUSTUP_TOOLCHAIN=$(rustup default 2>/dev/null | awk '{print $1}')
    export RUSTUP_TOOLCHAIN="${RUSTUP_TOOLCHAIN:-stable}"
  fi
  # flux's default `strict` feature does deny(warnings), which newer rustc versions trip over.
  # RUSTFLAGS=--cap-lints=warn fails ("given more than once") on dependencies, where cargo already
  # passes --cap-lints=allow; so a rustc wrapper adds it only when it is absent.
  cat > bin/rustc-cap-lints <<'EOF'
#!/bin/sh
for a in "$@"; do case "$a" in --cap-lints*) exec "$@";; esac; done
exec "$@" --cap-lints=warn
EOF
  chmod +x bin/rustc-cap-lints
  export RUSTC_WRAPPER="$build_dir/bin/rustc-cap-lints"
  unset CARGO_TARGET_DIR CARGO_BUILD_TARGET  # the wrapper expects libflux/target/<triple>/release

  log "flux $(go list -m -f '{{.Version}}' github.com/influxdata/flux), $(cargo --version), $(go version | awk '{print $3}'); go build -tags $GO_TAGS"
  go build -tags "$GO_TAGS" \
    -ldflags "-s -w -X main.version=${INFLUXDB_VERSION#v} -X main.commit=module-proxy -X main.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    -o bin/influxd github.com/influxdata/influxdb/v2/cmd/influxd
  bin/influxd version >/dev/null
)

# Remove the temp build dir however the build ends, and say clearly when it failed.
on_build_exit() {
  local rc=$?
  rm -rf "$BUILD_DIR"
  [ "$rc" -eq 0 ] || echo "influxdb.sh: error: building influxd $INFLUXDB_VERSION failed (see above)" >&2
}

cmd_install() {
  if binary_ok; then
    log "cached: $INFLUXD ($("$INFLUXD" version))"
    return 0
  fi
  mkdir -p "$CACHE_ROOT"
  # Serialize concurrent installs (e.g. parallel CI jobs) so only one builds.
  exec 9>"$CACHE_ROOT/.install.lock"
  flock 9
  if binary_ok; then log "cached: $INFLUXD"; exec 9>&-; return 0; fi

  # gcc/libc6-dev for cgo (sqlite3, libflux); pkg-config is called by influxdata's pkg-config wrapper.
  ensure_debs ca-certificates curl gcc libc6-dev pkg-config
  command -v go >/dev/null || die "Go toolchain not found (need Go >= 1.24 on PATH)"
  command -v cargo >/dev/null || die "Rust toolchain (cargo) not found; flux's libflux is written in Rust"

  local start_ts build_dir
  start_ts=$(date +%s)
  build_dir=$(mktemp -d "${TMPDIR:-/tmp}/influxd-build.XXXXXX")
  BUILD_DIR=$build_dir
  trap on_build_exit EXIT
  log "building influxd $INFLUXDB_VERSION from source in $build_dir (cold: ~7 min on 2 cores, ~3 GB of Go caches)"
  # Not `( ... ) || die`: errexit is ignored inside a subshell on the left of ||.
  build_influxd "$build_dir"

  mkdir -p "$(dirname "$INFLUXD")"
  mv -f "$build_dir/bin/influxd" "$INFLUXD.tmp" && mv -f "$INFLUXD.tmp" "$INFLUXD"
  rm -rf "$build_dir"; trap - EXIT
  exec 9>&-
  local secs=$(( $(date +%s) - start_ts ))
  log "built $INFLUXD ($("$INFLUXD" version)) in ${secs}s ($((secs / 60))m$((secs % 60))s)"
}

# ---------------------------------------------------------------------------------------------
# start / stop / env
# ---------------------------------------------------------------------------------------------

port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# True if the pid file names a live influxd (guards against recycled pids).
running_pid() {
  local pid
  [ -f "$PID_FILE" ] || return 1
  pid=$(cat "$PID_FILE")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q influxd || return 1
  echo "$pid"
}

pick_port() {
  local port
  if [ -n "${INFLUXD_PORT:-}" ]; then
    port_busy "$INFLUXD_PORT" && die "INFLUXD_PORT=$INFLUXD_PORT is already in use on $HOST"
    echo "$INFLUXD_PORT"; return
  fi
  for port in $(seq "$DEFAULT_PORT" $((DEFAULT_PORT + 50))); do
    port_busy "$port" || { echo "$port"; return; }
  done
  die "no free port in $DEFAULT_PORT..$((DEFAULT_PORT + 50)); set INFLUXD_PORT"
}

cmd_start() {
  local pid
  if pid=$(running_pid); then
    log "already running (pid $pid); connection info in $ENV_FILE"
    return 0
  fi
  cmd_install
  mkdir -p "$RUN_DIR"
  stop_quietly  # leftovers of a crashed run (stale pid file, data dir)

  local port url data
  port=$(pick_port)
  url="http://$HOST:$port"
  data=$(mktemp -d "${TMPDIR:-/tmp}/node-wot-vo-influxd.XXXXXX")
  echo "$data" > "$DATA_FILE"

  # INFLUXD_CONFIG_PATH points at the empty data dir so no stray config.* file in $PWD is read.
  INFLUXD_CONFIG_PATH="$data" nohup "$INFLUXD" \
    --http-bind-address "$HOST:$port" \
    --bolt-path "$data/influxd.bolt" \
    --sqlite-path "$data/influxd.sqlite" \
    --engine-path "$data/engine" \
    --reporting-disabled --ui-disabled --log-level warn \
    > "$LOG_FILE" 2>&1 < /dev/null &
  pid=$!
  echo "$pid" > "$PID_FILE"

  # Wait (max 60 s) for /health to report "pass".
  local i
  for i in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || { tail -n 30 "$LOG_FILE" >&2; stop_quietly; die "influxd exited during startup (log: $LOG_FILE)"; }
    curl -fsS "$url/health" 2>/dev/null | grep -q '"status": *"pass"' && break
    [ "$i" -eq 120 ] && { tail -n 30 "$LOG_FILE" >&2; stop_quietly; die "influxd not healthy after 60s (log: $LOG_FILE)"; }
    sleep 0.5
  done

  # Onboard with a random password and token; both go to 0600 files only, and reach curl via
  # stdin (not argv) so they never show up in ps output or logs.
  (umask 077
   head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$TOKEN_FILE"
   head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$PASSWORD_FILE")
  local status body
  body=$(mktemp); chmod 600 "$body"
  status=$(printf '{"username":"%s","password":"%s","org":"%s","bucket":"%s","token":"%s","retentionPeriodSeconds":0}' \
      "$USERNAME" "$(cat "$PASSWORD_FILE")" "$ORG" "$BUCKET" "$(cat "$TOKEN_FILE")" |
    curl -sS -o "$body" -w '%{http_code}' -X POST "$url/api/v2/setup" \
      -H 'Content-Type: application/json' --data-binary @-) || status=000
  if [ "$status" != 201 ]; then
    # An error body carries only a message (a successful one would carry the token).
    log "setup response: $(head -c 500 "$body")"
    rm -f "$body"; stop_quietly
    die "onboarding (POST $url/api/v2/setup) failed with HTTP $status"
  fi
  rm -f "$body"

  { echo "INFLUX_URL=$url"
    echo "INFLUX_ORG=$ORG"
    echo "INFLUX_BUCKET=$BUCKET"
    echo "INFLUX_TOKEN_FILE=$TOKEN_FILE"
  } > "$ENV_FILE"
  log "influxd $("$INFLUXD" version | awk '{print $2}') running at $url (pid $pid, data $data)"
  log "org=$ORG bucket=$BUCKET; token in $TOKEN_FILE; connection info in $ENV_FILE"
}

cleanup_run_files() { rm -f "$PID_FILE" "$DATA_FILE" "$ENV_FILE" "$TOKEN_FILE" "$PASSWORD_FILE"; }

# Stop the server (if any) and remove its data dir and secrets. Safe to call repeatedly.
stop_quietly() {
  local pid data i
  if pid=$(running_pid); then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    log "stopped influxd (pid $pid)"
  fi
  if [ -f "$DATA_FILE" ]; then
    data=$(cat "$DATA_FILE")
    # Only ever delete a dir this script created.
    case "$data" in */node-wot-vo-influxd.*) rm -rf "$data" ;; esac
  fi
  cleanup_run_files
}

cmd_stop() {
  if [ ! -f "$PID_FILE" ] && [ ! -f "$DATA_FILE" ]; then log "not running"; return 0; fi
  stop_quietly
}

cmd_env() {
  if ! running_pid >/dev/null || [ ! -f "$ENV_FILE" ]; then die "influxd is not running; run: $0 start"; fi
  sed 's/^/export /' "$ENV_FILE"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  env) cmd_env ;;
  -h|--help|help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) echo "usage: $0 {install|start|stop|env}" >&2; exit 2 ;;
esac
