#!/usr/bin/env python3
"""The whole matrix of parallel plans against one process (standard library).

  parallel_matrix.py --bin DIR --mpirun MPIRUN [--max-ranks 8] [--jobs 1]
                     [--only SUBSTRING] [--list] [--summary FILE]

For every shipped example (tiny-llama, tiny-vlm, tiny-alm, tiny-valm) and
the Qwen2 fixture with tied embeddings, every combination of

  dp, the LLM's tp, the LLM's pipeline stages         in {1, 2}
  encoders: on the LLM's first stage, or on 1 stage of their own,
            modality_parallel or colocated             (multimodal only)
  encoder tp: 1, or the LLM's                          (when tp = 2)
  encoders frozen as shipped, or trained               (multimodal only)

that fits in `--max-ranks` ranks (and needs more than one), runs
check_parallel.py: 10 steps under mpirun against one process accumulating
the same micro-batches; losses, gradient norms and learning rates within
rtol 1e-5, and the final parameters and moments within 1e-5 of each
tensor's largest element, or, element by element, within twice what the
one-process program itself moves when rerun on 2 and 3 threads (AdamW
turns near-cancelled gradients into lr-sized steps whose rounding no two
summation orders share; such runs are counted and marked). ctest runs a subset (train.dp/tp/pp/mp/colocated);
this is the full matrix, printed as one line per run and a summary.
"""
import argparse
import concurrent.futures
import itertools
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = [("tiny-llama", 0), ("fixture:qwen2_dynamo", 0), ("tiny-vlm", 1), ("tiny-alm", 1),
          ("tiny-valm", 2)]
MICRO_BATCHES = 2


def runs(max_ranks):
    for (model, encoders), dp, tp, stages in itertools.product(MODELS, (1, 2), (1, 2), (1, 2)):
        placements = [("on-llm", 0, None)]
        if encoders:
            placements += [("modality", 1, "modality_parallel"), ("colocated", 1, "colocated")]
        for (where, encoder_stages, layout), encoder_tp, trained in itertools.product(
                placements, (False, True) if tp > 1 and encoders else (False,),
                (False, True) if encoders else (False,)):
            replica = stages * tp + encoders * encoder_stages * (tp if encoder_tp else 1)
            ranks = dp * replica
            if ranks < 2 or ranks > max_ranks:
                continue
            if encoders and encoder_stages == 0 and layout is None and where != "on-llm":
                continue
            name = (f"{model.replace('fixture:', '')} dp{dp} tp{tp} pp{stages} enc-{where}"
                    f"{' enc-tp' + str(tp) if encoder_tp else ''}{' trained' if trained else ''}")
            flags = ["--example", model, "--dp", str(dp), "--tp", str(tp), "--stages", str(stages),
                     "--micro-batches", str(MICRO_BATCHES)]
            if encoder_stages:
                flags += ["--encoder-stages", str(encoder_stages), "--layout", layout]
            if encoder_tp:
                flags.append("--encoder-tp")
            if trained:
                flags.append("--train-encoders")
            yield name, ranks, flags


def run_one(args, name, ranks, flags):
    start = time.time()
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    result = subprocess.run([sys.executable, os.path.join(HERE, "check_parallel.py"),
                             "--bin", args.bin, "--mpirun", args.mpirun] + flags,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines = [l for l in result.stdout.splitlines() if l.strip()]
    detail = lines[-1] if lines else ""
    noise = any(l.startswith("noise: ") for l in lines)
    if result.returncode == 0 and "max relative error" in detail:
        # "... max relative error 9.1e-08 (...), checkpoint tensors within 2.1e-06"
        words = detail.split()
        detail = (f"loss/norm/lr {words[words.index('error') + 1]}, "
                  f"checkpoint {words[-1]}"
                  + (" (beyond 1e-5 only within the one-process run's own spread)"
                     if noise else ""))
    else:
        mismatches = [l for l in lines if l.startswith(("step ", "final ", "FAILED"))
                      and " | " not in l]  # not the programs' progress lines
        detail = "; ".join(mismatches[:3]) or detail
    return name, ranks, result.returncode == 0, time.time() - start, detail


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--mpirun", default="mpirun")
    ap.add_argument("--max-ranks", type=int, default=8)
    ap.add_argument("--jobs", type=int, default=1, help="runs at once (each uses its ranks' cores)")
    ap.add_argument("--only", default="", help="only runs whose name contains this")
    ap.add_argument("--list", action="store_true", help="print the runs and exit")
    ap.add_argument("--summary", help="also write the result lines to this file")
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)
    todo = [r for r in runs(args.max_ranks) if args.only in r[0]]
    if args.list:
        for name, ranks, flags in todo:
            print(f"{ranks} ranks  {name}")
        print(f"{len(todo)} runs")
        return
    out = open(args.summary, "w") if args.summary else None
    passed = noisy = 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(run_one, args, *r) for r in todo]
        for n, future in enumerate(concurrent.futures.as_completed(futures), 1):
            name, ranks, ok, seconds, detail = future.result()
            passed += ok
            noisy += ok and "own spread" in detail
            line = (f"[{n}/{len(todo)}] {'ok  ' if ok else 'FAIL'} {name} ({ranks} ranks, "
                    f"{seconds:.0f} s): {detail}")
            print(line, flush=True)
            if out:
                out.write(line + "\n")
                out.flush()
    summary = (f"{passed} of {len(todo)} plans equal one process ({noisy} of them "
               f"only within the one-process run's own spread under other thread counts)")
    print(summary)
    if out:
        out.write(summary + "\n")
    sys.exit(0 if passed == len(todo) else 1)


if __name__ == "__main__":
    main()
