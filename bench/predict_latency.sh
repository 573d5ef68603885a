#!/usr/bin/env bash
# Latency of predicting one picture end to end, as the Predict tab and `atelier predict` do it:
# file bytes → decode → grayscale, background, crop, pad, 28×28 → the network's probabilities.
# Median milliseconds over N runs, for an exported 28×28 test PNG and a 420×300 colour photo.
#   bench/predict_latency.sh [--preset cnn] [--model FILE] [--image FILE] [--steps 200] [--threads N]
#   PROFILE=debug bench/predict_latency.sh --steps 20     # a quick check that it runs (slow numbers)
# Prints one line per picture:
#   atelier cnn predict threads=… picture=test-png-28x28 bytes=… median_ms=… with_feature_maps_ms=…
# The target (issue 7): under 5 ms for the CNN in release.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/results.sh
record_results predict_latency "$@"
profile=${PROFILE:-release}
args=("$@")
printf '%s\n' "${args[@]}" | grep -qx -- '--preset' || args+=(--preset cnn)
if [ "$profile" = release ]; then
  bin=target/release/ops_bench
  if [ ! -x "$bin" ] || [ -n "$(find src -newer "$bin" -name '*.rs' | head -1)" ]; then
    cargo build --release --no-default-features --features avx512 --bin ops_bench >&2
  fi
else
  cargo build --no-default-features --features avx512 --bin ops_bench >&2
  bin=target/debug/ops_bench
fi
"$bin" predict "${args[@]}"
