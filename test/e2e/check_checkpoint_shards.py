#!/usr/bin/env python3
"""Sharded checkpoints (docs/train-binary.md, "Sharded checkpoints"), on
tiny-llama under mpirun against one process (standard library).

  check_checkpoint_shards.py --bin DIR --mpirun MPIRUN --case same-plan|across-plans|files|corrupt

Plans: one process (4 micro-batches per step); A = dp 2 x tp 2 with ZeRO-1;
B = 2 stages; C = dp 2 x 2 stages with ZeRO-1 (2 micro-batches per replica,
so every plan trains on the same sequences). Cases:
  same-plan     A saves at step 5 and resumes to 10: steps 6-10 print the
                same loss-log lines as A's straight run, and the final
                checkpoints are identical bit for bit.
  across-plans  A's step-5 checkpoint resumes on one process and on B, and
                C's on A; each continues as the straight one-process run
                (losses, norms, lr and final tensors within 1e-5).
  files         the rank files of A's and C's step-5 checkpoints hold only
                their blocks: each tensor's blocks where the index says, no
                sharded tensor whole in any file, and all files together
                exactly as many elements as the one-process checkpoint.
  corrupt       a missing rank file, a flipped byte in one, one from another
                save and an edited index are refused, naming file and tensor;
                a save that fails at the index keeps the previous checkpoint.
"""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Inputs"))
sys.path.insert(0, HERE)
import tensorio  # noqa: E402
from check_parallel import compare_runs, run_checked, variant  # noqa: E402

EXAMPLE = "tiny-llama"
PLANS = {  # name: (micro-batches per replica, ranks, variant keywords)
    "single": (4, 1, {}),
    "A": (2, 4, {"tp": 2, "zero1": True}),
    "B": (4, 2, {"stages": 2}),
    "C": (2, 4, {"stages": 2, "zero1": True}),
}
MPI_ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")


class Runner:
    def __init__(self, args, work):
        self.args, self.work = args, work

    def path(self, name):
        return os.path.join(self.work, name)

    def build(self, plan):
        micro, ranks, keywords = PLANS[plan]
        config, _ = variant(EXAMPLE, self.work, plan, micro, ranks, **keywords)
        run_checked([os.path.join(self.args.bin, "starchc"), config, "-o", self.path(plan)])
        return config

    def command(self, plan, *flags):
        ranks = PLANS[plan][1]
        program = [self.path(plan), *flags]
        if ranks == 1:
            return program
        return [self.args.mpirun, "--oversubscribe", "-np", str(ranks)] + program

    def train(self, plan, *flags):
        return run_checked(self.command(plan, *flags), env=MPI_ENV)

    def fails(self, plan, *flags):
        """The run's exit status and output; it must fail."""
        result = subprocess.run(self.command(plan, *flags), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env=MPI_ENV)
        return result.returncode, result.stdout


def rank_files(folder):
    return sorted(n for n in os.listdir(folder) if n.startswith("checkpoint.step-"))


def header(path):
    """A safetensors file's tensor entries and metadata, without the data."""
    with open(path, "rb") as f:
        length = struct.unpack("<Q", f.read(8))[0]
        index = json.loads(f.read(length))
    return index, index.pop("__metadata__", {}), 8 + length


def same_plan(runner, failures):
    runner.build("A")
    runner.train("A", "--loss-log", runner.path("A.log"), "--save", runner.path("A10"))
    runner.train("A", "--steps", "5", "--save", runner.path("A5"))
    runner.train("A", "--resume", runner.path("A5"), "--loss-log", runner.path("A-resumed.log"),
                 "--save", runner.path("A-resumed"))
    straight = open(runner.path("A.log")).read().splitlines()[5:]
    resumed = open(runner.path("A-resumed.log")).read().splitlines()
    if straight != resumed or len(resumed) != 5:
        failures.append(f"steps 6-10 differ:\n{straight}\n{resumed}")
    one, meta_one = tensorio.read_checkpoint(runner.path("A10"))
    two, meta_two = tensorio.read_checkpoint(runner.path("A-resumed"))
    if meta_one.get("format_version") != "3" or meta_two.get("step") != "10":
        failures.append(f"not a sharded step-10 checkpoint: {meta_one} {meta_two}")
    if sorted(one) != sorted(two):
        failures.append("the final checkpoints hold different tensors")
    differing = [n for n in sorted(set(one) & set(two)) if one[n] != two[n]]
    if differing:
        failures.append(f"final tensors not bit-identical: {differing[:5]}")
    return (f"A (dp 2 x tp 2, ZeRO-1) resumed at step 5 prints the straight run's loss-log "
            f"lines 6-10 ({len(resumed)} lines identical) and ends with the same {len(one)} "
            f"checkpoint tensors bit for bit")


def across_plans(runner, failures):
    config = runner.build("single")
    for plan in "ABC":
        runner.build(plan)
    runner.train("single", "--loss-log", runner.path("single.log"), "--save",
                 runner.path("single10"))
    runner.train("A", "--steps", "5", "--save", runner.path("A5"))
    runner.train("C", "--steps", "5", "--save", runner.path("C5"))
    lr = json.load(open(config))["training"]["lr"]
    worst = [0.0, 0.0]
    for writer, reader in (("A5", "single"), ("A5", "B"), ("C5", "A")):
        name = f"{writer}-to-{reader}"
        runner.train(reader, "--resume", runner.path(writer), "--loss-log",
                     runner.path(name + ".log"), "--save", runner.path(name))
        errors = compare_runs(runner.path("single.log"), runner.path(name + ".log"),
                              runner.path("single10"), runner.path(name), 1e-5, failures,
                              range(6, 11), lr)
        worst = [max(w, e) for w, e in zip(worst, errors)]
    return (f"step-5 checkpoints of A (dp 2 x tp 2, ZeRO-1) resumed on one process and on "
            f"B (2 stages), and of C (dp 2 x 2 stages, ZeRO-1) on A, continue as the "
            f"straight one-process run: steps 6-10 within {worst[0]:.2e} relative, final "
            f"tensors within {worst[1]:.2e} of their largest element")


def check_files(folder, whole, failures):
    """Checks `folder`'s rank files against its index and against `whole`
    (the one-process checkpoint's tensors); returns the elements per file."""
    _, meta, _ = header(os.path.join(folder, "checkpoint.safetensors"))
    index = json.loads(meta["shards"])
    if sorted(index["files"]) != rank_files(folder):
        failures.append(f"{folder}: the index names {index['files']}, the folder holds "
                        f"{rank_files(folder)}")
    headers = [header(os.path.join(folder, name))[0] for name in index["files"]]
    for number, name in enumerate(index["files"]):
        rank = re.search(r"\.rank-(\d+)\.safetensors$", name)
        _, file_meta, _ = header(os.path.join(folder, name))
        if not rank or file_meta.get("rank") != rank.group(1):
            failures.append(f"{name}: metadata rank {file_meta.get('rank')}")
    if sorted(index["tensors"]) != sorted(whole):
        failures.append(f"{folder}: the index lists other tensors than one process saves")
    for name, entry in index["tensors"].items():
        shape = whole[name][0]
        if entry["shape"] != shape:
            failures.append(f"{name}: index shape {entry['shape']}, whole {shape}")
        holders = [n for n, h in enumerate(headers) if name in h]
        if sorted(holders) != sorted(block[0] for block in entry["blocks"]):
            failures.append(f"{name}: in files {holders}, the index says {entry['blocks']}")
        for number, offset, size in entry["blocks"]:
            expected = list(shape)
            if entry["dim"] >= 0:
                expected[entry["dim"]] = size
            if headers[number][name]["shape"] != expected:
                failures.append(f"{name}: file {number} holds "
                                f"{headers[number][name]['shape']}, expected {expected}")
            if len(entry["blocks"]) > 1 and expected == shape:
                failures.append(f"{name}: a sharded tensor whole in file {number}")
    per_file = [sum(tensorio.count(e["shape"]) for e in h.values()) for h in headers]
    total = sum(tensorio.count(t[0]) for t in whole.values())
    if sum(per_file) != total:
        failures.append(f"{folder}: the rank files hold {sum(per_file)} elements, the model "
                        f"{total}")
    return per_file, total, sum(len(e["blocks"]) > 1 for e in index["tensors"].values())


def files(runner, failures):
    runner.build("single")
    runner.build("A")
    runner.build("C")
    runner.train("single", "--steps", "5", "--save", runner.path("single5"))
    runner.train("A", "--steps", "5", "--save", runner.path("A5"))
    runner.train("C", "--steps", "5", "--save", runner.path("C5"))
    whole, _ = tensorio.read_safetensors(runner.path("single5/checkpoint.safetensors"))
    lines = []
    for plan in ("A5", "C5"):
        per_file, total, split = check_files(runner.path(plan), whole, failures)
        lines.append(f"{plan[0]}: {len(per_file)} rank files of {per_file} elements "
                     f"(model {total}, {split} tensors in blocks)")
    return "rank files hold only their blocks: " + "; ".join(lines)


def corrupt(runner, failures):
    runner.build("single")
    runner.build("A")
    runner.train("A", "--steps", "5", "--save", runner.path("A5"))
    runner.train("A", "--steps", "6", "--save", runner.path("A6"))
    names = rank_files(runner.path("A5"))

    def broken(label, edit, pattern):
        folder = runner.path(label)
        shutil.copytree(runner.path("A5"), folder)
        edit(folder)
        for plan in ("single", "A"):
            status, out = runner.fails(plan, "--resume", folder, "--steps", "6")
            if status == 0 or not re.search(pattern, out):
                failures.append(f"{label} on {plan}: exit {status}, expected /{pattern}/:\n"
                                f"{out[-1500:]}")

    def flip(folder):
        path = os.path.join(folder, names[2])
        _, _, data_start = header(path)
        with open(path, "r+b") as f:
            f.seek(data_start + 5)
            byte = f.read(1)
            f.seek(data_start + 5)
            f.write(bytes([byte[0] ^ 0x40]))

    def swap(folder):
        other = [n for n in rank_files(runner.path("A6")) if n.endswith(".rank-1.safetensors")]
        shutil.copy(os.path.join(runner.path("A6"), other[0]), os.path.join(folder, names[1]))

    def edit_index(folder):
        path = os.path.join(folder, "checkpoint.safetensors")
        data = open(path, "rb").read()
        open(path, "wb").write(data.replace(b'\\"dim\\":0', b'\\"dim\\":1', 1))

    file_name = lambda n: re.escape(names[n])  # noqa: E731
    broken("missing", lambda folder: os.remove(os.path.join(folder, names[1])),
           rf"cannot resume: the rank file holding tensor '[^']+': .*{file_name(1)}")
    broken("flipped", flip,
           rf"cannot resume: '[^']*{file_name(2)}' is corrupt: tensor '[^']+' does not "
           r"match its checksum")
    broken("other-save", swap,
           rf"cannot resume: '[^']*{file_name(1)}' belongs to another save \(its step is '6'")
    broken("edited-index", edit_index,
           r"cannot resume: '[^']*checkpoint.safetensors' was changed after it was saved: "
           r"field 'shards'")
    # The index's temporary name taken: the save of step 6 fails after every
    # rank file is written, and step 5's checkpoint stays, resumable.
    kept = runner.path("kept")
    shutil.copytree(runner.path("A5"), kept)
    os.mkdir(os.path.join(kept, "checkpoint.safetensors.tmp"))
    status, out = runner.fails("A", "--resume", kept, "--steps", "6", "--save", kept)
    if status == 0 or not re.search(r"error: (rank 0: )?step 6: cannot save checkpoint: .*; the "
                                    r"checkpoint of step 5 is kept", out):
        failures.append(f"failed save: exit {status}:\n{out[-1500:]}")
    if os.path.isdir(os.path.join(kept, "checkpoint.safetensors.tmp")):
        # (the failed writer removes its temporary path, an empty folder too)
        os.rmdir(os.path.join(kept, "checkpoint.safetensors.tmp"))
    out = runner.train("single", "--resume", kept, "--steps", "6")
    if "resumed from " + kept + " at step 5" not in out:
        failures.append(f"after a failed save, step 5 does not resume:\n{out[-1500:]}")
    return ("a missing rank file, a flipped byte, a rank file of another save and an edited "
            "index are refused by one process and by A, naming the file and tensor; a save "
            "failing at the index keeps the previous checkpoint resumable")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--mpirun", required=True)
    ap.add_argument("--case", required=True,
                    choices=["same-plan", "across-plans", "files", "corrupt"])
    args = ap.parse_args()
    cases = {"same-plan": same_plan, "across-plans": across_plans, "files": files,
             "corrupt": corrupt}
    failures = []
    with tempfile.TemporaryDirectory() as work:
        summary = cases[args.case](Runner(args, work), failures)
    if failures:
        print("\n".join(failures[:20]))
        sys.exit(f"FAILED: {len(failures)} problems")
    print(f"{EXAMPLE}: {summary}")


if __name__ == "__main__":
    main()
