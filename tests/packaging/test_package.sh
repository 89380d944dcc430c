#!/bin/bash
# The installed program works, without touching this machine's system: the .deb CPack makes of this build is
# unpacked (dpkg-deb -x) into a temporary root, apt resolves every dependency it names (a simulation), the unpacked
# fleetdeck prints --version and --help with no display at all, and takes an offscreen screenshot of the lab's
# fleet. Only with CI=true and no fleetdeck package installed is the .deb installed for real, run from
# /usr/bin/fleetdeck and purged again.
# Usage: test_package.sh <build dir> <lab state file>
set -euo pipefail
build=$1
state=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$work/out" > "$work/cpack.log") || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/out/fleetdeck_*.deb)
echo "built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

root="$work/root"
dpkg-deb -x "$deb" "$root"
for f in usr/bin/fleetdeck usr/share/applications/fleetdeck.desktop usr/share/metainfo/org.fleetdeck.Fleetdeck.metainfo.xml \
    usr/share/icons/hicolor/scalable/apps/fleetdeck.svg usr/share/icons/hicolor/48x48/apps/fleetdeck.png \
    usr/share/man/man1/fleetdeck.1.gz usr/share/doc/fleetdeck/copyright usr/share/doc/fleetdeck/changelog.gz; do
    [ -s "$root/$f" ] || fail "the package has no $f"
done
file -b "$root/usr/bin/fleetdeck" | grep -q "stripped" && ! file -b "$root/usr/bin/fleetdeck" | grep -q "not stripped" \
    || fail "usr/bin/fleetdeck is not stripped: $(file -b "$root/usr/bin/fleetdeck")"

# Every dependency resolves (nothing is installed: -s simulates).
apt-get install -s "$deb" > "$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt cannot resolve the dependencies"; }
grep -q "^Inst fleetdeck" "$work/apt.log" || { cat "$work/apt.log"; fail "apt would not install fleetdeck"; }
echo "apt-get install -s: $(grep -c '^Inst' "$work/apt.log") package(s) would be installed, fleetdeck among them"

# --version and --help need no display.
version=$(env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$root/usr/bin/fleetdeck" --version)
[ "$version" = "fleetdeck $(dpkg-deb -f "$deb" Version)" ] || fail "--version said: $version"
help=$(env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$root/usr/bin/fleetdeck" --help)
grep -q -- "--fleet <file>" <<< "$help" || fail "--help said: $help"
zcat "$root/usr/share/man/man1/fleetdeck.1.gz" | grep -q 'fleet <file>' || fail "the manual page lacks --fleet"
echo "--version: $version; --help and the manual page list --fleet"

# An offscreen screenshot of the lab's fleet by the unpacked binary.
fleet=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["fleet"])' "$state")
QT_QPA_PLATFORM=offscreen HOME="$work/home" XDG_CONFIG_HOME="$work/home/config" XDG_DATA_HOME="$work/home/data" \
    "$root/usr/bin/fleetdeck" --fleet "$fleet" --screenshot "$work/shot.png" --after 3 > "$work/run.log" 2>&1 \
    || { cat "$work/run.log"; fail "the unpacked fleetdeck did not take its screenshot"; }
python3 - "$work/shot.png" <<'PY' || fail "the screenshot is not the window"
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
width, height = struct.unpack(">II", data[16:24])
assert width >= 800 and height >= 500, f"{width}x{height}"
print(f"screenshot: {width}x{height}, {len(data)} bytes")
PY

if [ "${CI:-}" = "true" ] && ! dpkg-query -W -f='${Status}' fleetdeck 2>/dev/null | grep -q "install ok installed"; then
    SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo sudo)
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "$deb" > "$work/install.log" 2>&1 \
        || { cat "$work/install.log"; fail "apt-get install"; }
    installed=$(env -u DISPLAY /usr/bin/fleetdeck --version)
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get purge -y -q fleetdeck > /dev/null 2>&1
    [ "$installed" = "$version" ] || fail "/usr/bin/fleetdeck --version said: $installed"
    [ ! -e /usr/bin/fleetdeck ] || fail "/usr/bin/fleetdeck is still there after the purge"
    echo "CI: installed, /usr/bin/fleetdeck --version said \"$installed\", purged"
else
    echo "not installed for real (only with CI=true and no fleetdeck package installed)"
fi
echo "PASS"
