#!/usr/bin/env bash
# The Predict tab under Xvfb, for the README and for looking at it: trains a small CNN with the CLI
# (one .safetensors file), exports test PNGs, makes a photo-like picture (light background, colour,
# not square) and a few bad files, then saves into target/screenshots/:
#   predict.png             pictures dropped as command-line files: table, answer, bars, steps (dark)
#   predict-inside.png      the detail scrolled down: the first conv layer's filters and feature maps
#   predict-light.png       the same after a restart in the light theme
#   predict-open-with.png   `atelier photo.png` alone: the model remembered from the last session
#                           reopens and the picture is predicted at start (what "Open with" does)
#   predict-pasted.png      a picture put on the clipboard (xclip) and pasted with Ctrl+V, when
#                           xclip is installed
#
#   scripts/predict_demo.sh                       # debug build
#   SCREENSHOT_DISPLAY=:103 EPOCHS=1 scripts/predict_demo.sh
#
# Needs: xvfb xdotool imagemagick (/usr/bin/convert), libgl1 libegl1 libgl1-mesa-dri, the data set.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/xvfb_session.sh
out=target/screenshots
mkdir -p "$out"
log=$out/predict-app.log
rm -f "$log"

work=$home/work && mkdir -p "$work/bad"

# A small CNN (two conv layers) trains in well under a minute on the full set.
cat >"$work/small-cnn.json" <<'EOF'
{"name": "small-cnn", "layers": [{"type": "Conv2d", "filters": 8, "kernel": 3}, {"type": "Relu"},
  {"type": "MaxPool", "size": 2}, {"type": "Conv2d", "filters": 16, "kernel": 3}, {"type": "Relu"},
  {"type": "MaxPool", "size": 2}, {"type": "Flatten"}, {"type": "Dense", "units": 10}]}
EOF
"$binary" train --spec "$work/small-cnn.json" --epochs "${EPOCHS:-3}" --out "$work/small-cnn.safetensors"
"$binary" data export-png --count 12 --out "$work/pngs"
# A product shot: a boot from the test set, dark on a light, off-centre, non-square page, in colour.
boot=$(ls "$work"/pngs/*ankle_boot*.png | head -1)
/usr/bin/convert "$boot" -negate -filter Lanczos -resize 800% -fill '#6b3a1e' -tint 60 \
  -background white -gravity northwest -splice 90x40 -extent 420x300 "$work/photo.png"
: >"$work/bad/empty.png"
echo "not a picture" >"$work/bad/notes.png"
head -c 70 "$boot" >"$work/bad/truncated.png"

window=
start_app() { SETTLE_SECS=${SETTLE_SECS:-8} launch_app "$log" "$@"; }
quit_app() {  # Ctrl+Q saves the settings (the current model among them)
  xdotool windowfocus --sync "$window" 2>/dev/null || true
  xdotool key ctrl+q
  for _ in $(seq 1 20); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.5; done
}

# The model file and the pictures as command-line files: the model opens first, then all predict.
start_app "$work/small-cnn.safetensors" "$work/photo.png" "$work"/pngs/*.png "$work"/bad/*.png
shoot predict
# Scroll the detail view down to the filters and feature maps.
xdotool mousemove --window "$window" 1000 500
for _ in $(seq 1 15); do xdotool click 5; sleep 0.05; done
sleep 0.8
shoot predict-inside
quit_app

saved=$XDG_DATA_HOME/atelier/app.ron
[ -f "$saved" ] || { echo "no settings saved at $saved"; exit 1; }
grep -o 'current_model:Some([A-Za-z]*' "$saved" || { echo "the current model was not remembered"; exit 1; }
sed -i 's/theme:System/theme:Light/; s/theme:Dark/theme:Light/' "$saved"
start_app "$work/small-cnn.safetensors" "$work/photo.png" "$work"/pngs/*.png "$work"/bad/*.png
shoot predict-light
quit_app

# "Open with Atelier": one picture, no model named; the remembered model answers it.
sed -i 's/theme:Light/theme:Dark/' "$saved"
start_app "$work/photo.png"
shoot predict-open-with
quit_app

if command -v xclip >/dev/null; then
  /usr/bin/convert "$work"/pngs/00001_*.png -negate -resize 600% -background white -gravity center \
    -extent 300x220 "$work/paste.png"
  start_app
  xclip -selection clipboard -t image/png -i "$work/paste.png" &
  clip_pid=$!
  sleep 1
  xdotool windowfocus --sync "$window" 2>/dev/null || true
  xdotool key ctrl+v
  sleep 3
  shoot predict-pasted
  kill "$clip_pid" 2>/dev/null || true
  quit_app
fi
