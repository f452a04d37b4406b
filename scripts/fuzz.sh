#!/usr/bin/env bash
# Builds and runs the libFuzzer harnesses in test/fuzz/ (clang, ASan+UBSan+LSan)
# against the pure native/codec/ code, each for a bounded time, starting from the
# seed corpus test/fuzz/corpus/<harness>/ (new inputs go to build-fuzz/, the
# repository corpus is never modified). Fails on any crash, leak, timeout or
# sanitizer report.
#   scripts/fuzz.sh                 every harness, 60 s each
#   scripts/fuzz.sh --fast          every harness, 15 s each (CI)
#   FUZZ_SECONDS=300 scripts/fuzz.sh fuzz_cmsg
# Harnesses run $(nproc) at a time. A summary (execs, coverage, corpus size)
# is printed and written to build-fuzz/summary.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
harnesses=()
for a in "$@"; do
  case "$a" in
    --fast) seconds=${FUZZ_SECONDS:-15} ;;
    *) harnesses+=("$(basename "$a" .cc)") ;;
  esac
done
if [ ${#harnesses[@]} -eq 0 ]; then
  for f in test/fuzz/fuzz_*.cc; do harnesses+=("$(basename "$f" .cc)"); done
fi
# A harness whose code under test is not in this tree (yet) is reported, not built.
present=()
for h in "${harnesses[@]}"; do
  miss=$(grep -oE '#include "codec/[a-z_]+\.h"' "test/fuzz/$h.cc" 2>/dev/null | sed -E 's/.*"(.*)"/\1/' | while read -r inc; do [ -f "native/$inc" ] || echo "native/$inc"; done)
  if [ -n "$miss" ]; then echo "fuzz: $h not built: $miss is not in this tree"; else present+=("$h"); fi
done
harnesses=("${present[@]}")
CXX=${CXX_FUZZ:-clang++}
command -v "$CXX" >/dev/null || { echo "fuzz: $CXX not found (apt-get install clang libclang-rt-14-dev)"; exit 1; }
out=build-fuzz
mkdir -p "$out"
FLAGS="-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE -Inative"
codec_sources=(native/codec/*.cc)
echo "== fuzz: building ${#harnesses[@]} harness(es)"
for h in "${harnesses[@]}"; do
  [ -f "test/fuzz/$h.cc" ] || { echo "fuzz: no test/fuzz/$h.cc"; exit 1; }
  echo "  $h" >&2
  printf '%s\n' "$h"
done | xargs -P "$(nproc)" -I{} sh -c "$CXX $FLAGS test/fuzz/{}.cc ${codec_sources[*]} -o $out/{} 2>$out/{}.build.log || { cat $out/{}.build.log; exit 255; }" || { echo "fuzz: build failed"; exit 1; }

run_one() {
  h=$1
  work="$out/corpus/$h"
  mkdir -p "$work" "$out/artifacts/$h"
  seeds="test/fuzz/corpus/$h"
  [ -d "$seeds" ] || seeds=""
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=1" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "./$out/$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
      -print_final_stats=1 -artifact_prefix="$out/artifacts/$h/" "$work" $seeds >"$out/$h.log" 2>&1
  echo $? >"$out/$h.status"
}
export -f run_one
export out seconds
echo "== fuzz: running each harness for ${seconds}s"
printf '%s\n' "${harnesses[@]}" | xargs -P "$(nproc)" -I{} bash -c 'run_one {}'

fail=0
: >"$out/summary.txt"
for h in "${harnesses[@]}"; do
  st=$(cat "$out/$h.status" 2>/dev/null || echo 1)
  execs=$(grep -m1 'stat::number_of_executed_units' "$out/$h.log" | awk '{print $2}')
  cov=$(grep -E '^#[0-9]+.*cov:' "$out/$h.log" | tail -1 | sed -E 's/.*cov: ([0-9]+).*ft: ([0-9]+).*corp: ([0-9]+).*/cov \1, ft \2, corpus \3/')
  if [ "$st" = 0 ] && ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|property violated' "$out/$h.log"; then
    line="$h: ok, ${execs:-?} execs in ${seconds}s ($cov)"
  else
    line="$h: FAILED (exit $st), ${execs:-?} execs; log $out/$h.log, artifacts $out/artifacts/$h/"
    fail=1
    grep -E -A30 'ERROR:|runtime error:|property violated' "$out/$h.log" | head -60
  fi
  echo "$line" | tee -a "$out/summary.txt"
done
exit $fail
