#!/usr/bin/env bash
# Builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer (clang) into
# build-asan/sockit.node. Separate from node-gyp's build/ (which other builds use).
# Incremental: recompiles a source only when it or a header is newer than its object.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build-asan
mkdir -p "$out/obj"
CXX=${CXX_ASAN:-clang++}
command -v "$CXX" >/dev/null || { echo "build-asan: $CXX not found (apt-get install clang libclang-rt-14-dev)"; exit 1; }
napi_inc=$(node -p "require('node-addon-api').include_dir")
node_inc=$(node -p "require('path').resolve(process.execPath, '../../include/node')")
if [ ! -f "$node_inc/node_api.h" ]; then
  node_inc=$(ls -d "$HOME"/.cache/node-gyp/"$(node -p process.versions.node)"/include/node 2>/dev/null || true)
fi
[ -f "$node_inc/node_api.h" ] || { echo "build-asan: Node headers not found (node_api.h)"; exit 1; }
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
CXXFLAGS="-std=c++17 -fPIC -g -O1 -fexceptions $SAN -DNAPI_VERSION=8 -DNODE_ADDON_API_CPP_EXCEPTIONS -DNODE_ADDON_API_CPP_EXCEPTIONS_ALL -DNODE_ADDON_API_DISABLE_DEPRECATED -DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS -D_GNU_SOURCE -DBUILDING_NODE_EXTENSION -I$napi_inc -I$node_inc -Inative -Wall -Wno-unused-parameter -Wno-missing-field-initializers"
newest_header=$(ls -t native/*.h native/codec/*.h native/io/*.h 2>/dev/null | head -1)
objs=()
todo=()
for src in native/*.cc native/codec/*.cc native/io/*.cc; do
  obj="$out/obj/$(echo "${src#native/}" | tr / _).o"
  objs+=("$obj")
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_header" -nt "$obj" ] || [ "$0" -nt "$obj" ]; then todo+=("$src:$obj"); fi
done
if [ ${#todo[@]} -gt 0 ]; then
  printf '%s\n' "${todo[@]}" | xargs -P "$(nproc)" -I{} sh -c 'src=${1%%:*}; obj=${1#*:}; echo "  CXX(asan) $src"; '"$CXX $CXXFLAGS"' -c "$src" -o "$obj"' sh {}
fi
# Drop objects of sources that no longer exist.
for o in "$out"/obj/*.o; do
  keep=0; for k in "${objs[@]}"; do [ "$o" = "$k" ] && keep=1; done
  [ $keep = 1 ] || rm -f "$o"
done
$CXX -shared -shared-libasan $SAN -o "$out/sockit.node.tmp" "${objs[@]}"
mv "$out/sockit.node.tmp" "$out/sockit.node"
echo "build-asan: $out/sockit.node"
