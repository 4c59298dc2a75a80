#!/usr/bin/env python3
"""Runs a CUDA training program built by `starchc --target=cuda` for a few
steps on the fixture's training data and compares its losses with the CPU
program's (rtol 1e-4, or --rtol). Without a GPU the program must say so in one line and
exit 1; this script then exits 77, which ctest reports as skipped.

  check_cuda_program.py --cuda PROGRAM --cpu PROGRAM --fixture DIR
"""
import argparse
import os
import subprocess
import sys
import tempfile


def run(command):
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cuda", required=True)
    parser.add_argument("--cpu", required=True)
    parser.add_argument("--fixture", required=True)
    parser.add_argument("--rtol", type=float, default=1e-4)
    args = parser.parse_args()
    train = os.path.join(args.fixture, "train")
    data = ["--data", os.path.join(train, "tokens.npy"), "--labels", os.path.join(train, "labels.npy"),
            "--steps", "5"]
    with tempfile.TemporaryDirectory() as work:
        gpu_log, cpu_log = os.path.join(work, "gpu.log"), os.path.join(work, "cpu.log")
        gpu = run([args.cuda] + data + ["--loss-log", gpu_log])
        if gpu.returncode != 0:
            if "no GPU" in gpu.stdout and gpu.returncode == 1:
                print(gpu.stdout.strip().splitlines()[-1])
                print("skipped: the CUDA program was built; this machine has no GPU to run it")
                sys.exit(77)
            print(gpu.stdout)
            sys.exit(f"FAILED: the CUDA program exited {gpu.returncode}")
        cpu = run([args.cpu] + data + ["--loss-log", cpu_log])
        if cpu.returncode != 0:
            print(cpu.stdout)
            sys.exit("FAILED: the CPU program failed")
        a = [float(line.split()[1]) for line in open(gpu_log)]
        b = [float(line.split()[1]) for line in open(cpu_log)]
        worst = max(abs(x - y) / abs(y) for x, y in zip(a, b))
        if len(a) != 5 or worst > args.rtol:
            sys.exit(f"FAILED: GPU losses {a} vs CPU {b}")
        print(f"CUDA program: 5 losses within {worst:.2e} of the CPU program's")


if __name__ == "__main__":
    main()
