// @train_step against the formulas of docs/training.md computed by hand in
// Python (f64): 2 micro-batches, clipping active (max norm 0.5), a step in the
// warm-up, one on the cosine and one past the end of the schedule (3 micro-
// batches, no clipping, no decay).
// RUN: %python %S/../../Inputs/check_optimizer_step.py --bin %starch_bin --step 1 %s -- "--starch-optimizer=micro-batches=2 lr=0.01 weight-decay=0.1 max-grad-norm=0.5 warmup-steps=2 total-steps=6" | FileCheck %s --check-prefix=WARM
// RUN: %python %S/../../Inputs/check_optimizer_step.py --bin %starch_bin --step 4 %s -- "--starch-optimizer=micro-batches=2 lr=0.01 weight-decay=0.1 max-grad-norm=0.5 warmup-steps=2 total-steps=6" | FileCheck %s --check-prefix=COS
// RUN: %python %S/../../Inputs/check_optimizer_step.py --bin %starch_bin --step 9 %s -- "--starch-optimizer=micro-batches=3 lr=0.01 weight-decay=0.0 max-grad-norm=0 warmup-steps=0 total-steps=6" | FileCheck %s --check-prefix=END
// WARM: step 1: {{.*}} lr 0; 6 updated tensors match the hand computation, and 2 parameters' gradient norms
// (progress (4-1-2)/4 = 0.25: lr = 0.01 * 0.5 * (1 + cos(pi/4)) = 0.00853553)
// COS: step 4: {{.*}} lr 0.00853553; 6 updated tensors match the hand computation, and 2 parameters' gradient norms
// (past the schedule's end the cosine rises again, as in transformers:
// progress 8/6, lr = 0.01 * 0.5 * (1 + cos(4 pi / 3)) = 0.0025)
// END: step 9: {{.*}} lr 0.0025; 6 updated tensors match the hand computation, and 2 parameters' gradient norms

starch.param @w : tensor<4x3xf64>
starch.param @b : tensor<3xf64>
starch.param @c {frozen} : tensor<3xf64>
func.func @loss(%x: tensor<2x4xf64>) -> tensor<f64> {
  %w = starch.read_param @w : tensor<4x3xf64>
  %b = starch.read_param @b : tensor<3xf64>
  %c = starch.read_param @c : tensor<3xf64>
  %y = starch.matmul %x, %w : (tensor<2x4xf64>, tensor<4x3xf64>) -> tensor<2x3xf64>
  %bb = starch.broadcast %b dims = [1] : tensor<3xf64> -> tensor<2x3xf64>
  %z = starch.add %y, %bb : tensor<2x3xf64>
  %t = starch.tanh %z : tensor<2x3xf64>
  %cb = starch.broadcast %c dims = [1] : tensor<3xf64> -> tensor<2x3xf64>
  %u = starch.mul %t, %cb : tensor<2x3xf64>
  %l = starch.reduce sum %u dims = [0, 1] : tensor<2x3xf64> -> tensor<f64>
  %s = starch.mul %l, %l : tensor<f64>
  return %s : tensor<f64>
}
