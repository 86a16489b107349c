#!/usr/bin/env bash
# The sync layer talks to the network only through sync/core/transport.hpp and has
# no UI (DESIGN §2). Given a program that links only the sync libraries (e.g.
# gridwork-sim), fails if it pulls in cpprestsdk, SDL2 or OpenGL, or carries
# ImGui or cpprest HTTP symbols: a stray include or link line shows up here
# before it shows up as a 20 MB test binary or a device build that needs X.
set -euo pipefail

bin="${1:-}"
if [[ -z "$bin" || ! -f "$bin" ]]; then
  echo "usage: check_sync_deps.sh PROGRAM (a program linking only the sync libraries)" >&2
  exit 2
fi

status=0

# Shared libraries, direct and indirect.
libs="$(ldd "$bin")"
if bad="$(grep -E 'libcpprest|libSDL2|libGL' <<<"$libs")"; then
  echo "FAIL: $bin links libraries the sync layer must not need:" >&2
  echo "$bad" >&2
  status=1
fi

# Symbols, static and dynamic (a stripped binary still has the dynamic
# table). Captured first: grep -q on a pipe could stop nm early and, under
# pipefail, turn a hit into a miss.
syms="$(nm -C "$bin" 2>/dev/null || true; nm -C -D "$bin" 2>/dev/null || true)"
for pattern in 'ImGui::' 'web::http'; do
  if hits="$(grep -F "$pattern" <<<"$syms")"; then
    echo "FAIL: $bin has $pattern symbols:" >&2
    head -n 5 <<<"$hits" >&2
    status=1
  fi
done

if [[ $status -eq 0 ]]; then
  echo "ok: $(basename "$bin") links no cpprestsdk, SDL2 or GL, and has no ImGui:: or web::http symbols"
fi
exit $status
