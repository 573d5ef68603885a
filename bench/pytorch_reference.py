#!/usr/bin/env python3
"""Trains atelier's `dense` and `cnn` presets with PyTorch on the CPU and prints images/s.

Same architectures (dense: 235,146 parameters; cnn: 225,034), Adam (lr 1e-3), batch 128,
cross-entropy on logits, real Fashion-MNIST training images scaled to 0..1, shuffled each epoch.
The first `--warmup` steps are not timed. One line per model:
    pytorch dense threads=2 batch=128 steps=300 images_per_sec=41234 ms_per_step=3.10
Run `bench/setup_pytorch.sh` first.
"""
import argparse
import gzip
import os
import struct
import time

import numpy as np
import torch
from torch import nn

DATA_DIRS = [os.environ.get("ATELIER_DATA", ""), "data/fashion-mnist", "/usr/share/datasets/fashion-mnist"]


def read_idx(name):
    for folder in DATA_DIRS:
        for candidate in (os.path.join(folder, name + ".gz"), os.path.join(folder, name)):
            if folder and os.path.exists(candidate):
                opener = gzip.open if candidate.endswith(".gz") else open
                with opener(candidate, "rb") as f:
                    raw = f.read()
                ndim = raw[3]
                dims = struct.unpack(">" + "I" * ndim, raw[4 : 4 + 4 * ndim])
                return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
    raise SystemExit(f"{name} not found in {DATA_DIRS}")


def build(model):
    if model == "dense":
        return nn.Sequential(
            nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10),
        )
    if model == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10),
        )
    raise SystemExit(f"unknown model {model}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["dense", "cnn"], action="append")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    images = torch.from_numpy(read_idx("train-images-idx3-ubyte").astype(np.float32) / 255.0).unsqueeze(1)
    labels = torch.from_numpy(read_idx("train-labels-idx1-ubyte").astype(np.int64))
    for model_name in args.model or ["dense", "cnn"]:
        model = build(model_name)
        params = sum(p.numel() for p in model.parameters())
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        model.train()
        order = torch.randperm(len(images))
        position = 0
        started = None
        for step in range(args.warmup + args.steps):
            if step == args.warmup:
                started = time.perf_counter()
            if position + args.batch_size > len(images):
                order = torch.randperm(len(images))
                position = 0
            index = order[position : position + args.batch_size]
            position += args.batch_size
            x, y = images[index], labels[index]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
        loss.item()
        elapsed = time.perf_counter() - started
        print(
            f"pytorch {model_name} params={params} threads={args.threads} batch={args.batch_size} "
            f"steps={args.steps} images_per_sec={args.steps * args.batch_size / elapsed:.0f} "
            f"ms_per_step={1000 * elapsed / args.steps:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
