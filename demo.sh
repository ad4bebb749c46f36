#!/usr/bin/env bash
# Runs the pair as the Pod would: main-service on 127.0.0.1:8080 (HTTP) and 127.0.0.1:9090 (gRPC), loopback
# only, and auth-sidecar in front of both on :8081 (admin :9901), with a freshly generated API key. Ctrl-C
# stops both.
#
# The banner is printed only once THIS run's processes are up: both alive, the sidecar's /readyz answers 200
# and /ping with this run's key answers 200. Anything else (a port in use, a process that exits) ends the
# script with a message naming the cause, exit code 1, and both processes stopped.
#
# Other ports: DEMO_APP_PORT, DEMO_GRPC_PORT, DEMO_PROXY_PORT, DEMO_ADMIN_PORT (defaults 8080, 9090, 8081, 9901).
set -euo pipefail
cd "$(dirname "$0")"

java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
sidecar_jar=auth-sidecar/target/auth-sidecar.jar
app_jar=main-service/target/main-service.jar
app_port=${DEMO_APP_PORT:-8080}
grpc_port=${DEMO_GRPC_PORT:-9090}
proxy_port=${DEMO_PROXY_PORT:-8081}
admin_port=${DEMO_ADMIN_PORT:-9901}

fail() {
  echo "demo.sh: $*" >&2
  exit 1
}

for var in DEMO_APP_PORT:$app_port DEMO_GRPC_PORT:$grpc_port DEMO_PROXY_PORT:$proxy_port DEMO_ADMIN_PORT:$admin_port; do
  value=${var#*:}
  if [[ ! $value =~ ^[0-9]+$ ]] || ((value < 1 || value > 65535)); then
    echo "demo.sh: ${var%%:*}=$value is not a port number (1-65535)" >&2
    exit 2
  fi
done

# True when something accepts TCP connections on 127.0.0.1:PORT (bash's /dev/tcp: no curl needed).
listening() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The status code of GET http://127.0.0.1:PORT/PATH, with a bearer token if given; 000 if nothing answers.
http_status() {
  local port=$1 path=$2 token=${3:-} auth="" line=""
  [[ -n $token ]] && auth="Authorization: Bearer $token"$'\r\n'
  line=$(
    exec 2>/dev/null
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n%sConnection: close\r\n\r\n' "$path" "$port" "$auth" >&3
    IFS= read -r -t 5 line <&3 && printf '%s' "$line"
  ) || true
  [[ $line =~ ^HTTP/1\.[01]\ ([0-9]{3}) ]] && echo "${BASH_REMATCH[1]}" || echo 000
}

busy() {
  local port=$1 what=$2
  fail "port $port ($what) is already in use, so this demo cannot start: another ./demo.sh or a test may be
running. See what listens there with: ss -ltnp 'sport = :$port'
Stop it, or run the demo on other ports, e.g.: DEMO_APP_PORT=18080 DEMO_GRPC_PORT=19090 DEMO_PROXY_PORT=18081 DEMO_ADMIN_PORT=19901 ./demo.sh"
}

# Checked before anything starts, so a second ./demo.sh says why instead of printing a key that does not work.
listening "$app_port" && busy "$app_port" "main-service"
listening "$grpc_port" && busy "$grpc_port" "main-service gRPC"
listening "$proxy_port" && busy "$proxy_port" "auth-sidecar"
listening "$admin_port" && busy "$admin_port" "auth-sidecar admin"

if [[ ! -f $sidecar_jar || ! -f $app_jar ]]; then
  echo "Building the jars (first run only; needs network access to Maven Central)..."
  ./mvnw -B -q package -DskipTests
fi

work=$(mktemp -d)
pids=()
names=()
cleanup() {
  trap - INT TERM EXIT
  if ((${#pids[@]})); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    # Both stop within a few seconds (drainDelay is 0 here); never leave one behind.
    for _ in $(seq 1 75); do
      kill -0 "${pids[@]}" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The key is shown once and stored nowhere: the sidecar only ever sees its SHA-256.
eval "$("$java_bin" -jar "$sidecar_jar" gen-key --env)"
# A development identity provider: a signing key, its public JWKS, and a token signed with it.
"$java_bin" -jar "$sidecar_jar" dev-keys --out "$work/keys" >/dev/null
JWT=$("$java_bin" -jar "$sidecar_jar" token --key "$work/keys/signing-key.json" --sub alice \
  --aud main-service --scope "read write" --ttl 1h)
cat >"$work/sidecar.yaml" <<YAML
server:
  listen: 0.0.0.0:$proxy_port
upstream:
  url: http://127.0.0.1:$app_port
  grpc:
    url: http://127.0.0.1:$grpc_port
admin:
  listen: 0.0.0.0:$admin_port
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

"$java_bin" -jar "$app_jar" --listen "127.0.0.1:$app_port" --grpc-listen "127.0.0.1:$grpc_port" &
pids+=($!)
names+=("main-service (127.0.0.1:$app_port, gRPC 127.0.0.1:$grpc_port)")
"$java_bin" -jar "$sidecar_jar" --config "$work/sidecar.yaml" &
pids+=($!)
names+=("auth-sidecar (:$proxy_port, admin :$admin_port)")

# Up means: both processes alive, /readyz 200 (the sidecar listens and reaches both of main-service's ports), and this run's
# key accepted. Another program answering on these ports passes none of that with this run's key.
up=false
for _ in $(seq 1 150); do
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      fail "${names[$i]} exited during start-up; its message is above (a port taken by another program on
another address, say). Nothing is left running."
    fi
  done
  if [[ $(http_status "$admin_port" /readyz) == 200 && $(http_status "$proxy_port" /ping "$API_KEY") == 200 ]]; then
    up=true
    break
  fi
  sleep 0.2
done
$up || fail "the pair did not come up within 30 s: /readyz on :$admin_port and /ping with this run's key on
:$proxy_port must both answer 200 (now $(http_status "$admin_port" /readyz) and $(http_status "$proxy_port" /ping "$API_KEY")). Nothing is left running."

base="http://127.0.0.1:$proxy_port"
grpc_call="java -cp $app_jar dev.authsidecar.mainservice.GrpcCall"
ws_handshake="-H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='"
cat <<TEXT

  main-service  127.0.0.1:$app_port, gRPC 127.0.0.1:$grpc_port  (loopback only: reachable through the sidecar)
  auth-sidecar  0.0.0.0:$proxy_port    admin: http://127.0.0.1:$admin_port/readyz

  API key: $API_KEY

  Without a key (401):
    curl -i $base/ping

  With the key (200 {"message":"pong"}):
    curl -i -H 'Authorization: Bearer $API_KEY' $base/ping

  With a JWT from the dev identity provider (sub alice, scopes "read write"):
    curl -i -H 'Authorization: Bearer $JWT' $base/ping

  What the application learns about each caller:
    curl -H 'Authorization: Bearer $API_KEY' $base/whoami
    curl -H 'Authorization: Bearer $JWT' $base/whoami

  A rule in action (/admin/** needs scope admin → 403 insufficient_scope):
    curl -i -H 'Authorization: Bearer $JWT' $base/admin/x

  Server-sent events, four a second until you press Ctrl-C (add ?count=5 to end after five):
    curl -N -H 'Authorization: Bearer $API_KEY' $base/events
    curl -i $base/events                  # without a key: 401, the application never sees it

  WebSocket echo at /ws/echo: the handshake, with curl. With the key: 101 Switching Protocols, and the
  connection becomes a tunnel to main-service. Without the key: 401, and nothing reaches main-service.
    curl -i -N --max-time 3 -H 'Authorization: Bearer $API_KEY' $ws_handshake $base/ws/echo
    curl -i $ws_handshake $base/ws/echo
TEXT
if command -v websocat >/dev/null; then
  echo "    websocat -H 'Authorization: Bearer $API_KEY' ws://127.0.0.1:$proxy_port/ws/echo   # type lines, see them echoed"
elif command -v wscat >/dev/null; then
  echo "    wscat -H 'Authorization: Bearer $API_KEY' -c ws://127.0.0.1:$proxy_port/ws/echo   # type lines, see them echoed"
else
  echo "    (with websocat or wscat installed, this banner also shows an interactive echo session)"
fi
cat <<TEXT

  gRPC through the same sidecar port (h2c; content-type application/grpc goes to main-service's gRPC port),
  with the small client in main-service's jar (grpc.health.v1.Health and demo.Echo; see --help):
    $grpc_call --target 127.0.0.1:$proxy_port say hello                      # UNAUTHENTICATED
    $grpc_call --target 127.0.0.1:$proxy_port --token $API_KEY health         # SERVING
    $grpc_call --target 127.0.0.1:$proxy_port --token $API_KEY say hello      # hello
    $grpc_call --target 127.0.0.1:$proxy_port --token $API_KEY repeat hello   # 1/3 hello … 3/3 hello
    $grpc_call --target 127.0.0.1:$proxy_port --token $JWT say hello

  More tokens: java -jar $sidecar_jar token --key $work/keys/signing-key.json --sub bob --scope admin

  Ctrl-C stops both.

TEXT
# Until Ctrl-C, or until either process exits on its own (then the other is stopped too). `wait -n` needs
# bash 4.3; an older bash waits for both.
set +e
if ((BASH_VERSINFO[0] > 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] >= 3))); then
  wait -n "${pids[@]}"
else
  wait "${pids[@]}"
fi
for i in "${!pids[@]}"; do
  kill -0 "${pids[$i]}" 2>/dev/null || echo "demo.sh: ${names[$i]} exited; stopping the other" >&2
done
exit 1
