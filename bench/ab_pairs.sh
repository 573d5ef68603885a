#!/usr/bin/env bash
# Interleaved A/B pairs of `ops_bench train`: two builds (or one build under two environments)
# run one after the other, N times, and the script prints each pair's rate ratio B/A and their
# median. On a shared host whose speed drifts by ±20% within minutes, only ratios of runs made
# seconds apart mean anything; this is how bench/PERF.md's "×1.05 in interleaved pairs" are made.
#
#   bench/ab_pairs.sh OLD_OPS_BENCH NEW_OPS_BENCH            # two binaries, preset best
#   PRESET=fast PAIRS=10 bench/ab_pairs.sh old/ops_bench target/release/ops_bench
#   ENV_B="RAYON_NUM_THREADS=1" bench/ab_pairs.sh target/release/ops_bench target/release/ops_bench
#
# A binary to compare against: `git worktree add /tmp/old <commit> && (cd /tmp/old && cargo build
# --release --bin ops_bench)`; its target/release/ops_bench is A. STEPS (default 40) steps are
# timed after WARMUP (default 8). Results go to bench/results/ab_pairs-<time>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/results.sh
if [ $# -ne 2 ]; then
    echo "usage: bench/ab_pairs.sh A_OPS_BENCH B_OPS_BENCH (see the comment at the top)" >&2
    exit 2
fi
a=$1 b=$2
for binary in "$a" "$b"; do
    [ -x "$binary" ] || { echo "error: $binary is not an executable ops_bench" >&2; exit 2; }
done
record_results ab_pairs "$@"
preset=${PRESET:-best} pairs=${PAIRS:-8} steps=${STEPS:-40} warmup=${WARMUP:-8}
echo "A: ${ENV_A:-} $a"
echo "B: ${ENV_B:-} $b"
echo "preset $preset, $pairs pairs of $steps timed steps after $warmup"
rate() { # environment, binary → images/s
    env ${1:+$1} "$2" train --preset "$preset" --steps "$steps" --warmup "$warmup" |
        sed -nE 's/.*images_per_sec=([0-9]+).*/\1/p'
}
ratios=()
for pair in $(seq "$pairs"); do
    rate_a=$(rate "${ENV_A:-}" "$a")
    rate_b=$(rate "${ENV_B:-}" "$b")
    ratio=$(awk -v a="$rate_a" -v b="$rate_b" 'BEGIN { printf "%.3f", b / a }')
    ratios+=("$ratio")
    echo "pair $pair: A $rate_a B $rate_b images/s, B/A $ratio"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END {
    median = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "median B/A %.3f over %d pairs (min %.3f, max %.3f)\n", median, NR, v[1], v[NR] }'
