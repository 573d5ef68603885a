#!/usr/bin/env bash
# Installs the PyTorch reference (CPU use only) into bench/.venv for bench/pytorch_reference.py.
#
# PyPI's Linux torch wheel links its CUDA libraries at load time (libtorch.so needs
# libtorch_cuda.so, which needs cuBLAS, cuDNN, NCCL, …), so `import torch` fails unless the
# nvidia-* wheels are there, even on a machine without a GPU; the CPU-only wheels live on an
# index this machine cannot reach. So we install the wheel with its dependencies (~5.4 GB on
# disk, about a minute here) and only ever run it on the CPU.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
# Pinned: the README and PERF.md compare against this version; a newer one may be faster or slower.
.venv/bin/pip install --quiet "torch==2.15.0" "numpy==2.4.6"
.venv/bin/python -c 'import torch; print("torch", torch.__version__, "mkldnn:", torch.backends.mkldnn.is_available())'
