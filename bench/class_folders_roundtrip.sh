#!/usr/bin/env bash
# Issue 16, acceptance 1: Fashion-MNIST exported as class folders (both splits), imported back, and
# `cnn` trained 10 epochs on it and on the built-in data with the same seed; the two test accuracies
# should be within 0.5 points. (The import keeps every picture bit for bit with --resize-only, see
# tests/data_import.rs, but orders them by class, so the shuffles and the two runs differ a little.)
#   bench/class_folders_roundtrip.sh [EPOCHS] [SEED]      (needs `atelier train --data NAME`)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/results.sh
record_results class_folders_roundtrip "$@"
epochs=${1:-10}; seed=${2:-1}
data=/usr/share/datasets/fashion-mnist
cargo build --release --quiet --bin atelier >&2
bin=target/release/atelier
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/share"
start=$(date +%s)
"$bin" --data-dir "$data" data export-png --split both --class-folders --out "$work/fashion"
echo "export: $(( $(date +%s) - start )) s"
start=$(date +%s)
"$bin" data import "$work/fashion" --name fashion-folders --resize-only
echo "import: $(( $(date +%s) - start )) s"
"$bin" data list
"$bin" --data-dir "$data" train --preset cnn --epochs "$epochs" --seed "$seed" --out "$work/builtin.safetensors" \
  | tee "$work/builtin.txt"
"$bin" train --data fashion-folders --preset cnn --epochs "$epochs" --seed "$seed" \
  --out "$work/imported.safetensors" | tee "$work/imported.txt"
echo "built-in: $(grep -i 'test accuracy' "$work/builtin.txt" | tail -1)"
echo "imported: $(grep -i 'test accuracy' "$work/imported.txt" | tail -1)"
