#!/usr/bin/env bash
# Developer loop: incremental native build (serialized with flock, so parallel
# developers do not clobber build/), tsc (emits even if another area has type
# errors), then vitest inside a fresh private network namespace.
# Usage: scripts/dev-test.sh [vitest args...]   e.g. scripts/dev-test.sh test/sockets/udp
set -uo pipefail
cd "$(dirname "$0")/.."
flock /tmp/sockit-build.lock npx node-gyp build >/tmp/sockit-build.$$.log 2>&1 || { grep -E "error|Error" /tmp/sockit-build.$$.log | head -30; echo "native build failed (full log /tmp/sockit-build.$$.log)"; exit 1; }
flock /tmp/sockit-tsc.lock npx tsc -p tsconfig.json >/tmp/sockit-tsc.$$.log 2>&1 || { echo "tsc reported errors (dist still emitted):"; head -20 /tmp/sockit-tsc.$$.log; }
exec unshare --net -- sh -c 'ip link set lo up && SOCKIT_IN_NETNS=1 exec node node_modules/vitest/vitest.mjs run "$@"' sh "$@"
