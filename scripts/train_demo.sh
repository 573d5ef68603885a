#!/usr/bin/env bash
# Clicks through the Train tab under Xvfb and saves screenshots in target/screenshots/:
# pick `cnn`, set 2 epochs, Start (train-running-*.png while the plots fill in, with progress and
# ETA; train-paused.png after Pause, then Resume), wait for the run (train-done.png), the run
# history (train-history.png); then a 2-epoch `dense` run, and a `dense` run at learning rate 10
# (warned about beside the field, train-lr-warning.png; it diverges and does not replace the
# current model), all three ticked for the comparison (train-compare.png, train-compare-light.png);
# last, the augmentation preview with shift, flip and erasing on (train-augment-light.png).
#
#   scripts/train_demo.sh                      # debug build, the bundled sample (fast)
#   DEMO_DATA=full PROFILE=release scripts/train_demo.sh   # the full set (data discovery), release
#   SCREENSHOT_DISPLAY=:101 scripts/train_demo.sh
#   COMPARE_CLI=1 DEMO_DATA=full PROFILE=release RUNNING_SHOT_SECS=20 scripts/train_demo.sh
#       # then also `atelier train` on both presets: compare its img/s with the GUI lines printed
#
# Needs: xvfb xauth xdotool imagemagick libgl1 libegl1 libgl1-mesa-dri.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/xvfb_session.sh
out=target/screenshots
mkdir -p "$out"
log=$out/train-demo.log
: >"$log"

runs=$XDG_DATA_HOME/atelier/runs

start_app() {
  if [ "${DEMO_DATA:-sample}" = sample ]; then
    # A folder with no data opens the first-run panel, whose first button picks the bundled sample.
    "$binary" --data-dir /nonexistent-atelier-demo >>"$log" 2>&1 &
  else
    "$binary" >>"$log" 2>&1 &
  fi
  app_pid=$!
  window=
  for _ in $(seq 1 60); do
    window=$(xdotool search --name '^Atelier$' 2>/dev/null | head -1 || true)
    [ -n "$window" ] && return 0
    kill -0 "$app_pid" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}
window=
# A loaded Xvfb now and then refuses a new client: try again before giving up.
for attempt in 1 2 3; do
  start_app && break
  echo "the window did not appear (attempt $attempt)"
  kill "$app_pid" 2>/dev/null || true; app_pid=
  sleep 2
done
[ -n "$window" ] || { echo "log:"; cat "$log"; exit 1; }
sleep "${SETTLE_SECS:-6}"

key() { xdotool windowfocus --sync "$window" 2>/dev/null || true; xdotool key "$@"; }
click() { xdotool mousemove --window "$window" "$1" "$2" click 1; sleep "${3:-0.6}"; }
shoot() {
  xdotool mousemove 1270 740 2>/dev/null || true
  sleep 0.3
  /usr/bin/import -window root "$out/$1.png"
  echo "saved $out/$1.png"
}
runs_done() { find "$runs" -name run.json 2>/dev/null | wc -l; }
wait_runs() {  # wait_runs <count> <timeout secs>
  for _ in $(seq 1 "$2"); do
    [ "$(runs_done)" -ge "$1" ] && return 0
    sleep 1
  done
  echo "run $1 did not finish in $2 s"; return 1
}
set_epochs() {  # the Epochs field of the Train tab
  click 120 95 0.4
  key ctrl+a
  xdotool type "$1"
  key Return
  sleep 0.5
}

if [ "${DEMO_DATA:-sample}" = sample ]; then
  click 102 152 3   # "Use the bundled sample"
fi

# cnn, 2 epochs, Start.
key ctrl+2 && sleep 1
click 103 353 1   # the "Convolutional network" card
key ctrl+3 && sleep 1.5
shoot train-form
set_epochs 2
click 416 77 0.2  # Start
running_secs=${RUNNING_SHOT_SECS:-2}
sleep "$running_secs"
shoot train-running-1
click 464 77 1.5  # Pause
shoot train-paused
click 466 77 0.5  # Resume
sleep "$running_secs"
shoot train-running-2
wait_runs 1 "${RUN_TIMEOUT_SECS:-900}"
sleep 2
shoot train-done
click 498 44 1    # "Run history"
shoot train-history

# dense, 2 epochs, then compare the two runs.
key ctrl+2 && sleep 1
click 78 227 1    # the "Dense network" card
key ctrl+3 && sleep 1.5
click 413 44 1    # "Live"
set_epochs 2
click 416 77 0.2
wait_runs 2 "${RUN_TIMEOUT_SECS:-900}"
sleep 2
shoot train-done-dense

# The same at learning rate 10: a warning beside the field, then a diverged run that is kept in
# the history, marked, while the dense run stays the current model.
click 190 195 0.4 # the "exact:" learning-rate field
key ctrl+a
xdotool type 10
key Return
sleep 0.8
shoot train-lr-warning
click 416 77 0.2
wait_runs 3 "${RUN_TIMEOUT_SECS:-900}"
sleep 2
shoot train-diverged
click 498 44 1    # "Run history"
click 402 102 0.5 # tick the newest run
click 402 128 0.5 # and the next
click 402 154 1   # and the oldest
shoot train-compare
click 1143 12 1.5 # Theme: system → light
shoot train-compare-light
click 112 486 0.3 # augmentation: erasing (right to left: ticking shift adds a field)
click 67 486 0.3  # flip
click 15 486 1    # shift
shoot train-augment-light
echo "runs stored in the demo's history: $(runs_done)"
# Training speed as the GUI measured it (per epoch, from each stored run), for comparison with
# `atelier train` on the same preset and config (COMPARE_CLI=1 runs it on the same data).
for run in "$runs"/*/run.json; do
  # A run that diverged in its first epoch has no epochs, so no speeds.
  speeds=$(grep -o '"images_per_sec": *[0-9.]*' "$run" | grep -o '[0-9.]*$' | xargs -r printf '%.0f ' || true)
  echo "GUI $(grep -o '"name": *"[^"]*"' "$run" | head -1): images/s per epoch: $speeds"
done
if [ "${COMPARE_CLI:-0}" = 1 ]; then
  kill "$app_pid" 2>/dev/null || true; app_pid=
  [ "${DEMO_DATA:-sample}" = sample ] && echo "(the CLI trains on what data discovery finds, not the sample)"
  for preset in cnn dense; do
    echo "CLI $preset:"
    "$binary" train --preset "$preset" --epochs 2 --out "$home/$preset.safetensors" | grep '^epoch'
  done
fi
