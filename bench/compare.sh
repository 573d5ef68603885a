#!/usr/bin/env bash
# PyTorch against atelier, same architectures, batch 128, Adam, same thread count, interleaved
# runs (the machine is shared and noisy): prints every raw line, then the medians and the ratio.
#   bench/compare.sh [--runs 3] [--threads 2] [--steps 300]
# Needs bench/setup_pytorch.sh once.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/results.sh
record_results compare "$@"
runs=3; threads=2; steps=300
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
python=bench/.venv/bin/python
[ -x "$python" ] || { echo "run bench/setup_pytorch.sh first" >&2; exit 2; }
raw=$(mktemp)
for run in $(seq "$runs"); do
  for model in dense cnn; do
    "$python" bench/pytorch_reference.py --model "$model" --threads "$threads" --steps "$steps" | tee -a "$raw"
    bench/throughput.sh --threads "$threads" --steps "$steps" "$model" | tee -a "$raw"
  done
done
echo
python3 - "$raw" <<'PY'
import re, statistics, sys
rates = {}
for line in open(sys.argv[1]):
    m = re.match(r"(pytorch|atelier) (\w+) .*images_per_sec=(\d+)", line)
    if m:
        rates.setdefault((m[1], m[2]), []).append(int(m[3]))
print(f"{'model':<7} {'pytorch img/s':>14} {'atelier img/s':>14} {'ratio':>6}   (medians of {len(next(iter(rates.values())))} interleaved runs)")
for model in ("dense", "cnn"):
    p, a = statistics.median(rates[("pytorch", model)]), statistics.median(rates[("atelier", model)])
    print(f"{model:<7} {p:>14.0f} {a:>14.0f} {a / p:>6.2f}")
PY
rm -f "$raw"
