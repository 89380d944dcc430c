#!/bin/bash
# `make demo`: start the lab (HAProxy, Caddy, Varnish and an nginx load balancer in front of the same nginx
# upstreams), then Fleetdeck on the lab's mixed fleet file. Fleetdeck reaches the nginx load balancer over the lab's
# own sshd on 127.0.0.1 (per-run keys, never the operator's ~/.ssh). The Varnish CLI secret goes through a private,
# throw-away keychain (gnome-keyring in its own D-Bus session), never through the fleet file or the operator's own
# keychain.
# With a display, Fleetdeck opens a window; closing it or Ctrl-C stops the lab.
# Without one, Fleetdeck runs under Xvfb, writes a screenshot after FLEETDECK_DEMO_AFTER seconds (15) and exits.
set -euo pipefail
app=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
state=$(mktemp -u "${TMPDIR:-/tmp}/fleetdeck-demo-XXXXXX.json")
lab_options=(--haproxy "${FLEETDECK_DEMO_HAPROXY:-2}" --caddy 1 --varnish 1 --nginx 1 --redis 2 --mixed-fleet --signals
    --alertmanager --prometheus --scrape-interval 1s
    --traffic-seconds 1800 --lifetime 3600 --flap-seconds "${FLEETDECK_DEMO_FLAP:-20}")
keyring=(dbus-run-session -- "$root/tests/keychain/with-keyring.sh")

# The lab's daemons running on this machine (any user's), as "name pid" lines: taken before and after, so the demo
# shows it leaves none running that it did not find. A zombie (exited, not yet reaped by PID 1) is not running.
daemons() {
    ps -e -o pid=,stat=,comm= | awk '$2 !~ /^Z/ && $3 ~ /^(nginx|haproxy|caddy|varnishd|prometheus|alertmanager|prometheus-aler|redis-server)$/ { print $3, $1 }' | sort
}
before=$(daemons)
check_daemons() {
    local after left
    after=$(daemons)
    left=$(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after") | sed '/^$/d')
    echo "fleetdeck demo: lab daemons running before: $(printf '%s' "$before" | awk '{print $1}' | sort | uniq -c | xargs echo)"
    echo "fleetdeck demo: lab daemons running after:  $(printf '%s' "$after" | awk '{print $1}' | sort | uniq -c | xargs echo)"
    if [ -n "$left" ]; then
        echo "fleetdeck demo: left running by the demo (not there before):" >&2
        printf '%s\n' "$left" >&2
        return 1
    fi
    echo "fleetdeck demo: no lab daemon left running that was not running before"
}

if [ -n "${DISPLAY:-}" ]; then
    status=0
    "${keyring[@]}" python3 "$here/fleetlab.py" run --state "$state" "${lab_options[@]}" -- \
        "$here/demo-app.sh" "$app" '{state}' --fleet '{fleet}' || status=$?
    check_daemons || status=1
    exit "$status"
fi

shot=${FLEETDECK_DEMO_SCREENSHOT:-$root/build/demo-screenshot.png}
after=${FLEETDECK_DEMO_AFTER:-15}
echo "fleetdeck demo: no display; running under Xvfb, screenshot in ${after} s"
"${keyring[@]}" python3 "$here/fleetlab.py" run --state "$state" "${lab_options[@]}" -- \
    xvfb-run -a -s "-screen 0 1600x1000x24" "$here/demo-app.sh" "$app" '{state}' --fleet '{fleet}' \
    --screenshot "$shot" --after "$after"
echo "fleetdeck demo: screenshot written to $shot"
check_daemons
