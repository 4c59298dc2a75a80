#!/usr/bin/env python3
"""expect_exit.py CODE COMMAND...: runs COMMAND, prints what it wrote to
stdout and stderr, and succeeds only if it exited with status CODE (a crash
or any other status fails the test)."""
import subprocess
import sys

code = int(sys.argv[1])
result = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT, text=True)
sys.stdout.write(result.stdout)
if result.returncode != code:
    sys.stdout.write(f"expect_exit: exit status {result.returncode}, expected {code}\n")
    sys.exit(1)
