// RUN: starch-opt %s | starch-opt | FileCheck %s

// CHECK-LABEL: func.func @dense_layer
func.func @dense_layer(%x: tensor<2x4x8xf32>, %w: tensor<2x8x8xf32>) -> tensor<2x4x8xf32> {
  // CHECK: %[[M:.*]] = starch.matmul %{{.*}}, %{{.*}} : (tensor<2x4x8xf32>, tensor<2x8x8xf32>) -> tensor<2x4x8xf32>
  %m = starch.matmul %x, %w : (tensor<2x4x8xf32>, tensor<2x8x8xf32>) -> tensor<2x4x8xf32>
  // CHECK: starch.gelu %[[M]] approximate = tanh : tensor<2x4x8xf32>
  %g = starch.gelu %m approximate = tanh : tensor<2x4x8xf32>
  return %g : tensor<2x4x8xf32>
}
