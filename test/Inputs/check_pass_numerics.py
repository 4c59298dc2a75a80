#!/usr/bin/env python3
"""Proves a pass keeps the numbers: for every function of an MLIR file, runs
`starch-run` before and after `starch-opt <pass flags>` on the same
pseudo-random inputs and compares the results (standard library only).

  check_pass_numerics.py --bin DIR --rtol R --atol A FILE.mlir -- --starch-raise

Float arguments get values uniform in [-2, 2), integer arguments values in
[0, 4), i1 arguments random bits, all from a fixed seed.
"""
import argparse
import os
import random
import re
import struct
import subprocess
import sys
import tempfile

FUNC = re.compile(r"func\.func\s+@([\w.$]+)\s*\((.*?)\)\s*(->|\{|attributes)", re.S)
ARG = re.compile(r"%[\w.$]+\s*:\s*tensor<([^>]*)>")
DESCR = {"f32": ("<f4", "f"), "f64": ("<f8", "d"), "i64": ("<i8", "q"),
         "i32": ("<i4", "i"), "i1": ("|b1", "?")}


def write_npy(path, shape, element, rng):
    descr, fmt = DESCR[element]
    count = 1
    for size in shape:
        count *= size
    if fmt in "fd":
        values = [rng.uniform(-2.0, 2.0) for _ in range(count)]
    elif fmt == "?":
        values = [rng.random() < 0.5 for _ in range(count)]
    else:
        values = [rng.randrange(4) for _ in range(count)]
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (
        descr, repr(tuple(shape)))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)))
        f.write(header.encode("latin1"))
        f.write(struct.pack("<%d%s" % (count, fmt), *values))


def run(command):
    result = subprocess.run(command, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        print("$ " + " ".join(command))
        print(result.stdout)
        sys.exit(f"FAILED: {os.path.basename(command[0])} exited {result.returncode}")
    return result.stdout


def main():
    argv = sys.argv[1:]
    pass_flags = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--rtol", default="1e-5")
    parser.add_argument("--atol", default="1e-6")
    parser.add_argument("file")
    args = parser.parse_args(argv)

    source = open(args.file).read()
    functions = FUNC.findall(source)
    if not functions:
        sys.exit("no functions found in " + args.file)
    rng = random.Random(1234)
    with tempfile.TemporaryDirectory() as work:
        after = os.path.join(work, "after.mlir")
        run([os.path.join(args.bin, "starch-opt"), args.file, "-o", after] + pass_flags)
        for name, signature, _ in functions:
            inputs = []
            for i, arg in enumerate(ARG.findall(signature)):
                *dims, element = arg.split("x") if "x" in arg else [arg]
                path = os.path.join(work, f"{name}.arg{i}.npy")
                write_npy(path, [int(d) for d in dims], element, rng)
                inputs += ["--input", path]
            before_out = os.path.join(work, name + ".before")
            run([os.path.join(args.bin, "starch-run"), args.file, "--function",
                 name, "--output-dir", before_out] + inputs)
            compare = []
            for result in sorted(os.listdir(before_out)):
                compare += ["--compare", f"{result[:-4]}={os.path.join(before_out, result)}"]
            run([os.path.join(args.bin, "starch-run"), after, "--function", name,
                 "--rtol", args.rtol, "--atol", args.atol] + inputs + compare)
            print(f"{name}: same numbers before and after {' '.join(pass_flags)}")


if __name__ == "__main__":
    main()
