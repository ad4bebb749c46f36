# Shared by bench/ws-run.sh and bench/h2-run.sh (sourced, not run): the JVM, the sidecar's JVM options, process
# bookkeeping, and reading a process's CPU time and RSS from /proc. Set BENCH_NAME before sourcing.

JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
[[ -x "$JAVA" ]] || JAVA="$(command -v java)"
# The sidecar image's JVM options, read from the Dockerfile (SIDECAR_JAVA_OPTIONS), the one place they are written;
# docs/jvm-options.md explains each. SIDECAR_JVM_FLAGS replaces the whole list.
LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SIDECAR_JVM_FLAGS="${SIDECAR_JVM_FLAGS:-$("$JAVA" "$LIB_DIR/Results.java" jvm-flags "$LIB_DIR/../Dockerfile")}"
[[ -n "$SIDECAR_JVM_FLAGS" ]] || { echo "could not read the JVM options from $LIB_DIR/../Dockerfile" >&2; exit 1; }
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
CLK_TCK="$(getconf CLK_TCK)"

PIDS=()
log() { printf '[%s %s] %s\n' "$BENCH_NAME" "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

require_free_ports() {
    local port
    for port in "$@"; do
        if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then die "something already listens on $HOST:$port"; fi
    done
}
wait_port() {
    local i
    for ((i = 0; i < 200; i++)); do
        (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    die "nothing listens on $1"
}
# utime + stime of the given pids, in clock ticks.
# Starts the sidecar with the image's JVM options on CONFIG, logging to LOG, and waits until PORT listens.
# The part of a benchmark sidecar's configuration every script shares, after its own server and upstream sections:
# the admin port ($1), the API key ($2, configured by its SHA-256), no drain delay, no access log.
sidecar_config_tail() {
    cat <<YAML
admin:
  listen: $HOST:$1
auth:
  apiKeys:
    - name: bench
      sha256: $(printf %s "$2" | sha256sum | cut -d' ' -f1)
shutdown:
  drainDelay: 0s
  timeout: 2s
accessLog:
  format: "off"
YAML
}
# Sets SIDECAR_PID; the process joins PIDS, so cleanup stops it.
start_sidecar() {
    local config=$1 log=$2 port=$3
    "$JAVA" $SIDECAR_JVM_FLAGS -jar "$JAR" --config "$config" >"$log" 2>&1 &
    SIDECAR_PID=$!
    PIDS+=("$SIDECAR_PID")
    wait_port "$port"
}
cpu_ticks() {
    local total=0 pid
    for pid in "$@"; do total=$((total + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}'))); done
    echo "$total"
}
rss_kib() {
    local total=0 pid
    for pid in "$@"; do total=$((total + $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status"))); done
    echo "$total"
}
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# Holds SECTION (KEY's block, with its values line) against bench/thresholds.tsv (bench/Check.java, one line per
# limit), then splices it into $RESULTS (COMMON, when given, as the new common part); Results.java rebuilds the
# summary. A run past a limit is not written: the script fails and its section stays in $WORK. GUARD=off writes it
# anyway, after the breaches are printed (to record a known state on purpose).
guard_and_splice() {
    local key=$1 section=$2
    if ! "$JAVA" "$LIB_DIR/Check.java" "$LIB_DIR/thresholds.tsv" "$section" >&2; then
        [[ "${GUARD:-on}" == off ]] ||
            die "the guard failed (above): $RESULTS was not updated; this run is in $WORK. GUARD=off writes it anyway"
        log "the guard failed (above); GUARD=off: writing it to $RESULTS anyway"
    fi
    "$JAVA" "$LIB_DIR/Results.java" splice "$RESULTS" "$key" "$section" "${@:3}" || die "could not write $RESULTS"
}
