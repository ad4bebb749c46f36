# The two nginx configs of bench/run.sh and bench/tail-run.sh (sourced, not run): the fixed upstream every target
# ends at, and the peer (nginx proxy_pass). Uses WORK, HOST, UPSTREAM_PORT, PEER_PORT and ACCESS_LOG (on|off).

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
