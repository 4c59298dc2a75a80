// RUN: starch-opt %s --starch-lm-loss | FileCheck %s
// RUN: not starch-opt %s "--starch-lm-loss=logits=1" 2>&1 | FileCheck %s --check-prefix=NOTLOGITS
// RUN: not starch-opt %s "--starch-lm-loss=function=nowhere" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: %python %S/../../Inputs/check_lm_loss.py --bin %starch_bin %s | FileCheck %s --check-prefix=NUM

// The loss function keeps the forward's arguments, adds the labels, shifts
// them by one position (the last position scores nothing: the ignore index)
// and drops what only fed the other output. The logits are not sliced.
// CHECK-LABEL: func.func @forward(
// CHECK-LABEL: func.func @loss(
// CHECK-SAME: %[[IDS:.*]]: tensor<2x4xi64>, %[[LABELS:.*]]: tensor<2x4xi64> {starch.name = "labels"}) -> (tensor<f32> {starch.name = "loss"})
// CHECK-NOT: starch.reduce
// CHECK: %[[LOGITS:.*]] = starch.matmul
// CHECK-NOT: starch.slice %[[LOGITS]]
// CHECK: %[[NEXT:.*]] = starch.slice %[[LABELS]] start = [0, 1] limit = [2, 4] strides = [1, 1]
// CHECK: %[[NONE:.*]] = starch.constant dense<-100> : tensor<2x1xi64>
// CHECK: %[[Y:.*]] = starch.concat %[[NEXT]], %[[NONE]] axis = 1 : (tensor<2x3xi64>, tensor<2x1xi64>) -> tensor<2x4xi64>
// CHECK: %[[LOSS:.*]] = starch.cross_entropy %[[LOGITS]], %[[Y]] ignore_index = -100 : (tensor<2x4x5xf32>, tensor<2x4xi64>) -> tensor<f32>
// CHECK: return %[[LOSS]]

// NOTLOGITS: starch-lm-loss: result #1 of @forward has type 'tensor<2xf32>'; causal-LM logits are float B x S x V with S >= 2
// MISSING: starch-lm-loss: no function @nowhere

// NUM: loss matches the cross-entropy of @forward's logits computed by hand

starch.param @embed : tensor<5x3xf32>
starch.param @head : tensor<3x5xf32>
func.func @forward(%ids: tensor<2x4xi64>) -> (tensor<2x4x5xf32>, tensor<2xf32>) {
  %e = starch.read_param @embed : tensor<5x3xf32>
  %h = starch.gather %e[%ids] axis = 0 : (tensor<5x3xf32>, tensor<2x4xi64>) -> tensor<2x4x3xf32>
  %w = starch.read_param @head : tensor<3x5xf32>
  %wb = starch.broadcast %w dims = [1, 2] : tensor<3x5xf32> -> tensor<2x3x5xf32>
  %logits = starch.matmul %h, %wb : (tensor<2x4x3xf32>, tensor<2x3x5xf32>) -> tensor<2x4x5xf32>
  %s = starch.reduce sum %logits dims = [1, 2] : tensor<2x4x5xf32> -> tensor<2xf32>
  return %logits, %s : tensor<2x4x5xf32>, tensor<2xf32>
}
