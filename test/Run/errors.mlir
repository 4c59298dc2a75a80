// Every input error is one line naming the file or argument, exit status 2.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/npy.py write %t/x.npy '<f4' 2 1,2
// RUN: %python %S/Inputs/npy.py write %t/x3.npy '<f4' 3 1,2,3
// RUN: %python %S/Inputs/npy.py write %t/xi.npy '<i4' 2 1,2
// RUN: %python %S/Inputs/npy.py safetensors %t/w.safetensors 'other@<f4@2@1,2'
// RUN: echo garbage > %t/bad.npy
// RUN: echo garbage > %t/bad.safetensors

// RUN: not starch-run %s 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: missing input 'x' (argument #0 of @forward, tensor<2xf32>); pass --input x=FILE.npy

// RUN: not starch-run %s %t/x3.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: error: input 'x' from '{{.*}}x3.npy' is 3 f32 but @forward expects tensor<2xf32>

// RUN: not starch-run %s %t/xi.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: error: input 'x' from '{{.*}}xi.npy' is 2 i32 but @forward expects tensor<2xf32>

// RUN: not starch-run %s %t/bad.npy 2>&1 | FileCheck %s --check-prefix=BADNPY
// BADNPY: error: input 'x': '{{.*}}bad.npy': not a .npy file (bad magic)

// RUN: not starch-run %s %t/nothere.npy 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: error: input 'x': cannot open '{{.*}}nothere.npy'

// RUN: not starch-run %s --input y=%t/x.npy 2>&1 | FileCheck %s --check-prefix=NONAME
// NONAME: error: --input y={{.*}}: @forward has no argument named 'y'

// RUN: not starch-run %s %t/x.npy --weights %t/nothere.safetensors 2>&1 | FileCheck %s --check-prefix=NOWEIGHTS
// NOWEIGHTS: error: cannot read weights: cannot open '{{.*}}nothere.safetensors'

// RUN: not starch-run %s %t/x.npy --weights %t/bad.safetensors 2>&1 | FileCheck %s --check-prefix=BADWEIGHTS
// BADWEIGHTS: error: cannot read weights: '{{.*}}bad.safetensors' {{.*}}

// RUN: not starch-run %s %t/x.npy --weights %t/bad.npy 2>&1 | FileCheck %s --check-prefix=BADONNX
// BADONNX: error: cannot read weights: '{{.*}}bad.npy' is not a valid ONNX model

// RUN: not starch-run %s %t/x.npy --weights %t/w.safetensors 2>&1 | FileCheck %s --check-prefix=NOPARAM
// NOPARAM: errors.mlir:[[@LINE+10]]:{{[0-9]+}}: error: 'starch.read_param' op cannot read parameter 'scale': '{{.*}}w.safetensors' has no tensor named 'scale'

// RUN: not starch-run %s --function=nope 2>&1 | FileCheck %s --check-prefix=NOFUNC
// NOFUNC: error: '{{.*}}errors.mlir' has no function @nope

// RUN: starch-run %s %t/x.npy --weights %t/w.safetensors > /dev/null 2>&1; echo "exit $?" | FileCheck %s --check-prefix=EXIT
// EXIT: exit 2

starch.param @scale : tensor<2xf32>
func.func @forward(%x: tensor<2xf32> {starch.name = "x"}) -> tensor<2xf32> {
  %s = starch.read_param @scale : tensor<2xf32>
  %y = starch.mul %x, %s : tensor<2xf32>
  return %y : tensor<2xf32>
}
