#!/usr/bin/env python3
"""truncation_sweep.py STARCHC MODEL COUNT: cuts MODEL at COUNT evenly spaced
lengths and checks that starchc answers every prefix with exit status 2 and
one 'error:' line (never a crash, never a partial output file)."""
import os
import subprocess
import sys
import tempfile

starchc, model, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(model, "rb").read()
failures = 0
with tempfile.TemporaryDirectory() as work:
    cut_path = os.path.join(work, "cut.onnx")
    out_path = os.path.join(work, "out.mlir")
    for i in range(1, count + 1):
        length = len(data) * i // (count + 1)
        with open(cut_path, "wb") as f:
            f.write(data[:length])
        result = subprocess.run([starchc, cut_path, "-o", out_path],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines = result.stderr.strip().splitlines()
        if (result.returncode != 2 or len(lines) != 1 or not lines[0].startswith("error:")
                or os.path.exists(out_path)):
            failures += 1
            print(f"prefix of {length} bytes: exit {result.returncode}: {result.stderr[:200]}")
print(f"{count - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
