#!/usr/bin/env bash
# Time to accuracy: atelier's fast configuration against PyTorch running the recipe `cnn-bn` uses
# (bench/pytorch_reference.py --recipe cnn-bn: AdamW 2e-3, weight decay 1e-4, cosine, flips,
# batch 64, 15 epochs), interleaved, one seed after the other. Each clock covers everything the
# user waits for: reading the data, training, validation after every epoch, the final test
# evaluation (atelier: the whole `atelier train` process, saving the model included).
# Prints every raw line, then the medians, each run's accuracy and the time ratio; everything is
# also written to bench/results/time_to_accuracy-<time>.txt.
#
#   bench/time_to_accuracy.sh [--seeds "1 2 3"] [--threads 2] [--preset fast] [-- extra train args]
# Needs bench/setup_pytorch.sh once. BUILD_FLAGS="--no-default-features --features avx512" times
# the command-line-only build (the same training code, without compiling the GUI).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/results.sh
record_results time_to_accuracy "$@"
seeds="1 2 3"; threads=2; preset=fast; extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --preset) preset=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
python=bench/.venv/bin/python
[ -x "$python" ] || { echo "run bench/setup_pytorch.sh first" >&2; exit 2; }
cargo build --release --quiet --bin atelier ${BUILD_FLAGS:-}
bin=target/release/atelier
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
raw="$work/raw.txt"
for seed in $seeds; do
  "$python" bench/pytorch_reference.py --recipe cnn-bn --seed "$seed" --threads "$threads" | tee -a "$raw"
  log="$work/atelier-$seed.log"
  started=$(date +%s.%N)
  "$bin" train --preset "$preset" --seed "$seed" --threads "$threads" "${extra[@]}" \
    --out "$work/model-$seed.safetensors" >"$log" 2>&1
  finished=$(date +%s.%N)
  grep -E '^(epoch +[0-9]+/|test accuracy)' "$log"
  validation=$(sed -nE 's/^epoch .* val loss [0-9.]+ acc ([0-9.]+)%.*/\1/p' "$log" | tail -1)
  # The model's own answer: with flip TTA when the preset asks for it (printed after the plain one).
  accuracy=$(sed -nE 's/^test accuracy( with flip TTA)?: ([0-9.]+)%.*/\2/p' "$log" | tail -1)
  total=$(python3 -c "print(f'{$finished - $started:.1f}')")
  echo "atelier-recipe $preset seed=$seed threads=$threads total_secs=$total val_accuracy=${validation:-0} test_accuracy=${accuracy:-0}" | tee -a "$raw"
done
echo
python3 - "$raw" "$preset" <<'PY'
import re, statistics, sys
runs = {"pytorch-recipe": [], "atelier-recipe": []}
for line in open(sys.argv[1]):
    m = re.match(r"(pytorch-recipe|atelier-recipe) \S+ seed=(\d+) .*total_secs=([\d.]+) val_accuracy=([\d.]+) test_accuracy=([\d.]+)", line)
    if m:
        runs[m[1]].append((int(m[2]), float(m[3]), float(m[4]), float(m[5])))
names = {"pytorch-recipe": "pytorch cnn-bn recipe (15 epochs)", "atelier-recipe": f"atelier {sys.argv[2]}"}
print(f"{'':<36} {'median s':>9} {'median test %':>14}   seeds: test % (validation %)")
medians = {}
for key, rows in runs.items():
    if not rows:
        continue
    secs = statistics.median(r[1] for r in rows)
    acc = statistics.median(r[3] for r in rows)
    medians[key] = secs
    each = ", ".join(f"{r[0]}: {r[3]:.2f} ({r[2]:.2f})" for r in rows)
    print(f"{names[key]:<36} {secs:>9.1f} {acc:>14.2f}   {each}")
if len(medians) == 2:
    print(f"time ratio (pytorch / atelier): {medians['pytorch-recipe'] / medians['atelier-recipe']:.2f}")
PY
