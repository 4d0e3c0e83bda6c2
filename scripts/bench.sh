#!/usr/bin/env bash
# scripts/bench.sh (make bench): the product load benchmark.
#
# Builds bin/tollgate, starts a one-worker nginx backend, an nginx proxy_pass
# with upstream keepalive and Tollgate (GOMAXPROCS=1), configures Tollgate
# through its admin API (one group, one API GET /hello, deployed to test),
# (the default per-API rate limit raised out of reach, so that the traffic
# stage runs without refusing), then measures in one run, with the layout
# and method of bench/lib.sh
# (wrk on CPU 0; backend and proxy on CPU 1, one worker each; interleaved
# rounds; medians; CPU time per request from /proc/PID/stat):
#
#   direct    the backend itself
#   nginx     nginx proxy_pass, upstream keepalive
#   tollgate  Tollgate proxying one API
#
# Prints the table and writes it into the "Latest make bench" section of
# docs/benchmarks.md (replacing the previous one). Every process it starts is
# stopped on exit; traffic goes to 127.0.0.1 only.
#
# Environment:
#   BENCH_ROUNDS=3 BENCH_DURATION=5 BENCH_WARMUP=2 BENCH_CONNS=50
#   BENCH_NO_TOLLGATE=1   measure direct and nginx only (no build, no docs)
#   BENCH_NO_DOCS=1       do not touch docs/benchmarks.md
#   BENCH_TOLLGATE_BIN=F  measure binary F as `tollgate` instead of building
#                         bin/tollgate
#   BENCH_TOLLGATE_ARGS=A more `tollgate serve` flags for the `tollgate`
#                         target (word-split), e.g. --access-log=false
#   BENCH_STD=1           also measure `tollgate-std`: the same binary with
#                         --upstream-client=std (net/http's Transport)
#   BENCH_BASELINE=F      also measure binary F (an older build, say) as
#                         `tollgate-baseline`, in the same interleaved rounds
#   BENCH_CPUPROFILE=F    the `tollgate` target writes a CPU profile of its
#                         whole life to F (TOLLGATE_CPUPROFILE); it covers
#                         only its own load, since the others are idle then.
#                         `tollgate-std` writes F.std, `tollgate-baseline`
#                         F.baseline (if that binary knows the variable)
#   BENCH_MEMPROFILE=F    likewise an allocation profile (TOLLGATE_MEMPROFILE)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=../bench/lib.sh
. "$root/bench/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-bench.XXXXXX")
trap 'bench_cleanup; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

bench_need_tools
with_tollgate=1
[ "${BENCH_NO_TOLLGATE:-}" = 1 ] && with_tollgate=0

tollgate_bin="$root/bin/tollgate"
if [ "$with_tollgate" = 1 ]; then
	if [ -n "${BENCH_TOLLGATE_BIN:-}" ]; then
		tollgate_bin=$(realpath "$BENCH_TOLLGATE_BIN")
	else
		bench_log "building bin/tollgate"
		go build -o bin/tollgate ./cmd/tollgate || bench_die "go build ./cmd/tollgate failed"
	fi
	[ -z "${BENCH_BASELINE:-}" ] || [ -x "$BENCH_BASELINE" ] || bench_die "BENCH_BASELINE=$BENCH_BASELINE is not an executable"
fi

machine=$(bench_machine) # before our own processes load the machine

bport=$(bench_free_port)
bench_start_backend "$work/backend" "$bport"
bench_wait_ok "http://127.0.0.1:$bport/hello" || bench_die "backend does not answer"
bench_add_target direct "http://127.0.0.1:$bport/hello" "" "$BACKEND_PID"

nport=$(bench_free_port)
bench_start_nginx_proxy "$work/nginx" "$nport" "$bport"
bench_add_target nginx "http://127.0.0.1:$nport/hello" "" "$NGINX_PROXY_PID"

# admin METHOD PATH [JSON]: one admin API call; prints the response body.
admin() {
	local method=$1 path=$2 data=${3:-} out code
	out="$work/admin.out"
	code=$(curl -sS -m 10 -o "$out" -w '%{http_code}' -X "$method" \
		-H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		${data:+--data "$data"} "http://127.0.0.1:$aport$path") || code=000
	case $code in
	2??) cat "$out" ;;
	*) bench_die "admin $method $path: HTTP $code: $(cat "$out" 2>/dev/null)" ;;
	esac
}

# start_tollgate NAME BINARY [ENV=VALUE...] [-- ARGS...]: starts one
# Tollgate pinned like the others (CPU 1, GOMAXPROCS=1), configures it
# through its admin API (one group, GET /hello, deployed to test) and adds
# it as target NAME.
start_tollgate() {
	local name=$1 bin=$2 envs=() args=() tport data group thost tollgate_pid
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	args=("$@")
	tport=$(bench_free_port)
	aport=$(bench_free_port)
	data="$work/$name-data"
	mkdir -p "$data"
	# Since the traffic stage, every API has a default limit (500 calls/s):
	# raise it out of reach, so that the stage runs (and costs what it
	# costs) without refusing the load. Older binaries have no such flag.
	if "$bin" serve -h 2>&1 | grep -- '-default-api-qps' >/dev/null; then
		args=(--default-api-qps=4294967295 ${args[@]+"${args[@]}"})
	fi
	bench_spawn "$work/$name.log" env GOMAXPROCS=1 ${envs[@]+"${envs[@]}"} "$bin" serve \
		--listen "127.0.0.1:$tport" --admin-listen "127.0.0.1:$aport" \
		--data "$data" --base-domain localhost ${args[@]+"${args[@]}"}
	tollgate_pid=$SPAWNED_PID
	for _ in $(seq 1 300); do
		curl -fsS -m 1 -o /dev/null "http://127.0.0.1:$aport/readyz" 2>/dev/null && [ -s "$data/admin-token" ] && break
		kill -0 "$tollgate_pid" 2>/dev/null || { cat "$work/$name.log" >&2; bench_die "$name exited"; }
		sleep 0.1
	done
	curl -fsS -m 1 -o /dev/null "http://127.0.0.1:$aport/readyz" ||
		{ cat "$work/$name.log" >&2; bench_die "$name not ready after 30 s"; }
	token=$(tr -d ' \r\n' <"$data/admin-token")

	bench_log "configuring $name through its admin API"
	group=$(admin POST /v1/groups '{"name":"bench"}' | sed -n 's/.*"groupId"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
	[ -n "$group" ] || bench_die "POST /v1/groups returned no groupId"
	admin POST "/v1/groups/$group/apis" '{"name":"hello","method":"GET","path":"/hello"}' >/dev/null
	admin PUT "/v1/groups/$group/backends/test" "{\"type\":\"http\",\"urls\":[\"http://127.0.0.1:$bport\"]}" >/dev/null
	admin POST "/v1/groups/$group/revisions" '{"revision":"1.0.0"}' >/dev/null
	admin POST "/v1/groups/$group/deployments" '{"revision":"1.0.0","environment":"test"}' >/dev/null
	thost="$group-test.localhost"
	bench_wait_ok "http://127.0.0.1:$tport/hello" "$thost" || {
		curl -sS -m 2 -i -H "Host: $thost" "http://127.0.0.1:$tport/hello" >&2 || true
		bench_die "$name does not proxy $thost/hello to the backend"
	}
	bench_add_target "$name" "http://127.0.0.1:$tport/hello" "$thost" "$tollgate_pid"
}

# prof_env SUFFIX: the profiling variables for one target, as env args.
prof_env() {
	[ -n "${BENCH_CPUPROFILE:-}" ] && echo "TOLLGATE_CPUPROFILE=$(realpath "$BENCH_CPUPROFILE")$1"
	[ -n "${BENCH_MEMPROFILE:-}" ] && echo "TOLLGATE_MEMPROFILE=$(realpath "$BENCH_MEMPROFILE")$1"
	true
}

extra_targets=
if [ "$with_tollgate" = 1 ]; then
	# shellcheck disable=SC2046 # one word per line, no spaces in paths
	# shellcheck disable=SC2086 # BENCH_TOLLGATE_ARGS is word-split on purpose
	start_tollgate tollgate "$tollgate_bin" $(prof_env "") -- ${BENCH_TOLLGATE_ARGS:-}
	if [ -n "${BENCH_TOLLGATE_ARGS:-}" ]; then
		extra_targets="$extra_targets BENCH_TOLLGATE_ARGS='$BENCH_TOLLGATE_ARGS'"
	fi
	if [ "${BENCH_STD:-}" = 1 ]; then
		# shellcheck disable=SC2046
		start_tollgate tollgate-std "$tollgate_bin" $(prof_env .std) -- --upstream-client=std
		extra_targets="$extra_targets BENCH_STD=1"
	fi
	if [ -n "${BENCH_BASELINE:-}" ]; then
		# shellcheck disable=SC2046
		start_tollgate tollgate-baseline "$(realpath "$BENCH_BASELINE")" $(prof_env .baseline)
		extra_targets="$extra_targets BENCH_BASELINE=$BENCH_BASELINE"
	fi
fi

raw="$work/raw.txt"
bench_run "$raw"
mkdir -p bench/out
cp "$raw" bench/out/bench-raw.txt

date=$(date -u +'%Y-%m-%d %H:%M UTC')
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain -- cmd internal go.mod go.sum 2>/dev/null)" ]; then
	commit="$commit + uncommitted changes in the working tree"
fi
section="$work/section.md"
{
	echo "## Latest make bench"
	echo
	echo "Written by \`scripts/bench.sh\`; do not edit by hand."
	echo
	echo "- Command: \`make bench\` (\`BENCH_ROUNDS=$BENCH_ROUNDS BENCH_DURATION=$BENCH_DURATION BENCH_WARMUP=$BENCH_WARMUP BENCH_CONNS=$BENCH_CONNS$extra_targets scripts/bench.sh\`)"
	echo "- Date: $date, commit $commit"
	echo "- Machine: $machine"
	echo "- Layout: wrk -t1 -c$BENCH_CONNS pinned to CPU $BENCH_WRK_CPU; the backend (nginx, 1 worker, 50-byte JSON) and the proxy under test pinned to CPU $BENCH_SUT_CPU, one worker each (nginx worker_processes 1; Tollgate GOMAXPROCS=1); $BENCH_ROUNDS interleaved rounds x ${BENCH_DURATION}s after a ${BENCH_WARMUP}s warm-up per target; medians. CPU µs/req is the proxy process's utime+stime from /proc/PID/stat over the run divided by the requests wrk counted (for \`direct\`, the backend's)."
	echo
	bench_table "$raw" nginx direct
	if [ "$with_tollgate" = 1 ]; then
		echo
		awk -v rn="$(bench_ratio "$raw" tollgate nginx 3)" -v cn="$(bench_ratio "$raw" tollgate nginx 7)" \
			-v rd="$(bench_ratio "$raw" tollgate direct 3)" -v tc="$(bench_col "$raw" tollgate 7)" -v nc="$(bench_col "$raw" nginx 7)" 'BEGIN {
			printf "Tollgate/nginx: %.2f x the throughput at %.2f x the CPU per request (medians %.1f vs %.1f µs). Tollgate/direct: %.2f x the throughput. Ratios are medians of per-round ratios.\n", rn, cn, tc, nc, rd
		}'
		for other in tollgate-std tollgate-baseline; do
			grep -q " $other " "$raw" || continue
			echo
			awk -v o="$other" -v rn="$(bench_ratio "$raw" tollgate "$other" 3)" -v cn="$(bench_ratio "$raw" tollgate "$other" 7)" 'BEGIN {
				printf "tollgate/%s: %.2f x the throughput at %.2f x the CPU per request (medians of per-round ratios).\n", o, rn, cn
			}'
		done
	fi
	echo
} >"$section"

echo
cat "$section"
if [ "$with_tollgate" = 1 ] && [ "${BENCH_NO_DOCS:-}" != 1 ]; then
	bench_replace_section docs/benchmarks.md "Latest make bench" "$section"
	bench_log "wrote the \"Latest make bench\" section of docs/benchmarks.md"
fi
