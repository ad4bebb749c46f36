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
# This script starts and stops the processes; bench/Measure.java takes each measurement (wrk, /proc) and
# bench/Results.java writes the report. bench/RESULTS.md holds one section per auth mode and access-log
# setting; a run replaces its own section and the common part, and keeps every other section (other runs, JMH,
# WebSocket, HTTP/2) as it is.
#
# Installs nothing. Every process it starts is stopped on exit, including on failure and Ctrl-C.
set -euo pipefail

# ---------------------------------------------------------------------------------------------------------
# Settings. Only AUTH, DURATION, ROUNDS, WARMUP, SIDECAR_WARMUP, ACCESS_LOG, TRANSPORT, JAVA_HOME, SIDECAR_JVM_FLAGS,
# GUARD and RESULTS are meant to be changed.
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
# The sidecar's server.transport: auto (the default), io_uring, epoll or nio (docs/transport.md).
TRANSPORT="${TRANSPORT:-auto}"

# The load: one wrk thread, 32 keep-alive connections, the same for every target.
WRK_THREADS=1
WRK_CONNECTIONS=32

# Loopback only. Fixed default ports, so the configs in RESULTS.md are exactly what ran; set them in the environment
# to run two benchmarks side by side.
HOST=127.0.0.1
UPSTREAM_PORT="${UPSTREAM_PORT:-18080}"
SIDECAR_PORT="${SIDECAR_PORT:-18081}"
PEER_PORT="${PEER_PORT:-18082}"
ADMIN_PORT="${ADMIN_PORT:-19901}"

# The sidecar's JVM flags: by default the image's (SIDECAR_JAVA_OPTIONS in the Dockerfile, read in
# check_prerequisites), so that what is measured here is what the image runs; docs/jvm-options.md explains each
# and what it was measured to give. SIDECAR_JVM_FLAGS replaces the whole list (for an A/B run, say).
SIDECAR_JVM_FLAGS="${SIDECAR_JVM_FLAGS:-}"

# Two kinds of limit. The targets (issue 14: CPU per request <= 1.2x nginx's, peak RSS <= 64 MiB) are what the report
# says PASS or FAIL against. The guard's limits, in bench/thresholds.tsv, are where today's figures stand plus a
# margin for noise: bench/Check.java holds the run against them before it is written to RESULTS, so a change that
# makes things worse cannot land in the results unnoticed (GUARD=off writes a run past them anyway).
GUARD="${GUARD:-on}"
THRESHOLDS="$BENCH_DIR/thresholds.tsv"
RESULTS_KEY="run:$AUTH$([[ "$ACCESS_LOG" == on ]] && echo -accesslog || true)"
TARGET_CPU_RATIO="${TARGET_CPU_RATIO:-1.2}" # auth-sidecar CPU per request <= this x nginx's
TARGET_RSS_MIB="${TARGET_RSS_MIB:-64}"      # auth-sidecar peak RSS <= this, in MiB

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
    [[ "$TRANSPORT" =~ ^(auto|io_uring|epoll|nio)$ ]] ||
        die "TRANSPORT must be auto, io_uring, epoll or nio, got '$TRANSPORT'"

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
    for tool in curl sha256sum od getconf pgrep; do
        if ! command -v "$tool" >/dev/null; then
            log "missing: $tool. On Debian/Ubuntu: sudo apt-get install -y curl coreutils procps"
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
        log "         cd $REPO_DIR && ./mvnw -B -q -pl auth-sidecar -am package -DskipTests"
        missing=1
    fi
    [[ $missing -eq 0 ]] || die "prerequisites missing (see above); nothing was started"

    if [[ -z "$SIDECAR_JVM_FLAGS" ]]; then
        SIDECAR_JVM_FLAGS="$("$JAVA" "$BENCH_DIR/Results.java" jvm-flags "$REPO_DIR/Dockerfile")" ||
            die "could not read the image's JVM options from $REPO_DIR/Dockerfile"
    fi
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
  transport: ${TRANSPORT:-auto}
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

# The nginx configs (upstream and peer) are in bench/nginx.sh, shared with bench/tail-run.sh.
# shellcheck source=bench/nginx.sh
source "$BENCH_DIR/nginx.sh"

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

# $1 round, $2 target name, $3 url, $4 pids to account ("" for none), $5 warm-up seconds, $6.. extra wrk args
# (the auth header). $JVM_PID, when set, is a JVM among the pids whose JIT threads are accounted separately.
# bench/Measure.java runs wrk, reads /proc and appends one line to $WORK/rounds.tsv.
JVM_PID=""
measure() {
    DURATION="$DURATION" WRK_THREADS="$WRK_THREADS" WRK_CONNECTIONS="$WRK_CONNECTIONS" CLK_TCK="$CLK_TCK" \
        WORK="$WORK" UPSTREAM_PID="$UPSTREAM_PID" \
        "$JAVA" "$BENCH_DIR/Measure.java" "$1" "$2" "$3" "$4" "$JVM_PID" "${@:5}" || die "$2: measurement failed (see $WORK)"
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
    # A full code cache stops the JIT for good (the image's small ReservedCodeCacheSize makes that possible): the
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
    # The same request as the sidecar gets, credential included: nginx checks nothing, but it parses the header
    # and forwards it, as the sidecar parses it (a JWT's is ~650 bytes); without it the comparison was not
    # like for like.
    measure "$round" nginx "http://$HOST:$PEER_PORT/ping" "$PEER_PID $(nginx_worker_pid "$PEER_PID")" "$WARMUP" \
        -H "Authorization: Bearer $CREDENTIAL"
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
# Step 7: medians and RESULTS.md. bench/RunReport.java writes this run's section and the common part (machine,
# method) to the work dir, bench/Check.java holds the section against bench/thresholds.tsv, and bench/Results.java
# puts it in place of the last one of its key (one per auth mode and access-log setting), replaces the common part
# and rebuilds the summary from every section; every other section (JMH, WebSocket, HTTP/2, gRPC) is kept as it is.
# ---------------------------------------------------------------------------------------------------------
write_results() {
    CREDENTIAL_BYTES="${#CREDENTIAL}"
    export AUTH ACCESS_LOG ROUNDS DURATION WARMUP SIDECAR_WARMUP HOST UPSTREAM_PORT SIDECAR_PORT PEER_PORT \
        WRK_THREADS WRK_CONNECTIONS JAVA NGINX SIDECAR_JVM_FLAGS JAR_SHA JAR_BUILT GIT_HEAD GIT_DIRTY LOADAVG_START \
        CLK_TCK TARGET_CPU_RATIO TARGET_RSS_MIB WORK CREDENTIAL_BYTES
    "$JAVA" "$BENCH_DIR/RunReport.java" || die "could not write the report (rounds in $WORK/rounds.tsv)"
    # The guard (bench/Check.java) before RESULTS.md is touched: a run past a limit in bench/thresholds.tsv is not
    # written (GUARD=off writes it anyway, after printing the breaches); its report stays in the work dir.
    if ! "$JAVA" "$BENCH_DIR/Check.java" "$THRESHOLDS" "$WORK/section.md" >&2; then
        [[ "$GUARD" == off ]] ||
            die "the guard failed (above): $RESULTS was not updated; this run is in $WORK (section.md). GUARD=off writes it anyway"
        log "the guard failed (above); GUARD=off: writing it to $RESULTS anyway"
    fi
    "$JAVA" "$BENCH_DIR/Results.java" splice "$RESULTS" "$RESULTS_KEY" "$WORK/section.md" "$WORK/common.md" ||
        die "could not write $RESULTS (this run's report is in $WORK)"
    log "wrote section $RESULTS_KEY and the summary of $RESULTS"
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
