// Data-parallel gradients summed in buckets: @w and @v (48 + 36 bytes) fit
// one bucket of 100 bytes and travel as one vector; @u (60 bytes) would
// overflow it and goes alone. With bucket-mb=0 every gradient is one
// all-reduce.
// RUN: starch-opt %s --starch-autodiff=functions=loss "--starch-optimizer=data-parallel=2 bucket-mb=0.0000953674" | FileCheck %s
// RUN: starch-opt %s --starch-autodiff=functions=loss "--starch-optimizer=data-parallel=2 bucket-mb=0" | FileCheck %s --check-prefix=NONE
// RUN: not starch-opt %s --starch-autodiff=functions=loss "--starch-optimizer=data-parallel=2 bucket-mb=-1" 2>&1 | FileCheck %s --check-prefix=BAD
// Two replicas given the same micro-batches, in buckets, against one
// process: the same loss, norms and updated weights.
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 2 --functions train_step --before="--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=2})" %s -- "--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=2 data-parallel=2 bucket-mb=0.0000953674})"

// CHECK-LABEL: func.func @train_step(
// CHECK: starch.all_reduce %{{.*}} reduce = sum : tensor<f32>
// CHECK: %[[W:.*]] = starch.reshape %{{.*}} : tensor<4x3xf32> -> tensor<12xf32>
// CHECK: %[[V:.*]] = starch.reshape %{{.*}} : tensor<3x3xf32> -> tensor<9xf32>
// CHECK: %[[CAT:.*]] = starch.concat %[[W]], %[[V]] axis = 0 : (tensor<12xf32>, tensor<9xf32>) -> tensor<21xf32>
// CHECK: %[[SUM:.*]] = starch.all_reduce %[[CAT]] reduce = sum : tensor<21xf32>
// CHECK: starch.slice %[[SUM]] start = [0] limit = [12] strides = [1]
// CHECK: starch.slice %[[SUM]] start = [12] limit = [21] strides = [1]
// CHECK: starch.all_reduce %{{.*}} reduce = sum : tensor<3x5xf32>
// CHECK-NOT: starch.all_reduce

// NONE-COUNT-4: starch.all_reduce
// NONE-NOT: tensor<21xf32>

// BAD: starch-optimizer: bucket-mb must be >= 0

starch.param @w : tensor<4x3xf32>
starch.param @v : tensor<3x3xf32>
starch.param @u : tensor<3x5xf32>
func.func @loss(%x: tensor<2x4xf32>) -> tensor<f32> {
  %w = starch.read_param @w : tensor<4x3xf32>
  %v = starch.read_param @v : tensor<3x3xf32>
  %u = starch.read_param @u : tensor<3x5xf32>
  %h = starch.matmul %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  %t = starch.tanh %h : tensor<2x3xf32>
  %g = starch.matmul %t, %v : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x3xf32>
  %y = starch.matmul %g, %u : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<2x5xf32>
  %s = starch.mul %y, %y : tensor<2x5xf32>
  %l = starch.reduce sum %s dims = [0, 1] : tensor<2x5xf32> -> tensor<f32>
  return %l : tensor<f32>
}
