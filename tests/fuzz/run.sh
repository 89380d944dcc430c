#!/bin/sh
# make fuzz: builds every parser's libFuzzer target with clang, ASan and UBSan in build/fuzz, runs each for
# FUZZ_SECONDS (default 60) seeded from tests/data, and prints, last:
#   fuzz_targets=N fuzz_execs=M fuzz_findings=K
# A finding (a crash, a sanitizer report, a timeout or an input that runs out of memory) is left in
# build/fuzz/findings/<target>/; keep it as a test case under tests/data/fuzz/<target>/ with its fix.
# Exit status 0 only when there are no findings.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build/fuzz}
seconds=${FUZZ_SECONDS:-60}
jobs=${JOBS:-2}

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++-14 -DFLEETDECK_FUZZ=ON -DFLEETDECK_BUILD_TESTS=OFF -DFLEETDECK_BUILD_BENCH=OFF \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
    > "$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j "$jobs"

# UBSan stops at its first report (so it is a finding); leaks are findings too.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
targets=0
execs=0
findings=0
for target in $(cat "$build/fuzz-targets.txt"); do
    targets=$((targets + 1))
    corpus="$build/corpus/$target"
    found="$build/findings/$target"
    rm -rf "$found" # findings of an earlier run are that run's; this one starts clean
    mkdir -p "$corpus" "$found"
    # Seeds: the folders targets.cpp names for this target, and the findings kept before.
    seeds=$(grep -o "{ \"$target\", {[^}]*}" "$here/targets.cpp" | sed -e 's/.*{ *//' -e 's/[",}]/ /g')
    seeddirs=""
    for s in $seeds; do seeddirs="$seeddirs $root/tests/data/$s"; done
    [ -d "$root/tests/data/fuzz/$target" ] && seeddirs="$seeddirs $root/tests/data/fuzz/$target"
    log="$build/$target.log"
    status=0
    # shellcheck disable=SC2086
    "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=1048576 \
        -print_final_stats=1 -artifact_prefix="$found/" "$corpus" $seeddirs > "$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    runs=${runs:-0}
    execs=$((execs + runs))
    n=$(find "$found" -type f | wc -l)
    if [ "$status" -ne 0 ] || [ "$n" -gt 0 ]; then
        findings=$((findings + (n > 0 ? n : 1)))
        echo "FINDING $target (exit $status): see $log and $found" >&2
        grep -m 5 -E "ERROR|runtime error|SUMMARY" "$log" >&2 || true
    fi
    echo "fuzz $target: $runs runs in ${seconds} s, $(find "$corpus" -type f | wc -l) inputs in its corpus"
done
echo "fuzz_targets=$targets fuzz_execs=$execs fuzz_findings=$findings"
[ "$findings" -eq 0 ]
