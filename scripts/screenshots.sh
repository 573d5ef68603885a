#!/usr/bin/env bash
# Builds Atelier, starts it under Xvfb, visits every tab with Ctrl+1..5 and saves
# target/screenshots/<tab>.png (system theme: dark under Xvfb), dataset-image.png, dataset-binary.png,
# dataset-drag.png and dataset-dropped.png (a sample dragged onto the Predict tab),
# then quits with Ctrl+Q, restarts with the saved settings switched to light (restarted.png) and
# saves <tab>-light.png.
#
#   scripts/screenshots.sh            # debug build (deps at opt-level 3)
#   PROFILE=release scripts/screenshots.sh
#   ATELIER_DATA=/path scripts/screenshots.sh   # data folder (default: the usual search)
#   SIZE=1024x700 scripts/screenshots.sh         # screen and window size; pictures go to
#       target/screenshots/1024x700/ (the default 1280x800 keeps target/screenshots/)
#
#   DOCS=1 PROFILE=release scripts/screenshots.sh   # also the Train, Evaluate and Predict demos
#       (full data), then copies the README's pictures into docs/screenshots/
#
# Needs: xvfb xauth xdotool imagemagick libgl1 libegl1 libgl1-mesa-dri.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/xvfb_session.sh
out=target/screenshots
[ "$size" = 1280x800 ] || out=$out/$size
mkdir -p "$out"
rm -f "$out/app.log"

export ATELIER_FRAME_LOG=1

window=
start_app() { launch_app "$out/app.log" "$@"; }

key() {  # key <keys>: real (XTEST) key presses to the focused window; winit ignores synthetic ones
  xdotool windowfocus --sync "$window" 2>/dev/null || true
  xdotool key "$1"
}

shoot() {  # shoot <name>
  # Park the pointer in an empty corner so no tooltip covers the picture.
  xdotool mousemove $((screen_width - 10)) $((screen_height - 60)) 2>/dev/null || true
  sleep 0.3
  /usr/bin/import -window root "$out/$1.png"
  echo "saved $out/$1.png"
}

visit_tabs() {  # visit_tabs <suffix>
  local tabs=(dataset model train evaluate predict)
  for i in 1 2 3 4 5; do
    key "ctrl+$i"
    sleep 1.5
    shoot "${tabs[$((i - 1))]}$1"
  done
}

start_app
visit_tabs ""

# Dataset extras: one image large (pixel values on hover), then the binary task's two classes.
key ctrl+1 && sleep 1
xdotool mousemove --window "$window" 103 112 click 1 && sleep 1
xdotool mousemove 860 230 && sleep 0.6   # hover a pixel of the large view
/usr/bin/import -window root "$out/dataset-image.png" && echo "saved $out/dataset-image.png"
key Escape && sleep 0.5
xdotool mousemove --window "$window" 533 44 click 1 && sleep 1
shoot dataset-binary
xdotool mousemove --window "$window" 370 44 click 1 && sleep 1   # back to all ten classes

# Drag a sample onto the Predict tab: the ghost follows the pointer, hovering the tab opens it
# (dataset-drag.png), letting go adds the picture there (dataset-dropped.png).
xdotool mousemove --window "$window" 103 112 && sleep 0.4
xdotool mousedown 1 && sleep 0.2
for x in 110 130 180 240 300 360 397; do
  xdotool mousemove --window "$window" "$x" $((112 - 99 * (x - 103) / 294)) && sleep 0.15
done
sleep 1.5
/usr/bin/import -window root "$out/dataset-drag.png" && echo "saved $out/dataset-drag.png"
xdotool mousemove --window "$window" 700 300 && sleep 0.4
xdotool mouseup 1 && sleep 1.5
shoot dataset-dropped

# Settings survive a restart: quit normally (Ctrl+Q saves), switch the saved theme to light, start
# again; the window must come back on the last tab (Dataset) and in light colours.
key ctrl+2 && sleep 0.5
key ctrl+q
for _ in $(seq 1 20); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.5; done
saved=$XDG_DATA_HOME/atelier/app.ron
if [ -f "$saved" ]; then
  echo "settings saved: $(grep -o 'tab:[A-Za-z]*' "$saved" | head -1), $(grep -o 'theme:[A-Za-z]*' "$saved" | head -1)"
  sed -i 's/theme:System/theme:Light/' "$saved"
else
  echo "no settings file at $saved after Ctrl+Q"; ls -R "$XDG_DATA_HOME" || true
fi
start_app
shoot restarted
visit_tabs "-light"
echo "frame times (ATELIER_FRAME_LOG=1):"
grep 'frame-log: load done' "$out/app.log" || true

# The README's pictures: the demos of the tabs that need a model (each starts its own app on this
# display), then one chosen picture per tab and a few details into docs/screenshots/.
if [ "${DOCS:-0}" = 1 ]; then
  kill "$app_pid" 2>/dev/null || true; app_pid=
  DEMO_DATA=${DEMO_DATA:-full} scripts/train_demo.sh
  scripts/evaluate_demo.sh
  scripts/predict_demo.sh
  for shot in dataset dataset-drag model train-running-2 train-compare evaluate-matrix evaluate-gallery evaluate-image \
    predict predict-inside predict-open-with; do
    cp "$out/$shot.png" docs/screenshots/
  done
  echo "copied the README's pictures into docs/screenshots/"
fi
