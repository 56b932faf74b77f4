#!/usr/bin/env bash
# Runs "$@" with a real, unlocked Secret Service: gnome-keyring-daemon on the
# D-Bus session bus of the dbus-run-session this script is started under.
#   dbus-run-session -- scripts/keyring-session.sh go test ./...
# The keyring password is a throwaway; keyring files go to a temp
# XDG_DATA_HOME so a developer's own login keyring is never touched.
set -euo pipefail
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  echo "keyring-session.sh: no D-Bus session bus; run it under dbus-run-session" >&2
  exit 1
fi
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
export XDG_DATA_HOME=$data
# --unlock reads the password from stdin and creates the login keyring.
eval "$(printf '%s' "hubctl-test-$$" | gnome-keyring-daemon --daemonize --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
# Wait for the bus name rather than sleeping: a fixed sleep loses a race.
for _ in $(seq 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
    "$@"
    exit $?
  fi
  sleep 0.1
done
echo "keyring-session.sh: org.freedesktop.secrets did not appear on the session bus within 10 s" >&2
exit 1
