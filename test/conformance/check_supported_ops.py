#!/usr/bin/env python3
"""Fails when supported_ops.txt differs from `starchc --print-supported-ops`."""
import subprocess
import sys

starchc, listing = sys.argv[1], sys.argv[2]
actual = set(subprocess.run([starchc, "--print-supported-ops"], check=True,
                            capture_output=True, text=True).stdout.split())
with open(listing) as f:
    listed = set(f.read().split())
if actual != listed:
    print(f"{listing} is stale: the importer also lowers "
          f"{sorted(actual - listed)}, and no longer {sorted(listed - actual)}")
    sys.exit(1)
print(f"{len(actual)} op types")
