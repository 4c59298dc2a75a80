// The loss and optimizer ops on hand-derived numbers.
// RUN: starch-run %s --function=loss --print | FileCheck %s --check-prefix=LOSS
// RUN: starch-run %s --function=loss_grad --print | FileCheck %s --check-prefix=GRAD
// RUN: starch-run %s --function=adamw --print | FileCheck %s --check-prefix=ADAMW
// RUN: not starch-run %s --function=bad_label 2>&1 | FileCheck %s --check-prefix=BAD

// Rows [0, 0] (label 0) and [ln 3, 0] (label 1): terms ln 2 and ln 4, mean
// 1.0397208; with the second label ignored, ln 2; with every label ignored, 0.
// LOSS: result0: scalar f32 mean 1.03972 [1.03972]
// LOSS: result1: scalar f32 mean 0.693147 [0.693147]
// LOSS: result2: scalar f32 mean 0 [0]
func.func @loss() -> (tensor<f32>, tensor<f32>, tensor<f32>) {
  %x = starch.constant dense<[[0.0, 0.0], [1.0986122886681098, 0.0]]> : tensor<2x2xf32>
  %y = starch.constant dense<[0, 1]> : tensor<2xi64>
  %l = starch.cross_entropy %x, %y ignore_index = -100 : (tensor<2x2xf32>, tensor<2xi64>) -> tensor<f32>
  %yi = starch.constant dense<[0, -100]> : tensor<2xi64>
  %li = starch.cross_entropy %x, %yi ignore_index = -100 : (tensor<2x2xf32>, tensor<2xi64>) -> tensor<f32>
  %ya = starch.constant dense<-100> : tensor<2xi64>
  %la = starch.cross_entropy %x, %ya ignore_index = -100 : (tensor<2x2xf32>, tensor<2xi64>) -> tensor<f32>
  return %l, %li, %la : tensor<f32>, tensor<f32>, tensor<f32>
}

// softmax - onehot, times the cotangent 2, over the 2 scored rows:
// row 0: [0.5 - 1, 0.5] = [-0.5, 0.5]; row 1 (p = [0.75, 0.25], label 1):
// [0.75, -0.75]; ignored row 2 gives zeros.
// GRAD: result0: 3x2 f32 mean 0 [-0.5, 0.5, 0.75, -0.75, 0, 0]
func.func @loss_grad() -> tensor<3x2xf32> {
  %x = starch.constant dense<[[0.0, 0.0], [1.0986122886681098, 0.0], [5.0, 1.0]]> : tensor<3x2xf32>
  %y = starch.constant dense<[0, 1, -100]> : tensor<3xi64>
  %d = starch.constant dense<2.0> : tensor<f32>
  %g = starch.cross_entropy_grad %x, %y, %d ignore_index = -100 : (tensor<3x2xf32>, tensor<3xi64>, tensor<f32>) -> tensor<3x2xf32>
  return %g : tensor<3x2xf32>
}

// Step 1, lr 0.1, weight decay 0.01, p = 1, g = 0.5: p -> 0.999, m = 0.05,
// v = 0.00025; step size 0.1 / 0.1 = 1, denominator
// sqrt(0.00025) / sqrt(0.001) + 1e-8 = 0.5 + 1e-8, so p = 0.999 - 0.1 = 0.899.
// ADAMW: result0: 1 f64 mean 0.899 [0.899]
// ADAMW: result1: 1 f64 mean 0.05 [0.05]
// ADAMW: result2: 1 f64 mean 0.00025 [0.00025]
// With g = 2 scaled by 0.25 the update reads g = 0.5: the same numbers.
// ADAMW: result3: 1 f64 mean 0.899 [0.899]
// ADAMW: result4: 1 f64 mean 0.05 [0.05]
// ADAMW: result5: 1 f64 mean 0.00025 [0.00025]
func.func @adamw() -> (tensor<1xf64>, tensor<1xf64>, tensor<1xf64>, tensor<1xf64>, tensor<1xf64>, tensor<1xf64>) {
  %p = starch.constant dense<1.0> : tensor<1xf64>
  %g = starch.constant dense<0.5> : tensor<1xf64>
  %z = starch.constant dense<0.0> : tensor<1xf64>
  %lr = starch.constant dense<0.1> : tensor<f64>
  %s = starch.constant dense<1> : tensor<i64>
  %u:3 = starch.adamw %p, %g, %z, %z, %lr, %s beta1 = 0.9 beta2 = 0.999 epsilon = 1.0e-8 weight_decay = 0.01 : tensor<1xf64>, tensor<f64>, tensor<i64>
  %g2 = starch.constant dense<2.0> : tensor<1xf64>
  %quarter = starch.constant dense<0.25> : tensor<f64>
  %v:3 = starch.adamw %p, %g2, %z, %z, %lr, %s beta1 = 0.9 beta2 = 0.999 epsilon = 1.0e-8 weight_decay = 0.01 grad_scale = %quarter : tensor<f64> : tensor<1xf64>, tensor<f64>, tensor<i64>
  return %u#0, %u#1, %u#2, %v#0, %v#1, %v#2 : tensor<1xf64>, tensor<1xf64>, tensor<1xf64>, tensor<1xf64>, tensor<1xf64>, tensor<1xf64>
}

// BAD: label 7 at position 1 is outside [0, 2) and is not the ignore index -100
func.func @bad_label() -> tensor<f32> {
  %x = starch.constant dense<0.0> : tensor<2x2xf32>
  %y = starch.constant dense<[0, 7]> : tensor<2xi64>
  %l = starch.cross_entropy %x, %y ignore_index = -100 : (tensor<2x2xf32>, tensor<2xi64>) -> tensor<f32>
  return %l : tensor<f32>
}
