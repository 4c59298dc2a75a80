#!/usr/bin/env python3
"""Training throughput: a Starch training program vs PyTorch eager and
torch.compile, on the CPU.

For each configuration, in one run and side by side:

  1. build a Hugging Face LlamaForCausalLM (random init, fixed seed, float32,
     sdpa attention), export it with the dynamo exporter (opset 18, static
     batch B and sequence S) the way test/fixtures/make_fixtures.py makes the
     fixtures (same helpers, including the perturbation of constant-initialised
     parameters, so no two parameters share an ONNX initializer), write a
     model.json and time `starchc model.json -o train --time`;
  2. write N = (W + K) * M * B random token sequences to tokens.npy;
  3. run `./train --steps W+K --data tokens.npy --num-threads T --log-every 1
     --loss-log ...` and train the same HF model in PyTorch on the same
     batches with the same hyper-parameters (docs/training.md: loss / M per
     micro-batch, clip_grad_norm_, warm-up + cosine, AdamW foreach=False),
     once eager and once with the model under torch.compile (default
     inductor backend; the optimizer stays eager, as a user who compiles
     the model has it); the first W steps of each are warm-up and are not
     timed (torch.compile compiles in its first steps);
  4. time OpenBLAS sgemm (the system libopenblas that Starch links, through a
     small C program compiled here) on T threads;
  5. print a table, and check that the first losses of both agree.

Timing.  The Starch program prints one progress line per step
(--log-every 1) whose tok/s covers that step's trainStep() call alone
(docs/train-binary.md); a step's time is tokens/step divided by that rate
(3 significant digits).  PyTorch steps are timed with perf_counter around the
whole step (zero_grad, M forward/backward, clipping, AdamW, scheduler).  The
first W steps of each run are warm-up (first touch of buffers, thread pools,
allocator caches) and are dropped.  Each side runs --repeats times,
alternating (Starch, eager, compiled); the repeat with the lowest median step time counts, and
tokens/s = tokens/step / that median.  The machine may be shared: the CPU
time other processes used during each run is printed (in cores), and
--wait-quiet S makes every timed run first wait (up to S seconds) until
they are idle.

FLOPs.  "own" is the generated program's flopsPerStep (the ops'
CostOpInterface, the number behind its GFLOP/s), read from --emit=cpp; "6N"
is 6 * (parameters other than the input embedding) * tokens plus the
attention products, 12 * layers * S * hidden per token.  Both sides are
rated with the same counts.

Threads.  OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS are set to
T before torch or numpy are imported, for this process and the programs it
starts; PyTorch also gets torch.set_num_threads(T), Starch --num-threads T.
sgemm is measured before and after the configurations (the best counts).

Run with the Python environment of test/fixtures/requirements-dynamo.txt
(torch, transformers, onnx, onnxscript, onnxruntime) from anywhere:

  python test/bench/bench_training.py [--threads 2] [--config tiny,h1024]
      [--steps K] [--warmup W] [--repeats 3] [--wait-quiet S]
      [--starchc build/bin/starchc] [--profile] [--keep DIR]

--profile also samples each training program with `perf record` over its
timed steps (samples per kernel: OpenBLAS, each runtime kernel, memcpy, the
OS) and runs one
@train_step through `starch-run --time` (op kinds; the interpreter calls the
same kernels but copies parameters, so its shares are indicative only).
"""

import argparse
import contextlib
import io
import json
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_util import (OtherCpu, log, run, sgemm_numpy,  # noqa: E402
                        sgemm_openblas, wait_quiet)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# Model and batch geometry of each configuration.  Step counts are defaults
# for --warmup / --steps.
CONFIGS = {
    # The fixture-size Llama (test/fixtures/llama_dynamo).
    "tiny": dict(hidden=64, intermediate=128, layers=2, heads=4, kv_heads=2,
                 vocab=128, batch=2, seq=16, micro=2, warmup=20, steps=200),
    # Issue 11's realistic CPU-training shape (Llama-style, hidden 768).
    "h768": dict(hidden=768, intermediate=2048, layers=4, heads=12,
                 kv_heads=4, vocab=8192, batch=2, seq=256, micro=1,
                 warmup=3, steps=10),
    # Issue 11's larger shape: hidden 2048 (a 1B-class width), 2 layers.
    "h2048": dict(hidden=2048, intermediate=5632, layers=2, heads=16,
                  kv_heads=8, vocab=8192, batch=2, seq=256, micro=1,
                  warmup=2, steps=5),
    # Compute-bound: the matmuls dominate.
    "h1024": dict(hidden=1024, intermediate=2816, layers=2, heads=16,
                  kv_heads=8, vocab=2048, batch=2, seq=128, micro=1,
                  warmup=3, steps=20),
}

TRAINING = dict(lr=1e-3, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.01,
                max_grad_norm=1.0)
SCHEDULE_WARMUP = 2   # lr warm-up steps of the schedule (not timing warm-up)
MODEL_SEED = 0
DATA_SEED = 2024
SGEMM_SIZE = 2048
LOSS_CHECK_STEPS = 3


def parse_args():
    ap = argparse.ArgumentParser(
        description="Starch vs PyTorch eager training throughput on the CPU "
                    "(see the module docstring).")
    ap.add_argument("--threads", type=int, default=2,
                    help="threads of both sides and of sgemm (default 2)")
    ap.add_argument("--config", default="tiny,h1024",
                    help="comma-separated configurations: "
                         + ", ".join(CONFIGS) + " (default: all)")
    ap.add_argument("--steps", type=int,
                    help="timed steps K (default per configuration: "
                         + ", ".join(f"{k} {v['steps']}"
                                     for k, v in CONFIGS.items()) + ")")
    ap.add_argument("--warmup", type=int,
                    help="untimed warm-up steps W before them (default: "
                         + ", ".join(f"{k} {v['warmup']}"
                                     for k, v in CONFIGS.items()) + ")")
    ap.add_argument("--starchc",
                    default=os.path.join(REPO, "build", "bin", "starchc"),
                    help="the starchc to benchmark (default build/bin/starchc;"
                         " starch-run is looked up next to it)")
    ap.add_argument("--repeats", type=int, default=3,
                    help="runs of each side, alternating; the best median "
                         "step time counts (default 3)")
    ap.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                    help="before each timed run, wait up to SECONDS until "
                         "other processes use < 0.1 cores (for shared "
                         "machines; default 0: no wait)")
    ap.add_argument("--sgemm-size", type=int, default=SGEMM_SIZE,
                    help=f"square sgemm size (default {SGEMM_SIZE})")
    ap.add_argument("--profile", action="store_true",
                    help="also profile the training program (perf record, "
                         "samples per kernel) and one train_step under "
                         "starch-run --time (op kinds)")
    ap.add_argument("--no-compile", action="store_true",
                    help="skip the torch.compile side")
    ap.add_argument("--keep", metavar="DIR",
                    help="work in DIR and keep it (default: a temp dir, "
                         "removed at the end)")
    a = ap.parse_args()
    a.configs = [c.strip() for c in a.config.split(",") if c.strip()]
    for c in a.configs:
        if c not in CONFIGS:
            ap.error(f"unknown configuration '{c}' (known: {', '.join(CONFIGS)})")
    if a.threads < 1 or a.repeats < 1:
        ap.error("--threads and --repeats must be positive")
    for flag in ("steps", "warmup"):
        v = getattr(a, flag)
        if v is not None and v < (1 if flag == "steps" else 0):
            ap.error(f"--{flag} is out of range")
    return a


# ---------------------------------------------------------------- model ----

def build_model(cfg):
    """The HF model, exported to <dir>/llm.onnx by export(), with the
    fixture script's seed handling and perturbation."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM
    sys.path.insert(0, os.path.join(REPO, "test", "fixtures"))
    import make_fixtures as mf

    torch.manual_seed(MODEL_SEED)
    hf = LlamaConfig(hidden_size=cfg["hidden"],
                     intermediate_size=cfg["intermediate"],
                     num_hidden_layers=cfg["layers"],
                     num_attention_heads=cfg["heads"],
                     num_key_value_heads=cfg["kv_heads"],
                     vocab_size=cfg["vocab"], rms_norm_eps=1e-6,
                     rope_theta=10000.0,
                     max_position_embeddings=max(64, cfg["seq"]),
                     use_cache=False, tie_word_embeddings=False,
                     attn_implementation="sdpa")
    model = LlamaForCausalLM(hf).float().eval()
    mf.perturb_constant_params(model)
    return model


def export(model, cfg, path):
    import onnx
    import torch
    import make_fixtures as mf

    ids = torch.zeros(cfg["batch"], cfg["seq"], dtype=torch.int64)
    wrapper = mf.Flatten(model, ["input_ids"], ["logits"], is_decoder=True)
    # The exporter's progress lines and warnings go to a buffer, shown only
    # if it fails.
    chatter = io.StringIO()
    try:
        with torch.no_grad(), contextlib.redirect_stdout(chatter), \
                contextlib.redirect_stderr(chatter):
            logging.getLogger("torch.onnx").setLevel(logging.ERROR)
            proto = mf.export_dynamo(wrapper.eval(), (ids,), ["input_ids"],
                                     ["logits"], 18)
    except Exception:
        log(chatter.getvalue())
        raise
    mf.strip_metadata(proto.graph)
    mf.save_external(proto, path)
    onnx.checker.check_model(path)


def count_params(model):
    total = sum(p.numel() for p in model.parameters())
    embed = model.model.embed_tokens.weight.numel()
    return total, total - embed


def model_flops_per_step(cfg, nonembed_params, tokens):
    """6 * N * tokens (N: parameters other than the input embedding, whose
    gather costs no multiply-adds) plus the attention score and value
    products, 12 * layers * S * hidden per token (forward 2 matmuls of
    2*S*hidden per token, backward twice that; no causal halving)."""
    return tokens * (6 * nonembed_params
                     + 12 * cfg["layers"] * cfg["seq"] * cfg["hidden"])


# ------------------------------------------------------------- starch ------

def write_model_json(work, name, cfg, total_steps, precision="f32"):
    spec = {
        "name": f"bench-{name}",
        "llm": {"onnx": "llm.onnx",
                "input_shapes": {"input_ids": [cfg["batch"], cfg["seq"]]}},
        "training": dict(TRAINING, steps=total_steps,
                         micro_batches=cfg["micro"],
                         warmup_steps=min(SCHEDULE_WARMUP, total_steps),
                         precision=precision),
    }
    path = os.path.join(work, f"model-{precision}.json")
    with open(path, "w") as f:
        json.dump(spec, f, indent=2)
    return path


def compile_starch(starchc, model_json, exe):
    t0 = time.perf_counter()
    p = run([starchc, model_json, "-o", exe, "--time"])
    wall = time.perf_counter() - t0
    m = re.search(r"import: ([\d.]+) s, passes: ([\d.]+) s, emit: ([\d.]+) s",
                  p.stderr)
    stages = tuple(float(x) for x in m.groups()) if m else (None,) * 3
    return wall, stages


def starch_flops(starchc, model_json, work):
    """flopsPerStep of the generated program (programSpec, from the ops'
    CostOpInterface), read from its C++ source."""
    cpp = os.path.join(work, "train.cpp")
    run([starchc, model_json, "--emit=cpp", "-o", cpp])
    with open(cpp) as f:
        m = re.search(r"flopsPerStep = ([0-9.eE+-]+)", f.read())
    return float(m.group(1)) if m else None


STEP_LINE = re.compile(r"^step\s+(\d+)/\d+ \| loss (\S+) \| .* \| "
                       r"([\d.]+)([kMG]?) tok/s \|")
SUFFIX = {"": 1.0, "k": 1e3, "M": 1e6, "G": 1e9}


def run_starch(exe, data, steps, threads, tokens_per_step, work):
    loss_log = os.path.join(work, "starch_losses.txt")
    p = run([exe, "--steps", str(steps), "--data", data, "--num-threads",
             str(threads), "--log-every", "1", "--loss-log", loss_log])
    step_seconds = {}
    for line in p.stdout.splitlines():
        m = STEP_LINE.match(line)
        if m:
            rate = float(m.group(3)) * SUFFIX[m.group(4)]
            step_seconds[int(m.group(1))] = tokens_per_step / rate
    with open(loss_log) as f:
        losses = [float(line.split()[1]) for line in f if line.strip()]
    summary = [l for l in p.stdout.splitlines() if l.startswith("done:")]
    times = [step_seconds[s] for s in sorted(step_seconds)]
    return times, losses, (summary[0] if summary else "")


# ------------------------------------------------------------- pytorch -----

def run_pytorch(model, tokens, cfg, total_steps, compiled=False, bf16=False):
    """docs/training.md in PyTorch, eager or with the model under
    torch.compile, the forward under CPU autocast bf16 with `bf16`;
    returns per-step seconds and step losses."""
    import torch
    import transformers

    model.train()
    forward = torch.compile(model) if compiled else model
    params = list(model.parameters())
    opt = torch.optim.AdamW(params, lr=TRAINING["lr"],
                            betas=tuple(TRAINING["betas"]),
                            eps=TRAINING["eps"],
                            weight_decay=TRAINING["weight_decay"],
                            foreach=False)
    sched = transformers.get_cosine_schedule_with_warmup(
        opt, num_warmup_steps=min(SCHEDULE_WARMUP, total_steps),
        num_training_steps=total_steps)
    b, m_count = cfg["batch"], cfg["micro"]
    data = torch.from_numpy(tokens)
    times, losses = [], []
    for t in range(1, total_steps + 1):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        micro = []
        for m in range(m_count):
            lo = ((t - 1) * m_count * b + m * b) % len(data)
            x = data[lo:lo + b]
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                out = forward(input_ids=x, labels=x)
            (out.loss / m_count).backward()
            micro.append(out.loss.item())
        torch.nn.utils.clip_grad_norm_(params, TRAINING["max_grad_norm"])
        opt.step()
        sched.step()
        times.append(time.perf_counter() - t0)
        losses.append(sum(micro) / m_count)
    return times, losses


# -------------------------------------------------------------- profile ----

def profile_interpreter(starchc, model_json, cfg, tokens, threads, work):
    """One @train_step through `starch-run --time`: op kinds by share.  The
    interpreter calls the generated program's kernels, but it also copies
    parameters (read_param/write_param) and touches every buffer for the
    first time, so its shares are indicative only."""
    import numpy as np
    starch_run = os.path.join(os.path.dirname(starchc), "starch-run")
    ir = os.path.join(work, "train.mlir")
    run([starchc, model_json, "--emit=train", "-o", ir])
    shape = (cfg["micro"], cfg["batch"], cfg["seq"])
    stacked = os.path.join(work, "tokens.stacked.npy")
    step = os.path.join(work, "step.npy")
    np.save(stacked, tokens[:shape[0] * shape[1]].reshape(shape))
    np.save(step, np.array(1, dtype=np.int64))
    p = run([starch_run, ir, "--function=train_step", "--time",
             "--threads", str(threads), "--input", stacked, "--input",
             stacked, "--input", step])
    return [l.strip() for l in p.stdout.splitlines()
            if l.startswith("time:") or l.startswith("  ")]


# The enums of runtime/kernels/ElementwiseOps.h, which name the element-wise
# loops' template instances.
UNARY_KINDS = ["neg", "abs", "exp", "log", "sqrt", "rsqrt", "reciprocal",
               "tanh", "erf", "sin", "cos", "sigmoid", "relu", "floor", "ceil",
               "sign", "logicalNot", "silu", "geluErf", "geluTanh",
               "geluSigmoid"]
BINARY_KINDS = ["add", "sub", "mul", "div", "rem", "pow", "max", "min",
                "logicalAnd", "logicalOr", "logicalXor"]


def kernel_of(dso, symbol):
    """A readable name for a sampled function of the training program."""
    if "openblas" in dso or symbol.startswith(("sgemm", "sgemv", "blas_")):
        return "OpenBLAS " + ("sgemm kernel" if "kernel" in symbol
                              else "sgemm packing/other")
    m = re.search(r"starch::rt::(?:\(anonymous namespace\)::)?(\w+)"
                  r"(?:<\(starch::rt::(\w+)\)(\d+)|<(\w+ ?\w*)>)?", symbol)
    if m:
        name = m.group(1)
        kinds = {"BinaryKind": BINARY_KINDS, "UnaryKind": UNARY_KINDS}
        if m.group(2) in kinds:
            names, i = kinds[m.group(2)], int(m.group(3))
            name += " " + (names[i] if i < len(names) else f"#{i}")
        if name == "copyStrided":
            name += " (transpose/broadcast/slice/concat)"
        return "starch kernel " + name
    if "memmove" in symbol or "memcpy" in symbol or "memset" in symbol:
        return "libc memcpy/memset"
    if symbol.startswith("[k]") or dso.startswith("[kernel"):
        return "OS kernel (page faults, scheduling)"
    if "exp" in symbol or "log" in symbol:
        return "libm"
    return "other (startup: weight loading, ...)"


def profile_program(exe, data, steps, warmup, threads, work):
    """Samples the training program with `perf record` from the end of its
    warm-up steps to its end (start-up, reading the weights and the first
    touch of buffers are left out) and sums the samples per kernel.  None
    if perf cannot record here."""
    if not shutil.which("perf"):
        return None
    out = os.path.join(work, "perf.data")
    train = subprocess.Popen([exe, "--steps", str(steps), "--data", data,
                              "--num-threads", str(threads), "--log-every",
                              "1"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    perf = None
    for line in train.stdout:
        m = STEP_LINE.match(line)
        if perf is None and (warmup == 0 or (m and int(m.group(1)) == warmup)):
            perf = subprocess.Popen(["perf", "record", "-F", "999", "-o", out,
                                     "-p", str(train.pid)],
                                    stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
    train.wait()
    if perf is None:
        return None
    perf.wait()
    if train.returncode != 0 or perf.returncode not in (0, -2):
        return None
    rep = subprocess.run(["perf", "report", "-i", out, "--no-children",
                          "--sort", "dso,symbol", "-g", "none", "--stdio"],
                         capture_output=True, text=True)
    shares = {}
    for line in rep.stdout.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+(\[.\])\s+(.*)", line)
        if m:
            dso = m.group(2)
            sym = m.group(4).strip() if m.group(3) == "[.]" else "[k]"
            kind = kernel_of(dso, sym)
            shares[kind] = shares.get(kind, 0.0) + float(m.group(1))
    return sorted(shares.items(), key=lambda kv: -kv[1])


# ---------------------------------------------------------------- main -----

def fmt_rate(x):
    return f"{x / 1e3:.1f}k" if x >= 1e4 else f"{x:.0f}"


def config_run(name, a, work_root):
    """A configuration's geometry and step counts (--warmup/--steps or its
    defaults) and its work folder: (cfg, warm-up steps, timed steps, work,
    tokens per step)."""
    cfg = CONFIGS[name]
    warm = a.warmup if a.warmup is not None else cfg["warmup"]
    timed = a.steps if a.steps is not None else cfg["steps"]
    work = os.path.join(work_root, name)
    os.makedirs(work, exist_ok=True)
    return cfg, warm, timed, work, cfg["micro"] * cfg["batch"] * cfg["seq"]


def write_tokens(cfg, total, work):
    """The random token sequences of `total` steps, and tokens.npy of them
    in `work`: (tokens, path)."""
    import numpy as np
    tokens = np.random.default_rng(DATA_SEED).integers(
        0, cfg["vocab"], size=(total * cfg["micro"] * cfg["batch"], cfg["seq"]),
        dtype=np.int64)
    data = os.path.join(work, "tokens.npy")
    np.save(data, tokens)
    return tokens, data


def bench_config(name, a, work_root, threads):
    import torch

    cfg, warm, timed, work, tokens_per_step = config_run(name, a, work_root)
    total = warm + timed
    log(f"\n== {name}: hidden {cfg['hidden']}, {cfg['layers']} layers, heads "
        f"{cfg['heads']}/{cfg['kv_heads']}, vocab {cfg['vocab']}, "
        f"B={cfg['batch']} S={cfg['seq']} M={cfg['micro']}; "
        f"{warm} warm-up + {timed} timed steps")

    log("  building and exporting the HF model (dynamo, opset 18) ...")
    t0 = time.perf_counter()
    model = build_model(cfg)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    export(model, cfg, os.path.join(work, "llm.onnx"))
    model.load_state_dict(initial)
    n_params, n_nonembed = count_params(model)
    log(f"  {n_params:,} parameters; export took "
        f"{time.perf_counter() - t0:.1f} s")

    model_json = write_model_json(work, name, cfg, total)
    exe = os.path.join(work, "train")
    log("  starchc model.json -o train --time ...")
    compile_wall, stages = compile_starch(a.starchc, model_json, exe)
    log(f"  compiled in {compile_wall:.2f} s (import {stages[0]} s, passes "
        f"{stages[1]} s, emit incl. host C++ compile {stages[2]} s)")
    own_flops = starch_flops(a.starchc, model_json, work)

    tokens, data = write_tokens(cfg, total, work)

    torch.set_num_threads(threads)
    reps = []   # per repeat: (Starch times, other cores, PyTorch times, other)
    for rep in range(1, a.repeats + 1):
        log(f"  [{rep}/{a.repeats}] Starch: {total} steps on {threads} "
            f"threads ...")
        wait_quiet(a.wait_quiet)
        with OtherCpu() as s_other:
            s_times, losses, summary = run_starch(
                exe, data, total, threads, tokens_per_step, work)
        if rep == 1:
            s_losses = losses
        elif losses != s_losses:
            log("    warning: this run's losses differ from the first run's")
        log(f"    {summary}")
        log(f"  [{rep}/{a.repeats}] PyTorch eager: {total} steps on "
            f"{threads} threads ...")
        model.load_state_dict(initial)
        wait_quiet(a.wait_quiet)
        with OtherCpu() as p_other:
            p_times, losses = run_pytorch(model, tokens, cfg, total)
        if rep == 1:
            p_losses = losses
        c_t, c_cores = [], 0.0
        if not a.no_compile:
            log(f"  [{rep}/{a.repeats}] torch.compile: {total} steps on "
                f"{threads} threads ...")
            model.load_state_dict(initial)
            wait_quiet(a.wait_quiet)
            with OtherCpu() as c_other:
                c_times, losses = run_pytorch(model, tokens, cfg, total,
                                              compiled=True)
            if rep == 1:
                c_losses = losses
            c_t, c_cores = c_times[warm:], c_other.cores
        s_t, p_t = s_times[warm:], p_times[warm:]
        reps.append((s_t, s_other.cores, p_t, p_other.cores, c_t, c_cores))
        log(f"    timed steps: Starch median {statistics.median(s_t) * 1e3:.2f}"
            f" ms (mean {statistics.mean(s_t) * 1e3:.2f}; other processes "
            f"{s_other.cores:.2f} cores), PyTorch median "
            f"{statistics.median(p_t) * 1e3:.2f} ms (mean "
            f"{statistics.mean(p_t) * 1e3:.2f}; other processes "
            f"{p_other.cores:.2f} cores)"
            + ("" if not c_t else
               f", torch.compile median {statistics.median(c_t) * 1e3:.2f} "
               f"ms (mean {statistics.mean(c_t) * 1e3:.2f}; other processes "
               f"{c_cores:.2f} cores)"))
    s_best = min(reps, key=lambda r: statistics.median(r[0]))
    p_best = min(reps, key=lambda r: statistics.median(r[2]))
    s_med, s_mean = statistics.median(s_best[0]), statistics.mean(s_best[0])
    p_med, p_mean = statistics.median(p_best[2]), statistics.mean(p_best[2])
    c_med = None
    if not a.no_compile:
        c_best = min(reps, key=lambda r: statistics.median(r[4]))
        c_med = statistics.median(c_best[4])

    k = min(LOSS_CHECK_STEPS, total)
    rel = [abs(s - p) / abs(p) for s, p in zip(s_losses[:k], p_losses[:k])]
    log("  first losses: " + "; ".join(
        f"step {i + 1} Starch {s:.6f} PyTorch {p:.6f}"
        for i, (s, p) in enumerate(zip(s_losses[:k], p_losses[:k]))))
    if not a.no_compile:
        log("  torch.compile's first losses: "
            + ", ".join(f"{c:.6f}" for c in c_losses[:k]))

    profile = None
    if a.profile:
        log("  profiling the training program with perf ...")
        profile = profile_program(exe, data, total, warm, threads, work)
        if profile is None:
            log("    (perf is not available or cannot record here)")
        for kind, share in (profile or [])[:12]:
            log(f"    {share:5.1f}%  {kind}")
        log("  profiling one train_step with starch-run --time ...")
        for line in profile_interpreter(a.starchc, model_json, cfg, tokens,
                                        threads, work)[:12]:
            log("    " + line)

    return dict(
        name=name, params=n_params, tokens=tokens_per_step,
        starch_tps=tokens_per_step / s_med, torch_tps=tokens_per_step / p_med,
        starch_tps_mean=tokens_per_step / s_mean,
        torch_tps_mean=tokens_per_step / p_mean,
        own_flops=own_flops,
        model_flops=model_flops_per_step(cfg, n_nonembed, tokens_per_step),
        starch_step=s_med, torch_step=p_med, compile=compile_wall,
        compiled_step=c_med,
        other=(s_best[1], p_best[3]),
        stages=stages, loss_rel=max(rel), losses=(s_losses[:k], p_losses[:k]),
        profile=profile)


def print_table(rows, sgemm, threads):
    log(f"\n== Results: {threads} threads; tokens/s from the median step time "
        f"of the timed steps (best of the repeats); sgemm {sgemm:.1f} GFLOP/s "
        f"(system OpenBLAS, {threads} threads, best)")
    head = ["config", "params", "tokens/step", "Starch tok/s", "PyTorch tok/s",
            "Starch/PyTorch", "torch.compile tok/s", "Starch/torch.compile",
            "Starch GFLOP/s (own / 6N)",
            "PyTorch GFLOP/s (own / 6N)", "sgemm GFLOP/s", "Starch/sgemm",
            "starchc s (import/passes/emit)", "loss rel. diff"]
    body = []
    for r in rows:
        def gflops(tps, flops):
            return flops * tps / r["tokens"] / 1e9
        s_own = gflops(r["starch_tps"], r["own_flops"])
        st = r["stages"]
        body.append([
            r["name"], f"{r['params'] / 1e6:.2f}M", str(r["tokens"]),
            fmt_rate(r["starch_tps"]), fmt_rate(r["torch_tps"]),
            f"{r['starch_tps'] / r['torch_tps']:.2f}",
            "-" if r["compiled_step"] is None
            else fmt_rate(r["tokens"] / r["compiled_step"]),
            "-" if r["compiled_step"] is None
            else f"{r['compiled_step'] / r['starch_step']:.2f}",
            f"{s_own:.1f} / {gflops(r['starch_tps'], r['model_flops']):.1f}",
            f"{gflops(r['torch_tps'], r['own_flops']):.1f} / "
            f"{gflops(r['torch_tps'], r['model_flops']):.1f}",
            f"{sgemm:.1f}", f"{s_own / sgemm:.2f}",
            f"{r['compile']:.2f} ({st[0]:.3f}/{st[1]:.3f}/{st[2]:.2f})",
            f"{r['loss_rel']:.1e}"])
    widths = [max(len(h), *(len(b[i]) for b in body))
              for i, h in enumerate(head)]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) \
            + " |"
    log(line(head))
    log("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for b in body:
        log(line(b))
    log("")
    for r in rows:
        log(f"{r['name']}: FLOPs/step {r['own_flops']:.4g} (Starch's own "
            f"count) and {r['model_flops']:.4g} (6N + attention); median step "
            f"Starch {r['starch_step'] * 1e3:.2f} ms, PyTorch "
            f"{r['torch_step'] * 1e3:.2f} ms"
            + ("" if r["compiled_step"] is None else
               f", torch.compile {r['compiled_step'] * 1e3:.2f} ms")
            + f"; from mean step times: Starch "
            f"{fmt_rate(r['starch_tps_mean'])} tok/s, PyTorch "
            f"{fmt_rate(r['torch_tps_mean'])} tok/s; other processes used "
            f"{r['other'][0]:.2f} / {r['other'][1]:.2f} cores during those "
            f"runs; first {len(r['losses'][0])} losses Starch "
            + ", ".join(f"{x:.6f}" for x in r["losses"][0]) + ", PyTorch "
            + ", ".join(f"{x:.6f}" for x in r["losses"][1]))


def measure_sgemm(a, work_root, when):
    log(f"\n== sgemm {a.sgemm_size}^3 ({when})")
    wait_quiet(a.wait_quiet)
    with OtherCpu() as other:
        best, mean, corename = sgemm_openblas(work_root, a.sgemm_size,
                                              a.threads)
    log(f"  system OpenBLAS (cc -lopenblas, the library Starch links), "
        f"{a.threads} threads: best {best:.1f} GFLOP/s, mean {mean:.1f} "
        f"(other processes {other.cores:.2f} cores) [{corename}]")
    one, _, _ = sgemm_openblas(work_root, a.sgemm_size, 1)
    log(f"  system OpenBLAS, 1 thread: best {one:.1f} GFLOP/s")
    np_best, np_blas = sgemm_numpy(a.sgemm_size)
    log(f"  numpy matmul ({np_blas}, numpy's own copy, not what Starch "
        f"links), {a.threads} threads: best {np_best:.1f} GFLOP/s")
    return best


def main():
    a = parse_args()
    threads = str(a.threads)
    # Before torch or numpy start their thread pools.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = threads
    a.starchc = os.path.abspath(a.starchc)
    if not os.access(a.starchc, os.X_OK):
        sys.exit(f"error: no starchc at {a.starchc} (build first, or pass "
                 f"--starchc)")

    import numpy as np
    import torch
    import transformers
    log(f"bench_training {time.strftime('%Y-%m-%d %H:%M')}: {a.threads} "
        f"threads, {os.cpu_count()} CPUs, starchc {a.starchc}, torch "
        f"{torch.__version__}, transformers {transformers.__version__}, "
        f"numpy {np.__version__}, load average {os.getloadavg()[0]:.2f}")

    work_root = a.keep or tempfile.mkdtemp(prefix="starch-bench-")
    os.makedirs(work_root, exist_ok=True)
    try:
        sgemm = measure_sgemm(a, work_root, "before")
        rows = [bench_config(name, a, work_root, a.threads)
                for name in a.configs]
        sgemm = max(sgemm, measure_sgemm(a, work_root, "after"))
        print_table(rows, sgemm, a.threads)
    finally:
        if not a.keep:
            shutil.rmtree(work_root, ignore_errors=True)


if __name__ == "__main__":
    main()
