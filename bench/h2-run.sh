#!/usr/bin/env bash
# h2load benchmark: auth-sidecar against nginx, both speaking to h2load and HTTP/1.1 with keep-alive to the same
# upstream (an nginx answering {"message":"pong"}), on loopback. MODE picks what the client speaks:
#   h2c      HTTP/2 with prior knowledge (default)
#   tls      HTTP/1.1 keep-alive over TLS (ALPN http/1.1); nginx on OpenSSL
#   tls-h2   HTTP/2 over TLS (ALPN h2)
# With TLS, PROVIDER lists the sidecar's server.tls.provider values to run side by side, one sidecar each (default
# "jdk openssl": the JDK's SSLEngine and netty-tcnative's BoringSSL), and each proxy is also measured on new
# connections: TLS handshakes per second from `openssl s_time -new` (one client, a full handshake per
# connection, no request) and the proxy's CPU time per handshake.
# Writes its section of bench/RESULTS.md (between <!-- h2-MODE:start --> and <!-- h2-MODE:end -->).
#
#   bench/h2-run.sh                  # MODE=h2c DURATION=10 ROUNDS=3 CONNECTIONS=4 STREAMS=32
#   MODE=tls STREAMS=1 CONNECTIONS=32 bench/h2-run.sh
#   MODE=tls PROVIDER=openssl bench/h2-run.sh
#   NOTE="other builds were running" MODE=tls bench/h2-run.sh   # NOTE: one line about the run, into RESULTS.md
#
# For each proxy: requests/s with CONNECTIONS connections each keeping STREAMS streams in flight (h2load -m), the
# proxy's CPU time per request (utime + stime from /proc, all its processes), h2load's mean and max request time,
# and the proxy's peak RSS over the run. The sidecar checks an API key on every request (sent on every stream; HPACK
# makes it cheap on the wire); nginx does no authentication, so it does less work.
#
# Needs nginx, h2load and openssl (apt-get install -y nginx nghttp2-client openssl) and the built jar
# (./mvnw -B -q -pl auth-sidecar -am package -DskipTests). Installs nothing; stops every process it started.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$BENCH_DIR")"
JAR="$REPO_DIR/auth-sidecar/target/auth-sidecar.jar"
RESULTS="${RESULTS:-$BENCH_DIR/RESULTS.md}"
MODE="${MODE:-h2c}"
DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-10}"
CONNECTIONS="${CONNECTIONS:-4}"
STREAMS="${STREAMS:-32}"
PROVIDER="${PROVIDER:-jdk openssl}"
HOST=127.0.0.1
UPSTREAM_PORT="${UPSTREAM_PORT:-18280}"
SIDECAR_PORT="${SIDECAR_PORT:-18281}"
PEER_PORT="${PEER_PORT:-18282}"
ADMIN_PORT="${ADMIN_PORT:-19992}"
BENCH_NAME=h2-bench
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
H2LOAD="$(command -v h2load || true)"


[[ -x "$NGINX" ]] || die "nginx not found; apt-get install -y nginx"
[[ -n "$H2LOAD" ]] || die "h2load not found; apt-get install -y nghttp2-client"
[[ -f "$JAR" ]] || die "$JAR missing; ./mvnw -B -q -pl auth-sidecar -am package -DskipTests"
case "$MODE" in
    h2c) PROVIDERS=(none) ;;
    *) read -r -a PROVIDERS <<<"$PROVIDER" ;;
esac
for p in "${PROVIDERS[@]}"; do
    [[ "$p" =~ ^(jdk|openssl|none)$ ]] || die "PROVIDER must list jdk and/or openssl, got $PROVIDER"
done
# One sidecar per provider: ports SIDECAR_PORT + 10 * i, admin ADMIN_PORT + i.
require_free_ports "$UPSTREAM_PORT" "$PEER_PORT" \
    $(for i in "${!PROVIDERS[@]}"; do echo $((SIDECAR_PORT + 10 * i)) $((ADMIN_PORT + i)); done)
mkdir -p "$BENCH_DIR/out"
WORK="$(mktemp -d "$BENCH_DIR/out/h2.XXXXXX")"
KEY="sk_$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
case "$MODE" in
    h2c) SCHEME=http; PEER_LISTEN="listen $HOST:$PEER_PORT http2;"; H2LOAD_MODE=() ;;
    tls | tls-h2)
        SCHEME=https
        # A P-256 certificate for both proxies (PKCS#8 key, as server.tls wants it); h2load does not verify it.
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
            -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null
        PEER_LISTEN="listen $HOST:$PEER_PORT ssl http2; ssl_certificate $WORK/tls.crt; ssl_certificate_key $WORK/tls.key;"
        if [[ "$MODE" == tls ]]; then H2LOAD_MODE=(--h1); else H2LOAD_MODE=(); fi ;;
    *) die "MODE must be h2c, tls or tls-h2, got $MODE" ;;
esac

# Two nginx instances from one template: the upstream (one worker, a fixed answer) and the peer proxy.
nginx_conf() { # name listen-directive location-body
    mkdir -p "$WORK/$1"
    cat >"$WORK/$1.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/$1/nginx.pid;
error_log $WORK/$1/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    # nginx ends an HTTP/2 connection after keepalive_requests streams (1000 by default); h2load does not
    # reconnect, so the default would measure that limit, not the proxy.
    keepalive_requests 100000000;
    client_body_temp_path $WORK/$1/client_body;
    proxy_temp_path $WORK/$1/proxy;
    fastcgi_temp_path $WORK/$1/fastcgi;
    uwsgi_temp_path $WORK/$1/uwsgi;
    scgi_temp_path $WORK/$1/scgi;
    upstream app { server $HOST:$UPSTREAM_PORT; keepalive 64; }
    server {
        $2
        location / { $3 }
    }
}
CONF
}
nginx_conf upstream "listen $HOST:$UPSTREAM_PORT;" \
    'default_type application/json; return 200 "{\"message\":\"pong\"}";'
nginx_conf peer "$PEER_LISTEN" \
    'proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";'
ulimit -n 65536 2>/dev/null || true
"$NGINX" -c "$WORK/upstream.conf" -e "$WORK/upstream/error.log" >"$WORK/upstream.log" 2>&1 &
PIDS+=($!)
wait_port "$UPSTREAM_PORT"
"$NGINX" -c "$WORK/peer.conf" -e "$WORK/peer/error.log" >"$WORK/peer.log" 2>&1 &
PEER_PID=$!
PIDS+=($PEER_PID)
wait_port "$PEER_PORT"

declare -A URL=([nginx]="$SCHEME://$HOST:$PEER_PORT/ping") PORT=([nginx]="$PEER_PORT") PID=()
TARGETS=()
for i in "${!PROVIDERS[@]}"; do
    provider="${PROVIDERS[$i]}"
    target=sidecar
    [[ "$provider" == none ]] || target="sidecar-$provider"
    port=$((SIDECAR_PORT + 10 * i))
    cat >"$WORK/$target.yaml" <<YAML
server:
  listen: $HOST:$port
  ioThreads: 1
  http2:
    maxConcurrentStreams: 128
$(if [[ "$SCHEME" == https ]]; then printf '  tls:\n    provider: %s\n    certFile: %s\n    keyFile: %s\n' "$provider" "$WORK/tls.crt" "$WORK/tls.key"; fi)
upstream:
  url: http://$HOST:$UPSTREAM_PORT
$(sidecar_config_tail "$((ADMIN_PORT + i))" "$KEY")
YAML
    start_sidecar "$WORK/$target.yaml" "$WORK/$target.log" "$port"
    PID[$target]=$SIDECAR_PID
    URL[$target]="$SCHEME://$HOST:$port/ping"
    PORT[$target]="$port"
    TARGETS+=("$target")
done
TARGETS+=(nginx)
sleep 0.5
PEER_PIDS=("$PEER_PID" $(pgrep -P "$PEER_PID" || true))

pids_of() { if [[ "$1" == nginx ]]; then echo "${PEER_PIDS[@]}"; else echo "${PID[$1]}"; fi; }

# One measured run: "req_per_s cpu_us_per_req mean_ms max_ms peak_rss_mib".
measure() {
    local target="$1" seconds="$2" before after out reqs rps mean max peak=0 rss sampler
    # shellcheck disable=SC2046
    before=$(cpu_ticks $(pids_of "$target"))
    ( while true; do
          # shellcheck disable=SC2046
          rss_kib $(pids_of "$target")
          sleep 0.2
      done ) >"$WORK/rss.$target" 2>/dev/null &
    sampler=$!
    out="$("$H2LOAD" "${H2LOAD_MODE[@]}" -D "$seconds" -c "$CONNECTIONS" -m "$STREAMS" -t 1 \
        -H "authorization: Bearer $KEY" "${URL[$target]}" 2>&1)"
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    # shellcheck disable=SC2046
    after=$(cpu_ticks $(pids_of "$target"))
    grep -q "2xx" <<<"$out" || die "h2load output without status counts: $out"
    reqs=$(awk '/^status codes:/ {print $3}' <<<"$out")
    [[ "$reqs" -gt 0 ]] || die "no 2xx from $target: $out"
    rps=$(awk '/^finished in/ {print $4}' <<<"$out")
    mean=$(awk '/^time for request:/ {print $6}' <<<"$out")
    max=$(awk '/^time for request:/ {print $5}' <<<"$out")
    peak=$(sort -n "$WORK/rss.$target" | tail -1)
    awk -v r="$reqs" -v t=$((after - before)) -v hz="$CLK_TCK" -v rps="$rps" -v mean="$mean" -v max="$max" \
        -v peak="$peak" 'function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; return v * 1000 }
        BEGIN { printf "%.0f %.2f %.2f %.2f %.1f\n", rps, t / hz * 1e6 / r, ms(mean), ms(max), peak / 1024 }'
}

# New connections: "handshakes_per_s cpu_us_per_handshake peak_rss_mib" from `openssl s_time -new`, which opens
# connection after connection, each with a full handshake (no session resumption) and no request.
handshakes() {
    local target="$1" seconds="$2" before after out count start end peak sampler
    # shellcheck disable=SC2046
    before=$(cpu_ticks $(pids_of "$target"))
    ( while true; do
          # shellcheck disable=SC2046
          rss_kib $(pids_of "$target")
          sleep 0.2
      done ) >"$WORK/hs-rss.$target" 2>/dev/null &
    sampler=$!
    start=$(date +%s.%N)
    out="$(openssl s_time -connect "$HOST:${PORT[$target]}" -new -time "$seconds" 2>&1 </dev/null)"
    end=$(date +%s.%N)
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    # shellcheck disable=SC2046
    after=$(cpu_ticks $(pids_of "$target"))
    count=$(awk '/connections in/ {print $1; exit}' <<<"$out")
    [[ "${count:-0}" -gt 0 ]] || die "no handshake with $target: $out"
    peak=$(sort -n "$WORK/hs-rss.$target" | tail -1)
    awk -v n="$count" -v s="$start" -v e="$end" -v t=$((after - before)) -v hz="$CLK_TCK" -v peak="$peak" \
        'BEGIN { printf "%.0f %.1f %.1f\n", n / (e - s), t / hz * 1e6 / n, peak / 1024 }'
}

for target in "${TARGETS[@]}"; do
    log "$target: warm-up ${WARMUP}s"
    measure "$target" "$WARMUP" >/dev/null
    if [[ "$SCHEME" == https ]]; then handshakes "$target" 3 >/dev/null; fi
done
declare -A RESULT HS
for ((round = 1; round <= ROUNDS; round++)); do
    for target in "${TARGETS[@]}"; do
        r="$(measure "$target" "$DURATION")"
        log "round $round $target: $r (req/s, CPU µs/req, mean ms, max ms, peak RSS MiB)"
        RESULT[$target]+="$r"$'\n'
        if [[ "$SCHEME" == https ]]; then
            h="$(handshakes "$target" "$DURATION")"
            log "round $round $target: $h (handshakes/s, CPU µs/handshake, peak RSS MiB)"
            HS[$target]+="$h"$'\n'
        fi
    done
done
col() { printf '%s' "${RESULT[$1]}" | awk -v c="$2" 'NF {print $c}' | median; }
hcol() { printf '%s' "${HS[$1]}" | awk -v c="$2" 'NF {print $c}' | median; }

CPU_MODEL="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
SECTION="$WORK/section.md"
# The sidecar whose figures stand for this section in the summary and the guard: the default provider's when it ran.
MAIN="${TARGETS[0]}"
for target in "${TARGETS[@]}"; do [[ "$target" == sidecar-openssl ]] && MAIN="$target"; done
ratio() { awk -v s="$(col "$1" 2)" -v n="$(col nginx 2)" 'BEGIN { printf "%.2f", s / n }'; }
{
    echo "<!-- h2-$MODE:start -->"
    echo "<!-- values: date=$(date -u +%Y-%m-%d_%H:%M:%S_UTC) rounds=$ROUNDS duration=$DURATION sidecar=$MAIN" \
        "sidecar.rps=$(col "$MAIN" 1) sidecar.cpu=$(col "$MAIN" 2) sidecar.rss=$(col "$MAIN" 5)" \
        "nginx.rps=$(col nginx 1) nginx.cpu=$(col nginx 2) nginx.rss=$(col nginx 5) ratio=$(ratio "$MAIN")" \
        "$(for t in "${TARGETS[@]}"; do [[ "$t" == nginx || "$t" == "$MAIN" ]] || printf 'ratio.%s=%s ' "$t" "$(ratio "$t")"; done)-->"
    case "$MODE" in
        h2c) what="HTTP/2 with prior knowledge (h2c)" ;;
        tls) what="HTTP/1.1 keep-alive over TLS (sidecar: server.tls.provider ${PROVIDERS[*]}; nginx: OpenSSL)" ;;
        tls-h2) what="HTTP/2 over TLS, ALPN h2 (sidecar: server.tls.provider ${PROVIDERS[*]}; nginx: OpenSSL)" ;;
    esac
    echo "### $what — h2load, $CONNECTIONS connections × $STREAMS in flight ($(date -u +%Y-%m-%d))"
    echo
    echo "Machine: $(nproc) vCPU ($CPU_MODEL), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $("$JAVA" -version 2>&1 | head -1); nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///'), h2load $("$H2LOAD" --version | awk '{print $2}')."
    echo "Both proxies: one event loop / one worker, $what from h2load, HTTP/1.1 keep-alive to the same nginx"
    echo "upstream. The sidecar verifies an API key on every request; nginx authenticates nothing."
    echo "Medians of $ROUNDS rounds of ${DURATION}s after a ${WARMUP}s warm-up each (bench/h2-run.sh)."
    echo "Load: $(cut -d' ' -f1-3 /proc/loadavg) at the end (other work on the machine shows here and in every figure)."
    if [[ -n "${NOTE:-}" ]]; then echo "Note: $NOTE"; fi
    echo
    echo "| proxy | req/s | CPU µs/req | mean ms | max ms | peak RSS MiB |"
    echo "|---|---:|---:|---:|---:|---:|"
    for target in "${TARGETS[@]}"; do
        echo "| $target | $(col "$target" 1) | $(col "$target" 2) | $(col "$target" 3) | $(col "$target" 4) | $(col "$target" 5) |"
    done
    echo
    for target in "${TARGETS[@]}"; do
        [[ "$target" == nginx ]] && continue
        awk -v t="$target" -v s="$(col "$target" 2)" -v n="$(col nginx 2)" \
            'BEGIN { printf "CPU per request, %s: %.2f× nginx.\n", t, s / n }'
    done
    if [[ "$SCHEME" == https ]]; then
        echo
        echo "New connections, \`openssl s_time -new\` (one client, a full handshake per connection, no request):"
        echo
        echo "| proxy | handshakes/s | CPU µs/handshake | peak RSS MiB |"
        echo "|---|---:|---:|---:|"
        for target in "${TARGETS[@]}"; do
            echo "| $target | $(hcol "$target" 1) | $(hcol "$target" 2) | $(hcol "$target" 3) |"
        done
    fi
    echo "<!-- h2-$MODE:end -->"
} >"$SECTION"
cat "$SECTION"
# Held against bench/thresholds.tsv, then in place of the last h2-$MODE section, or after the other HTTP/2 sections;
# the rest of the file stays as it is, but for the summary.
guard_and_splice "h2-$MODE" "$SECTION"
log "written to $RESULTS"
