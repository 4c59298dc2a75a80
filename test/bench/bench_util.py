#!/usr/bin/env python3
"""What the training benchmarks share: progress lines, commands that must
succeed, the CPU time other processes take while a run is timed, and the
sgemm rate of the system OpenBLAS that Starch programs link."""

import os
import subprocess
import sys
import time


def log(msg):
    print(msg, flush=True)


def run(cmd, **kw):
    """Run a command, fail with its output if it fails."""
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"FAILED ({p.returncode}): {' '.join(cmd)}\n{p.stdout}{p.stderr}")
    return p


class OtherCpu:
    """CPU time used by other processes while the block runs, in cores
    (all CPUs' busy time from /proc/stat minus this process's and its
    waited-for children's).  A shared machine makes timings noisy; this says
    how much."""

    def __enter__(self):
        self.start = self._sample()
        return self

    def __exit__(self, *exc):
        busy0, own0, wall0 = self.start
        busy1, own1, wall1 = self._sample()
        self.cores = max(0.0, (busy1 - busy0) - (own1 - own0)) / (wall1 - wall0)
        return False

    @staticmethod
    def _sample():
        try:
            with open("/proc/stat") as f:
                v = [int(x) for x in f.readline().split()[1:]]
            busy = (sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError):
            busy = 0.0
        t = os.times()
        own = t.user + t.system + t.children_user + t.children_system
        return busy, own, time.monotonic()


def wait_quiet(limit):
    """Waits (at most `limit` seconds) until other processes have used less
    than 0.1 cores over two consecutive 5-second windows."""
    if limit <= 0:
        return
    start, quiet = time.monotonic(), 0
    while quiet < 2:
        if time.monotonic() - start > limit:
            log(f"    (still busy after {limit} s: other processes use "
                f"{other.cores:.2f} cores; timing anyway)")
            return
        with OtherCpu() as other:
            time.sleep(5)
        quiet = quiet + 1 if other.cores < 0.1 else 0


# ---------------------------------------------------------------- sgemm ----

SGEMM_C = r"""
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
char *openblas_get_corename(void);
char *openblas_get_config(void);
static double now(void) {
  struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}
int main(int argc, char **argv) {
  int n = atoi(argv[1]), threads = atoi(argv[2]);
  double seconds = atof(argv[3]);
  openblas_set_num_threads(threads);
  float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n),
        *c = malloc(sizeof(float) * n * n);
  for (long i = 0; i < (long)n * n; ++i) {
    a[i] = (float)((i * 7) % 13) / 13.0f; b[i] = (float)((i * 5) % 11) / 11.0f;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n,
              b, n, 0.0f, c, n);  /* warm-up */
  double best = 1e30, total = 0; int reps = 0;
  while (total < seconds || reps < 3) {
    double t0 = now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a,
                n, b, n, 0.0f, c, n);
    double dt = now() - t0;
    total += dt; ++reps; if (dt < best) best = dt;
  }
  printf("%.3f %.3f %d %s | %s\n", 2.0 * n * n * (double)n / best / 1e9,
         2.0 * n * n * (double)n * reps / total / 1e9, reps,
         openblas_get_corename(), openblas_get_config());
  return c[0] != c[0]; /* uses the result; 0 unless NaN */
}
"""


def sgemm_openblas(work, n, threads):
    """GFLOP/s of the system OpenBLAS (the library Starch programs link):
    (best, mean, corename/config)."""
    src = os.path.join(work, "sgemm.c")
    exe = os.path.join(work, "sgemm")
    if not os.path.exists(exe):
        with open(src, "w") as f:
            f.write(SGEMM_C)
        run(["cc", "-O2", src, "-o", exe, "-lopenblas"])
    out = run([exe, str(n), str(threads), "1.0"]).stdout.split(maxsplit=3)
    return float(out[0]), float(out[1]), out[3].strip()


def sgemm_numpy(n):
    """GFLOP/s of numpy's matmul (numpy bundles its own OpenBLAS build)."""
    import numpy as np
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    a @ b
    best, total, reps = 1e30, 0.0, 0
    while total < 1.0 or reps < 3:
        t0 = time.perf_counter()
        a @ b
        dt = time.perf_counter() - t0
        best, total, reps = min(best, dt), total + dt, reps + 1
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return 2.0 * n ** 3 / best / 1e9, f"{blas['name']} {blas['version']}"
