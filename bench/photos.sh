#!/usr/bin/env bash
# The photo test set (issue 17): top-1 of a model on pictures made the way phones and shops make them,
# per kind, next to its accuracy on the plain 28×28 test images.
#   bench/photos.sh MODEL.safetensors [--legacy]       # --legacy: the preparation before issue 17
#   SET=target/photo-set SEEDS=1,2,3 PER_KIND=200 CAMERA_PER_KIND=40 bench/photos.sh MODEL
# The set is generated once from the Fashion-MNIST test images (the same files on every machine for
# the same SEEDS/PER_KIND) into $SET; delete it to make it again. Raw output with date, commit and
# CPU goes to bench/results/photos-<date>-<commit>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: bench/photos.sh MODEL.safetensors [--legacy]}
shift
set_dir=${SET:-target/photo-set}
profile=${PROFILE:-release}
if [ "$profile" = release ]; then
  cargo build --release --bin photo_set >&2
  bin=target/release/photo_set
else
  cargo build --bin photo_set >&2
  bin=target/debug/photo_set
fi
if [ ! -d "$set_dir/tilted-shadow" ]; then
  "$bin" generate --out "$set_dir" --seeds "${SEEDS:-1,2,3}" --per-kind "${PER_KIND:-200}" \
    --camera-per-kind "${CAMERA_PER_KIND:-40}" >&2
fi
commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml || echo -dirty)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
out="bench/results/photos-$(date -u +%Y%m%dT%H%M%SZ)-$commit.txt"
{
  echo "# bench/photos.sh $model $*"
  echo "# date $(date -u +%Y-%m-%dT%H:%M:%SZ) · commit $commit · CPU $cpu ($(nproc) threads)"
  echo "# set $set_dir: $(find "$set_dir" -type f | wc -l) pictures"
  "$bin" score "$model" --set "$set_dir" "$@"
} | tee "$out"
echo "raw output: $out" >&2
