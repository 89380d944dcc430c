#!/bin/bash
# Runs every benchmark built in BUILD_DIR/bench, one after the other (they measure CPU: never in parallel).
set -euo pipefail
build=${1:-build/dev}
shopt -s nullglob
ran=0
for b in "$build"/bench/bench_*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")"
    "$b"
    ran=$((ran + 1))
done
if [ "$ran" -eq 0 ]; then
    echo "fleetdeck: no benchmark is built yet" >&2
    exit 1
fi
