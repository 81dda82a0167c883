#!/usr/bin/env bash
# Makes assets/explorer.svg, the README's picture, from the real binary: builds s3prune
# (debug), opens `s3prune demo` in a private tmux server at a fixed size, marks a row by
# hand and presses space on the live row (which refuses), captures the screen with its
# colours and turns it into an SVG (scripts/ansi_to_svg.py). Needs tmux and Python 3.
# Ages and the server's port come from the moment it runs, so each run differs a little.
set -euo pipefail

cd "$(dirname "$0")/.."
out="${1:-assets/explorer.svg}"
width=120
height=38
socket="s3prune-screenshot-$$"

cargo build --quiet --bin s3prune
mkdir -p "$(dirname "$out")"

tmux_() { tmux -L "$socket" "$@"; }
trap 'tmux_ kill-server 2>/dev/null || true' EXIT

tmux_ new-session -d -s main -x "$width" -y "$height" -- \
    env -i PATH="$PATH" HOME="$HOME" TERM=xterm-256color LANG=C.UTF-8 \
    "$PWD/target/debug/s3prune" demo

screen() { tmux_ capture-pane -p -t main; }
wait_for() {
    for _ in $(seq 1 300); do
        if screen | grep -qF -- "$1"; then return 0; fi
        sleep 0.1
    done
    echo "screenshot: the explorer never showed '$1'; the screen was:" >&2
    screen >&2
    exit 1
}

wait_for "[L] current"
wait_for "41 deployments"
sleep 0.5
# Two rows down: the third newest, kept by the rule; mark it by hand ([+]).
tmux_ send-keys -t main Down Down Space
wait_for "[+]"
# On to the live row after the rollback, and try to mark it: the explorer refuses.
row=$(screen | grep -n '^\[L\] deploy-' | head -1 | cut -d: -f1)
cursor=$(screen | grep -n '^\[+\]' | head -1 | cut -d: -f1)
for _ in $(seq 1 $((row - cursor))); do tmux_ send-keys -t main Down; done
tmux_ send-keys -t main Space
wait_for "cannot be marked"
sleep 0.3

tmux_ capture-pane -e -p -t main | python3 scripts/ansi_to_svg.py > "$out"
tmux_ send-keys -t main q
echo "wrote $out"
