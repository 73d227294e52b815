#!/usr/bin/env bash
# What translating between protocol eras costs: ../shared/bench/compare.sh
# with mcpbridge twice, in one run against the same floor (the shared raw
# echo server, plain HTTP): passing messages through to that 2025-11-25
# server, and translating for the benchmark's 2025-11-25 client to
# bench/modernecho, the same raw server speaking only 2026-07-28.
#
#   bash bench/translation.sh [EXTRA NAME='COMMAND {URL}' ...]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
shared=${MCPBRIDGE_SHARED_BENCH:-$repo/../shared/bench}
work=$(mktemp -d)
trap 'kill $srv 2>/dev/null || true; rm -rf "$work"' EXIT
(cd "$repo" && go build -o "$work/mcpbridge" ./cmd/mcpbridge && go build -o "$work/modernecho" ./bench/modernecho)
"$work/modernecho" >"$work/url" 2>"$work/modern.log" &
srv=$!
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
modern=$(head -1 "$work/url")
echo "modern-only server: $modern" >&2
bash "$shared/compare.sh" \
	"mcpbridge-pass-through=$work/mcpbridge {URL}" \
	"mcpbridge-translating=$work/mcpbridge $modern" \
	"$@"
