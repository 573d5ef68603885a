#!/usr/bin/env bash
# Trains each preset with its default config on the full Fashion-MNIST data (release build) and
# prints each run's epoch lines, then a table: preset, epochs, the last epoch's validation
# accuracy (the number to choose settings by: the validation split is held out of the training
# split), test accuracy (measured once per final configuration, to report) and training time.
# Everything printed is also written to bench/results/accuracy-<time>.txt (bench/results.sh).
#
#   bench/accuracy.sh                       # all presets
#   PRESETS="dense binary-dense" bench/accuracy.sh
#   ATELIER_DATA=/path/to/fashion-mnist bench/accuracy.sh   (or pass --data-dir via DATA_DIR=...)
#
# Each run's full log goes to $LOG_DIR (default target/bench-accuracy/<preset>.log).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/results.sh
record_results accuracy "$@"

presets=${PRESETS:-"binary-dense dense cnn cnn-bn fast"}
log_dir=${LOG_DIR:-target/bench-accuracy}
mkdir -p "$log_dir"
data_args=()
[ -n "${DATA_DIR:-}" ] && data_args=(--data-dir "$DATA_DIR")

cargo build --release --quiet --bin atelier
bin=target/release/atelier

rows=()
for preset in $presets; do
    log="$log_dir/$preset.log"
    echo "training $preset (log: $log)" >&2
    if "$bin" "${data_args[@]}" train --preset "$preset" --out "$log_dir/$preset.safetensors" >"$log" 2>&1; then
        status=ok
    else
        status="failed (exit $?)"
    fi
    # The CLI prints "epoch N/M ..." per epoch and, at the end,
    # "test accuracy: 88.91% (loss 0.3123) after 10 epochs in 312.4 s" (training time, pauses excluded).
    echo "## $preset ($status)"
    grep -E '^(epoch +[0-9]+/|test accuracy|data:|training on|stopped|loss diverged)' "$log" || true
    echo
    epochs=$(grep -cE '^epoch +[0-9]+/' "$log" || true)
    validation=$(sed -nE 's/^epoch .* val loss [0-9.]+ acc ([0-9.]+%).*/\1/p' "$log" | tail -1)
    # A preset that answers with flip TTA (`fast`) prints its accuracy with TTA after the plain one.
    accuracy=$(sed -nE 's/^test accuracy( with flip TTA)?: ([0-9.]+%).*/\2/p' "$log" | tail -1)
    grep -q '^test accuracy with flip TTA' "$log" && accuracy="$accuracy (flip TTA)"
    seconds=$(sed -nE 's/^test accuracy: .* in ([0-9.]+) s$/\1/p' "$log" | tail -1)
    rows+=("$(printf '| %-12s | %6s | %19s | %13s | %10s s | %s |' "$preset" "$epochs" "${validation:-n/a}" "${accuracy:-n/a}" "${seconds:-n/a}" "$status")")
done

echo "| preset       | epochs | validation accuracy | test accuracy | train time   | status |"
echo "|--------------|--------|---------------------|---------------|--------------|--------|"
printf '%s\n' "${rows[@]}"
