// RUN: starch-opt %s --starch-autodiff | FileCheck %s

// A float-to-float convert sends its cotangent back through the inverse
// convert; an integer convert stops the gradient.
// CHECK-LABEL: func.func @round_trip_grad
// CHECK-SAME: (%{{.*}}: tensor<3xf64> {starch.differentiable}, %{{.*}}: tensor<3xf64>)
// CHECK-SAME: -> (tensor<3xf64>, tensor<3xf64> {starch.name = "grad.arg0"})
// CHECK: %[[DY:.*]] = starch.constant dense<1.000000e+00> : tensor<3xf64>
// CHECK: %[[D32:.*]] = starch.convert %[[DY]] : tensor<3xf64> -> tensor<3xf32>
// CHECK: %[[D64:.*]] = starch.convert %[[D32]] : tensor<3xf32> -> tensor<3xf64>
// CHECK-NOT: starch.convert
// CHECK: return %{{.*}}, %[[D64]]
func.func @round_trip(%x: tensor<3xf64> {starch.differentiable}, %y: tensor<3xf64>) -> tensor<3xf64> {
  %a = starch.convert %x : tensor<3xf64> -> tensor<3xf32>
  %b = starch.convert %a : tensor<3xf32> -> tensor<3xf64>
  %i = starch.convert %y : tensor<3xf64> -> tensor<3xi64>
  %f = starch.convert %i : tensor<3xi64> -> tensor<3xf64>
  %s = starch.add %b, %f : tensor<3xf64>
  return %s : tensor<3xf64>
}
