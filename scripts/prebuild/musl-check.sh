#!/usr/bin/env bash
# No musl C++ toolchain is reachable here (Debian's musl-tools is C only), so
# no musl prebuild ships. This compiles every native source syntax-only
# against musl's libc headers (Debian musl-dev) with GCC's libstdc++ headers,
# to keep the source build (npm rebuild on Alpine) compiling on musl.
# It caught <linux/errqueue.h> needing <time.h> first (native/codec/cmsg.cc).
# The -D flags and the pre-included declarations paper over libstdc++ headers
# configured for glibc (a real musl toolchain has its own), not over our code.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
musl=/usr/include/x86_64-linux-musl
[ -d "$musl" ] || { echo "musl-check.sh: $musl missing (apt-get install musl-dev)" >&2; exit 1; }
uapi="$(mktemp -d)"
trap 'rm -rf "$uapi"' EXIT
# Only the kernel UAPI headers from /usr/include, none of glibc's.
ln -s /usr/include/linux /usr/include/asm-generic "$uapi/"
ln -s "/usr/include/$(gcc -dumpmachine)/asm" "$uapi/asm"
cxx="$(g++ -dumpversion | cut -d. -f1)"
nodeinc="$(node -p "require('path').join(process.execPath, '../../include/node')")"
[ -f "$nodeinc/node_api.h" ] || nodeinc="$(ls -d "$HOME"/.cache/node-gyp/*/include/node 2>/dev/null | tail -1)"
cat >"$uapi/glibc-only.h" <<'H'
#include <pthread.h>
#include <time.h>
extern "C" {
int pthread_mutex_clocklock(pthread_mutex_t *, clockid_t, const struct timespec *);
int pthread_cond_clockwait(pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *);
int pthread_rwlock_clockrdlock(pthread_rwlock_t *, clockid_t, const struct timespec *);
int pthread_rwlock_clockwrlock(pthread_rwlock_t *, clockid_t, const struct timespec *);
}
H
status=0
for f in "$root"/native/*.cc "$root"/native/io/*.cc "$root"/native/codec/*.cc; do
  # native/codec/ (no Node-API, no <mutex>) compiles with musl's headers alone.
  pre="-include $uapi/glibc-only.h"
  case "$f" in */native/codec/*) pre="" ;; esac
  g++ -std=c++17 -fsyntax-only -fexceptions -D_GNU_SOURCE -DNAPI_VERSION=8 -DNODE_ADDON_API_CPP_EXCEPTIONS \
    '-D__GLIBC_PREREQ(a,b)=0' -D__locale_t=locale_t \
    -nostdinc -isystem "/usr/include/c++/$cxx" -isystem "/usr/include/$(gcc -dumpmachine)/c++/$cxx" \
    -isystem "$(gcc -print-file-name=include)" -isystem "$musl" -isystem "$uapi" \
    -isystem "$nodeinc" -isystem "$root/node_modules/node-addon-api" -I "$root/native" $pre "$f" || { echo "musl: $f does not compile" >&2; status=1; }
done
[ $status -eq 0 ] && echo "musl-check: every native source compiles against musl's headers"
exit $status
