#!/bin/bash
# `make demo`: start the lab, then Fleetdeck on the lab's fleet file.
# With a display, Fleetdeck opens a window; closing it or Ctrl-C stops the lab.
# Without one, Fleetdeck runs under Xvfb, writes a screenshot after FLEETDECK_DEMO_AFTER seconds (15) and exits.
set -euo pipefail
app=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
state=$(mktemp -u "${TMPDIR:-/tmp}/fleetdeck-demo-XXXXXX.json")
lab_options=(--haproxy "${FLEETDECK_DEMO_HAPROXY:-2}" --traffic-seconds 1800 --lifetime 3600 --flap-seconds "${FLEETDECK_DEMO_FLAP:-20}")

if [ -n "${DISPLAY:-}" ]; then
    exec python3 "$here/fleetlab.py" run --state "$state" "${lab_options[@]}" -- "$app" --fleet '{fleet}'
fi

shot=${FLEETDECK_DEMO_SCREENSHOT:-$root/build/demo-screenshot.png}
after=${FLEETDECK_DEMO_AFTER:-15}
echo "fleetdeck demo: no display; running under Xvfb, screenshot in ${after} s"
python3 "$here/fleetlab.py" run --state "$state" "${lab_options[@]}" -- \
    xvfb-run -a -s "-screen 0 1600x1000x24" "$app" --fleet '{fleet}' --screenshot "$shot" --after "$after"
echo "fleetdeck demo: screenshot written to $shot"
