#!/usr/bin/env bash
# The Train tab's one-click fast run on the real Fashion-MNIST, under Xvfb: a screenshot while it
# trains (progress with the time spent) and one of the finished run (its accuracy with flip TTA and
# how long it took), in target/screenshots/fast-run-{training,done}.png.
#   PROFILE=release scripts/fast_run_demo.sh        (a debug build trains much slower)
# FAST_X/FAST_Y: where the "Fast run" button is in a 1280×800 window.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/xvfb_session.sh
out=target/screenshots
mkdir -p "$out"
log=$out/fast-run-demo.log
: >"$log"
launch_app "$log"
key ctrl+3 && sleep 1
shoot fast-run-before
click "${FAST_X:-471}" "${FAST_Y:-77}" 1
sleep "${TRAINING_SHOT_SECS:-25}"
shoot fast-run-training
for _ in $(seq 1 120); do
  grep -q "run finished\|training finished\|Training completed" "$log" 2>/dev/null && break
  sleep 5
  # The finished run's summary replaces the progress line; stop waiting once it shows.
  if [ -n "$(find "$XDG_DATA_HOME/atelier/runs" -name model.safetensors 2>/dev/null | head -1)" ]; then
    sleep 3
    break
  fi
done
shoot fast-run-done
key ctrl+q
