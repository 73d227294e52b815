#!/bin/sh
# with-secret-service.sh CMD [ARG...]
#
# Runs CMD on a private D-Bus session bus with a real Secret Service:
# gnome-keyring-daemon (Debian: gnome-keyring, dbus) with a fresh "login"
# collection, created and unlocked with a throwaway password, so nothing
# prompts. The keyring files live in a temporary folder, removed at the
# end; CMD sees the caller's own XDG folders. Exits with CMD's status, or
# 124 if everything takes longer than $SECRET_SERVICE_TIMEOUT seconds
# (default 600).
set -eu

if [ "$#" -eq 0 ]; then
	echo "usage: $0 CMD [ARG...]" >&2
	exit 2
fi
for tool in dbus-run-session dbus-send gnome-keyring-daemon timeout; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "$0: $tool not found (apt-get install gnome-keyring dbus dbus-x11)" >&2
		exit 127
	fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -m 700 "$tmp/data" "$tmp/run"

# Inside the session: start the daemon on the private data folder (a
# fresh folder makes it create "login" with the password from stdin),
# wait until it owns org.freedesktop.secrets and the login collection is
# unlocked, then run the command with the caller's environment restored.
inner='
set -eu
export XDG_DATA_HOME="$SS_TMP/data" XDG_RUNTIME_DIR="$SS_TMP/run"
printf %s throwaway-password |
	gnome-keyring-daemon --unlock --components=secrets >"$SS_TMP/daemon.env"
# Ask the bus (which never starts services) until the daemon owns the
# name: asking org.freedesktop.secrets itself too early would make D-Bus
# start a second, locked daemon from its service file.
ready=
for _ in $(seq 100); do
	if dbus-send --session --print-reply --dest=org.freedesktop.DBus \
		/org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
		string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" &&
		dbus-send --session --print-reply --dest=org.freedesktop.secrets \
			/org/freedesktop/secrets/collection/login \
			org.freedesktop.DBus.Properties.Get \
			string:org.freedesktop.Secret.Collection string:Locked 2>/dev/null |
		grep -q "boolean false"; then
		ready=1
		break
	fi
	sleep 0.1
done
if [ -z "$ready" ]; then
	echo "with-secret-service.sh: the login collection did not come up unlocked" >&2
	exit 1
fi
if [ -n "${SS_XDG_DATA_HOME+x}" ]; then export XDG_DATA_HOME="$SS_XDG_DATA_HOME"; else unset XDG_DATA_HOME; fi
if [ -n "${SS_XDG_RUNTIME_DIR+x}" ]; then export XDG_RUNTIME_DIR="$SS_XDG_RUNTIME_DIR"; else unset XDG_RUNTIME_DIR; fi
unset SS_TMP SS_XDG_DATA_HOME SS_XDG_RUNTIME_DIR
"$@"
'

export SS_TMP="$tmp"
if [ -n "${XDG_DATA_HOME+x}" ]; then export SS_XDG_DATA_HOME="$XDG_DATA_HOME"; fi
if [ -n "${XDG_RUNTIME_DIR+x}" ]; then export SS_XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR"; fi

status=0
timeout --kill-after=10 "${SECRET_SERVICE_TIMEOUT:-600}" \
	dbus-run-session -- sh -c "$inner" sh "$@" || status=$?
exit "$status"
