#!/bin/sh
# Run by `make demo` inside the lab: stores each lab Varnish's CLI secret in the (private, throw-away) keychain
# under the name the fleet file gives it, the way an operator would with --store-credential, then starts
# Fleetdeck. Usage: demo-app.sh <fleetdeck> <lab state file> [fleetdeck arguments...]
set -eu
app=$1
state=$2
shift 2
python3 - "$state" <<'PY' | while read -r name secret; do
import json, sys
for v in json.load(open(sys.argv[1])).get("varnish", []):
    print(v["name"] + "/cli", v["secretFile"])
PY
    QT_QPA_PLATFORM=offscreen "$app" --store-credential "$name" < "$secret"
done
exec "$app" "$@"
