#!/bin/bash
# `make demo`: start the lab (HAProxy, Caddy, Varnish and an nginx load balancer in front of the same nginx
# upstreams), then Fleetdeck on the lab's mixed fleet file. Fleetdeck reaches the nginx load balancer over the lab's
# own sshd on 127.0.0.1 (per-run keys, never the operator's ~/.ssh). The Varnish CLI secret goes through a private,
# throw-away keychain (gnome-keyring in its own D-Bus session), never through the fleet file or the operator's own
# keychain.
# With a display, Fleetdeck opens a window; closing it or Ctrl-C stops the lab.
# Without one, Fleetdeck runs under Xvfb, writes a screenshot after FLEETDECK_DEMO_AFTER seconds (15) and exits.
# FLEETDECK_DEMO_ARGS adds options to Fleetdeck's (e.g. "--select nginx-1/api"; words split on spaces).
set -euo pipefail
app=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
state=$(mktemp -u "${TMPDIR:-/tmp}/fleetdeck-demo-XXXXXX.json")
lab_options=(--haproxy "${FLEETDECK_DEMO_HAPROXY:-2}" --caddy 1 --varnish 1 --nginx 1 --redis 2 --mixed-fleet --signals
    --alertmanager --prometheus --scrape-interval 1s
    --traffic-seconds 1800 --lifetime 3600 --flap-seconds "${FLEETDECK_DEMO_FLAP:-20}")
keyring=(dbus-run-session -- "$root/tests/keychain/with-keyring.sh")

# The lab stops its own processes and then checks, by the PIDs it recorded and its own directory (never by a
# program's name: a workstation's own nginx, reloaded meanwhile, is not the lab's), that none is left running; it
# exits non-zero and names them when one is.

if [ -n "${DISPLAY:-}" ]; then
    status=0
    "${keyring[@]}" python3 "$here/fleetlab.py" run --state "$state" "${lab_options[@]}" -- \
        "$here/demo-app.sh" "$app" '{state}' --fleet '{fleet}' ${FLEETDECK_DEMO_ARGS:-} || status=$?
    exit "$status"
fi

shot=${FLEETDECK_DEMO_SCREENSHOT:-$root/build/demo-screenshot.png}
after=${FLEETDECK_DEMO_AFTER:-15}
echo "fleetdeck demo: no display; running under Xvfb, screenshot in ${after} s"
"${keyring[@]}" python3 "$here/fleetlab.py" run --state "$state" "${lab_options[@]}" -- \
    xvfb-run -a -s "-screen 0 1600x1000x24" "$here/demo-app.sh" "$app" '{state}' --fleet '{fleet}' \
    --screenshot "$shot" --after "$after" ${FLEETDECK_DEMO_ARGS:-}
echo "fleetdeck demo: screenshot written to $shot"
