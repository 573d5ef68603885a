#!/usr/bin/env bash
# Screenshots of "Export as ONNX". Trains a small dense model with the CLI (one epoch, on the data the
# app finds), starts Atelier under Xvfb, opens the model from the Evaluate tab's "Model file" field,
# opens the ONNX row with "Export as ONNX…", exports, and saves into target/screenshots/:
#   onnx-export.png          the Evaluate tab after the export: the file and the tract check's result
#   onnx-export-failed.png   the same row after exporting into a path that cannot be written
#
#   scripts/onnx_export_demo.sh
#   SCREENSHOT_DISPLAY=:102 PROFILE=release scripts/onnx_export_demo.sh
#
# Needs: xvfb xauth xdotool imagemagick libgl1 libegl1 libgl1-mesa-dri. Coordinates are for the
# 1280×800 window the script opens.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/xvfb_session.sh
out=target/screenshots
mkdir -p "$out"
rm -f "$out/onnx-app.log"

model=$home/dense.safetensors
echo "training a dense model for one epoch (the CLI)…"
"$binary" train --preset dense --epochs 1 --out "$model" | tail -2

click_pause=1
launch_app "$out/onnx-app.log"

key ctrl+4 && sleep 1.5
click 300 221 0.5                       # the Model file field
xdotool type --delay 60 "$model" && sleep 1
click 580 222 "${EVALUATE_SECS:-10}"    # Open and evaluate
click "${ONNX_BUTTON_X:-858}" 44 1      # Export as ONNX…
click 200 76 0.5                        # the Export as ONNX field
xdotool key ctrl+a && xdotool type --delay 60 "$home/dense.onnx" && sleep 1
click "${EXPORT_X:-547}" 76 "${EXPORT_SECS:-8}"   # Export
shoot onnx-export
echo "exported: $(ls -l "$home/dense.onnx" 2>/dev/null || echo 'nothing')"
touch "$home/not-a-folder"
click 200 76 0.5
xdotool key ctrl+a && xdotool type --delay 60 "$home/not-a-folder/dense.onnx" && sleep 1
click "${EXPORT_X:-547}" 76 "${EXPORT_SECS:-8}"
shoot onnx-export-failed
