// ONNX TensorProto files (.pb, as in ONNX's node tests) wherever .npy goes:
// a bare .pb binds to the argument or result named like its tensor, an
// unnamed one (or one named like no argument) in order, NAME= always wins.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/npy.py tensorproto %t/x.pb 'x@<f4@2,2@1,2,3,4'
// RUN: %python %S/Inputs/npy.py tensorproto %t/ids.pb 'ids@<i8@2@5,-6'
// RUN: %python %S/Inputs/npy.py tensorproto %t/unnamed.pb '@<f4@2,2@1,2,3,4'
// RUN: %python %S/Inputs/npy.py tensorproto %t/other.pb 'other@<i8@2@5,-6'
// RUN: %python %S/Inputs/npy.py tensorproto %t/doubled.pb 'doubled@<f4@2,2@2,4,6,8'
// RUN: %python %S/Inputs/npy.py tensorproto %t/near.pb 'doubled@<f4@2,2@2,4,6,8.5'
// RUN: %python %S/Inputs/npy.py tensorproto %t/negated.pb 'result1@<i8@2@-5,6'
// RUN: %python %S/Inputs/npy.py write %t/x.npy '<f4' 2,2 1,2,3,4

// RUN: starch-run %s %t/ids.pb %t/x.pb --print | FileCheck %s
// RUN: starch-run %s %t/unnamed.pb %t/other.pb --print | FileCheck %s
// RUN: starch-run %s %t/ids.pb %t/x.npy --print | FileCheck %s
// RUN: starch-run %s --input x=%t/unnamed.pb --input ids=%t/other.pb --print | FileCheck %s
// CHECK: doubled: 2x2 f32 mean 5 [2, 4, 6, 8]
// CHECK: result1: 2 i64 mean 0.5 [-5, 6]

// RUN: starch-run %s %t/x.pb %t/ids.pb --compare %t/negated.pb --compare %t/doubled.pb | FileCheck %s --check-prefix=SAME
// RUN: starch-run %s %t/x.pb %t/ids.pb --compare result1=%t/negated.pb --compare doubled=%t/doubled.pb | FileCheck %s --check-prefix=SAME
// SAME-DAG: result1: max_abs_err 0 max_rel_err 0 ok
// SAME-DAG: doubled: max_abs_err 0 max_rel_err 0 ok

// RUN: not starch-run %s %t/x.pb %t/ids.pb --compare %t/near.pb | FileCheck %s --check-prefix=MISMATCH
// MISMATCH: doubled: max_abs_err 0.5 max_rel_err 0.0588 MISMATCH (1 of 4 elements; first at flat index 3: got 8 expected 8.5)

// RUN: not starch-run %s %t/x.pb %t/ids.pb --compare %t/unnamed.pb 2>&1 | FileCheck %s --check-prefix=NORESULT
// NORESULT: error: --compare {{.*}}unnamed.pb: no result named ''

// RUN: not starch-run %s %t/x.pb %t/x.pb 2>&1 | FileCheck %s --check-prefix=TWICE
// TWICE: error: --input {{.*}}x.pb: input 'x' is already bound to '{{.*}}x.pb'

// RUN: not starch-run %s %t/x.pb --input ids=%t/x.pb 2>&1 | FileCheck %s --check-prefix=TYPE
// TYPE: error: input 'ids' from '{{.*}}x.pb' is 2x2 f32 but @forward expects tensor<2xi64>

// RUN: echo garbage > %t/bad.pb
// RUN: not starch-run %s %t/bad.pb 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: --input {{.*}}bad.pb: '{{.*}}bad.pb' is not a serialized ONNX TensorProto
// RUN: not starch-run %s --input x=%t/nothere.pb 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: error: input 'x': cannot open '{{.*}}nothere.pb'
// RUN: starch-run %s %t/x.pb %t/ids.pb --compare %t/bad.pb > /dev/null 2>&1; echo "exit $?" | FileCheck %s --check-prefix=EXIT
// EXIT: exit 2

func.func @forward(%x: tensor<2x2xf32> {starch.name = "x"}, %ids: tensor<2xi64> {starch.name = "ids"})
    -> (tensor<2x2xf32> {starch.name = "doubled"}, tensor<2xi64>) {
  %d = starch.add %x, %x : tensor<2x2xf32>
  %n = starch.neg %ids : tensor<2xi64>
  return %d, %n : tensor<2x2xf32>, tensor<2xi64>
}
