// RUN: starch-opt %s --starch-autodiff=functions=loss "--starch-optimizer=micro-batches=2 lr=0.01 warmup-steps=1 total-steps=10" | FileCheck %s
// RUN: not starch-opt %s --starch-autodiff=functions=loss "--starch-optimizer=micro-batches=0" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not starch-opt %s "--starch-optimizer=function=nowhere" 2>&1 | FileCheck %s --check-prefix=MISSING

// State params come right after the model's, one pair per trainable param;
// the frozen one gets none.
// CHECK: starch.param @c {frozen} : tensor<3xf32>
// CHECK-NEXT: starch.param @adamw.exp_avg.w {state} : tensor<4x3xf32>
// CHECK-NEXT: starch.param @adamw.exp_avg_sq.w {state} : tensor<4x3xf32>
// CHECK-NOT: adamw.exp_avg.c
// The step takes the micro-batches stacked, and the step count.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[X:.*]]: tensor<2x2x4xf32>, %[[STEP:.*]]: tensor<i64> {starch.name = "step"})
// CHECK-SAME: -> (tensor<f32> {starch.name = "loss"}, tensor<f32> {starch.name = "grad_norm"}, tensor<f32> {starch.name = "lr"}, tensor<1xf32> {starch.name = "param_grad_norms", starch.params = ["w"]})
// CHECK: starch.slice %[[X]] start = [0, 0, 0] limit = [1, 2, 4]
// CHECK: %[[G0:.*]]:2 = call @loss_grad(
// CHECK: starch.slice %[[X]] start = [1, 0, 0] limit = [2, 2, 4]
// CHECK: %[[G1:.*]]:2 = call @loss_grad(
// CHECK: %[[GSUM:.*]] = starch.add %[[G0]]#1, %[[G1]]#1 : tensor<4x3xf32>
// CHECK: %[[G:.*]] = starch.mul %[[GSUM]]
// Norm (the global one and each parameter's), clip coefficient, schedule
// (in f64), AdamW, then the writes.
// CHECK: %[[SQ:.*]] = starch.reduce sum
// CHECK: %[[OWN:.*]] = starch.reshape %[[SQ]] : tensor<f32> -> tensor<1xf32>
// CHECK: %[[NORM:.*]] = starch.sqrt %[[SQ]] : tensor<f32>
// CHECK: %[[NORMS:.*]] = starch.sqrt %[[OWN]] : tensor<1xf32>
// CHECK: %[[CLIP:.*]] = starch.min
// CHECK: starch.convert %[[STEP]] : tensor<i64> -> tensor<f64>
// CHECK: starch.cos
// CHECK: starch.select
// CHECK: %[[P:.*]] = starch.read_param @w
// CHECK: %[[M:.*]] = starch.read_param @adamw.exp_avg.w
// CHECK: %[[V:.*]] = starch.read_param @adamw.exp_avg_sq.w
// CHECK: %[[NP:.*]], %[[NM:.*]], %[[NV:.*]] = starch.adamw %[[P]], %[[G]], %[[M]], %[[V]], %{{.*}}, %[[STEP]] beta1 = 9.000000e-01 beta2 = 0.99899999999999999 epsilon = 1.000000e-08 weight_decay = 1.000000e-02 grad_scale = %[[CLIP]] : tensor<f32>
// CHECK: starch.write_param @w, %[[NP]]
// CHECK: starch.write_param @adamw.exp_avg.w, %[[NM]]
// CHECK: starch.write_param @adamw.exp_avg_sq.w, %[[NV]]
// CHECK: return %{{.*}}, %[[NORM]], %{{.*}}, %[[NORMS]] :

// BAD: starch-optimizer: micro-batches must be >= 1, got 0
// MISSING: starch-optimizer: no function @nowhere

starch.param @w : tensor<4x3xf32>
starch.param @c {frozen} : tensor<3xf32>
func.func @loss(%x: tensor<2x4xf32>) -> tensor<f32> {
  %w = starch.read_param @w : tensor<4x3xf32>
  %c = starch.read_param @c : tensor<3xf32>
  %y = starch.matmul %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  %cb = starch.broadcast %c dims = [1] : tensor<3xf32> -> tensor<2x3xf32>
  %z = starch.mul %y, %cb : tensor<2x3xf32>
  %l = starch.reduce sum %z dims = [0, 1] : tensor<2x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}
