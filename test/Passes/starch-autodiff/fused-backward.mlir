// RUN: starch-opt %s --starch-autodiff=wrt-arguments=true -split-input-file | FileCheck %s

// The backward of attention is one starch.attention_grad that recomputes the
// probabilities from q and k: no softmax, matmul or score-sized select in the
// gradient function. It reads the forward's result and carries its layer.
// CHECK-LABEL: func.func @attention_grad
// CHECK-SAME: (%[[Q:.*]]: tensor<1x4x8x2xf32>, %[[K:.*]]: tensor<1x2x8x2xf32>, %[[V:.*]]: tensor<1x2x8x2xf32>)
// CHECK: %[[O:.*]] = starch.attention %[[Q]], %[[K]], %[[V]] mask = causal
// CHECK: %[[DY:.*]] = starch.broadcast
// CHECK-NOT: starch.softmax
// CHECK-NOT: starch.matmul
// CHECK-NOT: starch.select
// CHECK: %[[DQ:.*]], %[[DK:.*]], %[[DV:.*]] = starch.attention_grad %[[Q]], %[[K]], %[[V]] out %[[O]] d_out %[[DY]] mask = causal scale = 5.000000e-01 {starch.layer = "model.layers.0"}
// CHECK-SAME: -> (tensor<1x4x8x2xf32>, tensor<1x2x8x2xf32>, tensor<1x2x8x2xf32>)
// CHECK-NOT: starch.softmax
// CHECK: return %{{.*}}, %[[DQ]], %[[DK]], %[[DV]]
func.func @attention(%q: tensor<1x4x8x2xf32>, %k: tensor<1x2x8x2xf32>, %v: tensor<1x2x8x2xf32>) -> tensor<f32> {
  %a = starch.attention %q, %k, %v mask = causal scale = 0.5 {starch.layer = "model.layers.0"} : (tensor<1x4x8x2xf32>, tensor<1x2x8x2xf32>, tensor<1x2x8x2xf32>) -> tensor<1x4x8x2xf32>
  %l = starch.reduce sum %a dims = [0, 1, 2, 3] : tensor<1x4x8x2xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// With an additive mask the bias gets its gradient as a fourth result.
// CHECK-LABEL: func.func @additive_grad
// CHECK-SAME: (%[[Q:.*]]: tensor<2x2x3x4xf32>, %[[KV:.*]]: tensor<2x2x5x4xf32>, %[[B:.*]]: tensor<1x2x3x5xf32>)
// CHECK-NOT: starch.softmax
// CHECK: %[[DQ:.*]], %[[DK:.*]], %[[DV:.*]], %[[DB:.*]] = starch.attention_grad %[[Q]], %[[KV]], %[[KV]] bias %[[B]] out %{{.*}} d_out %{{.*}} mask = additive
// CHECK-SAME: -> (tensor<2x2x3x4xf32>, tensor<2x2x5x4xf32>, tensor<2x2x5x4xf32>, tensor<1x2x3x5xf32>)
// CHECK: %[[DKV:.*]] = starch.add %[[DK]], %[[DV]]
// CHECK-NOT: starch.softmax
// CHECK: return %{{.*}}, %[[DQ]], %[[DKV]], %[[DB]]
func.func @additive(%q: tensor<2x2x3x4xf32>, %kv: tensor<2x2x5x4xf32>, %b: tensor<1x2x3x5xf32>) -> tensor<f32> {
  %a = starch.attention %q, %kv, %kv bias %b mask = additive scale = 0.5 : (tensor<2x2x3x4xf32>, tensor<2x2x5x4xf32>, tensor<2x2x5x4xf32>, tensor<1x2x3x5xf32>) -> tensor<2x2x3x4xf32>
  %l = starch.reduce sum %a dims = [0, 1, 2, 3] : tensor<2x2x3x4xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// With a bitfield mask the words pass through to attention_grad; they are
// integers and get no gradient, and there is no d_bias.
// CHECK-LABEL: func.func @bitfield_grad
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x6x4xf32>, %[[K:.*]]: tensor<2x2x6x4xf32>, %[[V:.*]]: tensor<2x2x6x4xf32>, %[[BITS:.*]]: tensor<2x6xi64>)
// CHECK-SAME: -> (tensor<f32>, tensor<2x4x6x4xf32> {starch.name = "grad.arg0"}, tensor<2x2x6x4xf32> {starch.name = "grad.arg1"}, tensor<2x2x6x4xf32> {starch.name = "grad.arg2"})
// CHECK: %[[O:.*]] = starch.attention %[[Q]], %[[K]], %[[V]] bits %[[BITS]] mask = bitfield
// CHECK-NOT: starch.softmax
// CHECK: %[[DQ:.*]], %[[DK:.*]], %[[DV:.*]] = starch.attention_grad %[[Q]], %[[K]], %[[V]] bits %[[BITS]] out %[[O]] d_out %{{.*}} mask = bitfield scale = 5.000000e-01
// CHECK-SAME: -> (tensor<2x4x6x4xf32>, tensor<2x2x6x4xf32>, tensor<2x2x6x4xf32>)
// CHECK: return %{{.*}}, %[[DQ]], %[[DK]], %[[DV]] :
func.func @bitfield(%q: tensor<2x4x6x4xf32>, %k: tensor<2x2x6x4xf32>, %v: tensor<2x2x6x4xf32>, %bits: tensor<2x6xi64>) -> tensor<f32> {
  %a = starch.attention %q, %k, %v bits %bits mask = bitfield scale = 0.5 : (tensor<2x4x6x4xf32>, tensor<2x2x6x4xf32>, tensor<2x2x6x4xf32>, tensor<2x6xi64>) -> tensor<2x4x6x4xf32>
  %l = starch.reduce sum %a dims = [0, 1, 2, 3] : tensor<2x4x6x4xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A constant bias (a padding mask) needs no gradient: d_bias is left unused,
// and so are d_key and d_value of constant keys and values.
// CHECK-LABEL: func.func @frozen_grad
// CHECK: %[[DQ:.*]], %{{.*}}, %{{.*}}, %{{.*}} = starch.attention_grad
// CHECK: return %{{.*}}, %[[DQ]] :
func.func @frozen(%q: tensor<1x1x2x2xf32>) -> tensor<f32> {
  %kv = starch.constant dense<0.5> : tensor<1x1x2x2xf32>
  %b = starch.constant dense<0.0> : tensor<1x1x2x2xf32>
  %a = starch.attention %q, %kv, %kv bias %b mask = additive scale = 0.5 : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %l = starch.reduce sum %a dims = [0, 1, 2, 3] : tensor<1x1x2x2xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// The norms' backward is one op each, recomputing the row statistics: no
// reduce, rsqrt or broadcast of the statistics in the gradient function.
// CHECK-LABEL: func.func @norms_grad
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x8xf32>, %[[W:.*]]: tensor<8xf32>, %[[LW:.*]]: tensor<3x8xf32>, %[[LB:.*]]: tensor<3x8xf32>)
// CHECK: %[[H:.*]] = starch.rms_norm %[[X]], %[[W]]
// CHECK: %[[N:.*]] = starch.layer_norm %[[H]], %[[LW]], %[[LB]] axis = 1
// CHECK: %[[DY:.*]] = starch.constant dense<1.000000e+00> : tensor<2x3x8xf32>
// CHECK-NOT: starch.rsqrt
// CHECK-NOT: starch.reduce
// CHECK: %[[DH:.*]], %[[DLW:.*]], %[[DLB:.*]] = starch.layer_norm_grad %[[H]], %[[LW]], %[[DY]] axis = 1 epsilon = 1.000000e-05 {starch.layer = "model.layers.1"}
// CHECK-SAME: : (tensor<2x3x8xf32>, tensor<3x8xf32>, tensor<2x3x8xf32>) -> (tensor<2x3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>)
// CHECK: %[[DX:.*]], %[[DW:.*]] = starch.rms_norm_grad %[[X]], %[[W]], %[[DH]] epsilon = 9.9999999999999995E-7 {starch.layer = "model.layers.0"}
// CHECK-SAME: : (tensor<2x3x8xf32>, tensor<8xf32>, tensor<2x3x8xf32>) -> (tensor<2x3x8xf32>, tensor<8xf32>)
// CHECK-NOT: starch.rsqrt
// CHECK-NOT: starch.reduce
// CHECK: return %{{.*}}, %[[DX]], %[[DW]], %[[DLW]], %[[DLB]]
func.func @norms(%x: tensor<2x3x8xf32>, %w: tensor<8xf32>, %lw: tensor<3x8xf32>, %lb: tensor<3x8xf32>) -> tensor<2x3x8xf32> {
  %h = starch.rms_norm %x, %w epsilon = 1.0e-6 {starch.layer = "model.layers.0"} : (tensor<2x3x8xf32>, tensor<8xf32>) -> tensor<2x3x8xf32>
  %n = starch.layer_norm %h, %lw, %lb axis = 1 epsilon = 1.0e-5 {starch.layer = "model.layers.1"} : (tensor<2x3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<2x3x8xf32>
  return %n : tensor<2x3x8xf32>
}
