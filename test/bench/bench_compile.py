#!/usr/bin/env python3
"""Compile time against depth: hidden-256 Llama-style models of 8, 32 and 128
layers (by default), compiled by starchc into training programs.

For each depth:

  1. build a Hugging Face LlamaForCausalLM (random init, seed 0, float32, as
     bench_training.py does) and export it with the dynamo exporter (cached
     in the work folder: it does not depend on Starch);
  2. `starchc model.json --emit=cpp --time`: Starch's own stages (import,
     passes, code generation) and the size of the generated source and of its
     constant data;
  3. `starchc model.json --emit=exe --time` under `/usr/bin/time -v`, with
     limits on CPU time (--cpu-limit, per process), wall-clock time and
     address space (--max-memory-mb) so a runaway host compiler cannot take
     the machine.  Host compile CPU seconds are the CPU time (user + system)
     of this run's process tree minus step 2's (starchc's own); host compile
     wall seconds its emit stage minus step 2's; the peak memory is the
     largest resident set of the process tree (the host compiler's, in
     practice).

Nothing is asserted; the table is for notes and before/after comparisons
(pass --starchc of another build).  On a shared machine wall-clock times
grow with the load (printed with each row); CPU seconds much less so.

  python test/bench/bench_compile.py [--layers 8,32,128] [--work DIR] [--repeats 3]
      [--starchc build/bin/starchc] [--cpu-limit 300] [--max-memory-mb 6000]

Run it with the Python environment of test/fixtures/requirements-dynamo.txt.
"""

import argparse
import contextlib
import io
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

# hidden 256, 4 heads of 64 (2 key/value heads), as issue 11's measurements.
GEOMETRY = dict(hidden=256, intermediate=768, heads=4, kv_heads=2, vocab=2048,
                batch=2, seq=64, micro=1)


def log(msg):
    print(msg, flush=True)


def parse_args():
    ap = argparse.ArgumentParser(
        description="starchc compile time and host compiler memory against "
                    "model depth (see the module docstring).")
    ap.add_argument("--layers", default="8,32,128",
                    help="comma-separated depths (default 8,32,128)")
    ap.add_argument("--starchc",
                    default=os.path.join(REPO, "build", "bin", "starchc"))
    ap.add_argument("--work", help="folder for exports and programs (kept; "
                    "default: a temporary folder)")
    ap.add_argument("--cpu-limit", type=int, default=300,
                    help="CPU seconds a process of the compile may use "
                    "(the wall-clock limit is 5 times that)")
    ap.add_argument("--max-memory-mb", type=int, default=6000,
                    help="address-space limit of the compile, MB")
    ap.add_argument("--repeats", type=int, default=3,
                    help="rounds over the depths (alternated); the table "
                    "shows each column's median (default 3)")
    a = ap.parse_args()
    a.layers = [int(x) for x in a.layers.split(",")]
    return a


def export_model(layers, folder):
    """llm.onnx of a `layers`-deep Llama in `folder`, unless already there:
    the dynamo exporter, then onnxscript's optimizer without its per-node
    ONNX shape inference. (The exporter's default optimisation, which
    bench_training.py uses, takes minutes at 32 layers and grows faster than
    the depth; the result imports the same way.)"""
    path = os.path.join(folder, "llm.onnx")
    weights = os.path.join(folder, "weights.safetensors")
    if os.path.exists(path) and os.path.exists(weights):
        return path
    import torch
    import onnxscript.optimizer
    import bench_training as bt
    cfg = dict(GEOMETRY, layers=layers)
    t0 = time.perf_counter()
    model = bt.build_model(cfg)  # puts test/fixtures on sys.path
    import make_fixtures as mf
    ids = torch.zeros(cfg["batch"], cfg["seq"], dtype=torch.int64)
    wrapper = mf.Flatten(model, ["input_ids"], ["logits"], is_decoder=True)
    chatter = io.StringIO()
    with torch.no_grad(), contextlib.redirect_stdout(chatter), \
            contextlib.redirect_stderr(chatter):
        program = torch.onnx.export(
            wrapper.eval(), (ids,), dynamo=True, opset_version=18,
            input_names=["input_ids"], output_names=["logits"],
            optimize=False, external_data=False)
        onnxscript.optimizer.optimize_ir(program.model,
                                         onnx_shape_inference=False)
    proto = program.model_proto
    if len(proto.functions):
        from onnx import inliner
        proto = inliner.inline_local_functions(proto)
    mf.strip_metadata(proto.graph)
    mf.save_external(proto, path)
    # The framework's weights, as a user gives them (model.json `weights`):
    # parameters get the model's names, not the exporter's val_N.
    mf.save_weights(model, weights)
    log(f"  exported {layers} layers in {time.perf_counter() - t0:.1f} s")
    return path


def write_model_json(folder, layers):
    spec = {
        "name": f"bench-compile-{layers}",
        "llm": {"onnx": "llm.onnx", "weights": "weights.safetensors",
                "input_shapes": {
            "input_ids": [GEOMETRY["batch"], GEOMETRY["seq"]]}},
        "training": {"steps": 10, "micro_batches": GEOMETRY["micro"],
                     "lr": 1e-3, "max_grad_norm": 1.0, "warmup_steps": 2},
    }
    path = os.path.join(folder, "model.json")
    with open(path, "w") as f:
        json.dump(spec, f, indent=2)
    return path


STAGES = re.compile(r"import: ([\d.]+) s, passes: ([\d.]+) s, emit: ([\d.]+) s")


def stages_of(stderr):
    m = STAGES.search(stderr)
    return tuple(float(x) for x in m.groups()) if m else None


def timed(cmd, limits=None):
    """Runs `cmd` under /usr/bin/time -v: (process, CPU seconds, peak MB)."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True,
                       text=True, preexec_fn=limits)
    user = re.search(r"User time \(seconds\): ([\d.]+)", p.stderr)
    system = re.search(r"System time \(seconds\): ([\d.]+)", p.stderr)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    cpu = float(user.group(1)) + float(system.group(1)) if user else None
    return p, cpu, int(peak.group(1)) / 1024 if peak else float("nan")


def emit_cpp(starchc, model_json, folder):
    source = os.path.join(folder, "train.cpp")
    consts = os.path.join(folder, "train.consts")
    if os.path.exists(consts):  # another build's
        os.remove(consts)
    p, cpu, peak_mb = timed([starchc, model_json, "--emit=cpp", "-o", source,
                             "--time"])
    if p.returncode != 0:
        sys.exit(f"starchc --emit=cpp failed:\n{p.stderr}")
    data = os.path.getsize(consts) if os.path.exists(consts) else 0
    with open(source) as f:
        lines = sum(1 for _ in f)
    return stages_of(p.stderr), cpu, lines, data, peak_mb


def compile_exe(a, model_json, folder):
    """(stages or None, CPU s, peak MB, outcome) of `starchc --emit=exe`."""
    memory = a.max_memory_mb * 1024 * 1024

    def limits():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (a.cpu_limit, a.cpu_limit))

    wall = 5 * a.cpu_limit
    p, cpu, peak_mb = timed(
        ["timeout", str(wall), a.starchc, model_json, "-o",
         os.path.join(folder, "train"), "--time"], limits)
    if p.returncode == 124:
        return None, cpu, peak_mb, f"killed after {wall} s wall"
    if p.returncode != 0:
        # RLIMIT_CPU ends the compiler with SIGXCPU, then SIGKILL.
        if ("CPU time limit" in p.stderr or "Killed signal" in p.stderr) \
                and cpu is not None and cpu >= 0.9 * a.cpu_limit:
            return None, cpu, peak_mb, f"killed at {a.cpu_limit} CPU s"
        tail = p.stderr.strip().splitlines()[:3]
        return None, cpu, peak_mb, "failed: " + " / ".join(tail)
    return stages_of(p.stderr), cpu, peak_mb, "ok"


def median(values):
    values = sorted(v for v in values if v is not None)
    return values[len(values) // 2] if values else None


def measure(a, layers, folder, model_json):
    """One round at one depth: the row's columns (see main's table)."""
    (imp, passes, codegen), cpp_cpu, lines, data, starchc_mb = emit_cpp(
        a.starchc, model_json, folder)
    load = os.getloadavg()[0]
    stages, exe_cpu, peak_mb, outcome = compile_exe(a, model_json, folder)
    host_wall = stages[2] - codegen if stages else None
    host_cpu = exe_cpu - cpp_cpu if stages else None
    # End to end: the `-o train` run's own stages, host compile included.
    total = sum(stages) if stages else None
    log(f"  {layers} layers: import {imp:.2f} s, passes {passes:.2f} s, "
        f"codegen {codegen:.2f} s, {lines} lines, {data} bytes of "
        f"constants, host compile "
        f"{'%.1f' % host_cpu if host_cpu is not None else '-'} CPU s "
        f"({'%.1f' % host_wall if host_wall is not None else '-'} s "
        f"wall), end to end "
        f"{'%.2f' % total if total is not None else '-'} s, peak "
        f"{peak_mb:.0f} MB (starchc alone {starchc_mb:.0f} MB), {outcome}, "
        f"load {load:.2f}")
    return dict(imp=imp, passes=passes, codegen=codegen, lines=lines,
                host_cpu=host_cpu, host_wall=host_wall, total=total,
                peak_mb=peak_mb, starchc_mb=starchc_mb, outcome=outcome,
                load=load)


def main():
    a = parse_args()
    a.starchc = os.path.abspath(a.starchc)
    work = a.work or tempfile.mkdtemp(prefix="starch-bench-compile-")
    log(f"bench_compile {time.strftime('%Y-%m-%d %H:%M')}: starchc "
        f"{a.starchc}, {os.cpu_count()} CPUs, geometry {GEOMETRY}, "
        f"work {work}, {a.repeats} rounds")
    models = {}
    for layers in a.layers:
        folder = os.path.join(work, f"layers{layers}")
        os.makedirs(folder, exist_ok=True)
        export_model(layers, folder)
        models[layers] = (folder, write_model_json(folder, layers))
    rounds = {layers: [] for layers in a.layers}
    for r in range(a.repeats):
        log(f"round {r + 1} of {a.repeats}")
        for layers in a.layers:
            rounds[layers].append(measure(a, layers, *models[layers]))

    def col(layers, key):
        return median(m[key] for m in rounds[layers])

    reference = 32 if 32 in a.layers else a.layers[0]
    log(f"\nMedians of {a.repeats} rounds; end to end is the `starchc -o "
        f"train` run (import, passes, codegen, host compile); the last column "
        f"is its ratio to {reference} layers'. Peak: the process tree's "
        f"largest resident set (starchc's includes the weight files it "
        f"maps while matching names: page cache the kernel may drop).")
    log("\n| layers | import s | passes s | codegen s | source lines | "
        "host compile CPU s | wall s | end to end s | peak MB (starchc) | "
        "outcome | load | end to end / " + str(reference) + " layers |")
    log("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for layers in a.layers:
        def text(key, fmt):
            v = col(layers, key)
            return fmt % v if v is not None else "-"
        outcomes = sorted({m["outcome"] for m in rounds[layers]})
        ratio = (col(layers, "total") / col(reference, "total")
                 if col(layers, "total") and col(reference, "total") else None)
        log(f"| {layers} | {text('imp', '%.2f')} | {text('passes', '%.2f')} | "
            f"{text('codegen', '%.2f')} | {rounds[layers][0]['lines']} | "
            f"{text('host_cpu', '%.1f')} | {text('host_wall', '%.1f')} | "
            f"{text('total', '%.2f')} | {text('peak_mb', '%.0f')} "
            f"({text('starchc_mb', '%.0f')}) | {', '.join(outcomes)} | "
            f"{text('load', '%.1f')} | "
            f"{'%.2fx' % ratio if ratio is not None else '-'} |")


if __name__ == "__main__":
    main()
