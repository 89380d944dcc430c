#!/bin/bash
# Runs every benchmark built in BUILD_DIR/bench, one after the other (they measure CPU: never in parallel).
set -euo pipefail
build=${1:-build/dev}
ran=0
for name in bench_render bench_memory bench_bigfleet bench_longday bench_launch bench_action bench_nginx bench_scale bench_ingest; do
    b="$build/bench/$name"
    [ -f "$b" ] && [ -x "$b" ] || continue
    echo "== $name"
    if [ "$name" = bench_render ] && command -v xvfb-run >/dev/null; then
        # Under Xvfb, so Qt Charts can be measured with OpenGL too (Mesa's software renderer).
        xvfb-run -a -s "-screen 0 1920x1080x24" "$b" 2> >(grep -vE 'propagateSizeHints|XDG_RUNTIME_DIR' >&2)
    else
        "$b" 2> >(grep -vE 'propagateSizeHints|XDG_RUNTIME_DIR' >&2)
    fi
    ran=$((ran + 1))
done
if [ "$ran" -eq 0 ]; then
    echo "fleetdeck: no benchmark is built" >&2
    exit 1
fi
