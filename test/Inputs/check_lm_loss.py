#!/usr/bin/env python3
"""Checks starch-lm-loss by execution: @loss(ids, labels) must equal the
shifted causal-LM cross-entropy of @forward(ids)'s logits (result 0),
computed here by hand in f64 (mean over labels that are not -100).

  check_lm_loss.py --bin DIR FILE.mlir

FILE.mlir holds @forward(ids: BxS i64) -> (logits BxSxV, ...) with float
params; params, ids and labels are pseudo-random from a fixed seed, and some
labels are -100.
"""
import argparse
import math
import os
import random
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tensorio  # noqa: E402

PARAM = re.compile(r"starch\.param @([\w.]+)\s*(\{[^}]*\})?\s*:\s*tensor<([^>]*)>")
FORWARD = re.compile(r"func\.func @forward\(%\w+: tensor<(\d+)x(\d+)xi64>\)\s*->\s*\(?tensor<\d+x\d+x(\d+)x")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--rtol", type=float, default=1e-5)
    parser.add_argument("file")
    args = parser.parse_args()
    source = open(args.file).read()
    batch, length, vocab = (int(v) for v in FORWARD.search(source).groups())
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as work:
        weights = {}
        for name, _, text in PARAM.findall(source):
            *dims, dtype = text.split("x")
            shape = [int(d) for d in dims]
            weights[name] = (shape, dtype, [rng.uniform(-1, 1) for _ in range(tensorio.count(shape))])
        weights_path = os.path.join(work, "w.safetensors")
        tensorio.write_safetensors(weights_path, weights)
        ids = [rng.randrange(vocab) for _ in range(batch * length)]
        labels = [-100 if rng.random() < 0.25 else rng.randrange(vocab) for _ in ids]
        labels[1] = 0  # at least one scored label
        ids_path, labels_path = os.path.join(work, "ids.npy"), os.path.join(work, "labels.npy")
        tensorio.write_npy(ids_path, [batch, length], "i64", ids)
        tensorio.write_npy(labels_path, [batch, length], "i64", labels)
        lowered = os.path.join(work, "loss.mlir")
        tensorio.run([os.path.join(args.bin, "starch-opt"), args.file, "--starch-lm-loss", "-o", lowered])
        out = os.path.join(work, "forward")
        tensorio.run([os.path.join(args.bin, "starch-run"), lowered, "--function", "forward",
                      "--weights", weights_path, "--output-dir", out, "--input", ids_path])
        logits_file = sorted(os.listdir(out))[0]
        _, _, logits = tensorio.read_npy(os.path.join(out, logits_file))
        total, scored = 0.0, 0
        for b in range(batch):
            for s in range(length - 1):
                label = labels[b * length + s + 1]
                if label == -100:
                    continue
                row = logits[(b * length + s) * vocab:(b * length + s + 1) * vocab]
                peak = max(row)
                lse = peak + math.log(sum(math.exp(x - peak) for x in row))
                total += lse - row[label]
                scored += 1
        expected = total / scored
        out = os.path.join(work, "loss")
        tensorio.run([os.path.join(args.bin, "starch-run"), lowered, "--function", "loss",
                      "--weights", weights_path, "--output-dir", out,
                      "--input", ids_path, "--input", labels_path])
        _, _, (got,) = tensorio.read_npy(os.path.join(out, "loss.npy"))
        if not tensorio.close(got, expected, args.rtol, 1e-7):
            sys.exit(f"FAILED: loss {got!r} but by hand {expected!r} ({scored} scored labels)")
        print(f"loss matches the cross-entropy of @forward's logits computed by hand "
              f"({got:.6g}, {scored} scored labels)")


if __name__ == "__main__":
    main()
