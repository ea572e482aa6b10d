#!/bin/bash
# The main job: installs what is missing (Debian 12, as root), builds hvdisplay, starts hvhost
# (the emulated Hyper-V host) and the console hvcon on it running your shell, and stays in the
# foreground until Ctrl+C.
#
#   scripts/hvmon screenshot /tmp/screen.png     a screenshot on request
#   scripts/hvmon type 'ls\n'                     type into the shell
#   scripts/hvmon stats                           counters, current mode
#
# Sockets live in $HVDISPLAY_RUNDIR (default /tmp/hvdisplay-$UID): vmbus.sock, monitor.sock.
set -eu
cd "$(dirname "$0")/.."
. scripts/deps.sh
install_missing $BUILD_PACKAGES

build=build/main
[ -f "$build/build.ninja" ] || meson setup "$build" -Dtests=false -Dbench=false >/dev/null
ninja -C "$build" >/dev/null

rundir=${HVDISPLAY_RUNDIR:-/tmp/hvdisplay-$(id -u)}
mkdir -p -m 0700 "$rundir"
export HVDISPLAY_VMBUS=$rundir/vmbus.sock
export HVDISPLAY_MONITOR=$rundir/monitor.sock

# hvcon waits for the host, then runs $SHELL on its screen (hvcon --help for fonts, keyboard).
guest=("$build/fbcon/hvcon" --vmbus "$HVDISPLAY_VMBUS")

"$build/hvhost/hvhost" --vmbus "$HVDISPLAY_VMBUS" --monitor "$HVDISPLAY_MONITOR" \
    --vnc 127.0.0.1:5900 "$@" &
host=$!
trap 'kill $host ${guestpid:-} 2>/dev/null; wait' EXIT INT TERM
# The guest retries until the host listens; the monitor's wait tells when it is connected.
if [ ${#guest[@]} -gt 0 ]; then
    "${guest[@]}" &
    guestpid=$!
fi
scripts/hvmon wait connected timeout_ms=20000 >/dev/null || true
cat <<MSG
hvhost is running (pid $host) with the console hvcon on it, running ${SHELL:-/bin/sh}
  monitor:     $HVDISPLAY_MONITOR
  screenshot:  scripts/hvmon screenshot /tmp/screen.png
  type:        scripts/hvmon type 'ls\n'
  stats:       scripts/hvmon stats
  screen:      any VNC viewer on 127.0.0.1:5900 (e.g. vncviewer 127.0.0.1::5900)
Ctrl+C stops everything.
MSG
wait $host
