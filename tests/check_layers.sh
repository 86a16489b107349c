#!/usr/bin/env bash
# The layers' dependencies point one way (docs/DESIGN.md §2): every
# `#include "dir/..."` of a source file must name a layer its own layer may
# use. A file belongs to the longest layer prefix below that matches its path.
#
#   check_layers.sh ROOT        checks the tree at ROOT
#   check_layers.sh --self-test shows the check fails on a bad include
set -euo pipefail

# layer: the layers it may include (itself always).
RULES=(
  "shared/:"
  "sync/core/:shared/"
  "sync/device/:shared/ sync/core/"
  "sync/server/:shared/ sync/core/"
  "sync/sim/:shared/ sync/"
  "sync/bench/:shared/ sync/"
  "net/:shared/ sync/core/"
  "server/:shared/ sync/core/ sync/server/"
  "server/bench/:shared/ sync/ net/ server/ tests/support/"
  "client/core/:shared/ sync/core/ sync/device/ net/"
  "client/ui/:shared/ client/core/"
  "client/bench/:shared/ sync/ net/ client/core/ tests/support/"
  "fuzz/:shared/ sync/core/ sync/server/ server/ net/"
  "tests/support/:shared/ sync/ net/ tests/support/"
  "tests/:shared/ sync/ net/ server/ client/ tests/"
)

# The allowed prefixes of a file's layer, its own included; empty if the file
# is in no layer.
allowed_for() {
  local file="$1" best="" allow=""
  for rule in "${RULES[@]}"; do
    local layer="${rule%%:*}"
    if [[ "$file" == "$layer"* && ${#layer} -gt ${#best} ]]; then
      best="$layer"
      allow="$layer ${rule#*:}"
    fi
  done
  echo "$allow"
}

check_tree() {
  local root="$1" bad=0 n=0
  cd "$root"
  while IFS= read -r file; do
    local allow
    allow="$(allowed_for "$file")"
    [[ -n "$allow" ]] || continue
    n=$((n + 1))
    while IFS= read -r inc; do
      local ok=0
      for prefix in $allow; do [[ "$inc" == "$prefix"* ]] && ok=1; done
      # A project include names a top-level directory; anything else
      # (doctest, a sibling header in a test folder) is not a layer.
      [[ "$inc" == */* ]] || ok=1
      if [[ $ok -eq 0 ]]; then
        echo "FAIL: $file includes \"$inc\": its layer may include only: $allow" >&2
        bad=1
      fi
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
  done < <(find shared sync net server client fuzz tests -type f \( -name '*.cpp' -o -name '*.hpp' \) 2>/dev/null | sort)
  [[ $n -gt 0 ]] || { echo "FAIL: no source files under $root" >&2; return 1; }
  [[ $bad -eq 0 ]] && echo "ok: $n files, every include within its layer"
  return $bad
}

self_test() {
  local tmp
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  mkdir -p "$tmp/server" "$tmp/client/core" "$tmp/sync/device"
  echo '#include "client/core/views.hpp"' >"$tmp/client/core/a.cpp"
  echo '#include "sync/core/patch.hpp"' >"$tmp/server/b.cpp"
  (check_tree "$tmp") >/dev/null || { echo "FAIL: a clean tree was refused" >&2; return 1; }
  for bad in 'server/b.cpp:client/core/views.hpp' 'sync/device/c.cpp:sync/server/server_engine.hpp'; do
    echo "#include \"${bad#*:}\"" >>"$tmp/${bad%%:*}"
    if (check_tree "$tmp") 2>/dev/null >/dev/null; then
      echo "FAIL: ${bad%%:*} including ${bad#*:} passed" >&2
      return 1
    fi
    rm "$tmp/${bad%%:*}"
    echo '#include "sync/core/patch.hpp"' >"$tmp/server/b.cpp"
  done
  echo "ok: a bad include fails the check"
}

case "${1:-}" in
  --self-test) self_test ;;
  "" | -h | --help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; [[ -n "${1:-}" ]] ;;
  *) check_tree "$1" ;;
esac
