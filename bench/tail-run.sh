#!/usr/bin/env bash
# Tail latency at a constant request rate: direct, auth-sidecar and nginx proxy_pass in front of the same upstream,
# measured by bench/Load.java (free of coordinated omission). Writes its section of bench/RESULTS.md
# (between <!-- tail:start --> and <!-- tail:end -->).
#
#   bench/tail-run.sh                          # RATE=1000 CONNECTIONS=16 DURATION=60 ROUNDS=2
#   DURATION=20 ROUNDS=3 bench/tail-run.sh
#   SIDECAR_EXTRA_FLAGS="-Xlog:gc,safepoint:file=@WORK@/gc-@ROUND@.log:uptime,time" bench/tail-run.sh
#                                              # flags added to the image's (@WORK@, @ROUND@ are filled in)
#   RT=1 bench/tail-run.sh                     # the measured processes run SCHED_FIFO (see below)
#   RESULTS=/tmp/r.md bench/tail-run.sh        # leave bench/RESULTS.md alone
#
# Targets (upstream: nginx answering GET /ping with {"message":"pong"}):
#   direct    load -> upstream                       the floor
#   sidecar   load -> auth-sidecar (API key) -> upstream, the image's JVM options, one event loop
#   nginx     load -> nginx proxy_pass (no auth) -> upstream, 1 worker, upstream keepalive
# Each target, started fresh each round: a closed-loop wrk warm-up (the sidecar's JIT compiles its hot path), then
# Load.java at RATE requests/s over CONNECTIONS keep-alive connections, WARMUP_AT_RATE s unrecorded and DURATION s
# recorded. Reported per target: p50, p99, p99.9 and max latency from each request's due time, and the latency the
# proxies add over direct (per round, then the median over rounds). Targets of issue 14: the sidecar adds at most
# 50 µs at p50 and 150 µs at p99. bench/README.md ("Tail latency") explains the method and what was found.
#
# RT=1: while Load.java runs, it, the upstream and the proxy under test run with the real-time policy SCHED_FIFO
# (chrt -f 1; the client whole, the servers but for a JVM's JIT compiler threads), so that on a machine shared with
# other busy processes a wake-up is not queued behind them: what remains is the latency of the servers themselves.
# The closed-loop warm-up runs at normal priority (a real-time process at full load would starve the machine).
# Needs CAP_SYS_NICE; the kernel keeps 5% of each second for other tasks (sched_rt_runtime_us).
#
# Needs nginx, wrk, the built jar (./mvnw -B -q -pl auth-sidecar -am package -DskipTests) and HdrHistogram in the
# local Maven repository (resolved with ./mvnw dependency:get if missing). Stops every process it started.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$BENCH_DIR")"
JAR="$REPO_DIR/auth-sidecar/target/auth-sidecar.jar"
RESULTS="${RESULTS:-$BENCH_DIR/RESULTS.md}"
RATE="${RATE:-1000}"
CONNECTIONS="${CONNECTIONS:-16}"
DURATION="${DURATION:-60}"
ROUNDS="${ROUNDS:-2}"
WARMUP="${WARMUP:-8}"                  # closed-loop wrk warm-up, seconds (as bench/run.sh's SIDECAR_WARMUP)
# Unrecorded seconds at RATE before the recorded ones. Long, because the switch from wrk's closed loop to a steady
# rate sends the event loop down paths it had not taken (idle waits, timers): C2 deoptimizes the methods whose
# profile did not cover them, and with -XX:-TieredCompilation they run interpreted until they have been called
# 10,000 times again, which at 1,000 req/s takes seconds.
WARMUP_AT_RATE="${WARMUP_AT_RATE:-15}"
SIDECAR_EXTRA_FLAGS="${SIDECAR_EXTRA_FLAGS:-}"
RT="${RT:-0}"
ONLY="${ONLY:-}"                       # sidecar: measure only the sidecar (an A/B of its options); no section
TARGET_P50_US=50
TARGET_P99_US=150
HOST=127.0.0.1
UPSTREAM_PORT="${UPSTREAM_PORT:-18700}"
SIDECAR_PORT="${SIDECAR_PORT:-18701}"
PEER_PORT="${PEER_PORT:-18702}"
ADMIN_PORT="${ADMIN_PORT:-18703}"
ACCESS_LOG=off
BENCH_NAME=tail
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
# shellcheck source=bench/nginx.sh
source "$BENCH_DIR/nginx.sh"
HDR_VERSION=2.2.2
HDR_JAR="$HOME/.m2/repository/org/hdrhistogram/HdrHistogram/$HDR_VERSION/HdrHistogram-$HDR_VERSION.jar"
# The load client's own JVM: a young generation large enough that it never collects during a run, so its pauses
# are not in anyone's numbers.
LOAD_FLAGS="-Xms256m -Xmx256m -Xmn200m -XX:+UseSerialGC -XX:+AlwaysPreTouch --sun-misc-unsafe-memory-access=allow
 --enable-native-access=ALL-UNNAMED"

[[ -x "$NGINX" ]] || die "nginx not found; apt-get install -y nginx"
command -v wrk >/dev/null || die "wrk not found; apt-get install -y wrk"
[[ -f "$JAR" ]] || die "$JAR missing; ./mvnw -B -q -pl auth-sidecar -am package -DskipTests"
if [[ ! -f "$HDR_JAR" ]]; then
    "$REPO_DIR/mvnw" -B -q dependency:get -Dartifact="org.hdrhistogram:HdrHistogram:$HDR_VERSION" >&2 ||
        die "could not resolve HdrHistogram $HDR_VERSION"
fi
require_free_ports "$UPSTREAM_PORT" "$SIDECAR_PORT" "$PEER_PORT" "$ADMIN_PORT"
mkdir -p "$BENCH_DIR/out"
WORK="$(mktemp -d "$BENCH_DIR/out/tail.XXXXXX")"
cp "$JAR" "$WORK/auth-sidecar.jar" # a private copy: target/ may be rebuilt while this runs
JAR="$WORK/auth-sidecar.jar"
KEY="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
LOADAVG_START="$(cut -d' ' -f1-3 /proc/loadavg)"
log "work dir $WORK"

write_nginx_upstream_conf
write_nginx_peer_conf
cat >"$WORK/sidecar.yaml" <<YAML
server:
  listen: $HOST:$SIDECAR_PORT
  ioThreads: 1
upstream:
  url: http://$HOST:$UPSTREAM_PORT
$(sidecar_config_tail "$ADMIN_PORT" "$KEY")
YAML

# $1 name (upstream|peer): starts nginx with its config; prints the master's pid.
run_nginx() {
    "$NGINX" -p "$WORK/$1" -e "$WORK/$1/error.log" -c "$WORK/nginx-$1.conf" >"$WORK/$1/stdout.log" 2>&1 &
    PIDS+=($!)
    NGINX_PID=$!
}
stop() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
status_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }

RT_PREFIX=()
if [[ "$RT" == 1 ]]; then
    chrt -f 1 true 2>/dev/null || die "RT=1 needs the real-time policy (chrt -f 1), which is not permitted here"
    RT_PREFIX=(chrt -f 1)
fi
run_nginx upstream
UPSTREAM_NGINX=$NGINX_PID
wait_port "$UPSTREAM_PORT"
[[ "$(status_of "http://$HOST:$UPSTREAM_PORT/ping")" == 200 ]] || die "the upstream does not answer /ping"

# $1 policy option of chrt (-f: SCHED_FIFO, -o: back to normal), $2.. pids: every thread of each, when RT=1, but
# a JVM's JIT compiler threads: a real-time compiler thread would hold a core for a whole compilation, and with
# first-in-first-out scheduling the event loop would wait for it, a stall of the benchmark's own making.
priority() {
    local policy=$1 prio pid task
    shift
    [[ "$RT" == 1 ]] || return 0
    prio=$([[ "$policy" == -f ]] && echo 1 || echo 0)
    for pid in "$@"; do
        for task in /proc/"$pid"/task/*; do
            [[ "$(cat "$task/comm" 2>/dev/null)" != C[12]\ Compiler* ]] || continue
            chrt "$policy" -p "$prio" "${task##*/}" >/dev/null 2>&1 || true # a thread may have ended meanwhile
        done
    done
}
# The upstream's and a proxy's processes (nginx: master and worker).
with_children() {
    local pid
    for pid in "$@"; do echo "$pid" $(pgrep -P "$pid" || true); done
}

# $1 round, $2 target, $3 url, $4 pids of the proxy ("" for direct), $5.. extra -H arguments. Appends
# "round target key=value..." to $WORK/tail.txt.
measure() {
    local round=$1 target=$2 url=$3 servers out
    servers="$(with_children "$UPSTREAM_NGINX" $4)"
    shift 4
    wrk -t1 -c32 -d1s "$@" "$url" >/dev/null
    wrk -t1 -c32 -d"$((WARMUP - 1))s" "$@" "$url" >/dev/null
    # shellcheck disable=SC2086
    priority -f $servers
    out="$(${RT_PREFIX[@]+"${RT_PREFIX[@]}"} "$JAVA" $LOAD_FLAGS -cp "$JAR:$HDR_JAR" "$BENCH_DIR/Load.java" "$url" --rate "$RATE" \
        --connections "$CONNECTIONS" --warmup "$WARMUP_AT_RATE" --duration "$DURATION" "$@" \
        --histogram "$WORK/hist-$target-$round.txt" --slow-log "$WORK/slow-$target-$round.txt" --slow-us 1000)" ||
        die "$target: the load client failed"
    # shellcheck disable=SC2086
    priority -o $servers
    log "round $round $target: $out"
    echo "$round $target $out" >>"$WORK/tail.txt"
}

run_sidecar() {
    # shellcheck disable=SC2086 # word lists on purpose
    local extra=${SIDECAR_EXTRA_FLAGS//@ROUND@/$1}
    SIDECAR_JVM_FLAGS="$SIDECAR_JVM_FLAGS ${extra//@WORK@/$WORK}" \
        start_sidecar "$WORK/sidecar.yaml" "$WORK/sidecar-$1.log" "$SIDECAR_PORT"
    wait_port "$ADMIN_PORT"
    [[ "$(status_of "http://$HOST:$SIDECAR_PORT/ping")" == 401 ]] || die "the sidecar let a request without a key in"
    [[ "$(status_of -H "Authorization: Bearer $KEY" "http://$HOST:$SIDECAR_PORT/ping")" == 200 ]] ||
        die "the sidecar refused the run's key"
    measure "$1" sidecar "http://$HOST:$SIDECAR_PORT/ping" "$SIDECAR_PID" -H "Authorization: Bearer $KEY"
    stop "$SIDECAR_PID"
}
run_peer() {
    run_nginx peer
    wait_port "$PEER_PORT"
    measure "$1" nginx "http://$HOST:$PEER_PORT/ping" "$NGINX_PID"
    stop "$NGINX_PID"
}

: >"$WORK/tail.txt"
for ((round = 1; round <= ROUNDS; round++)); do
    if [[ "$ONLY" == sidecar ]]; then run_sidecar "$round"; continue; fi
    measure "$round" direct "http://$HOST:$UPSTREAM_PORT/ping" ""
    if ((round % 2 == 1)); then run_sidecar "$round"; run_peer "$round"; else run_peer "$round"; run_sidecar "$round"; fi
done
if [[ "$ONLY" == sidecar ]]; then
    log "ONLY=sidecar: no section written (results in $WORK/tail.txt)"
    exit 0
fi

# The section: medians over rounds; "added" is target minus direct within a round, then the median.
errors="$(grep -o 'errors=[0-9]*' "$WORK/tail.txt" | awk -F= '{s += $2} END {print s + 0}')"
((errors == 0)) || log "WARNING: $errors requests failed (see $WORK/tail.txt)"
awk -v rounds="$ROUNDS" -v rate="$RATE" -v conns="$CONNECTIONS" -v dur="$DURATION" -v tp50="$TARGET_P50_US" \
    -v tp99="$TARGET_P99_US" -v flags="$SIDECAR_JVM_FLAGS $SIDECAR_EXTRA_FLAGS" -v load="$LOADAVG_START" \
    -v head="$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    -v when="$(date -u '+%Y-%m-%d %H:%M UTC')" -v errors="$errors" -v rt="$RT" '
function med(key,   n, i, j, t, a) {
    n = 0
    for (i = 1; i <= rounds; i++) if ((i, key) in v) a[++n] = v[i, key]
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n == 0 ? "" : (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
}
function ms(us) { return us >= 1000 ? sprintf("%.2f ms", us / 1000) : sprintf("%d µs", us) }
function all(key,   i, s) { s = ""; for (i = 1; i <= rounds; i++) s = s (i > 1 ? ", " : "") ms(v[i, key]); return s }
{
    for (f = 3; f <= NF; f++) { split($f, kv, "="); v[$1, $2 "." kv[1]] = kv[2] }
}
END {
    split("p50_us p99_us p999_us", q, " ")
    for (i = 1; i <= rounds; i++) for (t in q) for (p = 0; p < 2; p++) {
        name = p ? "nginx" : "sidecar"
        v[i, name ".add_" q[t]] = v[i, name "." q[t]] - v[i, "direct." q[t]]
    }
    print "<!-- tail:start -->"
    print "## Tail latency at a constant rate (bench/tail-run.sh)"
    print ""
    printf "%s, git %s; %d rounds; %d req/s over %d keep-alive connections, %d s recorded per target, measured by\n", when, head, rounds, rate, conns, dur
    print "bench/Load.java from each request'"'"'s due time (free of coordinated omission). Median of the rounds; the"
    print "sidecar checks an API key; nginx does no authentication. Load average at the start: " load "; " (rt == 1 ? "RT=1 (client, upstream and proxy SCHED_FIFO while measured)." : "normal scheduling (RT=0).")
    print ""
    print "| target | p50 | p99 | p99.9 | max | added p50 | added p99 | added p99.9 |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|"
    split("direct sidecar nginx", ts, " ")
    for (k = 1; k <= 3; k++) {
        t = ts[k]
        row = sprintf("| %s | %s | %s | %s | %s |", t, ms(med(t ".p50_us")), ms(med(t ".p99_us")), ms(med(t ".p999_us")), ms(med(t ".max_us")))
        if (t == "direct") row = row " | | |"
        else row = row sprintf(" %s | %s | %s |", ms(med(t ".add_p50_us")), ms(med(t ".add_p99_us")), ms(med(t ".add_p999_us")))
        print row
    }
    a50 = med("sidecar.add_p50_us"); a99 = med("sidecar.add_p99_us")
    print ""
    printf "Targets (issue 14): the sidecar adds ≤ %d µs at p50: %s (%s); ≤ %d µs at p99: %s (%s).\n", tp50, ms(a50), a50 <= tp50 ? "PASS" : "FAIL", tp99, ms(a99), a99 <= tp99 ? "PASS" : "FAIL"
    if (errors > 0) printf "\n**%d requests failed in this run.**\n", errors
    print ""
    print "Every round (p99): direct " all("direct.p99_us") "; sidecar " all("sidecar.p99_us") "; nginx " all("nginx.p99_us") "."
    print "The client'"'"'s own send lateness (its timer), p99: direct " all("direct.late_p99_us") "; sidecar " all("sidecar.late_p99_us") "; nginx " all("nginx.late_p99_us") "."
    print ""
    print "Sidecar JVM options: `" flags "`"
    print "<!-- tail:end -->"
}' "$WORK/tail.txt" >"$WORK/tail-section.md"
cat "$WORK/tail-section.md" >&2
if [[ "$RESULTS" != none ]]; then
    "$JAVA" "$BENCH_DIR/Results.java" splice "$RESULTS" tail "$WORK/tail-section.md" || die "could not write $RESULTS"
    log "wrote the tail section of $RESULTS"
fi
