// --ranks N runs the function on N in-process ranks (each an interpreter on
// its own thread) and reports rank 0's results, which all ranks must share.
// RUN: starch-run %s --ranks 4 --threads 2 --print | FileCheck %s
// RUN: starch-run %s --ranks 1 --threads 1 --print | FileCheck %s
// RUN: not starch-run %s --ranks 0 2>&1 | FileCheck %s --check-prefix=BAD

// CHECK: result0: 2x2 f32 mean 2.5 [1, 2, 3, 4]
// BAD: error: --ranks must lie in [1, 256] (ranks are threads of this process)

func.func @forward() -> tensor<2x2xf32> {
  %x = starch.constant dense<[[1.0, 3.0], [2.0, 4.0]]> : tensor<2x2xf32>
  %t = starch.transpose %x perm = [1, 0] : tensor<2x2xf32> -> tensor<2x2xf32>
  return %t : tensor<2x2xf32>
}
