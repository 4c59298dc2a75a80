#!/usr/bin/env python3
"""check_watchdog.py MPIRUN PROGRAM: a 2-rank job whose rank 1 hangs must end
within 30 s, failing, with rank 0's message naming the all-reduce and rank 1."""
import subprocess
import sys
import time

mpirun, program = sys.argv[1], sys.argv[2]
start = time.monotonic()
result = subprocess.run([mpirun, "--oversubscribe", "-np", "2", program, "hang"],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                        timeout=60)
elapsed = time.monotonic() - start
print(result.stdout)
want = ("error: rank 0: rank 0 timed out after 2 s in all-reduce #0 of group [0, 1]: "
        "nothing arrived from rank(s) 1; ending the job")
if result.returncode == 0 or want not in result.stdout or elapsed > 30:
    sys.exit(f"FAILED: exit {result.returncode} after {elapsed:.1f} s; expected a failure "
             f"within 30 s with: {want}")
print(f"OK: the job ended after {elapsed:.1f} s (exit {result.returncode}) naming rank 1")
