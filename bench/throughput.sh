#!/usr/bin/env bash
# Training throughput of atelier's real training loop (training::train on the real data, batch 128,
# the preset's optimizer): images/s and ms/step over a fixed number of steps, and peak RSS.
#   bench/throughput.sh [--threads N] [--steps N] [preset ...]     (default: dense cnn)
# Prints one line per preset:
#   atelier cnn threads=2 batch=128 steps=300 images_per_sec=… ms_per_step=… peak_rss_mb=…
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/results.sh
record_results throughput "$@"
threads=$(nproc); steps=300; presets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    *) presets+=("$1"); shift ;;
  esac
done
[ ${#presets[@]} -gt 0 ] || presets=(dense cnn)
bin=target/release/ops_bench
if [ ! -x "$bin" ] || [ -n "$(find src -newer "$bin" -name '*.rs' | head -1)" ]; then
  cargo build --release --no-default-features --features avx512 --bin ops_bench >&2
fi
for preset in "${presets[@]}"; do
  log=$(mktemp)
  /usr/bin/time -v "$bin" train --preset "$preset" --threads "$threads" --steps "$steps" 2>"$log" \
    | tr -d '\n'
  rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$log")
  echo " peak_rss_mb=$((rss_kb / 1024))"
  rm -f "$log"
done
