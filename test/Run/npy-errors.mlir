// A .npy input whose shape multiplies past int64 (found by the npy fuzzer,
// test/fuzz/corpus/npy/shape-beyond-int64.npy): one error line, exit 2.
// RUN: %python %S/../Inputs/expect_exit.py 2 starch-run %s %S/../fuzz/corpus/npy/shape-beyond-int64.npy > %t.out
// RUN: FileCheck %s < %t.out
// RUN: wc -l < %t.out | FileCheck %s --check-prefix=ONE
// CHECK: error: {{.*}}shape-beyond-int64.npy{{.*}}malformed 'shape' in the .npy header (sizes too large)
// ONE: {{^ *1$}}

func.func @forward(%x: tensor<2xui8>) -> tensor<2xui8> {
  return %x : tensor<2xui8>
}
