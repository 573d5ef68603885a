#!/usr/bin/env bash
# Installs onnx, onnxruntime, Pillow and NumPy from PyPI into bench/.venv-onnx for
# bench/onnx_check.sh (the README's "Use your model elsewhere" example, run on the test set).
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv-onnx
.venv-onnx/bin/pip install --quiet --upgrade pip
.venv-onnx/bin/pip install --quiet onnx onnxruntime pillow numpy
.venv-onnx/bin/python -c 'import onnx, onnxruntime; print("onnx", onnx.__version__, "onnxruntime", onnxruntime.__version__)'
