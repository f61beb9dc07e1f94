#!/usr/bin/env bash
# vo-wot (Python, on wotpy2) in a virtual environment, for the tests that drive a node-wot-vo VO with vo-wot's own
# client.
#
#   scripts/vo-wot.sh install   create the virtual environment once from PyPI, cache it, print its python's path
#   scripts/vo-wot.sh path      print the path of the cached python (fails when it is not installed)
#
# Environment (all optional):
#   NODE_WOT_VO_CACHE    cache root (default ~/.cache/node-wot-vo); the environment goes to
#                        $NODE_WOT_VO_CACHE/vo-wot-venv/<version>
#   VO_WOT_VERSION       vo-wot version to install (default 0.19.0)
#   PYTHON               the Python 3.9+ that creates the environment (default python3)
set -euo pipefail

VO_WOT_VERSION="${VO_WOT_VERSION:-0.19.0}"
CACHE_ROOT="${NODE_WOT_VO_CACHE:-${HOME:-/root}/.cache/node-wot-vo}/vo-wot-venv"
VENV="$CACHE_ROOT/$VO_WOT_VERSION"
VENV_PYTHON="$VENV/bin/python"
# Written last: an environment without it is a broken install and is made again.
MARKER="$VENV/.node-wot-vo-installed"
PYTHON="${PYTHON:-python3}"

log() { echo "vo-wot.sh: $*" >&2; }
die() { echo "vo-wot.sh: error: $*" >&2; exit 1; }

venv_ok() {
  [ -f "$MARKER" ] && [ -x "$VENV_PYTHON" ] &&
    "$VENV_PYTHON" -c "import vowot, wotpy2.wot.servient" >/dev/null 2>&1
}

check_python() {
  command -v "$PYTHON" >/dev/null || die "$PYTHON not found (vo-wot needs Python 3.9 or newer; set PYTHON)"
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' ||
    die "$PYTHON is $("$PYTHON" --version 2>&1); vo-wot needs Python 3.9 or newer (set PYTHON)"
  "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null ||
    die "$PYTHON has no venv/ensurepip module (Debian: apt-get install python3-venv)"
}

# PyPI must answer before pip is let loose: pip alone retries for minutes and then prints a stack of warnings.
check_index() {
  local index="${PIP_INDEX_URL:-https://pypi.org/simple}"
  "$PYTHON" - "$index" <<'EOF' || die "cannot reach the Python package index ($index): vo-wot $VO_WOT_VERSION is installed from it (no network?)"
import sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1].rstrip("/") + "/vo-wot/", timeout=20).read(1)
except Exception as ex:
    print(f"vo-wot.sh: {type(ex).__name__}: {ex}", file=sys.stderr)
    sys.exit(1)
EOF
}

cmd_install() {
  if venv_ok; then
    log "cached: $VENV"
    echo "$VENV_PYTHON"
    return 0
  fi
  mkdir -p "$CACHE_ROOT"
  # Serialize concurrent installs (e.g. parallel CI jobs) so only one builds.
  exec 9>"$CACHE_ROOT/.install.lock"
  flock 9
  if venv_ok; then exec 9>&-; echo "$VENV_PYTHON"; return 0; fi
  check_python
  check_index

  local start_ts secs
  start_ts=$(date +%s)
  rm -rf "$VENV"
  log "creating the virtual environment $VENV ($("$PYTHON" --version 2>&1))"
  "$PYTHON" -m venv "$VENV" >&2 || die "python -m venv failed (see above)"
  log "installing vo-wot==$VO_WOT_VERSION and its dependencies from PyPI (cold: about 1 min, numpy and statsmodels are the large ones)"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV_PYTHON" -m pip install --progress-bar off --timeout 30 --retries 2 \
    "vo-wot==$VO_WOT_VERSION" >&2 || { rm -rf "$VENV"; die "pip install vo-wot==$VO_WOT_VERSION failed (see above)"; }
  "$VENV_PYTHON" -c "import vowot, wotpy2.wot.servient" >&2 ||
    { rm -rf "$VENV"; die "vo-wot $VO_WOT_VERSION installed but does not import (see above)"; }
  touch "$MARKER"
  exec 9>&-
  secs=$(( $(date +%s) - start_ts ))
  log "installed vo-wot $VO_WOT_VERSION in $VENV in ${secs}s"
  echo "$VENV_PYTHON"
}

cmd_path() {
  venv_ok || die "vo-wot $VO_WOT_VERSION is not installed; run: $0 install"
  echo "$VENV_PYTHON"
}

case "${1:-}" in
  install) cmd_install ;;
  path) cmd_path ;;
  -h|--help|help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) echo "usage: $0 {install|path}" >&2; exit 2 ;;
esac
