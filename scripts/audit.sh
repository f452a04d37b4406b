#!/usr/bin/env bash
# `npm audit --omit=dev`, plus an offline check of what that audit covers:
# the runtime dependency tree must be exactly node-addon-api + node-gyp-build
# (neither has dependencies of its own). Fails on any advisory. When the
# registry's advisory endpoint cannot be reached (some registry mirrors answer
# 405), says so loudly and relies on the offline check.
set -uo pipefail
cd "$(dirname "$0")/.."
deps=$(npm ls --omit=dev --all --parseable 2>/dev/null | tail -n +2 | sed 's|.*/node_modules/||' | sort | tr '\n' ' ')
echo "audit: runtime dependency tree: ${deps:-<none>}"
if [ "$deps" != "node-addon-api node-gyp-build " ]; then
  echo "audit: FAILED: unexpected runtime dependencies (review and update scripts/audit.sh)"
  exit 1
fi
out=$(npm audit --omit=dev --json 2>/dev/null)
rc=$?
if echo "$out" | grep -q '"vulnerabilities"'; then
  total=$(echo "$out" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);const v=(j.metadata&&j.metadata.vulnerabilities)||{};console.log(v.total??Object.values(v).reduce((a,b)=>a+b,0))})')
  if [ "$total" = 0 ]; then echo "audit: 0 vulnerabilities (npm audit --omit=dev)"; exit 0; fi
  echo "$out" | head -80
  echo "audit: FAILED: $total vulnerabilities"
  exit 1
fi
if echo "$out" | grep -qE '"statusCode": (405|404|403|5[0-9][0-9])|E405|ENOTFOUND|ECONNREFUSED|EAI_AGAIN|audit endpoint'; then
  echo "audit: WARNING: the registry's advisory endpoint is not available here ($(echo "$out" | grep -m1 -oE '"message": "[^"]*' | cut -c13-)); npm audit could not run. Runtime tree verified offline above."
  exit 0
fi
echo "$out" | head -40
echo "audit: FAILED: npm audit exited $rc"
exit 1
