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

t0=$(date +%s%N)
"$check_bin" --device /dev/video0 || exit 10
echo "guest: camera check took $((($(date +%s%N) - t0) / 1000000)) ms"
exit 0
