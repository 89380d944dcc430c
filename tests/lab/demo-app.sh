#!/bin/sh
# Run by `make demo` inside the lab: stores each lab Varnish's CLI secret and each lab Redis's ACL user and password
# in the (private, throw-away) keychain under the name the fleet file gives it, the way an operator would with --store-credential, then starts
# Fleetdeck. Usage: demo-app.sh <fleetdeck> <lab state file> [fleetdeck arguments...]
set -eu
app=$1
state=$2
shift 2
python3 - "$state" <<'PY' | while read -r name secret; do
import json, sys
state = json.load(open(sys.argv[1]))
for v in state.get("varnish", []):
    print(v["name"] + "/cli", v["secretFile"])
for r in state.get("redis", []):
    print(r["name"] + "/auth", r["secretFile"])
PY
    QT_QPA_PLATFORM=offscreen "$app" --store-credential "$name" < "$secret"
done
exec "$app" "$@"
