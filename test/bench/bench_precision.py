#!/usr/bin/env python3
"""bf16 mixed precision on the CPU: Starch bf16 vs Starch f32, PyTorch eager
and torch.compile under CPU autocast bf16, side by side in one run.

For each configuration (default h768, issue 11's realistic shape):

  1. build and export the Hugging Face Llama exactly as bench_training.py
     does, and compile it twice: model.json training.precision "f32" and
     "bf16" (docs/training.md, starch-autocast);
  2. each repeat runs, alternating: Starch f32, Starch bf16, PyTorch eager
     with the forward under torch.autocast("cpu", dtype=torch.bfloat16),
     and the same with the model under torch.compile (W warm-up + K timed
     steps each; the CPU time of other processes is printed per run);
  3. the GEMM rates of the same machine in the same run: OpenBLAS sgemm
     (what Starch's f32 products call), Starch's own bf16 GEMM (two
     `starch.matmul`s of bf16 tensors through `starch-run --time`; the
     programs' `bf16` products on f32 tensors call the same kernel, which
     also rounds their operands as it packs them) and PyTorch's bf16 matmul
     (oneDNN);
  4. a table: step times, tokens/s, Starch bf16 over Starch f32 and over
     both PyTorch runs, and GFLOP/s against the GEMM rates.

Timing, threads, FLOP counts and --wait-quiet as in bench_training.py.

  python test/bench/bench_precision.py [--config h768] [--repeats 3]
      [--threads 2] [--steps K] [--warmup W] [--no-compile] [--keep DIR]
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_training as bt  # noqa: E402

GEMM_SIZE = 2048


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="h768")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--steps", type=int)
    ap.add_argument("--warmup", type=int)
    ap.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS")
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--starchc",
                    default=os.path.join(bt.REPO, "build", "bin", "starchc"))
    ap.add_argument("--keep", metavar="DIR")
    a = ap.parse_args()
    a.configs = [c for c in a.config.split(",") if c]
    for c in a.configs:
        if c not in bt.CONFIGS:
            ap.error(f"unknown configuration '{c}'")
    return a


def starch_bf16_gemm(starchc, work, n, threads):
    """GFLOP/s of Starch's bf16 product kernel: two n^3 bf16 matmuls under
    `starch-run --time` (the best of three runs)."""
    import numpy as np
    ir = os.path.join(work, "bf16-gemm.mlir")
    t, b = f"tensor<{n}x{n}xf32>", f"tensor<{n}x{n}xbf16>"
    with open(ir, "w") as f:
        f.write(f"""func.func @forward(%a: {t}) -> {b} {{
  %b = starch.convert %a : {t} -> {b}
  %c = starch.matmul %b, %b : ({b}, {b}) -> {b}
  %d = starch.matmul %c, %b : ({b}, {b}) -> {b}
  return %d : {b}
}}
""")
    data = os.path.join(work, "bf16-gemm.npy")
    np.save(data, np.random.default_rng(0).standard_normal(
        (n, n)).astype(np.float32) / n)
    run = os.path.join(os.path.dirname(starchc), "starch-run")
    best = 1e30
    for _ in range(3):
        out = bt.run([run, ir, "--input", data, "--time", "--num-threads",
                      str(threads)]).stdout + ""
        for line in out.splitlines():
            if line.strip().startswith("starch.matmul"):
                best = min(best, float(line.split()[3]) / 1e3 / 2)
    if best == 1e30:
        sys.exit(f"FAILED: starch-run --time printed no starch.matmul line:\n{out}")
    return 2.0 * n ** 3 / best / 1e9


def torch_bf16_gemm(n):
    import torch
    a = torch.randn(n, n).bfloat16()
    a @ a
    best = 1e30
    for _ in range(5):
        t0 = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n ** 3 / best / 1e9


def bench(name, a, work_root):
    import torch

    cfg, warm, timed, work, tokens_per_step = bt.config_run(name, a, work_root)
    total = warm + timed
    bt.log(f"\n== {name}: hidden {cfg['hidden']}, {cfg['layers']} layers, "
           f"vocab {cfg['vocab']}, {tokens_per_step} tokens/step; {warm} "
           f"warm-up + {timed} timed steps")
    model = bt.build_model(cfg)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    bt.export(model, cfg, os.path.join(work, "llm.onnx"))
    model.load_state_dict(initial)
    programs = {}
    for precision in ("f32", "bf16"):
        exe = os.path.join(work, f"train-{precision}")
        wall, _ = bt.compile_starch(
            a.starchc, bt.write_model_json(work, name, cfg, total, precision),
            exe)
        programs[precision] = exe
        bt.log(f"  starchc ({precision}): {wall:.2f} s")
    tokens, data = bt.write_tokens(cfg, total, work)
    torch.set_num_threads(a.threads)

    sides = ["Starch f32", "Starch bf16", "PyTorch eager bf16"]
    if not a.no_compile:
        sides.append("torch.compile bf16")
    medians = {side: [] for side in sides}
    losses = {}
    for rep in range(1, a.repeats + 1):
        for side in sides:
            bt.wait_quiet(a.wait_quiet)
            with bt.OtherCpu() as other:
                if side.startswith("Starch"):
                    times, run_losses, _ = bt.run_starch(
                        programs[side.split()[1]], data, total, a.threads,
                        tokens_per_step, work)
                else:
                    model.load_state_dict(initial)
                    times, run_losses = bt.run_pytorch(
                        model, tokens, cfg, total, bf16=True,
                        compiled=side.startswith("torch.compile"))
            median = statistics.median(times[warm:])
            medians[side].append(median)
            losses.setdefault(side, run_losses)
            bt.log(f"  [{rep}/{a.repeats}] {side}: median step "
                   f"{median * 1e3:.1f} ms (other processes "
                   f"{other.cores:.2f} cores, load "
                   f"{os.getloadavg()[0]:.2f})")
    best = {side: min(values) for side, values in medians.items()}
    bt.log("  first losses: " + "; ".join(
        f"{side} " + ", ".join(f"{x:.6f}" for x in losses[side][:3])
        for side in sides))
    flops = bt.model_flops_per_step(cfg, bt.count_params(model)[1],
                                    tokens_per_step)
    return dict(name=name, best=best, flops=flops, tokens=tokens_per_step)


def main():
    a = parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(a.threads)
    a.starchc = os.path.abspath(a.starchc)
    import torch
    bt.log(f"bench_precision {time.strftime('%Y-%m-%d %H:%M')}: {a.threads} "
           f"threads, torch {torch.__version__}, load average "
           f"{os.getloadavg()[0]:.2f}")
    work_root = a.keep or tempfile.mkdtemp(prefix="starch-precision-")
    os.makedirs(work_root, exist_ok=True)
    try:
        torch.set_num_threads(a.threads)
        sgemm = bt.sgemm_openblas(work_root, GEMM_SIZE, a.threads)[0]
        own = starch_bf16_gemm(a.starchc, work_root, GEMM_SIZE, a.threads)
        onednn = torch_bf16_gemm(GEMM_SIZE)
        bt.log(f"  GEMM {GEMM_SIZE}^3 on {a.threads} threads: OpenBLAS sgemm "
               f"{sgemm:.1f} GFLOP/s, Starch bf16 {own:.1f}, PyTorch bf16 "
               f"(oneDNN) {onednn:.1f}")
        rows = [bench(name, a, work_root) for name in a.configs]
        bt.log(f"\n== Results ({a.threads} threads; best median step of "
               f"{a.repeats} repeats; GFLOP/s from 6N + attention)")
        for r in rows:
            best, f32 = r["best"], r["best"]["Starch f32"]
            bf16 = best["Starch bf16"]
            bt.log(f"{r['name']}:")
            for side, seconds in best.items():
                bt.log(f"  {side:20s} {seconds * 1e3:8.1f} ms  "
                       f"{r['tokens'] / seconds:7.0f} tok/s  "
                       f"{r['flops'] / seconds / 1e9:6.1f} GFLOP/s  "
                       f"Starch bf16 is {seconds / bf16:.2f}x faster")
            bt.log(f"  Starch bf16 / Starch f32: {f32 / bf16:.2f}x; Starch "
                   f"bf16 at {r['flops'] / bf16 / 1e9 / own:.2f} of its "
                   f"GEMM rate, f32 at {r['flops'] / f32 / 1e9 / sgemm:.2f} "
                   "of sgemm")
            print(json.dumps({k: round(v * 1e3, 2) for k, v in best.items()}))
    finally:
        if not a.keep:
            shutil.rmtree(work_root, ignore_errors=True)


if __name__ == "__main__":
    main()
