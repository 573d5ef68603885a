#!/usr/bin/env bash
# The Predict tab with pictures as phones make them (issue 17), under Xvfb: a phone photo whose
# pixels are stored turned with an EXIF Orientation tag (written by exiftool, not by Atelier), and a
# red dress on a beige wall. Saves into target/screenshots/:
#   predict-phone.png    the turned phone photo: upright in every step, the grayscale step says so
#   predict-colour.png   the red dress: the background model keeps its contrast
#
#   MODEL=model.safetensors scripts/predict_photos_demo.sh      # else a small CNN is trained first
#
# Needs: xvfb xdotool imagemagick (/usr/bin/convert), exiftool (libimage-exiftool-perl), libgl1
# libegl1 libgl1-mesa-dri, the data set.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${MODEL:+$(realpath "$MODEL")}

. scripts/lib/xvfb_session.sh
out=target/screenshots
mkdir -p "$out"
log=$out/predict-photos-app.log
rm -f "$log"
work=$home/work && mkdir -p "$work"

if [ -z "$model" ]; then
  model=$work/cnn.safetensors
  "$binary" train --preset "${PRESET:-cnn}" --epochs "${EPOCHS:-1}" --out "$model"
fi
"$binary" data export-png --count 40 --out "$work/pngs"
# A phone photo: a boot, dark on a light page, taken with the phone held sideways: the pixels are
# stored turned a quarter to the left, and the EXIF tag says "turn right to view" (6).
boot=$(ls "$work"/pngs/*ankle_boot*.png | head -1)
/usr/bin/convert "$boot" -negate -filter Lanczos -resize 3000% -background '#f2f0ec' -gravity center \
  -extent 1200x900 -rotate -90 -quality 90 "$work/phone.jpg"
exiftool -q -overwrite_original -n -Orientation=6 "$work/phone.jpg"
# A red dress on a beige wall: black → red, white → beige.
dress=$(ls "$work"/pngs/*dress*.png | head -1)
/usr/bin/convert "$dress" -negate -colorspace sRGB -type TrueColor -filter Lanczos -resize 2000% +level-colors '#b0202a,#eadcc4' \
  -background '#eadcc4' -gravity northwest -splice 160x60 -extent 900x700 -quality 90 "$work/dress.jpg"

start_app() { SETTLE_SECS=${SETTLE_SECS:-10} launch_app "$log" "$@"; }
stop_app() {
  kill "$app_pid" 2>/dev/null || true
  wait "$app_pid" 2>/dev/null || true
  app_pid=
}

start_app "$model" "$work/phone.jpg"
shoot predict-phone
stop_app
start_app "$model" "$work/dress.jpg"
shoot predict-colour
stop_app
cp "$work/phone.jpg" "$work/dress.jpg" "$out/"
