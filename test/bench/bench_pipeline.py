#!/usr/bin/env python3
"""Pipeline stages: step time on 1, 2 and 4 ranks and the measured bubble,
1F1B against the zero-bubble schedule.

One Llama-style model (hidden 256, 8 layers, vocabulary 2048, 2 x 64 tokens
per micro-batch, bench_compile.py's export) is compiled with the LLM cut
into S = 1, 2, 4 pipeline stages (model.json `llm.parallel.stages`,
`parallel.ranks` = S) and M micro-batches per step, and each program runs
under `mpirun -np S` with one thread per rank and `--trace`. From the trace
(runtime/train/Trace.h), for every measured step:

  step time   the longest rank's "step k" span;
  busy        per rank, the time inside its forward ("F<m>") and backward
              ("B<m>"; with the zero-bubble schedule also the weight parts
              "W<m>") spans of that step: compute, including the forward a
              backward recomputes (docs/parallel.md, "Pipeline stages");
  bubble      1 - (sum of the ranks' busy time) / (S x step time): the share
              of rank time spent waiting, next to 1F1B's ideal
              (S - 1) / (M + S - 1) for equal stages.

The first --warmup steps are dropped; medians over the rest are printed.
Nothing is asserted. With more ranks than cores (4 ranks on a 2-core
machine) ranks also wait for a core, which this cannot tell from a bubble:
compare such rows with care. --keep-trace FILE copies the trace of the
largest S (docs/examples/traces/ holds one).

  python test/bench/bench_pipeline.py [--stages 1,2,4] [--micro-batches 8]
      [--schedules 1f1b,zero_bubble] [--steps 6] [--warmup 2] [--work DIR]
      [--starchc build/bin/starchc]

Run it with the Python environment of test/fixtures/requirements-dynamo.txt
(for the export; cached in --work).
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import bench_compile  # noqa: E402  (export_model, GEOMETRY)

LAYERS = 8


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stages", default="1,2,4")
    ap.add_argument("--micro-batches", type=int, default=8)
    ap.add_argument("--schedules", default="1f1b,zero_bubble",
                    help="model.json parallel.schedule values to compare")
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--work")
    ap.add_argument("--starchc", default=os.path.join(REPO, "build", "bin", "starchc"))
    ap.add_argument("--mpirun", default=shutil.which("mpirun") or "mpirun")
    ap.add_argument("--keep-trace")
    a = ap.parse_args()
    a.stages = [int(s) for s in a.stages.split(",")]
    a.schedules = a.schedules.split(",")
    return a


def write_model_json(folder, stages, micro, schedule):
    g = bench_compile.GEOMETRY
    spec = {
        "name": f"bench-pipeline-{stages}",
        "llm": {"onnx": "llm.onnx", "input_shapes": {"input_ids": [g["batch"], g["seq"]]},
                "parallel": {"stages": stages}},
        "training": {"steps": 100, "micro_batches": micro, "lr": 1e-3,
                     "max_grad_norm": 1.0, "warmup_steps": 2},
    }
    if stages > 1:
        spec["parallel"] = {"ranks": stages, "schedule": schedule}
    path = os.path.join(folder, f"model-{stages}-{schedule}.json")
    with open(path, "w") as f:
        json.dump(spec, f, indent=2)
    return path


STEP = re.compile(r"^step (\d+)$")
WORK = re.compile(r"^[FBW]\d+$")


def analyse(trace_path, ranks, warmup):
    """[(step time s, bubble)] of every step after `warmup`."""
    events = [e for e in json.load(open(trace_path))["traceEvents"] if e.get("ph") == "X"]
    steps = {}  # step -> rank -> (begin, end)
    for e in events:
        m = STEP.match(e["name"])
        if m:
            steps.setdefault(int(m.group(1)), {})[e["pid"]] = (e["ts"], e["ts"] + e["dur"])
    rows = []
    for step in sorted(steps):
        if step <= warmup or len(steps[step]) != ranks:
            continue
        window = steps[step]
        length = max(end - begin for begin, end in window.values())
        busy = 0.0
        for e in events:
            if WORK.match(e["name"]) and e["pid"] in window:
                begin, end = window[e["pid"]]
                if begin <= e["ts"] and e["ts"] + e["dur"] <= end:
                    busy += e["dur"]
        rows.append((length / 1e6, 1 - busy / (ranks * length)))
    return rows


def main():
    a = parse_args()
    work = a.work or tempfile.mkdtemp(prefix="bench-pipeline-")
    os.makedirs(work, exist_ok=True)
    print(f"work folder {work}; load {os.getloadavg()[0]:.2f}", flush=True)
    bench_compile.export_model(LAYERS, work)
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    g = bench_compile.GEOMETRY
    print(f"Llama hidden {g['hidden']}, {LAYERS} layers, vocabulary {g['vocab']}, "
          f"{a.micro_batches} micro-batches of {g['batch']} x {g['seq']} tokens, "
          f"1 thread per rank")
    print(f"{'ranks':>5} {'schedule':>11} {'step ms':>9} {'tok/s':>8} {'bubble':>7} "
          f"{'(S-1)/(M+S-1)':>14}")
    for stages in a.stages:
        for schedule in a.schedules if stages > 1 else a.schedules[:1]:
            config = write_model_json(work, stages, a.micro_batches, schedule)
            exe = os.path.join(work, f"train-{stages}-{schedule}")
            subprocess.run([a.starchc, config, "-o", exe], check=True)
            trace = os.path.join(work, f"trace-{stages}-{schedule}.json")
            launch = [a.mpirun, "--oversubscribe", "-np", str(stages)] if stages > 1 else []
            subprocess.run(launch + [exe, "--steps", str(a.steps), "--trace", trace,
                                     "--num-threads", "1", "--log-every", "1000"],
                           check=True, env=env, stdout=subprocess.DEVNULL)
            rows = analyse(trace, stages, a.warmup)
            seconds = statistics.median(r[0] for r in rows)
            bubble = statistics.median(r[1] for r in rows)
            tokens = a.micro_batches * g["batch"] * g["seq"]
            ideal = (stages - 1) / (a.micro_batches + stages - 1)
            print(f"{stages:>5} {schedule:>11} {seconds * 1e3:>9.1f} {tokens / seconds:>8.0f} "
                  f"{bubble:>7.3f} {ideal:>14.3f}", flush=True)
            if a.keep_trace and stages == max(a.stages):
                shutil.copy(trace, a.keep_trace)


if __name__ == "__main__":
    main()
