#!/usr/bin/env bash
# bench/engines/run.sh: the HTTP engine comparison (docs/benchmarks.md,
# "HTTP engine comparison"). Builds three minimal Go reverse proxies from this
# standalone module, starts one nginx backend and an nginx proxy_pass with
# upstream keepalive, and measures them all, plus the backend direct, with the
# fair method of bench/lib.sh. Prints a Markdown table; raw per-round figures
# go to bench/out/engines-raw.txt.
#
#   bench/engines/run.sh                    # 5 rounds x 5 s, 2 s warm-up
#   BENCH_ROUNDS=7 BENCH_DURATION=10 bench/engines/run.sh
#
# Every process it starts is stopped on exit. Traffic goes to 127.0.0.1 only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${BENCH_ROUNDS:=5}"
# shellcheck source=../lib.sh
. "$root/bench/lib.sh"

trap bench_cleanup EXIT
trap 'exit 130' INT TERM

bench_need_tools
out="$root/bench/out"
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-engines.XXXXXX")
trap 'bench_cleanup; rm -rf "$work"' EXIT

bench_log "building the engines"
(cd "$here" && go build -o "$work/bin/" ./rproxy ./lean ./fast ./h1client) || bench_die "go build failed"

bport=$(bench_free_port)
bench_start_backend "$work/backend" "$bport"
bench_wait_ok "http://127.0.0.1:$bport/hello" || bench_die "backend does not answer"
bench_add_target "direct" "http://127.0.0.1:$bport/hello" "" "$BACKEND_PID"

nport=$(bench_free_port)
bench_start_nginx_proxy "$work/nginx" "$nport" "$bport"
bench_add_target "nginx" "http://127.0.0.1:$nport/hello" "" "$NGINX_PROXY_PID"

# start_go NAME BINARY [GOGC]: one engine, GOMAXPROCS=1 on the SUT CPU.
start_go() {
	local name=$1 bin=$2 gogc=${3:-0} port
	port=$(bench_free_port)
	GOMAXPROCS=1 bench_spawn "$work/$name.log" "$work/bin/$bin" \
		-listen "127.0.0.1:$port" -backend "http://127.0.0.1:$bport" -gogc "$gogc"
	bench_add_target "$name" "http://127.0.0.1:$port/hello" "" "$SPAWNED_PID"
}
start_go "a-reverseproxy" rproxy
start_go "a-reverseproxy-gogc400" rproxy 400
start_go "b-lean" lean
start_go "b-lean-gogc400" lean 400
start_go "c-fasthttp" fast
start_go "d-h1client" h1client

raw="$out/engines-raw.txt"
: >"$raw"
{
	echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(bench_machine)"
	echo "# rounds=$BENCH_ROUNDS duration=${BENCH_DURATION}s warmup=${BENCH_WARMUP}s conns=$BENCH_CONNS wrk-cpu=$BENCH_WRK_CPU sut-cpu=$BENCH_SUT_CPU"
	echo "# round target rps p50_us p99_us requests proxy_cpu_us_per_req backend_cpu_us_per_req errors"
} >"$raw"
bench_run "$raw"

echo
echo "Machine: $(bench_machine)"
echo "Method: wrk -t1 -c$BENCH_CONNS on CPU $BENCH_WRK_CPU; backend and proxy on CPU $BENCH_SUT_CPU, one worker each (GOMAXPROCS=1); $BENCH_ROUNDS interleaved rounds x ${BENCH_DURATION}s after a ${BENCH_WARMUP}s warm-up; medians."
echo
bench_table "$raw" nginx direct
echo
echo "Raw figures: $raw"
