"""PyTorch peer of the training benchmark (bench/Continuum.Bench/TrainingBenchmark.cs).

Trains the same MLP (784-HIDDEN-10, ReLU) on the same Fashion-MNIST files with Adam, the same batch size,
a fresh shuffle every epoch and the same intra-op thread count, then prints one JSON object:
{"samples_per_second": [per epoch], "seconds": [per epoch], "threads": N, "torch": version}.
Run it with Debian's interpreter, /usr/bin/python3, which has python3-torch and python3-numpy. That build's
matrix products go through the system libblas.so.3 (the reference BLAS unless OpenBLAS is installed), which
is why it is so much slower than libtorch's own kernels: the ratio compares with Debian's PyTorch as shipped.
"""
import argparse
import gzip
import json
import time

import numpy as np
import torch

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path, header):
    # IDX: a big-endian header of `header` bytes, then one unsigned byte per value.
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    # The data service scales IDX pixels by 1/255; so does the benchmark's TorchSharp loop.
    images = torch.from_numpy(read_idx(f"{DATA}/train-images-idx3-ubyte.gz", 16).astype(np.float32) / 255)
    features = images.reshape(-1, 28 * 28)
    labels = torch.from_numpy(read_idx(f"{DATA}/train-labels-idx1-ubyte.gz", 8).astype(np.int64))
    count = labels.shape[0]

    model = torch.nn.Sequential(
        torch.nn.Linear(28 * 28, args.hidden), torch.nn.ReLU(), torch.nn.Linear(args.hidden, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = torch.nn.CrossEntropyLoss()

    rates, seconds = [], []
    for _ in range(args.epochs):
        start = time.perf_counter()
        order = torch.randperm(count)
        shuffled_x, shuffled_y = features[order], labels[order]
        for first in range(0, count, args.batch):
            x = shuffled_x[first:first + args.batch]
            y = shuffled_y[first:first + args.batch]
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        elapsed = time.perf_counter() - start
        seconds.append(elapsed)
        rates.append(count / elapsed)

    print(json.dumps({"samples_per_second": rates, "seconds": seconds, "threads": torch.get_num_threads(),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
