#!/usr/bin/env bash
# scripts/bench.sh (make bench): the product load benchmark.
#
# Builds bin/tollgate, starts a one-worker nginx backend, an nginx proxy_pass
# with upstream keepalive and Tollgate (GOMAXPROCS=1), configures Tollgate
# through its admin API with bench/admin.sh (one group, one API GET /hello,
# deployed to test; the default per-API rate limit raised out of reach, so
# that the traffic stage runs without refusing), then measures in one run,
# with the layout
# and method of bench/lib.sh
# (wrk on CPU 0; backend and proxy on CPU 1, one worker each; interleaved
# rounds; medians; CPU time per request from /proc/PID/stat):
#
#   direct           the backend itself
#   nginx            nginx proxy_pass, upstream keepalive
#   tollgate         Tollgate proxying one API
#   tollgate-signed  the same build, another process, serving the same API
#                    in a group whose authType is signature
#                    (JDCLOUD2-HMAC-SHA256): every request's signature is
#                    verified and its nonce recorded. wrk replays requests
#                    signed beforehand by bench/signreqs, each once
#                    (bench/signed.lua), written afresh before every run;
#                    a run with any answer but 2xx stops the benchmark
#                    before it writes the docs
#   tollgate-metered the signed set-up plus everything issue 4 meters on
#                    each call: a traffic policy bound to the group (key,
#                    user and API limits per second, out of reach), a
#                    daily quota on the key's authorization (reserved at
#                    admission, committed on the 2xx), usage counted and
#                    flushed to the journal before each answer
#   tollgate-cluster the metered set-up counting in Redis (--counters, a
#                    redis-server of the run's own pinned with the
#                    system under test): what cluster mode costs a node
#   tollgate-validated
#                    the unsigned set-up, another process, calling
#                    POST /items/{id} (to the backend's /hello), whose
#                    path parameter, 3 query parameters and small JSON body
#                    the validate stage checks on every call
#                    (bench/validated.lua, BENCH_VALIDATED_API in
#                    bench/admin.sh)
#
# Then, unless BENCH_OPEN=0, an open-loop run of direct, nginx and the
# tollgate, tollgate-signed and tollgate-metered targets (vegeta at a
# constant rate; bench_open_run in bench/lib.sh).
#
# Prints the tables and a "Targets" table (each goal of issues 9, 10 and 11,
# met or not), and writes them into the "Latest make bench" section of
# docs/benchmarks.md (replacing the previous one). Every process it starts is
# stopped on exit; traffic goes to 127.0.0.1 only.
#
# Environment:
#   BENCH_ROUNDS=3 BENCH_DURATION=5 BENCH_WARMUP=2 BENCH_CONNS=50
#   BENCH_NO_TOLLGATE=1   measure direct and nginx only (no build, no docs)
#   BENCH_SIGNED=0        leave out `tollgate-signed`, `tollgate-metered` and
#                         `tollgate-cluster`
#   BENCH_CLUSTER=0       leave out `tollgate-cluster`: the metered set-up
#                         counting in a redis-server of the run's own
#                         (--counters), pinned with the system under test
#   BENCH_VALIDATED=0     leave out `tollgate-validated`
#   BENCH_POSTED=1        also measure `tollgate-posted`: the validated
#                         target's calls to an API that declares nothing
#                         (BENCH_POSTED_API in bench/admin.sh), the control
#                         that splits the validated target's cost into the
#                         body's path and the validation
#   BENCH_SCRIPTED=1      also measure `tollgate-scripted`: the `tollgate`
#                         process and group (no authentication) sent the
#                         same kind of signed requests through
#                         bench/signed.lua, which it does not check: the
#                         control for what the signature itself costs
#   BENCH_SIGNED_MIN_RPS=20000  the signed requests written before each run
#                         are its duration x the larger of this and twice the
#                         best req/s a Tollgate target reached so far
#   BENCH_OPEN=0          leave out the open-loop run
#   BENCH_OPEN_DURATION=10  seconds of each target's open-loop run: after
#                         the rounds, vegeta (installed with go install into
#                         bench/out/bin) sends direct, nginx, tollgate,
#                         tollgate-signed and tollgate-metered requests at a
#                         constant rate, pinned like wrk, whatever their
#                         answers' latency (no coordinated omission)
#   BENCH_OPEN_RATE=N     that rate, in requests per second; by default half
#                         of nginx's median req/s in this run's rounds
#   BENCH_NO_DOCS=1       do not touch docs/benchmarks.md
#   BENCH_TOLLGATE_BIN=F  measure binary F as `tollgate` instead of building
#                         bin/tollgate
#   BENCH_TOLLGATE_ARGS=A more `tollgate serve` flags for the `tollgate`
#                         and `tollgate-signed` targets (word-split), e.g.
#                         --access-log=false
#   BENCH_STD=1           also measure `tollgate-std`: the same binary with
#                         --upstream-client=std (net/http's Transport)
#   BENCH_BASELINE=F      also measure binary F (an older build, say) as
#                         `tollgate-baseline`, in the same interleaved rounds
#   BENCH_CPUPROFILE=F    the `tollgate` target writes a CPU profile of its
#                         whole life to F (TOLLGATE_CPUPROFILE); it covers
#                         only its own load, since the others are idle then.
#                         `tollgate-signed` writes F.signed, `tollgate-std`
#                         F.std, `tollgate-baseline` F.baseline (if that
#                         binary knows the variable); `tollgate-scripted` is
#                         the `tollgate` process, so F holds both loads
#   BENCH_MEMPROFILE=F    likewise an allocation profile (TOLLGATE_MEMPROFILE)
#   BENCH_TRACE=F         likewise an execution trace of the whole life
#                         (TOLLGATE_TRACE; go tool trace, bench/trace.sh);
#                         tens of MB per loaded second: for short runs
#   BENCH_METRICS=DIR     saves each Tollgate target's admin /metrics at
#                         the end of the run, before the processes are
#                         stopped: DIR/NAME.prom (text) and DIR/NAME.pb
#                         (protobuf, with native histograms), which
#                         `go run ./bench/metricstat` prints as quantiles,
#                         and DIR/NAME.schedstat: the process's time on a
#                         CPU, time waiting on the kernel's run queue (ns)
#                         and time slices, summed over its threads from
#                         /proc/PID/task/*/schedstat, over its life
#                         (tollgate-scripted is the `tollgate` process:
#                         its files hold both loads)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=../bench/lib.sh
. "$root/bench/lib.sh"
# shellcheck source=../bench/admin.sh
. "$root/bench/admin.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-bench.XXXXXX")
trap 'bench_cleanup; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

bench_need_tools
with_tollgate=1
[ "${BENCH_NO_TOLLGATE:-}" = 1 ] && with_tollgate=0
with_signed=$with_tollgate
[ "${BENCH_SIGNED:-1}" = 0 ] && with_signed=0
: "${BENCH_SIGNED_MIN_RPS:=20000}"
with_open=1
[ "${BENCH_OPEN:-1}" = 0 ] && with_open=0
[ "$with_open" = 0 ] || bench_need_vegeta "$root/bench/out/bin"

tollgate_bin="$root/bin/tollgate"
if [ "$with_tollgate" = 1 ]; then
	if [ -n "${BENCH_TOLLGATE_BIN:-}" ]; then
		tollgate_bin=$(realpath "$BENCH_TOLLGATE_BIN")
	else
		bench_log "building bin/tollgate"
		go build -o bin/tollgate ./cmd/tollgate || bench_die "go build ./cmd/tollgate failed"
	fi
	if [ "$with_signed" = 1 ]; then
		go build -o "$work/signreqs" ./bench/signreqs || bench_die "go build ./bench/signreqs failed"
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

# The admin API and process of each Tollgate target, by name, for
# BENCH_METRICS.
declare -A TG_ADMIN=() TG_PID=()

# start_tollgate NAME BINARY [ENV=VALUE...] [-- ARGS...]: starts one
# Tollgate pinned like the others (CPU 1, GOMAXPROCS=1) and waits until it
# is ready. Sets TOLLGATE_PORT, TOLLGATE_PID and the BENCH_ADMIN* variables
# of bench/admin.sh, to configure it.
start_tollgate() {
	local name=$1 bin=$2 envs=() args=() data
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	args=("$@")
	TOLLGATE_PORT=$(bench_free_port)
	local aport
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
		--listen "127.0.0.1:$TOLLGATE_PORT" --admin-listen "127.0.0.1:$aport" \
		--data "$data" --base-domain localhost ${args[@]+"${args[@]}"}
	TOLLGATE_PID=$SPAWNED_PID
	for _ in $(seq 1 300); do
		curl -fsS -m 1 -o /dev/null "http://127.0.0.1:$aport/readyz" 2>/dev/null && [ -s "$data/admin-token" ] && break
		kill -0 "$TOLLGATE_PID" 2>/dev/null || { cat "$work/$name.log" >&2; bench_die "$name exited"; }
		sleep 0.1
	done
	curl -fsS -m 1 -o /dev/null "http://127.0.0.1:$aport/readyz" ||
		{ cat "$work/$name.log" >&2; bench_die "$name not ready after 30 s"; }
	BENCH_ADMIN="http://127.0.0.1:$aport"
	TG_ADMIN[$name]=$BENCH_ADMIN TG_PID[$name]=$TOLLGATE_PID
	BENCH_ADMIN_TOKEN=$(tr -d ' \r\n' <"$data/admin-token")
	BENCH_ADMIN_OUT="$work/admin.out"
	bench_log "configuring $name through its admin API"
}

# add_tollgate NAME BINARY [ENV=VALUE...] [-- ARGS...]: starts a Tollgate
# serving GET /hello of a group without authentication, deployed to test,
# and adds it as target NAME.
add_tollgate() {
	local name=$1
	start_tollgate "$@"
	bench_publish '{"name":"bench"}' "$bport" test
	bench_wait_ok "http://127.0.0.1:$TOLLGATE_PORT/hello" "$BENCH_GROUP_HOST" || {
		curl -sS -m 2 -i -H "Host: $BENCH_GROUP_HOST" "http://127.0.0.1:$TOLLGATE_PORT/hello" >&2 || true
		bench_die "$name does not proxy $BENCH_GROUP_HOST/hello to the backend"
	}
	bench_add_target "$name" "http://127.0.0.1:$TOLLGATE_PORT/hello" "$BENCH_GROUP_HOST" "$TOLLGATE_PID"
}

# add_tollgate_validated NAME BINARY [ENV=VALUE...] [-- ARGS...]: the
# unsigned set-up plus an API whose parameters and JSON body are declared
# (BENCH_VALIDATED_API), called by bench/validated.lua; checks that a valid
# call is served and an invalid one refused before adding target NAME.
add_tollgate_validated() {
	local name=$1 url
	start_tollgate "$@"
	bench_publish '{"name":"bench-validated"}' "$bport" test
	bench_add_api test "$BENCH_VALIDATED_API"
	url="http://127.0.0.1:$TOLLGATE_PORT/items/42?limit=10&sort=asc&day=2024-02-29"
	curl -fsS -m 2 -o /dev/null -H "Host: $BENCH_GROUP_HOST" -H 'Content-Type: application/json' \
		--data '{"name":"kit","age":3}' "$url" || bench_die "$name: a valid call to /items/42 is not served"
	[ "$(curl -sS -m 2 -o /dev/null -w '%{http_code}' -H "Host: $BENCH_GROUP_HOST" -H 'Content-Type: application/json' \
		--data '{"age":3}' "$url")" = 400 ] || bench_die "$name: a call without the body's required name is not refused"
	bench_add_target "$name" "$url" "$BENCH_GROUP_HOST" "$TOLLGATE_PID" "$root/bench/validated.lua"
}

# add_tollgate_posted NAME BINARY [ENV=VALUE...] [-- ARGS...]: the control
# of tollgate-validated: the same calls (bench/validated.lua) to an API
# that declares nothing to check (BENCH_POSTED_API). tollgate-posted over
# tollgate is what a call with a body costs; tollgate-validated over
# tollgate-posted is what validating it costs.
add_tollgate_posted() {
	local name=$1 url
	start_tollgate "$@"
	bench_publish '{"name":"bench-posted"}' "$bport" test
	bench_add_api test "$BENCH_POSTED_API"
	url="http://127.0.0.1:$TOLLGATE_PORT/items/42?limit=10&sort=asc&day=2024-02-29"
	curl -fsS -m 2 -o /dev/null -H "Host: $BENCH_GROUP_HOST" -H 'Content-Type: application/json' \
		--data '{"name":"kit","age":3}' "$url" || bench_die "$name: a call to /items/42 is not served"
	bench_add_target "$name" "$url" "$BENCH_GROUP_HOST" "$TOLLGATE_PID" "$root/bench/validated.lua"
}

# start_redis starts a redis-server of the run's own on a free port, pinned
# with the system under test and keeping nothing on disk, waits for its
# PONG and sets REDIS_PORT.
start_redis() {
	command -v redis-server >/dev/null || bench_die "redis-server is missing (bench_need_tools installs it)"
	REDIS_PORT=$(bench_free_port)
	bench_spawn "$work/redis.log" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$work"
	local reply
	for _ in $(seq 1 100); do
		if { exec 9<>"/dev/tcp/127.0.0.1/$REDIS_PORT"; } 2>/dev/null; then
			printf 'PING\r\n' >&9
			read -r -t 1 reply <&9 || true
			exec 9<&- 9>&-
			[ "${reply%$'\r'}" = +PONG ] && return 0
		fi
		sleep 0.1
	done
	cat "$work/redis.log" >&2
	bench_die "redis-server on port $REDIS_PORT does not answer PING"
}

# The credentials and Host of each signed target, by name, for sign_requests.
declare -A SIGN_AK=() SIGN_SK=() SIGN_HOST=()

# add_tollgate_signed NAME BINARY [ENV=VALUE...] [-- ARGS...]: starts a
# Tollgate serving GET /hello of a group that accepts only calls signed
# with JDCLOUD2-HMAC-SHA256, deployed online, with an account, its key and
# the key's authorization on the group's online environment; checks with
# `tollgate call` that a signed call is served and adds target NAME, whose
# requests sign_requests writes before each run.
#
# With METERED=1 in its environment it also binds a traffic policy to the
# group and gives the authorization a daily quota, both out of reach: the
# limits, the quota hold and its commit run on every call without refusing.
add_tollgate_signed() {
	local name=$1 bin=$2 out fields= pol
	start_tollgate "$@"
	bench_publish '{"name":"bench-signed","authType":"signature","schemes":["JDCLOUD2-HMAC-SHA256"]}' "$bport" online
	bench_account_key bench
	if [ "${METERED:-}" = 1 ]; then
		pol=$(bench_admin POST /v1/policies \
			'{"name":"bench","unit":"second","apiLimit":4294967295,"userLimit":4294967295,"keyLimit":4294967295}' |
			bench_json_field policyId)
		[ -n "$pol" ] || bench_die "$name: POST /v1/policies returned no policyId"
		bench_admin POST "/v1/policies/$pol/bindings" "{\"groupId\":\"$BENCH_GROUP\",\"environment\":\"online\"}" >/dev/null
		fields='"dailyLimit":4294967295'
	fi
	bench_authorize "$BENCH_GROUP" online "$BENCH_AK" "$fields"
	out=$(TOLLGATE_ACCESS_KEY=$BENCH_AK TOLLGATE_SECRET_KEY=$BENCH_SK "$bin" call --fail \
		GET "http://$BENCH_GROUP_HOST:$TOLLGATE_PORT/hello" 2>&1) ||
		{ echo "$out" >&2; bench_die "$name: a signed call to $BENCH_GROUP_HOST/hello is not served"; }
	SIGN_AK[$name]=$BENCH_AK SIGN_SK[$name]=$BENCH_SK SIGN_HOST[$name]=$BENCH_GROUP_HOST
	bench_add_target "$name" "http://127.0.0.1:$TOLLGATE_PORT/hello" "" "$TOLLGATE_PID" \
		"$root/bench/signed.lua" "$work/$name.reqs" sign_requests sign_open_requests
}

# add_scripted NAME: adds target NAME, the Tollgate started last (its
# process and group, without authentication) driven like a signed target:
# bench/signed.lua replays requests signed by sign_requests, which the
# group does not check. Against tollgate-signed it isolates what verifying
# costs from what the bigger requests and the Lua script cost.
add_scripted() {
	local name=$1
	# Any key will do: the group has no authType.
	SIGN_AK[$name]=TGBENCHUNCHECKED0000 SIGN_SK[$name]=unchecked SIGN_HOST[$name]=$BENCH_GROUP_HOST
	bench_add_target "$name" "http://127.0.0.1:$TOLLGATE_PORT/hello" "" "$TOLLGATE_PID" \
		"$root/bench/signed.lua" "$work/$name.reqs" sign_requests
}

# sign_requests I DURATION: writes target I's request file, right before
# its run: DURATION x the larger of BENCH_SIGNED_MIN_RPS and twice the best
# req/s of any Tollgate target so far, each request signed now with its own
# nonce. bench/signed.lua reports a run that needed more.
sign_requests() {
	local i=$1 d=$2 name=${T_NAME[$1]} best=$BENCH_SIGNED_MIN_RPS t n
	for t in "${!BENCH_MAX_RPS[@]}"; do
		case $t in
		tollgate*) [ $((2 * ${BENCH_MAX_RPS[$t]})) -gt "$best" ] && best=$((2 * ${BENCH_MAX_RPS[$t]})) ;;
		esac
	done
	n=$((d * best))
	bench_log "signing $n requests for $name (${d}s x $best/s)"
	run_signreqs "$i" "$n" "${T_SCRIPT_ARG[$i]}" wrk
}

# sign_open_requests I N FILE: target I's N requests for its open-loop
# run, each signed now, as vegeta JSON targets (bench_open_targets).
sign_open_requests() {
	bench_log "signing $2 requests for ${T_NAME[$1]}'s open-loop run"
	run_signreqs "$1" "$2" "$3" vegeta
}

# run_signreqs I N FILE FORMAT: writes N requests for target I, signed
# with its key, to FILE in bench/signreqs's FORMAT.
run_signreqs() {
	local i=$1 name=${T_NAME[$1]}
	TOLLGATE_ACCESS_KEY=${SIGN_AK[$name]} TOLLGATE_SECRET_KEY=${SIGN_SK[$name]} \
		"$work/signreqs" -format "$4" -n "$2" -o "$3" -host "${SIGN_HOST[$name]}" "${T_URL[$i]}" ||
		bench_die "$name: bench/signreqs failed"
}

# prof_env SUFFIX: the profiling variables for one target, as env args.
prof_env() {
	[ -n "${BENCH_CPUPROFILE:-}" ] && echo "TOLLGATE_CPUPROFILE=$(realpath "$BENCH_CPUPROFILE")$1"
	[ -n "${BENCH_MEMPROFILE:-}" ] && echo "TOLLGATE_MEMPROFILE=$(realpath "$BENCH_MEMPROFILE")$1"
	[ -n "${BENCH_TRACE:-}" ] && echo "TOLLGATE_TRACE=$(realpath "$BENCH_TRACE")$1"
	true
}

extra_targets=
if [ "$with_tollgate" = 1 ]; then
	[ -z "${BENCH_TOLLGATE_BIN:-}" ] || extra_targets="$extra_targets BENCH_TOLLGATE_BIN=$BENCH_TOLLGATE_BIN"
	# shellcheck disable=SC2046 # one word per line, no spaces in paths
	# shellcheck disable=SC2086 # BENCH_TOLLGATE_ARGS is word-split on purpose
	add_tollgate tollgate "$tollgate_bin" $(prof_env "") -- ${BENCH_TOLLGATE_ARGS:-}
	if [ "${BENCH_VALIDATED:-1}" = 1 ]; then
		# shellcheck disable=SC2046,SC2086
		add_tollgate_validated tollgate-validated "$tollgate_bin" $(prof_env .validated) -- ${BENCH_TOLLGATE_ARGS:-}
	else
		extra_targets="$extra_targets BENCH_VALIDATED=0"
	fi
	if [ "${BENCH_POSTED:-}" = 1 ]; then
		# shellcheck disable=SC2046,SC2086
		add_tollgate_posted tollgate-posted "$tollgate_bin" $(prof_env .posted) -- ${BENCH_TOLLGATE_ARGS:-}
		extra_targets="$extra_targets BENCH_POSTED=1"
	fi
	if [ "${BENCH_SCRIPTED:-}" = 1 ]; then
		add_scripted tollgate-scripted
		extra_targets="$extra_targets BENCH_SCRIPTED=1"
	fi
	if [ "$with_signed" = 1 ]; then
		# shellcheck disable=SC2046,SC2086
		add_tollgate_signed tollgate-signed "$tollgate_bin" $(prof_env .signed) -- ${BENCH_TOLLGATE_ARGS:-}
		# shellcheck disable=SC2046,SC2086
		METERED=1 add_tollgate_signed tollgate-metered "$tollgate_bin" $(prof_env .metered) -- ${BENCH_TOLLGATE_ARGS:-}
		if [ "${BENCH_CLUSTER:-1}" = 1 ]; then
			start_redis
			# shellcheck disable=SC2046,SC2086
			METERED=1 add_tollgate_signed tollgate-cluster "$tollgate_bin" $(prof_env .cluster) -- \
				--counters "redis://127.0.0.1:$REDIS_PORT/0" ${BENCH_TOLLGATE_ARGS:-}
		else
			extra_targets="$extra_targets BENCH_CLUSTER=0"
		fi
	else
		extra_targets="$extra_targets BENCH_SIGNED=0"
	fi
	if [ -n "${BENCH_TOLLGATE_ARGS:-}" ]; then
		extra_targets="$extra_targets BENCH_TOLLGATE_ARGS='$BENCH_TOLLGATE_ARGS'"
	fi
	if [ "${BENCH_STD:-}" = 1 ]; then
		# shellcheck disable=SC2046
		add_tollgate tollgate-std "$tollgate_bin" $(prof_env .std) -- --upstream-client=std
		extra_targets="$extra_targets BENCH_STD=1"
	fi
	if [ -n "${BENCH_BASELINE:-}" ]; then
		# shellcheck disable=SC2046
		add_tollgate tollgate-baseline "$(realpath "$BENCH_BASELINE")" $(prof_env .baseline)
		extra_targets="$extra_targets BENCH_BASELINE=$BENCH_BASELINE"
	fi
fi

# targets_table RAWFILE OPEN_RAWFILE: the "Targets" table, each goal of
# issues 9, 10 and 11 against this run's figures (medians of per-round
# ratios, bench_ratio; the open loop's added p99), then how many are met.
targets_table() {
	local raw=$1 open=$2 t rows
	rows=$(
		for t in tollgate tollgate-signed tollgate-metered; do
			bench_ratio_goal "$raw" "$t" nginx 5 '<=' 2 "\`$t\` p99 ÷ nginx's" "issue 11"
		done
		bench_ratio_goal "$raw" tollgate nginx 3 '>=' 0.7 "\`tollgate\` req/s ÷ nginx's" "issue 11"
		bench_ratio_goal "$raw" tollgate nginx 7 '<=' 1.6 "\`tollgate\` CPU µs/req ÷ nginx's" "issue 11"
		for t in tollgate-signed tollgate-metered; do
			bench_ratio_goal "$raw" "$t" tollgate 3 '>=' 0.95 "\`$t\` req/s ÷ \`tollgate\`'s" "issue 11"
			bench_ratio_goal "$raw" "$t" tollgate 7 '<=' 1.1 "\`$t\` CPU µs/req ÷ \`tollgate\`'s" "issue 11"
		done
		bench_ratio_goal "$raw" tollgate-signed tollgate 3 '>=' 0.9 "\`tollgate-signed\` req/s ÷ \`tollgate\`'s" "issue 9"
		bench_ratio_goal "$raw" tollgate-validated tollgate 3 '>=' 0.9 "\`tollgate-validated\` req/s ÷ \`tollgate\`'s" "issue 10"
		bench_ratio_goal "$raw" tollgate-cluster tollgate-metered 3 '>=' 0.8 "\`tollgate-cluster\` req/s ÷ \`tollgate-metered\`'s" "issue 12"
		for t in tollgate tollgate-signed tollgate-metered; do
			bench_open_goal "$open" "$t"
		done
	)
	[ -n "$rows" ] || return 0
	echo "### Targets"
	echo
	echo "| target | measured | goal | met |"
	echo "|---|--:|---|---|"
	echo "$rows"
	echo
	echo "$rows" | bench_goals_met
	echo
}

raw="$work/raw.txt"
open_raw="$work/open-raw.txt"
bench_run "$raw"
: >"$open_raw"
if [ "$with_open" = 1 ]; then
	open_rate=${BENCH_OPEN_RATE:-$(bench_col "$raw" nginx 3 | awk '{ printf "%d", $1 / 2 }')}
	# vegeta reads a rate of 0 as "as fast as it can": a closed loop again.
	[ "$open_rate" -ge 1 ] 2>/dev/null || bench_die "open-loop rate '$open_rate' is not a positive number of requests per second"
	bench_open_run "$open_raw" "$open_rate" "$BENCH_OPEN_DURATION" "$work" direct nginx tollgate tollgate-signed tollgate-metered
fi
if [ -n "${BENCH_METRICS:-}" ]; then
	mkdir -p "$BENCH_METRICS"
	for t in "${!TG_ADMIN[@]}"; do
		curl -fsS -m 5 -o "$BENCH_METRICS/$t.prom" "${TG_ADMIN[$t]}/metrics" &&
			curl -fsS -m 5 -o "$BENCH_METRICS/$t.pb" "${TG_ADMIN[$t]}/metrics" \
				-H 'Accept: application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited' ||
			bench_log "$t: could not save /metrics"
		cat /proc/"${TG_PID[$t]}"/task/*/schedstat 2>/dev/null |
			awk '{ run += $1; wait += $2; n += $3 } END { printf "run_ns %d\nrunqueue_wait_ns %d\ntimeslices %d\n", run, wait, n }' \
				>"$BENCH_METRICS/$t.schedstat"
	done
	bench_log "saved each Tollgate target's /metrics in $BENCH_METRICS"
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p bench/out
cp "$raw" bench/out/bench-raw.txt
cp "$open_raw" bench/out/bench-open-raw.txt
# A signed run with a refusal measured refusals, or replays: invalid.
invalid=$(awk '($2 == "tollgate-signed" || $2 == "tollgate-metered" || $2 == "tollgate-cluster" || $2 == "tollgate-validated") && $9 > 0 { printf " %s round %d: %d errors;", $2, $1, $9 }' "$raw")
invalid="$invalid$(awk '($1 == "tollgate-signed" || $1 == "tollgate-metered") && $11 > 0 { printf " %s open loop: %d non-2xx;", $1, $11 }' "$open_raw")"
if [ "$with_open" = 0 ]; then
	extra_targets="$extra_targets BENCH_OPEN=0"
else
	extra_targets="$extra_targets BENCH_OPEN_DURATION=$BENCH_OPEN_DURATION"
	[ -z "${BENCH_OPEN_RATE:-}" ] || extra_targets="$extra_targets BENCH_OPEN_RATE=$BENCH_OPEN_RATE"
fi

date=$(date -u +'%Y-%m-%d %H:%M UTC')
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "${BENCH_TOLLGATE_BIN:-}" ]; then
	commit="$commit (the scripts; Tollgate is the binary BENCH_TOLLGATE_BIN names, not built by this run)"
elif [ -n "$(git status --porcelain -- cmd internal go.mod go.sum 2>/dev/null)" ]; then
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
	echo "- Machine: $machine; after: $load_after"
	echo "- Layout: wrk -t1 -c$BENCH_CONNS pinned to CPU $BENCH_WRK_CPU; the backend (nginx, 1 worker, 50-byte JSON) and the proxy under test pinned to CPU $BENCH_SUT_CPU, one worker each (nginx worker_processes 1; Tollgate GOMAXPROCS=1); $BENCH_ROUNDS interleaved rounds x ${BENCH_DURATION}s after a ${BENCH_WARMUP}s warm-up per target; medians. CPU µs/req is the proxy process's utime+stime from /proc/PID/stat over the run divided by the requests wrk counted (for \`direct\`, the backend's)."
	echo
	bench_table "$raw" nginx direct
	if [ "$with_tollgate" = 1 ]; then
		echo
		awk -v rn="$(bench_ratio "$raw" tollgate nginx 3)" -v pn="$(bench_ratio "$raw" tollgate nginx 5)" -v cn="$(bench_ratio "$raw" tollgate nginx 7)" \
			-v rd="$(bench_ratio "$raw" tollgate direct 3)" -v tc="$(bench_col "$raw" tollgate 7)" -v nc="$(bench_col "$raw" nginx 7)" 'BEGIN {
			printf "Tollgate/nginx: %.2f x the throughput and %.2f x the p99 at %.2f x the CPU per request (medians %.1f vs %.1f µs). Tollgate/direct: %.2f x the throughput. Ratios are medians of per-round ratios; the goals are in \"Targets\" below.\n", rn, pn, cn, tc, nc, rd
		}'
		for t in tollgate-signed tollgate-metered tollgate-cluster tollgate-validated tollgate-posted; do
			grep -q " $t " "$raw" || continue
			echo
			awk -v t="$t" -v r="$(bench_ratio "$raw" "$t" tollgate 3)" -v c="$(bench_ratio "$raw" "$t" tollgate 7)" \
				-v p="$(bench_ratio "$raw" "$t" tollgate 5)" -v pn="$(bench_ratio "$raw" "$t" nginx 5)" \
				-v sc="$(bench_col "$raw" "$t" 7)" -v uc="$(bench_col "$raw" tollgate 7)" \
				-v rs="$(awk -v t="$t" '$2 == t { printf "%s ", $3 }' "$raw")" -v ru="$(awk '$2 == "tollgate" { printf "%s ", $3 }' "$raw")" 'BEGIN {
				printf "%s/tollgate: %.2f x the throughput and %.2f x the p99 (%.2f x nginx'"'"'s) at %.2f x the CPU per request (medians %.1f vs %.1f µs, %+.1f µs per request). Per-round req/s, %s: %sunsigned: %s(medians of per-round ratios).\n", t, r, p, pn, c, sc, uc, sc - uc, t, rs, ru
			}'
		done
		if grep -q " tollgate-posted " "$raw" && grep -q " tollgate-validated " "$raw"; then
			echo
			awk -v r="$(bench_ratio "$raw" tollgate-validated tollgate-posted 3)" -v c="$(bench_ratio "$raw" tollgate-validated tollgate-posted 7)" \
				-v vc="$(bench_col "$raw" tollgate-validated 7)" -v pc="$(bench_col "$raw" tollgate-posted 7)" 'BEGIN {
				printf "tollgate-validated/tollgate-posted (the same calls, validated or not): %.2f x the throughput at %.2f x the CPU per request (medians %.1f vs %.1f µs, %+.1f µs per request for the validation).\n", r, c, vc, pc, vc - pc
			}'
		fi
		if grep -q " tollgate-scripted " "$raw"; then
			echo
			awk -v r="$(bench_ratio "$raw" tollgate-signed tollgate-scripted 3)" -v c="$(bench_ratio "$raw" tollgate-signed tollgate-scripted 7)" \
				-v r0="$(bench_ratio "$raw" tollgate-scripted tollgate 3)" -v c0="$(bench_ratio "$raw" tollgate-scripted tollgate 7)" 'BEGIN {
				printf "tollgate-scripted/tollgate (the same bytes and Lua script, nothing verified): %.2f x the throughput at %.2f x the CPU per request. tollgate-signed/tollgate-scripted: %.2f x the throughput at %.2f x the CPU per request (medians of per-round ratios).\n", r0, c0, r, c
			}'
		fi
		for other in tollgate-std tollgate-baseline; do
			grep -q " $other " "$raw" || continue
			echo
			awk -v o="$other" -v rn="$(bench_ratio "$raw" tollgate "$other" 3)" -v cn="$(bench_ratio "$raw" tollgate "$other" 7)" 'BEGIN {
				printf "tollgate/%s: %.2f x the throughput at %.2f x the CPU per request (medians of per-round ratios).\n", o, rn, cn
			}'
		done
	fi
	echo
	if [ -s "$open_raw" ]; then
		echo "### Open loop"
		echo
		echo "vegeta $BENCH_VEGETA_VERSION pinned to CPU $BENCH_WRK_CPU sends each target $open_rate requests per second for ${BENCH_OPEN_DURATION}s ($([ -n "${BENCH_OPEN_RATE:-}" ] && echo "BENCH_OPEN_RATE" || echo "half of nginx's median req/s above")), on schedule whatever the answers' latency, after the rounds; signed targets get each request signed once. Latency runs from the moment a request was due (vegeta starts another worker rather than hold it back; a request it still sent late counts its lateness, whose p99 is \"vegeta late\") to its answer; percentiles are over every request (nearest rank); \"added p99\" is the target's p99 minus direct's. Answered req/s below the rate mean the target fell behind; sent req/s below 95 % of it, that vegeta did (starved of CPU): the run then measures vegeta more than the proxy, and the goal reads \"not measured\"."
		echo
		bench_open_table "$open_raw"
		echo
	fi
	targets_table "$raw" "$open_raw"
} >"$section"

echo
cat "$section"
if [ -n "$invalid" ]; then
	cp "$work/tollgate-signed.log" "$work/tollgate-metered.log" bench/out/
	bench_die "a signed target answered something but 2xx, or was sent a request twice ($invalid see bench/out/bench-raw.txt, bench/out/bench-open-raw.txt and bench/out/tollgate-{signed,metered}.log): the run is invalid, docs/benchmarks.md left alone"
fi
if [ "$with_tollgate" = 1 ] && [ "${BENCH_NO_DOCS:-}" != 1 ]; then
	bench_replace_section docs/benchmarks.md "Latest make bench" "$section"
	bench_log "wrote the \"Latest make bench\" section of docs/benchmarks.md"
fi
