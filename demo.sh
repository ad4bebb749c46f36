#!/usr/bin/env bash
# Runs the pair as the Pod would: main-service on 127.0.0.1:8080 (loopback only) and auth-sidecar in front
# of it on :8081, with a freshly generated API key. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")"

java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
sidecar_jar=auth-sidecar/target/auth-sidecar.jar
app_jar=main-service/target/main-service.jar

if [[ ! -f $sidecar_jar || ! -f $app_jar ]]; then
  echo "Building the jars (first run only; needs network access to Maven Central)..."
  ./mvnw -B -q package -DskipTests
fi

work=$(mktemp -d)
pids=()
cleanup() {
  trap - INT TERM EXIT
  if ((${#pids[@]})); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup INT TERM EXIT

# The key is shown once and stored nowhere: the sidecar only ever sees its SHA-256.
eval "$("$java_bin" -jar "$sidecar_jar" gen-key --env)"
# A development identity provider: a signing key, its public JWKS, and a token signed with it.
"$java_bin" -jar "$sidecar_jar" dev-keys --out "$work/keys" >/dev/null
JWT=$("$java_bin" -jar "$sidecar_jar" token --key "$work/keys/signing-key.json" --sub alice \
  --aud main-service --scope "read write" --ttl 1h)
cat >"$work/sidecar.yaml" <<YAML
auth:
  apiKeys:
    - name: demo
      sha256: $API_KEY_SHA256
  publicPaths: ["/healthz"]
  jwt:
    providers:
      - name: dev
        issuer: auth-sidecar-dev
        audiences: [main-service]
        jwksFile: $work/keys/jwks.json
        algorithms: [RS256]
rules:
  - path: /admin/**
    require: {scopes: [admin]}
shutdown:
  drainDelay: 0s
YAML

"$java_bin" -jar "$app_jar" --listen 127.0.0.1:8080 &
pids+=($!)
"$java_bin" -jar "$sidecar_jar" --config "$work/sidecar.yaml" &
pids+=($!)

# Wait until both ports accept connections (bash's /dev/tcp: no curl needed for this part).
for _ in $(seq 1 150); do
  if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/8081) 2>/dev/null; then
    break
  fi
  if ! kill -0 "${pids[@]}" 2>/dev/null; then
    echo "a process exited during start-up; see its message above" >&2
    exit 1
  fi
  sleep 0.2
done

cat <<TEXT

  main-service  127.0.0.1:8080  (loopback only: reachable through the sidecar)
  auth-sidecar  0.0.0.0:8081    admin: http://127.0.0.1:9901/readyz

  API key: $API_KEY

  Without a key (401):
    curl -i http://127.0.0.1:8081/ping

  With the key (200 {"message":"pong"}):
    curl -i -H 'Authorization: Bearer $API_KEY' http://127.0.0.1:8081/ping

  With a JWT from the dev identity provider (sub alice, scopes "read write"):
    curl -i -H 'Authorization: Bearer $JWT' http://127.0.0.1:8081/ping

  What the application learns about each caller:
    curl -H 'Authorization: Bearer $API_KEY' http://127.0.0.1:8081/whoami
    curl -H 'Authorization: Bearer $JWT' http://127.0.0.1:8081/whoami

  A rule in action (/admin/** needs scope admin → 403 insufficient_scope):
    curl -i -H 'Authorization: Bearer $JWT' http://127.0.0.1:8081/admin/x

  More tokens: java -jar $sidecar_jar token --key $work/keys/signing-key.json --sub bob --scope admin

  Ctrl-C stops both.

TEXT
wait
