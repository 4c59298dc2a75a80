#!/usr/bin/env python3
"""A rank killed mid-training ends the whole job (standard library).

  check_rank_killed.py --bin DIR --mpirun MPIRUN [--tp 2] [--hang SECONDS]

Compiles tiny-llama for two ranks (data parallel, or one tensor-parallel
group with --tp 2), starts a long run under mpirun, waits for step 3, then
kills rank 1 with SIGKILL (as the kernel's OOM killer or a failed node
would). The surviving rank must not hang in its next collective: the job
must end within 60 s with a non-zero status and a message naming rank 1.

With --hang, rank 1 is stopped (SIGSTOP: alive to mpirun, but silent, as a
hung peer is) and the program runs with --comm-timeout SECONDS: rank 0's
watchdog must end the job after that many seconds, naming rank 1 as the
peer that sent nothing.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                       "examples", "tiny-llama")
LIMIT_SECONDS = 60


def rank_pids(executable, rank):
    """Processes running `executable` as MPI rank `rank`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{entry}/exe") != executable:
                continue
            environ = open(f"/proc/{entry}/environ", "rb").read().split(b"\0")
        except OSError:
            continue
        if f"OMPI_COMM_WORLD_RANK={rank}".encode() in environ:
            found.append(int(entry))
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--mpirun", required=True)
    ap.add_argument("--tp", type=int, default=1)
    ap.add_argument("--hang", type=int, default=0)
    args = ap.parse_args()
    timeout_flags = ["--comm-timeout", str(args.hang)] if args.hang else []
    with tempfile.TemporaryDirectory() as work:
        config = json.load(open(os.path.join(EXAMPLE, "model.json")))
        for key in ("onnx", "weights"):
            config["llm"][key] = os.path.normpath(os.path.join(EXAMPLE, config["llm"][key]))
        config["training"].update(steps=1000000, warmup_steps=2)
        config["parallel"] = {"ranks": 2}
        if args.tp > 1:
            config["llm"]["parallel"] = {"tp": args.tp}
        path = os.path.join(work, "model.json")
        json.dump(config, open(path, "w"))
        exe = os.path.join(work, "train")
        subprocess.run([os.path.join(args.bin, "starchc"), path, "-o", exe], check=True,
                       stdout=subprocess.DEVNULL)
        log = os.path.join(work, "loss.log")
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                   OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        job = subprocess.Popen([args.mpirun, "--oversubscribe", "-np", "2", exe,
                                "--loss-log", log, "--log-every", "1000"] + timeout_flags,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=env)
        deadline = time.time() + 120
        while time.time() < deadline and job.poll() is None:
            if os.path.exists(log) and len(open(log).read().splitlines()) >= 3:
                break
            time.sleep(0.1)
        if job.poll() is not None:
            sys.exit("FAILED: the job ended before step 3:\n" + job.stdout.read())
        victims = rank_pids(os.path.realpath(exe), 1)
        if len(victims) != 1:
            job.kill()
            sys.exit(f"FAILED: found {len(victims)} processes of rank 1")
        killed_at = time.time()
        os.kill(victims[0], signal.SIGSTOP if args.hang else signal.SIGKILL)
        try:
            output, _ = job.communicate(timeout=LIMIT_SECONDS)
        except subprocess.TimeoutExpired:
            job.kill()
            sys.exit(f"FAILED: the job still ran {LIMIT_SECONDS} s after rank 1 was killed")
        seconds = time.time() - killed_at
        steps = len(open(log).read().splitlines())
    if job.returncode == 0:
        sys.exit("FAILED: the job exited 0 after losing a rank:\n" + output)
    if not args.hang and "rank 1" not in output:
        sys.exit("FAILED: no message names rank 1:\n" + output)
    if args.hang:
        # Rank 0's watchdog, whichever side of the transfer it was on when
        # rank 1 stopped: waiting for rank 1's part, or for rank 1 to take
        # its own.
        expected = f"rank 0 timed out after {args.hang} s"
        silent = ("nothing arrived from rank(s) 1", "its messages were never taken")
        if not any(expected in line and any(s in line for s in silent)
                   for line in output.splitlines()):
            sys.exit(f"FAILED: no '{expected}' line with rank 1 silent:\n" + output)
        if seconds < args.hang:
            sys.exit(f"FAILED: the job ended {seconds:.1f} s after the stop, before "
                     f"--comm-timeout {args.hang}")
    reason = next(line for line in output.splitlines()
                  if ("rank 0 timed out" if args.hang else "rank 1") in line)
    what = "stopped" if args.hang else "killed"
    print(f"rank 1 {what} after step {steps}: the job ended {seconds:.1f} s later with "
          f"status {job.returncode}: {reason.strip()}")


if __name__ == "__main__":
    main()
