#!/usr/bin/env python3
"""End-to-end checks of the training main (runtime/train) through the toy
program of toy_program/: flags, progress output, data, weights, checkpoints
and resume. One ctest per --case; standard library only (no numpy).

The toy's shapes (toy_program/ToyModel.h): vocabulary 16, sequence length 8,
2 micro-batches of 4 sequences per step, schedule of 40 steps.
"""
import argparse
import json
import math
import os
import random
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time

VOCAB, SEQ, SEQS_PER_STEP = 16, 8, 8
PARAMS = {
    "head.weight": [16, 16], "head.bias": [16], "embed.weight": [16, 16],
    "pos_table": [8, 16], "head.weight.exp_avg": [16, 16],
    "head.weight.exp_avg_sq": [16, 16], "head.bias.exp_avg": [16],
    "head.bias.exp_avg_sq": [16],
}
CKPT = "checkpoint.safetensors"
MASK64 = (1 << 64) - 1

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message, file=sys.stderr)
    return condition


class Runner:
    def __init__(self, binary, weights_dir, tmp):
        self.binary, self.weights_dir, self.tmp = binary, weights_dir, tmp
        self.count = 0

    def path(self, name):
        return os.path.join(self.tmp, name)

    def run(self, *args, timeout=120):
        proc = subprocess.run([self.binary, *map(str, args)],
                              capture_output=True, text=True, timeout=timeout)
        return proc.returncode, proc.stdout, proc.stderr

    def start(self, *args, **kwargs):
        return subprocess.Popen([self.binary, *map(str, args)], **kwargs)

    def log(self, *args):
        """Runs to completion with --loss-log; returns the log's text."""
        self.count += 1
        log = self.path(f"loss{self.count}.log")
        rc, out, err = self.run(*args, "--loss-log", log)
        if not check(rc == 0, f"{args} exited {rc}: {err.strip()}"):
            return ""
        with open(log) as f:
            return f.read()

    def expect_error(self, args, rc_expected, *needles, trains=False):
        """One line on stderr holding every needle, and exit `rc_expected`;
        no step trained unless `trains` (an error during training)."""
        rc, out, err = self.run(*args)
        lines = err.strip().splitlines()
        check(rc == rc_expected,
              f"{args}: exit {rc}, expected {rc_expected} (stderr {err!r})")
        check(len(lines) == 1, f"{args}: stderr is not one line: {err!r}")
        check(trains or not re.search(r"^step ", out, re.M),
              f"{args}: trained although it failed: {out!r}")
        for needle in needles:
            check(needle in err, f"{args}: stderr lacks {needle!r}: {err!r}")
        return err


def losses(log_text):
    return [float(line.split()[1]) for line in log_text.splitlines()]


# --- File formats -------------------------------------------------------------

def write_npy(path, rows, descr):
    fmt = {"<i8": "q", "<i4": "i", "<f4": "f"}[descr]
    shape = (len(rows), len(rows[0])) if rows and isinstance(rows[0], list) \
        else (len(rows),)
    flat = [v for row in rows for v in row] if len(shape) == 2 else rows
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (
        descr, "(%s)" % ", ".join(map(str, shape)) + ("," if len(shape) == 1
                                                     else ""))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)))
        f.write(header.encode())
        f.write(struct.pack("<%d%s" % (len(flat), fmt), *flat))


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    metadata = header.pop("__metadata__", {})
    data = blob[8 + length:]
    tensors = {name: (info["dtype"], info["shape"],
                      data[info["data_offsets"][0]:info["data_offsets"][1]])
               for name, info in header.items()}
    return metadata, tensors


def write_safetensors(path, metadata, tensors):
    header, offset, chunks = {"__metadata__": metadata}, 0, []
    for name in sorted(tensors):
        dtype, shape, data = tensors[name]
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        chunks.append(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def fnv1a64(chunks):
    h = 0xcbf29ce484222325
    for chunk in chunks:
        for byte in chunk:
            h = ((h ^ byte) * 0x100000001b3) & MASK64
    return "%016x" % h


FIELD, TENSOR = "checksum:field:", "checksum:tensor:"


def unsigned(meta):
    return {k: v for k, v in meta.items() if not k.startswith("checksum:")}


def checksums(meta, tensors):
    """Every field's checksum as docs/train-binary.md defines it."""
    out = {FIELD + k: fnv1a64([(k + "\0" + v).encode()])
           for k, v in unsigned(meta).items()}
    for name, (dtype, shape, data) in tensors.items():
        head = "\0".join([name, dtype.lower(), "x".join(map(str, shape)), ""])
        out[TENSOR + name] = fnv1a64([head.encode(), data])
    return out


def sign(meta, tensors):
    """`meta` with every checksum recomputed for `tensors`."""
    return {**unsigned(meta), **checksums(meta, tensors)}


def intact(meta, tensors):
    return {k: v for k, v in meta.items() if k.startswith("checksum:")} == \
        checksums(meta, tensors)


def splitmix64(state):
    state = (state + 0x9e3779b97f4a7c15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & MASK64
    return state, z ^ (z >> 31)


def synthetic_sequences(seed, count):
    """The generator of docs/train-binary.md, written independently."""
    state, rows = seed, []
    for _ in range(count):
        state, a = splitmix64(state)
        state, b = splitmix64(state)
        start, stride = a % VOCAB, 1 + b % 7
        rows.append([(start + j * stride) % VOCAB for j in range(SEQ)])
    return rows


# --- Cases --------------------------------------------------------------------

def case_flags(r):
    rc, out, err = r.run("--help")
    check(rc == 0, f"--help exited {rc}")
    for flag in ["--steps", "--data", "--labels", "--seed", "--log-every",
                 "--weights", "--num-threads", "--save", "--save-every",
                 "--resume", "--loss-log", "--help"]:
        check(flag in out, f"--help does not mention {flag}")
    bad = [
        (["--bogus"], "--bogus"), (["extra"], "extra"),
        (["--steps", "0"], "--steps"), (["--steps", "-5"], "--steps"),
        (["--steps", "abc"], "--steps"), (["--steps"], "--steps"),
        (["--log-every", "0"], "--log-every"),
        (["--log-every", "1.5"], "--log-every"),
        (["--num-threads", "0"], "--num-threads"),
        (["--seed", "-1"], "--seed"), (["--seed", "x"], "--seed"),
        (["--save-every", "3"], "--save"),
        (["--save", r.path("s"), "--save-every", "0"], "--save-every"),
        (["--labels", r.path("none.npy")], "--labels"),
        (["--data", r.path("none.npy")], "--data"),
        (["--resume", r.path("none")], "--resume"),
    ]
    for args, needle in bad:
        r.expect_error(args, 2, needle)


STEP_LINE = re.compile(
    r"^step +(\d+)/(\d+) \| loss (\S+) \| grad norm \S+ \| lr \S+ \| "
    r"\S+ tok/s \| \S+ GFLOP/s \| ETA \S+$")


def case_progress(r):
    log_path = r.path("p.log")
    rc, out, err = r.run("--steps", 7, "--log-every", 3, "--loss-log",
                         log_path)
    check(rc == 0, f"progress run exited {rc}: {err}")
    lines = out.splitlines()
    check(lines[0].startswith("train toy-bigram: steps 1..7 | 64 tokens/step"),
          f"bad header: {lines[0]!r}")
    steps = [STEP_LINE.match(line) for line in lines[1:-1]]
    check(all(steps), f"bad progress lines: {lines[1:-1]}")
    check([int(m.group(1)) for m in steps if m] == [3, 6, 7],
          f"logged steps {lines[1:-1]}, expected 3, 6, 7")
    with open(log_path) as f:
        logged = f.read().splitlines()
    check(len(logged) == 7 and [l.split()[0] for l in logged] ==
          [str(i) for i in range(1, 8)], f"loss log: {logged}")
    for m in filter(None, steps):
        step = int(m.group(1))
        check(float(m.group(3)) == round(float(logged[step - 1].split()[1]), 6),
              f"step {step}: progress loss {m.group(3)} vs log {logged[step - 1]}")
    check(re.match(r"^done: 7 steps \(1\.\.7\) in \S+ \| loss \S+ -> \S+ \| "
                   r"\S+ tok/s \| \S+ GFLOP/s \| \S+ ms/step$", lines[-1]),
          f"bad summary: {lines[-1]!r}")
    # The thread count changes nothing in the numbers.
    check(r.log("--steps", 7, "--num-threads", 1) ==
          r.log("--steps", 7, "--num-threads", 2), "--num-threads changes losses")


def case_loss_falls(r):
    for seed in [0, 5]:
        values = losses(r.log("--steps", 40, "--seed", seed))
        if not check(len(values) == 40, f"seed {seed}: {len(values)} steps"):
            continue
        check(abs(values[0] - math.log(VOCAB)) < 0.3,
              f"seed {seed}: first loss {values[0]} far from ln 16")
        first, last = sum(values[:5]) / 5, sum(values[-5:]) / 5
        check(last < first - 0.3,
              f"seed {seed}: loss did not fall ({first:.4f} -> {last:.4f})")
    check(r.log("--steps", 3, "--seed", 0) != r.log("--steps", 3, "--seed", 5),
          "--seed changes nothing")


def case_data_file(r):
    # The documented synthetic generator, regenerated here, as a data file,
    # must give exactly the synthetic run's losses.
    rows = synthetic_sequences(3, 12 * SEQS_PER_STEP)
    write_npy(r.path("syn.npy"), rows, "<i8")
    synthetic = r.log("--steps", 12, "--seed", 3)
    check(synthetic and r.log("--steps", 12, "--data", r.path("syn.npy"))
          == synthetic, "synthetic data differs from docs/train-binary.md")

    rows = synthetic_sequences(11, 5)  # 5 sequences: every step wraps
    write_npy(r.path("d64.npy"), rows, "<i8")
    write_npy(r.path("d32.npy"), rows, "<i4")
    base = r.log("--steps", 30, "--data", r.path("d64.npy"))
    values = losses(base)
    check(values and values[-1] < values[0] - 0.5,
          f"loss did not fall on a data file: {values[:1]} -> {values[-1:]}")
    check(r.log("--steps", 30, "--data", r.path("d32.npy")) == base,
          "i32 and i64 data differ")
    check(r.log("--steps", 30, "--data", r.path("d32.npy"), "--labels",
                r.path("d64.npy")) == base, "--labels = tokens differs")
    write_npy(r.path("ignore.npy"), [[-100] * SEQ] * 5, "<i8")
    values = losses(r.log("--steps", 3, "--data", r.path("d64.npy"),
                          "--labels", r.path("ignore.npy")))
    check(values == [0.0, 0.0, 0.0], f"all-ignored labels: losses {values}")
    shifted = [[(v + 1) % VOCAB for v in row] for row in rows]
    write_npy(r.path("shifted.npy"), shifted, "<i8")
    check(r.log("--steps", 3, "--data", r.path("d64.npy"), "--labels",
                r.path("shifted.npy")) != r.log("--steps", 3, "--data",
                                                r.path("d64.npy")),
          "--labels is ignored")


def case_data_errors(r):
    good = synthetic_sequences(1, 5)
    write_npy(r.path("good.npy"), good, "<i8")
    write_npy(r.path("long.npy"), [row + [0] for row in good], "<i8")
    write_npy(r.path("flat.npy"), good[0], "<i8")
    write_npy(r.path("float.npy"), [[float(v) for v in row] for row in good],
              "<f4")
    write_npy(r.path("four.npy"), good[:4], "<i8")
    write_npy(r.path("range.npy"), [[16] + row[1:] for row in good], "<i4")
    write_npy(r.path("neg.npy"), [[-100] + row[1:] for row in good], "<i8")
    with open(r.path("junk.npy"), "wb") as f:
        f.write(b"not a numpy file")
    cases = [
        (["--data", r.path("long.npy")], "--data", "5x9", "8"),
        (["--data", r.path("flat.npy")], "--data", "[8]"),
        (["--data", r.path("float.npy")], "--data", "f32", "i64 or i32"),
        (["--data", r.path("good.npy"), "--labels", r.path("four.npy")],
         "--labels", "4x8", "5x8"),
        (["--data", r.path("good.npy"), "--labels", r.path("long.npy")],
         "--labels", "5x9"),
        (["--data", r.path("range.npy")], "--data", "16", "[0, 16)"),
        (["--data", r.path("neg.npy")], "--data", "-100"),
        (["--data", r.path("junk.npy")], "--data", "junk.npy"),
    ]
    for args, *needles in cases:
        r.expect_error(args, 1, *needles)


def case_weights(r):
    w = r.weights_dir
    base = r.log("--steps", 5)
    check(r.log("--steps", 5, "--weights", os.path.join(w, "toy.safetensors"))
          == base, "--weights toy.safetensors differs from the default")
    check(r.log("--steps", 5, "--weights", os.path.join(w, "toy.onnx"))
          == base, "ONNX initializers give other losses than safetensors")
    r.expect_error(["--weights", os.path.join(w, "bad-shape.safetensors")], 1,
                   "'head.weight'", "toy.head.weight", "f32[16x15]", "f32[16x16]")
    r.expect_error(["--weights", os.path.join(w, "bad-dtype.safetensors")], 1,
                   "'head.bias'", "f64[16]", "f32[16]")
    r.expect_error(["--weights", os.path.join(w, "missing.safetensors")], 1,
                   "'pos_table'", "toy.pos_table")
    r.expect_error(["--weights", r.path("w.bin")], 1, "w.bin",
                   ".onnx", ".safetensors")
    r.expect_error(["--weights", r.path("absent.safetensors")], 1,
                   "absent.safetensors")
    with open(r.path("junk.onnx"), "wb") as f:
        f.write(b"\xff" * 64)
    r.expect_error(["--weights", r.path("junk.onnx")], 1, "junk.onnx")


def case_resume(r):
    d = r.path("ckpt")
    whole = r.log("--steps", 20)
    first = r.log("--steps", 10, "--save", d, "--save-every", 3)
    second = r.log("--steps", 20, "--resume", d, "--save", d)
    check(whole and first + second == whole,
          "10 + 10 resumed steps differ from 20 steps:\n" + first + second +
          "vs\n" + whole)
    # Resuming 3 steps at a time, saving to another directory each time.
    pieces, prev = [r.log("--steps", 4, "--save", r.path("c4"))], r.path("c4")
    for stop in [7, 13, 20]:
        nxt = r.path(f"c{stop}")
        pieces.append(r.log("--steps", stop, "--resume", prev, "--save", nxt))
        prev = nxt
    check("".join(pieces) == whole, "4+3+6+7 resumed steps differ")
    # The generator state comes from the checkpoint, not from --seed.
    seeded = r.log("--steps", 12, "--seed", 9)
    part = r.log("--steps", 5, "--seed", 9, "--save", r.path("s9"))
    rest = r.log("--steps", 12, "--resume", r.path("s9"))
    check(seeded and part + rest == seeded, "seeded resume differs")

    rc, out, err = r.run("--steps", 20, "--resume", d)
    check(rc == 0 and "nothing to do" in out, f"resume at the end: {rc} {out}")
    r.expect_error(["--steps", 15, "--resume", d], 1, "step 20", "--steps 15")


def case_resume_data(r):
    rows = synthetic_sequences(4, 5)
    write_npy(r.path("d.npy"), rows, "<i4")
    labels = [[-100 if (i + j) % 3 == 0 else v for j, v in enumerate(row)]
              for i, row in enumerate(rows)]
    write_npy(r.path("l.npy"), labels, "<i8")
    data = ["--data", r.path("d.npy"), "--labels", r.path("l.npy")]
    whole = r.log("--steps", 20, *data)
    first = r.log("--steps", 7, "--save", r.path("c"), *data)
    second = r.log("--steps", 20, "--resume", r.path("c"), *data)
    check(whole and first + second == whole,
          "7 + 13 resumed steps on a data file differ from 20 steps")
    rc, out, err = r.run("--steps", 8, "--resume", r.path("c"))
    check(rc == 0 and "warning" in err and "d.npy" in err,
          f"no warning when resuming on other data: {err!r}")


def load_checkpoint(directory):
    return read_safetensors(os.path.join(directory, CKPT))


def case_checkpoint_contents(r):
    d = r.path("c")
    r.log("--steps", 10, "--seed", 2, "--save", d)
    meta, tensors = load_checkpoint(d)
    check(meta.get("format") == "starch-train-checkpoint"
          and meta.get("format_version") == "2"
          and meta.get("model") == "toy-bigram"
          and meta.get("step") == "10"
          and meta.get("data_position") == str(10 * SEQS_PER_STEP)
          and meta.get("data") == "synthetic", f"metadata {meta}")
    expected_rng = (2 + 2 * 10 * SEQS_PER_STEP * 0x9e3779b97f4a7c15) & MASK64
    check(meta.get("rng_state") == str(expected_rng),
          f"rng_state {meta.get('rng_state')}, expected {expected_rng}")
    check({k: (v[0], v[1]) for k, v in tensors.items()} ==
          {k: ("F32", s) for k, s in PARAMS.items()},
          f"tensors {sorted(tensors)}")
    check(intact(meta, tensors) and len(checksums(meta, tensors)) ==
          len(unsigned(meta)) + len(tensors),
          f"checksums {meta} vs {checksums(meta, tensors)}")
    _, initial = read_safetensors(os.path.join(r.weights_dir,
                                               "toy.safetensors"))
    check(tensors["embed.weight"][2] == initial["toy.embed.weight"][2],
          "the frozen embedding changed or was not saved")
    check(tensors["pos_table"][2] == initial["toy.pos_table"][2],
          "the buffer changed or was not saved")
    check(tensors["head.weight"][2] != initial["toy.head.weight"][2],
          "the trainable head did not change")
    for name in ["head.weight.exp_avg", "head.bias.exp_avg_sq"]:
        check(any(tensors[name][2]), f"optimizer state {name} is all zeros")
    check(not [f for f in os.listdir(d) if f != CKPT],
          f"files left beside the checkpoint: {os.listdir(d)}")


def case_killed_writer(r):
    d, later = r.path("c"), r.path("later")
    whole = r.log("--steps", 20)
    r.log("--steps", 10, "--save", d)
    r.log("--steps", 15, "--save", later)
    with open(os.path.join(later, CKPT), "rb") as f:
        newer = f.read()
    # A writer killed before its rename leaves a partial temporary file.
    with open(os.path.join(d, CKPT + ".tmp"), "wb") as f:
        f.write(newer[:len(newer) // 2])
    rest = r.log("--steps", 20, "--resume", d, "--save", d)
    check(rest and losses(whole)[10:] == losses(rest) and
          whole.splitlines()[10:] == rest.splitlines(),
          "a leftover temporary file changed the resumed run")
    check(sorted(os.listdir(d)) == [CKPT],
          f"after a save: {sorted(os.listdir(d))}")

    # Real kills, mostly landing inside a save (one per step): whatever
    # survives must be a complete checkpoint that resumes exactly.
    rng = random.Random(1)
    k = r.path("killed")
    for attempt in range(5):
        proc = r.start("--steps", 10 ** 6, "--save", k, "--save-every", 1,
                       "--log-every", 1000, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        deadline = time.time() + 60  # a loaded machine may start slowly
        while not os.path.exists(os.path.join(k, CKPT)) and \
                time.time() < deadline:
            time.sleep(0.01)
        time.sleep(0.1 + rng.random() * 0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        try:
            meta, tensors = load_checkpoint(k)
            complete = intact(meta, tensors)
        except (OSError, ValueError, KeyError, struct.error) as e:
            complete = False
        if not check(complete,
                     f"kill {attempt}: no intact checkpoint survived"):
            continue
        step = int(meta["step"])
        resumed = r.log("--steps", step + 1, "--resume", k)
        ref = r.log("--steps", step + 1)
        check(resumed and resumed == ref.splitlines(True)[-1],
              f"kill {attempt}: step {step + 1} resumed as {resumed!r}, "
              f"uninterrupted {ref.splitlines()[-1:]!r}")


def case_corrupt_checkpoint(r):
    d = r.path("c")
    r.log("--steps", 10, "--save", d)
    path = os.path.join(d, CKPT)
    with open(path, "rb") as f:
        good = f.read()
    meta, tensors = read_safetensors(path)

    def variant(name, blob=None, meta_change=None, tensor_change=None,
                edit=None):
        """A copy with changes: `meta_change` and `tensor_change` signed
        again (so only the named defect remains), `edit` after signing (as
        an edit by hand)."""
        directory = r.path(name)
        os.makedirs(directory, exist_ok=True)
        target = os.path.join(directory, CKPT)
        if blob is not None:
            with open(target, "wb") as f:
                f.write(blob)
            return directory
        m, t = unsigned(meta), dict(tensors)
        if tensor_change:
            tensor_change(t)
        if meta_change:
            meta_change(m)
        m = sign(m, t)
        if edit:
            edit(m)
        write_safetensors(target, m, t)
        return directory

    (length,) = struct.unpack("<Q", good[:8])
    for cut in [len(good) - 1, len(good) - 100, 8 + length + 10, 8 + length,
                len(good) // 2, 100, 8, 3, 0]:
        r.expect_error(["--resume", variant(f"cut{cut}", good[:cut]),
                        "--steps", 20], 1, "cannot resume", CKPT)
    flipped = bytearray(good)
    flipped[-5] ^= 0x40
    r.expect_error(["--resume", variant("flip", bytes(flipped)), "--steps",
                    20], 1, "corrupt", "checksum")
    bad = [
        ("model", dict(meta_change=lambda m: m.update(model="other")),
         "'other'", "toy-bigram"),
        ("version", dict(meta_change=lambda m: m.update(format_version="1")),
         "version '1'"),
        ("format", dict(meta_change=lambda m: m.pop("format")),
         "not a Starch training checkpoint"),
        ("stepbad", dict(meta_change=lambda m: m.update(step="ten")), "step"),
        # Fields edited by hand after saving: each refused by name.
        ("edited-step", dict(edit=lambda m: m.update(step="5")),
         "changed after it was saved", "field 'step' ('5')"),
        ("edited-position", dict(edit=lambda m: m.update(data_position="0")),
         "field 'data_position'"),
        ("edited-rng", dict(edit=lambda m: m.update(rng_state="1")),
         "field 'rng_state'"),
        ("edited-data", dict(edit=lambda m: m.update(data="other.npy")),
         "field 'data'"),
        ("edited-checksum", dict(edit=lambda m: m.update(
            {FIELD + "step": "0" * 16})), "field 'step'"),
        ("no-checksum", dict(edit=lambda m: m.pop(FIELD + "step")),
         "field 'step' has no checksum"),
        ("added-field", dict(edit=lambda m: m.update(note="x")),
         "field 'note' has no checksum"),
        ("removed-field", dict(edit=lambda m: m.pop("data")),
         "field 'data' is missing"),
        ("edited-tensor", dict(edit=lambda m: m.update(
            {TENSOR + "head.bias": "0" * 16})), "corrupt", "'head.bias'"),
        # A diverged state, signed as a save would: refused by tensor.
        ("nonfinite", dict(tensor_change=lambda t: t.update(
            {"head.weight.exp_avg": ("F32", [16, 16], struct.pack(
                "<256f", *([0.0] * 7 + [float("nan")] + [0.0] * 248)))})),
         "non-finite", "'head.weight.exp_avg'", "element 7"),
        ("shape", dict(tensor_change=lambda t: t.update(
            {"head.bias": ("F32", [4, 4], t["head.bias"][2])})),
         "'head.bias'", "f32[4x4]", "f32[16]"),
        ("dtype", dict(tensor_change=lambda t: t.update(
            {"head.bias": ("I32", [16], t["head.bias"][2])})),
         "'head.bias'", "i32[16]"),
        ("missing", dict(tensor_change=lambda t: t.pop(
            "head.weight.exp_avg_sq")), "'head.weight.exp_avg_sq'"),
        ("extra", dict(tensor_change=lambda t: t.update(
            {"stray": ("F32", [1], b"\0" * 4)})), "'stray'"),
    ]
    for name, change, *needles in bad:
        r.expect_error(["--resume", variant(name, **change), "--steps", 20],
                       1, *needles)
    empty = r.path("empty")
    os.makedirs(empty)
    r.expect_error(["--resume", empty], 1, "cannot resume", CKPT)
    # The checks above must not have rejected everything: the original loads.
    rc, out, err = r.run("--resume", d, "--steps", 11)
    check(rc == 0, f"the intact checkpoint does not resume: {err}")


def case_interrupt(r):
    d = r.path("c")
    proc = r.start("--steps", 10 ** 7, "--save", d, "--log-every", 10 ** 6,
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    header = proc.stdout.readline()  # printed once the handlers are set
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    out = header + out
    match = re.search(r"stopped by a signal after step (\d+)", err)
    check(proc.returncode == 130 and match,
          f"SIGINT: exit {proc.returncode}, stderr {err!r}")
    if not match:
        return
    step = int(match.group(1))
    meta, tensors = load_checkpoint(d)
    check(meta.get("step") == str(step), f"saved step {meta.get('step')}, "
          f"stopped after {step}")
    check(f"checkpoint: step {step} saved" in out and "done:" in out,
          f"SIGINT output: {out!r}")
    resumed = r.log("--steps", step + 2, "--resume", d)
    ref = r.log("--steps", step + 2)
    check(resumed and resumed.splitlines() == ref.splitlines()[-2:],
          "the run resumed after SIGINT differs")


def case_nonfinite(r):
    """A frozen embedding row of infinities makes the logits of any sequence
    holding token 15 NaN: steps 1-2 never see it, step 3 does. Training stops
    at step 3 naming the first parameter whose gradient norm is not finite,
    and the checkpoint of step 2 stays the latest and resumes."""
    meta, weights = read_safetensors(os.path.join(r.weights_dir,
                                                  "toy.safetensors"))
    dtype, shape, data = weights["toy.embed.weight"]
    row = 16 * 4
    weights["toy.embed.weight"] = (dtype, shape, data[:15 * row] +
                                   struct.pack("<16f", *[float("inf")] * 16))
    huge = r.path("huge.safetensors")
    write_safetensors(huge, meta, weights)
    rows = [[(i + j) % 15 for j in range(SEQ)] for i in range(16)]
    rows += [[15] + row_[1:] for row_ in rows[:8]]
    write_npy(r.path("d.npy"), rows, "<i8")
    d, log = r.path("c"), r.path("n.log")
    args = ["--weights", huge, "--data", r.path("d.npy"), "--save", d]
    r.expect_error(["--steps", 6, "--save-every", 1, "--loss-log", log, *args],
                   1, "error: step 3: the loss is nan and the gradient norm is "
                   "nan; the first parameter whose gradient norm is not finite "
                   "is 'head.weight' (nan; 2 of 2 trainable parameters); "
                   "stopping without saving (the latest checkpoint stays "
                   "step 2)", trains=True)
    with open(log) as f:
        logged = f.read().splitlines()
    check(len(logged) == 3 and "nan" not in " ".join(logged[:2]),
          f"loss log of the diverged run: {logged}")
    meta, tensors = load_checkpoint(d)
    check(meta.get("step") == "2" and intact(meta, tensors),
          f"the latest checkpoint is step {meta.get('step')}, not 2")
    # Resumable: the same step 3 again, and the same stop.
    again = r.path("again.log")
    r.expect_error(["--steps", 6, "--resume", d, "--loss-log", again, *args], 1,
                   "step 3:", "'head.weight'", "stays step 2", trains=True)
    with open(again) as f:
        check(f.read().splitlines() == logged[2:],
              "resuming from step 2 does not repeat step 3")
    # The toy's own weights file with a non-finite trainable value is refused
    # before training.
    weights["toy.head.bias"] = ("F32", [16], struct.pack(
        "<16f", *([0.0] * 5 + [float("inf")] + [0.0] * 10)))
    write_safetensors(r.path("inf.safetensors"), meta, weights)
    r.expect_error(["--weights", r.path("inf.safetensors")], 1,
                   "'toy.head.bias'", "non-finite", "element 5")


def case_save_folder(r):
    """A --save folder that cannot be written fails before step 1, with the
    reason; a missing one is created."""
    with open(r.path("file"), "w") as f:
        f.write("a regular file")
    r.expect_error(["--save", r.path("file/ckpt")], 2, "--save",
                   "Not a directory")
    r.expect_error(["--save", "/proc/starch-ckpt"], 2, "--save",
                   "/proc/starch-ckpt")
    r.expect_error(["--save", r.path("file")], 2, "--save",
                   "is not a directory")
    nested = r.path("new/deeper")
    rc, out, err = r.run("--steps", 1, "--save", nested)
    check(rc == 0 and sorted(os.listdir(nested)) == [CKPT],
          f"--save into a new folder: {rc} {err!r} {os.listdir(nested)}")


def case_save_failure(r):
    """A save that fails names the reason and leaves the previous
    checkpoint, which still resumes."""
    d = r.path("c")
    r.log("--steps", 3, "--save", d)
    with open(os.path.join(d, CKPT), "rb") as f:
        before = f.read()
    # The temporary file's name taken by a folder: the write fails.
    os.mkdir(os.path.join(d, CKPT + ".tmp"))
    r.expect_error(["--steps", 6, "--resume", d, "--save", d, "--save-every",
                    1], 1, "step 4:", "Is a directory",
                   "the checkpoint of step 3 is kept", trains=True)
    with open(os.path.join(d, CKPT), "rb") as f:
        check(f.read() == before, "the failed save changed the checkpoint")
    check(sorted(os.listdir(d)) == [CKPT], f"left behind: {os.listdir(d)}")
    whole = r.log("--steps", 6)
    rest = r.log("--steps", 6, "--resume", d)
    check(rest and whole.splitlines()[3:] == rest.splitlines(),
          "the kept checkpoint does not resume exactly")


def case_unscored(r):
    """A micro-batch whose labels are all ignored gets a warning; position
    0 is never scored, so a label there does not count."""
    rows = synthetic_sequences(6, 16)
    labels = [list(row) for row in rows]
    for i in range(4, 8):  # step 1, micro-batch 2
        labels[i] = [labels[i][0]] + [-100] * (SEQ - 1)
    write_npy(r.path("d.npy"), rows, "<i8")
    write_npy(r.path("l.npy"), labels, "<i8")
    rc, out, err = r.run("--steps", 2, "--data", r.path("d.npy"), "--labels",
                         r.path("l.npy"))
    check(rc == 0 and err.splitlines() == [
        "warning: step 1: micro-batch 2 of 2 scores no label (every label is "
        "-100, at position 0 or at a placeholder token); loss 0 and no "
        "gradient"], f"warnings: {err!r}")
    # Every label ignored: one warning per step, ten at most.
    write_npy(r.path("none.npy"), [[-100] * SEQ] * 16, "<i8")
    rc, out, err = r.run("--steps", 14, "--data", r.path("d.npy"), "--labels",
                         r.path("none.npy"))
    lines = err.splitlines()
    check(rc == 0 and len(lines) == 11 and
          lines[0].startswith("warning: step 1: micro-batches 1, 2 of 2 score "
                              "no label") and "not shown" in lines[-1],
          f"warnings with every label ignored: {lines}")
    # Fully scored data: no warning.
    rc, out, err = r.run("--steps", 2, "--data", r.path("d.npy"))
    check(rc == 0 and err == "", f"warnings on scored data: {err!r}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--weights-dir", required=True)
    parser.add_argument("--case", required=True)
    args = parser.parse_args()
    case = globals().get("case_" + args.case.replace("-", "_"))
    if case is None:
        sys.exit(f"unknown case {args.case}")
    with tempfile.TemporaryDirectory(prefix="starch-train-") as tmp:
        case(Runner(os.path.abspath(args.bin), args.weights_dir, tmp))
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print(f"{args.case}: ok")


if __name__ == "__main__":
    main()
