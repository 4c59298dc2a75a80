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
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tensorio  # noqa: E402


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

    functions = tensorio.functions(open(args.file).read())
    if not functions:
        sys.exit("no functions found in " + args.file)
    rng = random.Random(1234)
    with tempfile.TemporaryDirectory() as work:
        after = os.path.join(work, "after.mlir")
        tensorio.run([os.path.join(args.bin, "starch-opt"), args.file, "-o", after]
                     + pass_flags)
        for name, signature in functions:
            inputs = []
            for i, (shape, element) in enumerate(signature):
                path = os.path.join(work, f"{name}.arg{i}.npy")
                tensorio.write_npy(path, shape, element,
                                   tensorio.random_values(shape, element, rng))
                inputs += ["--input", path]
            before_out = os.path.join(work, name + ".before")
            tensorio.run([os.path.join(args.bin, "starch-run"), args.file,
                          "--function", name, "--output-dir", before_out] + inputs)
            compare = []
            for result in sorted(os.listdir(before_out)):
                compare += ["--compare", f"{result[:-4]}={os.path.join(before_out, result)}"]
            tensorio.run([os.path.join(args.bin, "starch-run"), after, "--function",
                          name, "--rtol", args.rtol, "--atol", args.atol]
                         + inputs + compare)
            print(f"{name}: same numbers before and after {' '.join(pass_flags)}")


if __name__ == "__main__":
    main()
