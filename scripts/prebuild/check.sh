#!/usr/bin/env bash
# Fails unless each given .node needs glibc <= 2.28 and no libstdc++/libgcc_s
# symbol version (GLIBCXX_, CXXABI_, GCC_), and exports only the Node-API
# entry points. Prints the largest GLIBC version each needs.
# With --package: the binaries npm pack must ship (prepack runs this).
set -euo pipefail
if [ "${1:-}" = "--package" ]; then
  cd "$(dirname "$0")/../.."
  name="$(node -p "require('./package.json').name")"
  set -- "prebuilds/linux-x64/$name.glibc.node" "prebuilds/linux-arm64/$name.glibc.node"
  for f in "$@"; do
    [ -f "$f" ] || { echo "npm pack: $f is missing; build it with scripts/prebuild/build.sh (npm run prebuilds)" >&2; exit 1; }
  done
fi
max_allowed=2.28
status=0
for f in "$@"; do
  dyn="$(objdump -T "$f")"
  max="$(grep -oE 'GLIBC_[0-9]+(\.[0-9]+)+' <<<"$dyn" | sed 's/GLIBC_//' | sort -V | tail -1)"
  cxx="$(grep -oE '(GLIBCXX|CXXABI|GCC)_[0-9.]+ +[^ ]+$' <<<"$dyn" || true)"
  exports="$(awk '$2 == "g" && $4 != "*UND*" { print $NF }' <<<"$dyn" | sort | tr '\n' ' ')"
  needed="$(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
  echo "$f: max GLIBC_$max; NEEDED: $needed; exports: $exports"
  if [ "$(printf '%s\n%s\n' "$max" "$max_allowed" | sort -V | tail -1)" != "$max_allowed" ]; then
    echo "  needs GLIBC_$max > $max_allowed:" >&2; grep -E "GLIBC_$max" <<<"$dyn" >&2; status=1
  fi
  if [ -n "$cxx" ]; then echo "  libstdc++/libgcc_s symbols:" >&2; echo "$cxx" >&2; status=1; fi
  if [ "$exports" != "napi_register_module_v1 node_api_module_get_api_version_v1 " ]; then echo "  unexpected exports: $exports" >&2; status=1; fi
done
exit $status
