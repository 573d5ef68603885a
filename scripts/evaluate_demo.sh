#!/usr/bin/env bash
# Screenshots of the Evaluate tab. Trains a small dense model with the CLI (one epoch, on the data
# the app finds: the full set where installed, else the bundled sample), starts Atelier under Xvfb,
# opens the model from the Evaluate tab's "Model file" field (which evaluates it on the worker), and
# saves into target/screenshots/:
#   evaluate-empty.png       the tab before any model (its ways forward)
#   evaluate-matrix.png      the confusion matrix, one cell hovered (its sentence)
#   evaluate-gallery.png     the clicked cell's images with their confidence
#   evaluate-image.png       one image large: probabilities and the occlusion map (true class)
#   evaluate-why.png         the same image, the map of the class the model chose
#   evaluate-report.png      the sortable report and the per-class accuracy
#   evaluate-mistakes.png    the most confident mistakes
#   evaluate-export.png      the export panel after writing the report files
#   evaluate-other.png       the panel to evaluate another model file or a saved run
# and the same with -light after switching the theme with the top bar's button.
#
#   scripts/evaluate_demo.sh
#   SCREENSHOT_DISPLAY=:102 PROFILE=release scripts/evaluate_demo.sh
#
# Needs: xvfb xauth xdotool imagemagick libgl1 libegl1 libgl1-mesa-dri. Coordinates are for the
# 1280×800 window the script opens.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/xvfb_session.sh
out=target/screenshots
mkdir -p "$out"
rm -f "$out/evaluate-app.log"

model=$home/dense.safetensors
echo "training a dense model for one epoch (the CLI)…"
"$binary" train --preset dense --epochs 1 --out "$model" | tail -2

click_pause=1
launch_app "$out/evaluate-app.log"

shoot() {  # shoot <name> [keep-pointer]
  [ -z "${2:-}" ] && xdotool mousemove 1270 740 2>/dev/null || true
  sleep 0.4
  /usr/bin/import -window root "$out/$1.png"
  echo "saved $out/$1.png"
}
cell() {  # cell <row> <column>: the centre of a confusion-matrix cell
  echo "$((128 + 51 * $2)) $((258 + 51 * $1))"
}

key ctrl+4 && sleep 1.5
shoot evaluate-empty
click 300 221 0.5                       # the Model file field
xdotool type --delay 40 "$model"
click 580 222 8                         # Open and evaluate
report=$home/report

shots() {  # shots <suffix>
  click 66 76                           # Confusion matrix page
  # Hover Shirt predicted as T-shirt/top for its sentence.
  read -r x y <<<"$(cell 6 0)"; xdotool mousemove --window "$window" "$x" "$y"; sleep 1.2
  shoot "evaluate-matrix$1" keep-pointer
  click "$x" "$y"
  shoot "evaluate-gallery$1"
  click 718 170 3                       # the most confident image of the cell
  shoot "evaluate-image$1"
  click 286 230 3                       # the map of the model's answer instead
  shoot "evaluate-why$1"
  key Escape && sleep 0.5
  click 159 76                          # Report
  click 150 134                         # sort by precision
  shoot "evaluate-report$1"
  click 248 76                          # Mistakes
  shoot "evaluate-mistakes$1"
  click 1213 76                         # Export report…
  click 300 108 0.5                     # the Report folder field
  xdotool key ctrl+a && xdotool type --delay 40 "$report$1"
  click 521 108 3                       # Export
  shoot "evaluate-export$1"
  echo "exported: $(ls "$report$1" 2>/dev/null | tr '\n' ' ')"
  click 1213 76                         # hide the export panel
  click 858 44                          # Other model…: a file or a saved run instead
  shoot "evaluate-other$1"
  click 858 44                          # hide it again
}

shots ""
click 1143 12                           # Theme: system → light
shots "-light"
