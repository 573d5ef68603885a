#!/usr/bin/env bash
# Your own pictures, as a user sees them: 26 letter classes (examples/make_letters.rs) imported with
# the CLI, opened in the window, trained there (cnn, sized to 26 classes), evaluated and used to
# predict a picture; saves own-data-{dataset,model,train,evaluate,predict}.png in target/screenshots.
#   scripts/own_data_demo.sh            (PROFILE=release for the release build; SIZE=1024x700 works)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --example make_letters
letters_bin=$PWD/target/debug/examples/make_letters

. scripts/lib/xvfb_session.sh
out=target/screenshots
mkdir -p "$out"
log=$out/own-data-demo.log
: >"$log"

"$letters_bin" "$home/letters" "${PER_CLASS:-150}" 26 >>"$log"
"$binary" data import "$home/letters" --name letters --resize-only >>"$log" 2>&1
store=$XDG_DATA_HOME/atelier/datasets/letters
[ -f "$store/dataset.json" ] || { echo "the import failed:"; cat "$log"; exit 1; }

launch_app "$log" --data-dir "$store"

shoot own-data-dataset
key ctrl+2 && sleep 1
shoot own-data-model
key ctrl+3 && sleep 1.5
click 120 95 0.4   # the Epochs field
key ctrl+a; xdotool type "${EPOCHS:-12}"; key Return; sleep 0.5
click 120 121 0.4  # the Batch size field: a small set learns better in small batches
key ctrl+a; xdotool type 32; key Return; sleep 0.5
click 416 77 0.2   # Start
runs=$XDG_DATA_HOME/atelier/runs
for _ in $(seq 1 400); do
  [ -n "$(find "$runs" -name run.json 2>/dev/null | head -1)" ] && break
  sleep 1
done
sleep 2
shoot own-data-train
key ctrl+4 && sleep 1.5
# "Evaluate on N test images", then a moment for the 26×26 matrix.
click "${EVALUATE_X:-540}" "${EVALUATE_Y:-44}" 5
shoot own-data-evaluate
key ctrl+5 && sleep 1
letter=$(ls "$home/letters/letter B" | head -1)
"$binary" "$home/letters/letter B/$letter" >>"$log" 2>&1 || true   # "Open with": handed to the window
sleep 4
shoot own-data-predict
