#!/usr/bin/env bash
# The main job, as a user runs it: a local coordinator and two workers (real processes on
# loopback), the bundled example sweep (examples/tiny-block-sweep.yaml) on models/tiny submitted
# with the depthlab CLI, progress while it runs, then influence per metric and accuracy versus
# blocks removed. Results stay in .demo/depthlab.db; running the demo again submits the same
# experiment as a new sweep and every evaluation comes from the cache (no job runs).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
DEMO=.demo
mkdir -p "$DEMO"
rm -f "$DEMO/port"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

"$BUILD/coordinator/depthlab-coordinator" --listen 127.0.0.1:0 --port-file "$DEMO/port" \
  --db "$DEMO/depthlab.db" --metrics-port 0 >"$DEMO/coordinator.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$DEMO/port" ] && break; sleep 0.1; done
[ -s "$DEMO/port" ] || { cat "$DEMO/coordinator.log"; echo "demo: coordinator did not start" >&2; exit 1; }
export DEPTHLAB_COORDINATOR="127.0.0.1:$(cat "$DEMO/port")"
echo "coordinator on $DEPTHLAB_COORDINATOR (log $DEMO/coordinator.log, database $DEMO/depthlab.db)"

for i in 1 2; do
  "$BUILD/worker/depthlab-worker" serve --coordinator "$DEPTHLAB_COORDINATOR" --name "demo-$i" \
    --threads 1 >"$DEMO/worker-$i.log" 2>&1 &
  pids+=($!)
done
echo "2 workers (logs $DEMO/worker-*.log)"
echo

CLI="$BUILD/cli/depthlab"
start=$(date +%s)
# A new request id each run: the sweep is new, its evaluations are not.
id=$("$CLI" submit examples/tiny-block-sweep.yaml --request-id "demo-$(date +%s%N)")
"$CLI" watch "$id"
echo
"$CLI" results "$id"
echo
"$CLI" list --limit 5
echo
echo "sweep $id took $(($(date +%s) - start)) s. Run 'make demo' again: the same sweep is answered"
echo "from the evaluation cache in $DEMO/depthlab.db without running a job."
