#!/usr/bin/env bash
# Exports trained models of the dense, cnn and cnn-bn presets as ONNX and runs the README's Python
# example (onnxruntime + Pillow) over the whole test set: its accuracy must equal `atelier evaluate`'s
# to 0.01 points, and onnx.checker.check_model(full_check=True) must pass. Raw output goes to
# bench/results/onnx_check-<date>.txt with the commit and CPU.
#
#   bench/onnx_check.sh                      # trains each preset for EPOCHS (default 2) epochs first
#   MODELS_DIR=dir bench/onnx_check.sh       # or uses dir/<preset>.safetensors where present
#   DATA_DIR=/usr/share/datasets/fashion-mnist (default) PRESETS="dense cnn cnn-bn" EPOCHS=2
#   ATELIER_BIN=path/to/atelier              # skip the release build, use this binary
#
# Needs bench/setup_onnx.sh once (onnx, onnxruntime, Pillow, NumPy into bench/.venv-onnx).
set -euo pipefail
cd "$(dirname "$0")/.."

presets=${PRESETS:-"dense cnn cnn-bn"}
epochs=${EPOCHS:-2}
data_dir=${DATA_DIR:-/usr/share/datasets/fashion-mnist}
models_dir=${MODELS_DIR:-target/bench-onnx}
python=bench/.venv-onnx/bin/python
[ -x "$python" ] || bench/setup_onnx.sh
mkdir -p "$models_dir" bench/results

find_file() { # the idx file, gzipped or not
    for name in "$data_dir/$1" "$data_dir/$1.gz"; do [ -f "$name" ] && { echo "$name"; return; }; done
    echo "missing $data_dir/$1(.gz)" >&2; exit 1
}
images=$(find_file t10k-images-idx3-ubyte)
labels=$(find_file t10k-labels-idx1-ubyte)

if [ -n "${ATELIER_BIN:-}" ]; then
    bin=$ATELIER_BIN    # a binary built earlier (the commit line then says the tree's, not its)
else
    cargo build --release --quiet --bin atelier
    bin=target/release/atelier
fi
out="bench/results/onnx_check-$(date -u +%Y-%m-%dT%H%M%SZ).txt"
{
    echo "date:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' (modified)')"
    echo "cpu:    $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
    echo "data:   $data_dir"
    echo
} | tee "$out"

rows=()
for preset in $presets; do
    model="$models_dir/$preset.safetensors"
    if [ ! -f "$model" ]; then
        echo "training $preset for $epochs epochs" >&2
        "$bin" --data-dir "$data_dir" train --preset "$preset" --epochs "$epochs" --out "$model" >"$models_dir/$preset.train.log" 2>&1
    fi
    onnx="$models_dir/$preset.onnx"
    {
        echo "== $preset"
        "$bin" --data-dir "$data_dir" export "$model" --onnx "$onnx"
        "$bin" --data-dir "$data_dir" evaluate "$model" | grep -E '^(model|data|accuracy):'
        "$python" bench/onnx_predict.py "$onnx" "$images" "$labels"
        echo
    } 2>&1 | tee -a "$out" | tee "$models_dir/$preset.check.log"
    atelier=$(sed -nE 's/^accuracy: ([0-9.]+)%.*/\1/p' "$models_dir/$preset.check.log")
    ort=$(sed -nE 's/^onnxruntime .* accuracy: ([0-9.]+)%.*/\1/p' "$models_dir/$preset.check.log")
    checker=$(grep -q 'check_model(full_check=True): passed' "$models_dir/$preset.check.log" && echo passed || echo FAILED)
    same=$([ -n "$atelier" ] && [ "$atelier" = "$ort" ] && echo yes || echo NO)
    rows+=("$(printf '| %-7s | %16s %% | %18s %% | %5s | %-7s |' "$preset" "${atelier:-n/a}" "${ort:-n/a}" "$same" "$checker")")
done

{
    echo "| preset  | atelier evaluate   | onnxruntime (README) | same  | checker |"
    echo "|---------|--------------------|----------------------|-------|---------|"
    printf '%s\n' "${rows[@]}"
} | tee -a "$out"
echo "raw results: $out" >&2
