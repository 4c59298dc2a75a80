// Inputs by name or position, --output-dir, --compare.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/npy.py write %t/x.npy '<f4' 2,2 1,2,3,4
// RUN: %python %S/Inputs/npy.py write %t/ids.npy '<i8' 2 5,-6
// RUN: starch-run %s --input x=%t/x.npy --input ids=%t/ids.npy --print | FileCheck %s
// RUN: starch-run %s %t/x.npy %t/ids.npy --print | FileCheck %s
// RUN: starch-run %s --input ids=%t/ids.npy --input %t/x.npy --print | FileCheck %s

// CHECK: doubled: 2x2 f32 mean 5 [2, 4, 6, 8]
// CHECK: result1: 2 i64 mean 0.5 [-5, 6]

// RUN: starch-run %s %t/x.npy %t/ids.npy --output-dir %t/out
// RUN: %python %S/Inputs/npy.py print %t/out/doubled.npy | FileCheck %s --check-prefix=OUT0
// RUN: %python %S/Inputs/npy.py print %t/out/result1.npy | FileCheck %s --check-prefix=OUT1
// OUT0: <f4 2x2 2 4 6 8
// OUT1: <i8 2 -5 6

// RUN: starch-run %s %t/x.npy %t/ids.npy --compare doubled=%t/out/doubled.npy --compare result1=%t/out/result1.npy | FileCheck %s --check-prefix=SAME
// SAME: doubled: max_abs_err 0 max_rel_err 0 ok
// SAME: result1: max_abs_err 0 max_rel_err 0 ok

// One element off by 0.5 fails by default and passes with --atol 0.5.
// RUN: %python %S/Inputs/npy.py write %t/near.npy '<f4' 2,2 2,4,6,8.5
// RUN: not starch-run %s %t/x.npy %t/ids.npy --compare doubled=%t/near.npy | FileCheck %s --check-prefix=MISMATCH
// MISMATCH: doubled: max_abs_err 0.5 max_rel_err 0.0588 MISMATCH (1 of 4 elements; first at flat index 3: got 8 expected 8.5)
// RUN: starch-run %s %t/x.npy %t/ids.npy --compare doubled=%t/near.npy --atol 0.5 --rtol 0 | FileCheck %s --check-prefix=TOLERATED
// TOLERATED: doubled: max_abs_err 0.5 max_rel_err 0.0588 ok

// A mismatch exits 1 (an input error exits 2).
// RUN: starch-run %s %t/x.npy %t/ids.npy --compare doubled=%t/near.npy > /dev/null; echo "exit $?" | FileCheck %s --check-prefix=EXIT
// EXIT: exit 1

func.func @forward(%x: tensor<2x2xf32> {starch.name = "x"}, %ids: tensor<2xi64> {starch.name = "ids"})
    -> (tensor<2x2xf32> {starch.name = "doubled"}, tensor<2xi64>) {
  %d = starch.add %x, %x : tensor<2x2xf32>
  %n = starch.neg %ids : tensor<2xi64>
  return %d, %n : tensor<2x2xf32>, tensor<2xi64>
}
