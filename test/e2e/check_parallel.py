#!/usr/bin/env python3
"""Parallel training under mpirun against one process (standard library).

  check_parallel.py --bin DIR --mpirun MPIRUN --example tiny-vlm --dp 2 [--tp 2]

Compiles the shipped example twice: once as it is, but accumulating
dp x M micro-batches per step (one process), and once for dp data-parallel
replicas of M micro-batches each, every replica the LLM's pipeline stages of
tp ranks each (model.json: parallel.ranks = dp x ranks per replica, the LLM's
parallel.tp and stages) and every encoder on the LLM's first stage or, with
--encoder-stages N, on N stages of its own (modality parallel, or colocated
with --layout colocated), its tp 1 or, with --encoder-tp, the LLM's.
Both train 10 steps on the example's dataset (its manifest packed by
starch-data) or, without one, on synthetic data; a step of the replicas
covers the same sequences as a step of the single process (replica r takes
micro-batches r*M .. (r+1)*M - 1). Every step's loss, gradient norm and
learning rate must agree to rtol 1e-5, and the final checkpoints' (whole)
parameters and moments too, so tensor-parallel blocks are checked joined.
A multimodal program's per-module files (DIR/<module>.safetensors, which
rank 0 gathers) must agree with one process's the same way.
A final tensor beyond 1e-5 of its largest element passes only if each such
element lies within twice the one-process program's own spread: it is rerun
on 2 and 3 threads, and the largest distance of those runs from the 1-thread
run bounds what summation order alone does there (near-cancelled gradients,
which AdamW scales to lr-sized steps; the summary line then says so).
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Inputs"))
import tensorio  # noqa: E402

PLACEHOLDERS = 16
EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "examples")


FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")


def example_config(example):
    """The example's model.json and its folder; `fixture:NAME` is tiny-llama's
    with the LLM of test/fixtures/NAME (a Qwen2 with tied embeddings)."""
    if example.startswith("fixture:"):
        folder = os.path.join(EXAMPLES, "tiny-llama")
        config = json.load(open(os.path.join(folder, "model.json")))
        fixture = os.path.join(FIXTURES, example[len("fixture:"):])
        config["name"] = os.path.basename(fixture)
        config["llm"]["onnx"] = os.path.join(fixture, "model.onnx")
        config["llm"]["weights"] = os.path.join(fixture, "weights.safetensors")
        return config, folder
    folder = os.path.join(EXAMPLES, example)
    return json.load(open(os.path.join(folder, "model.json"))), folder


def encoder_count(example):
    return len(example_config(example)[0].get("encoders", []))


def variant(example, work, name, micro_batches, ranks, tp=1, encoder_tp=False,
            train_encoders=False, stages=1, encoder_stages=0, layout=None, zero1=False,
            cp=1, auto_memory_gb=None, schedule=None, precision="f32"):
    """The example's model.json with absolute paths, 10 steps, and the given
    accumulation, data and tensor parallelism and pipeline stages (`ranks` =
    dp x the stages' ranks)."""
    config, folder = example_config(example)

    def absolute(path):
        return os.path.normpath(os.path.join(folder, path))
    for module in [config["llm"]] + config.get("encoders", []):
        for key in ("onnx", "weights"):
            if key in module:
                module[key] = absolute(module[key])
        if "projector" in module and "weights" in module["projector"]:
            module["projector"]["weights"] = absolute(module["projector"]["weights"])
        if module is not config["llm"] and train_encoders:
            module["frozen"] = False
            module.pop("freeze", None)
        if module is not config["llm"] and ranks > 1:
            module["parallel"] = {"stages": encoder_stages, "tp": tp if encoder_tp else 1}
    if tp > 1 or stages > 1 or cp > 1:
        config["llm"]["parallel"] = {"tp": tp, "stages": stages, "cp": cp}
    if "data" in config:
        config["data"]["manifest"] = absolute(config["data"]["manifest"])
    config["training"].update(steps=10, micro_batches=micro_batches, warmup_steps=2)
    if precision != "f32":
        config["training"]["precision"] = precision
    if ranks > 1:
        config["parallel"] = {"ranks": ranks}
        if layout:
            config["parallel"]["layout"] = layout
        if zero1:
            config["parallel"]["zero1"] = True
        if schedule:
            config["parallel"]["schedule"] = schedule
        if auto_memory_gb is not None:
            config["parallel"] = {"plan": "auto", "ranks": ranks,
                                  "memory_gb": auto_memory_gb}
    path = os.path.join(work, name + ".json")
    json.dump(config, open(path, "w"), indent=1)
    return path, "data" in config


def build_pair(args, work):
    """Compiles `work`/single (one process, dp x M micro-batches) and
    `work`/parallel (dp x tp ranks, M each), and packs the example's dataset
    when it has one: the single model.json and the programs' data flags."""
    single, has_data = variant(args.example, work, "single", args.dp * args.micro_batches, 1,
                               train_encoders=args.train_encoders, precision=args.precision)
    if args.auto:
        # The planner shares the step's micro-batches among the replicas it
        # chooses; its report goes to the log.
        parallel, _ = variant(args.example, work, "parallel", args.micro_batches, args.ranks,
                              train_encoders=args.train_encoders,
                              auto_memory_gb=args.memory_gb, precision=args.precision)
    else:
        parallel, _ = variant(args.example, work, "parallel", args.micro_batches, args.ranks,
                              args.tp, args.encoder_tp, args.train_encoders, args.stages,
                              args.encoder_stages, args.layout, args.zero1, args.cp,
                              schedule=args.schedule, precision=args.precision)
    for name, config in (("single", single), ("parallel", parallel)):
        print(run_checked([os.path.join(args.bin, "starchc"), config, "-o",
                           os.path.join(work, name)]), end="")
    if not has_data:
        return single, []
    run_checked([os.path.join(args.bin, "starch-data"), single, "-o", os.path.join(work, "data")])
    return single, ["--data", os.path.join(work, "data")]


def run_checked(command, env=None):
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)
    if result.returncode != 0:
        print("$ " + " ".join(command))
        print(result.stdout)
        sys.exit(f"FAILED: exit {result.returncode}")
    return result.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--mpirun", required=True)
    ap.add_argument("--example", required=True)
    ap.add_argument("--dp", type=int, default=2, help="data-parallel replicas")
    ap.add_argument("--tp", type=int, default=1, help="tensor-parallel ranks per replica")
    ap.add_argument("--stages", type=int, default=1,
                    help="pipeline stages of the LLM per replica (1F1B)")
    ap.add_argument("--encoder-stages", type=int, default=0,
                    help="pipeline stages of each encoder's own (0: on the LLM's first stage)")
    ap.add_argument("--layout", choices=["modality_parallel", "colocated"],
                    help="model.json parallel.layout (default: modality_parallel)")
    ap.add_argument("--zero1", action="store_true",
                    help="ZeRO-1: the replicas split the optimizer state")
    ap.add_argument("--encoder-tp", action="store_true",
                    help="split the encoders' layers too (their tp = --tp)")
    ap.add_argument("--cp", type=int, default=1,
                    help="context-parallel ranks of the LLM (each replica's ranks x cp)")
    ap.add_argument("--micro-batches", type=int, default=1)
    ap.add_argument("--schedule", choices=["1f1b", "zero_bubble"],
                    help="model.json parallel.schedule of the pipelined program")
    ap.add_argument("--same-as-1f1b", action="store_true",
                    help="instead: the zero-bubble program against the 1F1B one of the same "
                         "plan, both under mpirun: every logged number and checkpoint value "
                         "must be identical")
    ap.add_argument("--auto", type=int, default=0, metavar="RANKS",
                    help="instead of --dp/--tp/--stages/...: parallel.plan \"auto\" on RANKS "
                         "ranks, sharing --micro-batches micro-batches per step")
    ap.add_argument("--memory-gb", type=float, default=80,
                    help="with --auto: parallel.memory_gb")
    ap.add_argument("--rtol", type=float, default=1e-5)
    ap.add_argument("--precision", choices=["f32", "bf16"], default="f32",
                    help="model.json training.precision of both programs")
    ap.add_argument("--interp", action="store_true",
                    help="instead: one step of the program under mpirun against "
                         "starch-run --ranks N --per-rank-inputs on its @train_step")
    ap.add_argument("--train-encoders", action="store_true",
                    help="unfreeze the encoders (the examples freeze them)")
    ap.add_argument("--resume", action="store_true",
                    help="instead: the parallel program resumes at step 5 from a "
                         "one-process checkpoint, and one process from its step-5 "
                         "checkpoint; both must continue as one process does")
    args = ap.parse_args()
    encoder_ranks = encoder_count(args.example) * args.encoder_stages * (
        args.tp if args.encoder_tp else 1)
    args.replica = args.stages * args.tp + encoder_ranks  # ranks reading the same data
    args.ranks = args.dp * args.cp * args.replica
    if args.auto:
        args.dp, args.ranks = 1, args.auto
    if args.same_as_1f1b:
        return same_as_1f1b(args)
    if args.interp:
        return interp(args)
    if args.resume:
        return resume(args)
    failures = []
    with tempfile.TemporaryDirectory() as work:
        single, data = build_pair(args, work)
        logs = {n: os.path.join(work, n + ".log") for n in ("single", "parallel")}
        ckpts = {n: os.path.join(work, n + "-ckpt") for n in ("single", "parallel")}
        print(run_checked([os.path.join(work, "single"), *data, "--loss-log", logs["single"],
                           "--save", ckpts["single"], "--log-every", "10"]))
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                   OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        print(run_checked([args.mpirun, "--oversubscribe", "-np", str(args.ranks),
                           os.path.join(work, "parallel"), *data, "--loss-log", logs["parallel"],
                           "--save", ckpts["parallel"], "--log-every", "10"], env=env))
        counts = [sum(1 for line in open(logs[n]) if line.strip())
                  for n in ("single", "parallel")]
        if counts != [10, 10]:
            sys.exit(f"FAILED: {counts[0]} and {counts[1]} logged steps")
        lr = json.load(open(single))["training"]["lr"]
        worst, worst_weight = compare_runs(logs["single"], logs["parallel"], ckpts["single"],
                                           ckpts["parallel"], args.rtol, failures,
                                           range(1, 11), lr)
        noise = within_reference_spread(args, work, data, ckpts["parallel"], failures)
        if noise:
            print(f"noise: {noise}")
            failures = []
    if failures:
        print("\n".join(failures[:20]))
        sys.exit(f"FAILED: {len(failures)} mismatches")
    if args.auto:
        print(f"{args.example}: the automatic plan on {args.ranks} ranks x {args.micro_batches} "
              f"micro-batches per step equals one process: 10 steps, max relative error "
              f"{worst:.2e} (loss, grad norm, lr), checkpoint tensors within {worst_weight:.2e}")
        return
    encoders = (f"encoders on {args.encoder_stages} stage(s) each, "
                f"{args.layout or 'modality_parallel'}, " if args.encoder_stages else "")
    context = f" x {args.cp} context-parallel" if args.cp > 1 else ""
    print(f"{args.example}: {args.dp} data-parallel{context} x {args.stages} LLM stages x "
          f"{args.tp} tensor-parallel ranks "
          f"({encoders}{'encoders split too' if args.encoder_tp else 'encoders whole'}"
          f"{', trained' if args.train_encoders else ''}) x "
          f"{args.micro_batches} micro-batches equal one process x {args.dp * args.micro_batches}: "
          f"10 steps, max relative error {worst:.2e} (loss, grad norm, lr), checkpoint tensors "
          f"within {worst_weight:.2e}")


def same_as_1f1b(args):
    """The plan's zero-bubble and 1F1B programs train identically: the
    weight gradients are the same ops, summed in the same order."""
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    failures = []
    with tempfile.TemporaryDirectory() as work:
        runs = {}
        for schedule in ("1f1b", "zero_bubble"):
            config, has_data = variant(args.example, work, schedule, args.micro_batches,
                                       args.ranks, args.tp, args.encoder_tp,
                                       args.train_encoders, args.stages, args.encoder_stages,
                                       args.layout, args.zero1, args.cp, schedule=schedule)
            run_checked([os.path.join(args.bin, "starchc"), config, "-o",
                         os.path.join(work, schedule)])
            data = []
            if has_data:
                run_checked([os.path.join(args.bin, "starch-data"), config, "-o",
                             os.path.join(work, "data")])
                data = ["--data", os.path.join(work, "data")]
            log, ckpt = os.path.join(work, schedule + ".log"), os.path.join(work, schedule + "-ckpt")
            print(run_checked([args.mpirun, "--oversubscribe", "-np", str(args.ranks),
                               os.path.join(work, schedule), *data, "--loss-log", log,
                               "--save", ckpt, "--log-every", "10"], env=env))
            runs[schedule] = (log, ckpt)
        lr = json.load(open(config))["training"]["lr"]
        worst, worst_weight = compare_runs(runs["1f1b"][0], runs["zero_bubble"][0],
                                           runs["1f1b"][1], runs["zero_bubble"][1], 0.0,
                                           failures, range(1, 11), lr)
    if failures or worst_weight != 0.0:
        print("\n".join(failures[:20]))
        sys.exit(f"FAILED: {len(failures)} mismatches, checkpoint tensors within "
                 f"{worst_weight:.2e}")
    print(f"{args.example}: zero-bubble equals 1F1B on {args.ranks} ranks x "
          f"{args.micro_batches} micro-batches: 10 steps and every checkpoint value identical")


# Key-projection biases get an exactly zero gradient (softmax is invariant to
# the constant q . b_k a query adds to every key), so trained encoders' ones
# move by rounding noise that AdamW normalises to lr-sized steps: no two
# summation orders agree on them.
ZERO_GRADIENT = re.compile(r"k_proj\.bias$")


def largest(values):
    """The largest magnitude of a tensor's values (at least 1e-12): the
    scale its differences are measured against."""
    return max(max((abs(v) for v in values), default=0.0), 1e-12)


def relative_miss(a, b):
    """The largest |a - b| over the elements, relative to largest(a)."""
    return max((abs(x - y) for x, y in zip(a, b)), default=0.0) / largest(a)


FINAL_MISS = re.compile(r"^final (\S+): max \|diff\|")
REFERENCE_THREADS = (2, 3)


def within_reference_spread(args, work, data, parallel_ckpt, failures):
    """The final tensors that missed rtol, judged against the one-process
    program's own reproducibility: it reruns with 2 and 3 threads (other
    GEMM summation orders), and a parallel value passes if it lies within
    twice the largest distance of those reruns from the 1-thread run, per
    element. AdamW gives near-cancelled gradients (rounding noise at the
    floor, or under eps) full lr-sized steps, so such elements disagree
    between any two summation orders, the one-process run's included.
    Returns a sentence for the summary, or None when some miss stays."""
    # A module file's tensor is named as in the checkpoint (module.name).
    names = sorted({FINAL_MISS.match(f).group(1) for f in failures if FINAL_MISS.match(f)})
    if not names or len([f for f in failures if FINAL_MISS.match(f)]) != len(failures):
        return None
    reference, _ = tensorio.read_checkpoint(os.path.join(work, "single-ckpt"))
    parallel, _ = tensorio.read_checkpoint(parallel_ckpt)
    reruns = []
    for threads in REFERENCE_THREADS:
        ckpt = os.path.join(work, f"single-{threads}-ckpt")
        env = dict(os.environ, OMP_NUM_THREADS=str(threads),
                   OPENBLAS_NUM_THREADS=str(threads))
        run_checked([os.path.join(work, "single"), *data, "--num-threads", str(threads),
                     "--save", ckpt, "--log-every", "10"], env=env)
        reruns.append(tensorio.read_checkpoint(ckpt)[0])
    worst_ratio, worst_spread = 0.0, 0.0
    for name in names:
        if name not in reference or name not in parallel:
            return None
        want, have = reference[name][2], parallel[name][2]
        scale = largest(want)
        for i, (w, h) in enumerate(zip(want, have)):
            miss = abs(h - w)
            if miss <= args.rtol * scale:
                continue
            spread = max(abs(run[name][2][i] - w) for run in reruns)
            worst_spread = max(worst_spread, spread / scale)
            if miss > 2 * spread:
                return None
            worst_ratio = max(worst_ratio, miss / spread)
    return (f"{len(names)} final tensors beyond {args.rtol:g} of their largest element, every "
            f"such element within {worst_ratio:.2f}x of the one-process program's own spread "
            f"under {' and '.join(map(str, REFERENCE_THREADS))} threads (up to "
            f"{worst_spread:.2e})")


def compare_runs(log_a, log_b, ckpt_a, ckpt_b, rtol, failures, steps, lr):
    """Loss, norm and lr of the given steps, and the final checkpoints;
    returns the worst relative errors of both."""
    rows = [{int(l.split()[0]): l.split() for l in open(p).read().splitlines() if l.strip()}
            for p in (log_a, log_b)]
    worst = 0.0
    for step in steps:
        if step not in rows[0] or step not in rows[1]:
            failures.append(f"step {step} missing from a loss log")
            continue
        for column, what in ((1, "loss"), (2, "grad norm"), (3, "lr")):
            x, y = float(rows[0][step][column]), float(rows[1][step][column])
            error = abs(x - y) / max(abs(x), 1e-12)
            worst = max(worst, error)
            if error > rtol:
                failures.append(f"step {step} {what}: {x!r} vs {y!r}")
    one, _ = tensorio.read_checkpoint(ckpt_a)
    two, _ = tensorio.read_checkpoint(ckpt_b)
    if sorted(one) != sorted(two):
        failures.append("the checkpoints hold different tensors")
    worst_weight = 0.0
    for name in sorted(set(one) & set(two)):
        a, b = one[name][2], two[name][2]
        if ZERO_GRADIENT.search(name):
            # Rounding noise only: AdamW moves each element by at most about
            # lr per step in both runs; the moments are noise.
            if not name.startswith("adamw.") and any(
                    abs(x - y) > 2 * max(steps) * lr for x, y in zip(a, b)):
                failures.append(f"final {name}: moved more than AdamW can move noise")
            continue
        diff = relative_miss(a, b)
        worst_weight = max(worst_weight, diff)
        if diff > rtol:
            failures.append(f"final {name}: max |diff| {diff:.2e} of its largest element")
    # Per-module files (a multimodal program's DIR/<module>.safetensors, by
    # the framework's names): the same tensors as one process writes, whole
    # (rank 0 gathers them), to the same tolerance.
    modules = sorted(f for f in os.listdir(ckpt_a)
                     if f.endswith(".safetensors") and not f.startswith("checkpoint"))
    theirs = sorted(f for f in os.listdir(ckpt_b)
                    if f.endswith(".safetensors") and not f.startswith("checkpoint"))
    if modules != theirs:
        failures.append(f"module files differ: {modules} vs {theirs}")
    for module in set(modules) & set(theirs):
        one, _ = tensorio.read_safetensors(os.path.join(ckpt_a, module))
        two, _ = tensorio.read_safetensors(os.path.join(ckpt_b, module))
        if sorted(one) != sorted(two):
            failures.append(f"{module} holds different tensors")
            continue
        for name in one:
            if one[name][0] != two[name][0]:
                failures.append(f"{module}: {name} has shape {two[name][0]}, "
                                f"one process {one[name][0]}")
                continue
            a, b = one[name][2], two[name][2]
            diff = relative_miss(a, b)
            if diff > rtol and not ZERO_GRADIENT.search(name):
                failures.append(f"final {module[:-12]}.{name}: max |diff| {diff:.2e} "
                                f"of its largest element (module file)")
    return worst, worst_weight


def resume(args):
    """Checkpoints hold whole parameters, so a plan resumes another's: one
    process trains 10 steps straight, and saves at step 5; the parallel
    program (dp x tp ranks) resumes that checkpoint to step 10; one process
    resumes the parallel program's own step-5 checkpoint to step 10. Steps
    6-10 and the final checkpoints of both must equal the straight run."""
    with tempfile.TemporaryDirectory() as work:
        single, data = build_pair(args, work)
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                   OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        mpi = [args.mpirun, "--oversubscribe", "-np", str(args.ranks)]
        p = lambda name: os.path.join(work, name)  # noqa: E731
        run_checked([p("single"), *data, "--loss-log", p("straight.log"), "--save", p("straight")])
        run_checked([p("single"), *data, "--steps", "5", "--save", p("single5")])
        run_checked(mpi + [p("parallel"), *data, "--steps", "5", "--save", p("parallel5")], env=env)
        run_checked(mpi + [p("parallel"), *data, "--resume", p("single5"), "--loss-log",
                           p("to_parallel.log"), "--save", p("to_parallel")], env=env)
        run_checked([p("single"), *data, "--resume", p("parallel5"), "--loss-log",
                     p("to_single.log"), "--save", p("to_single")])
        failures = []
        lr = json.load(open(single))["training"]["lr"]
        worst = compare_runs(p("straight.log"), p("to_parallel.log"), p("straight"),
                             p("to_parallel"), args.rtol, failures, range(6, 11), lr)
        worst2 = compare_runs(p("straight.log"), p("to_single.log"), p("straight"),
                              p("to_single"), args.rtol, failures, range(6, 11), lr)
    if failures:
        print("\n".join(failures[:20]))
        sys.exit(f"FAILED: {len(failures)} mismatches")
    print(f"{args.example}: one process -> {args.dp} x {args.stages} stages x tp {args.tp} "
          f"ranks at step 5, and "
          f"back, continue as one process: steps 6-10 within {max(worst[0], worst2[0]):.2e}, "
          f"checkpoints within {max(worst[1], worst2[1]):.2e}")


PARAM = re.compile(r'starch\.param @([\w.$:-]+)\s*(\{[^}]*\})?\s*:')
SOURCE = re.compile(r'source = "([^"]+)"')
MODULE = re.compile(r'starch\.module = "([^"]+)"')


def interp(args):
    """Step 1 of the parallel program under mpirun, on token (and encoder
    input) files, against the reference interpreter running its
    @train_step IR (each rank its stage's) on the same number of in-process
    ranks, each given its replica's micro-batches: the loss, gradient norm,
    learning rate and every parameter and moment after the step."""
    with tempfile.TemporaryDirectory() as work:
        config, _ = variant(args.example, work, "parallel", args.micro_batches, args.ranks,
                            args.tp, args.encoder_tp, args.train_encoders, args.stages,
                            args.encoder_stages, args.layout, args.zero1, args.cp)
        spec = json.load(open(config))
        spec.pop("data", None)  # token files instead of the dataset
        json.dump(spec, open(config, "w"), indent=1)
        exe, ir = os.path.join(work, "train"), os.path.join(work, "train.mlir")
        run_checked([os.path.join(args.bin, "starchc"), config, "-o", exe])
        run_checked([os.path.join(args.bin, "starchc"), config, "--emit=train", "-o", ir])
        batch, seq = spec["llm"]["input_shapes"]["input_ids"]
        micro, ranks, dp = args.micro_batches, args.ranks, args.dp
        sequences = dp * micro * batch
        encoders = spec.get("encoders", [])
        placeholders = {e["placeholder_token"] for e in encoders}
        state, ids = 12345, []
        for _ in range(sequences):
            row = []
            # One block of PLACEHOLDERS placeholder tokens per encoder input
            # (the examples' encoders make 16 feature vectors), then text.
            for encoder in encoders:
                row += [encoder["placeholder_token"]] * PLACEHOLDERS
            while len(row) < seq:  # a fixed LCG: the same ids on every run
                state = (state * 1103515245 + 12345) % 2**31
                if state % 128 not in placeholders:
                    row.append(state % 128)
            ids += row
        tokens = os.path.join(work, "tokens.npy")
        tensorio.write_npy(tokens, [sequences, seq], "i64", ids)
        rng = random.Random(99)
        # Replica r's micro-batches are rows [r*M*B, (r+1)*M*B), read by
        # every rank of its replica (and of its context-parallel copies):
        # stacked per rank.
        def stacked(values, rows_per_sequence, row_shape, dtype, name):
            row_size = 1
            for d in row_shape:
                row_size *= d
            chunk = micro * batch * rows_per_sequence * row_size
            data = [v for rank in range(ranks)
                    for v in values[(rank // (args.replica * args.cp)) * chunk:
                                    (rank // (args.replica * args.cp) + 1) * chunk]]
            path = os.path.join(work, name + ".stacked.npy")
            tensorio.write_npy(path, [ranks, micro, batch * rows_per_sequence] + row_shape,
                               dtype, data)
            return path
        inputs = [stacked(ids, 1, [seq], "i64", "tokens")]
        program_inputs = []
        for encoder in encoders:
            for key, shape in encoder["input_shapes"].items():
                per_sequence = shape[0] // batch
                inner = 1
                for d in shape[1:]:
                    inner *= d
                values = [rng.uniform(-1.0, 1.0) for _ in range(sequences * per_sequence * inner)]
                name = encoder["name"] + "." + key
                path = os.path.join(work, name + ".npy")
                tensorio.write_npy(path, [sequences * per_sequence] + shape[1:], "f32", values)
                program_inputs += ["--input", f"{name}={path}"]
                inputs.append(stacked(values, per_sequence, shape[1:], "f32", name))
        inputs.append(inputs[0])  # the labels are the tokens
        step = os.path.join(work, "step.npy")
        tensorio.write_npy(step, [ranks], "i64", [1] * ranks)
        log, ckpt = os.path.join(work, "loss.log"), os.path.join(work, "ckpt")
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                   OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        run_checked([args.mpirun, "--oversubscribe", "-np", str(ranks), exe, "--steps", "1",
                     "--data", tokens, *program_inputs, "--loss-log", log, "--save", ckpt],
                    env=env)
        out, params = os.path.join(work, "interp"), os.path.join(work, "interp.safetensors")
        run_checked([os.path.join(args.bin, "starch-run"), ir, "--function", "train_step",
                     "--ranks", str(ranks), "--per-rank-inputs", "--output-dir", out,
                     "--params-out", params]
                    + [flag for path in inputs + [step] for flag in ("--input", path)])
        failures = []
        row = open(log).read().split()
        for column, name in ((1, "loss"), (2, "grad_norm"), (3, "lr")):
            _, _, (want,) = tensorio.read_npy(os.path.join(out, name + ".npy"))
            if not tensorio.close(float(row[column]), want, 1e-6, 1e-9):
                failures.append(f"{name}: program {row[column]} vs starch-run {want!r}")
        sources = {}
        for symbol, attrs in PARAM.findall(open(ir).read()):
            # starch-run names a parameter "module::source" (paramKey).
            found = SOURCE.search(attrs or "")
            owner = MODULE.search(attrs or "")
            key = found.group(1) if found else symbol
            sources[symbol] = owner.group(1) + "::" + key if owner else key
        checkpoint, _ = tensorio.read_checkpoint(ckpt)
        interpreted, _ = tensorio.read_safetensors(params)
        for symbol, (_, _, have) in checkpoint.items():
            key = sources.get(symbol, symbol)
            if key not in interpreted:
                failures.append(f"{symbol}: not written by starch-run")
                continue
            bad = sum(1 for a, b in zip(have, interpreted[key][2])
                      if not tensorio.close(a, b, 1e-5, 1e-8))
            if bad:
                failures.append(f"{symbol}: {bad} elements differ")
    if failures:
        print("\n".join(failures[:20]))
        sys.exit(f"FAILED: {len(failures)} mismatches")
    print(f"{args.example}: step 1 on {ranks} MPI ranks equals starch-run "
          f"--ranks {ranks} on @train_step (loss {row[1]}, grad norm {row[2]}, "
          f"{len(checkpoint)} parameters and moments)")


if __name__ == "__main__":
    main()
