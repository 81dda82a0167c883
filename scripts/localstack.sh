#!/usr/bin/env bash
# Manage a local, Docker-less LocalStack (S3 only) for s3prune's integration tests.
#
#   scripts/localstack.sh install   # venv at $S3PRUNE_VENV (default <repo>/.venv), pinned LocalStack 4.13.1
#   scripts/localstack.sh start     # background server on 127.0.0.1:$S3PRUNE_LOCALSTACK_PORT (default 4566)
#   scripts/localstack.sh stop      # stop it and wait until the port is free
#   scripts/localstack.sh status    # exit 0 if running and S3 is healthy
#   scripts/localstack.sh env       # print the AWS_* exports for talking to it
#
# State, logs and the pid file live under <repo>/.localstack/ (git-ignored).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${S3PRUNE_VENV:-$REPO_ROOT/.venv}"
PORT="${S3PRUNE_LOCALSTACK_PORT:-4566}"
HOST=127.0.0.1
LS_VERSION=4.13.1
CONSTRAINTS="$REPO_ROOT/localstack-constraints.txt"
STATE_DIR="$REPO_ROOT/.localstack"
PID_FILE="$STATE_DIR/localstack.pid"
LOG_FILE="$STATE_DIR/localstack.log"
START_TIMEOUT="${S3PRUNE_LOCALSTACK_START_TIMEOUT:-60}"
PY="$VENV/bin/python"

log() { echo "[localstack] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Python used to create the venv (needs 3.11; LocalStack > 4.13.1 needs newer).
base_python() {
    if [[ -n "${S3PRUNE_PYTHON:-}" ]]; then echo "$S3PRUNE_PYTHON"; return; fi
    local c
    for c in python3.11 python3; do
        if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return; fi
    done
    die "no python3 found (set S3PRUNE_PYTHON)"
}

is_installed() {
    [[ -x "$PY" ]] || return 1
    "$PY" - "$LS_VERSION" <<'EOF' >/dev/null 2>&1
import sys, importlib.metadata as md
assert md.version("localstack-core") == sys.argv[1]
import localstack.runtime.main, boto3, service_identity  # noqa: F401
EOF
}

cmd_install() {
    if is_installed; then
        log "localstack-core $LS_VERSION already installed in $VENV"
        return 0
    fi
    [[ -f "$CONSTRAINTS" ]] || die "missing $CONSTRAINTS"
    if [[ ! -x "$PY" ]]; then
        local bp; bp="$(base_python)"
        log "creating venv $VENV with $bp ($("$bp" --version 2>&1))"
        "$bp" -m venv "$VENV"
    fi
    log "pip install localstack-core[runtime]==$LS_VERSION (pinned by $(basename "$CONSTRAINTS"))"
    local t0=$SECONDS
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
        "$PY" -m pip install --progress-bar off -q \
        -c "$CONSTRAINTS" "localstack-core[runtime]==$LS_VERSION" service-identity awscli
    is_installed || die "install finished but localstack $LS_VERSION is not importable from $VENV"
    log "installed in $((SECONDS - t0)) s"
}

# 0 if something accepts TCP connections on HOST:PORT.
port_open() {
    (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null
}

# 0 if the health endpoint reports s3 available/running.
healthy() {
    "$PY" - "http://$HOST:$PORT/_localstack/health" <<'EOF' >/dev/null 2>&1
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    services = json.load(r).get("services", {})
sys.exit(0 if services.get("s3") in ("available", "running") else 1)
EOF
}

running_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid; pid="$(cat "$PID_FILE")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

cmd_start() {
    is_installed || die "LocalStack not installed in $VENV; run: $0 install"
    local pid
    if pid="$(running_pid)"; then
        if healthy; then log "already running (pid $pid) on $HOST:$PORT"; return 0; fi
        log "pid $pid exists but is not healthy; restarting"
        cmd_stop
    fi
    if port_open; then
        if healthy; then
            die "$HOST:$PORT already serves a LocalStack that this script did not start; stop it or set S3PRUNE_LOCALSTACK_PORT"
        fi
        die "port $HOST:$PORT is in use by another program; set S3PRUNE_LOCALSTACK_PORT"
    fi

    mkdir -p "$STATE_DIR/volume" "$STATE_DIR/tmp" "$STATE_DIR/home"
    : >"$LOG_FILE"
    log "starting on $HOST:$PORT (log: $LOG_FILE)"
    local t0=$SECONDS
    # setsid: own process group, so stop can kill LocalStack and all its children.
    # In host mode LocalStack 4.13.1 writes its state to $FILESYSTEM_ROOT (default:
    # <venv>/lib/python3.11/site-packages/.filesystem), config to $CONFIG_DIR (~/.localstack),
    # and temp files under $TMPDIR; all are pointed into .localstack/ here.
    # OVERRIDE_IN_DOCKER=0: this machine has /.dockerenv, which would make LocalStack use
    # container paths (/var/lib/localstack, /tmp/localstack) and ignore FILESYSTEM_ROOT.
    # DISABLE_EVENTS=1 (analytics), DNS_ADDRESS=0 (else a DNS server on 0.0.0.0:53) and
    # SKIP_SSL_CERT_DOWNLOAD=1 keep it off the network. (The TMPDIR deprecation warning
    # in the log is harmless; S3 object data still goes to the hard-coded
    # /tmp/localstack-s3-storage, as unnamed spooled temp files.)
    env \
        SERVICES=s3 \
        OVERRIDE_IN_DOCKER=0 \
        GATEWAY_LISTEN="$HOST:$PORT" \
        EAGER_SERVICE_LOADING=1 \
        PERSISTENCE=0 \
        DISABLE_EVENTS=1 \
        DNS_ADDRESS=0 \
        SKIP_SSL_CERT_DOWNLOAD=1 \
        LOCALSTACK_VOLUME_DIR="$STATE_DIR/volume" \
        FILESYSTEM_ROOT="$STATE_DIR/fs" \
        CONFIG_DIR="$STATE_DIR/config" \
        TMPDIR="$STATE_DIR/tmp" \
        HOME="$STATE_DIR/home" \
        setsid "$PY" -m localstack.runtime.main </dev/null >>"$LOG_FILE" 2>&1 &
    pid=$!
    echo "$pid" >"$PID_FILE"

    while ! healthy; do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "LocalStack exited during startup; log tail:"
            tail -n 40 "$LOG_FILE" >&2 || true
            rm -f "$PID_FILE"
            exit 1
        fi
        if (( SECONDS - t0 >= START_TIMEOUT )); then
            log "not healthy after ${START_TIMEOUT}s; log tail:"
            tail -n 40 "$LOG_FILE" >&2 || true
            cmd_stop || true
            exit 1
        fi
        sleep 0.25
    done
    log "ready (pid $pid) in $((SECONDS - t0)) s"
}

cmd_stop() {
    local pid
    if pid="$(running_pid)"; then
        log "stopping pid $pid"
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        local i
        for ((i = 0; i < 80; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "still alive after 20 s; SIGKILL"
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        fi
    else
        log "not running (no live pid in $PID_FILE)"
    fi
    rm -f "$PID_FILE"
    local i
    for ((i = 0; i < 80; i++)); do
        port_open || { log "port $PORT is free"; return 0; }
        sleep 0.25
    done
    die "port $HOST:$PORT still in use after stop"
}

cmd_status() {
    local pid
    if pid="$(running_pid)" && healthy; then
        echo "running (pid $pid) on http://$HOST:$PORT"
        return 0
    fi
    if [[ -n "${pid:-}" ]]; then echo "process $pid alive but S3 not healthy"; return 1; fi
    echo "not running"
    return 3
}

cmd_env() {
    echo "export AWS_ENDPOINT_URL=http://$HOST:$PORT AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1"
}

case "${1:-}" in
    install) cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    *) echo "usage: $0 {install|start|stop|status|env}" >&2; exit 2 ;;
esac
