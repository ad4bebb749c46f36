#!/usr/bin/env bash
# JMH micro-benchmarks of token verification (issue #3): the verified-credential cache hit, JWT verification on
# a cache miss (RS256, PS256, ES256, EdDSA), API keys. Builds bench/jmh, runs it, and writes the section
# "## JMH: token verification (issue #3)" of bench/RESULTS.md.
#
#   bench/jmh/run.sh                                  # everything, about 4 minutes
#   bench/jmh/run.sh JwtVerifyBenchmark               # arguments go to JMH (here: a benchmark regex)
#   JAVA_HOME=/path/to/jdk bench/jmh/run.sh
#   bench/jmh/run.sh --reinsert                       # no run: put the latest section back into RESULTS.md
#
# JAVA_HOME, when unset: /usr/lib/jvm/temurin-25-jdk-amd64 if it exists (the JDK the team benchmarks on), else
# `java` on the PATH. Raw output (JMH's JSON and text) goes to bench/out/jmh.XXXXXX/ (git-ignored).
#
# Only the part of bench/RESULTS.md between <!-- jmh:start --> and <!-- jmh:end --> is replaced (appended when
# absent); bench/run.sh writes the rest of that file. If bench/run.sh rewrote the file without this section,
# --reinsert puts the latest one (bench/out/jmh.*/section.md) back without running anything.
set -euo pipefail

JMH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_DIR="$(dirname "$JMH_DIR")"
REPO_DIR="$(dirname "$BENCH_DIR")"
RESULTS="$BENCH_DIR/RESULTS.md"
JAR="$JMH_DIR/target/benchmarks.jar"
START_MARK='<!-- jmh:start -->'
END_MARK='<!-- jmh:end -->'

log() { printf '[jmh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Replaces our block of RESULTS.md in place with the file $1, or appends it; everything else in the file is left
# as it is (bench/Results.java, which every bench script writes RESULTS.md with).
write_section() {
    "$JAVA" "$BENCH_DIR/Results.java" splice "$RESULTS" jmh "$1" || die "could not write $RESULTS"
}

if [[ -z "${JAVA_HOME:-}" && -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]]; then
    export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
if [[ -n "${JAVA_HOME:-}" ]]; then
    JAVA="$JAVA_HOME/bin/java"
else
    JAVA="$(command -v java)" || die "no java: set JAVA_HOME"
fi
[[ -x "$JAVA" ]] || die "$JAVA is not executable"
log "JVM: $JAVA"

if [[ "${1:-}" == --reinsert ]]; then
    latest=""
    for d in $(ls -td "$BENCH_DIR"/out/jmh.*/ 2>/dev/null || true); do
        if [[ -f "$d/section.md" ]]; then
            latest="${d%/}"
            break
        fi
    done
    [[ -n "$latest" ]] || die "no earlier run with a section.md under $BENCH_DIR/out/"
    write_section "$latest/section.md"
    log "put the JMH section of $latest back into $RESULTS"
    exit 0
fi


log "building bench/jmh (./mvnw -B -q -Pjmh -pl bench/jmh -am package -DskipTests)"
(cd "$REPO_DIR" && ./mvnw -B -q -Pjmh -pl bench/jmh -am package -DskipTests) || die "build failed"
[[ -f "$JAR" ]] || die "the build made no $JAR"

mkdir -p "$BENCH_DIR/out"
OUT="$(mktemp -d "$BENCH_DIR/out/jmh.XXXXXX")"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"

# -prof gc adds the bytes allocated per operation (gc.alloc.rate.norm) to every result.
log "running JMH; output in $OUT"
"$JAVA" -jar "$JAR" -rf json -rff "$OUT/jmh.json" -prof gc "$@" 2>&1 | tee "$OUT/jmh.txt" \
    || die "JMH failed (see $OUT/jmh.txt)"
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

"$JAVA" -cp "$JAR" dev.authsidecar.bench.Tokens >"$OUT/tokens.txt"
"$JAVA" -cp "$JAR" dev.authsidecar.bench.Report "$OUT/jmh.json" >"$OUT/report.md"
# Lines like "token RS256 810" and "provider Ed25519 SunEC version 25": the words after the first two.
tokens_line() { awk -v k="$1" -v a="$2" '$1 == k && $2 == a {$1 = ""; $2 = ""; sub(/^ +/, ""); print; exit}' "$OUT/tokens.txt"; }
bouncycastle="$(awk '$1 == "bouncycastle" {print ($2 == "true" ? "yes" : "no")}' "$OUT/tokens.txt")"

cpu_model="$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
jvm_version="$("$JAVA" -version 2>&1 | paste -sd ';' - | sed 's/;/; /g')"
jmh_args="${*:-(none: every benchmark)}"
git_head="$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git_dirty="$(git -C "$REPO_DIR" status --porcelain -- auth-sidecar bench/jmh 2>/dev/null | wc -l)"

SECTION="$OUT/section.md"
{
    cat <<EOF
$START_MARK
## JMH: token verification (issue #3)

Written by \`bench/jmh/run.sh\` (JMH 1.37; benchmarks in \`bench/jmh/\`). Do not edit by hand; run the script again.

- Date: $started; JMH arguments: $jmh_args
- Source: git HEAD $git_head + $git_dirty uncommitted change(s) under auth-sidecar/ and bench/jmh/

| | |
| --- | --- |
| CPUs (\`nproc\`) | $(nproc) |
| CPU model | ${cpu_model:-unknown} |
| JVM | $JAVA: $jvm_version |
| Load average at start / end | $load_start / $load_end |

Average time per operation; one fork, 3 warm-up iterations of 1 s, 5 measured iterations (1 s each for the
nanosecond benchmarks, 2 s for those with a signature); "±" is JMH's 99.9 % confidence half-width. Allocation per
operation from \`-prof gc\`.

| what | how it is measured |
| --- | --- |
| \`CacheHitBenchmark.authenticateCachedJwt\` | \`Authentication.authenticate(headers)\` for an RS256 JWT verified before: bearer extraction, SHA-256 of the token, Caffeine look-up, \`exp\` check |
| \`CredentialCacheBenchmark.*\` | that path in pieces: \`extractBearer\`, \`cacheKey\` (token → bytes → SHA-256 → String), \`sha256Only\` (the digest of ready bytes), \`cacheGet\` (look-up + \`exp\` check) |
| \`HitPathAlternativesBenchmark.*\` | experiments, not product code, to size suggestions: \`leanHit\` (the same steps without the substring, \`getBytes\` and \`getAll\` copies, the token copied once into a reused buffer, checked there with a table and hashed from there), \`connectionMemoHit\` (a per-connection memo of the last verified header value: one string comparison + \`exp\`) |
| \`JwtVerifyBenchmark.verify\` | a cache miss: \`JwtAuthenticator.authenticate(token)\` with keys from a local file (strict JSON parsing, header policy, claims, signature) |
| \`JwtBreakdownBenchmark.parse\` / \`signatureOnly\` | the miss in pieces: parsing the token alone; the key's verifier alone |
| \`ApiKeyBenchmark.authenticateApiKey\` | \`Authentication.authenticate(headers)\` with 1 or 10 configured API keys (all compared in constant time) |

Tokens (Keycloak-like claims): RS256/PS256 $(tokens_line token RS256) bytes, ES256 $(tokens_line token ES256) bytes,
EdDSA $(tokens_line token EdDSA) bytes.
Keys: RSA 2048 bits, EC P-256, Ed25519.
Providers the JDK picks: RS256 $(tokens_line provider SHA256withRSA), PS256 $(tokens_line provider RSASSA-PSS),
ES256 $(tokens_line provider SHA256withECDSA), EdDSA $(tokens_line provider Ed25519) (through the sidecar's own
\`JdkEd25519Verifier\`; Nimbus's needs Google Tink), SHA-256 $(tokens_line provider SHA-256). BouncyCastle on the
class path: $bouncycastle.

EOF
    cat "$OUT/report.md"
    cat <<EOF

Caveats:
- The machine is shared and was busy with other work during the run (load average above, $(nproc) CPUs);
  scores and their error bars include that noise. Compare orders of magnitude, not the last digit.
- JMH's threads are plain threads, so Netty's \`FastThreadLocal\` (the SHA-256 digest of the cache key) takes its
  slower fallback here; on the sidecar's event loops it is an array index.
$END_MARK
EOF
} >"$SECTION"

write_section "$SECTION"
log "wrote the JMH section of $RESULTS (raw results in $OUT)"
