# bench/lib.sh: shared pieces of Tollgate's load benchmarks, sourced by
# bench/engines/run.sh and scripts/bench.sh. Bash only; needs wrk, nginx,
# curl, taskset, pgrep and awk (any awk); the open-loop run also vegeta,
# which bench_need_vegeta installs with go install.
#
# The method (docs/benchmarks.md, docs/architecture.md "Performance
# budget"): wrk with one thread pinned to CPU 0; the backend and the proxy
# under test pinned to CPU 1 with one worker each (nginx worker_processes 1,
# Go GOMAXPROCS=1); all targets measured in the same run, interleaved round by
# round (the order rotates every round), after one warm-up per target; the
# table shows medians over the rounds. CPU time per request is read from
# /proc/PID/stat (utime + stime) before and after each wrk run, divided by the
# requests wrk counted: that figure is the least disturbed by other load on
# the machine.

# Knobs, overridable from the environment.
: "${BENCH_ROUNDS:=3}"      # measured rounds per target
: "${BENCH_DURATION:=5}"    # seconds per measured wrk run
: "${BENCH_WARMUP:=2}"      # seconds of warm-up per target, not counted
: "${BENCH_CONNS:=50}"      # wrk connections (one wrk thread)
: "${BENCH_WRK_CPU:=0}"     # CPU for wrk
: "${BENCH_SUT_CPU:=1}"     # CPU for the backend and the proxies
: "${BENCH_OPEN_DURATION:=10}" # seconds per open-loop (vegeta) run

# The vegeta release the open-loop run uses; bench_need_vegeta installs it.
BENCH_VEGETA_VERSION=v12.13.0

BENCH_BODY='{"ok":true,"msg":"hello from backend","n":12345}'
CLK_TCK=$(getconf CLK_TCK)

# bench_log prints a progress line on stderr.
bench_log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# bench_die prints an error and exits (the caller's EXIT trap cleans up).
bench_die() { bench_log "error: $*"; exit 1; }

# bench_need_tools installs wrk and nginx from Debian when missing.
bench_need_tools() {
	local missing=()
	command -v wrk >/dev/null || missing+=(wrk)
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
	command -v curl >/dev/null || missing+=(curl)
	command -v taskset >/dev/null || missing+=(util-linux)
	command -v pgrep >/dev/null || missing+=(procps)
	command -v redis-server >/dev/null || missing+=(redis-server) # tollgate-cluster's counters
	if [ ${#missing[@]} -gt 0 ]; then
		local sudo=
		[ "$(id -u)" -eq 0 ] || sudo=sudo
		bench_log "installing ${missing[*]} with apt-get"
		$sudo apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null ||
			bench_die "apt-get install ${missing[*]} failed"
	fi
	# Debian's nginx package may start a system nginx on port 80; we do not
	# use it and leave it alone.
	NGINX_BIN=$(command -v nginx || echo /usr/sbin/nginx)
	[ "$(nproc)" -ge 2 ] || bench_die "needs at least 2 CPUs (wrk on one, the system under test on another)"
}

# bench_free_port prints a loopback TCP port that nothing listens on.
bench_free_port() {
	local p i
	for i in $(seq 1 200); do
		# Below the kernel's ephemeral range (32768 up by default), which
		# the benchmark's own outgoing connections draw from: a port
		# probed free there can be taken by one before we bind it.
		p=$((10000 + RANDOM % 22000))
		case " ${BENCH_USED_PORTS:-} " in *" $p "*) continue ;; esac
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			BENCH_USED_PORTS="${BENCH_USED_PORTS:-} $p"
			echo "$p"
			return 0
		fi
	done
	bench_die "no free port found"
}

# Processes this library started, killed by bench_cleanup.
BENCH_PIDS=()

# bench_cleanup stops every process started through bench_spawn. Install it
# with `trap bench_cleanup EXIT`.
bench_cleanup() {
	local pid
	for pid in "${BENCH_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${BENCH_PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -9 "$pid" 2>/dev/null || true
	done
	BENCH_PIDS=()
}

# bench_spawn LOGFILE CMD...: starts CMD pinned to the system-under-test CPU,
# in the background, and sets SPAWNED_PID.
bench_spawn() {
	local log=$1
	shift
	taskset -c "$BENCH_SUT_CPU" "$@" >"$log" 2>&1 &
	SPAWNED_PID=$!
	BENCH_PIDS+=("$SPAWNED_PID")
}

# bench_nginx_common DIR: the part of an nginx.conf shared by the backend and
# the proxy: one worker, no access log, everything inside DIR.
bench_nginx_common() {
	local dir=$1
	mkdir -p "$dir/tmp"
	cat <<EOF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    keepalive_timeout 120s;
    keepalive_requests 1000000;
EOF
}

# bench_start_nginx NAME DIR: starts nginx with DIR/nginx.conf in the
# foreground of a background job and sets NGINX_WORKER_PID (the one worker,
# whose CPU time is what nginx spends on requests).
bench_start_nginx() {
	local name=$1 dir=$2 master worker i
	"$NGINX_BIN" -t -q -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;' ||
		bench_die "$name: nginx config test failed"
	bench_spawn "$dir/stdout.log" "$NGINX_BIN" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;'
	master=$SPAWNED_PID
	for i in $(seq 1 50); do
		worker=$(pgrep -P "$master" | head -n1 || true)
		[ -n "$worker" ] && break
		sleep 0.1
	done
	[ -n "$worker" ] || bench_die "$name: nginx worker did not start (see $dir/error.log)"
	NGINX_WORKER_PID=$worker
}

# bench_start_backend DIR PORT: the backend, a one-worker nginx answering
# every request with the same 50-byte JSON body. Sets BACKEND_PID.
bench_start_backend() {
	local dir=$1 port=$2
	mkdir -p "$dir"
	{
		bench_nginx_common "$dir"
		cat <<EOF
    server {
        listen 127.0.0.1:$port backlog=4096;
        default_type application/json;
        location / { return 200 '$BENCH_BODY'; }
    }
}
EOF
	} >"$dir/nginx.conf"
	bench_start_nginx backend "$dir"
	BACKEND_PID=$NGINX_WORKER_PID
}

# bench_start_nginx_proxy DIR PORT BACKEND_PORT: nginx proxy_pass to the
# backend with upstream keepalive. Sets NGINX_PROXY_PID.
bench_start_nginx_proxy() {
	local dir=$1 port=$2 bport=$3
	mkdir -p "$dir"
	{
		bench_nginx_common "$dir"
		cat <<EOF
    upstream backend {
        server 127.0.0.1:$bport;
        keepalive 512;
        keepalive_requests 1000000;
        keepalive_timeout 120s;
    }
    server {
        listen 127.0.0.1:$port backlog=4096;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
	} >"$dir/nginx.conf"
	bench_start_nginx proxy "$dir"
	NGINX_PROXY_PID=$NGINX_WORKER_PID
}

# bench_wait_ok URL [HOST]: waits up to 15 s until URL answers 200 with the
# backend's body.
bench_wait_ok() {
	local url=$1 host=${2:-} i body
	for i in $(seq 1 150); do
		if [ -n "$host" ]; then
			body=$(curl -fsS -m 2 -H "Host: $host" "$url" 2>/dev/null) || body=
		else
			body=$(curl -fsS -m 2 "$url" 2>/dev/null) || body=
		fi
		[ "$body" = "$BENCH_BODY" ] && return 0
		sleep 0.1
	done
	return 1
}

# Targets: parallel arrays, filled by bench_add_target.
T_NAME=() T_URL=() T_HOST=() T_PID=() T_SCRIPT=() T_SCRIPT_ARG=() T_PREP=() T_OPEN_PREP=()

# The highest req/s each target reached so far (warm-up included), by name;
# a T_PREP function sizes its requests by it.
declare -A BENCH_MAX_RPS=()

# bench_add_target NAME URL HOST PID [SCRIPT ARG PREP [OPEN_PREP]]: HOST
# may be empty; PID is the process whose CPU time counts as the target's
# (for the backend direct: the backend). SCRIPT, if given, is a wrk Lua
# script run with ARG (wrk ... -- ARG 1), and PREP a shell function called
# as `PREP I DURATION` before every wrk run of target I (bench/signed.lua
# and its requests, written afresh before each run). A target with a script
# is not checked with a plain GET: its PREP or its set-up checks it.
# OPEN_PREP, a shell function called as `OPEN_PREP I N FILE`, writes the N
# requests of target I's open-loop run as vegeta JSON targets; without one
# the open-loop run sends GET URL with HOST again and again.
bench_add_target() {
	T_NAME+=("$1")
	T_URL+=("$2")
	T_HOST+=("$3")
	T_PID+=("$4")
	T_SCRIPT+=("${5:-}")
	T_SCRIPT_ARG+=("${6:-}")
	T_PREP+=("${7:-}")
	T_OPEN_PREP+=("${8:-}")
}

# bench_ticks PID: utime + stime of PID (all its threads), in clock ticks.
bench_ticks() {
	# Fields 14 and 15; cut at the last ')' so a command name with spaces
	# cannot shift them.
	sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}

# bench_wrk_one I DURATION OUTFILE: one wrk run against target I, with its
# script if it has one; notes its req/s in BENCH_MAX_RPS.
bench_wrk_one() {
	local i=$1 d=$2 out=$3 rps
	local args=(-t1 "-c$BENCH_CONNS" "-d${d}s" --latency)
	[ -n "${T_HOST[$i]}" ] && args+=(-H "Host: ${T_HOST[$i]}")
	[ -n "${T_SCRIPT[$i]}" ] && args+=(-s "${T_SCRIPT[$i]}")
	args+=("${T_URL[$i]}")
	[ -n "${T_SCRIPT[$i]}" ] && args+=(-- "${T_SCRIPT_ARG[$i]}" 1)
	taskset -c "$BENCH_WRK_CPU" wrk "${args[@]}" >"$out" 2>&1 || { cat "$out" >&2; bench_die "${T_NAME[$i]}: wrk failed"; }
	rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
	if [ -n "$rps" ] && [ "$rps" -gt "${BENCH_MAX_RPS[${T_NAME[$i]}]:-0}" ]; then
		BENCH_MAX_RPS[${T_NAME[$i]}]=$rps
	fi
}

# bench_prep I DURATION: runs target I's PREP, if any, before a wrk run.
bench_prep() {
	[ -z "${T_PREP[$1]}" ] || "${T_PREP[$1]}" "$1" "$2"
}

# bench_run RAWFILE: warms every target up, then runs BENCH_ROUNDS interleaved
# rounds; appends one line per run to RAWFILE:
#   round target rps p50_us p99_us requests proxy_cpu_us_per_req backend_cpu_us_per_req errors
# errors are socket errors plus non-2xx answers (for a target with
# bench/signed.lua, also the requests it had to send a second time).
bench_run() {
	local raw=$1 n=${#T_NAME[@]} r k i tmp
	tmp=$(mktemp)
	for i in $(seq 0 $((n - 1))); do
		kill -0 "${T_PID[$i]}" 2>/dev/null || bench_die "${T_NAME[$i]}: process ${T_PID[$i]} is not running"
		if [ -z "${T_SCRIPT[$i]}" ]; then
			bench_wait_ok "${T_URL[$i]}" "${T_HOST[$i]}" || bench_die "${T_NAME[$i]}: ${T_URL[$i]} does not answer with the backend's body"
		fi
		bench_prep "$i" "$BENCH_WARMUP"
		bench_log "warm-up ${T_NAME[$i]} (${BENCH_WARMUP}s)"
		bench_wrk_one "$i" "$BENCH_WARMUP" "$tmp"
		# A target that refuses the load (a rate limit, say) would be
		# measured answering errors: stop rather than print nonsense.
		if grep -q -e 'Non-2xx' -e '^INVALID' "$tmp"; then
			cat "$tmp" >&2
			bench_die "${T_NAME[$i]}: non-2xx answers during the warm-up"
		fi
	done
	for r in $(seq 1 "$BENCH_ROUNDS"); do
		for k in $(seq 0 $((n - 1))); do
			i=$(((k + r - 1) % n)) # rotate the order every round
			local p0 b0 p1 b1
			bench_prep "$i" "$BENCH_DURATION"
			p0=$(bench_ticks "${T_PID[$i]}")
			b0=$(bench_ticks "$BACKEND_PID")
			bench_wrk_one "$i" "$BENCH_DURATION" "$tmp"
			p1=$(bench_ticks "${T_PID[$i]}")
			b1=$(bench_ticks "$BACKEND_PID")
			awk -v round="$r" -v name="${T_NAME[$i]}" -v dp=$((p1 - p0)) -v db=$((b1 - b0)) \
				-v direct="$([ "${T_PID[$i]}" = "$BACKEND_PID" ] && echo 1 || echo 0)" -v tck="$CLK_TCK" '
				function us(v, n) { n = v + 0; if (v ~ /us$/) return n; if (v ~ /ms$/) return n * 1000; if (v ~ /s$/) return n * 1e6; return n }
				$1 == "50%" { p50 = us($2) }
				$1 == "99%" { p99 = us($2) }
				/requests in/ { reqs = $1 }
				/^Requests\/sec:/ { rps = $2 }
				/Non-2xx/ { non2xx += $NF }
				/Socket errors:/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
				# bench/signed.lua counts every status but 2xx (wrk only
				# those from 400), and the requests it had to send twice.
				/^[a-z]+\.lua: [0-9]+ responses, [0-9]+ non-2xx, [0-9]+ resent/ { scripted = 1; snon = $4; resent = $6 }
				END {
					err += scripted ? snon + resent : non2xx
					if (reqs == 0) { print "wrk produced no result" > "/dev/stderr"; exit 1 }
					pc = dp * 1e6 / tck / reqs; bc = db * 1e6 / tck / reqs
					if (direct) bc = pc
					printf "%d %s %.0f %.0f %.0f %d %.1f %.1f %d\n", round, name, rps, p50, p99, reqs, pc, bc, err + 0
				}' "$tmp" >>"$raw" || { cat "$tmp" >&2; bench_die "${T_NAME[$i]}: wrk failed"; }
			bench_log "round $r/$BENCH_ROUNDS $(tail -n1 "$raw" | awk '{printf "%-22s %8s req/s  p50 %6sus  p99 %6sus  proxy %5s us/req  errors %s", $2, $3, $4, $5, $7, $9}')"
		done
	done
	rm -f "$tmp"
}

# bench_median: the median of the numbers on stdin, one per line.
bench_median() {
	sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# bench_col RAWFILE TARGET COLUMN: the median of one column for one target.
bench_col() {
	awk -v t="$2" -v c="$3" '$2 == t { print $c }' "$1" | bench_median
}

# bench_ratio RAWFILE TARGET REF COLUMN: the median over rounds of TARGET's
# COLUMN divided by REF's in the same round. Pairing by round cancels most of
# the drift in background load between rounds.
bench_ratio() {
	awk -v t="$2" -v r="$3" -v c="$4" '
		$1 ~ /^[0-9]+$/ && $2 == t { a[$1] = $c }
		$1 ~ /^[0-9]+$/ && $2 == r { b[$1] = $c }
		END { for (k in a) if ((k in b) && b[k] > 0) print a[k] / b[k] }
	' "$1" | bench_median
}

# bench_table RAWFILE REF [SECOND_REF]: a Markdown table of medians over the
# rounds, with ratios of throughput, p99 and CPU per request to the target
# named REF (and of throughput to SECOND_REF, when given); each ratio is the
# median of the per-round ratios.
bench_table() {
	local raw=$1 ref=$2 ref2=${3:-} name rps p50 p99 pc bc err rmin rmax rr rp rc r2
	if [ -n "$ref2" ]; then
		echo "| target | req/s (median) | req/s range | p50 ms | p99 ms | CPU µs/req (proxy) | CPU µs/req (backend) | req/s ÷ $ref | p99 ÷ $ref | CPU ÷ $ref | req/s ÷ $ref2 | errors |"
		echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
	else
		echo "| target | req/s (median) | req/s range | p50 ms | p99 ms | CPU µs/req (proxy) | CPU µs/req (backend) | req/s ÷ $ref | p99 ÷ $ref | CPU ÷ $ref | errors |"
		echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
	fi
	for name in "${T_NAME[@]}"; do
		rps=$(bench_col "$raw" "$name" 3)
		p50=$(bench_col "$raw" "$name" 4)
		p99=$(bench_col "$raw" "$name" 5)
		pc=$(bench_col "$raw" "$name" 7)
		bc=$(bench_col "$raw" "$name" 8)
		rr=$(bench_ratio "$raw" "$name" "$ref" 3)
		rp=$(bench_ratio "$raw" "$name" "$ref" 5)
		rc=$(bench_ratio "$raw" "$name" "$ref" 7)
		r2=
		[ -n "$ref2" ] && r2=$(bench_ratio "$raw" "$name" "$ref2" 3)
		err=$(awk -v t="$name" '$2 == t { s += $9 } END { print s + 0 }' "$raw")
		rmin=$(awk -v t="$name" '$2 == t { print $3 }' "$raw" | sort -g | head -n1)
		rmax=$(awk -v t="$name" '$2 == t { print $3 }' "$raw" | sort -g | tail -n1)
		awk -v name="$name" -v rps="$rps" -v rmin="$rmin" -v rmax="$rmax" -v p50="$p50" -v p99="$p99" \
			-v pc="$pc" -v bc="$bc" -v rr="$rr" -v rp="$rp" -v rc="$rc" -v r2="$r2" -v err="$err" 'BEGIN {
			printf "| %s | %.0f | %.0f–%.0f | %.2f | %.2f | %.1f | %.1f | %.2f | %.2f | %.2f |", name, rps, rmin, rmax, p50 / 1000, p99 / 1000, pc, bc, rr, rp, rc
			if (r2 != "") printf " %.2f |", r2
			printf " %d |\n", err
		}'
	done
}

# bench_has RAWFILE TARGET...: whether every TARGET has a line in RAWFILE
# (bench_run's format: the target's name in column 2).
bench_has() {
	local raw=$1 t
	shift
	for t in "$@"; do
		awk -v t="$t" '$2 == t { found = 1; exit } END { exit !found }' "$raw" || return 1
	done
}

# bench_goal_row MEASURED OP GOAL WHAT [NOTE]: a row of a Markdown
# "Targets" table (| target | measured | goal | met |): WHAT, the figure
# MEASURED, the goal (OP is <= or >=, GOAL a number) and whether it is met.
# The figure is printed with 3 decimals, so that one that misses the goal
# by less than 0.01 does not read as equal to it, and judged as printed.
bench_goal_row() {
	awk -v m="$1" -v op="$2" -v g="$3" -v what="$4" -v note="${5:-}" 'BEGIN {
		m = sprintf("%.3f", m) + 0
		met = (op == "<=") ? m <= g + 0 : m >= g + 0
		printf "| %s | %.3f | %s %.2f%s | %s |\n", what, m, (op == "<=" ? "≤" : "≥"), g, (note == "" ? "" : " (" note ")"), (met ? "met" : "**not met**")
	}'
}

# bench_ratio_goal RAWFILE TARGET REF COLUMN OP GOAL WHAT [NOTE]: the row of
# bench_goal_row for TARGET's COLUMN over REF's (bench_ratio); nothing when
# either target was not measured.
bench_ratio_goal() {
	bench_has "$1" "$2" "$3" || return 0
	bench_goal_row "$(bench_ratio "$1" "$2" "$3" "$4")" "$5" "$6" "$7" "${8:-}"
}

# bench_goals_met: one sentence counting the rows of a Targets table on
# stdin that are met, out of those measured.
bench_goals_met() {
	awk '{ n++ } / \| met \|$/ { met++ } /\| not measured/ { nm++ } END {
		printf "%d of %d goals met in this run%s.\n", met, n - nm, (nm ? sprintf(" (%d more not measured)", nm) : "")
	}'
}

# bench_need_vegeta DIR: sets VEGETA to vegeta BENCH_VEGETA_VERSION,
# installed with `go install` into DIR/vegeta-VERSION the first time.
bench_need_vegeta() {
	local dir=$1/vegeta-$BENCH_VEGETA_VERSION
	VEGETA=$dir/vegeta
	[ -x "$VEGETA" ] && return 0
	bench_log "installing vegeta $BENCH_VEGETA_VERSION into $dir"
	mkdir -p "$dir"
	GOBIN=$dir go install "github.com/tsenart/vegeta/v12@$BENCH_VEGETA_VERSION" ||
		bench_die "go install vegeta $BENCH_VEGETA_VERSION failed (BENCH_OPEN=0 leaves the open-loop run out)"
}

# bench_open_targets I RATE DURATION FILE: writes target I's vegeta targets
# to FILE and sets BENCH_OPEN_FORMAT: its OPEN_PREP's JSON targets, one per
# request and a second's more than the run sends, so that none is sent
# twice; else one GET in vegeta's http format, sent again and again.
bench_open_targets() {
	local i=$1 rate=$2 d=$3 f=$4
	if [ -n "${T_OPEN_PREP[$i]}" ]; then
		"${T_OPEN_PREP[$i]}" "$i" $((rate * (d + 1))) "$f"
		BENCH_OPEN_FORMAT=json
		return
	fi
	{
		echo "GET ${T_URL[$i]}"
		[ -z "${T_HOST[$i]}" ] || echo "Host: ${T_HOST[$i]}"
	} >"$f"
	BENCH_OPEN_FORMAT=http
}

# bench_open_one I RATE DURATION OUT: one vegeta attack on target I at RATE
# requests per second for DURATION seconds, pinned like wrk; writes its
# results to OUT as CSV. A request is given 10 s: the run ends at most that
# long after DURATION. Connections are capped at 1000 (a request waits for
# one, and its wait counts in its latency); workers are not, so that the
# requests leave on schedule however slowly the target answers.
bench_open_one() {
	local i=$1 rate=$2 d=$3 out=$4
	bench_open_targets "$i" "$rate" "$d" "$out.targets"
	taskset -c "$BENCH_WRK_CPU" "$VEGETA" attack -format="$BENCH_OPEN_FORMAT" -targets="$out.targets" \
		-rate="$rate/1s" -duration="${d}s" -timeout=10s -max-body=0 -max-connections=1000 \
		-output="$out.bin" || bench_die "${T_NAME[$i]}: vegeta attack failed"
	"$VEGETA" encode -to csv -output "$out" "$out.bin" || bench_die "${T_NAME[$i]}: vegeta encode failed"
	rm -f "$out.targets" "$out.bin"
}

# bench_open_counts CSV: from vegeta's CSV results (nanosecond timestamp,
# status, nanosecond latency, ...; status 0 is a request without an
# answer), "T0 SENT ANSWERED REQUESTS UNANSWERED NON2XX": the first
# request's timestamp, the rate the requests left at, the 2xx answers per
# second from the first request to the last answer, and the counts.
bench_open_counts() {
	awk -F, '$1 ~ /^[0-9]+$/ {
		n++
		if (n == 1 || $1 < t0) t0 = $1
		if (n == 1 || $1 > t1) t1 = $1
		if (n == 1 || $1 + $3 > t2) t2 = $1 + $3
		if ($2 == 0) lost++; else if ($2 < 200 || $2 > 299) bad++
	} END {
		printf "%.0f %.0f %.0f %d %d %d\n", t0, (t1 > t0 ? (n - 1) * 1e9 / (t1 - t0) : 0), (t2 > t0 ? (n - lost - bad) * 1e9 / (t2 - t0) : 0), n, lost + 0, bad + 0
	}' "$1"
}

# bench_open_delays CSV T0 INTERVAL: for each request of vegeta's CSV
# results, "LATENCY LATE" in ns. LATE is how long after it was due the
# request left: vegeta's pacer makes request SEQ due SEQ x INTERVAL after
# the first (SEQ is the 4th field from the end, after which come only the
# method, the URL and the headers in base64; an error message may hold
# commas, a URL here does not). vegeta's own latency starts when it sends,
# so a request it sent late, starved of CPU, would hide its lateness
# (coordinated omission again): LATENCY counts from when it was due.
bench_open_delays() {
	awk -F, -v t0="$2" -v iv="$3" '$1 ~ /^[0-9]+$/ {
		late = $1 - t0 - $(NF - 3) * iv
		if (late < 0) late = 0
		printf "%.0f %.0f\n", $3 + late, late
	}' "$1"
}

# bench_quantiles: "P50 P99 P99.9 MAX" (nearest rank, in µs) of the sorted
# nanoseconds on stdin, one per line.
bench_quantiles() {
	awk '{ a[NR] = $1 }
		function q(p,  i) { i = int(p * NR + 0.999999); if (i < 1) i = 1; return a[i] / 1000 }
		END { printf "%.0f %.0f %.0f %.0f\n", q(0.5), q(0.99), q(0.999), q(1) }'
}

# bench_open_summary CSV NAME RATE: one line of the open-loop raw file from
# vegeta's CSV results:
#   target rate sent_rps answered_rps p50_us p99_us p999_us max_us requests unanswered non2xx late_p99_us
# (bench_open_counts; latencies from when each request was due,
# bench_open_delays; late_p99_us is vegeta's own lag).
bench_open_summary() {
	local csv=$1 name=$2 rate=$3 c lat late
	c=$(bench_open_counts "$csv")
	lat=$(bench_open_delays "$csv" "${c%% *}" $((1000000000 / rate)) | cut -d' ' -f1 | sort -g | bench_quantiles)
	late=$(bench_open_delays "$csv" "${c%% *}" $((1000000000 / rate)) | cut -d' ' -f2 | sort -g | bench_quantiles)
	# shellcheck disable=SC2086 # word-split on purpose
	set -- ${c#* }
	echo "$name $rate $1 $2 $lat $3 $4 $5 $(echo "$late" | cut -d' ' -f2)"
}

# bench_open_run RAWFILE RATE DURATION DIR TARGET...: one open-loop run of
# each TARGET that was added (in the order given) at RATE requests per
# second for DURATION seconds; appends bench_open_summary's lines to
# RAWFILE, and keeps vegeta's results in DIR/open-TARGET.csv.
bench_open_run() {
	local raw=$1 rate=$2 d=$3 dir=$4 name i
	shift 4
	for name in "$@"; do
		for i in "${!T_NAME[@]}"; do
			[ "${T_NAME[$i]}" = "$name" ] || continue
			kill -0 "${T_PID[$i]}" 2>/dev/null || bench_die "$name: process ${T_PID[$i]} is not running"
			bench_log "open loop $name: $rate req/s for ${d}s (vegeta)"
			bench_open_one "$i" "$rate" "$d" "$dir/open-$name.csv"
			bench_open_summary "$dir/open-$name.csv" "$name" "$rate" >>"$raw"
			bench_log "open loop $(tail -n1 "$raw" | awk '{printf "%-18s sent %6s/s  answered %6s/s  p50 %6sus  p99 %7sus  p99.9 %7sus  max %7sus  unanswered %s  non-2xx %s  vegeta late p99 %sus", $1, $3, $4, $5, $6, $7, $8, $10, $11, $12}')"
		done
	done
}

# bench_open_col RAWFILE TARGET COLUMN: one figure of bench_open_run's line
# for TARGET.
bench_open_col() {
	awk -v t="$2" -v c="$3" '$1 == t { print $c; exit }' "$1"
}

# bench_open_table RAWFILE: the Markdown table of an open-loop run, with
# each target's p99 minus direct's (what it adds to the backend's tail).
bench_open_table() {
	local raw=$1 d99
	d99=$(bench_open_col "$raw" direct 6)
	echo "| target | rate req/s | sent req/s | answered req/s | p50 ms | p99 ms | p99.9 ms | max ms | added p99 over direct ms | unanswered | non-2xx | vegeta late p99 ms |"
	echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
	awk -v d99="$d99" '{
		printf "| %s | %d | %d | %d | %.3f | %.3f | %.3f | %.3f | %s | %d | %d | %.3f |\n", $1, $2, $3, $4, $5 / 1000, $6 / 1000, $7 / 1000, $8 / 1000,
			(d99 == "" ? "–" : sprintf("%+.3f", ($6 - d99) / 1000)), $10, $11, $12 / 1000
	}' "$raw"
}

# bench_open_behind RAWFILE TARGET...: the first TARGET whose requests
# vegeta sent at less than 95 % of the rate, as "TARGET N/s of R/s";
# nothing when it kept the rate for all. The latencies count vegeta's
# lateness (bench_open_delays), but a vegeta that cannot keep the rate at
# all measures itself more than the target.
bench_open_behind() {
	local raw=$1
	shift
	awk -v list=" $* " 'index(list, " " $1 " ") && $3 < 0.95 * $2 { printf "%s %d/s of %d/s", $1, $3, $2; exit }' "$raw"
}

# bench_open_goal RAWFILE TARGET: the Targets row of the open-loop goal:
# TARGET's p99 over direct's no more than nginx's, every request answered
# with a 2xx; "not measured" when vegeta fell behind the rate for any of
# the three (bench_open_behind); nothing when one of them was not run.
bench_open_goal() {
	local raw=$1 t=$2 d99 n99 t99
	d99=$(bench_open_col "$raw" direct 6)
	n99=$(bench_open_col "$raw" nginx 6)
	t99=$(bench_open_col "$raw" "$t" 6)
	[ -n "$d99" ] && [ -n "$n99" ] && [ -n "$t99" ] || return 0
	awk -v t="$t" -v d="$d99" -v n="$n99" -v m="$t99" -v e="$(($(bench_open_col "$raw" "$t" 10) + $(bench_open_col "$raw" "$t" 11)))" \
		-v behind="$(bench_open_behind "$raw" direct nginx "$t")" 'BEGIN {
		met = m - d <= n - d && e == 0
		printf "| open loop: `%s` added p99 over direct (ms) | %+.3f%s | ≤ nginx'"'"'s %+.3f (issue 11) | %s |\n", t, (m - d) / 1000,
			(e ? sprintf(", %d requests failed", e) : ""), (n - d) / 1000,
			(behind != "" ? "not measured: vegeta fell behind (" behind ")" : met ? "met" : "**not met**")
	}'
}

# bench_machine: one line naming the machine.
bench_machine() {
	local model
	model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	echo "$(nproc) CPUs ($model), $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr), load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# bench_replace_section FILE HEADING CONTENTFILE: replaces the "## HEADING"
# section of FILE (up to the next "## " heading) with CONTENTFILE, or appends
# it when FILE has no such section.
bench_replace_section() {
	local file=$1 heading=$2 content=$3 tmp
	tmp=$(mktemp)
	[ -f "$file" ] || printf '# Benchmarks\n' >"$file"
	awk -v h="## $heading" -v cf="$content" '
		function emit(  line) { while ((getline line < cf) > 0) print line; close(cf); done = 1 }
		$0 == h { emit(); skip = 1; next }
		skip && /^## / { skip = 0 }
		!skip { print }
		END { if (!done) { print ""; emit() } }
	' "$file" >"$tmp"
	cat "$tmp" >"$file"
	rm -f "$tmp"
}
