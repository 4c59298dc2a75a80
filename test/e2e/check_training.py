#!/usr/bin/env python3
"""End-to-end training checks of generated programs (standard library only).

  check_training.py --bin DIR --fixture test/fixtures/llama_dynamo --case CASE

parity  compile the fixture with the hyper-parameters of train/train.json,
        train 20 steps on train/tokens.npy and labels.npy, and compare every
        step's loss, gradient norm and learning rate, then the final weights,
        with the PyTorch reference made by test/fixtures/train_reference.py.
interp  one optimizer step of the generated program against starch-run
        executing the same @train_step IR (loss, norm, lr, every parameter
        and moment afterwards).
resume  20 steps in one run versus 10 + 10 through a checkpoint: the loss
        logs must be identical strings.
        With --precision bf16: training.precision "bf16" against the
        fixture's train_bf16/ run under CPU autocast, with the tolerances of
        docs/training.md, and first the logits of @forward (starch-run) on
        step 1's first micro-batch: every one a bf16 number, within two bf16
        steps (at the largest logit) of PyTorch's.
recompute  the parity run with and without training.recompute = "layers":
        identical loss logs and checkpoints, bit for bit (with --precision
        bf16, both under bf16 mixed precision).
learns  a shipped example (docs/examples/tiny-llama, or --example) on its
        dataset (its train.jsonl packed by starch-data, as the README's run
        command does) or, without one, on synthetic sequences: the mean loss
        of the last 20 of 300 steps must be at least 1.5 below that of the
        first 20 (it starts near ln 128 = 4.85).
padding-matters  (a fixture with a pad token) the parity case with
        llm.padding_idx null must fail: the data exercise the padding row.
diverges  the fixture with a learning rate of 1e3: training stops at the
        first non-finite gradient norm naming a parameter, and the previous
        step's checkpoint stays the latest and resumes into the same step.
resume-dataset  the same for a shipped multimodal example streaming its
        dataset (--example): 6 steps in one run versus 3 + 3 and versus the
        dataset packed in shards of 5 sequences, identical logs
        (the background reader restarts at the checkpoint's position).
"""
import argparse
import json
import math
import os
import re
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Inputs"))
import tensorio  # noqa: E402

PARAM = re.compile(r'starch\.param @([\w.$:-]+)\s*(\{[^}]*\})?\s*:')
SOURCE = re.compile(r'source = "([^"]+)"')


def write_config(path, fixture, training, llm_fields=None):
    llm = {"onnx": os.path.join(fixture, "model.onnx")}
    # A fixture trained under the framework's names (train.json says which
    # weights file) gives llm.weights.
    ref = json.load(open(os.path.join(fixture, "train", "train.json")))
    if "framework_weights" in ref:
        llm["weights"] = os.path.join(fixture, ref["framework_weights"])
    with open(path, "w") as f:
        json.dump({"name": os.path.basename(fixture),
                   "llm": {**llm, **(llm_fields or {})},
                   "training": training}, f)


def compile_program(args, work, training):
    config = os.path.join(work, "model.json")
    write_config(config, args.fixture, training, args.llm_fields)
    exe = os.path.join(work, "train")
    tensorio.run([os.path.join(args.bin, "starchc"), config, "-o", exe])
    return config, exe


def sources_of(args, config):
    """Parameter symbol -> initializer name, from the imported IR."""
    ir = tensorio.run([os.path.join(args.bin, "starchc"), config, "--emit=starch"]).stdout
    out = {}
    for symbol, attrs in PARAM.findall(ir):
        found = SOURCE.search(attrs or "")
        out[symbol] = found.group(1) if found else symbol
    return out


def read_log(path):
    return [line.split() for line in open(path).read().splitlines() if line.strip()]


def reference_folder(args):
    """The PyTorch run a parity case compares with: float32, or the forward
    under CPU autocast bf16 (train_reference.py --precision bf16)."""
    return os.path.join(args.fixture, "train_bf16" if args.precision == "bf16" else "train")


def reference_training(fixture, precision="f32"):
    folder = "train_bf16" if precision == "bf16" else "train"
    ref = json.load(open(os.path.join(fixture, folder, "train.json")))
    training = {"steps": ref["steps"], "micro_batches": ref["micro_batches"], "lr": ref["lr"],
                "betas": ref["betas"], "eps": ref["eps"], "weight_decay": ref["weight_decay"],
                "max_grad_norm": ref["max_grad_norm"], "warmup_steps": ref["warmup_steps"]}
    # PyTorch's parameter groups without weight decay, as model.json says them.
    if "no_weight_decay" in ref:
        training["no_weight_decay"] = ref["no_weight_decay"]
    if precision != "f32":
        training["precision"] = precision
    return training


def case_parity(args, work):
    train = reference_folder(args)
    training = reference_training(args.fixture, args.precision)
    config, exe = compile_program(args, work, training)
    log, ckpt = os.path.join(work, "loss.log"), os.path.join(work, "ckpt")
    output = tensorio.run([exe, "--data", os.path.join(train, "tokens.npy"),
                           "--labels", os.path.join(train, "labels.npy"),
                           "--loss-log", log, "--save", ckpt, "--log-every", "5"]).stdout
    rows = read_log(log)
    failures = 0
    # What trains must be what PyTorch trains: a parameter that became a
    # constant would still give close losses for a while.
    found = re.search(r"\| (\d+) trainable values \|", output)
    want_count = json.load(open(os.path.join(train, "train.json")))["param_count"]
    if not found or int(found.group(1)) != want_count:
        print(f"MISMATCH trainable values: program {found and found.group(1)}, "
              f"PyTorch {want_count}")
        failures += 1
    worst = {}
    for column, name in ((1, "losses"), (2, "grad_norms"), (3, "lrs")):
        _, _, ref = tensorio.read_npy(os.path.join(train, name + ".npy"))
        if len(rows) != len(ref):
            sys.exit(f"FAILED: {len(rows)} logged steps, reference has {len(ref)}")
        errors = [abs(float(r[column]) - want) / max(abs(want), 1e-12) for r, want in zip(rows, ref)]
        worst[name] = max(errors)
        for step, (r, want, err) in enumerate(zip(rows, ref, errors), 1):
            if err > args.rtol and abs(want) > 1e-12:
                print(f"MISMATCH step {step} {name}: starch {r[column]} vs torch {want!r} (rel {err:.2e})")
                failures += 1
    # Final weights: checkpoint (by symbol) -> initializer -> Hugging Face
    # name; under framework weights the source is the Hugging Face name.
    final, _ = tensorio.read_safetensors(os.path.join(train, "final_weights.safetensors"))
    names_file = os.path.join(args.fixture, "train", "onnx_names.json")
    names = (json.load(open(names_file)) if os.path.exists(names_file) else
             {name: {"hf": name, "transposed": False} for name in final})
    checkpoint, _ = tensorio.read_checkpoint(ckpt)
    # bf16: PyTorch's own f32 run, to see how far bf16 moves a weight there.
    f32_final = (tensorio.read_safetensors(os.path.join(args.fixture, "train",
                                                        "final_weights.safetensors"))[0]
                 if args.precision == "bf16" else None)
    compared, worst_weight, noise_only = 0, 0.0, []
    for symbol, source in sources_of(args, config).items():
        if source not in names or symbol not in checkpoint:
            continue
        entry = names[source]
        shape, _, have = checkpoint[symbol]
        ref_shape, _, want = final[entry["hf"]]
        if entry["transposed"]:
            rows_, cols = ref_shape
            want = [want[i * cols + j] for j in range(cols) for i in range(rows_)]
        miss, what = weight_miss(args.precision, have, want)
        tolerance = args.weights_rtol or args.rtol
        if f32_final is not None:
            # A weight whose gradient is rounding noise (a key bias, which
            # softmax cancels) moves as far between PyTorch's f32 and bf16
            # runs: it is held to twice that distance.
            f32_want = f32_final[entry["hf"]][2]
            if entry["transposed"]:
                f32_want = [f32_want[i * cols + j] for j in range(cols) for i in range(rows_)]
            spread = weight_miss(args.precision, f32_want, want)[0]
            if 2 * spread > tolerance:
                tolerance = 2 * spread
                noise_only.append(f"{entry['hf']} ({miss:.2e}, PyTorch f32 to bf16 {spread:.2e})")
        worst_weight = max(worst_weight, miss if tolerance == (args.weights_rtol or args.rtol) else 0)
        if miss > tolerance:
            print(f"MISMATCH final {symbol} ({entry['hf']}): {what}")
            failures += 1
        compared += 1
    hf_count = len(set(m["hf"] for m in names.values()))
    if compared < len(names) - (len(names) - hf_count):
        print(f"MISMATCH only {compared} of {hf_count} weights found in the checkpoint")
        failures += 1
    if noise_only:
        print("held to twice PyTorch's own f32-to-bf16 distance: " + "; ".join(noise_only))
    if args.precision == "bf16":
        failures += check_bf16_logits(args, config, work)
    if failures:
        sys.exit(f"FAILED: {failures} mismatches")
    print(f"parity ({args.precision}): 20 steps, max relative error loss {worst['losses']:.2e}, grad norm "
          f"{worst['grad_norms']:.2e}, lr {worst['lrs']:.2e}; {want_count} trainable values as in "
          f"PyTorch; {compared} final weights within {worst_weight:.2e} "
          + ("(relative L2)" if args.precision == "bf16" else "of their largest element")
          + f" (tolerance {args.rtol:g}, weights {args.weights_rtol or args.rtol:g})")


def weight_miss(precision, have, want):
    """How far a final weight is from PyTorch's. In f32, the largest
    difference over the largest element. In bf16 the L2 distance over the
    L2 norm: both runs round every product to 8 bits, rounding some
    elements differently, and AdamW turns those into full-size updates of
    elements whose gradients are near zero; the norm weighs them by size
    (docs/training.md)."""
    diffs = [abs(a - b) for a, b in zip(have, want)]
    if precision == "bf16":
        norm = sum(b * b for b in want) ** 0.5
        miss = sum(d * d for d in diffs) ** 0.5 / max(norm, 1e-30)
        return miss, f"L2 distance {miss:.3e} of the L2 norm"
    scale = max(abs(b) for b in want)
    return max(diffs) / scale, f"max |diff| {max(diffs):.3e} vs max |w| {scale:.3e}"


def bf16_step(value):
    """The spacing of bf16 numbers at `value` (8 significant bits)."""
    exponent = math.frexp(abs(value))[1] if value else -126
    return 2.0 ** (exponent - 8)


def is_bf16(value):
    bits = struct.unpack("<I", struct.pack("<f", value))[0]
    return bits & 0xFFFF == 0


def check_bf16_logits(args, config, work):
    """@forward's logits on step 1's first micro-batch against PyTorch's
    under autocast: a product rounded to bf16 is the strongest sign that
    mixed precision is on, and the step-1 logits share PyTorch's weights
    exactly, before any difference accumulates."""
    train = reference_folder(args)
    ir = os.path.join(work, "train.mlir")
    tensorio.run([os.path.join(args.bin, "starchc"), config, "--emit=train", "-o", ir])
    shape, _, tokens = tensorio.read_npy(os.path.join(train, "tokens.npy"))
    batch = json.load(open(os.path.join(train, "train.json")))["batch"]
    first = os.path.join(work, "tokens.first.npy")
    tensorio.write_npy(first, [batch, shape[1]], "i64", tokens[:batch * shape[1]])
    out = os.path.join(work, "forward")
    tensorio.run([os.path.join(args.bin, "starch-run"), ir, "--function", "forward",
                  "--input", first, "--output-dir", out])
    _, _, have = tensorio.read_npy(os.path.join(out, "logits.npy"))
    _, _, want = tensorio.read_npy(os.path.join(train, "logits_step1.npy"))
    not_bf16 = sum(1 for h in have if not is_bf16(h))
    # Rounding apart by a step near the largest logit moves a small one by
    # as much: the bound is two bf16 steps at the largest |logit|.
    bound = 2 * bf16_step(max(abs(w) for w in want))
    far = sum(1 for h, w in zip(have, want) if abs(h - w) > bound)
    same = sum(1 for h, w in zip(have, want) if h == w)
    print(f"bf16 logits: {same} of {len(want)} equal to PyTorch's, {far} beyond two bf16 steps, "
          f"{not_bf16} not bf16 numbers")
    if len(have) != len(want) or not_bf16 or far:
        print("MISMATCH bf16 logits")
        return 1
    return 0


def case_recompute(args, work):
    """training.recompute = "layers" trains bit for bit as without it: the
    backward reads a copy of each layer's forward, the same ops on the
    same values (the memory it saves is in starchc -v's report)."""
    train = os.path.join(args.fixture, "train")
    logs, checkpoints, arenas = [], [], []
    for mode in ("none", "layers"):
        run = os.path.join(work, mode)
        os.makedirs(run)
        training = dict(reference_training(args.fixture, args.precision), recompute=mode)
        config, exe = compile_program(args, run, training)
        # The gradient function's arena (starchc -v): the activations its
        # backward reads, which recompute must shrink.
        report = tensorio.run([os.path.join(args.bin, "starchc"), config, "--emit=cpp",
                               "-o", os.path.join(run, "train.cpp"), "-v"]).stdout
        found = re.search(r"arena @loss_grad: ([0-9.]+) MB", report)
        if not found:
            sys.exit("FAILED: starchc -v reports no arena of @loss_grad")
        arenas.append(float(found.group(1)))
        log, ckpt = os.path.join(run, "loss.log"), os.path.join(run, "ckpt")
        tensorio.run([exe, "--data", os.path.join(train, "tokens.npy"),
                      "--labels", os.path.join(train, "labels.npy"),
                      "--loss-log", log, "--save", ckpt])
        logs.append(open(log).read())
        checkpoints.append(tensorio.read_checkpoint(ckpt)[0])
    if not arenas[1] < arenas[0]:
        sys.exit(f"FAILED: recompute leaves @loss_grad's arena at {arenas[1]} MB "
                 f"(without: {arenas[0]} MB)")
    if logs[0] != logs[1]:
        sys.exit("FAILED: the loss logs differ with recompute")
    if checkpoints[0].keys() != checkpoints[1].keys():
        sys.exit("FAILED: the checkpoints hold different tensors")
    for name, (shape, dtype, values) in checkpoints[0].items():
        if checkpoints[1][name] != (shape, dtype, values):
            sys.exit(f"FAILED: {name} differs with recompute")
    print(f"recompute: @loss_grad's arena {arenas[0]} -> {arenas[1]} MB; "
          f"{len(logs[0].splitlines())} identical loss-log lines, "
          f"{len(checkpoints[0])} identical checkpoint tensors")


def case_padding_matters(args, work):
    """The parity case must fail when the padding row trains (padding_idx
    null): the fixture's data exercise it."""
    args.llm_fields = {"padding_idx": None}
    try:
        case_parity(args, work)
    except SystemExit as failed:
        if str(failed).startswith("FAILED"):
            print(f"padding-matters: with padding_idx null parity fails ({failed})")
            return
        raise
    sys.exit("FAILED: parity holds even with the padding row trained; the data do not "
             "exercise padding_idx")


def case_interp(args, work):
    train = os.path.join(args.fixture, "train")
    training = dict(reference_training(args.fixture), warmup_steps=0)
    config, exe = compile_program(args, work, training)
    ir = os.path.join(work, "train.mlir")
    tensorio.run([os.path.join(args.bin, "starchc"), config, "--emit=train", "-o", ir])
    shape, dtype, tokens = tensorio.read_npy(os.path.join(train, "tokens.npy"))
    _, _, labels = tensorio.read_npy(os.path.join(train, "labels.npy"))
    micro, seq = training["micro_batches"], shape[1]
    batch = json.load(open(os.path.join(train, "train.json")))["batch"]
    n = micro * batch * seq
    for name, values in (("tokens", tokens), ("labels", labels)):
        tensorio.write_npy(os.path.join(work, name + ".npy"), [micro * batch, seq], "i64", values[:n])
        tensorio.write_npy(os.path.join(work, name + ".stacked.npy"), [micro, batch, seq], "i64", values[:n])
    tensorio.write_npy(os.path.join(work, "step.npy"), [], "i64", [1])
    log, ckpt = os.path.join(work, "loss.log"), os.path.join(work, "ckpt")
    tensorio.run([exe, "--steps", "1", "--data", os.path.join(work, "tokens.npy"),
                  "--labels", os.path.join(work, "labels.npy"), "--loss-log", log, "--save", ckpt])
    out, params = os.path.join(work, "interp"), os.path.join(work, "interp.safetensors")
    tensorio.run([os.path.join(args.bin, "starch-run"), ir, "--function", "train_step",
                  "--output-dir", out, "--params-out", params,
                  "--input", os.path.join(work, "tokens.stacked.npy"),
                  "--input", os.path.join(work, "labels.stacked.npy"),
                  "--input", os.path.join(work, "step.npy")])
    failures = 0
    row = read_log(log)[0]
    for column, name in ((1, "loss"), (2, "grad_norm"), (3, "lr")):
        _, _, (want,) = tensorio.read_npy(os.path.join(out, name + ".npy"))
        if not tensorio.close(float(row[column]), want, 1e-6, 1e-9):
            print(f"MISMATCH {name}: program {row[column]} vs starch-run {want!r}")
            failures += 1
    checkpoint, _ = tensorio.read_checkpoint(ckpt)
    interp, _ = tensorio.read_safetensors(params)
    sources = sources_of(args, config)
    compared = 0
    for symbol, (_, _, have) in checkpoint.items():
        key = sources.get(symbol, symbol)
        if key not in interp:
            print(f"MISMATCH {symbol}: not written by starch-run")
            failures += 1
            continue
        want = interp[key][2]
        bad = sum(1 for a, b in zip(have, want) if not tensorio.close(a, b, 1e-5, 1e-8))
        if bad:
            print(f"MISMATCH {symbol}: {bad} elements differ")
            failures += 1
        compared += 1
    if failures:
        sys.exit(f"FAILED: {failures} mismatches")
    print(f"interp: step 1 loss {row[1]}, grad norm {row[2]}, lr {row[3]} and {compared} "
          f"parameters and moments agree with starch-run")


def case_resume(args, work):
    training = reference_training(args.fixture)
    _, exe = compile_program(args, work, training)
    whole, first, second = (os.path.join(work, n) for n in ("whole.log", "first.log", "second.log"))
    ckpt = os.path.join(work, "ckpt")
    tensorio.run([exe, "--steps", "20", "--loss-log", whole, "--log-every", "10"])
    tensorio.run([exe, "--steps", "10", "--save", ckpt, "--loss-log", first, "--log-every", "10"])
    tensorio.run([exe, "--steps", "20", "--resume", ckpt, "--loss-log", second, "--log-every", "10"])
    a = open(whole).read().splitlines()
    b = open(first).read().splitlines() + open(second).read().splitlines()
    if a != b or len(a) != 20:
        for x, y in zip(a, b):
            if x != y:
                print(f"MISMATCH: whole '{x}' vs resumed '{y}'")
        sys.exit(f"FAILED: resumed run differs ({len(a)} vs {len(b)} lines)")
    print(f"resume: 10 + 10 steps print the same 20 lines as one run, bit for bit "
          f"(last: {a[-1]})")


def case_diverges(args, work):
    """A learning rate of 1e3 makes the gradient norm overflow within a few
    steps: training must stop at the first non-finite norm, naming a
    parameter, and the checkpoint of the step before must stay the latest
    and resume."""
    training = dict(reference_training(args.fixture), lr=1e3, warmup_steps=0)
    _, exe = compile_program(args, work, training)
    log, ckpt = os.path.join(work, "loss.log"), os.path.join(work, "ckpt")
    result = tensorio.run([exe, "--steps", "20", "--save", ckpt, "--save-every", "1",
                           "--loss-log", log], expect_ok=False)
    rows = read_log(log)
    finite = [r for r in rows if all(v not in ("inf", "-inf", "nan") for v in r[1:3])]
    step = len(rows)
    errors = [line for line in result.stdout.splitlines() if line.startswith("error:")]
    failures = []
    if result.returncode != 1:
        failures.append(f"exit {result.returncode}, expected 1")
    if not (2 <= step < 20 and len(finite) == step - 1 and rows[-1][2] in ("inf", "nan")):
        failures.append(f"the run did not stop at its first non-finite gradient norm: {rows}")
    if len(errors) != 1 or not re.search(
            rf"^error: step {step}: the gradient norm is (inf|nan); the first parameter "
            r"whose gradient norm is not finite is '[\w.]+' .*; stopping without saving "
            rf"\(the latest checkpoint stays step {step - 1}\)$", errors[0]):
        failures.append(f"error line {errors}")
    checkpoint, meta = tensorio.read_checkpoint(ckpt)
    if meta.get("step") != str(step - 1):
        failures.append(f"the latest checkpoint is step {meta.get('step')}, not {step - 1}")
    named = re.search(r"is '([\w.]+)'", errors[0]).group(1) if errors else None
    if named not in checkpoint:
        failures.append(f"the named parameter {named!r} is no parameter of the program")
    bad = [name for name, (_, _, values) in checkpoint.items()
           if any(v != v or v in (float("inf"), float("-inf")) for v in values)]
    if bad:
        failures.append(f"the checkpoint holds non-finite values in {bad[:3]}")
    # Resumable: it reaches the same step, bit for bit, and stops the same way.
    again = os.path.join(work, "again.log")
    resumed = tensorio.run([exe, "--steps", "20", "--resume", ckpt, "--save", ckpt,
                            "--loss-log", again], expect_ok=False)
    if resumed.returncode != 1 or read_log(again) != rows[-1:] or \
            errors[:1] != [l for l in resumed.stdout.splitlines() if l.startswith("error:")]:
        failures.append(f"resuming from step {step - 1} does not repeat step {step}: "
                        f"{read_log(again)} vs {rows[-1:]}; {resumed.stdout[-300:]}")
    if failures:
        print(result.stdout[-2000:])
        sys.exit("FAILED: " + "; ".join(failures))
    print(f"diverges: stopped at step {step} ({errors[0][7:]}); step {step - 1} resumes "
          f"and repeats it")


def example_program(args, work):
    """The shipped example compiled, and its dataset packed when it has one:
    (program, [--data DIR] or [])."""
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                          "docs", "examples", args.example)
    example = os.path.join(folder, "model.json")
    exe = os.path.join(work, "train")
    tensorio.run([os.path.join(args.bin, "starchc"), example, "-o", exe])
    if not os.path.exists(os.path.join(folder, "train.jsonl")):
        return exe, []
    data = os.path.join(work, "data")
    tensorio.run([os.path.join(args.bin, "starch-data"), example, "-o", data])
    return exe, ["--data", data]


def case_resume_dataset(args, work):
    exe, data = example_program(args, work)
    if not data:
        sys.exit(f"FAILED: {args.example} ships no dataset")
    whole, first, second = (os.path.join(work, n) for n in ("whole.log", "first.log", "second.log"))
    ckpt = os.path.join(work, "ckpt")
    tensorio.run([exe, *data, "--steps", "6", "--loss-log", whole])
    tensorio.run([exe, *data, "--steps", "3", "--save", ckpt, "--loss-log", first])
    tensorio.run([exe, *data, "--steps", "6", "--resume", ckpt, "--loss-log", second])
    # The same data in shards of 5 sequences reads the same sequences.
    sharded, log = os.path.join(work, "sharded"), os.path.join(work, "sharded.log")
    example = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                           "docs", "examples", args.example, "model.json")
    tensorio.run([os.path.join(args.bin, "starch-data"), example, "-o", sharded,
                  "--sequences-per-shard", "5"])
    tensorio.run([exe, "--data", sharded, "--steps", "6", "--loss-log", log])
    a = open(whole).read().splitlines()
    b = open(first).read().splitlines() + open(second).read().splitlines()
    c = open(log).read().splitlines()
    if a != b or a != c or len(a) != 6:
        sys.exit(f"FAILED: runs differ:\n" + "\n".join(a) + "\nvs resumed\n" + "\n".join(b)
                 + "\nvs sharded\n" + "\n".join(c))
    print(f"resume-dataset: 3 + 3 steps, and 6 steps on 5-sequence shards, print the same "
          f"6 lines as one run (last: {a[-1]})")


def case_learns(args, work):
    exe, data = example_program(args, work)
    log = os.path.join(work, "loss.log")
    tensorio.run([exe, *data, "--loss-log", log, "--log-every", "100"])
    losses = [float(row[1]) for row in read_log(log)]
    first, last = sum(losses[:20]) / 20, sum(losses[-20:]) / 20
    if len(losses) != 300 or not last < first - 1.5:
        sys.exit(f"FAILED: mean loss of the first 20 steps {first:.4f}, of the last 20 {last:.4f}")
    print(f"learns: mean loss {first:.4f} over steps 1-20, {last:.4f} over steps 281-300")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--fixture", required=True)
    parser.add_argument("--case", choices=["parity", "interp", "resume", "learns", "resume-dataset",
                                           "recompute",
                                           "diverges", "padding-matters"], required=True)
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--weights-rtol", type=float,
                        help="parity: tolerance of the final weights (default --rtol)")
    parser.add_argument("--precision", choices=["f32", "bf16"], default="f32",
                        help="parity: train with model.json training.precision and compare "
                             "with the fixture's train_bf16/ reference")
    parser.add_argument("--example", default="tiny-llama",
                        help="docs/examples folder of the learns case")
    args = parser.parse_args()
    args.fixture = os.path.abspath(args.fixture)
    args.llm_fields = None
    with tempfile.TemporaryDirectory() as work:
        cases = {"parity": case_parity, "interp": case_interp, "resume": case_resume,
                 "recompute": case_recompute,
                 "learns": case_learns, "resume-dataset": case_resume_dataset,
                 "diverges": case_diverges, "padding-matters": case_padding_matters}
        cases[args.case](args, work)


if __name__ == "__main__":
    main()
