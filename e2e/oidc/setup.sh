#!/usr/bin/env bash
# Installs what the e2e/oidc test needs: Debian's chromium (when
# /usr/bin/chromium is missing), and npm's oidc-provider (the authorization
# server) and playwright-core (drives Chromium) in <repo>/.cache/npm-oidc.
#
#   bash e2e/oidc/setup.sh
#   MCPBRIDGE_OIDC_NPM_PREFIX=/some/dir bash e2e/oidc/setup.sh   (a relative
#                                  path is taken from the repo root, as the
#                                  test reads it)
#
# Idempotent: with everything at the pinned versions it installs nothing.
# It never downloads a browser build: playwright-core drives
# /usr/bin/chromium. Installing chromium needs root (apt-get).
set -euo pipefail

# Keep these pins in step with oidcProviderVersion and
# playwrightCoreVersion in e2e/oidc/oidc_test.go. oidc-provider 8.x is the
# last line that supports Node 20 (9.x wants Node 22).
OIDC_PROVIDER_VERSION="8.8.1"
PLAYWRIGHT_CORE_VERSION="1.65.1"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${MCPBRIDGE_OIDC_NPM_PREFIX:-$repo/.cache/npm-oidc}"
case "$dir" in
/*) ;;
*) dir="$repo/$dir" ;;
esac
say() { echo "e2e/oidc/setup.sh: $*"; }

if [ ! -x /usr/bin/chromium ]; then
	if [ "$(id -u)" -ne 0 ]; then
		say "/usr/bin/chromium is missing; install it as root: apt-get update && apt-get install chromium" >&2
		exit 1
	fi
	say "installing chromium"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi

for tool in node npm; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		say "$tool is not installed; install Node.js >= 20 (Debian: apt-get install nodejs npm)" >&2
		exit 1
	fi
done
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
	say "node $(node --version) is too old; playwright-core $PLAYWRIGHT_CORE_VERSION needs Node.js >= 20" >&2
	exit 1
fi

version_of() {
	local pkg_json="$dir/node_modules/$1/package.json"
	if [ -f "$pkg_json" ]; then
		node -p "require(process.argv[1]).version" "$pkg_json" 2>/dev/null || true
	fi
}
if [ "$(version_of oidc-provider)" = "$OIDC_PROVIDER_VERSION" ] &&
	[ "$(version_of playwright-core)" = "$PLAYWRIGHT_CORE_VERSION" ]; then
	say "oidc-provider@$OIDC_PROVIDER_VERSION and playwright-core@$PLAYWRIGHT_CORE_VERSION already in $dir"
else
	say "installing oidc-provider@$OIDC_PROVIDER_VERSION and playwright-core@$PLAYWRIGHT_CORE_VERSION into $dir"
	mkdir -p "$dir"
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$dir" --no-audit --no-fund --save-exact \
		"oidc-provider@$OIDC_PROVIDER_VERSION" "playwright-core@$PLAYWRIGHT_CORE_VERSION"
fi

# Check that both load on this Node; a broken install fails here rather
# than in the test.
node --input-type=module -e "
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const require = createRequire(process.argv[1] + '/node_modules/noop.js');
await import(pathToFileURL(require.resolve('oidc-provider')).href);
if (typeof require('playwright-core').chromium?.launchPersistentContext !== 'function') throw new Error('playwright-core has no chromium');
" "$dir"
say "ok (oidc-provider@$OIDC_PROVIDER_VERSION, playwright-core@$PLAYWRIGHT_CORE_VERSION, node $(node --version), $(/usr/bin/chromium --version 2>/dev/null | head -n 1))"
