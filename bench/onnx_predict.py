"""The README's "Use your model elsewhere" example, run over a whole IDX test set.

    onnx_predict.py MODEL.onnx IMAGES.idx LABELS.idx

Checks the file with `onnx.checker.check_model(full_check=True)`, then classifies every test
picture exactly as the README's example does (Pillow: grayscale, 28×28, inverted when the
background is light, / 255; onnxruntime) and prints the accuracy.
"""
import gzip
import json
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from PIL import Image


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def prepare(picture):
    # The README's preprocessing, line for line.
    x = np.asarray(picture.convert("L").resize((28, 28)), dtype=np.float32) / 255.0
    border = np.concatenate([x[0], x[-1], x[:, 0], x[:, -1]])
    if np.median(border) > 0.5:  # light background: Fashion-MNIST is light on dark
        x = 1.0 - x
    return x.reshape(1, 1, 28, 28)


def main():
    model_path, images_path, labels_path = sys.argv[1:4]
    onnx.checker.check_model(onnx.load(model_path), full_check=True)
    print("onnx.checker.check_model(full_check=True): passed")
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    classes = json.loads(session.get_modelmeta().custom_metadata_map["class_names"])
    images, labels = read_idx(images_path), read_idx(labels_path)
    correct = 0
    for picture, label in zip(images, labels):
        _, probabilities = session.run(None, {"image": prepare(Image.fromarray(picture))})
        correct += int(probabilities[0].argmax() == label)
    print(f"classes: {', '.join(classes)}")
    print(f"onnxruntime {ort.__version__} accuracy: {100.0 * correct / len(labels):.2f}% ({correct}/{len(labels)})")
    # Batch norm is stored in its inference form; onnxruntime's graph optimisations fold it into the
    # convolution before it runs. The time with and without them is what folding in the file would buy.
    batch = np.concatenate([prepare(Image.fromarray(picture)) for picture in images])
    for level, name in [(ort.GraphOptimizationLevel.ORT_ENABLE_ALL, "optimised (BN folded by onnxruntime)"),
                        (ort.GraphOptimizationLevel.ORT_DISABLE_ALL, "not optimised (BN as its own op)")]:
        options = ort.SessionOptions()
        options.graph_optimization_level = level
        options.intra_op_num_threads = 2
        timed = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
        timed.run(None, {"image": batch[:256]})
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            timed.run(None, {"image": batch})
            best = min(best, time.perf_counter() - started)
        print(f"onnxruntime, {len(batch)} pictures in one batch, 2 threads, {name}: {best * 1000:.0f} ms")


if __name__ == "__main__":
    main()
