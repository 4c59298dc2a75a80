#!/usr/bin/env python3
"""Counts, per function of a training-step IR, the ops of one module
(`starch.module = "NAME"`) and the optimizer state kept for its parameters:

  module_ops.py FILE.mlir MODULE

prints `@f: N ops` for every function and `state: K params`. A frozen
encoder with nothing trainable upstream must have as many ops in @loss_grad
as in @loss (its forward only) and no state.
"""
import re
import sys

path, module = sys.argv[1], sys.argv[2]
tag = f'starch.module = "{module}"'
counts, current = {}, None
state = 0
for line in open(path):
    found = re.match(r"\s*func\.func @([\w.$]+)\(", line)
    if found:
        current = found.group(1)
        counts[current] = 0
    elif re.match(r"\s*starch\.param @adamw\.exp_avg\." + re.escape(module) + r"\.", line):
        state += 1
    elif current and tag in line:
        counts[current] += 1
for name, count in counts.items():
    print(f"@{name}: {count} ops")
print(f"state: {state} params")
