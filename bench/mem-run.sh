#!/usr/bin/env bash
# Memory benchmark (issue 14, item 3): auth-sidecar's RSS against nginx's, on loopback, in two set-ups, and its
# section of bench/RESULTS.md (between <!-- memory:start --> and <!-- memory:end -->).
#
#   bench/mem-run.sh                     # ROUNDS=3 TOKENS=10000 CONNECTIONS=1000 IDLE=10000 DURATION=10
#   DIAG=1 bench/mem-run.sh              # also: NMT, pmap, heap and class histograms at each peak, in the work dir
#   RESULTS=/tmp/x.md bench/mem-run.sh   # an experiment: leave bench/RESULTS.md alone
#   IDLE_HEAP= bench/mem-run.sh          # (b) with the image's -Xmx too (48m: 10,000 idle connections exhaust it)
#
# (a) Under load with many tokens: TOKENS distinct RS256 JWTs (minted by bench/mem/MemClient.java from a dev key
#     the jar makes) go through the sidecar once each, so its verified-credential cache holds TOKENS entries; then
#     wrk with CONNECTIONS keep-alive connections sends them in rotation for DURATION seconds, so every request is
#     a cache hit on another token than the connection's last. Reported: the process's peak RSS (VmHWM, from
#     start-up to the end of the load), and the CPU per request. The script checks that the cache kept every token
#     (no token is verified twice) and that nothing but 200s came back.
# (b) Idle connections: a fresh process, warmed up by a short load, then IDLE keep-alive connections, each after
#     one request, held open (bench/mem/MemClient.java idle). Reported: RSS before and after, and the difference.
# nginx (proxy_pass, no auth, one worker) gets the same two set-ups: the same wrk script and connections, and the
# same idle connections. Each process is started fresh for each set-up and round; medians over ROUNDS.
#
# Needs nginx, wrk and the built jar (./mvnw -B -q -pl auth-sidecar -am package -DskipTests). Installs nothing;
# stops every process it started. Raises its open-files limit (it needs IDLE + a few hundred).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$BENCH_DIR")"
JAR="$REPO_DIR/auth-sidecar/target/auth-sidecar.jar"
RESULTS="${RESULTS:-$BENCH_DIR/RESULTS.md}"
ROUNDS="${ROUNDS:-3}"
TOKENS="${TOKENS:-10000}"
CONNECTIONS="${CONNECTIONS:-1000}"
IDLE="${IDLE:-10000}"
DURATION="${DURATION:-10}"
# The sidecar's warm-up before (a)'s measured load: long enough for C2 to compile the hot path (it interprets
# until then, see run.sh's SIDECAR_WARMUP) and for every token to go through once.
WARMUP="${WARMUP:-10}"
DIAG="${DIAG:-0}"
# (b)'s heap cap in place of the image's -Xmx ("" keeps the image's): see idle_sidecar.
IDLE_HEAP="${IDLE_HEAP-96m}"
HOST=127.0.0.1
UPSTREAM_PORT="${UPSTREAM_PORT:-18900}"
SIDECAR_PORT="${SIDECAR_PORT:-18901}"
PEER_PORT="${PEER_PORT:-18902}"
ADMIN_PORT="${ADMIN_PORT:-18903}"
BENCH_NAME=mem-bench
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
TOOL_FLAGS="-Xmx256m -XX:+UseSerialGC"

[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive whole number, got '$ROUNDS'"
[[ "$TOKENS" =~ ^[1-9][0-9]*$ ]] || die "TOKENS must be a positive whole number, got '$TOKENS'"
[[ "$CONNECTIONS" =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be a positive whole number, got '$CONNECTIONS'"
[[ "$IDLE" =~ ^[1-9][0-9]*$ ]] || die "IDLE must be a positive whole number, got '$IDLE'"
[[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || die "DURATION must be a positive whole number of seconds, got '$DURATION'"
[[ -x "$NGINX" ]] || die "nginx not found; apt-get install -y nginx"
command -v wrk >/dev/null || die "wrk not found; apt-get install -y wrk"
[[ -f "$JAR" ]] || die "$JAR missing; ./mvnw -B -q -pl auth-sidecar -am package -DskipTests"
ulimit -n $((IDLE + 1024)) 2>/dev/null ||
    die "cannot raise the open-files limit to $((IDLE + 1024)) (hard limit $(ulimit -Hn)); lower IDLE"
require_free_ports "$UPSTREAM_PORT" "$SIDECAR_PORT" "$PEER_PORT" "$ADMIN_PORT"
mkdir -p "$BENCH_DIR/out"
WORK="$(mktemp -d "$BENCH_DIR/out/mem.XXXXXX")"
# A private copy: target/ may be rebuilt while this runs.
cp "$JAR" "$WORK/auth-sidecar.jar"
JAR="$WORK/auth-sidecar.jar"
log "work dir $WORK; sidecar JVM flags: $SIDECAR_JVM_FLAGS"

tool() { exec "$JAVA" $TOOL_FLAGS -cp "$JAR" "$BENCH_DIR/mem/MemClient.java" "$@"; }

# ---- nginx: the upstream (answers /ping) and the peer (proxy_pass, no auth) --------------------------------
nginx_conf() {
    local name=$1 body=$2
    mkdir -p "$WORK/$name"
    cat >"$WORK/$name.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/$name/nginx.pid;
error_log $WORK/$name/error.log warn;
events { worker_connections $((IDLE + 2048)); }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 10m;
    client_body_temp_path $WORK/$name/client_body;
    proxy_temp_path $WORK/$name/proxy;
    fastcgi_temp_path $WORK/$name/fastcgi;
    uwsgi_temp_path $WORK/$name/uwsgi;
    scgi_temp_path $WORK/$name/scgi;
$body
}
CONF
}
nginx_conf upstream "    default_type application/json;
    server {
        listen $HOST:$UPSTREAM_PORT backlog=4096;
        location = /ping { return 200 '{\"message\":\"pong\"}'; }
    }"
nginx_conf peer "    upstream app {
        server $HOST:$UPSTREAM_PORT;
        keepalive 64;
    }
    server {
        listen $HOST:$PEER_PORT backlog=4096;
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
        }
    }"
# Sets NGINX_PID (master) and NGINX_PIDS (master and worker).
start_nginx() {
    local name=$1 port=$2
    "$NGINX" -p "$WORK/$name" -e "$WORK/$name/error.log" -c "$WORK/$name.conf" >"$WORK/$name/stdout.log" 2>&1 &
    NGINX_PID=$!
    PIDS+=("$NGINX_PID")
    wait_port "$port"
    sleep 0.3
    NGINX_PIDS=("$NGINX_PID" $(pgrep -P "$NGINX_PID" || true))
    ((${#NGINX_PIDS[@]} == 2)) || die "nginx $name: expected a master and one worker, got pids ${NGINX_PIDS[*]}"
}
stop_pid() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
start_nginx upstream "$UPSTREAM_PORT"

# ---- tokens and the sidecar's config ----------------------------------------------------------------------
# Minting takes a minute or more on a busy machine (RSA signatures), so a run reuses the key and tokens of a run
# in the last hour (they live 4 h).
KEYS="$BENCH_DIR/out/mem-tokens-$TOKENS"
if [[ -z "$(find "$KEYS/tokens.txt" -mmin -60 2>/dev/null)" ]]; then
    rm -rf "$KEYS"
    "$JAVA" -jar "$JAR" dev-keys --out "$KEYS" >"$WORK/dev-keys.log" 2>&1 || die "dev-keys failed ($WORK/dev-keys.log)"
    log "minting $TOKENS tokens"
    (tool mint "$KEYS/signing-key.json" "$TOKENS" "$KEYS/tokens.tmp") || die "minting tokens failed"
    mv "$KEYS/tokens.tmp" "$KEYS/tokens.txt"
fi
cp "$KEYS/tokens.txt" "$KEYS/jwks.json" "$WORK/"
(($(wc -l <"$WORK/tokens.txt") == TOKENS)) || die "expected $TOKENS tokens in $WORK/tokens.txt"
TOKEN_BYTES="$(head -n1 "$WORK/tokens.txt" | tr -d '\n' | wc -c)"
FIRST_TOKEN="$(head -n1 "$WORK/tokens.txt")"

# One event loop like the other benchmarks; a cache as large as the token set; a keep-alive idle timeout longer
# than the run, so that (b)'s connections stay open while they are counted; a connection limit above IDLE.
cat >"$WORK/sidecar.yaml" <<YAML
server:
  listen: $HOST:$SIDECAR_PORT
  ioThreads: 1
  idleTimeout: 10m
  maxConnections: $((IDLE + CONNECTIONS + 64))
upstream:
  url: http://$HOST:$UPSTREAM_PORT
admin:
  listen: $HOST:$ADMIN_PORT
auth:
  cache:
    maxEntries: $TOKENS
  jwt:
    providers:
      - name: dev
        issuer: auth-sidecar-dev
        audiences: [main-service]
        jwksFile: $WORK/jwks.json
        algorithms: [RS256]
shutdown:
  drainDelay: 0s
  timeout: 2s
accessLog:
  format: "off"
YAML

# wrk: every request carries the next token of the list (requests formatted once, in init).
cat >"$WORK/rotate.lua" <<'LUA'
local requests = {}
local n = 0
local i = 0
function init(args)
    for line in io.lines(args[1]) do
        n = n + 1
        requests[n] = wrk.format("GET", "/ping", { ["Authorization"] = "Bearer " .. line })
    end
end
function request()
    i = i % n + 1
    return requests[i]
end
-- Anything but 200 makes the run invalid (wrk counts statuses over 399 here; no response() hook, which would
-- make wrk parse every answer's headers).
function done(summary)
    io.write(string.format("non-200 %d\n", summary.errors.status))
end
LUA

# $1 url, $2 seconds, $3 connections; prints "requests non200 socket_errors".
run_wrk() {
    local out
    out="$(wrk -t1 -c"$3" -d"$2s" --timeout 5s -s "$WORK/rotate.lua" "$1" -- "$WORK/tokens.txt")" || die "wrk failed"
    printf '%s\n' "$out" >>"$WORK/wrk.log"
    awk '/requests in/ {r = $1} /^non-200/ {b = $2}
         /Socket errors/ {gsub(",", ""); e = $4 + $6 + $8 + $10} END {print r, b + 0, e + 0}' <<<"$out"
}
status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
hwm_kib() {
    local total=0 pid
    for pid in "$@"; do total=$((total + $(status_kib "$pid" VmHWM))); done
    echo "$total"
}
cache_misses() {
    curl -s "http://$HOST:$ADMIN_PORT/metrics" |
        awk '/^auth_sidecar_credential_cache_requests_total\{.*result="miss"/ {printf "%d", $2}'
}
diag() {
    [[ "$DIAG" == 1 ]] || return 0
    local pid=$1 tag=$2
    jcmd "$pid" VM.native_memory summary >"$WORK/$tag.nmt.txt" 2>&1 || true
    jcmd "$pid" GC.heap_info >"$WORK/$tag.heap.txt" 2>&1 || true
    jcmd "$pid" GC.class_histogram >"$WORK/$tag.histo.txt" 2>&1 || true
    pmap -x "$pid" >"$WORK/$tag.pmap.txt" 2>&1 || true
    grep -E '^(VmHWM|VmRSS|RssAnon|RssFile|Threads)' "/proc/$pid/status" >"$WORK/$tag.status.txt"
}
[[ "$DIAG" == 1 ]] && SIDECAR_JVM_FLAGS="$SIDECAR_JVM_FLAGS -XX:NativeMemoryTracking=summary"
JCMD="$(dirname "$JAVA")/jcmd"
jcmd() { "$JCMD" "$@"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

# ---- (a) peak RSS under load --------------------------------------------------------------------------------
# Sets OUT to "peak_kib rss_kib cpu_us_per_request requests_per_s".
load_sidecar() {
    local round=$1 r misses before after
    start_sidecar "$WORK/sidecar.yaml" "$WORK/sidecar-a$round.log" "$SIDECAR_PORT"
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$HOST:$SIDECAR_PORT/ping")" == 401 ]] ||
        die "the sidecar answered a request without a token with something other than 401"
    # Warm-up: every token once (the first TOKENS requests of the rotation: slow while the JVM still interprets
    # RSA), then WARMUP seconds more for the JIT.
    local waited=0
    while misses="$(cache_misses)"; ((misses < TOKENS)); do
        ((waited < 300)) || die "after ${waited}s of warm-up the cache has seen only $misses of $TOKENS tokens"
        r="$(run_wrk "http://$HOST:$SIDECAR_PORT/ping" 5 "$CONNECTIONS")"
        read -r reqs bad errs <<<"$r"
        ((bad == 0)) || die "warm-up: $bad answers were not 200 (see $WORK/wrk.log)"
        waited=$((waited + 5))
    done
    ((misses == TOKENS)) || die "after the warm-up the cache missed $misses times, expected $TOKENS (one per token)"
    run_wrk "http://$HOST:$SIDECAR_PORT/ping" "$WARMUP" "$CONNECTIONS" >/dev/null
    before=$(cpu_ticks "$SIDECAR_PID")
    r="$(run_wrk "http://$HOST:$SIDECAR_PORT/ping" "$DURATION" "$CONNECTIONS")"
    after=$(cpu_ticks "$SIDECAR_PID")
    read -r reqs bad errs <<<"$r"
    ((bad == 0)) || die "load: $bad answers were not 200 (see $WORK/wrk.log)"
    ((errs == 0)) || log "load: wrk counted $errs socket errors (see $WORK/wrk.log)"
    # Every token stayed cached: none was verified again.
    (($(cache_misses) == TOKENS)) || die "the cache missed $(($(cache_misses) - TOKENS)) times under load: it evicted tokens"
    diag "$SIDECAR_PID" "sidecar-a$round"
    OUT="$(hwm_kib "$SIDECAR_PID") $(rss_kib "$SIDECAR_PID") $(awk -v t=$((after - before)) -v hz="$CLK_TCK" \
        -v n="$reqs" -v d="$DURATION" 'BEGIN {printf "%.1f %.0f", t / hz * 1e6 / n, n / d}')"
    stop_pid "$SIDECAR_PID"
}

load_nginx() {
    local round=$1 r before after
    start_nginx peer "$PEER_PORT"
    run_wrk "http://$HOST:$PEER_PORT/ping" 3 "$CONNECTIONS" >/dev/null
    before=$(cpu_ticks "${NGINX_PIDS[@]}")
    r="$(run_wrk "http://$HOST:$PEER_PORT/ping" "$DURATION" "$CONNECTIONS")"
    after=$(cpu_ticks "${NGINX_PIDS[@]}")
    read -r reqs bad errs <<<"$r"
    ((bad == 0)) || die "nginx load: $bad answers were not 200"
    OUT="$(hwm_kib "${NGINX_PIDS[@]}") $(rss_kib "${NGINX_PIDS[@]}") $(awk -v t=$((after - before)) -v hz="$CLK_TCK" \
        -v n="$reqs" -v d="$DURATION" 'BEGIN {printf "%.1f %.0f", t / hz * 1e6 / n, n / d}')"
    stop_pid "$NGINX_PID"
}

# ---- (b) idle connections -----------------------------------------------------------------------------------
# $1 port, $2.. pids; sets OUT to "before_kib after_kib".
hold_idle() {
    local port=$1 line before after
    shift
    sleep 1
    before=$(rss_kib "$@")
    coproc HOLDER { tool idle "$HOST" "$port" "$IDLE" "$FIRST_TOKEN" 2>&1; }
    read -r line <&"${HOLDER[0]}" || die "the idle client failed"
    [[ "$line" == "ready $IDLE" ]] || die "the idle client printed: $line"
    sleep 2
    after=$(rss_kib "$@")
    if [[ "$DIAG" == 1 && "$1" == "${SIDECAR_PID:-}" ]]; then diag "$1" "sidecar-b$round"; fi
    eval "exec ${HOLDER[1]}>&-"
    read -r line <&"${HOLDER[0]}" || true
    wait "$HOLDER_PID" 2>/dev/null || true
    [[ "$line" == "closed-by-peer 0" ]] || die "the proxy closed idle connections while they were held: $line"
    OUT="$before $after"
}

idle_sidecar() {
    local round=$1 flags=$SIDECAR_JVM_FLAGS
    # IDLE connections take about 4 KiB of heap each (docs/memory.md): 10,000 do not fit the image's 48 MiB.
    [[ -n "$IDLE_HEAP" ]] && SIDECAR_JVM_FLAGS="$(sed -E "s/-Xmx[0-9]+[mMgG]/-Xmx$IDLE_HEAP/" <<<"$flags")"
    start_sidecar "$WORK/sidecar.yaml" "$WORK/sidecar-b$round.log" "$SIDECAR_PORT"
    SIDECAR_JVM_FLAGS=$flags
    # Compiled and warm, as a sidecar that has served requests is; then only the connections differ.
    run_wrk "http://$HOST:$SIDECAR_PORT/ping" "$WARMUP" 32 >/dev/null
    hold_idle "$SIDECAR_PORT" "$SIDECAR_PID"
    stop_pid "$SIDECAR_PID"
}

idle_nginx() {
    start_nginx peer "$PEER_PORT"
    run_wrk "http://$HOST:$PEER_PORT/ping" 2 32 >/dev/null
    hold_idle "$PEER_PORT" "${NGINX_PIDS[@]}"
    stop_pid "$NGINX_PID"
}

declare -A A B
for ((round = 1; round <= ROUNDS; round++)); do
    # Alternate the order, so neither proxy always runs on a machine that is warming up or getting busier.
    if ((round % 2 == 1)); then order=(sidecar nginx); else order=(nginx sidecar); fi
    for target in "${order[@]}"; do
        # Not in $(...): the processes they start must stay this shell's children, so that cleanup stops them.
        "load_$target" "$round"
        A[$target]+="$OUT"$'\n'
        log "round $round $target (a): $OUT (peak KiB, RSS KiB, CPU µs/req, req/s)"
        "idle_$target" "$round"
        B[$target]+="$OUT"$'\n'
        log "round $round $target (b): $OUT (RSS KiB before, with $IDLE idle)"
    done
done
col() { printf '%s' "$1" | awk -v c="$2" 'NF {print $c}' | median; }
added() { printf '%s' "$1" | awk 'NF {print $2 - $1}' | median; }

cpu_model="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
section="$WORK/section.md"
{
    echo "<!-- memory:start -->"
    echo "## Memory: $TOKENS cached tokens under load, and $IDLE idle connections"
    echo
    echo "\`bench/mem-run.sh\`, $(date -u '+%Y-%m-%d %H:%M UTC'), git $(git -C "$REPO_DIR" rev-parse --short HEAD)."
    echo "Machine: $(nproc) CPUs ($cpu_model), $(uname -sr), shared with other builds while it ran (load average"
    echo "$(cut -d' ' -f1-3 /proc/loadavg) at the end). $("$JAVA" -version 2>&1 | sed -n 1p); $("$NGINX" -v 2>&1)."
    echo "The sidecar runs with the image's JVM options, one event loop, RS256 JWTs; nginx (one worker, \`proxy_pass\`,"
    echo "upstream keepalive) checks nothing. Both in front of the same nginx upstream. Medians of $ROUNDS rounds, each"
    echo "process started fresh for each set-up; docs/memory.md says where the sidecar's MiBs go."
    echo
    echo "(a) $TOKENS distinct ${TOKEN_BYTES}-byte JWTs sent once each (the cache then holds $TOKENS verified"
    echo "credentials; the script checks none is verified twice), then wrk \`-t1 -c$CONNECTIONS\` for ${DURATION}s"
    echo "sending them in rotation, after a ${WARMUP}s warm-up. Peak RSS is the process's VmHWM (nginx: master +"
    echo "worker), from start to the end of the load."
    echo
    echo "| proxy | peak RSS | RSS at the end | CPU µs / request | requests/s |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    for target in sidecar nginx; do
        echo "| $target | $(mib "$(col "${A[$target]}" 1)") MiB | $(mib "$(col "${A[$target]}" 2)") MiB |" \
            "$(col "${A[$target]}" 3) | $(col "${A[$target]}" 4) |"
    done
    echo
    echo "(b) After a short warm-up, $IDLE keep-alive connections, one request each, then held idle; RSS 2 s later."
    [[ -n "$IDLE_HEAP" ]] && echo "The sidecar runs with \`-Xmx$IDLE_HEAP\` in place of the image's heap cap here: each connection holds about 4 KiB of heap, and $IDLE of them do not fit 48 MiB."
    echo
    echo "| proxy | RSS before | RSS with $IDLE idle connections | added | per connection |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    for target in sidecar nginx; do
        local_added="$(added "${B[$target]}")"
        echo "| $target | $(mib "$(col "${B[$target]}" 1)") MiB | $(mib "$(col "${B[$target]}" 2)") MiB |" \
            "$(mib "$local_added") MiB | $(awk -v k="$local_added" -v n="$IDLE" 'BEGIN {printf "%.2f KiB", k / n}') |"
    done
    echo
    echo "Raw rounds, (a) peak KiB, end KiB, µs/request, requests/s; (b) KiB before, after:"
    echo
    for target in sidecar nginx; do
        echo "- $target (a): $(printf '%s' "${A[$target]}" | awk 'NF' | paste -sd ';' | sed 's/;/; /g')"
        echo "- $target (b): $(printf '%s' "${B[$target]}" | awk 'NF' | paste -sd ';' | sed 's/;/; /g')"
    done
    echo "<!-- memory:end -->"
} >"$section"

"$JAVA" "$BENCH_DIR/Results.java" splice "$RESULTS" memory "$section" || die "could not write $RESULTS"
log "results written to $RESULTS"
cat "$section"
