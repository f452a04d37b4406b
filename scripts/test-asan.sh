#!/usr/bin/env bash
# `npm run test:asan`: the whole vitest suite against the ASan+UBSan build of the
# addon (build-asan/sockit.node, loaded through SOCKIT_NATIVE_PATH), with the
# ASan runtime preloaded into node. Every sanitizer report from any process of
# the run is written under a log directory; the run fails if any appears.
# Leak detection is off for node itself (detect_leaks=0): V8 and node keep
# allocations alive until exit by design, so LSan would only report node's own
# objects. Leaks in our native code are covered by the libFuzzer harnesses
# (scripts/fuzz.sh, LSan on) and the fd/RSS lifecycle tests.
# Extra arguments go to vitest (e.g. npm run test:asan -- test/sockets/socket).
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/build-asan.sh || exit 1
npx tsc -p tsconfig.json || exit 1
rt=$(clang++ -print-file-name=libclang_rt.asan-x86_64.so)
[ -f "$rt" ] || { echo "test:asan: ASan runtime not found (apt-get install libclang-rt-14-dev)"; exit 1; }
logs=$(mktemp -d /tmp/sockit-asan.XXXXXX)
export SOCKIT_NATIVE_PATH="$PWD/build-asan/sockit.node"
export SOCKIT_ASAN=1
export ASAN_OPTIONS="detect_leaks=0:log_path=$logs/asan:log_exe_name=1:abort_on_error=1:check_initialization_order=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan:log_exe_name=1"
# Preload only for the test processes (scripts/test.mjs re-enters a private netns, then runs vitest).
LD_PRELOAD="$rt" node scripts/test.mjs "$@"
status=$?
# Reports are named <tool>.<exe>.<pid>. The runtime is preloaded into every
# process the tests spawn (ip, make, socat, ...); only node processes load the
# addon, so only their reports count. Others are listed for information.
reports=$(find "$logs" -type f -name '*.node.*' | wc -l)
foreign=$(find "$logs" -type f ! -name '*.node.*' | wc -l)
if [ "$foreign" -gt 0 ]; then
  echo "test:asan: $foreign report(s) from non-node tools the tests spawned (not sockit code, not counted):"
  find "$logs" -type f ! -name '*.node.*' -exec sh -c 'echo "  $(basename "$1"): $(grep -m1 SUMMARY "$1")"' sh {} \;
fi
if [ "$reports" -gt 0 ]; then
  echo "test:asan: $reports sanitizer report(s) from node:"
  for f in $(find "$logs" -type f -name '*.node.*'); do echo "--- $f"; head -80 "$f"; done
  status=1
else
  echo "test:asan: 0 sanitizer reports from node (ASan+UBSan on the addon; detect_leaks=0 for node)"
  rm -rf "$logs"
fi
exit $status
