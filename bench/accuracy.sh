#!/usr/bin/env bash
# Trains each preset with its default config on the full Fashion-MNIST data (release build) and
# prints each run's epoch lines, then a table: preset, epochs, the last epoch's validation
# accuracy (the number to choose settings by: the validation split is held out of the training
# split), test accuracy (measured once per final configuration, to report) and training time.
# Everything printed is also written to bench/results/accuracy-<time>.txt (bench/results.sh).
#
#   bench/accuracy.sh                       # all presets, seed 1 (the presets' default)
#   PRESETS="dense binary-dense" bench/accuracy.sh
#   PRESETS=best SEEDS="1 2 3" bench/accuracy.sh   # three seeds each, then their median
#   ATELIER_DATA=/path/to/fashion-mnist bench/accuracy.sh   (or pass --data-dir via DATA_DIR=...)
#
# Each run's full log goes to $LOG_DIR (default target/bench-accuracy/<preset>[-seed-N].log).
# "wall time" is what the user waits for: the whole command, data load and final evaluation
# included; "train time" is what the CLI reports (epochs and validation, pauses excluded).
# BUILD_FLAGS="--no-default-features --features avx512" times the command-line-only build (the
# same training code, without compiling the GUI in release).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/results.sh
record_results accuracy "$@"

presets=${PRESETS:-"binary-dense dense cnn cnn-bn fast best"}
seeds=${SEEDS:-""}
log_dir=${LOG_DIR:-target/bench-accuracy}
mkdir -p "$log_dir"
data_args=()
[ -n "${DATA_DIR:-}" ] && data_args=(--data-dir "$DATA_DIR")

cargo build --release --quiet --bin atelier ${BUILD_FLAGS:-}
bin=target/release/atelier

rows=() accuracies=()
for preset in $presets; do
    for seed in ${seeds:-default}; do
        seed_args=() name=$preset
        [ "$seed" != default ] && seed_args=(--seed "$seed") name="$preset-seed-$seed"
        log="$log_dir/$name.log"
        echo "training $name (log: $log)" >&2
        started=$(date +%s.%N)
        if "$bin" "${data_args[@]}" train --preset "$preset" "${seed_args[@]}" --out "$log_dir/$name.safetensors" >"$log" 2>&1; then
            status=ok
        else
            status="failed (exit $?)"
        fi
        wall=$(awk -v from="$started" -v to="$(date +%s.%N)" 'BEGIN { printf "%.1f", to - from }')
        # The CLI prints "epoch N/M ..." per epoch and, at the end,
        # "test accuracy: 88.91% (loss 0.3123) after 10 epochs in 312.4 s" (training time, pauses excluded).
        echo "## $name ($status)"
        grep -E '^(epoch +[0-9]+/|test accuracy|data:|training on|stopped|loss diverged)' "$log" || true
        echo
        epochs=$(grep -cE '^epoch +[0-9]+/' "$log" || true)
        validation=$(sed -nE 's/^epoch .* val loss [0-9.]+ acc ([0-9.]+%).*/\1/p' "$log" | tail -1)
        # A preset that answers with test-time augmentation prints its accuracy with it ("test
        # accuracy with flip TTA: …", "… with flip + shift TTA: …") after the plain one: what the
        # model answers is the number to report.
        accuracy=$(sed -nE 's/^test accuracy( with [^:]+ TTA)?: ([0-9.]+%).*/\2/p' "$log" | tail -1)
        tta=$(sed -nE 's/^test accuracy with ([^:]+ TTA): .*/\1/p' "$log" | tail -1)
        [ -n "$tta" ] && accuracy="$accuracy ($tta)"
        seconds=$(sed -nE 's/^test accuracy: .* in ([0-9.]+) s$/\1/p' "$log" | tail -1)
        rows+=("$(printf '| %-18s | %6s | %19s | %20s | %10s s | %8.1f s | %s |' "$name" "$epochs" "${validation:-n/a}" "${accuracy:-n/a}" "${seconds:-n/a}" "$wall" "$status")")
        accuracy_number=${accuracy%%%*}
        accuracies+=("$preset ${accuracy_number:-0} $wall")
    done
done

echo "| run                | epochs | validation accuracy | test accuracy        | train time   | wall time  | status |"
echo "|--------------------|--------|---------------------|----------------------|--------------|------------|--------|"
printf '%s\n' "${rows[@]}"
if [ -n "$seeds" ]; then
    echo
    echo "Median over the seeds ($seeds), per preset: test accuracy, longest wall time"
    for preset in $presets; do
        printf '%s\n' "${accuracies[@]}" | awk -v p="$preset" '$1 == p { print $2, $3 }' | sort -n |
            awk -v p="$preset" '{ a[NR] = $1; if ($2 > w) w = $2 }
                END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
                      printf "%s: median %.2f%% (%d seeds), longest run %.1f s (%.1f min)\n", p, m, NR, w, w / 60 }'
    done
fi
