#!/usr/bin/env python3
"""Checks starch-optimizer's @train_step against the formulas of
docs/training.md evaluated here in f64 Python: gradients come from the
gradient function (itself checked against finite differences), then the
accumulation, clipping, learning rate and AdamW update are recomputed by hand
and compared with what starch-run's @train_step returns and writes.

  check_optimizer_step.py --bin DIR FILE.mlir --step K -- <starch-optimizer options>

FILE.mlir holds @loss (float arguments, trainable params). Parameters and
inputs are pseudo-random from a fixed seed; the moments start at zero, so the
check is of step K's update from zero moments.
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
LOSS = re.compile(r"func\.func @loss\((.*?)\)\s*->", re.S)
ARG = re.compile(r"%[\w.$]+\s*:\s*tensor<([^>]*)>")


def parse_type(text):
    *dims, dtype = text.split("x") if "x" in text else [text]
    return [int(d) for d in dims], dtype


def options(flags):
    found = {}
    for flag in flags:
        flag = flag.split("=", 1)[1] if flag.startswith("--starch-optimizer=") else flag
        for key, value in re.findall(r"([\w-]+)=([^\s}\"]+)", flag):
            found[key] = value
    return found


def main():
    argv = sys.argv[1:]
    opt_flags = argv[argv.index("--") + 1:]
    argv = argv[:argv.index("--")]
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--step", type=int, required=True)
    parser.add_argument("--rtol", type=float, default=1e-5)
    parser.add_argument("--atol", type=float, default=1e-7)
    parser.add_argument("file")
    args = parser.parse_args(argv)
    o = options(opt_flags)
    micro = int(o.get("micro-batches", 1))
    lr0 = float(o.get("lr", 1e-3))
    beta1, beta2 = float(o.get("beta1", 0.9)), float(o.get("beta2", 0.999))
    eps = float(o.get("epsilon", 1e-8))
    decay = float(o.get("weight-decay", 0.01))
    max_norm = float(o.get("max-grad-norm", 1.0))
    warmup, total = int(o.get("warmup-steps", 0)), int(o.get("total-steps", 100))

    source = open(args.file).read()
    params = {name: parse_type(t) for name, _, t in PARAM.findall(source)}
    trainable = {name for name, attrs, _ in PARAM.findall(source)
                 if not attrs or ("frozen" not in attrs and "buffer" not in attrs)}
    arg_types = [parse_type(t) for t in ARG.findall(LOSS.search(source).group(1))]
    rng = random.Random(99)
    bin_ = args.bin
    with tempfile.TemporaryDirectory() as work:
        weights = {name: (shape, dtype, [rng.uniform(-1, 1) for _ in range(tensorio.count(shape))])
                   for name, (shape, dtype) in params.items()}
        weights_path = os.path.join(work, "w.safetensors")
        tensorio.write_safetensors(weights_path, weights)
        opt = os.path.join(work, "opt.mlir")
        tensorio.run([os.path.join(bin_, "starch-opt"), args.file,
                      "--starch-autodiff=functions=loss", "-o", opt])

        # Gradients per micro-batch from @loss_grad.
        stacked = [[] for _ in arg_types]
        losses, grads = [], {name: None for name in params}
        for m in range(micro):
            inputs = []
            for i, (shape, dtype) in enumerate(arg_types):
                values = [rng.uniform(-1, 1) for _ in range(tensorio.count(shape))]
                stacked[i] += values
                path = os.path.join(work, f"m{m}.a{i}.npy")
                tensorio.write_npy(path, shape, dtype, values)
                inputs += ["--input", path]
            out = os.path.join(work, f"m{m}")
            tensorio.run([os.path.join(bin_, "starch-run"), opt, "--function", "loss_grad",
                          "--weights", weights_path, "--output-dir", out] + inputs)
            for name in os.listdir(out):
                _, _, values = tensorio.read_npy(os.path.join(out, name))
                key = name[:-4]
                if key.startswith("grad."):
                    p = key[5:]
                    grads[p] = values if grads[p] is None else [a + b for a, b in zip(grads[p], values)]
                else:
                    losses.append(values[0])

        # docs/training.md, by hand.
        loss = sum(losses) / micro
        if sorted(p for p, v in grads.items() if v is not None) != sorted(trainable):
            sys.exit(f"FAILED: gradients for {sorted(grads)} but trainable {sorted(trainable)}")
        g = {p: [x / micro for x in v] for p, v in grads.items() if v is not None}
        norm = math.sqrt(sum(x * x for v in g.values() for x in v))
        param_norms = {p: math.sqrt(sum(x * x for x in v)) for p, v in g.items()}
        if max_norm > 0:
            coef = min(1.0, max_norm / (norm + 1e-6))
            g = {p: [x * coef for x in v] for p, v in g.items()}
        s = args.step - 1
        lam = s / max(1, warmup) if s < warmup else max(
            0.0, 0.5 * (1 + math.cos(math.pi * (s - warmup) / max(1, total - warmup))))
        lr = lr0 * lam
        expected = {}
        for p, (shape, dtype, values) in weights.items():
            if p not in trainable:
                continue
            new_p, new_m, new_v = [], [], []
            for x, gx in zip(values, g[p]):
                x *= 1 - lr * decay
                m_ = (1 - beta1) * gx
                v_ = (1 - beta2) * gx * gx
                denom = math.sqrt(v_) / math.sqrt(1 - beta2 ** args.step) + eps
                x -= lr / (1 - beta1 ** args.step) * m_ / denom
                new_p.append(x); new_m.append(m_); new_v.append(v_)
            expected[p] = new_p
            expected["adamw.exp_avg." + p] = new_m
            expected["adamw.exp_avg_sq." + p] = new_v

        # The pass's @train_step.
        full = os.path.join(work, "full.mlir")
        tensorio.run([os.path.join(bin_, "starch-opt"), opt, "-o", full] + opt_flags)
        inputs = []
        for i, (shape, dtype) in enumerate(arg_types):
            path = os.path.join(work, f"stacked{i}.npy")
            tensorio.write_npy(path, [micro] + shape, dtype, stacked[i])
            inputs += ["--input", path]
        step_path = os.path.join(work, "step.npy")
        tensorio.write_npy(step_path, [], "i64", [args.step])
        out = os.path.join(work, "step")
        after = os.path.join(work, "after.safetensors")
        tensorio.run([os.path.join(bin_, "starch-run"), full, "--function", "train_step",
                      "--weights", weights_path, "--output-dir", out,
                      "--params-out", after] + inputs + ["--input", step_path])
        got = {name[:-4]: tensorio.read_npy(os.path.join(out, name))[2]
               for name in os.listdir(out)}
        failures = 0
        for name, want in (("loss", loss), ("grad_norm", norm), ("lr", lr)):
            if not tensorio.close(got[name][0], want, args.rtol, args.atol):
                print(f"MISMATCH {name}: starch {got[name][0]!r} vs hand {want!r}")
                failures += 1
        # Each parameter's own norm, in the order of the result's starch.params.
        order = re.search(r'"param_grad_norms", starch\.params = \[([^\]]*)\]',
                          open(full).read())
        names = re.findall(r'"([^"]+)"', order.group(1)) if order else []
        if sorted(names) != sorted(param_norms):
            print(f"MISMATCH param_grad_norms names {names} vs {sorted(param_norms)}")
            failures += 1
        for p, have in zip(names, got.get("param_grad_norms", [])):
            if not tensorio.close(have, param_norms[p], args.rtol, args.atol):
                print(f"MISMATCH param_grad_norms[{p}]: starch {have!r} vs hand "
                      f"{param_norms[p]!r}")
                failures += 1
        written, _ = tensorio.read_safetensors(after)
        for name, want in expected.items():
            have = written[name][2]
            bad = [i for i, (a, b) in enumerate(zip(have, want))
                   if not tensorio.close(a, b, args.rtol, args.atol)]
            if bad:
                i = bad[0]
                print(f"MISMATCH {name}[{i}]: starch {have[i]!r} vs hand {want[i]!r} ({len(bad)} elements)")
                failures += 1
        if failures:
            sys.exit(f"FAILED: {failures} mismatches")
        print(f"step {args.step}: loss {loss:.6g}, grad norm {norm:.6g}, lr {lr:.6g}; "
              f"{len(expected)} updated tensors match the hand computation, "
              f"and {len(names)} parameters' gradient norms")


if __name__ == "__main__":
    main()
