#!/usr/bin/env bash
# PyTorch against atelier, same architectures, batch 128, same thread count, interleaved runs (the
# machine may be shared and noisy): prints every raw line, then the medians and the ratio.
#   bench/compare.sh [--runs 3] [--threads 2] [--steps 300 | --epochs 2] [--avx2] [--models "dense cnn cnn-bn"]
# --steps N: N optimisation steps after 20 untimed ones (atelier: the preset's optimizer).
# --epochs N: N whole epochs (batching, shuffling, augmentation, the first epoch included; atelier
#   does not count its validation pass), which is what a user waits for.
# --avx2: both sides as an AVX2-only CPU runs them: atelier built without its AVX-512 kernels
#   (gemm's `x86-v4` and the AVX-512 optimizer step) in target/avx2, and PyTorch held to its AVX2
#   kernels (ATen's ATEN_CPU_CAPABILITY, MKL's MKL_ENABLE_INSTRUCTIONS, oneDNN's ONEDNN_MAX_CPU_ISA;
#   each PyTorch line ends with the kernel level it ran). Without it, on an AVX-512 CPU both sides
#   run AVX-512.
# Needs bench/setup_pytorch.sh once. Everything printed also goes to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/results.sh
record_results compare "$@"
runs=3; threads=2; steps=300; epochs=0; avx2=0; models="dense cnn cnn-bn"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --avx2) avx2=1; shift ;;
    --models) models=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
python=bench/.venv/bin/python
[ -x "$python" ] || { echo "run bench/setup_pytorch.sh first" >&2; exit 2; }
if [ "$avx2" = 1 ]; then
  target=target/avx2
  cargo build --release --quiet --no-default-features --bin ops_bench --target-dir "$target" >&2
  echo "# atelier path: AVX2 (built without the avx512 feature); PyTorch held to AVX2 kernels"
  export ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2 ONEDNN_MAX_CPU_ISA=AVX2
else
  target=target
  cargo build --release --quiet --no-default-features --features avx512 --bin ops_bench >&2
  echo "# atelier path: AVX-512 where the CPU has it (avx512 feature)"
fi
bin=$target/release/ops_bench
if [ "$epochs" -gt 0 ]; then
  mode=(--epochs "$epochs")
else
  mode=(--steps "$steps")
fi
raw=$(mktemp)
for run in $(seq "$runs"); do
  for model in $models; do
    "$python" bench/pytorch_reference.py --model "$model" --threads "$threads" "${mode[@]}" | tee -a "$raw"
    "$bin" train --preset "$model" --threads "$threads" "${mode[@]}" | tee -a "$raw"
  done
done
echo
python3 - "$raw" $models <<'PY'
import re, statistics, sys
rates = {}
for line in open(sys.argv[1]):
    m = re.match(r"(pytorch|atelier) (\S+) .*images_per_sec=(\d+)", line)
    if m:
        rates.setdefault((m[1], m[2]), []).append(int(m[3]))
runs = len(next(iter(rates.values())))
print(f"{'model':<7} {'pytorch img/s':>14} {'atelier img/s':>14} {'ratio':>6}   (medians of {runs} interleaved runs)")
for model in sys.argv[2:]:
    p, a = statistics.median(rates[("pytorch", model)]), statistics.median(rates[("atelier", model)])
    print(f"{model:<7} {p:>14.0f} {a:>14.0f} {a / p:>6.2f}")
PY
rm -f "$raw"
