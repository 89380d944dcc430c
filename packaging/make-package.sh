#!/bin/bash
# `make package`: builds Fleetdeck alone (no tests, no benchmarks) in <build dir>, makes the .deb with CPack, and
# validates what the package installs: the desktop entry (desktop-file-validate), the AppStream file (appstreamcli,
# without the network) and the .deb itself (lintian: an error fails; it printed no warning on 2026-12-01).
# Prints the .deb's path last.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/package}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFLEETDECK_WERROR=ON \
    -DFLEETDECK_BUILD_TESTS=OFF -DFLEETDECK_BUILD_BENCH=OFF > /dev/null
cmake --build "$build" -j "${JOBS:-2}"
(cd "$build" && cpack -G DEB > /dev/null)
deb=$(ls -t "$build"/fleetdeck_*.deb | head -1)
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
dpkg-deb -x "$deb" "$unpacked"
echo "== desktop-file-validate usr/share/applications/fleetdeck.desktop"
desktop-file-validate "$unpacked/usr/share/applications/fleetdeck.desktop" && echo "(no complaint)"
echo "== appstreamcli validate --no-net usr/share/metainfo/org.fleetdeck.Fleetdeck.metainfo.xml"
appstreamcli validate --no-net "$unpacked/usr/share/metainfo/org.fleetdeck.Fleetdeck.metainfo.xml"
echo "== lintian $(basename "$deb")"
lintian --fail-on error --info "$deb" && echo "(lintian: no error)"
echo "$deb"
