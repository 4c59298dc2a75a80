#!/usr/bin/env python3
"""External data confined to the model's folder (docs/import.md), through
each reader of ONNX tensors: the importer (starchc), starch-run's --weights
and a training program's --weights (the toy of test/Runtime).

  check_external_data.py --tool starchc|starch-run|train --bin DIR [--train EXE]

Each case writes a small model (test/Inputs/onnx_writer.py, standard library
only) whose one weight keeps its 64 bytes in an external file, then points
that location somewhere it must not reach: `..`, an absolute path, symbolic
links (to a file and to a folder) out of the folder, /proc, a FIFO, a
directory, and offsets and lengths that are negative, overflow or run past
the end. The tool must stop with its error status and one line naming the
tensor, the location and why, write nothing, and never open the target
(checked with strace where it works; the FIFO case would hang otherwise and
runs under a timeout). The well-formed model is the control: it loads, and
strace sees its data file opened.
"""
import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "Inputs"))
import onnx_writer as onnx  # noqa: E402

TIMEOUT = 60
SECRET = onnx.floats([1234.5] * 16)  # what must never be read
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message)
    return condition


def write_model(folder, external, dims=(4, 4), constant_node=False):
    """model.onnx in `folder`: y = x @ layer.weight, the weight external.
    With `constant_node`, the weight is a Constant node's tensor attribute
    instead of an initializer."""
    weight = onnx.tensor("layer.weight", list(dims), external=external)
    x, y = onnx.value_info("x", [2, 4]), onnx.value_info("y", [2, 4])
    matmul = onnx.node("MatMul", ["x", "layer.weight"], ["y"], "project")
    if constant_node:
        constant = onnx.node("Constant", [], ["layer.weight"], "weight",
                             [onnx.tensor_attribute("value", weight)])
        blob = onnx.model([constant, matmul], [x], [y])
    else:
        blob = onnx.model([matmul], [x], [y], [weight])
    with open(os.path.join(folder, "model.onnx"), "wb") as f:
        f.write(blob)


def location(path, offset="0", length="64"):
    return [("location", path), ("offset", offset), ("length", length)]


def cases(tmp):
    """(name, external_data, why, setup, opened_target, options): `setup`
    prepares the model folder, `opened_target` must never be opened."""
    outside = os.path.join(tmp, "outside", "secret.bin")
    return [
        ("dotdot", location("../outside/secret.bin"),
         "lies outside the model's folder", None, "secret.bin", {}),
        ("dotdot-through-missing", location("nowhere/../../outside/secret.bin"),
         "lies outside the model's folder", None, "secret.bin", {}),
        ("absolute", location(outside), "is an absolute path", None,
         "secret.bin", {}),
        ("proc", location("/proc/self/environ"), "is an absolute path", None,
         "environ", {}),
        ("file-symlink", location("link.bin"),
         "lies outside the model's folder",
         lambda m: os.symlink(outside, os.path.join(m, "link.bin")),
         "secret.bin", {}),
        ("folder-symlink", location("sub/secret.bin"),
         "lies outside the model's folder",
         lambda m: os.symlink(os.path.dirname(outside), os.path.join(m, "sub")),
         "secret.bin", {}),
        # `missing/..` resolves only lexically; the link behind it must not
        # be reached (the system cannot open this path either).
        ("folder-symlink-behind-missing", location("missing/../sub/secret.bin"),
         "does not exist",
         lambda m: os.symlink(os.path.dirname(outside), os.path.join(m, "sub")),
         "secret.bin", {}),
        ("proc-symlink", location("env"), "lies outside the model's folder",
         lambda m: os.symlink("/proc/self/environ", os.path.join(m, "env")),
         "environ", {}),
        ("fifo", location("pipe"), "is a FIFO, not a regular file",
         lambda m: os.mkfifo(os.path.join(m, "pipe")), "pipe", {}),
        ("directory", location("dir"), "is a directory, not a regular file",
         lambda m: os.mkdir(os.path.join(m, "dir")), None, {}),
        ("folder-itself", location("."),
         "is the model's folder itself, not a regular file", None, None, {}),
        ("missing", location("absent.bin"), "does not exist", None, None, {}),
        ("negative-offset", location("weights.bin", offset="-4"),
         "offset '-4' is not a non-negative integer", None, "weights.bin", {}),
        ("overflowing-offset",
         location("weights.bin", offset="99999999999999999999"),
         "is not a non-negative integer", None, "weights.bin", {}),
        ("offset-near-int64-max",
         location("weights.bin", offset=str(2 ** 63 - 8)),
         "is too short", None, None, {}),
        ("past-the-end", location("weights.bin", offset="8"),
         "is too short: bytes 8..72 are needed but the file holds 64", None,
         None, {}),
        ("negative-length", location("weights.bin", length="-1"),
         "length '-1' is not a non-negative integer", None, "weights.bin", {}),
        ("wrong-length", location("weights.bin", length="65536"),
         "has length 65536 bytes but its shape needs 64", None, "weights.bin",
         {}),
        ("overflowing-shape", location("weights.bin", length="64"),
         # starchc's importer refuses the dimension itself (ImportLimits)
         # before opening the data; the weights readers refuse the size.
         ("has a dimension of 4611686018427387904 (sizes lie in [0, 2^31 - 1])",
          "the shape's size does not fit in 64 bits"),
         None, "weights.bin", {"dims": (2 ** 62, 4)}),
        ("no-location", [("offset", "0")], "has no location", None, None, {}),
        ("constant-node-dotdot", location("../outside/secret.bin"),
         "lies outside the model's folder", None, "secret.bin",
         {"constant_node": True, "importer_only": True}),
    ]


class Tool:
    """How one reader is run on a model folder, and its error status."""

    def __init__(self, args, tmp):
        self.args, self.tmp = args, tmp
        self.kind = args.tool
        self.status = 1 if self.kind == "train" else 2
        self.strace = shutil.which("strace") and self._strace_works()

    def _strace_works(self):
        try:
            return subprocess.run(["strace", "-f", "-o", os.devnull, "true"],
                                  capture_output=True,
                                  timeout=TIMEOUT).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False

    def command(self, folder, out):
        model = os.path.join(folder, "model.onnx")
        if self.kind == "starchc":
            return [os.path.join(self.args.bin, "starchc"), model,
                    "--emit=starch", "-o", out]
        if self.kind == "starch-run":
            return [os.path.join(self.args.bin, "starch-run"), self.ir,
                    "--weights", model, "--input", self.x, "--output-dir", out]
        return [self.args.train, "--weights", model, "--steps", "1"]

    def prepare(self):
        """starch-run runs the IR of the well-formed model on other weights."""
        if self.kind != "starch-run":
            return
        good = os.path.join(self.tmp, "ir-model")
        os.makedirs(good)
        write_model(good, location("weights.bin"))
        with open(os.path.join(good, "weights.bin"), "wb") as f:
            f.write(onnx.floats([1.0] * 16))
        self.ir = os.path.join(self.tmp, "model.mlir")
        subprocess.run([os.path.join(self.args.bin, "starchc"),
                        os.path.join(good, "model.onnx"), "--emit=starch",
                        "-o", self.ir], check=True)
        header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), }"
        header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
        self.x = os.path.join(self.tmp, "x.npy")
        with open(self.x, "wb") as f:
            f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) +
                    header.encode() + onnx.floats(range(8)))

    def run(self, folder, out, trace):
        command = self.command(folder, out)
        env = None
        if self.strace:
            command = ["strace", "-f", "-qq", "-y", "-e",
                       "trace=open,openat,openat2,read,pread64",
                       "-o", trace] + command
            # LeakSanitizer cannot run under ptrace: in the sanitizer build
            # ASan still checks every access here, the other tests leaks.
            env = dict(os.environ)
            env["ASAN_OPTIONS"] = ":".join(
                filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
        try:
            proc = subprocess.run(command, capture_output=True, text=True,
                                  timeout=TIMEOUT, env=env)
        except subprocess.TimeoutExpired:
            return None, "", ""
        return proc.returncode, proc.stdout, proc.stderr


def after_model_opened(trace):
    """The strace log from the first open of model.onnx on: external data is
    read only after it, and what comes before is the process starting (the
    sanitizers' runtime reads /proc/self/environ then)."""
    with open(trace) as f:
        lines = f.readlines()
    for i, line in enumerate(lines):
        if 'model.onnx"' in line and "= -1" not in line:
            return lines[i + 1:]
    return lines


def read_any(trace, places):
    """Whether the strace log (-y names each descriptor's file) shows a read
    of a file under one of `places` (model.onnx aside) or of an environ."""
    pattern = "|".join(re.escape(p) for p in places) + r"|[^>]*/environ>"
    return any(re.search(r" p?read(64)?\(\d+<(" + pattern + ")", line)
               and "model.onnx>" not in line
               for line in after_model_opened(trace))


def opened(trace, name):
    """Whether the strace log shows a successful open of a path ending in
    `name`."""
    return any(f'/{name}"' in line and "= -1" not in line
               for line in after_model_opened(trace))


def run_case(tool, name, external, why, setup, target, options):
    if options.pop("importer_only", False) and tool.kind != "starchc":
        return  # other readers take initializers only
    case = os.path.join(tool.tmp, name)
    folder = os.path.join(case, "model")
    os.makedirs(folder)
    with open(os.path.join(folder, "weights.bin"), "wb") as f:
        f.write(onnx.floats([1.0] * 16))
    if setup:
        setup(folder)
    write_model(folder, external, **options)
    out, trace = os.path.join(case, "out"), os.path.join(case, "trace")
    rc, stdout, stderr = tool.run(folder, out, trace)
    if not check(rc is not None, f"{name}: no answer in {TIMEOUT} s (hangs)"):
        return
    lines = stderr.strip().splitlines()
    check(rc == tool.status,
          f"{name}: exit {rc}, expected {tool.status}: {stderr!r}")
    check(len(lines) == 1, f"{name}: stderr is not one line: {stderr!r}")
    reasons = why if isinstance(why, tuple) else (why,)
    check("layer.weight" in stderr and any(r in stderr for r in reasons),
          f"{name}: the error does not name the tensor and say {why!r}: "
          f"{stderr!r}")
    check(not os.path.exists(out), f"{name}: wrote {out}")
    secret_text = repr(struct.unpack("<f", SECRET[:4])[0])
    check(secret_text not in stdout + stderr,
          f"{name}: the outside file's values were printed")
    if tool.strace:
        check(not target or not opened(trace, target),
              f"{name}: '{target}' was opened")
        places = [folder, os.path.join(tool.tmp, "outside")]
        check(not read_any(trace, places), f"{name}: external data was read")
    print(f"{name}: refused: {lines[-1] if lines else ''}")


def run_control(tool):
    """The well-formed model: the data file is opened and read."""
    folder = os.path.join(tool.tmp, "control", "model")
    os.makedirs(folder)
    with open(os.path.join(folder, "weights.bin"), "wb") as f:
        f.write(onnx.floats([1.0] * 16))
    write_model(folder, location("weights.bin"))
    out = os.path.join(tool.tmp, "control", "out")
    trace = os.path.join(tool.tmp, "control", "trace")
    rc, stdout, stderr = tool.run(folder, out, trace)
    if tool.kind == "train":
        # The toy program wants other tensors: the weights file was read
        # past its external data, up to the first missing name.
        check(rc == 1 and "has no tensor 'toy." in stderr,
              f"control: {rc} {stderr!r}")
    else:
        check(rc == 0, f"control: exit {rc}: {stderr!r}")
    if tool.strace:
        check(opened(trace, "weights.bin"),
              "control: strace did not see weights.bin opened, so its "
              "absence elsewhere proves nothing")
        # The importer leaves weights in their file; the others read them.
        check(tool.kind == "starchc" or read_any(trace, [folder]),
              "control: strace saw no read of the data")
    else:
        print("note: strace does not work here; opens are not traced")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", choices=["starchc", "starch-run", "train"],
                        required=True)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--train", help="a training program (the toy)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="starch-external-") as tmp:
        os.makedirs(os.path.join(tmp, "outside"))
        with open(os.path.join(tmp, "outside", "secret.bin"), "wb") as f:
            f.write(SECRET)
        tool = Tool(args, tmp)
        tool.prepare()
        run_control(tool)
        for case in cases(tmp):
            run_case(tool, *case)
    if failures:
        sys.exit(f"{len(failures)} check(s) failed")
    print(f"external data ({args.tool}): every case refused")


if __name__ == "__main__":
    main()
