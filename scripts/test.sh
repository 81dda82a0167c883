#!/usr/bin/env bash
# The project's test command (README, .ci/run):
#   1. cargo test: unit tests, the TUI tests and every scenario against s3prune's own
#      S3 server started in-process on a random 127.0.0.1 port, including the Lambda
#      function (--features lambda) under cargo-lambda's emulator (installed by
#      scripts/install-test-deps.sh);
#   2. the same scenarios against real LocalStack on 127.0.0.1:4566, started and stopped
#      here (installed by scripts/install-test-deps.sh or scripts/localstack.sh install).
# Both steps build with the optional features (lambda, parquet): the features they turn
# on in shared dependencies (serde's rc, tracing's log, …) then agree, and step 2
# recompiles only s3prune itself instead of the AWS SDK and the server a second time.
# Any failure fails the script. S3PRUNE_SKIP_LOCALSTACK=1 runs step 1 only (and says so).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

LOCKED=()
[[ -f Cargo.lock ]] && LOCKED=(--locked)

echo "==== [test] cargo test (embedded S3 server)"
cargo test "${LOCKED[@]}" --workspace --features s3prune/lambda,s3prune/parquet

if [[ "${S3PRUNE_SKIP_LOCALSTACK:-0}" == 1 ]]; then
    echo "==== [test] LocalStack suite NOT run (S3PRUNE_SKIP_LOCALSTACK=1)"
    exit 0
fi

echo "==== [test] LocalStack suite"
if ! scripts/localstack.sh status >/dev/null 2>&1; then
    scripts/localstack.sh install
    scripts/localstack.sh start
    trap 'scripts/localstack.sh stop' EXIT
fi
cargo test "${LOCKED[@]}" --features localstack,lambda,parquet --test localstack_scenarios --test localstack_versioning --test localstack_policy_file --test localstack_lifecycle --test localstack_lambda --test inventory_localstack
echo "==== [test] all suites passed"
