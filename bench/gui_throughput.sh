#!/usr/bin/env bash
# Training speed in the window against `atelier train`, same preset and config (issue 6: within
# 10%). Interleaved rounds: the app under Xvfb (cnn preset, 1 epoch, Start, clicked with xdotool),
# then the CLI on the same data; each prints images/s of the epoch and the CPU seconds its process
# used. Ends with the medians and the GUI/CLI ratio.
#   bench/gui_throughput.sh [--rounds 2] [--preset-card X Y]      (release build; full data)
# Needs: xvfb xauth xdotool, libgl1 libegl1 libgl1-mesa-dri, the data set. Coordinates are for the
# 1280×800 display; the preset card defaults to the "Convolutional network" one.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/results.sh
record_results gui_throughput "$@"
rounds=2; card=(103 353)
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --preset-card) card=("$2" "$3"); shift 3 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
PROFILE=${PROFILE:-release}
. scripts/lib/xvfb_session.sh
runs=$XDG_DATA_HOME/atelier/runs
raw=$home/raw.txt

runs_done() { find "$runs" -name run.json 2>/dev/null | wc -l || true; }

cpu_secs() {  # utime + stime of a live process, in seconds
  awk -v tick="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / tick }' "/proc/$1/stat"
}

gui_round() {
  "$binary" >>"$home/app.log" 2>&1 &
  app_pid=$!
  local window=
  for _ in $(seq 1 60); do
    window=$(xdotool search --name '^Atelier$' 2>/dev/null | head -1 || true)
    [ -n "$window" ] && break
    sleep 0.5
  done
  [ -n "$window" ] || { cat "$home/app.log"; exit 1; }
  sleep 6
  key() { xdotool windowfocus --sync "$window" 2>/dev/null || true; xdotool key "$@"; }
  click() { xdotool mousemove --window "$window" "$1" "$2" click 1; sleep "${3:-0.8}"; }
  key ctrl+2 && sleep 1
  click "${card[0]}" "${card[1]}" 1
  key ctrl+3 && sleep 1.5
  click 120 95 0.4 && key ctrl+a && xdotool type 1 && key Return && sleep 0.5   # Epochs: 1
  local before
  before=$(runs_done)
  local cpu_before
  cpu_before=$(cpu_secs "$app_pid")
  click 416 77 0.2   # Start
  for _ in $(seq 1 1800); do
    [ "$(runs_done)" -gt "$before" ] && break
    sleep 1
  done
  local cpu_after
  cpu_after=$(cpu_secs "$app_pid")
  local run
  run=$(ls -t "$runs"/*/run.json | head -1)
  local speed
  speed=$(grep -o '"images_per_sec": *[0-9.]*' "$run" | head -1 | grep -o '[0-9.]*$')
  echo "gui images_per_sec=$(printf '%.0f' "$speed") cpu_secs=$(awk -v a="$cpu_before" -v b="$cpu_after" 'BEGIN { printf "%.1f", b - a }')" | tee -a "$raw"
  kill "$app_pid" 2>/dev/null || true
  wait "$app_pid" 2>/dev/null || true
  app_pid=
  if [ -n "${ATELIER_FRAME_LOG:-}" ]; then   # frames the window drew while training
    echo "gui frames over 50 ms this round: $(grep -c 'frame-log: frame' "$home/app.log" || true)"
    : >"$home/app.log"
  fi
}

cli_round() {
  local line
  line=$( { /usr/bin/time -f 'cpu %U %S' "$binary" train --preset "${CLI_PRESET:-cnn}" --epochs 1 \
    --out "$home/cli.safetensors" 2>&1; } | grep -E '^epoch|^cpu')
  local speed cpu
  speed=$(echo "$line" | grep '^epoch' | grep -o '[0-9]* img/s' | grep -o '^[0-9]*')
  cpu=$(echo "$line" | awk '/^cpu/ { printf "%.1f", $2 + $3 }')
  echo "cli images_per_sec=$speed cpu_secs=$cpu (whole process: data load, test evaluation)" | tee -a "$raw"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
  echo "round $round"
  gui_round
  cli_round
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk '
  /^gui/ { split($2, a, "="); gui[++g] = a[2] }
  /^cli/ { split($2, a, "="); cli[++c] = a[2] }
  function median(v, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  END {
    mg = median(gui, g); mc = median(cli, c)
    printf "median images/s: GUI %.0f, CLI %.0f, GUI/CLI %.3f\n", mg, mc, mg / mc
  }' "$raw"
