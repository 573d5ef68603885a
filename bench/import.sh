#!/usr/bin/env bash
# Import speed: a folder of generated pictures (default 10,000: mixed PNG and JPEG, sides 48-320 px,
# 5 class folders, from examples/make_pictures.rs) imported with the release CLI into a private
# store (full preprocessing, as Predict). Prints the import time and peak memory, and writes the raw
# output with date, commit and CPU to bench/results/import-<date>.txt.
#   bench/import.sh [COUNT] [CLASSES]        (goal: 10,000 pictures in under 10 s on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-10000}; classes=${2:-5}
# The same release binary as the other bench scripts (one release build serves them all). The
# picture generator is an example, which links the dev-dependencies (kittest, eframe): its debug
# build (dependencies optimised) is fast enough and already there after `cargo test`.
cargo build --release --quiet --bin atelier >&2
cargo build --example make_pictures >&2
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
target/debug/examples/make_pictures "$work/pictures" "$count" "$classes" >&2
# Read once so the timed import measures decoding, not a cold disk.
cat "$work"/pictures/*/* > /dev/null
log=$(mktemp); trap 'rm -rf "$work" "$log"' EXIT
started=$(date +%s.%N)
XDG_DATA_HOME="$work/share" /usr/bin/time -v target/release/atelier data import "$work/pictures" \
  --name bench 2>"$log" | tee "$work/report.txt"
finished=$(date +%s.%N)
seconds=$(echo "$finished - $started" | bc)
rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$log")
# CPU seconds say what the import costs when other work shares the cores (wall time then grows).
cpu_seconds=$(awk -F: '/User time|System time/ {sum += $2} END {printf "%.1f", sum}' "$log")
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
flags=$(grep -o -w -E 'avx512f|avx2|fma' /proc/cpuinfo | sort -u | tr '\n' ' ')
summary="import pictures=$count classes=$classes seconds=$seconds pictures_per_sec=$(echo "$count / $seconds" | bc) cpu_seconds=$cpu_seconds peak_rss_mb=$((rss_kb / 1024)) cores=$(nproc)"
echo "$summary"
mkdir -p bench/results
result="bench/results/import-$(date -u +%Y%m%dT%H%M%SZ).txt"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
  echo "cpu: $cpu; flags: $flags; cores: $(nproc); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "command: bench/import.sh $count $classes"
  echo "pictures: $(du -sh "$work/pictures" | cut -f1) on disk"
  echo "$summary"
  echo "--- atelier data import output"
  cat "$work/report.txt"
  echo "--- /usr/bin/time -v"
  cat "$log"
} > "$result"
echo "raw output: $result"
