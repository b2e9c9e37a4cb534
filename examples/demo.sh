#!/usr/bin/env bash
# The main job against the local sandbox, no Testsigma account needed:
# start `reconciler sandbox`, plan the shipped examples, apply them, plan again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
port=${RECONCILER_DEMO_PORT:-8765}
export TESTSIGMA_API_URL="http://127.0.0.1:${port}/api/v1"
export TESTSIGMA_API_KEY="demo-$(date +%s)-key"
export RECONCILER_STATE="sqlite:///${work}/state.db"

reconciler sandbox --port "$port" --api-key "$TESTSIGMA_API_KEY" 2>"$work/sandbox.log" &
sandbox=$!
cleanup() {
  local rc=$?
  kill "$sandbox" 2>/dev/null || true
  wait "$sandbox" 2>/dev/null || true
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
for _ in $(seq 100); do
  grep -q "listening" "$work/sandbox.log" 2>/dev/null && break
  kill -0 $sandbox 2>/dev/null || { cat "$work/sandbox.log"; exit 1; }
  sleep 0.1
done

echo "== reconciler validate"; reconciler validate "$here/schedules"
echo; echo "== reconciler plan"; reconciler plan "$here/schedules"
echo; echo "== reconciler apply --auto-approve"; reconciler apply "$here/schedules" --auto-approve
echo; echo "== reconciler plan (again: nothing to do)"; reconciler plan "$here/schedules" --detailed-exitcode
echo; echo "== reconciler state list"; reconciler state list
