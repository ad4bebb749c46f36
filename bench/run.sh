#!/usr/bin/env bash
# Benchmarks auth-sidecar against nginx as a reverse proxy, on loopback, and writes its section of bench/RESULTS.md.
#
#   bench/run.sh                       # AUTH=apikey DURATION=10 ROUNDS=3
#   AUTH=jwt bench/run.sh              # the sidecar verifies an RS256 JWT instead of an API key
#   DURATION=30 ROUNDS=5 bench/run.sh
#   ACCESS_LOG=on bench/run.sh         # both proxies write an access log
#   JAVA_HOME=/path/to/jdk bench/run.sh
#
# Targets, all in front of the same fixed upstream (an nginx returning {"message":"pong"}):
#   direct    wrk -> upstream nginx                        (the floor: what the upstream alone costs)
#   sidecar   wrk -> auth-sidecar (API key or JWT) -> upstream
#   nginx     wrk -> nginx proxy_pass (no auth)  -> upstream
# For the two proxies it records requests/s, p50/p99 latency, the proxy's CPU time per request and its
# peak RSS. See bench/README.md.
#
# bench/RESULTS.md holds one section per auth mode and access-log setting; a run replaces its own section and
# keeps the others, and the JMH section (<!-- jmh:start --> .. <!-- jmh:end -->, written by bench/jmh/run.sh)
# unchanged at the end.
#
# Installs nothing. Every process it starts is stopped on exit, including on failure and Ctrl-C.
set -euo pipefail

# ---------------------------------------------------------------------------------------------------------
# Settings. Only AUTH, DURATION, ROUNDS, WARMUP, SIDECAR_WARMUP, ACCESS_LOG, JAVA_HOME, SIDECAR_JVM_FLAGS and
# RESULTS are meant to be changed.
# ---------------------------------------------------------------------------------------------------------
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$BENCH_DIR")"
JAR="$REPO_DIR/auth-sidecar/target/auth-sidecar.jar"
# Where the results go; another file (e.g. for a quick flag experiment) leaves bench/RESULTS.md alone.
RESULTS="${RESULTS:-$BENCH_DIR/RESULTS.md}"

# What the sidecar authenticates with:
#   apikey  an API key (auth.apiKeys, SHA-256 of a random key made for the run)
#   jwt     an RS256 JWT from a dev key made by the jar itself (auth.jwt.providers with a jwksFile)
AUTH="${AUTH:-apikey}"
DURATION="${DURATION:-10}"   # seconds of each measured wrk run
ROUNDS="${ROUNDS:-3}"        # whole rounds; medians are reported because the machine is shared and noisy
WARMUP="${WARMUP:-3}"        # seconds of the unrecorded wrk run before each measured one (pools, caches)
# The sidecar's own warm-up, longer: with -XX:-TieredCompilation (below) the JVM interprets until C2 has
# compiled the hot path, and that compilation is a start-up cost, not a cost of serving requests. What C2 still
# compiles during the measured run shows in the results' "of which JIT" column.
SIDECAR_WARMUP="${SIDECAR_WARMUP:-8}"
# Access logs of both proxies: off (default), or on (nginx buffered to a file, the sidecar's JSON lines on
# stdout to a file). Either way both proxies do the same, so the comparison stays fair.
ACCESS_LOG="${ACCESS_LOG:-off}"

# The load: one wrk thread, 32 keep-alive connections, the same for every target.
WRK_THREADS=1
WRK_CONNECTIONS=32

# Loopback only. Fixed ports so the configs in RESULTS.md are exactly what ran.
HOST=127.0.0.1
UPSTREAM_PORT=18080
SIDECAR_PORT=18081
PEER_PORT=18082
ADMIN_PORT=19901

# The sidecar's JVM flags (JDK 25; override the whole list with SIDECAR_JVM_FLAGS). The same list as the
# JAVA_TOOL_OPTIONS of auth-sidecar/Dockerfile (DockerfileTest keeps the two equal), so what is measured here is
# what the image runs. Chosen for a small footprint beside an application in a Pod, and measured with this
# script and A/B runs (AUTH=apikey, JDK 25.0.3; see bench/README.md): peak RSS about 85 MiB, against about
# 135 MiB with the earlier -Xms64m -Xmx64m -XX:+UseSerialGC -Xss512k -XX:MaxMetaspaceSize=64m
# -XX:ReservedCodeCacheSize=64m -XX:-UsePerfData, for about the same CPU per request.
#  -Xmx48m               a cap, not a reservation: the live set (config, pools, caches) is a few MiB, and without
#                        -Xms the old generation is committed only as it fills, so RSS holds what is used.
#  -Xmn6m                the young generation is what a request-churning proxy touches all the time: every page
#                        of eden becomes resident. A small eden keeps that small (about 10 MiB of peak RSS); minor
#                        GCs come more often (every ~30 ms here) but cost what survives, almost nothing (~0.4 ms).
#  -XX:+UseSerialGC      no GC worker threads and none of G1's remembered sets and region tables, which cost MiBs
#                        and buy nothing for a small heap behind one event loop.
#  -Xss256k              the sidecar's threads do not recurse deeply; a smaller stack bounds what each can touch.
#  -XX:ReservedCodeCacheSize=24m
#                        C2's code for the whole sidecar uses under 3 MiB (-XX:+PrintCodeCache at exit), so 24 MiB
#                        leaves ample headroom with less code-heap bookkeeping than the default 240 MiB. A full code
#                        cache would stop the JIT for good; the script warns if a round reports one.
#  -XX:-UsePerfData      no hsperfdata file mapped into memory and written under /tmp (often read-only in a Pod).
#  -XX:+UseCompactObjectHeaders
#                        8-byte instead of 12-byte object headers (product in JDK 25): less to allocate for every
#                        request, so fewer minor GCs and a smaller live set.
#  -XX:-TieredCompilation -XX:CICompilerCount=1
#                        C2 only, with one compiler thread: no C1 code, no profiling tiers and no second compiler
#                        arena; 10-15 MiB of peak RSS. The price: the JVM interprets until C2 has compiled the
#                        hot path (hence SIDECAR_WARMUP), and a little CPU (about 0.3 us/req of user time).
#  -XX:FreqInlineSize=100
#                        the largest bytecode size of a hot method that C2 inlines (default 325). Netty's
#                        ChannelHandlerContext.read(), flush() and fire*() (117-150 bytes) inlined into each other
#                        through every handler of the pipeline made compilations of 10-15,000 nodes, each taking
#                        15-25 MiB of compiler arena for a moment: most of the peak. At 100 the largest takes about
#                        7 MiB, and peak RSS falls by about 15 MiB, for about 0.4 us/req of user time (A/B, 2 x 3
#                        rounds), which letting Netty use Unsafe (below) pays back.
#  -XX:TrimNativeHeapInterval=500
#                        returns freed malloc memory (compiler arenas after a burst of compilation) to the OS every
#                        0.5 s, so later peaks start from a lower base; about 1 MiB of peak here, no visible CPU.
#  --sun-misc-unsafe-memory-access=allow -Dio.netty.noUnsafe=false
#                        lets Netty 4.2 use sun.misc.Unsafe, as it does by default up to JDK 24 (on 25 it stays
#                        off unless asked, to avoid the JDK's warning, which "allow" silences). Without it every
#                        copy out of a direct buffer (each header line Netty parses) duplicates a ByteBuffer:
#                        a fifth of all allocation. With it: about 0.4 us/req less user time and 4 MiB less peak
#                        RSS (A/B, 2 x 3 rounds). The images run JDK 25, which has the option; a future JDK that
#                        removes sun.misc.Unsafe's memory access will need these two dropped.
#  -XX:MaxDirectMemorySize=64m -XX:+ExitOnOutOfMemoryError --enable-native-access=ALL-UNNAMED
#                        no effect on these numbers; the image's bounds and behaviour (see its Dockerfile).
# Not used: -XX:MaxMetaspaceSize (a cap does not make classes smaller; it only turns a leak into an
# OutOfMemoryError).
SIDECAR_JVM_FLAGS="${SIDECAR_JVM_FLAGS:--Xmx48m -Xmn6m -XX:+UseSerialGC -Xss256k -XX:ReservedCodeCacheSize=24m -XX:-UsePerfData -XX:+UseCompactObjectHeaders -XX:-TieredCompilation -XX:CICompilerCount=1 -XX:FreqInlineSize=100 -XX:TrimNativeHeapInterval=500 --sun-misc-unsafe-memory-access=allow -Dio.netty.noUnsafe=false -XX:MaxDirectMemorySize=64m -XX:+ExitOnOutOfMemoryError --enable-native-access=ALL-UNNAMED}"

# The targets this benchmark checks.
TARGET_CPU_RATIO=1.5   # auth-sidecar CPU per request <= 1.5 x nginx's
TARGET_RSS_MIB=96      # auth-sidecar peak RSS <= 96 MiB

# Filled in as things start; cleanup() stops exactly these.
UPSTREAM_PID=""
SIDECAR_PID=""
PEER_PID=""
WORK=""

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------------------
# Cleanup: stop every process this script started, by pid, whatever way the script ends.
# ---------------------------------------------------------------------------------------------------------
# Running, and not a zombie: a child that exited stays a zombie until waited for, and kill -0 still succeeds.
alive() {
    [[ -r "/proc/$1/stat" ]] && [[ "$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]]
}

stop_pid() {
    local pid="$1" name="$2" signal="${3:-TERM}" i
    [[ -n "$pid" ]] || return 0
    if ! alive "$pid"; then
        wait "$pid" 2>/dev/null || true
        return 0
    fi
    kill -"$signal" "$pid" 2>/dev/null || true
    # Give it up to 5 s to exit on its own (the sidecar drains, nginx stops its worker), then insist.
    for ((i = 0; i < 50; i++)); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        log "$name (pid $pid) did not stop; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$SIDECAR_PID" "auth-sidecar"
    # nginx: QUIT is a graceful stop; the master then stops its worker.
    stop_pid "$PEER_PID" "nginx peer" QUIT
    stop_pid "$UPSTREAM_PID" "nginx upstream" QUIT
    if [[ $rc -ne 0 && -n "$WORK" ]]; then
        log "failed (exit $rc); logs and raw wrk output are in $WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------------------
# Step 1: check what we need, and say how to get what is missing.
# ---------------------------------------------------------------------------------------------------------
JAVA=""
NGINX=""

check_prerequisites() {
    local missing=0

    [[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || die "DURATION must be a positive whole number of seconds, got '$DURATION'"
    [[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive whole number, got '$ROUNDS'"
    [[ "$WARMUP" =~ ^[0-9]+$ ]] || die "WARMUP must be a whole number of seconds, got '$WARMUP'"
    [[ "$SIDECAR_WARMUP" =~ ^[0-9]+$ ]] ||
        die "SIDECAR_WARMUP must be a whole number of seconds, got '$SIDECAR_WARMUP'"
    [[ "$AUTH" == apikey || "$AUTH" == jwt ]] || die "AUTH must be apikey or jwt, got '$AUTH'"
    [[ "$ACCESS_LOG" == on || "$ACCESS_LOG" == off ]] || die "ACCESS_LOG must be on or off, got '$ACCESS_LOG'"

    # nginx lives in /usr/sbin, which is not on every user's PATH.
    NGINX="$(command -v nginx || true)"
    [[ -z "$NGINX" && -x /usr/sbin/nginx ]] && NGINX=/usr/sbin/nginx
    if [[ -z "$NGINX" ]]; then
        log "missing: nginx. On Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y nginx"
        log "         (nginx-light also works; any nginx with the proxy and upstream modules does)"
        missing=1
    fi
    if ! command -v wrk >/dev/null; then
        log "missing: wrk. On Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y wrk"
        missing=1
    fi
    local tool
    for tool in curl sha256sum od getconf pgrep timeout awk; do
        if ! command -v "$tool" >/dev/null; then
            log "missing: $tool. On Debian/Ubuntu: sudo apt-get install -y curl coreutils procps gawk"
            missing=1
        fi
    done

    # Java: JAVA_HOME if set; else the JDK the team benchmarks on, when present; else whatever 'java' is.
    if [[ -n "${JAVA_HOME:-}" ]]; then
        JAVA="$JAVA_HOME/bin/java"
        [[ -x "$JAVA" ]] || { log "missing: $JAVA (JAVA_HOME=$JAVA_HOME has no bin/java)"; missing=1; }
    elif [[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]]; then
        JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
    elif command -v java >/dev/null; then
        JAVA="$(command -v java)"
        log "note: JDK 25 (/usr/lib/jvm/temurin-25-jdk-amd64) not found, using $JAVA; set JAVA_HOME to choose"
    else
        log "missing: java. Set JAVA_HOME to a JDK 25, or install one (the team uses temurin-25-jdk)"
        missing=1
    fi

    if [[ ! -f "$JAR" ]]; then
        log "missing: $JAR. Build it with:"
        log "         cd $REPO_DIR && ./mvnw -B -q -pl auth-sidecar package -DskipTests"
        missing=1
    fi
    [[ $missing -eq 0 ]] || die "prerequisites missing (see above); nothing was started"

    log "JVM: $JAVA ($("$JAVA" -version 2>&1 | sed -n 1p))"
    # Some of the default flags exist only on JDK 25+: say so now rather than as a start-up failure later.
    # shellcheck disable=SC2086 # the flags are a word list on purpose
    "$JAVA" $SIDECAR_JVM_FLAGS -version >/dev/null 2>&1 ||
        die "$JAVA does not accept SIDECAR_JVM_FLAGS ($SIDECAR_JVM_FLAGS); use a JDK 25 (JAVA_HOME) or other flags"
    log "nginx: $NGINX ($("$NGINX" -v 2>&1 | sed -n 1p)); wrk: $(command -v wrk)"
}

# Fails when something already listens on a port we need: we would benchmark a stranger.
check_ports_free() {
    local port
    for port in "$UPSTREAM_PORT" "$SIDECAR_PORT" "$PEER_PORT" "$ADMIN_PORT"; do
        if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
            die "something already listens on $HOST:$port; stop it first"
        fi
    done
}

# ---------------------------------------------------------------------------------------------------------
# Step 2: configs. Everything lives under the work dir (bench/out/run.XXXXXX, git-ignored): no root paths.
# ---------------------------------------------------------------------------------------------------------
CREDENTIAL=""        # what wrk and the probes send as "Authorization: Bearer <CREDENTIAL>"
WRONG_CREDENTIAL=""  # looks right but must be refused: another key, or a JWT signed with another key
CLK_TCK=""
JAR_SHA=""
JAR_BUILT=""
GIT_HEAD=""
GIT_DIRTY=""

# The sidecar's auth: section for $AUTH; sets CREDENTIAL and WRONG_CREDENTIAL.
write_sidecar_auth_conf() {
    case "$AUTH" in
        apikey)
            # A fresh random key per run (hex is valid token68); only its SHA-256 goes into the config.
            CREDENTIAL="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
            WRONG_CREDENTIAL="wrong-$CREDENTIAL"
            cat <<EOF
auth:
  apiKeys:
    - name: bench
      sha256: $(printf %s "$CREDENTIAL" | sha256sum | cut -d' ' -f1)
EOF
            ;;
        jwt)
            # A dev signing key and its JWKS, made by the jar itself; the token lives long enough for any run.
            # The forged token has the same claims but is signed with another key: it must get 401.
            "$JAVA" -jar "$WORK/auth-sidecar.jar" dev-keys --out "$WORK/keys" >"$WORK/dev-keys.log" 2>&1 ||
                die "dev-keys failed (see $WORK/dev-keys.log)"
            "$JAVA" -jar "$WORK/auth-sidecar.jar" dev-keys --out "$WORK/forger-keys" >>"$WORK/dev-keys.log" 2>&1 ||
                die "dev-keys failed (see $WORK/dev-keys.log)"
            CREDENTIAL="$(mint_jwt "$WORK/keys/signing-key.json")"
            WRONG_CREDENTIAL="$(mint_jwt "$WORK/forger-keys/signing-key.json")"
            cat <<EOF
auth:
  jwt:
    providers:
      - name: dev
        issuer: auth-sidecar-dev
        audiences: [main-service]
        jwksFile: $WORK/keys/jwks.json
        algorithms: [RS256]
EOF
            ;;
    esac
}

# $1 signing-key.json; prints an RS256 JWT for the bench subject.
mint_jwt() {
    local token
    token="$("$JAVA" -jar "$WORK/auth-sidecar.jar" token --key "$1" --sub bench --aud main-service \
        --scope "read write" --ttl 2h 2>>"$WORK/dev-keys.log")" || die "token failed (see $WORK/dev-keys.log)"
    [[ "$token" =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]] || die "token printed no JWT: '$token'"
    echo "$token"
}

prepare_workdir() {
    mkdir -p "$BENCH_DIR/out"
    WORK="$(mktemp -d "$BENCH_DIR/out/run.XXXXXX")"
    CLK_TCK="$(getconf CLK_TCK)"
    # Run a private copy: the jar in target/ may be rebuilt while we run (a JVM whose jar is replaced under it
    # fails to load classes later, e.g. at shutdown), and every round must run the same build.
    cp "$JAR" "$WORK/auth-sidecar.jar"
    JAR_SHA="$(sha256sum "$WORK/auth-sidecar.jar" | cut -c1-12)"
    JAR_BUILT="$(date -u -r "$JAR" '+%Y-%m-%d %H:%M:%S UTC')"
    GIT_HEAD="$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    GIT_DIRTY="$(git -C "$REPO_DIR" status --porcelain -- auth-sidecar 2>/dev/null | grep -c . || true)"

    write_nginx_upstream_conf
    write_nginx_peer_conf
    # Not in a $(...): write_sidecar_auth_conf sets CREDENTIAL for this shell.
    write_sidecar_auth_conf >"$WORK/sidecar-auth.yaml"
    {
        cat <<EOF
server:
  listen: $HOST:$SIDECAR_PORT
  ioThreads: 1
upstream:
  url: http://$HOST:$UPSTREAM_PORT
admin:
  listen: $HOST:$ADMIN_PORT
EOF
        cat "$WORK/sidecar-auth.yaml"
        cat <<EOF
shutdown:
  drainDelay: 0s
  timeout: 2s
accessLog:
  format: "$([[ "$ACCESS_LOG" == on ]] && echo json || echo off)"
EOF
    } >"$WORK/sidecar.yaml"
    log "work dir: $WORK; AUTH=$AUTH; jar sha256 $JAR_SHA (built $JAR_BUILT), git HEAD $GIT_HEAD"
}

# The parts every nginx here shares: one worker, in the foreground, temp files and pid under its own prefix,
# no access log (the peer turns its own on with ACCESS_LOG=on). keepalive_requests is raised from the default
# 1000 so that neither proxy is made to reconnect every 1000 requests; both keep their connections all run.
nginx_common() {
    local name="$1"
    mkdir -p "$WORK/$name"
    cat <<EOF
worker_processes 1;
daemon off;
pid $WORK/$name/nginx.pid;
error_log $WORK/$name/error.log warn;
events { worker_connections 1024; }
EOF
}

nginx_http_common() {
    local name="$1"
    cat <<EOF
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $WORK/$name/client_body;
    proxy_temp_path $WORK/$name/proxy;
    fastcgi_temp_path $WORK/$name/fastcgi;
    uwsgi_temp_path $WORK/$name/uwsgi;
    scgi_temp_path $WORK/$name/scgi;
EOF
}

# The fixed upstream every target ends at.
write_nginx_upstream_conf() {
    {
        nginx_common upstream
        echo "http {"
        nginx_http_common upstream
        cat <<EOF
    default_type application/json;
    server {
        listen $HOST:$UPSTREAM_PORT;
        location = /ping { return 200 '{"message":"pong"}'; }
    }
}
EOF
    } >"$WORK/nginx-upstream.conf"
}

# The peer: nginx as a plain reverse proxy, with pooled keep-alive upstream connections like the sidecar's.
# It does NO authentication.
write_nginx_peer_conf() {
    {
        nginx_common peer
        echo "http {"
        nginx_http_common peer
        cat <<EOF
    upstream app {
        server $HOST:$UPSTREAM_PORT;
        keepalive 32;
        keepalive_requests 1000000;
    }
    server {
        listen $HOST:$PEER_PORT;
$([[ "$ACCESS_LOG" == on ]] && echo "        access_log $WORK/peer/access.log combined buffer=64k flush=200ms;")
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
    } >"$WORK/nginx-peer.conf"
}

# ---------------------------------------------------------------------------------------------------------
# Step 3: starting and stopping the servers.
# ---------------------------------------------------------------------------------------------------------

# Something we started died (or was killed by someone else): the numbers would be meaningless.
require_alive() {
    local pid="$1" name="$2"
    alive "$pid" || die "$name (pid $pid) is no longer running (see $WORK)"
}

# Polls a URL until it answers 200, failing early if the process (or the upstream) died.
# $1 pid, $2 name, $3 url.
wait_until_ready() {
    local pid="$1" name="$2" url="$3" i
    for ((i = 0; i < 300; i++)); do
        alive "$pid" || die "$name exited during start-up (see $WORK)"
        [[ -z "$UPSTREAM_PID" ]] || require_alive "$UPSTREAM_PID" "nginx upstream"
        if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)" == 200 ]]; then
            return 0
        fi
        sleep 0.1
    done
    die "$name was not ready at $url after 30 s (see $WORK)"
}

# $1 name (upstream|peer); sets NGINX_STARTED to the master's pid. Started from this shell, not a
# subshell, so that it stays our child. -e keeps nginx from opening its built-in /var/log path.
NGINX_STARTED=""
start_nginx() {
    local name="$1"
    "$NGINX" -p "$WORK/$name" -e "$WORK/$name/error.log" -c "$WORK/nginx-$name.conf" \
        >"$WORK/$name/stdout.log" 2>&1 &
    NGINX_STARTED=$!
}

start_upstream() {
    start_nginx upstream
    UPSTREAM_PID="$NGINX_STARTED"
    wait_until_ready "$UPSTREAM_PID" "nginx upstream" "http://$HOST:$UPSTREAM_PORT/ping"
    log "nginx upstream up (master pid $UPSTREAM_PID) on $HOST:$UPSTREAM_PORT"
}

start_peer() {
    start_nginx peer
    PEER_PID="$NGINX_STARTED"
    wait_until_ready "$PEER_PID" "nginx peer" "http://$HOST:$PEER_PORT/ping"
}

stop_peer() {
    stop_pid "$PEER_PID" "nginx peer" QUIT
    PEER_PID=""
}

start_sidecar() {
    local round="$1"
    # shellcheck disable=SC2086 # the flags are a word list on purpose
    "$JAVA" $SIDECAR_JVM_FLAGS -jar "$WORK/auth-sidecar.jar" --config "$WORK/sidecar.yaml" \
        >"$WORK/sidecar-round$round.log" 2>&1 &
    SIDECAR_PID=$!
    wait_until_ready "$SIDECAR_PID" "auth-sidecar" "http://$HOST:$ADMIN_PORT/readyz"
}

stop_sidecar() {
    stop_pid "$SIDECAR_PID" "auth-sidecar"
    SIDECAR_PID=""
}

# nginx's worker is the master's only child.
nginx_worker_pid() {
    local worker
    worker="$(pgrep -P "$1" | head -n1 || true)"
    [[ -n "$worker" ]] || die "cannot find the worker of nginx master $1"
    echo "$worker"
}

# ---------------------------------------------------------------------------------------------------------
# Step 4: check that every target answers as expected, and that the sidecar really authenticates.
# ---------------------------------------------------------------------------------------------------------

# $1 url, $2.. extra curl args. Prints "CODE BODY".
probe() {
    local url="$1"
    shift
    local body code
    body="$(mktemp "$WORK/probe.XXXXXX")"
    code="$(curl -s -o "$body" -w '%{http_code}' --max-time 5 "$@" "$url" || true)"
    printf '%s %s' "$code" "$(cat "$body")"
    rm -f "$body"
}

expect_pong() {
    local name="$1" url="$2"
    shift 2
    local got
    got="$(probe "$url" "$@")"
    [[ "$got" == '200 {"message":"pong"}' ]] || die "$name: expected 200 {\"message\":\"pong\"}, got: $got"
}

# No credential -> 401; a wrong one (another API key, or a JWT with the right claims signed with another key)
# -> 401; the run's credential -> 200 pong. Anything else: the sidecar is not doing what we mean to measure.
verify_sidecar_auth() {
    local url="http://$HOST:$SIDECAR_PORT/ping" got what
    what="$([[ "$AUTH" == jwt ]] && echo "JWT" || echo "key")"
    got="$(probe "$url")"
    [[ "${got%% *}" == 401 ]] || die "auth-sidecar without a $what: expected 401, got: $got"
    got="$(probe "$url" -H "Authorization: Bearer $WRONG_CREDENTIAL")"
    [[ "${got%% *}" == 401 ]] ||
        die "auth-sidecar with a $([[ "$AUTH" == jwt ]] && echo "forged JWT" || echo "wrong key"): expected 401, got: $got"
    expect_pong "auth-sidecar with the $what" "$url" -H "Authorization: Bearer $CREDENTIAL"
}

# ---------------------------------------------------------------------------------------------------------
# Step 5: one measurement. Warm up, sample the proxy's CPU, run wrk, sample again, parse wrk's report.
# ---------------------------------------------------------------------------------------------------------

# "utime stime" in clock ticks, each summed over the given pids. For a process these count all its threads
# (JIT and GC included for the JVM). Fields after the ')' that closes the command name: utime is the 12th.
cpu_ticks() {
    local user=0 sys=0 pid u s
    for pid in "$@"; do
        read -r u s < <(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12, $13}')
        user=$((user + u))
        sys=$((sys + s))
    done
    echo "$user $sys"
}

# "tid ticks" for each JIT compiler thread of JVM $1, to tell how much of the measured CPU was still
# compilation rather than serving requests.
jit_snapshot() {
    local task
    for task in /proc/"$1"/task/*; do
        case "$(cat "$task/comm" 2>/dev/null)" in
            C1\ Compiler* | C2\ Compiler*)
                echo "${task##*/} $(sed 's/^.*) //' "$task/stat" | awk '{print $12 + $13}')" ;;
        esac
    done
}

# $1 clock ticks spread over $2 requests, in microseconds per request.
per_req() {
    awk -v t="$1" -v hz="$CLK_TCK" -v n="$2" 'BEGIN {printf "%.2f", t / hz * 1e6 / n}'
}

# Peak resident set (VmHWM) in KiB, summed over the given pids.
peak_rss_kib() {
    local total=0 pid
    for pid in "$@"; do
        total=$((total + $(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")))
    done
    echo "$total"
}

# wrk's latency with its unit (e.g. 812.00us, 1.20ms, 2.01s) in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
        else { printf "nan" } }'
}

# $1 round, $2 target name, $3 url, $4 pids to account ("" for none), $5 warm-up seconds, $6.. extra wrk args
# (the auth header).
# $JVM_PID, when set, is a JVM among the pids whose JIT threads are accounted separately.
# Appends one line to $WORK/rounds.tsv:
#   round target rps p50_ms p99_ms cpu_us_per_req user sys jit rss_before_load_mib peak_rss_mib requests errors
JVM_PID=""
measure() {
    local round="$1" target="$2" url="$3" pids="$4" warmup="$5"
    shift 5
    local raw="$WORK/wrk-round$round-$target.txt" jit_before="$WORK/jit-round$round-before.txt"
    # shellcheck disable=SC2206 # a list of pids on purpose
    local pid_list=($pids)

    # The peak so far is what start-up (and the few probe requests) took, before any load.
    local rss_before="-"
    ((${#pid_list[@]} == 0)) || rss_before="$(awk -v k="$(peak_rss_kib "${pid_list[@]}")" 'BEGIN {printf "%.1f", k / 1024}')"

    # Unrecorded warm-up: the JVM compiles its hot path, both proxies fill their upstream pools. In two wrk runs:
    # the first one's 32 connections close after 1 s, so the connection-close paths are in the JIT's profile
    # early. In one run, the first close would come at the end of the warm-up, hit code C2 compiled without those
    # paths (uncommon traps), and the event loop's hot methods would be deoptimized and recompiled during the
    # measured run.
    if ((warmup > 0)); then
        local first=$((warmup >= 2 ? 1 : warmup))
        timeout $((first + 30)) wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${first}s" "$@" "$url" \
            >"$WORK/wrk-round$round-$target-warmup1.txt"
        if ((warmup > first)); then
            timeout $((warmup - first + 30)) wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$((warmup - first))s" \
                "$@" "$url" >"$WORK/wrk-round$round-$target-warmup2.txt"
        fi
    fi

    local before="0 0" after="0 0"
    [[ -z "$JVM_PID" ]] || jit_snapshot "$JVM_PID" >"$jit_before"
    ((${#pid_list[@]} == 0)) || before="$(cpu_ticks "${pid_list[@]}")"
    # timeout is only a safety net: wrk stops on its own after DURATION.
    timeout $((DURATION + 30)) wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${DURATION}s" --latency "$@" "$url" \
        >"$raw"
    ((${#pid_list[@]} == 0)) || after="$(cpu_ticks "${pid_list[@]}")"
    # Everything must have stayed up for the whole run.
    require_alive "$UPSTREAM_PID" "nginx upstream"
    local pid
    for pid in "${pid_list[@]}"; do
        require_alive "$pid" "$target"
    done
    local jit_ticks=""
    if [[ -n "$JVM_PID" ]]; then
        # Per thread, so that a compiler thread started during the run counts from zero.
        jit_ticks="$(jit_snapshot "$JVM_PID" | awk 'NR == FNR {b[$1] = $2; next} {d += $2 - b[$1]} END {print d + 0}' \
            "$jit_before" -)"
    fi

    local requests rps p50 p99 non2xx sockerr errors
    requests="$(awk '/ requests in / {print $1; exit}' "$raw")"
    rps="$(awk '/^Requests\/sec:/ {print $2; exit}' "$raw")"
    p50="$(to_ms "$(awk '$1 == "50%" {print $2; exit}' "$raw")")"
    p99="$(to_ms "$(awk '$1 == "99%" {print $2; exit}' "$raw")")"
    [[ -n "$requests" && "$requests" -gt 0 && -n "$rps" ]] || die "$target: could not read wrk's report ($raw)"
    # wrk prints these lines only when the count is not zero.
    non2xx="$(awk -F': ' '/^ *Non-2xx or 3xx responses:/ {print $2; exit}' "$raw")"
    sockerr="$(awk '/^ *Socket errors:/ {sub(/^ *Socket errors: /, ""); print; exit}' "$raw")"
    errors=""
    [[ -z "$non2xx" ]] || errors="non-2xx/3xx: $non2xx"
    [[ -z "$sockerr" ]] || errors="${errors:+$errors; }socket errors: $sockerr"
    [[ -n "$errors" ]] || errors="none"

    local cpu="-" user="-" sys="-" jit="-" rss="-"
    if ((${#pid_list[@]} > 0)); then
        local du ds
        read -r du ds < <(awk -v b="$before" -v a="$after" 'BEGIN {split(b, x, " "); split(a, y, " ");
            print y[1] - x[1], y[2] - x[2]}')
        cpu="$(per_req $((du + ds)) "$requests")"
        user="$(per_req "$du" "$requests")"
        sys="$(per_req "$ds" "$requests")"
        [[ -z "$jit_ticks" ]] || jit="$(per_req "$jit_ticks" "$requests")"
        rss="$(awk -v k="$(peak_rss_kib "${pid_list[@]}")" 'BEGIN {printf "%.1f", k / 1024}')"
    fi

    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$target" "$rps" "$p50" "$p99" \
        "$cpu" "$user" "$sys" "$jit" "$rss_before" "$rss" "$requests" "$errors" >>"$WORK/rounds.tsv"
    log "round $round $target: $rps req/s, p50 ${p50} ms, p99 ${p99} ms, CPU ${cpu} us/req" \
        "(user $user, sys $sys, JIT $jit), peak RSS ${rss} MiB (${rss_before} before load), errors: $errors"
}

# ---------------------------------------------------------------------------------------------------------
# Step 6: the rounds. Each proxy is started fresh in each round, so every round is an independent sample
# (a new JVM warms up again; peak RSS is that round's). The order of the two proxies alternates between
# rounds so that neither always runs first on a machine that may be warming up or getting busier.
# ---------------------------------------------------------------------------------------------------------
run_sidecar() {
    local round="$1"
    start_sidecar "$round"
    verify_sidecar_auth
    JVM_PID="$SIDECAR_PID"
    measure "$round" sidecar "http://$HOST:$SIDECAR_PORT/ping" "$SIDECAR_PID" "$SIDECAR_WARMUP" \
        -H "Authorization: Bearer $CREDENTIAL"
    JVM_PID=""
    stop_sidecar
    if [[ "$ACCESS_LOG" == on ]]; then
        # Keep the operational lines only: the access log of a run is hundreds of MB.
        local logf="$WORK/sidecar-round$round.log" lines
        lines="$(grep -c '^{' "$logf" || true)"
        grep -v '^{' "$logf" >"$logf.tmp" || true
        echo "($lines access-log lines removed by run.sh)" >>"$logf.tmp"
        mv "$logf.tmp" "$logf"
        ((lines > 0)) || die "ACCESS_LOG=on, but the sidecar wrote no access-log lines (see $logf)"
    fi
    # A full code cache stops the JIT for good (the small ReservedCodeCacheSize below makes that possible): the
    # numbers of such a round are of a JVM that no longer compiles its hot path.
    if grep -q 'CodeCache is full' "$WORK/sidecar-round$round.log"; then
        log "WARNING: round $round: the sidecar's code cache was full (see $WORK/sidecar-round$round.log)"
        echo "Round $round: the sidecar's JVM reported \"CodeCache is full\" (compilation stopped)." >>"$WORK/notes.txt"
    fi
}

run_peer() {
    local round="$1"
    start_peer
    expect_pong "nginx peer" "http://$HOST:$PEER_PORT/ping"
    # Master and worker: the master does nearly nothing, but it is part of what nginx costs.
    measure "$round" nginx "http://$HOST:$PEER_PORT/ping" "$PEER_PID $(nginx_worker_pid "$PEER_PID")" "$WARMUP"
    stop_peer
    if [[ "$ACCESS_LOG" == on ]]; then
        [[ -s "$WORK/peer/access.log" ]] || die "ACCESS_LOG=on, but nginx wrote no access log"
        rm -f "$WORK/peer/access.log"
    fi
}

run_rounds() {
    : >"$WORK/rounds.tsv"
    local round
    for ((round = 1; round <= ROUNDS; round++)); do
        log "round $round of $ROUNDS"
        measure "$round" direct "http://$HOST:$UPSTREAM_PORT/ping" "" "$WARMUP"
        if ((round % 2 == 1)); then
            run_sidecar "$round"
            run_peer "$round"
        else
            run_peer "$round"
            run_sidecar "$round"
        fi
    done
}

# ---------------------------------------------------------------------------------------------------------
# Step 7: medians and RESULTS.md.
# ---------------------------------------------------------------------------------------------------------

# Median of column $2 (1-based in rounds.tsv) for target $1; "-" when the column holds no numbers.
median() {
    awk -F'\t' -v t="$1" -v c="$2" '$2 == t && $c != "-" {print $c}' "$WORK/rounds.tsv" | sort -g |
        awk '{v[NR] = $1} END {
            if (NR == 0) { print "-"; exit }
            if (NR % 2) printf "%.2f\n", v[(NR + 1) / 2]
            else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

column_max() {
    awk -F'\t' -v t="$1" -v c="$2" '$2 == t && $c != "-" {if (m == "" || $c + 0 > m + 0) m = $c} END {print m}' \
        "$WORK/rounds.tsv"
}

# PASS when $1 <= $2.
pass_fail() {
    awk -v a="$1" -v b="$2" 'BEGIN {print (a + 0 <= b + 0) ? "PASS" : "FAIL"}'
}

# bench/RESULTS.md: a common part (summary of every section, machine, method, the nginx configs, caveats), then
# one section per auth mode and access-log setting, each between <!-- run:KEY:start --> and <!-- run:KEY:end -->,
# then the JMH section. A run rewrites the common part and its own section; it carries the other sections and
# the JMH block over unchanged. Each section starts with a <!-- values: ... --> line that the summary is built from.
SECTION_KEYS=(apikey jwt apikey-accesslog jwt-accesslog)
JMH_START='<!-- jmh:start -->'
JMH_END='<!-- jmh:end -->'

section_key() {
    echo "$AUTH$([[ "$ACCESS_LOG" == on ]] && echo -accesslog)"
}

# $1 section key.
section_title() {
    local auth
    case "$1" in
        apikey*) auth="API-key authentication (AUTH=apikey)" ;;
        jwt*) auth="JWT authentication, RS256 (AUTH=jwt)" ;;
    esac
    case "$1" in
        *-accesslog) echo "$auth, access logs on" ;;
        *) echo "$auth, access logs off" ;;
    esac
}

# Prints the lines of file $1 from the line $2 to the line $3, both included; nothing when $2 is not there.
# A block whose end line is missing runs to the end of the file.
extract_block() {
    [[ -f "$1" ]] || return 0
    awk -v s="$2" -v e="$3" '$0 == s {on = 1} on {print} on && $0 == e {exit}' "$1"
}

# $1 section file, $2 name: the value from its <!-- values: ... --> line, or "" when absent.
value_of() {
    sed -n 's/^<!-- values: \(.*\) -->$/\1/p' "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2; exit}'
}

write_results() {
    local date machine_cpu mem_gib java_version nginx_version wrk_version key
    date="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    machine_cpu="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
    mem_gib="$(awk '/^MemTotal:/ {printf "%.1f", $2 / 1024 / 1024}' /proc/meminfo)"
    java_version="$("$JAVA" -version 2>&1 | paste -sd ';' | sed 's/;/; /g')"
    nginx_version="$("$NGINX" -v 2>&1 | sed -n 1p)"
    wrk_version="$({ wrk -v 2>&1 || true; } | sed -n 1p)"
    key="$(section_key)"

    local t
    local -A M
    for t in direct sidecar nginx; do
        M[$t.rps]="$(median "$t" 3)"
        M[$t.p50]="$(median "$t" 4)"
        M[$t.p99]="$(median "$t" 5)"
        M[$t.cpu]="$(median "$t" 6)"
        M[$t.user]="$(median "$t" 7)"
        M[$t.sys]="$(median "$t" 8)"
        M[$t.jit]="$(median "$t" 9)"
        M[$t.rss0]="$(median "$t" 10)"
        M[$t.rss]="$(median "$t" 11)"
    done
    local ratio rss_max cpu_verdict rss_verdict
    ratio="$(awk -v s="${M[sidecar.cpu]}" -v n="${M[nginx.cpu]}" 'BEGIN {printf "%.2f", s / n}')"
    rss_max="$(column_max sidecar 11)"
    cpu_verdict="$(pass_fail "$ratio" "$TARGET_CPU_RATIO")"
    local sidecar_nojit ratio_nojit
    sidecar_nojit="$(awk -F'\t' '$2 == "sidecar" {print $6 - $9}' "$WORK/rounds.tsv" | sort -g |
        awk '{v[NR] = $1} END {printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')"
    ratio_nojit="$(awk -v s="$sidecar_nojit" -v n="${M[nginx.cpu]}" 'BEGIN {printf "%.2f", s / n}')"
    rss_verdict="$(pass_fail "$rss_max" "$TARGET_RSS_MIB")"

    # Per-round ratios show whether the median ratio is typical or one lucky round.
    local round_ratios
    round_ratios="$(awk -F'\t' '$2 == "sidecar" {s[$1] = $6} $2 == "nginx" {n[$1] = $6}
        END {for (r = 1; r in s; r++) printf "%s%s: %.2f", (r > 1 ? ", " : ""), "round " r, s[r] / n[r]}' \
        "$WORK/rounds.tsv")"

    # How many single rounds miss the CPU target: a median just under it with rounds over it is a close call.
    local rounds_over
    rounds_over="$(awk -F'\t' -v max="$TARGET_CPU_RATIO" '$2 == "sidecar" {s[$1] = $6} $2 == "nginx" {n[$1] = $6}
        END {for (r in s) if (s[r] / n[r] > max + 0) c++; print c + 0}' "$WORK/rounds.tsv")"

    local errors_found
    errors_found="$(awk -F'\t' '$13 != "none" {printf "- round %s, %s: %s\n", $1, $2, $13}' "$WORK/rounds.tsv")"

    # The direct target (the upstream alone) is the machine's speedometer: when it moves a lot between rounds, the
    # machine was busier in some rounds, which raises both proxies' CPU per request (mostly sys, as fewer requests
    # share each wake-up), not by the same amount, and so moves the ratio too.
    local speed_note
    speed_note="$(awk -F'\t' '$2 == "direct" {if (min == "" || $3 < min) min = $3; if ($3 > max) max = $3}
        END {if (max > 0 && (max - min) / max > 0.15)
            printf "The machine was not equally fast in every round: the direct target (the upstream alone) ranged from %.0f to %.0f req/s. Rounds on a busier machine raise both proxies'"'"' CPU per request (mostly sys), not by the same amount, so the CPU ratio moves with it; compare the per-round ratios of the rounds where direct is fastest.", min, max}' \
        "$WORK/rounds.tsv")"
    [[ -z "$speed_note" ]] || echo "$speed_note" >>"$WORK/notes.txt"

    local what credential_desc checks
    case "$AUTH" in
        apikey)
            what="key"
            credential_desc="API-key authentication: \`auth.apiKeys\` holds the SHA-256 of a random key made for
this run, and wrk sends \`Authorization: Bearer <key>\`."
            checks="no key → 401, a wrong key → 401, the key → 200 \`{\"message\":\"pong\"}\`"
            ;;
        jwt)
            what="jwt"
            credential_desc="JWT authentication: one provider (\`auth.jwt.providers\`) trusting a dev RS256 key made
by the jar (\`auth-sidecar.jar dev-keys\`), its JWKS read from a file. wrk sends \`Authorization: Bearer <jwt>\`,
one token of ${#CREDENTIAL} bytes made by \`auth-sidecar.jar token --sub bench --aud main-service --scope \"read write\"
--ttl 2h\`."
            checks="no token → 401, a forged token (the same claims, signed with another key) → 401,
the token → 200 \`{\"message\":\"pong\"}\`"
            ;;
    esac

    local wrk_cmd="wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d${DURATION}s --latency"
    # The common part serves sections of runs with different durations.
    local wrk_any="wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d<DURATION>s --latency"
    local section="$WORK/section.md" title
    title="$(section_title "$key")"
    {
        echo "<!-- run:$key:start -->"
        # One line, machine-read for the summary at the top of RESULTS.md: no spaces inside values.
        echo "<!-- values: date=${date// /_} rounds=$ROUNDS duration=$DURATION" \
            "direct.rps=${M[direct.rps]} sidecar.rps=${M[sidecar.rps]} sidecar.p50=${M[sidecar.p50]}" \
            "sidecar.p99=${M[sidecar.p99]} sidecar.cpu=${M[sidecar.cpu]} sidecar.rss=${M[sidecar.rss]}" \
            "sidecar.rssmax=$rss_max nginx.rps=${M[nginx.rps]} nginx.p50=${M[nginx.p50]}" \
            "nginx.p99=${M[nginx.p99]} nginx.cpu=${M[nginx.cpu]} nginx.rss=${M[nginx.rss]} ratio=$ratio" \
            "cpu_verdict=$cpu_verdict rss_verdict=$rss_verdict -->"
        cat <<EOF
## $title

- Date: $date
- Run: AUTH=$AUTH, ACCESS_LOG=$ACCESS_LOG, ROUNDS=$ROUNDS, DURATION=${DURATION}s per measured run; unrecorded
  warm-up before each: ${SIDECAR_WARMUP}s for the sidecar, ${WARMUP}s for nginx and direct
- auth-sidecar jar: sha256 $JAR_SHA…, built $JAR_BUILT, git HEAD $GIT_HEAD$( ((GIT_DIRTY == 0)) || echo " + $GIT_DIRTY uncommitted change(s) under auth-sidecar/")
- Load average at start / end: $LOADAVG_START / $(cut -d' ' -f1-3 /proc/loadavg)
- JVM: $JAVA: $java_version
- wrk against the sidecar: \`$wrk_cmd -H 'Authorization: Bearer <$what>' http://$HOST:$SIDECAR_PORT/ping\`

EOF
        if [[ "$ACCESS_LOG" == on ]]; then
            # The short form: what changed, the medians and the ratio. The run's raw numbers are in $WORK.
            cat <<EOF
Access logs on for both proxies: nginx \`combined\` format, buffered 64k/200ms, to a file; the sidecar its JSON
lines (\`accessLog.format: json\`, its default) on stdout, to a file. Otherwise set up as in the access-logs-off
section of the same auth mode (${credential_desc%%:*}). JVM flags: \`$SIDECAR_JVM_FLAGS\`.

| target | req/s | p50 ms | p99 ms | proxy CPU µs/req | user | sys | of which JIT | proxy peak RSS MiB |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| direct (no proxy) | ${M[direct.rps]} | ${M[direct.p50]} | ${M[direct.p99]} | — | — | — | — | — |
| auth-sidecar | ${M[sidecar.rps]} | ${M[sidecar.p50]} | ${M[sidecar.p99]} | **${M[sidecar.cpu]}** | ${M[sidecar.user]} | ${M[sidecar.sys]} | ${M[sidecar.jit]} | **${M[sidecar.rss]}** |
| nginx proxy_pass (no auth) | ${M[nginx.rps]} | ${M[nginx.p50]} | ${M[nginx.p99]} | **${M[nginx.cpu]}** | ${M[nginx.user]} | ${M[nginx.sys]} | — | **${M[nginx.rss]}** |

Medians over $ROUNDS rounds. auth-sidecar CPU per request ÷ nginx's: **${ratio}×** (per round: $round_ratios);
without the JIT threads' share ${ratio_nojit}×. Against the targets: CPU ≤ ${TARGET_CPU_RATIO}× nginx's **$cpu_verdict**;
peak RSS ${rss_max} MiB (highest round) ≤ ${TARGET_RSS_MIB} MiB **$rss_verdict**.
$([[ -s "$WORK/notes.txt" ]] && echo "**Warnings:** $(paste -sd ' ' "$WORK/notes.txt")")
wrk errors: $([[ -n "$errors_found" ]] && echo "**yes, the numbers include them:** $(echo "$errors_found" | paste -sd ';' | sed 's/^- //; s/;- /; /g')" || echo "none.")
EOF
        else
            cat <<EOF
$credential_desc Before each sidecar run the script checked: $checks.

**What the steady state measures:** the sidecar verifies a credential once and then serves the repeated one from
memory: each keep-alive connection remembers its last verified \`Authorization\` value (a string comparison and an
\`exp\` check per request), and a new connection with a known token is served by the verified-credential cache
(SHA-256 of the token and a look-up)$([[ "$AUTH" == jwt ]] && echo "; the RS256 signature is checked once per token, by the probe before the warm-up").
wrk sends one credential over 32 connections, so these numbers are the hit path, not the cost of verifying
$([[ "$AUTH" == jwt ]] && echo "a signature (see the JMH section for a cache miss)" || echo "a key").

\`\`\`
$JAVA $SIDECAR_JVM_FLAGS -jar auth-sidecar.jar --config sidecar.yaml
\`\`\`

\`\`\`yaml
$(sed -e 's/sha256: .*/sha256: <sha256 of a random key made for this run>/' -e "s|$WORK|<workdir>|g" "$WORK/sidecar.yaml")
\`\`\`

### Medians over $ROUNDS rounds

| target | req/s | p50 ms | p99 ms | proxy CPU µs/req | user | sys | of which JIT | proxy peak RSS MiB | peak RSS before load |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| direct (no proxy) | ${M[direct.rps]} | ${M[direct.p50]} | ${M[direct.p99]} | — | — | — | — | — | — |
| auth-sidecar | ${M[sidecar.rps]} | ${M[sidecar.p50]} | ${M[sidecar.p99]} | **${M[sidecar.cpu]}** | ${M[sidecar.user]} | ${M[sidecar.sys]} | ${M[sidecar.jit]} | **${M[sidecar.rss]}** | ${M[sidecar.rss0]} |
| nginx proxy_pass (no auth) | ${M[nginx.rps]} | ${M[nginx.p50]} | ${M[nginx.p99]} | **${M[nginx.cpu]}** | ${M[nginx.user]} | ${M[nginx.sys]} | — | **${M[nginx.rss]}** | ${M[nginx.rss0]} |

Each column is the median of its own values over the rounds (so user + sys need not add up to the total exactly).

auth-sidecar CPU per request ÷ nginx's: **${ratio}×** (median of each; per round: $round_ratios).
Leaving out the JIT compiler threads' share (compilation still under way after the warm-up), the sidecar's
median is ${sidecar_nojit} µs/req, ${ratio_nojit}× nginx's.
$([[ -s "$WORK/notes.txt" ]] && printf '\n**Warnings:** %s\n' "$(paste -sd ' ' "$WORK/notes.txt")")

### Against the targets

| target | measured | verdict |
| --- | --- | --- |
| auth-sidecar CPU/request ≤ ${TARGET_CPU_RATIO}× nginx's | ${ratio}× (${M[sidecar.cpu]} vs ${M[nginx.cpu]} µs/req, medians); $rounds_over of $ROUNDS single rounds over ${TARGET_CPU_RATIO}× | **$cpu_verdict** |
| auth-sidecar peak RSS ≤ ${TARGET_RSS_MIB} MiB | ${rss_max} MiB (highest round; median ${M[sidecar.rss]}, of which ${M[sidecar.rss0]} before any load) | **$rss_verdict** |

### Per round

In the order they ran.

| round | target | req/s | p50 ms | p99 ms | proxy CPU µs/req | user | sys | of which JIT | peak RSS before load MiB | proxy peak RSS MiB | requests | wrk errors |
| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
$(awk -F'\t' '{printf "|"; for (i = 1; i <= 13; i++) printf " %s |", $i; printf "\n"}' "$WORK/rounds.tsv")

EOF
            if [[ -n "$errors_found" ]]; then
                echo "**wrk reported failed requests; the numbers above include them:**"
                echo
                echo "$errors_found"
            else
                echo "wrk errors: none (no non-2xx/3xx responses and no socket errors in any measured run)."
            fi
        fi
        echo "<!-- run:$key:end -->"
    } >"$section"

    # The sections RESULTS.md will hold: ours, and the others as they are in the file now.
    local k
    local -a present=()
    for k in "${SECTION_KEYS[@]}"; do
        if [[ "$k" == "$key" ]]; then
            cp "$section" "$WORK/keep-$k.md"
        else
            extract_block "$RESULTS" "<!-- run:$k:start -->" "<!-- run:$k:end -->" >"$WORK/keep-$k.md"
        fi
        [[ -s "$WORK/keep-$k.md" ]] && present+=("$k")
    done
    extract_block "$RESULTS" "$JMH_START" "$JMH_END" >"$WORK/keep-jmh.md"

    local new
    new="$(mktemp "$WORK/RESULTS.XXXXXX")"
    {
        cat <<EOF
# auth-sidecar benchmark results

Written by \`bench/run.sh\` (see \`bench/README.md\`); the JMH section at the end by \`bench/jmh/run.sh\`. Do not
edit by hand; run the scripts again. A \`bench/run.sh\` run replaces only its own section below (one per auth mode
and access-log setting) and the common parts; the other sections keep the date they were measured on.

## Summary

Medians over each section's rounds. Targets: auth-sidecar CPU per request ≤ ${TARGET_CPU_RATIO}× nginx's, peak RSS
(highest round) ≤ ${TARGET_RSS_MIB} MiB.

| section | date | rounds × s | sidecar req/s | sidecar p50 / p99 ms | sidecar CPU µs/req | nginx CPU µs/req | CPU ratio | sidecar peak RSS MiB (max) |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
EOF
        for k in "${present[@]}"; do
            local f="$WORK/keep-$k.md"
            printf '| %s | %s | %s × %s | %s | %s / %s | %s | %s | %s× **%s** | %s (%s) **%s** |\n' \
                "$(section_title "$k")" "$(value_of "$f" date | tr _ ' ')" "$(value_of "$f" rounds)" \
                "$(value_of "$f" duration)" "$(value_of "$f" sidecar.rps)" "$(value_of "$f" sidecar.p50)" \
                "$(value_of "$f" sidecar.p99)" "$(value_of "$f" sidecar.cpu)" "$(value_of "$f" nginx.cpu)" \
                "$(value_of "$f" ratio)" "$(value_of "$f" cpu_verdict)" "$(value_of "$f" sidecar.rss)" \
                "$(value_of "$f" sidecar.rssmax)" "$(value_of "$f" rss_verdict)"
        done
        # What an access log costs each proxy, where a mode has both sections (from different runs).
        local costs=""
        for k in apikey jwt; do
            local off="$WORK/keep-$k.md" on="$WORK/keep-$k-accesslog.md"
            [[ -s "$off" && -s "$on" ]] || continue
            costs+="$(awk -v t="$(section_title "$k" | sed 's/, access logs off//')" \
                -v so="$(value_of "$off" sidecar.cpu)" -v sn="$(value_of "$on" sidecar.cpu)" \
                -v no="$(value_of "$off" nginx.cpu)" -v nn="$(value_of "$on" nginx.cpu)" \
                -v ro="$(value_of "$off" ratio)" -v rn="$(value_of "$on" ratio)" \
                -v qo="$(value_of "$off" sidecar.rps)" -v qn="$(value_of "$on" sidecar.rps)" 'BEGIN {
                printf "| %s | %.2f → %.2f (%+.2f, %+.0f %%) | %.2f → %.2f (%+.2f, %+.0f %%) | %.2f× → %.2f× | %.0f → %.0f |\n",
                    t, so, sn, sn - so, (sn / so - 1) * 100, no, nn, nn - no, (nn / no - 1) * 100, ro, rn, qo, qn }')"$'\n'
        done
        if [[ -n "$costs" ]]; then
            cat <<EOF

What the access log costs (off → on, medians of the two sections; they are separate runs, so part of the
difference is run-to-run noise):

| auth mode | sidecar CPU µs/req | nginx CPU µs/req | CPU ratio | sidecar req/s |
| --- | ---: | ---: | ---: | ---: |
${costs%$'\n'}
EOF
        fi
        cat <<EOF

## Machine

| | |
| --- | --- |
| CPUs (\`nproc\`) | $(nproc) |
| CPU model | $machine_cpu |
| Memory | $mem_gib GiB |
| Kernel | $(uname -r) |
| nginx | $nginx_version |
| wrk | $wrk_version |

Each section names the JVM, the jar and the load average of its own run.

## What ran

All on loopback, all ending at the same upstream: one nginx (1 worker) answering
\`GET /ping\` with \`200 {"message":"pong"}\` on $HOST:$UPSTREAM_PORT.

| target | path | wrk command (after an unrecorded warm-up run with the same flags) |
| --- | --- | --- |
| direct | wrk → upstream nginx | \`$wrk_any http://$HOST:$UPSTREAM_PORT/ping\` |
| sidecar | wrk → auth-sidecar → upstream | \`$wrk_any -H 'Authorization: Bearer <key or jwt>' http://$HOST:$SIDECAR_PORT/ping\` |
| nginx | wrk → nginx \`proxy_pass\` → upstream | \`$wrk_any http://$HOST:$PEER_PORT/ping\` |

auth-sidecar: one event loop, API-key or JWT authentication on (each section says which, with its config and
JVM flags). Before each sidecar run the script checks that it answers 401 without a credential and with a wrong
one, and 200 \`{"message":"pong"}\` with the run's credential.

nginx peer (**no authentication**: it only forwards, so it does less work per request than the sidecar):

\`\`\`nginx
$(sed "s|$WORK|<workdir>|g" "$WORK/nginx-peer.conf" | grep -v -e 'access_log <workdir>' -e '^$')
\`\`\`

With \`ACCESS_LOG=on\`, its \`server\` block also has \`access_log <workdir>/peer/access.log combined buffer=64k flush=200ms;\`.

Upstream nginx:

\`\`\`nginx
$(sed "s|$WORK|<workdir>|g" "$WORK/nginx-upstream.conf")
\`\`\`

How the numbers are taken:

- **req/s, p50, p99**: from wrk's report (\`Requests/sec\`, \`Latency Distribution\`).
- **CPU µs/req**: the proxy's utime+stime from \`/proc/PID/stat\` (all threads, so JIT and GC count for the JVM),
  read just before and just after the measured wrk run, converted with CLK_TCK=$CLK_TCK, divided by the number
  of requests wrk completed. For nginx: master + worker. *user* and *sys* split it; *of which JIT* is the part
  spent by the JVM's compiler threads (from \`/proc/PID/task/*/stat\`): compilation still going on after the
  warm-up, not the cost of serving requests.
- **peak RSS**: \`VmHWM\` from \`/proc/PID/status\` after the run. For nginx: worker + master added up (they share
  pages, so this overstates nginx a little). For the sidecar: the JVM's, start-up included. *Peak RSS before
  load* is the same reading taken after start-up and the probe requests, before the warm-up.
- Each round starts both proxies fresh; the proxies' order alternates between rounds. Medians over the rounds.

## Caveats

- wrk, the proxy under test and the upstream share this machine's $(nproc) CPU(s): throughput and latency include
  that contention. CPU per request, counted for the proxy process alone, is the steadier comparison.
- The machine is shared and may be busy with other work; that is why medians over several rounds are reported,
  and the per-round numbers are kept in the full sections.
- The nginx peer does no authentication. The sidecar authenticates every request, but with one credential sent
  over keep-alive connections it verifies it once and then takes its hit path (a per-connection memo of the last
  \`Authorization\` value, then the verified-credential cache); it also adds identity and forwarding headers and
  an \`X-Request-Id\` on every request.
EOF
        for k in "${present[@]}"; do
            echo
            cat "$WORK/keep-$k.md"
        done
        if [[ -s "$WORK/keep-jmh.md" ]]; then
            echo
            cat "$WORK/keep-jmh.md"
        fi
    } >"$new"
    cat "$new" >"$RESULTS"
    rm -f "$new"

    log "AUTH=$AUTH ACCESS_LOG=$ACCESS_LOG medians: direct ${M[direct.rps]} req/s | sidecar ${M[sidecar.rps]} req/s," \
        "p50 ${M[sidecar.p50]} p99 ${M[sidecar.p99]} ms, ${M[sidecar.cpu]} us/req (JIT ${M[sidecar.jit]})," \
        "${M[sidecar.rss]} MiB | nginx ${M[nginx.rps]} req/s, p50 ${M[nginx.p50]} p99 ${M[nginx.p99]} ms," \
        "${M[nginx.cpu]} us/req, ${M[nginx.rss]} MiB"
    log "CPU ratio sidecar/nginx ${ratio}x (target <= ${TARGET_CPU_RATIO}x): $cpu_verdict" \
        "($rounds_over of $ROUNDS rounds over; per round: $round_ratios);" \
        "sidecar peak RSS ${rss_max} MiB (target <= ${TARGET_RSS_MIB}): $rss_verdict"
    [[ -z "$errors_found" ]] || log "wrk reported errors (see $RESULTS):"$'\n'"$errors_found"
    log "wrote section '$key' of $RESULTS (also in $section)"
}

main() {
    check_prerequisites
    check_ports_free
    LOADAVG_START="$(cut -d' ' -f1-3 /proc/loadavg)"
    prepare_workdir
    start_upstream
    expect_pong "nginx upstream" "http://$HOST:$UPSTREAM_PORT/ping"
    run_rounds
    write_results
}

main "$@"
