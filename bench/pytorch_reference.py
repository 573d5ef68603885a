#!/usr/bin/env python3
"""atelier's presets in PyTorch on the CPU: training speed, and the whole cnn-bn recipe.

Speed (default): the same architectures (dense: 235,146 parameters; cnn: 225,034; cnn-bn:
315,594), Adam (lr 1e-3), batch 128, cross-entropy on logits, real Fashion-MNIST training images
scaled to 0..1, shuffled each epoch. The first `--warmup` steps are not timed; with `--epochs N`
whole epochs are timed instead of `--steps`. One line per model:
    pytorch dense threads=2 batch=128 steps=300 images_per_sec=41234 ms_per_step=3.10

Recipe (`--recipe cnn-bn --seed S`): what atelier's `cnn-bn` preset does, end to end, timed from
before the data is read to after the test accuracy is known: 10% of the training images held out
for validation, AdamW (lr 2e-3, weight decay 1e-4), cosine schedule stepped per epoch, random
horizontal flips, batch 64, 15 epochs, validation accuracy after every epoch, then the test set:
    pytorch-recipe cnn-bn seed=1 threads=2 epochs=15 total_secs=431.2 val_accuracy=93.10 test_accuracy=93.30
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
    if model == "cnn-bn":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(2304, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.25),
            nn.Linear(128, 10),
        )
    raise SystemExit(f"unknown model {model}")


def accuracy(model, images, labels):
    """Percent correct, in evaluation mode, batches of 1000."""
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(images), 1000):
            correct += (model(images[start : start + 1000]).argmax(1) == labels[start : start + 1000]).sum().item()
    model.train()
    return 100.0 * correct / len(images)


def recipe(name, seed, threads):
    """The cnn-bn preset's whole training run; prints one line with the wall time and accuracies."""
    started = time.perf_counter()
    torch.manual_seed(seed)
    images = torch.from_numpy(read_idx("train-images-idx3-ubyte").astype(np.float32) / 255.0).unsqueeze(1)
    labels = torch.from_numpy(read_idx("train-labels-idx1-ubyte").astype(np.int64))
    test_images = torch.from_numpy(read_idx("t10k-images-idx3-ubyte").astype(np.float32) / 255.0).unsqueeze(1)
    test_labels = torch.from_numpy(read_idx("t10k-labels-idx1-ubyte").astype(np.int64))
    order = torch.randperm(len(images))
    held_out = len(images) // 10
    val_x, val_y = images[order[:held_out]], labels[order[:held_out]]
    train_x, train_y = images[order[held_out:]], labels[order[held_out:]]
    model = build(name)
    epochs, batch = 15, 64
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    val_accuracy = 0.0
    for _ in range(epochs):
        shuffled = torch.randperm(len(train_x))
        for start in range(0, len(train_x), batch):
            index = shuffled[start : start + batch]
            x, y = train_x[index], train_y[index]
            flip = torch.rand(len(x)) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(3), x)
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(x), y).backward()
            optimizer.step()
        schedule.step()
        val_accuracy = accuracy(model, val_x, val_y)
    test_accuracy = accuracy(model, test_images, test_labels)
    total = time.perf_counter() - started
    print(
        f"pytorch-recipe {name} seed={seed} threads={threads} epochs={epochs} total_secs={total:.1f} "
        f"val_accuracy={val_accuracy:.2f} test_accuracy={test_accuracy:.2f}",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["dense", "cnn", "cnn-bn"], action="append")
    parser.add_argument("--recipe", choices=["cnn-bn"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=0, help="time whole epochs instead of --steps")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.recipe:
        recipe(args.recipe, args.seed, args.threads)
        return
    torch.manual_seed(1)
    images = torch.from_numpy(read_idx("train-images-idx3-ubyte").astype(np.float32) / 255.0).unsqueeze(1)
    labels = torch.from_numpy(read_idx("train-labels-idx1-ubyte").astype(np.int64))
    if args.epochs:
        args.steps = args.epochs * (len(images) // args.batch_size)
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
            f"steps={args.steps} epochs={args.epochs} images_per_sec={args.steps * args.batch_size / elapsed:.0f} "
            f"ms_per_step={1000 * elapsed / args.steps:.2f} kernels={torch.backends.cpu.get_cpu_capability()}",
            flush=True,
        )


if __name__ == "__main__":
    main()
