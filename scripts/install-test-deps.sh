#!/usr/bin/env bash
# Install what s3prune's test suites need on a fresh Debian machine:
#   - tmux (TUI tests drive the binary through tmux), from apt
#   - LocalStack 4.13.1 in a venv (S3 integration tests), via scripts/localstack.sh install
#   - cargo-lambda 1.9.2 in the same venv (its local Lambda Runtime API emulator runs the
#     Lambda function's tests), from PyPI
#   - pyarrow in the same venv (the inventory tests read Parquet reports pyarrow writes)
# Idempotent: each step is skipped when already satisfied.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { echo "[install-test-deps] $*"; }

SUDO=""
if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

APT_UPDATED=0
apt_install() {
    if [[ $APT_UPDATED -eq 0 ]]; then
        say "apt-get update"
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        APT_UPDATED=1
    fi
    say "apt-get install $*"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null
}

# tmux
if command -v tmux >/dev/null 2>&1; then
    say "tmux present: $(tmux -V)"
else
    apt_install tmux
    say "installed $(tmux -V)"
fi

# Python venv support (Debian's python3 needs python3-venv for ensurepip).
PY="${S3PRUNE_PYTHON:-$(command -v python3.11 || command -v python3 || true)}"
if [[ -z "$PY" ]]; then
    apt_install python3 python3-venv
elif ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    if [[ "$PY" == /usr/bin/* ]]; then
        apt_install python3-venv
    else
        say "WARNING: $PY lacks venv/ensurepip; venv creation may fail"
    fi
fi

# LocalStack
say "LocalStack: scripts/localstack.sh install"
"$REPO_ROOT/scripts/localstack.sh" install

# cargo-lambda (a binary wheel) in the venv LocalStack's install created
VENV="${S3PRUNE_VENV:-$REPO_ROOT/.venv}"
CARGO_LAMBDA_VERSION=1.9.2
installed=$("$VENV/bin/cargo-lambda" lambda --version 2>/dev/null || true)
if [[ "$installed" == "cargo-lambda $CARGO_LAMBDA_VERSION "* ]]; then
    say "cargo-lambda $CARGO_LAMBDA_VERSION present in $VENV"
else
    say "pip install cargo-lambda==$CARGO_LAMBDA_VERSION into $VENV"
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
        "$VENV/bin/python" -m pip install --progress-bar off -q "cargo-lambda==$CARGO_LAMBDA_VERSION"
    say "installed $("$VENV/bin/cargo-lambda" lambda --version)"
fi

# pyarrow: an independent writer of Parquet inventory reports (tests/inventory_*.rs).
if "$VENV/bin/python" -c 'import pyarrow' >/dev/null 2>&1; then
    say "pyarrow present in $VENV"
else
    say "pip install pyarrow into $VENV"
    "$VENV/bin/pip" install -q pyarrow
fi
say "done"
