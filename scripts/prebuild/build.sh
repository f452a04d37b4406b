#!/usr/bin/env bash
# Builds the prebuilt binaries the package ships (node-gyp-build's naming):
#   prebuilds/linux-x64/<name>.glibc.node     Debian gcc (x86_64)
#   prebuilds/linux-arm64/<name>.glibc.node   Debian aarch64-linux-gnu-g++
# Both load on glibc >= 2.28 (what Node 20 needs) with no libstdc++ at all:
# libstdc++ and libgcc are linked statically, the glibc symbols newer than
# 2.28 are resolved by glibc-compat.c, and check.sh proves it.
# usage: scripts/prebuild/build.sh [x64] [arm64]      (default: both)
# needs: g++ (x64); g++-aarch64-linux-gnu (arm64); node-gyp (devDependency).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
name="$(node -p "require('./package.json').name")"
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(x64 arm64)
for arch in "${archs[@]}"; do
  case "$arch" in
    x64) tool="" ;;
    arm64) tool="aarch64-linux-gnu-" ;;
    *) echo "build.sh: unknown arch $arch (x64, arm64)" >&2; exit 2 ;;
  esac
  command -v "${tool}g++" >/dev/null || { echo "build.sh: ${tool}g++ not found (apt-get install g++${tool:+-aarch64-linux-gnu})" >&2; exit 1; }
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  # A copy of the sources: node-gyp must not clobber the checkout's build/.
  cp -r binding.gyp native package.json "$work/"
  ln -s "$root/node_modules" "$work/node_modules"
  "${tool}gcc" -O2 -fPIC -Wall -Werror -c scripts/prebuild/glibc-compat.c -o "$work/glibc-compat.o"
  echo "== prebuild linux-$arch (${tool}g++ $("${tool}g++" -dumpversion))"
  (cd "$work" && CC="${tool}gcc" CXX="${tool}g++" LINK="${tool}g++" \
    LDFLAGS="$work/glibc-compat.o -static-libstdc++ -static-libgcc -Wl,--version-script=$root/scripts/prebuild/exports.map" \
    npx node-gyp rebuild --arch="$arch" -j "${JOBS:-2}" >"$work/build.log" 2>&1) || { cat "$work/build.log" >&2; exit 1; }
  mkdir -p "prebuilds/linux-$arch"
  out="prebuilds/linux-$arch/$name.glibc.node"
  "${tool}strip" --strip-all -o "$out" "$work/build/Release/sockit.node"
  scripts/prebuild/check.sh "$out"
  rm -rf "$work"
  trap - EXIT
done
