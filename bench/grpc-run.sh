#!/usr/bin/env bash
# gRPC benchmark: unary calls through auth-sidecar against nginx's grpc_pass, both in front of the same gRPC server
# (main-service's grpc-java port), on loopback. h2load posts one 12-byte gRPC message per stream
# (demo.Echo/Say, google.protobuf.StringValue "hello") with content-type application/grpc and te: trailers.
# Writes its section of bench/RESULTS.md (between <!-- grpc:start --> and <!-- grpc:end -->).
#
#   bench/grpc-run.sh                # DURATION=10 ROUNDS=3 WARMUP=40 CONNECTIONS=4 STREAMS=32
#
# For each proxy: calls/s with CONNECTIONS connections each keeping STREAMS calls in flight (h2load -m), the proxy's
# CPU time per call (utime + stime from /proc, all its processes), h2load's mean and max call time, and the proxy's
# peak RSS. h2load counts HTTP statuses only and a gRPC error is HTTP 200 too, so one call through each proxy is
# made with a real gRPC client first (main-service's GrpcCall) and must answer; the sidecar must also refuse a call
# without the key. The sidecar checks an API key on every call; nginx authenticates nothing.
#
# Needs nginx and h2load (apt-get install -y nginx nghttp2-client) and both jars (./mvnw -B -q package
# -DskipTests). Installs nothing; stops every process it started. Ports 18380-18384 and 19994 must be free.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$BENCH_DIR")"
JAR="$REPO_DIR/auth-sidecar/target/auth-sidecar.jar"
APP_JAR="$REPO_DIR/main-service/target/main-service.jar"
RESULTS="${RESULTS:-$BENCH_DIR/RESULTS.md}"
DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
# Long: the image's JVM options compile with C2 only, on one compiler thread, and a busy machine slows that down.
WARMUP="${WARMUP:-40}"
CONNECTIONS="${CONNECTIONS:-4}"
STREAMS="${STREAMS:-32}"
HOST=127.0.0.1
APP_PORT="${APP_PORT:-18380}"
GRPC_PORT="${GRPC_PORT:-18381}"
SIDECAR_PORT="${SIDECAR_PORT:-18382}"
PEER_PORT="${PEER_PORT:-18383}"
ADMIN_PORT="${ADMIN_PORT:-19994}"
BENCH_NAME=grpc-bench
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
H2LOAD="$(command -v h2load || true)"

[[ -x "$NGINX" ]] || die "nginx not found; apt-get install -y nginx"
[[ -n "$H2LOAD" ]] || die "h2load not found; apt-get install -y nghttp2-client"
[[ -f "$JAR" ]] || die "$JAR missing; ./mvnw -B -q package -DskipTests"
[[ -f "$APP_JAR" ]] || die "$APP_JAR missing; ./mvnw -B -q package -DskipTests"
require_free_ports "$APP_PORT" "$GRPC_PORT" "$SIDECAR_PORT" "$PEER_PORT" "$ADMIN_PORT"
mkdir -p "$BENCH_DIR/out"
WORK="$(mktemp -d "$BENCH_DIR/out/grpc.XXXXXX")"
KEY="sk_$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
# One gRPC message: not compressed, length 7, then google.protobuf.StringValue{value: "hello"}.
printf '\x00\x00\x00\x00\x07\x0a\x05hello' >"$WORK/say.grpc"
ulimit -n 65536 2>/dev/null || true

# The upstream: main-service, HTTP on APP_PORT (the sidecar's upstream.url, unused here), gRPC on GRPC_PORT.
"$JAVA" -XX:+UseSerialGC -Xmx256m -jar "$APP_JAR" --listen "$HOST:$APP_PORT" --grpc-listen "$HOST:$GRPC_PORT" \
    >"$WORK/app.log" 2>&1 &
PIDS+=($!)
wait_port "$GRPC_PORT"

mkdir -p "$WORK/nginx"
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    # nginx ends an HTTP/2 connection after keepalive_requests streams (1000 by default); h2load does not
    # reconnect, so the default would measure that limit, not the proxy.
    keepalive_requests 100000000;
    client_body_temp_path $WORK/nginx/client_body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    upstream grpc_app { server $HOST:$GRPC_PORT; keepalive 64; }
    server {
        listen $HOST:$PEER_PORT http2;
        location / { grpc_pass grpc://grpc_app; }
    }
}
CONF
"$NGINX" -c "$WORK/nginx.conf" -e "$WORK/nginx/error.log" >"$WORK/nginx.log" 2>&1 &
PEER_PID=$!
PIDS+=($PEER_PID)
wait_port "$PEER_PORT"

cat >"$WORK/sidecar.yaml" <<YAML
server:
  listen: $HOST:$SIDECAR_PORT
  ioThreads: 1
  http2:
    maxConcurrentStreams: 128
upstream:
  url: http://$HOST:$APP_PORT
  grpc:
    url: http://$HOST:$GRPC_PORT
$(sidecar_config_tail "$ADMIN_PORT" "$KEY")
YAML
start_sidecar "$WORK/sidecar.yaml" "$WORK/sidecar.log" "$SIDECAR_PORT"
sleep 0.5
PEER_PIDS=("$PEER_PID" $(pgrep -P "$PEER_PID" || true))

# JDK 23+ warns on stderr when protobuf first uses sun.misc.Unsafe; those lines are not the call's answer.
grpc_call() { { "$JAVA" -cp "$APP_JAR" dev.authsidecar.mainservice.GrpcCall "$@" 2>&1 || true; } | grep -v '^WARNING: '; }
[[ "$(grpc_call --target "$HOST:$SIDECAR_PORT" say hello)" == UNAUTHENTICATED* ]] \
    || die "the sidecar did not refuse a gRPC call without a key"
[[ "$(grpc_call --target "$HOST:$SIDECAR_PORT" --token "$KEY" say hello)" == hello ]] \
    || die "a gRPC call through the sidecar failed"
[[ "$(grpc_call --target "$HOST:$PEER_PORT" say hello)" == hello ]] || die "a gRPC call through nginx failed"

declare -A URL=([sidecar]="http://$HOST:$SIDECAR_PORT/demo.Echo/Say" [nginx]="http://$HOST:$PEER_PORT/demo.Echo/Say")
pids_of() { if [[ "$1" == sidecar ]]; then echo "$SIDECAR_PID"; else echo "${PEER_PIDS[@]}"; fi; }

# One measured run: "calls_per_s cpu_us_per_call mean_ms max_ms peak_rss_mib".
measure() {
    local target="$1" seconds="$2" before after out calls rps mean max peak rss sampler
    # shellcheck disable=SC2046
    before=$(cpu_ticks $(pids_of "$target"))
    ( while true; do
          # shellcheck disable=SC2046
          rss_kib $(pids_of "$target")
          sleep 0.2
      done ) >"$WORK/rss.$target" 2>/dev/null &
    sampler=$!
    out="$("$H2LOAD" -D "$seconds" -c "$CONNECTIONS" -m "$STREAMS" -t 1 -d "$WORK/say.grpc" \
        -H "content-type: application/grpc" -H "te: trailers" -H "authorization: Bearer $KEY" \
        "${URL[$target]}" 2>&1)"
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    # shellcheck disable=SC2046
    after=$(cpu_ticks $(pids_of "$target"))
    grep -q "2xx" <<<"$out" || die "h2load output without status counts: $out"
    calls=$(awk '/^status codes:/ {print $3}' <<<"$out")
    [[ "$calls" -gt 0 ]] || die "no 2xx from $target: $out"
    awk '/^requests:/ && $10 + 0 > 0 {exit 1}' <<<"$out" || die "h2load saw errored calls through $target: $out"
    rps=$(awk '/^finished in/ {print $4}' <<<"$out")
    mean=$(awk '/^time for request:/ {print $6}' <<<"$out")
    max=$(awk '/^time for request:/ {print $5}' <<<"$out")
    peak=$(sort -n "$WORK/rss.$target" | tail -1)
    awk -v r="$calls" -v t=$((after - before)) -v hz="$CLK_TCK" -v rps="$rps" -v mean="$mean" -v max="$max" \
        -v peak="$peak" 'function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; return v * 1000 }
        BEGIN { printf "%.0f %.2f %.2f %.2f %.1f\n", rps, t / hz * 1e6 / r, ms(mean), ms(max), peak / 1024 }'
}

for target in sidecar nginx; do
    log "$target: warm-up ${WARMUP}s"
    measure "$target" "$WARMUP" >/dev/null
done
declare -A RESULT
for ((round = 1; round <= ROUNDS; round++)); do
    for target in sidecar nginx; do
        r="$(measure "$target" "$DURATION")"
        log "round $round $target: $r (calls/s, CPU µs/call, mean ms, max ms, peak RSS MiB)"
        RESULT[$target]+="$r"$'\n'
    done
done
col() { printf '%s' "${RESULT[$1]}" | awk -v c="$2" 'NF {print $c}' | median; }

CPU_MODEL="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
SECTION="$WORK/section.md"
{
    echo "<!-- grpc:start -->"
    echo "<!-- values: date=$(date -u +%Y-%m-%d_%H:%M:%S_UTC) rounds=$ROUNDS duration=$DURATION" \
        "sidecar.rps=$(col sidecar 1) sidecar.cpu=$(col sidecar 2) sidecar.rss=$(col sidecar 5)" \
        "nginx.rps=$(col nginx 1) nginx.cpu=$(col nginx 2) nginx.rss=$(col nginx 5)" \
        "ratio=$(awk -v s="$(col sidecar 2)" -v n="$(col nginx 2)" 'BEGIN { printf "%.2f", s / n }') -->"
    echo "### gRPC unary (demo.Echo/Say) over h2c, nginx with grpc_pass — h2load, $CONNECTIONS connections × $STREAMS in flight ($(date -u +%Y-%m-%d))"
    echo
    echo "Machine: $(nproc) vCPU ($CPU_MODEL), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $("$JAVA" -version 2>&1 | head -1); nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///'), h2load $("$H2LOAD" --version | awk '{print $2}'); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "Both proxies: one event loop / one worker, h2c from h2load (one 12-byte gRPC message per stream), HTTP/2 to the"
    echo "same upstream, main-service's grpc-java port (the sidecar through \`upstream.grpc.url\`, nginx through"
    echo "\`grpc_pass\` with keepalive). The upstream JVM and h2load share the machine's cores with the proxy, so calls/s"
    echo "is bounded by them; CPU per call counts the proxy's processes only. The sidecar verifies an API key on every"
    echo "call; nginx authenticates nothing. Medians of $ROUNDS rounds of ${DURATION}s after a ${WARMUP}s warm-up each"
    echo "(bench/grpc-run.sh)."
    echo
    echo "| proxy | calls/s | CPU µs/call | mean ms | max ms | peak RSS MiB |"
    echo "|---|---:|---:|---:|---:|---:|"
    for target in sidecar nginx; do
        echo "| $target | $(col "$target" 1) | $(col "$target" 2) | $(col "$target" 3) | $(col "$target" 4) | $(col "$target" 5) |"
    done
    echo
    awk -v s="$(col sidecar 2)" -v n="$(col nginx 2)" 'BEGIN { printf "CPU per call: %.2f× nginx.\n", s / n }'
    echo "<!-- grpc:end -->"
} >"$SECTION"
cat "$SECTION"
# Held against bench/thresholds.tsv, then in place of the last grpc section (or at the end); the rest of the file
# stays as it is, but for the summary.
guard_and_splice grpc "$SECTION"
log "written to $RESULTS"
