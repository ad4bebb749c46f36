#!/usr/bin/env bash
# WebSocket benchmark: auth-sidecar against nginx, both proxying WebSockets to the same echo application, on
# loopback. Writes its section of bench/RESULTS.md (between <!-- ws-BYTES:start --> and <!-- ws-BYTES:end -->, one
# section per message size).
#
#   bench/ws-run.sh                          # DURATION=10 ROUNDS=3 CONNECTIONS=32 BYTES=128 HOLD=1000
#   BYTES=16384 bench/ws-run.sh              # larger messages
#
# For each proxy: messages/s with CONNECTIONS clients each keeping one binary message of BYTES in flight (send,
# wait for the echo, send again); the proxy's CPU time per message and per MiB relayed (both directions
# counted); and its RSS with HOLD WebSockets open through it. The load generator and the echo application are
# the same Netty program (bench/ws/WsBench.java, run from the sidecar's jar) for both proxies.
#
# Needs nginx (apt-get install -y nginx) and the built jar
# (./mvnw -B -q -pl auth-sidecar -am package -DskipTests).
# Installs nothing; stops every process it started.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$BENCH_DIR")"
JAR="$REPO_DIR/auth-sidecar/target/auth-sidecar.jar"
RESULTS="${RESULTS:-$BENCH_DIR/RESULTS.md}"
DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-8}"
CONNECTIONS="${CONNECTIONS:-32}"
BYTES="${BYTES:-128}"
HOLD="${HOLD:-1000}"
HOST=127.0.0.1
ECHO_PORT="${ECHO_PORT:-18180}"
SIDECAR_PORT="${SIDECAR_PORT:-18181}"
PEER_PORT="${PEER_PORT:-18182}"
ADMIN_PORT="${ADMIN_PORT:-19991}"
BENCH_NAME=ws-bench
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
TOOL_FLAGS="-Xmx512m -XX:+UseSerialGC --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED"
[[ -x "$NGINX" ]] || die "nginx not found; apt-get install -y nginx"
[[ -f "$JAR" ]] || die "$JAR missing; ./mvnw -B -q -pl auth-sidecar -am package -DskipTests"
mkdir -p "$BENCH_DIR/out"
WORK="$(mktemp -d "$BENCH_DIR/out/ws.XXXXXX")"
KEY="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"

# exec: a background or co-process call is then the JVM itself, so its pid is the one to stop.
bench_tool() { exec "$JAVA" $TOOL_FLAGS -cp "$JAR" "$BENCH_DIR/ws/WsBench.java" "$@"; }

require_free_ports "$ECHO_PORT" "$SIDECAR_PORT" "$PEER_PORT" "$ADMIN_PORT"

# The echo application.
(bench_tool echo "$ECHO_PORT") >"$WORK/echo.log" 2>&1 &
PIDS+=($!)
wait_port "$ECHO_PORT"

# auth-sidecar: one event loop, an API key.
cat >"$WORK/sidecar.yaml" <<YAML
server:
  listen: $HOST:$SIDECAR_PORT
  ioThreads: 1
upstream:
  url: http://$HOST:$ECHO_PORT
$(sidecar_config_tail "$ADMIN_PORT" "$KEY")
YAML
start_sidecar "$WORK/sidecar.yaml" "$WORK/sidecar.log" "$SIDECAR_PORT"

# nginx: one worker, the documented WebSocket proxy set-up, no authentication (it does less work).
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/client_body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
    server {
        listen $HOST:$PEER_PORT;
        location / {
            proxy_pass http://$HOST:$ECHO_PORT;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
            proxy_read_timeout 1h;
            # The buffer nginx relays an upgraded connection through; 64k like the sidecar's largest read (the
            # busy size must stay below the buffers' total, so those grow with it).
            proxy_buffer_size 64k;
            proxy_buffers 4 64k;
            proxy_busy_buffers_size 128k;
        }
    }
}
CONF
ulimit -n 65536 2>/dev/null || true
"$NGINX" -c "$WORK/nginx.conf" -e "$WORK/nginx/error.log" >"$WORK/nginx.log" 2>&1 &
NGINX_PID=$!
PIDS+=($NGINX_PID)
wait_port "$PEER_PORT"
sleep 0.5
NGINX_PIDS=("$NGINX_PID" $(pgrep -P "$NGINX_PID" || true))

declare -A URL=([sidecar]="ws://$HOST:$SIDECAR_PORT/ws" [nginx]="ws://$HOST:$PEER_PORT/ws")
pids_of() { if [[ "$1" == sidecar ]]; then echo "$SIDECAR_PID"; else echo "${NGINX_PIDS[@]}"; fi; }

# One measured load run: prints "msgs_per_s cpu_us_per_msg cpu_ms_per_mib".
measure() {
    local target="$1" seconds="$2" before after out msgs secs
    # shellcheck disable=SC2046
    before=$(cpu_ticks $(pids_of "$target"))
    out="$(bench_tool load "${URL[$target]}" "$CONNECTIONS" "$seconds" "$BYTES" "$KEY")"
    # shellcheck disable=SC2046
    after=$(cpu_ticks $(pids_of "$target"))
    msgs=$(awk '{print $2}' <<<"$out")
    secs=$(awk '{print $4}' <<<"$out")
    awk -v m="$msgs" -v s="$secs" -v t=$((after - before)) -v hz="$CLK_TCK" -v b="$BYTES" 'BEGIN {
        cpu = t / hz; mib = m * b * 2 / 1048576;
        printf "%.0f %.2f %.1f\n", m / s, cpu * 1e6 / m, cpu * 1000 / mib }'
}

for target in sidecar nginx; do
    log "$target: warm-up ${WARMUP}s"
    measure "$target" "$WARMUP" >/dev/null
done
declare -A RESULT
for ((round = 1; round <= ROUNDS; round++)); do
    for target in sidecar nginx; do
        r="$(measure "$target" "$DURATION")"
        log "round $round $target: $r (messages/s, CPU µs/message, CPU ms/MiB)"
        RESULT[$target]+="$r"$'\n'
    done
done
col() { printf '%s' "${RESULT[$1]}" | awk -v c="$2" 'NF {print $c}' | median; }

# RSS with HOLD tunnels open.
declare -A RSS_IDLE RSS_HOLD
for target in sidecar nginx; do
    # shellcheck disable=SC2046
    RSS_IDLE[$target]=$(rss_kib $(pids_of "$target"))
    coproc HOLDER { bench_tool hold "${URL[$target]}" "$HOLD" "$KEY"; }
    read -r line <&"${HOLDER[0]}" || die "hold failed for $target"
    [[ "$line" == "open $HOLD" ]] || die "hold for $target printed '$line'"
    sleep 2
    # shellcheck disable=SC2046
    RSS_HOLD[$target]=$(rss_kib $(pids_of "$target"))
    log "$target RSS: idle $((RSS_IDLE[$target] / 1024)) MiB, with $HOLD tunnels $((RSS_HOLD[$target] / 1024)) MiB"
    eval "exec ${HOLDER[1]}>&-"
    wait "$HOLDER_PID" 2>/dev/null || true
    sleep 1
done

cpu_model="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
section="$WORK/section.md"
{
    echo "<!-- ws-$BYTES:start -->"
    echo "<!-- values: date=$(date -u +%Y-%m-%d_%H:%M:%S_UTC) rounds=$ROUNDS duration=$DURATION bytes=$BYTES" \
        "sidecar.rps=$(col sidecar 1) sidecar.cpu=$(col sidecar 2) sidecar.rss=$((RSS_HOLD[sidecar] / 1024))" \
        "nginx.rps=$(col nginx 1) nginx.cpu=$(col nginx 2) nginx.rss=$((RSS_HOLD[nginx] / 1024))" \
        "ratio=$(awk -v s="$(col sidecar 2)" -v n="$(col nginx 2)" 'BEGIN { printf "%.2f", s / n }') -->"
    echo "## WebSocket echo, ${BYTES}-byte messages: auth-sidecar vs nginx"
    echo
    echo "\`bench/ws-run.sh\`, $(date -u '+%Y-%m-%d %H:%M UTC'), git $(git -C "$REPO_DIR" rev-parse --short HEAD)."
    echo "Machine: $(nproc) CPUs ($cpu_model), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM,"
    echo "$(uname -sr), shared with other builds while it ran (load average $(cut -d' ' -f1-3 /proc/loadavg) at the end)."
    echo "$("$JAVA" -version 2>&1 | sed -n 1p); $("$NGINX" -v 2>&1)."
    echo
    echo "Load: $CONNECTIONS WebSocket clients (Netty, one event loop), each with one ${BYTES}-byte binary message in"
    echo "flight: send, wait for the echo, send again; ${DURATION}s per run, median of $ROUNDS rounds after a ${WARMUP}s"
    echo "warm-up. Both proxies run one event loop/worker in front of the same Netty echo application. The sidecar"
    echo "authenticates the upgrade with an API key; nginx (\`proxy_http_version 1.1\`, \`Upgrade\`/\`Connection\`"
    echo "passed on, \`proxy_buffer_size 64k\`) checks nothing. CPU is the proxy process's user+system time during"
    echo "the run; per MiB counts the bytes relayed in both directions."
    echo
    echo "| proxy | messages/s | CPU µs / message | CPU ms / MiB relayed | RSS idle | RSS with $HOLD tunnels |"
    echo "| --- | --- | --- | --- | --- | --- |"
    for target in sidecar nginx; do
        echo "| $target | $(col "$target" 1) | $(col "$target" 2) | $(col "$target" 3) | $((RSS_IDLE[$target] / 1024)) MiB | $((RSS_HOLD[$target] / 1024)) MiB |"
    done
    echo
    echo "Raw rounds (messages/s, CPU µs/message, CPU ms/MiB):"
    echo
    for target in sidecar nginx; do
        echo "- $target: $(printf '%s' "${RESULT[$target]}" | awk 'NF' | paste -sd ';' | sed 's/;/; /g')"
    done
    echo "<!-- ws-$BYTES:end -->"
} >"$section"

# Held against bench/thresholds.tsv, then in place of the last ws-$BYTES section, or after the other WebSocket
# sections; the rest of the file stays as it is, but for the summary.
guard_and_splice "ws-$BYTES" "$section"
log "results written to $RESULTS"
cat "$section"
