#!/usr/bin/env bash
# Installs the npm packages the end-to-end tests drive (a real MCP server,
# @modelcontextprotocol/server-everything) into a cache folder, so that
# `go test ./e2e/` can run them without touching the network.
#
#   bash e2e/setup.sh            # installs into <repo>/.cache/npm
#   MCPBRIDGE_NPM_PREFIX=/some/dir bash e2e/setup.sh   (a relative path is
#                                  taken from the repo root, as the tests do)
#
# Idempotent: a second run with the package already at the pinned version
# does nothing. Needs node (>= 18) and npm.
set -euo pipefail

# Keep this pin in step with everythingVersion in e2e/everything_test.go.
EVERYTHING_VERSION="2026.8.31"
PKG="@modelcontextprotocol/server-everything"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${MCPBRIDGE_NPM_PREFIX:-$repo/.cache/npm}"
case "$dir" in
/*) ;;
*) dir="$repo/$dir" ;; # relative to the repo root, as the tests read it
esac

for tool in node npm; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "e2e/setup.sh: $tool is not installed; install Node.js >= 18 (Debian: apt-get install nodejs npm)" >&2
		exit 1
	fi
done

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 18 ]; then
	echo "e2e/setup.sh: node $(node --version) is too old; $PKG needs Node.js >= 18" >&2
	exit 1
fi

pkg_json="$dir/node_modules/$PKG/package.json"
installed=""
if [ -f "$pkg_json" ]; then
	installed="$(node -p "require(process.argv[1]).version" "$pkg_json" 2>/dev/null || true)"
fi

if [ "$installed" = "$EVERYTHING_VERSION" ] && [ -f "$dir/node_modules/$PKG/dist/index.js" ]; then
	echo "e2e/setup.sh: $PKG@$EVERYTHING_VERSION already in $dir"
else
	echo "e2e/setup.sh: installing $PKG@$EVERYTHING_VERSION into $dir"
	mkdir -p "$dir"
	npm install --prefix "$dir" --no-audit --no-fund "$PKG@$EVERYTHING_VERSION"
fi

# Check that the server loads on this Node (it imports every module it needs
# at start); a broken install fails here rather than in the tests.
node --input-type=module -e "
import { pathToFileURL } from 'node:url';
const base = process.argv[1] + '/node_modules/$PKG/dist/';
await import(pathToFileURL(base + 'server/index.js').href);
" "$dir"
echo "e2e/setup.sh: ok ($PKG@$EVERYTHING_VERSION, node $(node --version))"
