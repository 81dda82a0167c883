#!/usr/bin/env bash
# Planning from an S3 Inventory report of a bucket too large to list: a generated report
# of DEPLOYMENTS × OBJECTS rows (default 10 000 × 1 000 = 10 000 000), CSV gzip and
# Parquet, served by s3prune's own server in its own process with 30 ms per request
# (as in scripts/bench.sh), then `s3prune plan --inventory` timed with its peak RSS.
#
#   scripts/bench-inventory.sh                       # release build with --features parquet, then run
#   scripts/bench-inventory.sh --no-build            # binaries already built
#   DEPLOYMENTS=100 OBJECTS=100 scripts/bench-inventory.sh --no-build   # a quick look
#
# Environment: CARGO_TARGET_DIR (default target), PORT (default 9420), RUNS (default 3),
# LATENCY_MS (default 30), FORMATS (default "csv parquet").
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
say() { echo "[bench-inventory] $*" >&2; }

BUILD=1
[[ "${1:-}" == --no-build ]] && BUILD=0
DEPLOYMENTS="${DEPLOYMENTS:-10000}"
OBJECTS="${OBJECTS:-1000}"
PORT="${PORT:-9420}"
RUNS="${RUNS:-3}"
LATENCY_MS="${LATENCY_MS:-30}"
FORMATS="${FORMATS:-csv parquet}"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
WORK="$(mktemp -d /tmp/s3prune-bench-inventory.XXXXXX)"

if [[ $BUILD -eq 1 ]]; then
    say "cargo build --release --features parquet"
    cargo build --locked --release --features parquet --bin s3prune --example s3prune-bench
fi
S3PRUNE="$TARGET/release/s3prune"
BENCH="$TARGET/release/examples/s3prune-bench"
[[ -x "$S3PRUNE" && -x "$BENCH" ]] || { echo "build first (no --no-build)" >&2; exit 1; }

"$BENCH" serve --port "$PORT" --latency-ms "$LATENCY_MS" >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    grep -q '^READY' "$WORK/server.out" 2>/dev/null && break
    sleep 0.1
done
ENDPOINT="$(sed -n 's/^READY //p' "$WORK/server.out")"
[[ -n "$ENDPOINT" ]] || { echo "the server did not start (see $WORK/server.err)" >&2; exit 1; }

export AWS_ENDPOINT_URL="$ENDPOINT" AWS_ACCESS_KEY_ID=s3prune AWS_SECRET_ACCESS_KEY=s3prune-secret AWS_REGION=us-east-1
echo "rows: $DEPLOYMENTS deployments × $OBJECTS objects; ${LATENCY_MS} ms per request; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
for format in $FORMATS; do
    manifest="$("$BENCH" inventory --endpoint "$ENDPOINT" --bucket bench-site \
        --report-bucket bench-inventories --deployments "$DEPLOYMENTS" --objects "$OBJECTS" \
        --format "$format" 2>"$WORK/generate-$format.err")"
    say "$(cat "$WORK/generate-$format.err")"
    for run in $(seq "$RUNS"); do
        /usr/bin/time -f "%e %M" -o "$WORK/time" \
            "$S3PRUNE" plan --bucket bench-site --keep 10 --inventory "$manifest" --format json \
            >"$WORK/plan-$format.json"
        read -r seconds kib <"$WORK/time"
        deployments="$(grep -c '"action"' "$WORK/plan-$format.json" || true)"
        echo "$format run $run: ${seconds} s, peak RSS $((kib / 1024)) MiB, $deployments deployments planned"
    done
done
rm -rf "$WORK"
