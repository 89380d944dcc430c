#!/bin/sh
# Runs a command against a real, unlocked Secret Service: a throw-away HOME and runtime directory, and
# gnome-keyring-daemon unlocked with a test password. Meant to run inside dbus-run-session, which stops the
# keyring daemon with the session bus when the command ends.
set -e
base=$(mktemp -d "${TMPDIR:-/tmp}/fleetdeck-keyring.XXXXXX")
trap 'rm -rf "$base"' EXIT
mkdir -p "$base/runtime" "$base/home"
chmod 700 "$base/runtime"
export XDG_RUNTIME_DIR="$base/runtime"
export HOME="$base/home"
eval "$(printf 'fleetdeck-test' | gnome-keyring-daemon --unlock --components=secrets)"
"$@"
