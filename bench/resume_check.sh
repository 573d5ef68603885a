#!/usr/bin/env bash
# Issue 15, acceptance 3 on the full data: `cnn` trained 5 epochs (of 10) and stopped, then resumed
# from its resume file for the other 5, against the same 10 epochs in one go. Every tensor of the
# two model files must be equal bit for bit. Raw output to bench/results/resume_check-<time>.txt.
#   bench/resume_check.sh [PRESET] [EPOCHS] [STOP_AFTER]       (defaults: cnn 10 5)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/results.sh
record_results resume_check "$@"
preset=${1:-cnn}; epochs=${2:-10}; stop_after=${3:-5}
data=${DATA_DIR:-/usr/share/datasets/fashion-mnist}
cargo build --release --quiet --bin atelier >&2
bin=target/release/atelier
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/share"
echo "## $preset: $stop_after epochs of $epochs, stopped"
"$bin" --data-dir "$data" train --preset "$preset" --epochs "$epochs" --stop-after "$stop_after" \
  --out "$work/first.safetensors" | grep -E '^(epoch|test accuracy|stopped|resume)' || true
echo "## resumed to $epochs"
"$bin" --data-dir "$data" train --resume "$work/first.resume.safetensors" --out "$work/resumed.safetensors" \
  | grep -E '^(epoch|test accuracy|resum)' || true
echo "## $epochs epochs in one go"
"$bin" --data-dir "$data" train --preset "$preset" --epochs "$epochs" --out "$work/whole.safetensors" \
  | grep -E '^(epoch|test accuracy)' || true
python3 - "$work/resumed.safetensors" "$work/whole.safetensors" <<'PY'
import json, struct, sys

def tensors(path):
    with open(path, "rb") as file:
        size = struct.unpack("<Q", file.read(8))[0]
        header = json.loads(file.read(size))
        data = file.read()
    header.pop("__metadata__", None)
    return {name: data[start:end] for name, (start, end) in
            ((name, entry["data_offsets"]) for name, entry in header.items())}

resumed, whole = (tensors(path) for path in sys.argv[1:3])
same = sorted(name for name in whole if resumed.get(name) == whole[name])
differ = sorted(set(whole) ^ set(resumed) | {name for name in whole if resumed.get(name) != whole[name]})
print(f"tensors: {len(whole)}; bit-identical: {len(same)}; different: {len(differ)} {differ[:5]}")
print("RESULT:", "bit-identical" if not differ else "DIFFERENT")
sys.exit(1 if differ else 0)
PY
