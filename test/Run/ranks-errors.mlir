// A failure on every rank is reported once, with exit status 2.
// RUN: not starch-run %s --ranks 3 2>&1 | FileCheck %s

// CHECK: error: 'starch.read_param' op cannot read parameter 'w': no weights file
// CHECK-NOT: error:

starch.param @w : tensor<2xf32>
func.func @forward() -> tensor<2xf32> {
  %w = starch.read_param @w : tensor<2xf32>
  return %w : tensor<2xf32>
}
