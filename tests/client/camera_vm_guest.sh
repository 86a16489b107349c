#!/bin/bash
# Runs inside the VM of camera_vm_test.sh, chrooted into the host's root
# (read-only) with the VM's own /dev, /proc, /sys and tmpfs /tmp and /run;
# OUT is shared with the host. Exit 0 only when every check passed.
# usage: camera_vm_guest.sh OUT CHECK_BIN CLIENT_BIN
set -u
out="$1" check_bin="$2" client_bin="$3"
echo "guest: video nodes: $(ls /dev/video* 2>/dev/null | tr '\n' ' ')"
# ASan builds: leaks are looked for as on the host; Mesa's and SDL's own
# allocations kept to exit are not ours (the window tests' suppressions).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export LSAN_OPTIONS="suppressions=$(dirname "$0")/ui/lsan.supp:print_suppressions=0"
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# (a) The camera code on vivid's /dev/video0.
t0=$(date +%s%N)
"$check_bin" --device /dev/video0 || exit 10
echo "guest: camera check took $(ms_since "$t0") ms"

# (b) The client's camera screen under Xvfb, its screenshot read back.
t0=$(date +%s%N)
Xvfb :7 -screen 0 1280x800x24 -nolisten tcp >"$out/xvfb.log" 2>&1 &
xvfb=$!
for _ in $(seq 100); do [[ -S /tmp/.X11-unix/X7 ]] && break; sleep 0.2; done
[[ -S /tmp/.X11-unix/X7 ]] || { echo "guest: Xvfb did not start"; cat "$out/xvfb.log"; exit 11; }
# No leak check for the window here: since the client links libgps (issue 23),
# LeakSanitizer's stop-the-world tracer crashes at exit in this guest
# ("Tracer caught signal 11") before it checks anything; the same binary's
# leak check runs on the host in client-window.
DISPLAY=:7 ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1" \
  "$client_bin" --data /tmp/gw-data --lang zh_CN --screen camera --screenshot "$out/camera.png" ||
  { echo "guest: the client failed"; kill "$xvfb"; exit 12; }
kill "$xvfb"
echo "guest: the client's screenshot took $(ms_since "$t0") ms"
"$check_bin" --png "$out/camera.png" || exit 13
exit 0
